//! The audit writer: one task that takes the events of many requests,
//! appends them to the chain in one transaction, and acknowledges each
//! request only after the commit. Batching across requests keeps the cost
//! per request to a share of one commit; a request whose events could not
//! be written gets an error and sends no data (fail closed).
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::chain;
use super::event::{Actor, NewEvent};
use crate::error::{AppError, AppResult};

type Job = (Vec<(Actor, NewEvent)>, oneshot::Sender<AppResult<()>>);

/// Handle to the writer task.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    tx: mpsc::Sender<Job>,
}

/// Most requests folded into one transaction.
const MAX_BATCH: usize = 256;

impl AuditWriter {
    /// Starts the writer task on `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(async move {
            let mut jobs = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
                // The request may have gone (client closed) before an
                // acknowledgement; nothing to do then.
                if jobs.len() == 1 {
                    if let Some((events, ack)) = jobs.pop() {
                        let _ = ack.send(timed(&db, events).await.map_err(failed));
                    }
                    continue;
                }
                let events: Vec<(Actor, NewEvent)> =
                    jobs.iter().flat_map(|(e, _)| e.iter().cloned()).collect();
                if timed(&db, events).await.is_ok() {
                    for (_, ack) in jobs.drain(..) {
                        let _ = ack.send(Ok(()));
                    }
                    continue;
                }
                // One request's events spoiled the shared transaction: retry
                // each alone, so that only that request fails.
                for (events, ack) in jobs.drain(..) {
                    let _ = ack.send(timed(&db, events).await.map_err(failed));
                }
            }
        });
        Self { tx }
    }

    /// Requests waiting for the writer (for `/metrics`).
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Writes `events` and waits until they are committed.
    pub async fn write(&self, events: Vec<(Actor, NewEvent)>) -> AppResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let (ack, done) = oneshot::channel();
        self.tx
            .send((events, ack))
            .await
            .map_err(|_| AppError::internal("audit writer has stopped"))?;
        done.await
            .map_err(|_| AppError::internal("audit writer dropped the request"))?
    }
}

fn failed(e: AppError) -> AppError {
    AppError::internal(format!("audit write failed: {e:?}"))
}

/// `write`, measured for `/metrics`.
async fn timed(db: &DatabaseConnection, events: Vec<(Actor, NewEvent)>) -> AppResult<()> {
    let started = std::time::Instant::now();
    let n = events.len();
    let result = write(db, events).await;
    crate::observe::audit_commit(n, started.elapsed(), result.is_ok());
    result
}

async fn write(db: &DatabaseConnection, events: Vec<(Actor, NewEvent)>) -> AppResult<()> {
    let txn = db.begin().await?;
    chain::append(&txn, events).await?;
    txn.commit().await?;
    Ok(())
}

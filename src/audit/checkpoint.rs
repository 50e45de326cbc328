//! Verified checkpoints and full walks of the hash chain (issue 12).
//!
//! A checkpoint says "events 1 to `sequence` were found intact, the last
//! with hash `hash`". `verifyAuditChain` checks only the events after the
//! latest checkpoint (and that the checkpointed event is unchanged), so it
//! answers in bounded time at any size of the log, and records a new
//! checkpoint. A change to an event before a checkpoint is not seen by
//! that check: full walks from the first event catch it, and they run off
//! the request path, from `hearth verify-audit` and from the server every
//! `[audit] full_walk_minutes`. Each report carries the latest full walk.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::chain::{self, ChainReport, Start};
use crate::error::{AppError, AppResult};

/// The outcome of a full walk.
#[derive(Debug, Clone, async_graphql::SimpleObject)]
#[graphql(name = "AuditFullWalk")]
pub struct FullWalk {
    /// When the walk finished.
    pub finished_at: DateTime<Utc>,
    /// Whether every event from the first was intact and in place.
    pub valid: bool,
    /// Number of events found intact from the first.
    pub events_checked: i64,
    /// The first event altered, missing or out of place.
    pub first_broken_sequence: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

impl FullWalk {
    /// The walk as the answer of a check that reuses it.
    fn into_report(self) -> ChainReport {
        ChainReport {
            valid: self.valid,
            events_checked: self.events_checked,
            checked_from: 1,
            first_broken_sequence: self.first_broken_sequence,
            problem: self.problem.clone(),
            last_full_walk: Some(self),
        }
    }
}

/// The latest full walk of this process, shared with the auditors' query,
/// and the turn to walk: one walk at a time.
#[derive(Debug, Clone, Default)]
pub struct WalkStatus(Arc<RwLock<Option<FullWalk>>>, Arc<tokio::sync::Mutex<()>>);

impl WalkStatus {
    /// The latest full walk, if one has finished.
    pub fn latest(&self) -> Option<FullWalk> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, walk: FullWalk) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(walk);
    }
}

const TABLE: &str = "audit_checkpoints";

/// The latest checkpoint: sequence and hash.
async fn latest<C: ConnectionTrait>(conn: &C) -> AppResult<Start> {
    let q = Query::select()
        .columns([Alias::new("sequence"), Alias::new("hash")])
        .from(Alias::new(TABLE))
        .order_by(Alias::new("sequence"), Order::Desc)
        .limit(1)
        .to_owned();
    let stmt = conn.get_database_backend().build(&q);
    Ok(match conn.query_one_raw(stmt).await? {
        Some(row) => Some((row.try_get("", "sequence")?, row.try_get("", "hash")?)),
        None => None,
    })
}

/// Records that the chain is intact up to `sequence`.
async fn record<C: ConnectionTrait>(
    conn: &C,
    sequence: i64,
    hash: String,
    full_walk: bool,
) -> AppResult<()> {
    if sequence < 1 {
        return Ok(());
    }
    let q = Query::insert()
        .into_table(Alias::new(TABLE))
        .columns([
            Alias::new("sequence"),
            Alias::new("hash"),
            Alias::new("verified_at"),
            Alias::new("full_walk"),
        ])
        .values([
            Expr::val(sequence),
            Expr::val(hash),
            Expr::val(Utc::now()),
            Expr::val(full_walk),
        ])
        .map_err(|e| AppError::internal(format!("checkpoint insert: {e}")))?
        .on_conflict(
            OnConflict::column(Alias::new("sequence"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute_raw(conn.get_database_backend().build(&q))
        .await?;
    Ok(())
}

/// Every checkpoint: a full walk checks each event it passes against them,
/// so a log cut back and refilled to its old length cannot pass.
async fn all<C: ConnectionTrait>(conn: &C) -> AppResult<HashMap<i64, String>> {
    let q = Query::select()
        .columns([Alias::new("sequence"), Alias::new("hash")])
        .from(Alias::new(TABLE))
        .to_owned();
    let mut out = HashMap::new();
    for row in conn
        .query_all_raw(conn.get_database_backend().build(&q))
        .await?
    {
        out.insert(row.try_get("", "sequence")?, row.try_get("", "hash")?);
    }
    Ok(out)
}

/// Checks the events after the latest checkpoint and records a new one.
/// While this process's latest full walk found a break, that break is the
/// answer and no checkpoint is recorded: a checkpoint claims everything
/// before it intact.
pub async fn verify_incremental(
    db: &DatabaseConnection,
    walks: &WalkStatus,
) -> AppResult<ChainReport> {
    if let Some(walk) = walks.latest().filter(|w| !w.valid) {
        return Ok(walk.into_report());
    }
    let start = latest(db).await?;
    let (mut report, last_hash) = chain::verify_from(db, start.clone(), &HashMap::new()).await?;
    let moved = start
        .as_ref()
        .is_none_or(|(seq, _)| report.events_checked > *seq);
    if report.valid && moved {
        record(db, report.events_checked, last_hash, false).await?;
    }
    report.last_full_walk = walks.latest();
    Ok(report)
}

/// Walks the whole chain from the first event; records a checkpoint when
/// it is intact, and the outcome in `walks`.
///
/// One walk at a time: a request that had to wait for another walk gets
/// that walk's outcome instead of walking again, so a hundred aliased
/// `verifyAuditChain(full: true)` cost one walk, not a hundred.
///
/// `rest` paces the walk (`chain::walk`): 0 for a walk someone waits for,
/// `BACKGROUND_REST` for the periodic one.
pub async fn full_walk(
    db: &DatabaseConnection,
    walks: &WalkStatus,
    rest: u32,
) -> AppResult<ChainReport> {
    let asked = Utc::now();
    let _turn = walks.1.lock().await;
    if let Some(walk) = walks.latest().filter(|w| w.finished_at >= asked) {
        return Ok(walk.into_report());
    }
    let known = all(db).await?;
    let (mut report, last_hash) = chain::walk(db, None, &known, rest).await?;
    if report.valid {
        record(db, report.events_checked, last_hash, true).await?;
    } else {
        // Ids and sequence numbers only; an auditor reads the rest.
        tracing::error!(
            sequence = report.first_broken_sequence,
            "audit chain broken (full walk)"
        );
    }
    walks.set(FullWalk {
        finished_at: Utc::now(),
        valid: report.valid,
        events_checked: report.events_checked,
        first_broken_sequence: report.first_broken_sequence,
        problem: report.problem.clone(),
    });
    report.last_full_walk = walks.latest();
    Ok(report)
}

/// How long the periodic walk rests after each page, as a multiple of the
/// time the page took: a walk of 4M events at full speed took about 20 s of
/// CPU at `serve` start and slowed requests meanwhile (issue 12); rested,
/// it takes about four times as long and a quarter of the CPU while it runs.
pub const BACKGROUND_REST: u32 = 3;

/// Starts the periodic full walk (`minutes` apart; 0 turns it off).
pub fn start_walks(db: DatabaseConnection, walks: WalkStatus, minutes: u64) {
    if minutes == 0 {
        return;
    }
    tokio::spawn(async move {
        // The first walk at start: what a failed walk found is kept in this
        // process only, so a restart finds it again.
        let mut every = tokio::time::interval(std::time::Duration::from_secs(minutes * 60));
        loop {
            every.tick().await;
            if let Err(e) = full_walk(&db, &walks, BACKGROUND_REST).await {
                // The code only: a database error can quote stored values.
                tracing::warn!(
                    code = e.code(),
                    "full walk of the audit chain failed to run"
                );
            }
        }
    });
}

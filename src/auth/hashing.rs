//! Password hashing under load. Each argon2id check holds 19 MiB for its
//! duration, so checks run on a fixed set of threads of their own, at most
//! one per thread: resident memory for hashing stays at about `threads` x
//! 19 MiB whatever arrives. A check waits for a thread in a bounded queue
//! for a bounded time; beyond either it is refused with `TOO_MANY_REQUESTS`
//! at once rather than queued without end.
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::password;
use crate::config::AuthConfig;
use crate::error::{AppError, AppResult};

type Job = Box<dyn FnOnce() + Send>;

/// Seconds a client refused for a full queue is asked to wait.
const RETRY_AFTER_FULL: u64 = 1;

/// Counters of the pool, for tests and metrics.
#[derive(Debug, Default)]
struct Gauges {
    running: AtomicUsize,
    peak: AtomicUsize,
    waiting: AtomicUsize,
    refused: AtomicU64,
    done: AtomicU64,
}

/// The hashing threads and their bounded queue.
#[derive(Debug)]
pub struct HashPool {
    jobs: Mutex<Sender<Job>>,
    slots: Arc<Semaphore>,
    threads: usize,
    max_waiting: usize,
    max_wait: Duration,
    gauges: Arc<Gauges>,
}

/// A hashing thread reserved for one check.
pub struct Slot<'a> {
    pool: &'a HashPool,
    permit: OwnedSemaphorePermit,
}

impl Slot<'_> {
    /// Runs `work` on the reserved thread.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let Slot { pool, permit } = self;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let gauges = pool.gauges.clone();
        let job: Job = Box::new(move || {
            let now = gauges.running.fetch_add(1, Ordering::SeqCst) + 1;
            gauges.peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            gauges.running.fetch_sub(1, Ordering::SeqCst);
            gauges.done.fetch_add(1, Ordering::SeqCst);
            drop(permit);
            let _ = tx.send(out);
        });
        pool.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| AppError::internal("hashing threads gone"))?;
        rx.await
            .map_err(|_| AppError::internal("hashing job failed"))
    }

    /// Verifies `pw` against `stored`, or against the dummy hash when there
    /// is no user (false then), so both take the same time.
    pub async fn verify(self, pw: &str, stored: Option<&str>) -> AppResult<bool> {
        let pw = pw.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move || password::verify_blocking(&pw, stored.as_deref()))
            .await
    }
}

/// Undoes a waiting count however the wait ends (also when dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn worker(jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        let job = {
            let rx = jobs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            rx.recv()
        };
        match job {
            // A panicking job loses its answer (the caller sees INTERNAL),
            // never the thread.
            Ok(job) => drop(std::panic::catch_unwind(AssertUnwindSafe(job))),
            Err(_) => return,
        }
    }
}

impl HashPool {
    /// Starts `auth.hash_threads` threads (0: one per core).
    pub fn start(auth: &AuthConfig) -> std::io::Result<Self> {
        let threads = match auth.hash_threads {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("hearth-hash-{i}"))
                .spawn(move || worker(rx))?;
        }
        Ok(Self {
            jobs: Mutex::new(tx),
            slots: Arc::new(Semaphore::new(threads)),
            threads,
            max_waiting: auth.hash_queue,
            max_wait: Duration::from_millis(auth.hash_wait_ms),
            gauges: Arc::default(),
        })
    }

    /// Waits for a hashing thread, or refuses with `TOO_MANY_REQUESTS` when
    /// the queue is full or the wait too long. The thread is the caller's
    /// until the returned slot runs its check (or is dropped).
    pub async fn reserve(&self) -> AppResult<Slot<'_>> {
        let g = &self.gauges;
        let waiting = Waiting(&g.waiting);
        if g.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting + self.threads {
            g.refused.fetch_add(1, Ordering::Relaxed);
            return Err(AppError::TooManyRequests {
                retry_after_secs: RETRY_AFTER_FULL,
            });
        }
        let permit = tokio::time::timeout(self.max_wait, self.slots.clone().acquire_owned()).await;
        drop(waiting);
        match permit {
            Ok(Ok(permit)) => Ok(Slot { pool: self, permit }),
            Ok(Err(e)) => Err(AppError::internal(e)),
            Err(_) => {
                g.refused.fetch_add(1, Ordering::Relaxed);
                Err(AppError::TooManyRequests {
                    retry_after_secs: self.max_wait.as_secs().max(1),
                })
            }
        }
    }

    /// Runs `work` on a hashing thread (`reserve`, then `Slot::run`).
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        self.reserve().await?.run(work).await
    }

    /// Hashes a new password.
    pub async fn hash(&self, pw: &str) -> AppResult<String> {
        let pw = pw.to_owned();
        self.run(move || password::hash_blocking(&pw)).await?
    }

    /// Verifies `pw` against `stored`, or against the dummy hash when there
    /// is no user (false then), so both take the same time.
    pub async fn verify(&self, pw: &str, stored: Option<&str>) -> AppResult<bool> {
        self.reserve().await?.verify(pw, stored).await
    }

    /// Hashing threads (the most checks at once).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The most checks that ran at once since start.
    pub fn peak(&self) -> usize {
        self.gauges.peak.load(Ordering::SeqCst)
    }

    /// Checks run since start.
    pub fn done(&self) -> u64 {
        self.gauges.done.load(Ordering::SeqCst)
    }

    /// Checks refused for a full queue or a long wait.
    pub fn refused(&self) -> u64 {
        self.gauges.refused.load(Ordering::Relaxed)
    }
}

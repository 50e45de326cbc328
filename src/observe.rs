//! Metrics through the `metrics` facade and its Prometheus exporter:
//! request latency per operation and status, GraphQL error codes, the audit
//! writer's queue, batches and commits, and the database pool.
//!
//! No label holds personal data or a client's free text beyond a bounded
//! set: an operation name is a label only if it is a GraphQL name of at
//! most 64 characters and one of the first `MAX_OPERATIONS` seen; the rest
//! count as `_other` (a client inventing names cannot grow the registry).
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

/// Distinct operation names kept as labels.
pub const MAX_OPERATIONS: usize = 200;

/// Seconds: from 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Events per audit transaction.
const BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. `None` if another
/// recorder was installed first (then metrics go there, and `/metrics`
/// shows only Hearth's own counters).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("hearth_audit_batch_events".into()),
                        BATCH_BUCKETS,
                    )
                })
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => {
                    let upkeep = handle.clone();
                    // Without a scrape, samples would pile up; upkeep folds
                    // them into the buckets.
                    std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || {
                            loop {
                                std::thread::sleep(Duration::from_secs(5));
                                upkeep.run_upkeep();
                            }
                        })
                        .ok()?;
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Operation names seen so far, bounded.
#[derive(Debug, Default)]
pub struct OperationLabels {
    seen: Mutex<HashSet<String>>,
}

fn is_graphql_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= 64
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl OperationLabels {
    /// The label for an operation: its name if it may be one, `_anonymous`
    /// without a name, `_other` beyond the bound, `_batch` for a batch.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "_anonymous".into();
        };
        if !is_graphql_name(name) {
            return "_other".into();
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_OPERATIONS {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "_other".into()
    }
}

/// One HTTP request to `/graphql` answered.
pub fn request_done(operation: &str, status: u16, elapsed: Duration) {
    metrics::histogram!(
        "hearth_graphql_request_duration_seconds",
        "operation" => operation.to_owned(),
        "status" => status.to_string()
    )
    .record(elapsed.as_secs_f64());
}

/// The codes of a response's errors.
pub fn errors(response: &async_graphql::BatchResponse) {
    for error in crate::graphql_errors::responses(response)
        .iter()
        .flat_map(|r| &r.errors)
    {
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(code)) => code.clone(),
            _ => "NONE".into(),
        };
        metrics::counter!("hearth_graphql_errors_total", "code" => code).increment(1);
    }
}

/// One audit transaction committed (or not) with `events` events.
pub fn audit_commit(events: usize, elapsed: Duration, ok: bool) {
    metrics::histogram!("hearth_audit_batch_events").record(events as f64);
    metrics::histogram!(
        "hearth_audit_commit_seconds",
        "outcome" => if ok { "committed" } else { "failed" }
    )
    .record(elapsed.as_secs_f64());
}

/// The gauges read at scrape time: the audit queue and the pool.
pub fn scrape_gauges(db: &DatabaseConnection, audit_queued: usize) {
    metrics::gauge!("hearth_audit_queue_depth").set(audit_queued as f64);
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = idle as f64;
    metrics::gauge!("hearth_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("hearth_db_pool_connections", "state" => "in_use").set(f64::from(size) - idle);
}

/// The exposition text of every metric recorded through the facade.
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_names_and_bounded() {
        let labels = OperationLabels::default();
        assert_eq!(labels.label(None), "_anonymous");
        assert_eq!(labels.label(Some("Children")), "Children");
        assert_eq!(labels.label(Some("19800101-1234")), "_other");
        assert_eq!(labels.label(Some(&"a".repeat(65))), "_other");
        for i in 0..MAX_OPERATIONS {
            labels.label(Some(&format!("Op{i}")));
        }
        assert_eq!(labels.label(Some("OneTooMany")), "_other");
        assert_eq!(labels.label(Some("Children")), "Children", "seen before");
    }
}

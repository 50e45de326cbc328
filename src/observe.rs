//! Metrics through the `metrics` facade and its Prometheus exporter:
//! request latency per operation and status, GraphQL error codes, the audit
//! writer's queue, batches and commits, and the database pool.
//!
//! No label holds personal data or a client's free text: an operation name
//! is a label only when it names a registered operation (trusted
//! documents); other names count as `_unregistered`.
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

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

/// Operation labels: only the names of registered operations (trusted
/// documents), which the project chose, never a client's free text (a name
/// like `Anna_19800101_1234` would put personal data into every scrape and
/// log line, and invented names would crowd out the real ones).
#[derive(Debug, Default)]
pub struct OperationLabels {
    trusted: Option<std::sync::Arc<crate::trusted::TrustedDocuments>>,
}

impl OperationLabels {
    /// Labels from the registered operations of `trusted` (none without).
    pub fn new(trusted: Option<std::sync::Arc<crate::trusted::TrustedDocuments>>) -> Self {
        Self { trusted }
    }

    /// The label for an operation: its name when registered,
    /// `_unregistered` for any other name, `_anonymous` without one.
    pub fn label(&self, name: Option<&str>) -> String {
        match name {
            None => "_anonymous".into(),
            Some(n) if self.trusted.as_ref().is_some_and(|t| t.registers(n)) => n.to_owned(),
            Some(_) => "_unregistered".into(),
        }
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
    fn only_registered_operation_names_are_labels() {
        let manifest =
            r#"{"9b2bb5f1a5d0e8c8a0d7e1a6d1f0b0a3c1e0d2f4a6b8c0d2e4f6a8b0c2d4e6f8": "x"}"#;
        assert!(
            crate::trusted::TrustedDocuments::parse(manifest).is_err(),
            "hash checked"
        );
        let doc = "query Children { me { id } }";
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(doc.as_bytes()))
        };
        let trusted =
            crate::trusted::TrustedDocuments::parse(&serde_json::json!({ hash: doc }).to_string())
                .unwrap_or_else(|e| panic!("{e}"));
        let labels = OperationLabels::new(Some(std::sync::Arc::new(trusted)));
        assert_eq!(labels.label(Some("Children")), "Children");
        assert_eq!(labels.label(Some("Anna_19800101_1234")), "_unregistered");
        assert_eq!(labels.label(None), "_anonymous");
        let open = OperationLabels::default();
        assert_eq!(
            open.label(Some("Children")),
            "_unregistered",
            "no manifest, no names"
        );
    }
}

//! Operational endpoints and response headers: readiness, metrics and the
//! security headers every response carries.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) requests: AtomicU64,
    pub(crate) audit_failures: AtomicU64,
    pub(crate) limit_refusals: AtomicU64,
}

/// Shared metrics handle.
pub fn new_metrics() -> Arc<Metrics> {
    Arc::new(Metrics::default())
}

/// Ready when the database answers and every migration is applied.
pub(crate) async fn readyz(State(state): State<AppState>) -> StatusCode {
    let ping = state.db.ping().await.is_ok();
    if ping && crate::db::migrations_current(&state.db).await {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Whether two byte strings are equal, in time independent of where they
/// differ (a token compared byte by byte would leak its prefix by timing).
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Prometheus metrics (`crate::observe`); behind `server.metrics_token` when it is set, and
/// absent in production without one.
pub(crate) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = &state.config.server.metrics_token;
    if token.is_empty() {
        if state.config.is_production() {
            return StatusCode::NOT_FOUND.into_response();
        }
    } else {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same_secret(sent.as_bytes(), token.as_bytes()) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    let m = &state.metrics;
    crate::observe::scrape_gauges(&state.db, state.audit.queued());
    let mut body = format!(
        "# TYPE hearth_graphql_requests_total counter\nhearth_graphql_requests_total {}\n\
         # TYPE hearth_audit_write_failures_total counter\nhearth_audit_write_failures_total {}\n\
         # TYPE hearth_sql_statements_total counter\nhearth_sql_statements_total {}\n\
         # TYPE hearth_limit_refusals_total counter\nhearth_limit_refusals_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.audit_failures.load(Ordering::Relaxed),
        state.statements.get(),
        m.limit_refusals.load(Ordering::Relaxed)
    );
    body.push_str(&crate::observe::render());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Headers every response carries: no MIME sniffing, and nothing cached,
/// since GraphQL answers hold personal data.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

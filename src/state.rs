//! Shared application state.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::audit::AuditWriter;
use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::db::StatementCounter;

/// Everything a request handler needs, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Database pool.
    pub db: DatabaseConnection,
    /// Validated settings.
    pub config: Arc<Config>,
    /// Token keys.
    pub keys: Arc<TokenKeys>,
    /// The audit writer task.
    pub audit: AuditWriter,
    /// SQL statements sent, for metrics.
    pub statements: Arc<StatementCounter>,
    /// Users' roles and permissions, checked against the access version.
    pub permissions: Arc<crate::access::principal::PermissionCache>,
    /// Bounded password hashing and login rate limits.
    pub login_guard: Arc<crate::auth::guard::LoginGuard>,
    /// Request counters, for metrics.
    pub metrics: Arc<crate::server::Metrics>,
    /// The latest full walk of the audit chain.
    pub walks: crate::audit::checkpoint::WalkStatus,
    /// The trusted documents, when only those may run (`crate::trusted`).
    pub trusted: Option<Arc<crate::trusted::TrustedDocuments>>,
    /// Slots for aggregate computations (statistics, measures): at most
    /// [`AGGREGATE_SLOTS`] at once, so that one request of many aliases or
    /// a batch cannot take every core and connection.
    pub aggregates: Arc<tokio::sync::Semaphore>,
}

/// Aggregate computations one process runs at once.
pub const AGGREGATE_SLOTS: usize = 2;

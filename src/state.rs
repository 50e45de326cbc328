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
    /// Slots for statistics and care measures (`crate::slots`): at most
    /// [`AGGREGATE_SLOTS`] at once, one per caller.
    pub aggregates: Arc<crate::slots::Slots>,
    /// Slots for case lists computed over a whole scope (deadlines), apart
    /// from the statistics so that management cannot starve case work.
    pub case_lists: Arc<crate::slots::Slots>,
}

/// Aggregate computations one process runs at once.
pub const AGGREGATE_SLOTS: usize = 2;

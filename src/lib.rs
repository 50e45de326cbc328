//! Hearth: the GraphQL backend of a Swedish municipality's register of
//! children in out-of-home care. See README.md for the design.
pub mod access;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod error;
pub mod graphql;
pub mod graphql_errors;
pub mod limits;
pub mod observe;
pub mod ops;
pub mod protocol;
pub mod request;
pub mod server;
pub mod slots;
pub mod state;
pub mod telemetry;
pub mod trusted;

use std::sync::Arc;

/// Connects, migrates and builds the application state for `config`.
pub async fn build_state(config: config::Config) -> anyhow::Result<state::AppState> {
    let (db, statements) =
        db::connect(&config.database.url, config.database.max_connections).await?;
    db::migrate(&db).await?;
    let keys = Arc::new(auth::token::TokenKeys::new(&config.auth));
    // Before the first request records anything.
    observe::handle();
    let audit = audit::AuditWriter::start(db.clone());
    // Full walks start with `serve` (`cli`), not here: tests build states
    // too, and a walk of their own would race with what they check.
    let walks = audit::checkpoint::WalkStatus::default();
    let login_guard = Arc::new(auth::guard::LoginGuard::start(&config.auth)?);
    let trusted = match config.server.trusted_documents.as_str() {
        "" => None,
        path => Some(Arc::new(trusted::TrustedDocuments::load(path)?)),
    };
    auth::password::prepare()
        .await
        .map_err(|e| anyhow::anyhow!("building the dummy password hash: {e:?}"))?;
    Ok(state::AppState {
        db,
        config: Arc::new(config),
        keys,
        audit,
        statements,
        permissions: Arc::default(),
        metrics: server::new_metrics(),
        login_guard,
        walks,
        trusted,
        aggregates: Arc::new(slots::Slots::new(state::AGGREGATE_SLOTS)),
        case_lists: Arc::new(slots::Slots::new(state::AGGREGATE_SLOTS)),
    })
}

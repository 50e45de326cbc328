//! Sessions that end, lockout that is counted atomically and the same for
//! every username, and audit events whose client-supplied request id,
//! protected-identity state and repeat count are recorded apart.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &[
    // One row per login. Access tokens name their session; each request
    // checks it, so logout, revocation, a password change or the end of the
    // session's maximum lifetime stops its tokens at the next request.
    "CREATE TABLE sessions (
        id {uuid} PRIMARY KEY,
        user_id {uuid} NOT NULL REFERENCES users(id),
        created_at {ts} NOT NULL,
        expires_at {ts} NOT NULL,
        revoked_at {ts},
        CHECK (expires_at > created_at)
    )",
    "CREATE INDEX sessions_by_user ON sessions (user_id)",
    // Failed logins are counted per username tried, whether or not such a
    // user exists, so that lockout tells nothing about which names exist.
    "CREATE TABLE login_attempts (
        username TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        locked_until {ts}
    )",
    "ALTER TABLE audit_events ADD COLUMN client_request_id TEXT",
    "ALTER TABLE audit_events ADD COLUMN subject_protected {bool}",
    "ALTER TABLE audit_events ADD COLUMN repeat_count BIGINT CHECK (repeat_count > 1)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let statements: Vec<String> = STATEMENTS.iter().map(|s| ddl(backend, s)).collect();
        run_all(manager, &statements).await
    }
}

//! Verified checkpoints of the audit hash chain (issue 12): "events 1 to
//! `sequence` were found intact, the last with hash `hash`, at
//! `verified_at`". `verifyAuditChain` checks only what was appended since
//! the latest one, so it answers in bounded time at any size of the log;
//! full walks (`hearth verify-audit`, the server's periodic walk) check
//! everything again off the request path. Append-only like the log.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE audit_checkpoints (
    sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    verified_at {ts} NOT NULL,
    full_walk {bool} NOT NULL
)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = vec![ddl(backend, TABLE)];
        statements.extend(match backend {
            DbBackend::Postgres => vec![
                "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE
                    ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()"
                    .to_owned(),
                "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
                    FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()"
                    .to_owned(),
            ],
            _ => vec![
                "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
                 BEGIN SELECT RAISE(ABORT, 'hearth: the audit log is append-only'); END"
                    .to_owned(),
                "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
                 BEGIN SELECT RAISE(ABORT, 'hearth: the audit log is append-only'); END"
                    .to_owned(),
            ],
        });
        run_all(manager, &statements).await
    }
}

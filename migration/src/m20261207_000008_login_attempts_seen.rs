//! When a username was last tried, so that failed logins older than the
//! lockout period are forgotten and their rows pruned: made-up usernames
//! can no longer fill `login_attempts`.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &["ALTER TABLE login_attempts ADD COLUMN last_attempt_at {ts}"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let statements: Vec<String> = STATEMENTS.iter().map(|s| ddl(backend, s)).collect();
        run_all(manager, &statements).await
    }
}

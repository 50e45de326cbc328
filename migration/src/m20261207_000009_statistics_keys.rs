//! The record keys of the cell-key method (issue 11,
//! `hearth::domain::statistics::perturbation`): every placement gets a fixed
//! random key, 1 to 2^31 - 1, drawn by the database when the placement is
//! stored and never changed. Sums of a million keys stay far below 2^63.
use crate::sql::run_all;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &[&str] = &[
    // A volatile default is evaluated for every existing row as well.
    "ALTER TABLE placements ADD COLUMN stat_key BIGINT NOT NULL \
     DEFAULT (1 + floor(random() * 2147483646))::bigint",
];

const SQLITE: &[&str] = &[
    // SQLite cannot add a column with an expression default: existing rows
    // are drawn here, new ones by the trigger.
    "ALTER TABLE placements ADD COLUMN stat_key INTEGER NOT NULL DEFAULT 0",
    "UPDATE placements SET stat_key = 1 + abs(random() % 2147483646)",
    "CREATE TRIGGER placements_stat_key AFTER INSERT ON placements WHEN NEW.stat_key = 0 \
     BEGIN UPDATE placements SET stat_key = 1 + abs(random() % 2147483646) WHERE id = NEW.id; END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
        run_all(manager, &statements).await
    }
}

//! Domain bounds on the figures that feed shared statistics (issue 10): a
//! daily cost or rate above 1,000,000 SEK, a budget above 2,000,000,000 SEK
//! or a child population above 10,000,000 is a typing error or an attack,
//! and summed it would overflow every figure of its year. The application
//! refuses them (`hearth::domain::bounds`); the database refuses them too,
//! whatever code writes.
//!
//! PostgreSQL: CHECK constraints added `NOT VALID`, so that an installation
//! holding older out-of-range rows still migrates (its sums saturate). SQLite
//! cannot add a constraint to a table, so triggers refuse the same values.
use crate::sql::run_all;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, condition a row must meet)
const BOUNDS: &[(&str, &str, &str)] = &[
    (
        "placements",
        "daily_cost",
        "daily_cost BETWEEN 0 AND 1000000",
    ),
    (
        "care_settings",
        "daily_rate",
        "daily_rate IS NULL OR daily_rate BETWEEN 0 AND 1000000",
    ),
    ("budgets", "amount", "amount BETWEEN 0 AND 2000000000"),
    (
        "child_population",
        "child_count",
        "child_count BETWEEN 1 AND 10000000",
    ),
];

fn statements(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    for (table, column, condition) in BOUNDS {
        match backend {
            DbBackend::Postgres => out.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_bound CHECK ({condition}) NOT VALID"
            )),
            _ => {
                for event in ["INSERT", "UPDATE"] {
                    out.push(format!(
                        "CREATE TRIGGER {table}_{column}_bound_{} BEFORE {event} ON {table}
                         WHEN NOT ({})
                         BEGIN SELECT RAISE(ABORT, 'hearth: {table}.{column} out of bounds'); END",
                        event.to_lowercase(),
                        condition.replace(column, &format!("NEW.{column}"))
                    ));
                }
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, &statements(manager.get_database_backend())).await
    }
}

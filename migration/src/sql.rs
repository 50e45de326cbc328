//! Helpers that let one SQL text serve both SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Replaces the type placeholders `{uuid}`, `{ts}`, `{date}`, `{bool}`,
/// `{money}` with the backend's types.
pub fn ddl(backend: DbBackend, text: &str) -> String {
    let pg = backend == DbBackend::Postgres;
    text.replace("{uuid}", if pg { "UUID" } else { "BLOB" })
        .replace("{ts}", if pg { "TIMESTAMPTZ" } else { "TEXT" })
        .replace("{date}", if pg { "DATE" } else { "TEXT" })
        .replace("{bool}", "BOOLEAN")
        .replace("{money}", "BIGINT")
        .replace("{true}", if pg { "TRUE" } else { "1" })
        .replace("{false}", if pg { "FALSE" } else { "0" })
}

/// A UUID literal in the backend's storage form (SQLite stores UUIDs as
/// 16-byte blobs, which is how the driver binds them).
pub fn uuid_lit(backend: DbBackend, uuid: &str) -> String {
    if backend == DbBackend::Postgres {
        format!("'{uuid}'::uuid")
    } else {
        format!("X'{}'", uuid.replace('-', ""))
    }
}

/// Runs each statement in order on the migration's connection.
pub async fn run_all(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

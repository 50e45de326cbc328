//! Database connection, migrations and the mapping of database errors.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlErr};

use crate::error::AppError;

/// Counts every SQL statement sent, for `/metrics` and the N+1 test, and
/// separately those that touch the audit tables: the audit writer appends
/// many requests' events in one transaction, so its statements per request
/// depend on how many requests arrive together, while a request's own reads
/// must not.
#[derive(Debug, Default)]
pub struct StatementCounter {
    all: AtomicU64,
    audit: AtomicU64,
}

impl StatementCounter {
    /// Statements sent since start.
    pub fn get(&self) -> u64 {
        self.all.load(Ordering::Relaxed)
    }

    /// Statements sent since start that read or write `audit_events` or
    /// `audit_head`.
    pub fn audit(&self) -> u64 {
        self.audit.load(Ordering::Relaxed)
    }

    fn record(&self, sql: &str) {
        self.all.fetch_add(1, Ordering::Relaxed);
        if sql.contains("audit_events")
            || sql.contains("audit_head")
            || sql.contains("audit_checkpoints")
        {
            self.audit.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Connects, creating the SQLite file's folder where needed. SQLite gets a
/// single connection: it has one writer anyway, and one connection avoids
/// `SQLITE_BUSY` between the audit writer and mutations.
pub async fn connect(
    url: &str,
    max_connections: u32,
) -> anyhow::Result<(DatabaseConnection, Arc<StatementCounter>)> {
    let sqlite = url.starts_with("sqlite:");
    if let Some(path) = sqlite.then(|| sqlite_file(url)).flatten()
        && let Some(parent) = std::path::Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if sqlite { 1 } else { max_connections })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // PostgreSQL's JIT compiles a statement once its estimated cost is
        // high, which the statistics aggregates over a million placements
        // are: about 110 ms of compiling for a statement that then runs in
        // 250 ms, on every request (issue 12, `auto_explain`). Hearth's
        // statements are many and short; JIT never pays for itself here.
        .map_sqlx_postgres_opts(|o| o.options([("jit", "off")]));
    let mut db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    if sqlite {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
            .await?;
    }
    let counter = Arc::new(StatementCounter::default());
    let c = counter.clone();
    db.set_metric_callback(move |info| c.record(&info.statement.sql));
    Ok((db, counter))
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.to_owned())
}

/// Applies pending migrations.
/// The migrations run in one transaction that first takes a lock, so
/// processes starting together migrate one after the other and the second
/// finds nothing pending (DDL is transactional on both databases). On
/// PostgreSQL the lock is an advisory lock; on SQLite it is the database's
/// write lock, taken by a first write (the second process waits for it).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let failed = |e: DbErr| anyhow::anyhow!("migration failed: {e}");
    let txn = db.begin().await.map_err(failed)?;
    let lock = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            vec![format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")]
        }
        _ => vec![
            "CREATE TABLE IF NOT EXISTS migration_lock (id INTEGER PRIMARY KEY)".to_owned(),
            "INSERT OR REPLACE INTO migration_lock (id) VALUES (1)".to_owned(),
        ],
    };
    for statement in lock {
        txn.execute_unprepared(&statement).await.map_err(failed)?;
    }
    Migrator::up(&txn, None).await.map_err(failed)?;
    txn.commit().await.map_err(failed)
}

/// Key of the PostgreSQL advisory lock migrations hold ("HEARTHMG").
const MIGRATION_LOCK: i64 = 0x4845_4152_5448_4d47;

/// Whether every migration has been applied (for `/readyz`).
pub async fn migrations_current(db: &DatabaseConnection) -> bool {
    matches!(Migrator::get_pending_migrations(db).await, Ok(p) if p.is_empty())
}

/// Maps a database error to what the client may know about it.
pub fn classify(err: DbErr) -> AppError {
    let text = err.to_string();
    if text.contains("placement overlaps another placement") {
        return AppError::Conflict(
            "The placement overlaps another placement of the same child.".into(),
        );
    }
    if text.contains("deadlock detected") {
        // Writers take a child's rows in one order (`writable_child`); should
        // two still collide, the loser is told to try again, not INTERNAL.
        return AppError::Conflict("The record was changed at the same time; try again.".into());
    }
    if text.contains("a follow-up belongs to an intervention") {
        return AppError::bad_input(
            "doneOn",
            "A follow-up is of an intervention of the child, on or after its start.",
        );
    }
    if text.contains("24-hour intervention overlaps another") {
        return AppError::Conflict(
            "The 24-hour intervention overlaps another of the same child.".into(),
        );
    }
    if text.contains("must lie within a 24-hour intervention") {
        return AppError::Conflict(
            "The placement must lie within a 24-hour intervention of the same child.".into(),
        );
    }
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("A record with the same unique value already exists.".into())
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            AppError::bad_input("id", "A referenced record does not exist.")
        }
        _ => AppError::internal(text),
    }
}

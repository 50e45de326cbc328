//! Database schema of Hearth: tables, the rules the database enforces itself
//! (constraints and triggers), and the reference data every installation has
//! (reason codes and the built-in roles).
//!
//! DDL is written as SQL with a small per-backend type map rather than with
//! the query builder, because the triggers have to be SQL anyway and one
//! readable statement per table is easier to review than builder chains.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_schema;
mod m20261122_000002_rules;
mod m20261122_000003_seed;
mod m20261122_000004_access_version;
mod m20261207_000005_sessions;
mod m20261207_000006_grant_requests;
mod m20261207_000007_bounds;
mod m20261207_000008_login_attempts_seen;
mod m20261207_000009_statistics_keys;
mod m20261207_000010_audit_by_username;
mod m20261207_000011_protected_lookup;
mod m20261207_000012_setting_units;
mod m20261207_000013_audit_checkpoints;
pub mod m20261207_000014_interventions;
mod m20261207_000015_follow_ups;
pub mod m20261208_000016_open_care;
mod sql;

/// Runs Hearth's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_schema::Migration),
            Box::new(m20261122_000002_rules::Migration),
            Box::new(m20261122_000003_seed::Migration),
            Box::new(m20261122_000004_access_version::Migration),
            Box::new(m20261207_000005_sessions::Migration),
            Box::new(m20261207_000006_grant_requests::Migration),
            Box::new(m20261207_000007_bounds::Migration),
            Box::new(m20261207_000008_login_attempts_seen::Migration),
            Box::new(m20261207_000009_statistics_keys::Migration),
            Box::new(m20261207_000010_audit_by_username::Migration),
            Box::new(m20261207_000011_protected_lookup::Migration),
            Box::new(m20261207_000012_setting_units::Migration),
            Box::new(m20261207_000013_audit_checkpoints::Migration),
            Box::new(m20261207_000014_interventions::Migration),
            Box::new(m20261207_000015_follow_ups::Migration),
            Box::new(m20261208_000016_open_care::Migration),
        ]
    }
}

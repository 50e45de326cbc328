//! A version number of everything a principal's permissions depend on
//! (users, roles, role grants, role assignments). Triggers bump it on every
//! such change, so a cache of permissions can check one number per request
//! and never serve stale grants, whichever process or code made the change.
use crate::sql::run_all;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const WATCHED: &[(&str, &str)] = &[
    ("user_roles", "INSERT OR UPDATE OR DELETE"),
    ("role_permissions", "INSERT OR UPDATE OR DELETE"),
    ("roles", "INSERT OR UPDATE OR DELETE"),
    (
        "users",
        "UPDATE OF username, unit_id, active, must_change_password",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut statements = vec![
            "CREATE TABLE access_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)".to_owned(),
            "INSERT INTO access_version (id, version) VALUES (1, 1)".to_owned(),
        ];
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                statements.push(
                    "CREATE FUNCTION hearth_bump_access_version() RETURNS trigger AS $$
                     BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; RETURN NULL; END
                     $$ LANGUAGE plpgsql"
                        .to_owned(),
                );
                for (table, events) in WATCHED {
                    statements.push(format!(
                        "CREATE TRIGGER {table}_bump_access AFTER {events} ON {table}
                         FOR EACH STATEMENT EXECUTE FUNCTION hearth_bump_access_version()"
                    ));
                }
            }
            _ => {
                for (table, events) in WATCHED {
                    // SQLite triggers take one event each.
                    for (i, event) in events.split(" OR ").enumerate() {
                        statements.push(format!(
                            "CREATE TRIGGER {table}_bump_access_{i} AFTER {event} ON {table}
                             BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END"
                        ));
                    }
                }
            }
        }
        run_all(manager, &statements).await
    }
}

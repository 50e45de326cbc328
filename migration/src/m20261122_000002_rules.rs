//! Rules the database keeps itself, so that no code path (nor a person with
//! a SQL prompt and the application's rights) can break them:
//! - one child is never in two placements on the same day;
//! - the audit log is append-only.
//!
//! The overlap rule is a trigger rather than a PostgreSQL exclusion
//! constraint because the latter needs the `btree_gist` extension, which an
//! application role usually may not create. The PostgreSQL trigger locks the
//! child's row first, so two concurrent transactions cannot both pass it.
use crate::sql::run_all;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Message the application maps to `CONFLICT`.
pub const OVERLAP_MESSAGE: &str = "hearth: placement overlaps another placement of the child";

const PG: &[&str] = &[
    "CREATE FUNCTION hearth_placements_no_overlap() RETURNS trigger AS $$
    BEGIN
        PERFORM 1 FROM children WHERE id = NEW.child_id FOR UPDATE;
        IF EXISTS (
            SELECT 1 FROM placements p
            WHERE p.child_id = NEW.child_id AND p.id <> NEW.id
              AND p.start_date <= COALESCE(NEW.end_date, DATE '9999-12-31')
              AND COALESCE(p.end_date, DATE '9999-12-31') >= NEW.start_date
        ) THEN
            RAISE EXCEPTION 'hearth: placement overlaps another placement of the child'
                USING ERRCODE = '23P01';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER placements_no_overlap BEFORE INSERT OR UPDATE ON placements
        FOR EACH ROW EXECUTE FUNCTION hearth_placements_no_overlap()",
    "CREATE FUNCTION hearth_audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'hearth: the audit log is append-only' USING ERRCODE = '42501';
    END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()",
];

const SQLITE_OVERLAP_WHEN: &str = "EXISTS (
            SELECT 1 FROM placements p
            WHERE p.child_id = NEW.child_id AND p.id <> NEW.id
              AND p.start_date <= COALESCE(NEW.end_date, '9999-12-31')
              AND COALESCE(p.end_date, '9999-12-31') >= NEW.start_date)";

fn sqlite() -> Vec<String> {
    let overlap = |event: &str| {
        format!(
            "CREATE TRIGGER placements_no_overlap_{} BEFORE {event} ON placements
             WHEN {SQLITE_OVERLAP_WHEN}
             BEGIN SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}'); END",
            event
                .split_whitespace()
                .next()
                .unwrap_or(event)
                .to_lowercase()
        )
    };
    vec![
        overlap("INSERT"),
        overlap("UPDATE OF child_id, start_date, end_date"),
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
         BEGIN SELECT RAISE(ABORT, 'hearth: the audit log is append-only'); END"
            .to_owned(),
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
         BEGIN SELECT RAISE(ABORT, 'hearth: the audit log is append-only'); END"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => PG.iter().map(|s| (*s).to_owned()).collect(),
            _ => sqlite(),
        };
        run_all(manager, &statements).await
    }
}

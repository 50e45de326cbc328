//! `follow_ups`: what was done about a deadline of 24-hour care (a review,
//! a custody consideration, a care plan revision, a follow-up after the
//! care ended; `hearth::domain::deadlines`), each on an intervention of the
//! same child and not before it started (a trigger keeps both, whatever
//! code writes).
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Message the application maps to `BAD_USER_INPUT`.
pub const OUTSIDE_MESSAGE: &str =
    "hearth: a follow-up belongs to an intervention of its child, on or after its start";

const TABLE: &str = "CREATE TABLE follow_ups (
    id {uuid} PRIMARY KEY,
    intervention_id {uuid} NOT NULL REFERENCES interventions(id),
    child_id {uuid} NOT NULL REFERENCES children(id),
    kind TEXT NOT NULL CHECK (kind IN ('PLACEMENT_REVIEW', 'CUSTODY_CONSIDERATION',
        'CARE_PLAN_REVISION', 'AFTERCARE_FOLLOW_UP')),
    done_on {date} NOT NULL,
    recorded_by {uuid} REFERENCES users(id),
    created_at {ts} NOT NULL
)";

const INDEX: &str = "CREATE INDEX follow_ups_intervention ON follow_ups (intervention_id, kind)";

const BELONGS: &str = "EXISTS (SELECT 1 FROM interventions i
    WHERE i.id = NEW.intervention_id AND i.child_id = NEW.child_id
      AND NEW.done_on >= i.start_date)";

fn trigger(backend: DbBackend) -> Vec<String> {
    if backend == DbBackend::Postgres {
        vec![
            format!(
                "CREATE FUNCTION hearth_follow_up_belongs() RETURNS trigger AS $$
                BEGIN
                    IF NOT {BELONGS} THEN
                        RAISE EXCEPTION '{OUTSIDE_MESSAGE}' USING ERRCODE = '23514';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER follow_ups_belong BEFORE INSERT OR UPDATE ON follow_ups
                FOR EACH ROW EXECUTE FUNCTION hearth_follow_up_belongs()"
                .to_owned(),
        ]
    } else {
        ["INSERT", "UPDATE"]
            .iter()
            .map(|event| {
                format!(
                    "CREATE TRIGGER follow_ups_belong_{} BEFORE {event} ON follow_ups
                     WHEN NOT {BELONGS}
                     BEGIN SELECT RAISE(ABORT, '{OUTSIDE_MESSAGE}'); END",
                    event.to_lowercase()
                )
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = vec![ddl(backend, TABLE), INDEX.to_owned()];
        statements.extend(trigger(backend));
        run_all(manager, &statements).await
    }
}

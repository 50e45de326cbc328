//! Open care in figures (issue 14).
//!
//! - `open_care_tallies`: open care given without an individual needs
//!   assessment (SoL 2025:400 11:5), which may be recorded without the
//!   person's identity (14:5): per unit, kind and calendar month, how many
//!   took part and what it cost. No column can hold an identity.
//! - `interventions.daily_cost`: what an identified open-care intervention
//!   costs a day, so that open care and placements can be compared in cost.
//!   24-hour care is costed on its placements, never on the intervention.
//! - The permission `OPEN_CARE_RECORD` for the built-in case worker and
//!   unit manager roles (each records for their own unit).
use crate::sql::{ddl, run_all, uuid_lit};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Most participants one tally may count (a month of a municipality's
/// open care without assessment is far below).
pub const MAX_PARTICIPANTS: i32 = 100_000;
/// Most a tally may cost, in whole SEK.
pub const MAX_COST: i64 = 1_000_000_000;

fn table(backend: DbBackend) -> String {
    // The month is stored as its first day, within the years budgets use.
    let first_day = if backend == DbBackend::Postgres {
        "EXTRACT(DAY FROM month) = 1"
    } else {
        "month = date(month) AND strftime('%d', month) = '01'"
    };
    ddl(
        backend,
        &format!(
            "CREATE TABLE open_care_tallies (
                unit_id {{uuid}} NOT NULL REFERENCES units(id),
                kind TEXT NOT NULL CHECK (kind IN ('PARENTING_SUPPORT', 'FAMILY_TREATMENT',
                    'NETWORK_BUILDING', 'CONTACT_PERSON_OR_FAMILY', 'OTHER_OPEN_CARE')),
                month {{date}} NOT NULL CHECK ({first_day}
                    AND month >= '2000-01-01' AND month <= '2100-12-01'),
                participants INTEGER NOT NULL CHECK (participants BETWEEN 0 AND {MAX_PARTICIPANTS}),
                cost {{money}} NOT NULL CHECK (cost BETWEEN 0 AND {MAX_COST}),
                recorded_by {{uuid}} REFERENCES users(id),
                version INTEGER NOT NULL DEFAULT 1,
                updated_at {{ts}} NOT NULL,
                PRIMARY KEY (unit_id, kind, month)
            )"
        ),
    )
}

fn daily_cost(backend: DbBackend) -> Vec<String> {
    let rule =
        "daily_cost IS NULL OR (daily_cost BETWEEN 0 AND 1000000 AND kind <> 'TWENTY_FOUR_HOUR')";
    if backend == DbBackend::Postgres {
        vec![
            "ALTER TABLE interventions ADD COLUMN daily_cost BIGINT".to_owned(),
            format!(
                "ALTER TABLE interventions ADD CONSTRAINT interventions_daily_cost CHECK ({rule})"
            ),
        ]
    } else {
        vec![format!(
            "ALTER TABLE interventions ADD COLUMN daily_cost BIGINT CHECK ({rule})"
        )]
    }
}

/// Case worker and unit manager, as seeded by migration 000003.
const ROLES: [(&str, &str); 2] = [
    ("00000000-0000-4000-8000-000000000001", "OWN"),
    ("00000000-0000-4000-8000-000000000003", "UNIT"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = vec![table(backend)];
        statements.extend(daily_cost(backend));
        for (role, scope) in ROLES {
            statements.push(format!(
                "INSERT INTO role_permissions (role_id, permission, scope) \
                 SELECT id, 'OPEN_CARE_RECORD', '{scope}' FROM roles WHERE id = {}",
                uuid_lit(backend, role)
            ));
        }
        run_all(manager, &statements).await
    }
}

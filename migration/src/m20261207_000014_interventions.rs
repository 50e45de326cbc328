//! Interventions (insatser) above placements (issue 14). SFS 2025:400 and
//! the national register of interventions for children and young people
//! structure care this way: a child has interventions, each decided on a
//! legal basis; a 24-hour intervention consists of one or more placements,
//! and each move is a new placement with a reason.
//!
//! - `interventions`: child, kind, legal basis, decision date, start and
//!   end, reason for ending, responsible unit.
//! - `placements.intervention_id` (every placement belongs to a 24-hour
//!   intervention of its child and lies within its dates) and
//!   `placements.move_reason` (why the child moved, for every placement
//!   after the first of its intervention).
//! - The 0.1 data is carried over: each chain of a child's placements (the
//!   next one starting at most a day after the previous ended, or the
//!   previous ended by `MOVED_TO_OTHER_PLACEMENT`) becomes one 24-hour
//!   intervention, with the first placement's legal basis and start (also
//!   as the decision date, which 0.1 did not record), the last one's end,
//!   and an end reason mapped from the last one's. The intervention takes
//!   the first placement's id, so the carry-over is reproducible. Moves in
//!   the carried-over data have no reason (0.1 did not record one).
//! - Triggers on both databases keep every placement linked to an
//!   intervention of its own child, of kind `TWENTY_FOUR_HOUR`, and inside
//!   its dates, whatever code writes; and an intervention's dates cannot be
//!   changed to leave one of its placements outside.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Message the application maps to `CONFLICT`.
pub const OUTSIDE_MESSAGE: &str =
    "hearth: a placement must lie within a 24-hour intervention of its child";

const TABLE: &str = "CREATE TABLE interventions (
    id {uuid} PRIMARY KEY,
    child_id {uuid} NOT NULL REFERENCES children(id),
    kind TEXT NOT NULL CHECK (kind IN ('TWENTY_FOUR_HOUR', 'PARENTING_SUPPORT',
        'FAMILY_TREATMENT', 'NETWORK_BUILDING', 'CONTACT_PERSON_OR_FAMILY', 'OTHER_OPEN_CARE')),
    legal_basis TEXT CHECK (legal_basis IN ('SOL', 'LVU_2', 'LVU_3', 'LVU_6')),
    decision_date {date} NOT NULL,
    start_date {date} NOT NULL,
    end_date {date},
    end_reason TEXT CHECK (end_reason IN ('RETURNED_HOME', 'CUSTODY_TRANSFERRED', 'AGED_OUT',
        'MOVED_TO_OTHER_CARE', 'OTHER')),
    unit_id {uuid} NOT NULL REFERENCES units(id),
    decided_by {uuid} REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((end_date IS NULL) = (end_reason IS NULL)),
    CHECK (decision_date <= start_date),
    CHECK (kind <> 'TWENTY_FOUR_HOUR' OR legal_basis IS NOT NULL),
    CHECK (kind = 'TWENTY_FOUR_HOUR' OR legal_basis IS NULL OR legal_basis = 'SOL')
)";

const COLUMNS: &[&str] = &[
    "ALTER TABLE placements ADD COLUMN intervention_id {uuid} REFERENCES interventions(id)",
    "ALTER TABLE placements ADD COLUMN move_reason TEXT CHECK (move_reason IN ('NEEDS_CHANGED',
        'HOME_ENDED', 'BREAKDOWN', 'TO_LESS_INTENSIVE_CARE', 'TO_KINSHIP_OR_OWN_HOME', 'OTHER'))",
    "CREATE INDEX interventions_child ON interventions (child_id, start_date)",
    "CREATE INDEX interventions_unit ON interventions (unit_id, start_date)",
    "CREATE INDEX placements_intervention ON placements (intervention_id)",
];

/// Each placement with the first placement of its chain (`head`).
fn chains(backend: DbBackend) -> String {
    let next_day = if backend == DbBackend::Postgres {
        "prev_end + 1"
    } else {
        "date(prev_end, '+1 day')"
    };
    format!(
        "CREATE TABLE intervention_chains AS
         WITH o AS (
             SELECT id, child_id, start_date,
                    LAG(end_date) OVER w AS prev_end,
                    LAG(end_reason) OVER w AS prev_reason,
                    ROW_NUMBER() OVER w AS rn
             FROM placements
             WINDOW w AS (PARTITION BY child_id ORDER BY start_date, id)
         ), s AS (
             SELECT id, child_id, start_date,
                    CASE WHEN rn = 1 THEN 1
                         WHEN prev_end IS NULL THEN 0
                         WHEN prev_reason = 'MOVED_TO_OTHER_PLACEMENT' THEN 0
                         WHEN start_date <= {next_day} THEN 0
                         ELSE 1 END AS new_chain
             FROM o
         ), c AS (
             SELECT id, child_id, start_date,
                    SUM(new_chain) OVER (PARTITION BY child_id ORDER BY start_date, id
                                         ROWS UNBOUNDED PRECEDING) AS chain_no
             FROM s
         )
         SELECT id AS placement_id,
                FIRST_VALUE(id) OVER (PARTITION BY child_id, chain_no ORDER BY start_date, id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS head,
                LAST_VALUE(id) OVER (PARTITION BY child_id, chain_no ORDER BY start_date, id
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tail
         FROM c"
    )
}

const CARRY_OVER: &[&str] = &[
    "INSERT INTO interventions (id, child_id, kind, legal_basis, decision_date, start_date,
        end_date, end_reason, unit_id, decided_by, version, created_at, updated_at)
     SELECT h.id, h.child_id, 'TWENTY_FOUR_HOUR', h.legal_basis, h.start_date, h.start_date,
        t.end_date,
        CASE t.end_reason WHEN 'MOVED_TO_OTHER_PLACEMENT' THEN 'MOVED_TO_OTHER_CARE'
                          ELSE t.end_reason END,
        ch.unit_id, h.decided_by, 1, h.created_at, h.updated_at
     FROM (SELECT DISTINCT head, tail FROM intervention_chains) k
     JOIN placements h ON h.id = k.head
     JOIN placements t ON t.id = k.tail
     JOIN children ch ON ch.id = h.child_id",
    "UPDATE placements SET intervention_id =
        (SELECT head FROM intervention_chains WHERE placement_id = placements.id)",
    "DROP TABLE intervention_chains",
];

/// Whether placement `NEW` lies in a 24-hour intervention of its child
/// (SQL condition, with `{far}` the backend's far-future date).
const INSIDE: &str = "EXISTS (SELECT 1 FROM interventions i
    WHERE i.id = NEW.intervention_id AND i.child_id = NEW.child_id
      AND i.kind = 'TWENTY_FOUR_HOUR' AND NEW.start_date >= i.start_date
      AND COALESCE(NEW.end_date, {far}) <= COALESCE(i.end_date, {far}))";

/// Whether intervention `NEW` still holds every one of its placements.
const HOLDS: &str = "NOT EXISTS (SELECT 1 FROM placements p
    WHERE p.intervention_id = NEW.id
      AND (NEW.kind <> 'TWENTY_FOUR_HOUR' OR p.child_id <> NEW.child_id
           OR p.start_date < NEW.start_date
           OR COALESCE(p.end_date, {far}) > COALESCE(NEW.end_date, {far})))";

/// Whether 24-hour intervention `NEW` overlaps another of its child: a
/// child is in one 24-hour care at a time (each move is a placement).
const OVERLAPS: &str = "NEW.kind = 'TWENTY_FOUR_HOUR' AND EXISTS (SELECT 1 FROM interventions o
    WHERE o.child_id = NEW.child_id AND o.id <> NEW.id AND o.kind = 'TWENTY_FOUR_HOUR'
      AND o.start_date <= COALESCE(NEW.end_date, {far})
      AND COALESCE(o.end_date, {far}) >= NEW.start_date)";

/// Message the application maps to `CONFLICT`.
pub const OVERLAP_MESSAGE: &str = "hearth: 24-hour intervention overlaps another of the child";

fn triggers(backend: DbBackend) -> Vec<String> {
    if backend == DbBackend::Postgres {
        let far = "DATE '9999-12-31'";
        let inside = INSIDE.replace("{far}", far);
        let holds = HOLDS.replace("{far}", far);
        let overlaps = OVERLAPS.replace("{far}", far);
        vec![
            // The child's row is locked first, as for placements (000002),
            // so that two concurrent transactions cannot both pass.
            format!(
                "CREATE FUNCTION hearth_interventions_no_overlap() RETURNS trigger AS $$
                BEGIN
                    PERFORM 1 FROM children WHERE id = NEW.child_id FOR UPDATE;
                    IF {overlaps} THEN
                        RAISE EXCEPTION '{OVERLAP_MESSAGE}' USING ERRCODE = '23P01';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER interventions_no_overlap BEFORE INSERT OR UPDATE ON interventions
                FOR EACH ROW EXECUTE FUNCTION hearth_interventions_no_overlap()"
                .to_owned(),
            format!(
                "CREATE FUNCTION hearth_placement_in_intervention() RETURNS trigger AS $$
                BEGIN
                    -- The child first, as every writer of its case does, so
                    -- that an intervention ending at the same time waits.
                    PERFORM 1 FROM children WHERE id = NEW.child_id FOR UPDATE;
                    IF NOT {inside} THEN
                        RAISE EXCEPTION '{OUTSIDE_MESSAGE}' USING ERRCODE = '23514';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER placements_in_intervention BEFORE INSERT OR UPDATE ON placements
                FOR EACH ROW EXECUTE FUNCTION hearth_placement_in_intervention()"
                .to_owned(),
            format!(
                "CREATE FUNCTION hearth_intervention_holds_placements() RETURNS trigger AS $$
                BEGIN
                    PERFORM 1 FROM children WHERE id = NEW.child_id FOR UPDATE;
                    IF NOT {holds} THEN
                        RAISE EXCEPTION '{OUTSIDE_MESSAGE}' USING ERRCODE = '23514';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER interventions_hold_placements BEFORE UPDATE ON interventions
                FOR EACH ROW EXECUTE FUNCTION hearth_intervention_holds_placements()"
                .to_owned(),
        ]
    } else {
        let far = "'9999-12-31'";
        let inside = INSIDE.replace("{far}", far);
        let holds = HOLDS.replace("{far}", far);
        let placement = |name: &str, event: &str| {
            format!(
                "CREATE TRIGGER placements_in_intervention_{name} BEFORE {event} ON placements
                 WHEN NEW.intervention_id IS NULL OR NOT {inside}
                 BEGIN SELECT RAISE(ABORT, '{OUTSIDE_MESSAGE}'); END"
            )
        };
        let overlaps = OVERLAPS.replace("{far}", far);
        vec![
            format!(
                "CREATE TRIGGER interventions_no_overlap_insert BEFORE INSERT ON interventions
                 WHEN {overlaps}
                 BEGIN SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}'); END"
            ),
            format!(
                "CREATE TRIGGER interventions_no_overlap_update BEFORE UPDATE ON interventions
                 WHEN {overlaps}
                 BEGIN SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}'); END"
            ),
            placement("insert", "INSERT"),
            placement("update", "UPDATE"),
            format!(
                "CREATE TRIGGER interventions_hold_placements BEFORE UPDATE ON interventions
                 WHEN NOT {holds}
                 BEGIN SELECT RAISE(ABORT, '{OUTSIDE_MESSAGE}'); END"
            ),
        ]
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = vec![ddl(backend, TABLE)];
        statements.extend(COLUMNS.iter().map(|s| ddl(backend, s)));
        statements.push(chains(backend));
        statements.extend(CARRY_OVER.iter().map(|s| (*s).to_owned()));
        statements.extend(triggers(backend));
        run_all(manager, &statements).await
    }
}

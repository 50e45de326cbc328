//! `setting_units`: for each unit, the care settings where a child of the
//! unit is or was placed, with the number of such placements, kept by
//! triggers on `placements` and `children` (issue 12). The reach rule
//! `UnitSettings` (access.md, "Scopes": UNIT is everything belonging to the
//! user's unit, and the settings its children are placed in) was computed
//! on every request of a unit manager from all the unit's placements: 185
//! to 594 ms at 700k placements. Read from here it is one index range.
//!
//! The count makes the table exact rather than growing only: a placement
//! that is removed or moved, or a child that changes unit, takes its
//! setting out of the old unit's reach when it was the last one there.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE setting_units (
    unit_id {uuid} NOT NULL REFERENCES units(id),
    setting_id {uuid} NOT NULL REFERENCES care_settings(id),
    n INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (unit_id, setting_id)
)";

const BACKFILL: &str = "INSERT INTO setting_units (unit_id, setting_id, n)
    SELECT c.unit_id, p.setting_id, COUNT(*) FROM placements p JOIN children c ON c.id = p.child_id
    GROUP BY c.unit_id, p.setting_id";

/// A placement update that moves it to another child or setting.
const MOVED: &str =
    "OLD.child_id IS DISTINCT FROM NEW.child_id OR OLD.setting_id IS DISTINCT FROM NEW.setting_id";
/// The same in SQLite's words.
const MOVED_SQLITE: &str =
    "OLD.child_id IS NOT NEW.child_id OR OLD.setting_id IS NOT NEW.setting_id";

/// Adds `count` placements of the child `child` in `setting` (SQL texts).
fn add(setting: &str, child: &str, count: &str) -> String {
    // The SELECT has a WHERE clause, so SQLite cannot read ON CONFLICT as
    // a join constraint (the parsing ambiguity its upsert documents).
    format!(
        "INSERT INTO setting_units (unit_id, setting_id, n)
         SELECT c.unit_id, {setting}, {count} FROM children c WHERE c.id = {child}
         ON CONFLICT (unit_id, setting_id) DO UPDATE SET n = setting_units.n + excluded.n"
    )
}

/// Removes one placement of `child` in `setting`, and the row at zero.
fn remove(setting: &str, child: &str) -> [String; 2] {
    [
        format!(
            "UPDATE setting_units SET n = n - 1 WHERE setting_id = {setting}
             AND unit_id = (SELECT unit_id FROM children WHERE id = {child})"
        ),
        format!("DELETE FROM setting_units WHERE setting_id = {setting} AND n = 0"),
    ]
}

/// A child's placements move from unit `old` to unit `new`.
fn move_child(old: &str, new: &str, child: &str) -> [String; 3] {
    [
        format!(
            "UPDATE setting_units SET n = n - (SELECT COUNT(*) FROM placements p
                WHERE p.child_id = {child} AND p.setting_id = setting_units.setting_id)
             WHERE unit_id = {old}"
        ),
        format!("DELETE FROM setting_units WHERE unit_id = {old} AND n = 0"),
        format!(
            "INSERT INTO setting_units (unit_id, setting_id, n)
             SELECT {new}, p.setting_id, COUNT(*) FROM placements p WHERE p.child_id = {child}
             GROUP BY p.setting_id HAVING COUNT(*) > 0
             ON CONFLICT (unit_id, setting_id) DO UPDATE SET n = setting_units.n + excluded.n"
        ),
    ]
}

fn postgres() -> Vec<String> {
    let [dec, zero] = remove("OLD.setting_id", "OLD.child_id");
    let [m1, m2, m3] = move_child("OLD.unit_id", "NEW.unit_id", "NEW.id");
    vec![
        format!(
            "CREATE FUNCTION hearth_setting_units_placement() RETURNS trigger AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN {dec}; {zero}; END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN {}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql",
            add("NEW.setting_id", "NEW.child_id", "1")
        ),
        "CREATE TRIGGER placements_setting_units AFTER INSERT OR DELETE ON placements
            FOR EACH ROW EXECUTE FUNCTION hearth_setting_units_placement()"
            .to_owned(),
        // Updates write every column; only a changed child or setting counts.
        format!(
            "CREATE TRIGGER placements_setting_units_update
            AFTER UPDATE OF child_id, setting_id ON placements FOR EACH ROW WHEN ({MOVED})
            EXECUTE FUNCTION hearth_setting_units_placement()"
        ),
        format!(
            "CREATE FUNCTION hearth_setting_units_child() RETURNS trigger AS $$
            BEGIN {m1}; {m2}; {m3}; RETURN NULL; END $$ LANGUAGE plpgsql"
        ),
        "CREATE TRIGGER children_setting_units AFTER UPDATE OF unit_id ON children
            FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id)
            EXECUTE FUNCTION hearth_setting_units_child()"
            .to_owned(),
    ]
}

fn sqlite() -> Vec<String> {
    let [dec, zero] = remove("OLD.setting_id", "OLD.child_id");
    let [m1, m2, m3] = move_child("OLD.unit_id", "NEW.unit_id", "NEW.id");
    let insert = add("NEW.setting_id", "NEW.child_id", "1");
    vec![
        format!("CREATE TRIGGER placements_units_insert AFTER INSERT ON placements BEGIN {insert}; END"),
        format!("CREATE TRIGGER placements_units_delete AFTER DELETE ON placements BEGIN {dec}; {zero}; END"),
        format!(
            "CREATE TRIGGER placements_units_update AFTER UPDATE OF child_id, setting_id ON placements
             WHEN {MOVED_SQLITE} BEGIN {dec}; {zero}; {insert}; END"
        ),
        format!(
            "CREATE TRIGGER children_units_update AFTER UPDATE OF unit_id ON children
             WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN {m1}; {m2}; {m3}; END"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements = vec![
            ddl(backend, TABLE),
            "CREATE INDEX setting_units_by_setting ON setting_units (setting_id)".to_owned(),
            BACKFILL.to_owned(),
        ];
        statements.extend(match backend {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        });
        run_all(manager, &statements).await
    }
}

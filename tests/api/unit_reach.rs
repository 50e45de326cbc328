//! `UnitSettings` (access.md, "Scopes": UNIT reaches the settings where a
//! child of the unit is or was placed) read from `setting_units`, which
//! triggers keep (issue 12). The table must equal its definition after
//! every kind of change, and a unit manager's reach must follow a child
//! that changes unit.
use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::harness::{TestApp, backends, codes};
use hearth::entity::{care_setting, child, placement, placement_reason, unit};

type Rows = BTreeSet<(Uuid, Uuid, i64)>;

async fn rows(app: &TestApp, sql: &str) -> Rows {
    let db = &app.state.db;
    let stmt = Statement::from_string(db.get_database_backend(), sql.to_owned());
    let mut out = Rows::new();
    for r in db.query_all_raw(stmt).await.expect("query") {
        out.insert((
            r.try_get("", "unit_id").expect("unit"),
            r.try_get("", "setting_id").expect("setting"),
            r.try_get("", "n").expect("n"),
        ));
    }
    out
}

/// The table, and what it must hold: the placements per unit and setting.
async fn check(app: &TestApp, step: &str) {
    let table = rows(
        app,
        "SELECT unit_id, setting_id, CAST(n AS BIGINT) AS n FROM setting_units",
    )
    .await;
    let truth = rows(
        app,
        "SELECT c.unit_id AS unit_id, p.setting_id AS setting_id, CAST(COUNT(*) AS BIGINT) AS n
         FROM placements p JOIN children c ON c.id = p.child_id GROUP BY c.unit_id, p.setting_id",
    )
    .await;
    assert!(!truth.is_empty(), "{step}: the demo has placements");
    assert_eq!(table, truth, "{step}");
}

async fn move_child(app: &TestApp, id: Uuid, to: Uuid) {
    let c = child::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("load")
        .expect("child");
    let mut c = c.into_active_model();
    c.unit_id = Set(to);
    c.update(&app.state.db).await.expect("move");
}

#[tokio::test]
async fn setting_units_follow_placements_and_children_and_so_does_a_unit_managers_reach() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let db = &app.state.db;
        check(&app, "after the demo").await;

        let mine = app
            .user("maria.manager")
            .await
            .unit_id
            .expect("maria has a unit");
        let other = unit::Entity::find()
            .filter(unit::Column::Id.ne(mine))
            .one(db)
            .await
            .expect("units")
            .expect("a second unit")
            .id;
        let settings = care_setting::Entity::find()
            .all(db)
            .await
            .expect("settings");
        let placements = placement::Entity::find().all(db).await.expect("placements");
        let children = child::Entity::find().all(db).await.expect("children");
        let unit_of = |c: Uuid| children.iter().find(|x| x.id == c).map(|x| x.unit_id);
        // A setting of another unit (or none) that maria reaches only
        // through children of her unit placed there.
        let target = settings
            .iter()
            .find(|s| {
                s.unit_id != Some(mine)
                    && placements
                        .iter()
                        .any(|p| p.setting_id == s.id && unit_of(p.child_id) == Some(mine))
            })
            .expect("a setting reached through the unit's children");
        let root = if target.category == "FOSTER_HOME" {
            "fosterHome"
        } else {
            "institution"
        };
        let q = format!("query($id: ID!) {{ {root}(id: $id) {{ name }} }}");
        let maria = app.login("maria.manager").await;
        let ask = || app.gql(Some(&maria), &q, json!({"id": target.id}));
        let body = ask().await;
        assert_eq!(
            body["data"][root]["name"],
            json!(target.name),
            "{backend:?}: {body}"
        );

        // Every child of the unit placed there moves to the other unit.
        let movers: BTreeSet<Uuid> = placements
            .iter()
            .filter(|p| p.setting_id == target.id && unit_of(p.child_id) == Some(mine))
            .map(|p| p.child_id)
            .collect();
        for c in &movers {
            move_child(&app, *c, other).await;
        }
        check(&app, "after children changed unit").await;
        let body = ask().await;
        assert_eq!(
            codes(&body),
            vec!["NOT_FOUND"],
            "{backend:?}: out of reach: {body}"
        );

        // One comes back: the setting is reached again.
        let first = *movers.iter().next().expect("a mover");
        move_child(&app, first, mine).await;
        check(&app, "after a child came back").await;
        let body = ask().await;
        assert_eq!(
            body["data"][root]["name"],
            json!(target.name),
            "{backend:?}: {body}"
        );

        // A placement moved to another setting, then removed.
        let p = placements
            .iter()
            .find(|p| p.child_id == first)
            .expect("a placement");
        let elsewhere = settings
            .iter()
            .find(|s| s.id != p.setting_id && s.category == target.category)
            .expect("another setting");
        let mut moved = p.clone().into_active_model();
        moved.setting_id = Set(elsewhere.id);
        moved.update(db).await.expect("move placement");
        check(&app, "after a placement changed setting").await;
        placement_reason::Entity::delete_many()
            .filter(placement_reason::Column::PlacementId.eq(p.id))
            .exec(db)
            .await
            .expect("reasons");
        placement::Entity::delete_by_id(p.id)
            .exec(db)
            .await
            .expect("delete");
        check(&app, "after a placement was removed").await;
    }
}

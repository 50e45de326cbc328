//! access.md, "Scopes", as issue 9 settled it: a foster care worker sees the
//! placements in the homes they support, not the child's placements
//! elsewhere; a case worker sees a setting's contact details only where a
//! child of the caseload is placed now, and its name also where one was.
use std::collections::HashSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{TestApp, backends, codes, error_at};
use hearth::entity::{care_setting, caseload, child, placement};

fn current(p: &placement::Model) -> bool {
    let today = hearth::domain::today();
    p.start_date <= today && p.end_date.is_none_or(|e| e >= today)
}

fn root_of(s: &care_setting::Model) -> &'static str {
    if s.category == "FOSTER_HOME" {
        "fosterHome"
    } else {
        "institution"
    }
}

#[tokio::test]
async fn a_foster_care_worker_sees_placements_in_their_homes_only() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let db = &app.state.db;
        let fredrik = app.user("fredrik.foster").await.id;
        let homes: HashSet<Uuid> = care_setting::Entity::find()
            .filter(care_setting::Column::SecretaryId.eq(fredrik))
            .all(db)
            .await
            .expect("db")
            .into_iter()
            .map(|s| s.id)
            .collect();
        let placements = placement::Entity::find().all(db).await.expect("db");
        // A child placed now in one of fredrik's homes, with a placement
        // elsewhere (before or after).
        let (kid, elsewhere) = placements
            .iter()
            .filter(|p| current(p) && homes.contains(&p.setting_id))
            .find_map(|p| {
                placements
                    .iter()
                    .find(|q| q.child_id == p.child_id && !homes.contains(&q.setting_id))
                    .map(|q| (p.child_id, q.id))
            })
            .expect("the demo has a child in fredrik's home that was placed elsewhere before");
        let in_homes: HashSet<String> = placements
            .iter()
            .filter(|p| p.child_id == kid && homes.contains(&p.setting_id))
            .map(|p| p.id.to_string())
            .collect();

        let token = app.login("fredrik.foster").await;
        let body = app
            .gql(
                Some(&token),
                "query($c: ID!) { child(id: $c) { givenName placements { id } } }",
                json!({"c": kid.to_string()}),
            )
            .await;
        assert!(codes(&body).is_empty(), "{body}");
        assert!(body["data"]["child"]["givenName"].is_string(), "{body}");
        let seen: HashSet<String> = body["data"]["child"]["placements"]
            .as_array()
            .expect("placements")
            .iter()
            .map(|p| p["id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(seen, in_homes, "only the placements in fredrik's homes");

        let other = app
            .gql(
                Some(&token),
                "query($p: ID!) { placement(id: $p) { startDate } }",
                json!({"p": elsewhere.to_string()}),
            )
            .await;
        assert_eq!(codes(&other), vec!["NOT_FOUND"], "{other}");
        let listed = app
            .gql(
                Some(&token),
                "query($c: ID!) { placements(first: 500, filter: {childId: $c}) { totalCount } }",
                json!({"c": kid.to_string()}),
            )
            .await;
        assert_eq!(
            listed["data"]["placements"]["totalCount"],
            json!(in_homes.len()),
            "{listed}"
        );
    }
}

#[tokio::test]
async fn contact_details_only_where_a_caseload_child_is_placed_now() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let db = &app.state.db;
        let anna = app.user("anna.case").await.id;
        let caseload: HashSet<Uuid> = caseload::Entity::find()
            .filter(caseload::Column::UserId.eq(anna))
            .filter(caseload::Column::ToDate.is_null())
            .all(db)
            .await
            .expect("db")
            .into_iter()
            .map(|c| c.child_id)
            .collect();
        let protected: HashSet<Uuid> = child::Entity::find()
            .filter(child::Column::ProtectedIdentity.eq(true))
            .all(db)
            .await
            .expect("db")
            .into_iter()
            .map(|c| c.id)
            .collect();
        let placements = placement::Entity::find().all(db).await.expect("db");
        let mine = |p: &&placement::Model| caseload.contains(&p.child_id);
        let now: HashSet<Uuid> = placements
            .iter()
            .filter(mine)
            .filter(|p| current(p))
            .map(|p| p.setting_id)
            .collect();
        let shielded: HashSet<Uuid> = placements
            .iter()
            .filter(|p| protected.contains(&p.child_id) && p.end_date.is_none())
            .map(|p| p.setting_id)
            .collect();
        let past = placements
            .iter()
            .filter(mine)
            .find(|p| !current(p) && !now.contains(&p.setting_id))
            .map(|p| p.setting_id)
            .expect("a setting where a caseload child was placed before, and none is now");
        let present = *now
            .iter()
            .find(|s| !shielded.contains(s))
            .expect("a setting where a caseload child is placed now");
        let setting = |id: Uuid| async move {
            care_setting::Entity::find_by_id(id)
                .one(db)
                .await
                .expect("db")
                .expect("setting")
        };
        let token = app.login("anna.case").await;
        let read = |s: care_setting::Model| {
            let app = &app;
            let token = &token;
            async move {
                let root = root_of(&s);
                let q = format!("query($s: ID!) {{ {root}(id: $s) {{ name address phone }} }}");
                let body: Value = app.gql(Some(token), &q, json!({"s": s.id})).await;
                (root, body)
            }
        };

        let (root, body) = read(setting(past).await).await;
        assert!(body["data"][root]["name"].is_string(), "history: {body}");
        for field in ["address", "phone"] {
            let err = error_at(&body, &format!("{root}.{field}"))
                .unwrap_or_else(|| panic!("{field} of a past setting is denied: {body}"));
            assert_eq!(err["extensions"]["code"], "FORBIDDEN");
            assert!(body["data"][root][field].is_null());
        }

        let (root, body) = read(setting(present).await).await;
        assert!(codes(&body).is_empty(), "placed now: {body}");
        assert!(body["data"][root]["name"].is_string(), "{body}");
    }
}

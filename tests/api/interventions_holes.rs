//! Holes the attack on interventions found (issue 14), each kept closed.
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, codes};
use crate::interventions::{CREATE, END, PLACE, id_at, institution, new_child, placement};

#[tokio::test]
async fn holes_found_by_the_attack_stay_closed() {
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let maria = app.login("maria.manager").await;
    let child = new_child(&app, &anna, 461).await;
    let adam = app.login("adam.admin").await;
    let other_unit = app
        .gql(Some(&adam), "{ units { id name } }", json!({}))
        .await;
    let familjehem = other_unit["data"]["units"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|u| u["name"] == "Familjehem")
        .and_then(|u| u["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{other_unit}"));
    let elsewhere = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "PARENTING_SUPPORT",
            "decisionDate": "2025-01-01", "startDate": "2025-01-01", "unitId": familjehem}}),
        )
        .await;
    assert_eq!(
        codes(&elsewhere),
        vec!["FORBIDDEN"],
        "OWN scope, another unit: {elsewhere}"
    );
    let care = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR",
            "legalBasis": "SOL", "decisionDate": "2025-01-01", "startDate": "2025-01-01"}}),
        )
        .await;
    let care = id_at(&care, &["createIntervention", "id"]).to_owned();
    let hvb = institution(&app, &maria, "Attack-HVB").await;
    let lvu = app
        .gql(
            Some(&anna),
            PLACE,
            placement(&child, &hvb, "2025-03-01", json!({"interventionId": care})),
        )
        .await;
    assert_eq!(
        lvu["errors"][0]["extensions"]["field"], "legalBasis",
        "LVU in a SoL intervention: {lvu}"
    );
    let sol = |start: &str, extra: Value| {
        let mut body = placement(&child, &hvb, start, extra);
        body["i"]["legalBasis"] = json!("SOL");
        body
    };
    let later = app
        .gql(Some(&anna), PLACE, sol("2025-03-01", json!({"interventionId": care, "endDate": "2025-03-10", "endReason": "MOVED_TO_OTHER_PLACEMENT"})))
        .await;
    assert!(later.get("errors").is_none(), "{later}");
    // Earlier than every other placement: the first, not a move.
    let first_as_move = app
        .gql(
            Some(&anna),
            PLACE,
            sol(
                "2025-01-01",
                json!({"interventionId": care, "endDate": "2025-01-05",
            "endReason": "MOVED_TO_OTHER_PLACEMENT", "moveReason": "BREAKDOWN"}),
            ),
        )
        .await;
    assert_eq!(
        first_as_move["errors"][0]["extensions"]["field"], "moveReason",
        "{first_as_move}"
    );
    // Someone else's intervention: NOT_FOUND, and the probe names it in the log.
    let bo = app.login("bo.case").await;
    let probe = app
        .gql(
            Some(&bo),
            END,
            json!({"id": care, "d": "2025-06-30", "r": "OTHER"}),
        )
        .await;
    assert_eq!(codes(&probe), vec!["NOT_FOUND"], "{probe}");
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let traced = hearth::entity::audit_event::Entity::find()
        .filter(hearth::entity::audit_event::Column::EntityType.eq("Intervention"))
        .filter(hearth::entity::audit_event::Column::EntityId.eq(care.as_str()))
        .filter(hearth::entity::audit_event::Column::Outcome.eq("DENIED"))
        .count(&app.state.db)
        .await
        .expect("db");
    assert_eq!(traced, 1, "the refused end names the intervention");
}

/// The write matrix of the new mutations: which built-in role may decide an
/// intervention and record a follow-up for a child of anna's caseload
/// (access.md's write table: case workers and unit managers write case
/// data in their scope; no other built-in role holds PLACEMENT_WRITE).
#[tokio::test]
async fn only_case_workers_and_unit_managers_write_interventions_in_their_scope() {
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let child = new_child(&app, &anna, 471).await;
    let decide = |token: String, start: &'static str| {
        let app = &app;
        let child = child.clone();
        async move {
            app.gql(
                Some(&token),
                CREATE,
                json!({"i": {"childId": child, "kind": "FAMILY_TREATMENT",
                "decisionDate": start, "startDate": start}}),
            )
            .await
        }
    };
    let mine = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR",
            "legalBasis": "SOL", "decisionDate": "2025-01-01", "startDate": "2025-01-01"}}),
        )
        .await;
    let care = id_at(&mine, &["createIntervention", "id"]).to_owned();
    let record = "mutation($i: RecordFollowUpInput!){ m: recordFollowUp(input: $i) }";
    let cases = [
        ("bo.case", "NOT_FOUND"),
        ("fredrik.foster", "FORBIDDEN"),
        ("maria.manager", ""),
        ("erik.finance", "FORBIDDEN"),
        ("alice.auditor", "FORBIDDEN"),
        ("adam.admin", "FORBIDDEN"),
    ];
    for (n, (user, want)) in cases.into_iter().enumerate() {
        let token = app.login(user).await;
        let made = decide(
            token.clone(),
            [
                "2025-02-01",
                "2025-03-01",
                "2025-04-01",
                "2025-05-01",
                "2025-06-01",
                "2025-07-01",
            ][n],
        )
        .await;
        let followed = app
            .gql(Some(&token), record, json!({"i": {"interventionId": care, "kind": "PLACEMENT_REVIEW", "doneOn": "2025-06-01"}}))
            .await;
        for (what, body) in [("createIntervention", &made), ("recordFollowUp", &followed)] {
            let got = codes(body);
            if want.is_empty() {
                assert!(got.is_empty(), "{user} {what}: {body}");
            } else {
                assert_eq!(got, vec![want.to_owned()], "{user} {what}: {body}");
            }
        }
    }
}

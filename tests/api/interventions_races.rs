//! Interventions under concurrent writes (issue 14): on PostgreSQL every
//! writer of a child's case takes the child's row first, so racing writes
//! are serialised and the database's rules hold at commit.
use serde_json::json;

use crate::harness::{TestApp, backends, codes};

const CREATE_CHILD: &str = "mutation($i: CreateChildInput!){ createChild(input: $i){ id } }";
const CREATE: &str =
    "mutation($i: CreateInterventionInput!){ createIntervention(input: $i){ id } }";
const END: &str = "mutation($id: ID!, $d: Date!, $r: InterventionEndReason!){ endIntervention(id: $id, endDate: $d, endReason: $r){ id } }";
const PLACE: &str = "mutation($i: CreatePlacementInput!){ createPlacement(input: $i){ id } }";

async fn child(app: &TestApp, token: &str, serial: u16) -> String {
    let pin = hearth::domain::pin::make(
        chrono::NaiveDate::from_ymd_opt(2012, 8, 8).expect("date"),
        serial,
        false,
    );
    let body = app
        .gql(Some(token), CREATE_CHILD, json!({"i": {"givenName": "Kapp", "familyName": "Barn", "personalIdentityNumber": pin}}))
        .await;
    body["data"]["createChild"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn two_racing_ends_of_one_intervention_give_one_end() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let child = child(&app, &maria, 449).await;
        let care = app
            .gql(
                Some(&maria),
                CREATE,
                json!({"i": {"childId": child, "kind": "PARENTING_SUPPORT",
                "decisionDate": "2025-01-02", "startDate": "2025-01-02"}}),
            )
            .await;
        let id = care["data"]["createIntervention"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{care}"))
            .to_owned();
        let end = |reason: &'static str| {
            app.gql(
                Some(&maria),
                END,
                json!({"id": id, "d": "2025-06-30", "r": reason}),
            )
        };
        let (a, b) = tokio::join!(end("RETURNED_HOME"), end("OTHER"));
        let ok = [&a, &b]
            .iter()
            .filter(|r| r.get("errors").is_none())
            .count();
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| codes(r) == vec!["CONFLICT"])
            .count();
        assert_eq!((ok, conflicts), (1, 1), "{backend:?}: {a} {b}");
    }
}

#[tokio::test]
async fn an_end_racing_a_new_placement_never_leaves_it_outside() {
    use sea_orm::{ConnectionTrait, Statement};
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let hvb = app
            .gql(Some(&maria), "mutation{createInstitution(input:{name:\"Kapp-HVB\", kind: HVB, dailyRate: 5000}){id}}", json!({}))
            .await;
        let hvb = hvb["data"]["createInstitution"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{hvb}"))
            .to_owned();
        for round in 0..6u16 {
            let kid = child(&app, &maria, 500 + round).await;
            let care = app
                .gql(
                    Some(&maria),
                    CREATE,
                    json!({"i": {"childId": kid, "kind": "TWENTY_FOUR_HOUR", "legalBasis": "SOL",
                    "decisionDate": "2026-01-01", "startDate": "2026-01-01"}}),
                )
                .await;
            let care = care["data"]["createIntervention"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{care}"))
                .to_owned();
            let end = app.gql(
                Some(&maria),
                END,
                json!({"id": care, "d": "2026-01-15", "r": "RETURNED_HOME"}),
            );
            let place = app.gql(Some(&maria), PLACE, json!({"i": {"childId": kid, "settingId": hvb, "legalBasis": "SOL",
                "startDate": "2026-02-01", "dailyCost": 1000, "reasons": [{"code": "NEGLECT", "primary": true}], "interventionId": care}}));
            let (ended, placed) = tokio::join!(end, place);
            let won = [&ended, &placed]
                .iter()
                .filter(|r| r.get("errors").is_none())
                .count();
            assert_eq!(won, 1, "{backend:?} round {round}: {ended} {placed}");
            for r in [&ended, &placed] {
                assert!(codes(r).iter().all(|c| c == "CONFLICT"), "{backend:?}: {r}");
            }
        }
        let outside = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM placements p JOIN interventions i ON i.id = p.intervention_id
                 WHERE p.start_date < i.start_date
                    OR (i.end_date IS NOT NULL AND (p.end_date IS NULL OR p.end_date > i.end_date))",
            ))
            .await
            .expect("db")
            .and_then(|row| row.try_get::<i64>("", "n").ok());
        assert_eq!(outside, Some(0), "{backend:?}");
    }
}

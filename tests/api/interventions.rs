//! Interventions above placements (issue 14): deciding and ending them,
//! placements and moves inside them, the 0.1 API that knows none, the rules
//! the database keeps, and the carry-over of 0.1 data.
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, backends, codes};

const CREATE_CHILD: &str = "mutation($i: CreateChildInput!){ createChild(input: $i){ id } }";
pub(crate) const CREATE: &str = "mutation($i: CreateInterventionInput!){ createIntervention(input: $i){ id kind legalBasis decisionDate startDate endDate unit { name } } }";
pub(crate) const PLACE: &str = "mutation($i: CreatePlacementInput!){ createPlacement(input: $i){ id moveReason intervention { id kind startDate endDate endReason } } }";
const END_PLACEMENT: &str = "mutation($id: ID!, $d: Date!, $r: EndReason!){ endPlacement(id: $id, endDate: $d, endReason: $r){ id intervention { endDate endReason } } }";
pub(crate) const END: &str = "mutation($id: ID!, $d: Date!, $r: InterventionEndReason!){ endIntervention(id: $id, endDate: $d, endReason: $r){ id endDate endReason } }";

pub(crate) async fn new_child(app: &TestApp, token: &str, serial: u16) -> String {
    let pin = hearth::domain::pin::make(
        chrono::NaiveDate::from_ymd_opt(2013, 4, 2).expect("date"),
        serial,
        false,
    );
    let body = app
        .gql(
            Some(token),
            CREATE_CHILD,
            json!({"i": {"givenName": "Insats", "familyName": "Barn", "personalIdentityNumber": pin}}),
        )
        .await;
    body["data"]["createChild"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

pub(crate) async fn institution(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($n: String!){createInstitution(input:{name: $n, kind: HVB, dailyRate: 5000}){id}}",
            json!({"n": name}),
        )
        .await;
    body["data"]["createInstitution"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

pub(crate) fn placement(child: &str, setting: &str, start: &str, extra: Value) -> Value {
    let mut input = json!({"childId": child, "settingId": setting, "legalBasis": "LVU_2",
        "startDate": start, "dailyCost": 4000, "reasons": [{"code": "NEGLECT", "primary": true}]});
    let extra = extra
        .as_object()
        .expect("extra fields are an object")
        .clone();
    input.as_object_mut().expect("an object").extend(extra);
    json!({ "i": input })
}

pub(crate) fn id_at<'a>(body: &'a Value, path: &[&str]) -> &'a str {
    let mut v = &body["data"];
    for p in path {
        v = &v[*p];
    }
    v.as_str().unwrap_or_else(|| panic!("no {path:?}: {body}"))
}

#[tokio::test]
async fn a_decided_intervention_holds_its_placements_and_moves() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let child = new_child(&app, &maria, 411).await;
        let (hvb, home) = (
            institution(&app, &maria, "Insats-HVB").await,
            institution(&app, &maria, "Insats-HVB 2").await,
        );
        let care = app
            .gql(
                Some(&maria),
                CREATE,
                json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR",
                "legalBasis": "LVU_2", "decisionDate": "2025-01-10", "startDate": "2025-01-10"}}),
            )
            .await;
        assert!(care.get("errors").is_none(), "{care}");
        let care_id = id_at(&care, &["createIntervention", "id"]).to_owned();
        assert_eq!(
            care["data"]["createIntervention"]["unit"]["name"],
            "Barn och unga"
        );
        let extra = json!({"interventionId": care_id, "moveReason": "BREAKDOWN"});
        let first_as_move = app
            .gql(
                Some(&maria),
                PLACE,
                placement(&child, &hvb, "2025-01-10", extra),
            )
            .await;
        assert_eq!(
            codes(&first_as_move),
            vec!["BAD_USER_INPUT"],
            "{first_as_move}"
        );
        assert_eq!(
            first_as_move["errors"][0]["extensions"]["field"],
            "moveReason"
        );
        let early = json!({"interventionId": care_id});
        let before_start = app
            .gql(
                Some(&maria),
                PLACE,
                placement(&child, &hvb, "2025-01-01", early.clone()),
            )
            .await;
        assert_eq!(
            codes(&before_start),
            vec!["CONFLICT"],
            "outside the intervention: {before_start}"
        );
        let first = app
            .gql(
                Some(&maria),
                PLACE,
                placement(&child, &hvb, "2025-01-10", early),
            )
            .await;
        assert!(first.get("errors").is_none(), "{first}");
        assert_eq!(
            id_at(&first, &["createPlacement", "intervention", "id"]),
            care_id
        );
        let first_id = id_at(&first, &["createPlacement", "id"]).to_owned();
        let moved = app
            .gql(
                Some(&maria),
                END_PLACEMENT,
                json!({"id": first_id, "d": "2025-03-31", "r": "MOVED_TO_OTHER_PLACEMENT"}),
            )
            .await;
        assert!(
            moved["data"]["endPlacement"]["intervention"]["endDate"].is_null(),
            "a move keeps it open: {moved}"
        );
        let second = app
            .gql(
                Some(&maria),
                PLACE,
                placement(
                    &child,
                    &home,
                    "2025-04-01",
                    json!({"interventionId": care_id, "moveReason": "TO_LESS_INTENSIVE_CARE"}),
                ),
            )
            .await;
        assert_eq!(
            second["data"]["createPlacement"]["moveReason"], "TO_LESS_INTENSIVE_CARE",
            "{second}"
        );
        let second_id = id_at(&second, &["createPlacement", "id"]).to_owned();
        let early_end = app
            .gql(
                Some(&maria),
                END,
                json!({"id": care_id, "d": "2025-06-30", "r": "RETURNED_HOME"}),
            )
            .await;
        assert_eq!(
            codes(&early_end),
            vec!["CONFLICT"],
            "a placement is open: {early_end}"
        );
        let over = app
            .gql(
                Some(&maria),
                CREATE,
                json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR",
                "legalBasis": "SOL", "decisionDate": "2025-05-01", "startDate": "2025-05-01"}}),
            )
            .await;
        assert_eq!(
            codes(&over),
            vec!["CONFLICT"],
            "one 24-hour care at a time: {over}"
        );
        let ended = app
            .gql(
                Some(&maria),
                END_PLACEMENT,
                json!({"id": second_id, "d": "2025-08-15", "r": "CUSTODY_TRANSFERRED"}),
            )
            .await;
        let care_now = &ended["data"]["endPlacement"]["intervention"];
        assert_eq!(
            care_now["endDate"], "2025-08-15",
            "leaving care ends it: {ended}"
        );
        assert_eq!(care_now["endReason"], "CUSTODY_TRANSFERRED");
        let again = app
            .gql(
                Some(&maria),
                END,
                json!({"id": care_id, "d": "2025-08-15", "r": "OTHER"}),
            )
            .await;
        assert_eq!(codes(&again), vec!["CONFLICT"], "{again}");
        let listed = app
            .gql(Some(&maria), "query($c: ID!){ child(id: $c){ interventions { id placements { id moveReason } } } }", json!({"c": child}))
            .await;
        let cares = listed["data"]["child"]["interventions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(cares.len(), 1, "{listed}");
        assert_eq!(
            cares[0]["placements"].as_array().map(Vec::len),
            Some(2),
            "{listed}"
        );
    }
}

#[tokio::test]
async fn a_placement_without_an_intervention_still_works_as_in_0_1() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let child = new_child(&app, &maria, 427).await;
        let hvb = institution(&app, &maria, "Äldre-HVB").await;
        let placed = app
            .gql(
                Some(&maria),
                PLACE,
                placement(&child, &hvb, "2024-02-01", json!({})),
            )
            .await;
        let care = &placed["data"]["createPlacement"]["intervention"];
        assert_eq!(care["kind"], "TWENTY_FOUR_HOUR", "{placed}");
        assert_eq!(care["startDate"], "2024-02-01");
        let id = id_at(&placed, &["createPlacement", "id"]).to_owned();
        let ended = app
            .gql(
                Some(&maria),
                END_PLACEMENT,
                json!({"id": id, "d": "2024-05-31", "r": "RETURNED_HOME"}),
            )
            .await;
        assert_eq!(
            ended["data"]["endPlacement"]["intervention"]["endReason"], "RETURNED_HOME",
            "{ended}"
        );
        let audit_types: Vec<String> = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
            hearth::entity::audit_event::Entity::find()
                .order_by_asc(hearth::entity::audit_event::Column::Sequence)
                .filter(hearth::entity::audit_event::Column::EntityType.eq("Intervention"))
                .filter(hearth::entity::audit_event::Column::Action.is_in(["CREATE", "UPDATE"]))
                .all(&app.state.db)
                .await
                .expect("db")
                .into_iter()
                .map(|e| e.action)
                .collect()
        };
        assert_eq!(
            audit_types,
            vec!["CREATE", "UPDATE"],
            "made and ended, both recorded"
        );
    }
}

#[tokio::test]
async fn open_care_has_no_compulsory_basis_and_no_placements() {
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let child = new_child(&app, &anna, 433).await;
    let lvu = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "FAMILY_TREATMENT",
            "legalBasis": "LVU_2", "decisionDate": "2025-02-01", "startDate": "2025-02-01"}}),
        )
        .await;
    assert_eq!(codes(&lvu), vec!["BAD_USER_INPUT"], "{lvu}");
    let late = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "FAMILY_TREATMENT",
            "decisionDate": "2025-03-01", "startDate": "2025-02-01"}}),
        )
        .await;
    assert_eq!(
        late["errors"][0]["extensions"]["field"], "decisionDate",
        "{late}"
    );
    let open = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "FAMILY_TREATMENT",
            "decisionDate": "2025-02-01", "startDate": "2025-02-01"}}),
        )
        .await;
    let open_id = id_at(&open, &["createIntervention", "id"]).to_owned();
    let hvb = {
        let maria = app.login("maria.manager").await;
        institution(&app, &maria, "Öppen-HVB").await
    };
    let into_open = app
        .gql(
            Some(&anna),
            PLACE,
            placement(
                &child,
                &hvb,
                "2025-02-10",
                json!({"interventionId": open_id}),
            ),
        )
        .await;
    assert_eq!(codes(&into_open), vec!["BAD_USER_INPUT"], "{into_open}");
    let no_basis = app
        .gql(
            Some(&anna),
            CREATE,
            json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR",
            "decisionDate": "2025-02-01", "startDate": "2025-02-01"}}),
        )
        .await;
    assert_eq!(
        no_basis["errors"][0]["extensions"]["field"], "legalBasis",
        "{no_basis}"
    );
}

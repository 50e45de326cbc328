//! Follow-up deadlines over HTTP (issue 14): computed for the caller's scope,
//! moved on by recording what was done, audited like every read. The rules
//! themselves, date by date, are tested in `domain::deadlines`.
use std::collections::HashSet;

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, backends, codes};

const DEADLINES: &str =
    "query($d: Date!, $n: Int){ deadlines(due: $d, first: $n){ totalCount pageInfo { hasNextPage }
  edges { node { kind dueDate overdue child { id } intervention { id } placement { id } } } } }";

fn list(body: &Value) -> Vec<Value> {
    body["data"]["deadlines"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no deadlines: {body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn caseload(app: &TestApp, token: &str) -> HashSet<String> {
    let body = app
        .gql(
            Some(token),
            "{ children(first: 500) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    body["data"]["children"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["node"]["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_demo_has_deadlines_due_and_overdue_within_each_scope() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let far = (hearth::domain::today() + chrono::Duration::days(400)).to_string();
        let anna = app.login("anna.case").await;
        let mine = list(
            &app.gql(Some(&anna), DEADLINES, json!({"d": far, "n": 500}))
                .await,
        );
        assert!(
            mine.iter().any(|d| d["overdue"] == true),
            "{backend:?}: overdue for anna"
        );
        assert!(
            mine.iter().any(|d| d["overdue"] == false),
            "{backend:?}: due for anna"
        );
        let hers = caseload(&app, &anna).await;
        for d in &mine {
            let child = d["child"]["id"].as_str().unwrap_or_default();
            assert!(hers.contains(child), "only her caseload: {d}");
        }
        let maria = app.login("maria.manager").await;
        let unit = list(
            &app.gql(Some(&maria), DEADLINES, json!({"d": far, "n": 500}))
                .await,
        );
        assert!(
            unit.len() > mine.len(),
            "the unit holds more than one caseload"
        );
        let dates: Vec<&str> = unit
            .iter()
            .map(|d| {
                d["dueDate"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a due date: {d}"))
            })
            .collect();
        let mut sorted = dates.clone();
        sorted.sort_unstable();
        assert_eq!(dates, sorted, "soonest first");
        // Finance sees placements of no one in particular; a deadline ties a
        // placement to a child's care history, so none at all.
        let erik = app.login("erik.finance").await;
        let finance = app.gql(Some(&erik), DEADLINES, json!({"d": far})).await;
        assert_eq!(codes(&finance), vec!["FORBIDDEN"], "{finance}");
        let page = app
            .gql(Some(&maria), DEADLINES, json!({"d": far, "n": 2}))
            .await;
        assert_eq!(list(&page).len(), 2, "{page}");
        assert_eq!(page["data"]["deadlines"]["pageInfo"]["hasNextPage"], true);
        assert!(
            page["data"]["deadlines"]["totalCount"]
                .as_u64()
                .is_some_and(|n| n >= unit.len() as u64),
            "{page}"
        );
        let alice = app.login("alice.auditor").await;
        let auditor = app.gql(Some(&alice), DEADLINES, json!({"d": far})).await;
        assert_eq!(codes(&auditor), vec!["FORBIDDEN"], "{auditor}");
    }
}

#[tokio::test]
async fn recording_a_review_moves_its_deadline_and_the_rest_is_refused_clearly() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let pin = hearth::domain::pin::make(
            chrono::NaiveDate::from_ymd_opt(2014, 6, 1).expect("date"),
            455,
            false,
        );
        let child = app
            .gql(Some(&maria), "mutation($i: CreateChildInput!){ createChild(input: $i){ id } }",
                json!({"i": {"givenName": "Frist", "familyName": "Barn", "personalIdentityNumber": pin}}))
            .await;
        let child = child["data"]["createChild"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{child}"))
            .to_owned();
        let care = app
            .gql(
                Some(&maria),
                "mutation($i: CreateInterventionInput!){ createIntervention(input: $i){ id } }",
                json!({"i": {"childId": child, "kind": "TWENTY_FOUR_HOUR", "legalBasis": "SOL",
                    "decisionDate": "2025-01-10", "startDate": "2025-01-10"}}),
            )
            .await;
        let care = care["data"]["createIntervention"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{care}"))
            .to_owned();
        let of_child = |body: &Value| -> Vec<(String, String)> {
            list(body)
                .into_iter()
                .filter(|d| d["intervention"]["id"] == care.as_str())
                .map(|d| {
                    (
                        d["kind"].as_str().unwrap_or("").to_owned(),
                        d["dueDate"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        };
        let q = json!({"d": "2030-01-01", "n": 500});
        let before = of_child(&app.gql(Some(&maria), DEADLINES, q.clone()).await);
        assert!(
            before.contains(&("PLACEMENT_REVIEW".into(), "2025-07-10".into())),
            "{before:?}"
        );
        assert!(
            before.contains(&("CARE_PLAN_REVISION".into(), "2027-01-10".into())),
            "{before:?}"
        );
        let record = "mutation($i: RecordFollowUpInput!){ recordFollowUp(input: $i) }";
        let done = app
            .gql(Some(&maria), record, json!({"i": {"interventionId": care, "kind": "PLACEMENT_REVIEW", "doneOn": "2025-07-01"}}))
            .await;
        assert_eq!(done["data"]["recordFollowUp"], true, "{done}");
        let after = of_child(&app.gql(Some(&maria), DEADLINES, q).await);
        assert!(
            after.contains(&("PLACEMENT_REVIEW".into(), "2026-01-01".into())),
            "{after:?}"
        );
        for (kind, day, field) in [
            ("EMERGENCY_HOME_LIMIT", "2025-07-01", "kind"),
            ("PLACEMENT_REVIEW", "2024-12-31", "doneOn"),
            ("PLACEMENT_REVIEW", "2099-01-01", "doneOn"),
        ] {
            let refused = app
                .gql(
                    Some(&maria),
                    record,
                    json!({"i": {"interventionId": care, "kind": kind, "doneOn": day}}),
                )
                .await;
            assert_eq!(
                codes(&refused),
                vec!["BAD_USER_INPUT"],
                "{backend:?} {kind} {day}: {refused}"
            );
            assert_eq!(
                refused["errors"][0]["extensions"]["field"], field,
                "{refused}"
            );
        }
        let anna = app.login("anna.case").await;
        let outside = app
            .gql(Some(&anna), record, json!({"i": {"interventionId": care, "kind": "PLACEMENT_REVIEW", "doneOn": "2025-07-01"}}))
            .await;
        assert_eq!(
            codes(&outside),
            vec!["NOT_FOUND"],
            "not in her caseload: {outside}"
        );
        // A follow-up after the care comes after its last day, not on it.
        let end = "mutation($id: ID!){ endIntervention(id: $id, endDate: \"2025-08-01\", endReason: RETURNED_HOME){ id } }";
        let ended = app.gql(Some(&maria), end, json!({"id": care})).await;
        assert!(ended.get("errors").is_none(), "{ended}");
        let aftercare = |day: &'static str| json!({"i": {"interventionId": care, "kind": "AFTERCARE_FOLLOW_UP", "doneOn": day}});
        let on_the_day = app.gql(Some(&maria), record, aftercare("2025-08-01")).await;
        assert_eq!(
            on_the_day["errors"][0]["extensions"]["field"], "doneOn",
            "{on_the_day}"
        );
        let after = app.gql(Some(&maria), record, aftercare("2025-08-02")).await;
        assert_eq!(after["data"]["recordFollowUp"], true, "{after}");
    }
}

#[tokio::test]
async fn reading_deadlines_leaves_a_trace_per_child() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let far = (hearth::domain::today() + chrono::Duration::days(400)).to_string();
    let mine = list(
        &app.gql(Some(&anna), DEADLINES, json!({"d": far, "n": 500}))
            .await,
    );
    let children: HashSet<&str> = mine
        .iter()
        .map(|d| {
            d["child"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a child: {d}"))
        })
        .collect();
    assert!(!children.is_empty(), "anna has deadlines to read");
    let traced = hearth::entity::audit_event::Entity::find()
        .filter(hearth::entity::audit_event::Column::Fields.contains("Deadline.dueDate"))
        .count(&app.state.db)
        .await
        .expect("db");
    assert_eq!(traced as usize, children.len(), "one read event per child");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_take_the_same_statements_for_any_page_at_any_concurrency() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let far = (hearth::domain::today() + chrono::Duration::days(400)).to_string();
        let q = "query($d: Date!, $n: Int){ deadlines(due: $d, first: $n){ edges { node { kind
          child { id givenName } intervention { kind unit { name } } placement { setting { __typename } } } } } }";
        // Pages of 50 and 500 both hold deadlines with and without a
        // placement, so every nested level is loaded in both.
        let mut counts = Vec::new();
        for n in [50, 500] {
            counts.push(
                crate::foundation::statements_per_request(
                    &app,
                    &maria,
                    q,
                    json!({"d": far, "n": n}),
                    32,
                )
                .await,
            );
        }
        assert_eq!(counts[0], counts[1], "{backend:?}: {counts:?}");
    }
}

#[tokio::test]
async fn a_go_live_day_takes_carried_over_history_as_followed_up() {
    let today = hearth::domain::today();
    let app = TestApp::demo_with(Backend::Sqlite, |c| c.deadlines.counted_from = Some(today)).await;
    let maria = app.login("maria.manager").await;
    let far = (today + chrono::Duration::days(400)).to_string();
    let unit = list(
        &app.gql(Some(&maria), DEADLINES, json!({"d": far, "n": 500}))
            .await,
    );
    assert!(!unit.is_empty(), "what falls due from go-live on is listed");
    for d in &unit {
        assert!(
            d["overdue"] == false || d["kind"] == "EMERGENCY_HOME_LIMIT",
            "only a child still in an emergency home can be overdue on go-live day: {d}"
        );
    }
}

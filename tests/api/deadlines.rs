//! Follow-up deadlines over HTTP (issue 14): computed for the caller's scope,
//! moved on by recording what was done, audited like every read. The rules
//! themselves, date by date, are tested in `domain::deadlines`.
use std::collections::HashSet;

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, backends, codes};

const DEADLINES: &str = "query($d: Date!){ deadlines(due: $d){ kind dueDate overdue child { id } intervention { id } } }";

fn list(body: &Value) -> Vec<Value> {
    body["data"]["deadlines"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no deadlines: {body}"))
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
        let mine = list(&app.gql(Some(&anna), DEADLINES, json!({"d": far})).await);
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
        let unit = list(&app.gql(Some(&maria), DEADLINES, json!({"d": far})).await);
        assert!(
            unit.len() > mine.len(),
            "the unit holds more than one caseload"
        );
        let dates: Vec<&str> = unit.iter().filter_map(|d| d["dueDate"].as_str()).collect();
        let mut sorted = dates.clone();
        sorted.sort_unstable();
        assert_eq!(dates, sorted, "soonest first");
        let erik = app.login("erik.finance").await;
        let finance = app.gql(Some(&erik), DEADLINES, json!({"d": far})).await;
        assert!(
            finance["errors"]
                .as_array()
                .is_some_and(|e| e.iter().all(|e| e["extensions"]["code"] == "FORBIDDEN")),
            "finance sees no child: {finance}"
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
        let q = json!({"d": "2030-01-01"});
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
    }
}

#[tokio::test]
async fn reading_deadlines_leaves_a_trace_per_child() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let far = (hearth::domain::today() + chrono::Duration::days(400)).to_string();
    let mine = list(&app.gql(Some(&anna), DEADLINES, json!({"d": far})).await);
    let children: HashSet<&str> = mine
        .iter()
        .filter_map(|d| d["child"]["id"].as_str())
        .collect();
    let traced = hearth::entity::audit_event::Entity::find()
        .filter(hearth::entity::audit_event::Column::Fields.contains("Deadline.dueDate"))
        .count(&app.state.db)
        .await
        .expect("db");
    assert_eq!(traced as usize, children.len(), "one read event per child");
}

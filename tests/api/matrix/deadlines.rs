//! The matrix for `Deadline`, which is read as a list rather than by id:
//! every built-in role, every field of the policy table's `Deadline` rows.
//! Reaching deadlines at all needs what reaching an intervention needs
//! (they tie placements to a child's care history); then each field is as
//! access.md's table says, and only the caller's scope is listed (at OWN the
//! caseload: a foster care worker, with none, gets an empty list).
use serde_json::json;

use super::spec::{Group, allowed, group_of};
use super::{ROLES, fields_of, selection};
use crate::harness::{TestApp, backends, codes};

#[tokio::test]
async fn deadline_fields_hold_for_every_role() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let fields = fields_of("Deadline");
        assert!(fields.len() >= 6, "{fields:?}");
        let sel: Vec<String> = fields.iter().map(|f| selection(f)).collect();
        let q = format!(
            "query($d: Date!) {{ deadlines(due: $d, first: 500) {{ edges {{ node {{ {} }} }} }} }}",
            sel.join(" ")
        );
        let far = (hearth::domain::today() + chrono::Duration::days(400)).to_string();
        for (role, user) in ROLES {
            let token = app.login(user).await;
            let body = app.gql(Some(&token), &q, json!({"d": far})).await;
            if !allowed(role, Group::PlacementChild) {
                assert_eq!(
                    codes(&body),
                    vec!["FORBIDDEN"],
                    "{backend:?} {role}: {body}"
                );
                assert!(body["data"].is_null(), "{body}");
                continue;
            }
            let edges = body["data"]["deadlines"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_else(|| panic!("{backend:?} {role}: {body}"));
            let has_caseload = *role != "FOSTER_CARE_WORKER";
            assert_eq!(
                !edges.is_empty(),
                has_caseload,
                "{backend:?} {role}: {} deadlines",
                edges.len()
            );
            for (i, edge) in edges.iter().enumerate() {
                for field in &fields {
                    let group = group_of("Deadline", field).expect("a spec row");
                    let value = &edge["node"][*field];
                    let denied = body["errors"].as_array().is_some_and(|errors| {
                        errors.iter().any(|e| {
                            e["path"] == json!(["deadlines", "edges", i, "node", field])
                                && e["extensions"]["code"] == "FORBIDDEN"
                        })
                    });
                    if allowed(role, group) {
                        assert!(!denied, "{backend:?} {role} Deadline.{field}: {body}");
                        // A stay is named only for placement rules.
                        assert!(
                            !value.is_null() || *field == "placement",
                            "{backend:?} {role} {field}"
                        );
                    } else {
                        assert!(
                            denied && value.is_null(),
                            "{backend:?} {role} Deadline.{field}"
                        );
                    }
                }
            }
        }
    }
}

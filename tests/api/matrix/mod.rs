//! The authorization matrix: every built-in role × every field of the policy
//! table × in scope / out of scope / in scope under protected identity, over
//! HTTP against the demo municipality. Denied cells are repeated through an
//! alias, the CareSetting union, a nested path and a batch. The checked
//! matrix is written to target/authz-matrix-<backend>.md.
mod checker;
mod deadlines;
mod outsider;
mod spec;
mod subjects;
mod write_spec;
mod writes;

use serde_json::{Value, json};

use crate::harness::{TestApp, backends};
use checker::{Cell, mismatches, render};
use spec::{Case, Outcome};

const ROLES: &[(&str, &str)] = &[
    ("CASE_WORKER", "anna.case"),
    ("FOSTER_CARE_WORKER", "fredrik.foster"),
    ("UNIT_MANAGER", "maria.manager"),
    ("FINANCE", "erik.finance"),
    ("AUDITOR", "alice.auditor"),
    ("ADMIN", "adam.admin"),
];

/// Selection for a field: object fields need a sub-selection.
fn selection(field: &str) -> String {
    match field {
        "unit" | "caseWorkers" | "placements" | "currentPlacement" | "child" | "secretary"
        | "currentPlacements" | "interventions" | "intervention" | "placement" => {
            format!("{field} {{ __typename }}")
        }
        "reasons" => "reasons { primary }".into(),
        "setting" => "setting { __typename }".into(),
        _ => field.to_owned(),
    }
}

fn root_of(object: &str) -> &'static str {
    match object {
        "Child" => "child",
        "Placement" => "placement",
        "Intervention" => "intervention",
        "FosterHome" => "fosterHome",
        _ => "institution",
    }
}

fn fields_of(object: &str) -> Vec<&'static str> {
    hearth::access::policy::POLICY
        .iter()
        .filter(|r| r.object == object)
        .map(|r| r.field)
        .collect()
}

fn error_code_at(body: &Value, path: &[&str]) -> Option<String> {
    body["errors"].as_array()?.iter().find_map(|e| {
        let p: Vec<String> = e["path"]
            .as_array()?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| s.to_string())
            })
            .collect();
        (p == path).then(|| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
    })
}

fn outcome(body: &Value, root: &str, leaf: &str) -> Outcome {
    match error_code_at(body, &[root]).as_deref() {
        Some("NOT_FOUND") => return Outcome::NotFound,
        Some(_) => return Outcome::Forbidden,
        None => {}
    }
    match error_code_at(body, &[root, leaf]).as_deref() {
        Some("FORBIDDEN") => {
            assert!(
                body["data"][root].get(leaf).is_some_and(Value::is_null),
                "a denied field is present as null: {body}"
            );
            Outcome::Forbidden
        }
        Some(other) => panic!("unexpected error {other} at {root}.{leaf}: {body}"),
        None if body["data"][root].is_object() => Outcome::Value,
        None => panic!("no data and no error at {root}: {body}"),
    }
}

#[tokio::test]
async fn authorization_matrix_holds_for_every_role_field_and_scope() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let subjects = subjects::find(&app).await;
        let mut cells = Vec::new();
        let mut skipped = Vec::new();
        for (role, user) in ROLES {
            let token = app.login(user).await;
            for object in [
                "Child",
                "Placement",
                "FosterHome",
                "Institution",
                "Intervention",
            ] {
                for case in [Case::InScope, Case::OutOfScope, Case::ProtectedInScope] {
                    let Some(id) = subjects.id(role, object, case) else {
                        skipped.push(format!("{role} {object} {case:?}"));
                        continue;
                    };
                    let root = root_of(object);
                    let fields = fields_of(object);
                    let sel: Vec<String> = fields.iter().map(|f| selection(f)).collect();
                    let q = format!(
                        "query($id: ID!) {{ {root}(id: $id) {{ {} }} }}",
                        sel.join(" ")
                    );
                    let body = app.gql(Some(&token), &q, json!({"id": id})).await;
                    for field in &fields {
                        let observed = outcome(&body, root, field);
                        cells.push(Cell {
                            role,
                            object,
                            field,
                            case,
                            path: "direct",
                            observed,
                        });
                        if observed == Outcome::Forbidden && body["data"][root].is_object() {
                            cells.extend(
                                repeat_denied(&app, &token, role, object, field, case, &id).await,
                            );
                        }
                    }
                }
            }
        }
        // Only the cases that cannot exist may lack a subject: nothing is
        // out of an ALL scope, or of scope for roles without case data,
        // and no protected child sits in these roles' own reach. A subject
        // the demo stops providing fails here instead of dropping cells.
        assert_eq!(skipped, NO_SUBJECT, "{backend:?}: cases without a subject");
        let report = render(&cells);
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("target/authz-matrix-{backend:?}.md"));
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).expect("create target/");
        }
        std::fs::write(&out, &report).expect("write matrix");
        let bad = mismatches(&cells);
        assert!(
            bad.is_empty(),
            "{backend:?}: {} of {} cells differ from access.md:\n{}",
            bad.len(),
            cells.len(),
            bad.join("\n")
        );
        let repeated = cells.iter().filter(|c| c.path != "direct").count();
        assert!(
            cells.len() > 500 && repeated > 0,
            "matrix too small: {} cells, {repeated} repeats",
            cells.len()
        );
        // The union and nested repeats run only where a placement is
        // visible; each must have run somewhere, or they check nothing.
        for path in ["alias", "batch", "union", "nested"] {
            assert!(
                cells.iter().any(|c| c.path == path),
                "{backend:?}: no denied field was repeated through the {path} path"
            );
        }
    }
}

/// Re-reads a denied field through an alias, a batch, and where it applies
/// the union and a nested path; each must be denied as well.
async fn repeat_denied(
    app: &TestApp,
    token: &str,
    role: &'static str,
    object: &'static str,
    field: &'static str,
    case: Case,
    id: &str,
) -> Vec<Cell> {
    let root = root_of(object);
    let sel = selection(field);
    let mut cells = Vec::new();
    let alias_q = format!("query($id: ID!) {{ r: {root}(id: $id) {{ sneaky: {sel} }} }}");
    let body = app.gql(Some(token), &alias_q, json!({"id": id})).await;
    cells.push(Cell {
        role,
        object,
        field,
        case,
        path: "alias",
        observed: outcome(&body, "r", "sneaky"),
    });
    let batch = json!([
        {"query": "{ me { username } }"},
        {"query": format!("query($id: ID!) {{ {root}(id: $id) {{ {sel} }} }}"), "variables": {"id": id}},
    ]);
    let resp: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .json(&batch)
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("json");
    cells.push(Cell {
        role,
        object,
        field,
        case,
        path: "batch",
        observed: outcome(&resp[1], root, field),
    });
    if (object == "FosterHome" || object == "Institution")
        && let Some(pid) = visible_placement_in(app, token, id).await
    {
        {
            let uq = format!(
                "query($id: ID!) {{ placement(id: $id) {{ setting {{ ... on {object} {{ {sel} }} }} }} }}"
            );
            let body = app.gql(Some(token), &uq, json!({"id": pid})).await;
            if body["data"]["placement"]["setting"].is_object() {
                let observed =
                    match error_code_at(&body, &["placement", "setting", field]).as_deref() {
                        Some(_) => Outcome::Forbidden,
                        None => Outcome::Value,
                    };
                cells.push(Cell {
                    role,
                    object,
                    field,
                    case,
                    path: "union",
                    observed,
                });
            }
        }
    }
    if object == "Child"
        && let Some(pid) = subjects::current_placement_of(app, id).await
    {
        {
            let nq = format!("query($id: ID!) {{ placement(id: $id) {{ child {{ {sel} }} }} }}");
            let body = app.gql(Some(token), &nq, json!({"id": pid})).await;

            if body["data"]["placement"]["child"].is_object() {
                let observed = match error_code_at(&body, &["placement", "child", field]).as_deref()
                {
                    Some(_) => Outcome::Forbidden,
                    None => Outcome::Value,
                };
                cells.push(Cell {
                    role,
                    object,
                    field,
                    case,
                    path: "nested",
                    observed,
                });
            }
        }
    }
    cells
}

/// A placement in the setting that the caller can see, found through the API.
async fn visible_placement_in(app: &TestApp, token: &str, setting: &str) -> Option<String> {
    let body = app
        .gql(Some(token), "query($s: ID!) { placements(first: 1, filter: { settingId: $s }) { edges { node { id } } } }", json!({"s": setting}))
        .await;
    body["data"]["placements"]["edges"][0]["node"]["id"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn every_policy_field_has_a_row_in_the_spec_table() {
    for rule in hearth::access::policy::POLICY {
        assert!(
            spec::group_of(rule.object, rule.field).is_some(),
            "{}.{} is missing from the spec table",
            rule.object,
            rule.field
        );
    }
}

/// The (role, object, case) cells the demo has no subject for, by design.
const NO_SUBJECT: [&str; 29] = [
    "CASE_WORKER Institution ProtectedInScope",
    "FOSTER_CARE_WORKER Child ProtectedInScope",
    "FOSTER_CARE_WORKER Placement ProtectedInScope",
    "FOSTER_CARE_WORKER Institution InScope",
    "FOSTER_CARE_WORKER Institution ProtectedInScope",
    // At OWN, interventions are reached through the caseload only, and the
    // demo's foster care worker has none.
    "FOSTER_CARE_WORKER Intervention InScope",
    "FOSTER_CARE_WORKER Intervention ProtectedInScope",
    "UNIT_MANAGER Institution ProtectedInScope",
    "FINANCE Child OutOfScope",
    "FINANCE Child ProtectedInScope",
    "FINANCE Placement OutOfScope",
    "FINANCE FosterHome OutOfScope",
    "FINANCE Institution OutOfScope",
    "FINANCE Institution ProtectedInScope",
    "FINANCE Intervention OutOfScope",
    "AUDITOR Child OutOfScope",
    "AUDITOR Child ProtectedInScope",
    "AUDITOR Placement OutOfScope",
    "AUDITOR FosterHome OutOfScope",
    "AUDITOR Institution OutOfScope",
    "AUDITOR Institution ProtectedInScope",
    "AUDITOR Intervention OutOfScope",
    "ADMIN Child OutOfScope",
    "ADMIN Child ProtectedInScope",
    "ADMIN Placement OutOfScope",
    "ADMIN FosterHome OutOfScope",
    "ADMIN Institution OutOfScope",
    "ADMIN Institution ProtectedInScope",
    "ADMIN Intervention OutOfScope",
];

//! The authorization matrix for writes: every built-in role × every writable
//! field of an existing record × in scope / out of scope / in scope under
//! protected identity, over HTTP, including the fields of the object the
//! mutation returns. Each role gets a fresh demo municipality, so one
//! role's changes cannot decide another's cells.
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::spec::{self, Case, Outcome};
use super::write_spec::{self, FIELDS, Field};
use super::{ROLES, error_code_at, subjects};
use crate::harness::{TestApp, backends};
use hearth::entity::{care_setting, child, placement, unit, user};

const JUSTIFICATION: &str = "Court decision received today, reference 123";

/// The mutation document and variables that change `f` of record `id`.
async fn request(
    app: &TestApp,
    caller: &user::Model,
    f: Field,
    id: &str,
    serial: u16,
) -> (String, Value) {
    let uuid = Uuid::parse_str(id).expect("uuid");
    let object = write_spec::object_of(f.mutation);
    let ret = write_spec::returned_fields(object).join(" ");
    let db = &app.state.db;
    let doc = |input_type: &str| {
        format!(
            "mutation($id: ID!, $i: {input_type}!) {{ m: {}(id: $id, input: $i) {{ {ret} }} }}",
            f.mutation
        )
    };
    match f.mutation {
        "updateChild" => {
            let c = child::Entity::find_by_id(uuid)
                .one(db)
                .await
                .expect("db")
                .expect("child");
            let value = match f.field {
                "givenName" => json!("Ändrad"),
                "familyName" => json!("Efternamn"),
                "personalIdentityNumber" => json!(hearth::domain::pin::make(
                    chrono::NaiveDate::from_ymd_opt(2012, 5, 5).expect("date"),
                    serial,
                    false
                )),
                "protectedIdentity" => json!(!c.protected_identity),
                "address" => json!("Nya gatan 1"),
                "unitId" => json!(caller.unit_id.unwrap_or(c.unit_id).to_string()),
                "expectedVersion" => json!(c.version),
                other => panic!("no value for {other}"),
            };
            let mut input = json!({ f.field: value });
            if f.field == "protectedIdentity" {
                input["justification"] = json!(JUSTIFICATION);
            }
            (doc("UpdateChildInput"), json!({"id": id, "i": input}))
        }
        "assignCaseWorker" => {
            let bo = app.user("bo.case").await;
            (
                format!(
                    "mutation($c: ID!, $u: ID!) {{ m: assignCaseWorker(childId: $c, userId: $u) {{ {ret} }} }}"
                ),
                json!({"c": id, "u": bo.id.to_string()}),
            )
        }
        "updatePlacement" => {
            let p = placement::Entity::find_by_id(uuid)
                .one(db)
                .await
                .expect("db")
                .expect("placement");
            let value = match f.field {
                "legalBasis" => json!(if p.legal_basis == "SOL" {
                    "LVU_2"
                } else {
                    "SOL"
                }),
                "plannedEndDate" => json!("2031-06-30"),
                "dailyCost" => json!(1500),
                "reasons" => json!([{"code": "OTHER", "primary": true}]),
                "expectedVersion" => json!(p.version),
                other => panic!("no value for {other}"),
            };
            (
                doc("UpdatePlacementInput"),
                json!({"id": id, "i": { f.field: value }}),
            )
        }
        "endPlacement" => (
            format!(
                "mutation($id: ID!, $d: Date!) {{ m: endPlacement(id: $id, endDate: $d, endReason: RETURNED_HOME) {{ {ret} }} }}"
            ),
            json!({"id": id, "d": hearth::domain::today().to_string()}),
        ),
        _ => {
            let value = match f.field {
                "name" => json!("Hemmet"),
                "address" => json!("Vägen 2"),
                "phone" => json!("070-000 00 00"),
                "capacity" => json!(20),
                "agencyName" => json!("Byrån"),
                "approvedOn" => json!("2025-01-01"),
                other => panic!("no value for {other}"),
            };
            (
                doc("UpdateFosterHomeInput"),
                json!({"id": id, "i": { f.field: value }}),
            )
        }
    }
}

/// Whether the caller may change the home: their unit's at UNIT, one they
/// support at OWN (access.md, "Writes").
async fn home_writable(app: &TestApp, role: &str, caller: &user::Model, id: &str) -> bool {
    let uuid = Uuid::parse_str(id).expect("uuid");
    let home = care_setting::Entity::find_by_id(uuid)
        .one(&app.state.db)
        .await
        .expect("db")
        .expect("setting");
    match role {
        "FOSTER_CARE_WORKER" => home.secretary_id == Some(caller.id),
        "UNIT_MANAGER" => home.unit_id.is_some() && home.unit_id == caller.unit_id,
        _ => false,
    }
}

fn observed(body: &Value) -> Outcome {
    match error_code_at(body, &["m"]).as_deref() {
        Some("NOT_FOUND") => Outcome::NotFound,
        Some("FORBIDDEN") => Outcome::Forbidden,
        Some(other) => panic!("unexpected {other}: {body}"),
        None if body["data"]["m"].is_object() => Outcome::Value,
        None => panic!("no data and no error: {body}"),
    }
}

#[tokio::test]
async fn write_matrix_holds_for_every_role_writable_field_and_scope() {
    for backend in backends() {
        let mut bad = Vec::new();
        let mut checked = 0;
        let mut serial = 700;
        for (role, username) in ROLES {
            let app = TestApp::demo(backend).await;
            let subjects = subjects::find(&app).await;
            let caller = app.user(username).await;
            let token = app.login(username).await;
            for f in FIELDS {
                let object = write_spec::object_of(f.mutation);
                for case in [Case::InScope, Case::OutOfScope, Case::ProtectedInScope] {
                    let id = match subjects.id(role, object, case) {
                        Some(id) => id,
                        // Every role has a record of each kind in scope.
                        None if case == Case::InScope => panic!("no {object} for {role}"),
                        None => continue,
                    };
                    serial += 1;
                    let writable =
                        object == "FosterHome" && home_writable(&app, role, &caller, &id).await;
                    let want = write_spec::expected(role, *f, case, writable);
                    let (doc, vars) = request(&app, &caller, *f, &id, serial).await;
                    let body = app.gql(Some(&token), &doc, vars).await;
                    let got = observed(&body);
                    checked += 1;
                    if got != want {
                        bad.push(format!(
                            "{role} {}.{} {case:?}: want {want:?}, got {got:?}: {body}",
                            f.mutation, f.field
                        ));
                        continue;
                    }
                    if got != Outcome::Value {
                        assert!(body["data"].is_null() || body["data"]["m"].is_null());
                        continue;
                    }
                    // The returned object is read under the read policy.
                    for field in write_spec::returned_fields(object) {
                        let read = spec::expected(role, object, field, case);
                        let denied = error_code_at(&body, &["m", field]).is_some();
                        let got = if denied {
                            Outcome::Forbidden
                        } else {
                            Outcome::Value
                        };
                        if got != read {
                            bad.push(format!(
                                "{role} {}.{} {case:?} returns {object}.{field}: want {read:?}, got {got:?}",
                                f.mutation, f.field
                            ));
                        }
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{backend:?}: {} of {checked} write cells differ from access.md:\n{}",
            bad.len(),
            bad.join("\n")
        );
        assert!(
            checked >= ROLES.len() * FIELDS.len() * 2,
            "matrix too small: {checked}"
        );
    }
}

#[tokio::test]
async fn create_matrix_holds_for_every_role_and_target_unit() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let units = unit::Entity::find().all(&app.state.db).await.expect("db");
        let mut bad = Vec::new();
        let mut serial = 600;
        for (role, username) in ROLES {
            let caller = app.user(username).await;
            let other_unit = units
                .iter()
                .find(|u| Some(u.id) != caller.unit_id)
                .expect("a second unit")
                .id;
            let token = app.login(username).await;
            for case in [Case::InScope, Case::OutOfScope, Case::ProtectedInScope] {
                serial += 1;
                let pin = hearth::domain::pin::make(
                    chrono::NaiveDate::from_ymd_opt(2014, 3, 3).expect("date"),
                    serial,
                    false,
                );
                let mut input = json!({"givenName": "Ny", "familyName": "Registrerad",
                    "personalIdentityNumber": pin, "address": "Gatan 3"});
                match case {
                    Case::OutOfScope => input["unitId"] = json!(other_unit.to_string()),
                    Case::ProtectedInScope => input["protectedIdentity"] = json!(true),
                    Case::InScope => {}
                }
                let doc = "mutation($i: CreateChildInput!) { m: createChild(input: $i) { personalIdentityNumber address } }";
                let body = app.gql(Some(&token), doc, json!({"i": input})).await;
                let want = write_spec::expected_create(role, case);
                let got = observed(&body);
                if got != want {
                    bad.push(format!(
                        "{role} createChild {case:?}: want {want:?}, got {got:?}: {body}"
                    ));
                    continue;
                }
                if got != Outcome::Value {
                    continue;
                }
                for field in write_spec::returned_fields("Child") {
                    let read = spec::expected(role, "Child", field, case);
                    let got = if error_code_at(&body, &["m", field]).is_some() {
                        Outcome::Forbidden
                    } else {
                        Outcome::Value
                    };
                    if got != read {
                        bad.push(format!("{role} createChild {case:?} returns Child.{field}: want {read:?}, got {got:?}"));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{backend:?}:\n{}", bad.join("\n"));
    }
}

/// Every argument and input field of every mutation in the schema has a row
/// in the write policy (a new field without one is refused, and fails
/// here), and no row names a field that does not exist.
#[tokio::test]
async fn every_mutation_argument_has_a_write_rule() {
    let app = TestApp::start(backends()[0]).await;
    let q = "{ __schema { mutationType { fields { name args { name type { name kind ofType { name kind ofType { name } } } } } } } }";
    let body = app.gql(None, q, json!({})).await;
    let fields = body["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields");
    let input_fields = |type_name: String| {
        let app = &app;
        async move {
            let q = "query($t: String!) { __type(name: $t) { inputFields { name } } }";
            let body = app.gql(None, q, json!({"t": type_name})).await;
            body["data"]["__type"]["inputFields"]
                .as_array()
                .expect("input fields")
                .iter()
                .map(|f| f["name"].as_str().expect("name").to_owned())
                .collect::<Vec<_>>()
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut missing = Vec::new();
    for m in fields {
        let mutation = m["name"].as_str().expect("name");
        if hearth::access::policy::SELF_SERVICE.contains(&mutation) {
            continue;
        }
        for arg in m["args"].as_array().expect("args") {
            let name = arg["name"].as_str().expect("arg");
            let names = if name == "input" {
                let ty = arg["type"]["ofType"]["name"]
                    .as_str()
                    .or(arg["type"]["name"].as_str())
                    .expect("input type");
                input_fields(ty.to_owned()).await
            } else {
                vec![name.to_owned()]
            };
            for field in names {
                if hearth::access::policy::write_rule(mutation, &field).is_none() {
                    missing.push(format!("{mutation}.{field}"));
                }
                seen.insert(format!("{mutation}.{field}"));
            }
        }
    }
    assert!(missing.is_empty(), "no write rule for {missing:?}");
    let stale: Vec<String> = hearth::access::policy::write_policy()
        .map(|r| format!("{}.{}", r.mutation, r.field))
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(stale.is_empty(), "write rules for no field: {stale:?}");
    let total = hearth::access::policy::write_policy().count();
    assert_eq!(seen.len(), total, "one row per field");
}

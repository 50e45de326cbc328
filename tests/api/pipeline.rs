//! Issue 9, holes 3, 6 and 7: refusals that leave a trace, audit attribution
//! the client does not control, and an audit pipeline no client can damage.
//! (Hole 1, protected identity changes, is in `protected_trace`.)
use futures::future::join_all;
use serde_json::{Value, json};

use crate::harness::{TestApp, backends, codes};

pub(crate) fn data(body: &Value) -> &Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"]
}

const EVENTS: &str = "query($f:AuditEventFilter){auditEvents(first:500,filter:$f){edges{node{action entityType entityId subjectChildId fields outcome flagged flagReason justification operationName requestId clientRequestId subjectProtected repeatCount actor{username}}}}}";

pub(crate) async fn events(app: &TestApp, auditor: &str, filter: Value) -> Vec<Value> {
    let body = app.gql(Some(auditor), EVENTS, json!({"f": filter})).await;
    data(&body)["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

pub(crate) async fn first_child(app: &TestApp, token: &str, protected: bool) -> String {
    let body = app
        .gql(
            Some(token),
            "{children(first:500){edges{node{id protectedIdentity}}}}",
            json!({}),
        )
        .await;
    data(&body)["children"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["protectedIdentity"] == protected)
        .and_then(|n| n["id"].as_str())
        .expect("such a child in the caseload")
        .to_owned()
}

/// Hole 3: refusals of mutations left no trace, and a duplicate personal
/// identity number of someone else's child was an untraced oracle.
#[tokio::test]
async fn refusals_are_recorded_once_with_a_count_and_pin_probes_are_flagged() {
    for backend in backends() {
        // 30 aliases, above the default limit (15): the count is checked.
        let app = TestApp::demo_with(backend, |c| c.limits.max_aliases = 50).await;
        let anna = app.login("anna.case").await;
        let bo = app.login("bo.case").await;
        let annas = first_child(&app, &anna, false).await;
        // bo may not see anna's child: 30 aliased attempts in one operation.
        let aliases: String = (0..30)
            .map(|i| format!("u{i}: updateChild(id:$c,input:{{givenName:\"X\"}}){{id}} "))
            .collect();
        let flood = app
            .gql(
                Some(&bo),
                &format!("mutation($c:ID!){{{aliases}}}"),
                json!({"c": annas}),
            )
            .await;
        let got = codes(&flood);
        assert_eq!(got.len(), 30, "{flood}");
        assert!(got.iter().all(|c| c == "NOT_FOUND"), "{flood}");
        // The PIN of anna's child, tried by bo.
        let pin_of = app
            .gql(
                Some(&anna),
                "query($c:ID!){child(id:$c){personalIdentityNumber}}",
                json!({"c": annas}),
            )
            .await;
        let pin = data(&pin_of)["child"]["personalIdentityNumber"]
            .as_str()
            .expect("pin")
            .to_owned();
        let probe = app
            .gql(
                Some(&bo),
                "mutation($p:String!){createChild(input:{givenName:\"A\",familyName:\"B\",personalIdentityNumber:$p}){id}}",
                json!({"p": pin}),
            )
            .await;
        assert_eq!(codes(&probe), vec!["CONFLICT"]);
        let message = probe["errors"][0]["message"].as_str().expect("message");
        assert!(
            !message.contains(&annas) && !message.contains(&pin),
            "{message}"
        );

        let alice = app.login("alice.auditor").await;
        let refused = events(
            &app,
            &alice,
            json!({"actorUsername": "bo.case", "outcome": "DENIED"}),
        )
        .await;
        let counted: Vec<&Value> = refused
            .iter()
            .filter(|e| e["action"] == "REFUSED" && e["fields"][0] == "NOT_FOUND")
            .collect();
        let total: i64 = counted
            .iter()
            .map(|e| e["repeatCount"].as_i64().expect("n"))
            .sum();
        assert_eq!(total, 30, "{refused:#?}");
        assert!(
            counted.len() <= 30 && counted.len() < 5,
            "deduplicated: {counted:#?}"
        );
        let probes: Vec<&Value> = refused
            .iter()
            .filter(|e| e["subjectChildId"] == json!(annas) && e["flagged"] == true)
            .collect();
        assert_eq!(probes.len(), 1, "{refused:#?}");
        // And it is in the auditors' review list.
        let flagged = app
            .gql(
                Some(&alice),
                "{flaggedEvents(first:500){edges{node{subjectChildId actor{username}}}}}",
                json!({}),
            )
            .await;
        assert!(
            data(&flagged)["flaggedEvents"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .any(|e| e["node"]["subjectChildId"] == json!(annas)
                    && e["node"]["actor"]["username"] == "bo.case"),
            "{flagged}"
        );
    }
}

/// Hole 6: a batch's events all carried the first operation's name, and the
/// client's x-request-id was stored as the request id.
#[tokio::test]
async fn each_operation_of_a_batch_is_recorded_under_its_own_name() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let child = first_child(&app, &anna, false).await;
        let batch = json!([
            {"query": "query Harmless { me { id } }", "operationName": "Harmless"},
            {"query": "query Reader($c:ID!) { child(id:$c) { personalIdentityNumber } }",
             "operationName": "Reader", "variables": {"c": child}}
        ]);
        let resp = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&anna)
            .header("x-request-id", "client-chosen-id")
            .json(&batch)
            .send()
            .await
            .expect("send");
        let server_id = resp.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_owned();
        let body: Value = resp.json().await.expect("json");
        assert!(
            body[1]["data"]["child"]["personalIdentityNumber"].is_string(),
            "{body}"
        );
        let alice = app.login("alice.auditor").await;
        let reads = events(
            &app,
            &alice,
            json!({"subjectChildId": child, "action": "READ"}),
        )
        .await;
        let pin_read = reads
            .iter()
            .find(|e| {
                e["fields"]
                    .as_array()
                    .is_some_and(|f| f.contains(&json!("Child.personalIdentityNumber")))
            })
            .expect("the PIN read is recorded");
        assert_eq!(pin_read["operationName"], "Reader");
        assert_eq!(pin_read["requestId"], server_id.as_str());
        assert_eq!(pin_read["clientRequestId"], "client-chosen-id");
    }
}

/// Hole 7: a NUL in one user's operation name failed the shared audit
/// transaction, so other users' reads returned INTERNAL; a 900 kB username
/// was stored whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poisoned_operation_name_fails_nobody_elses_read() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let alice = app.login("alice.auditor").await;
        // Operation names are GraphQL names and cannot carry such
        // characters; a login name, a justification or a filter can. (NUL
        // itself is refused as BAD_USER_INPUT before any resolver runs,
        // `malformed::a_nul_character_in_text_is_bad_input_on_both_databases`.)
        let poison = json!([
            {"query": "mutation($u:String!){login(username:$u,password:\"wrong-password-123\"){accessToken}}",
             "variables": {"u": "poison\u{1}name\u{202e}\nforged"}},
            {"query": "query($u:String){auditEvents(first:1,filter:{actorUsername:$u}){totalCount}}",
             "variables": {"u": "x\u{0}y"}}
        ]);
        for round in 0..5 {
            let reads = (0..20).map(|_| {
                app.gql(
                    Some(&anna),
                    "{children(first:5){edges{node{id givenName}}}}",
                    json!({}),
                )
            });
            let poisons = (0..5).map(|_| async {
                app.client
                    .post(format!("{}/graphql", app.base))
                    .bearer_auth(&alice)
                    .json(&poison)
                    .send()
                    .await
                    .expect("send")
                    .status()
            });
            let (read_results, _) = futures::join!(join_all(reads), join_all(poisons));
            for r in &read_results {
                assert!(r["errors"].is_null(), "{backend:?} round {round}: {r}");
            }
        }
        let huge = "x".repeat(900_000);
        let refused = app
            .gql(None, "mutation($u:String!){login(username:$u,password:\"wrong-password-123\"){accessToken}}", json!({"u": huge}))
            .await;
        assert_eq!(codes(&refused), vec!["UNAUTHENTICATED"]);
        let failed = events(&app, &alice, json!({"action": "LOGIN_FAILED"})).await;
        let stored = failed
            .iter()
            .filter_map(|e| e["actor"]["username"].as_str())
            .find(|u| u.starts_with("xxxx"))
            .expect("the attempt is recorded");
        assert!(stored.chars().count() <= 201, "{}", stored.len());
        let names: Vec<&str> = failed
            .iter()
            .filter_map(|e| e["actor"]["username"].as_str())
            .collect();
        assert!(names.contains(&"poisonnameforged"), "{names:?}");
        assert!(names.iter().all(|n| !n.chars().any(char::is_control)));
    }
}

//! More holes from the attack pass on issue 9 (see `hostile.rs`): a
//! placement made to reach an address, and traces lost when the client
//! hangs up.
use serde_json::json;

use crate::harness::{TestApp, backends, codes};
use crate::hostile::{data, events_of, protected_child_of};

/// A placement made only to reach a setting's address outside scope is
/// allowed (placements are planned across units) but flagged for review.
#[tokio::test]
async fn a_placement_in_a_setting_outside_scope_is_flagged() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let maria = app.login("maria.manager").await;
        // An institution of maria's unit that anna has never seen.
        let inst = app
            .gql(
                Some(&maria),
                "mutation{createInstitution(input:{name:\"Okänt HVB\", kind: HVB, address:\"Dold väg 9\", dailyRate: 4000}){id}}",
                json!({}),
            )
            .await;
        let inst = data(&inst)["createInstitution"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let seen = app
            .gql(
                Some(&anna),
                "query($i:ID!){institution(id:$i){address}}",
                json!({"i": inst}),
            )
            .await;
        assert_eq!(codes(&seen), vec!["NOT_FOUND"]);
        let pin = hearth::domain::pin::make(
            chrono::NaiveDate::from_ymd_opt(2015, 3, 15).expect("date"),
            238,
            false,
        );
        let made = app
            .gql(
                Some(&anna),
                "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
                json!({"i": {"givenName": "Test", "familyName": "Probe", "personalIdentityNumber": pin}}),
            )
            .await;
        let kid = data(&made)["createChild"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let placed = app
            .gql(
                Some(&anna),
                "mutation($i:CreatePlacementInput!){createPlacement(input:$i){id}}",
                json!({"i": {"childId": kid, "settingId": inst, "legalBasis": "SOL",
                    "startDate": hearth::domain::today().to_string(), "dailyCost": 4000,
                    "reasons": [{"code": "OTHER", "primary": true}]}}),
            )
            .await;
        assert!(placed["errors"].is_null(), "{placed}");
        let flagged = events_of(&app, "anna.case", "ALLOWED").await;
        assert!(
            flagged.iter().any(|e| e["action"] == "CREATE"
                && e["entityType"] == "Placement"
                && e["flagged"] == true
                && e["flagReason"]
                    .as_str()
                    .is_some_and(|r| r.contains("outside"))),
            "{flagged:?}"
        );
    }
}

/// A client that hung up before its response left no trace of what the
/// request was refused.
#[tokio::test]
async fn a_client_that_hangs_up_still_leaves_its_trace() {
    use tokio::io::AsyncWriteExt;
    for backend in backends() {
        // A batch of 41, above the default limit (10): slow enough to hang
        // up on before it ends.
        let app = TestApp::demo_with(backend, |c| c.limits.max_batch = 50).await;
        let kid = protected_child_of(&app, "anna.case").await;
        let anna = app.login("anna.case").await;
        let heavy = "{children(first:500){edges{node{id placements{id setting{__typename}}}}}}";
        let mut batch = vec![json!({
            "query": format!("query Probe {{ child(id: \"{}\") {{ address }} }}", kid.id)
        })];
        batch.extend((0..40).map(|_| json!({"query": heavy})));
        let body = serde_json::to_vec(&batch).expect("json");
        let addr = app.base.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {anna}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(&body).await.expect("write");
        stream.flush().await.expect("flush");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(stream);
        let mut found = false;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let denied = events_of(&app, "anna.case", "DENIED").await;
            if denied.iter().any(|e| e["operationName"] == "Probe") {
                found = true;
                break;
            }
        }
        assert!(
            found,
            "the refused read of the hung-up request was recorded"
        );
    }
}

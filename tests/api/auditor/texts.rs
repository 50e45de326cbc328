//! Texts with quotes, backslashes and characters outside ASCII reach the
//! log exactly on both databases, and the chain over them verifies: what
//! is hashed is what is stored, whatever escaping a driver or a change's
//! JSON needs.
use super::*;

fn holds(v: &Value, text: &str) -> bool {
    match v {
        Value::String(s) => s == text,
        Value::Array(items) => items.iter().any(|i| holds(i, text)),
        Value::Object(map) => map.values().any(|i| holds(i, text)),
        _ => false,
    }
}

#[tokio::test]
pub(super) async fn quoted_and_non_ascii_texts_round_trip_through_the_log() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let bo = app.login("bo.case").await;
        let alice = app.login("alice.auditor").await;
        let list = ok(
            &app,
            &anna,
            "{children(first:50){edges{node{id protectedIdentity}}}}",
            json!({}),
        )
        .await;
        let target = list["children"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["protectedIdentity"] == json!(false))
            .expect("anna has a child without protected identity")["node"]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let justification = r#"Polisen ringde: "akut" \ C:\temp\n — ünïcödé 🙂 עברית {"x":[1]}"#;
        let m =
            "mutation($c:ID!,$j:String!){requestEmergencyAccess(childId:$c, justification:$j){id}}";
        ok(&app, &bo, m, json!({"c": target, "j": justification})).await;
        let address = r#"Storgatan "1" \ lgh 1101 — Åre 🙂 \u0041"#;
        let m = "mutation($id:ID!,$a:String){updateChild(id:$id,input:{address:$a}){id}}";
        ok(&app, &anna, m, json!({"id": target, "a": address})).await;

        let (granted, n) =
            events(&app, &alice, json!({"action": "EMERGENCY_ACCESS_GRANTED"})).await;
        assert_eq!(n, 1);
        assert_eq!(granted[0]["justification"], json!(justification));

        let update = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("UPDATE"))
            .filter(audit_event::Column::EntityId.eq(target.clone()))
            .one(&app.state.db)
            .await
            .expect("db")
            .expect("the change is logged");
        let changes: Value =
            serde_json::from_str(update.changes.as_deref().expect("changes")).expect("JSON");
        assert!(holds(&changes, address), "{changes}");

        let data = ok(
            &app,
            &alice,
            "{verifyAuditChain(full:true){valid problem}}",
            json!({}),
        )
        .await;
        assert_eq!(data["verifyAuditChain"]["valid"], json!(true), "{data}");
    }
}

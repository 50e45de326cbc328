//! The auditors' API: access reports after a demo session, the event list
//! and its filters, the anomaly reports, the CSV export, chain verification
//! after tampering (over GraphQL and with `hearth verify-audit`), and that
//! nobody but an auditor reads the log while every auditor query is logged.
mod anomalies;
mod filters;
mod report;
mod tamper;
mod texts;
mod walks;
pub(super) use std::collections::{BTreeMap, BTreeSet};

pub(super) use chrono::{DateTime, Datelike, Timelike, Utc};
pub(super) use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
pub(super) use serde_json::{Value, json};

pub(super) use crate::harness::{Backend, DEMO_PASSWORD, TestApp, backends, codes};
pub(super) use hearth::entity::audit_event;

pub(super) const EVENT: &str = "id sequence occurredAt actor{id username} action entityType entityId \
    subjectChildId fields outcome justification requestId operationName flagged flagReason \
    clientAddress roles changedFields grantId subjectProtected repeatCount clientRequestId";

/// Posts a request that must succeed; returns its `data`.
pub(super) async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.gql(Some(token), query, variables).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// Every event matching `filter` (all pages), newest first, and the total.
pub(super) async fn events(app: &TestApp, alice: &str, filter: Value) -> (Vec<Value>, u64) {
    let q = format!(
        "query($f:AuditEventFilter,$a:String){{auditEvents(first:500,after:$a,filter:$f){{totalCount pageInfo{{hasNextPage endCursor}} edges{{node{{{EVENT}}}}}}}}}"
    );
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = ok(app, alice, &q, json!({"f": filter, "a": after})).await;
        let conn = &data["auditEvents"];
        out.extend(
            conn["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            return (out, conn["totalCount"].as_u64().expect("total"));
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

pub(super) fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn username(e: &Value) -> String {
    e["actor"]["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What the demo session did, for the expectations of the checks.
pub(super) struct Session {
    /// One of anna's children with a placement; everybody touches it.
    pub(super) child: String,
    /// Its name and personal identity number as anna read them.
    pub(super) child_values: Vec<String>,
    /// The address maria wrote, and the child she created.
    pub(super) new_address: String,
    pub(super) created: String,
    pub(super) created_values: Vec<String>,
    /// bo's emergency grant on `child`.
    pub(super) grant: String,
    /// (username, action, outcome, fields, flagged) of each event on `child`.
    pub(super) expected: Vec<(String, String, String, BTreeSet<String>, bool)>,
}

pub(super) fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// anna reads her children, maria corrects one of them and creates a child,
/// erik is refused a field, a login fails, and bo opens the child under an
/// emergency grant.
pub(super) async fn demo_session(app: &TestApp) -> Session {
    let anna = app.login("anna.case").await;
    let data = ok(
        app,
        &anna,
        "{children(first:500){edges{node{id givenName personalIdentityNumber protectedIdentity placements{id startDate}}}}}",
        json!({}),
    )
    .await;
    let node = data["children"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        // Maria changes the address below, which for a child with protected
        // identity would need PROTECTED_IDENTITY.
        .find(|n| {
            n["protectedIdentity"] == json!(false)
                && n["placements"].as_array().is_some_and(|p| !p.is_empty())
        })
        .expect("one of anna's children without protected identity is placed")
        .clone();
    let child = node["id"].as_str().expect("id").to_owned();
    let child_values = vec![
        node["givenName"].as_str().expect("name").to_owned(),
        node["personalIdentityNumber"]
            .as_str()
            .expect("pin")
            .to_owned(),
    ];
    let mut expected = vec![(
        "anna.case".to_owned(),
        "READ".to_owned(),
        "ALLOWED".to_owned(),
        set(&[
            "Child.id",
            "Child.givenName",
            "Child.personalIdentityNumber",
            "Child.protectedIdentity",
            "Child.placements",
            "Placement.id",
            "Placement.startDate",
        ]),
        false,
    )];

    let maria = app.login("maria.manager").await;
    let new_address = "Granskargatan 17, 123 45 Hemby".to_owned();
    ok(
        app,
        &maria,
        "mutation($id:ID!,$a:String){updateChild(id:$id,input:{address:$a}){id}}",
        json!({"id": child, "a": new_address}),
    )
    .await;
    expected.push((
        "maria.manager".into(),
        "UPDATE".into(),
        "ALLOWED".into(),
        set(&["address"]),
        false,
    ));
    expected.push((
        "maria.manager".into(),
        "READ".into(),
        "ALLOWED".into(),
        set(&["Child.id"]),
        false,
    ));
    let pin = hearth::domain::pin::make(
        chrono::NaiveDate::from_ymd_opt(2016, 4, 9).expect("date"),
        377,
        false,
    );
    let created_values = vec!["Granskad".to_owned(), "Testsson".to_owned(), pin.clone()];
    let data = ok(
        app,
        &maria,
        "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
        json!({"i": {"givenName": created_values[0], "familyName": created_values[1], "personalIdentityNumber": pin}}),
    )
    .await;
    let created = data["createChild"]["id"].as_str().expect("id").to_owned();

    let erik = app.login("erik.finance").await;
    let body = app
        .gql(
            Some(&erik),
            "query($c:ID!){placements(filter:{childId:$c}){edges{node{id startDate child{id}}}}}",
            json!({"c": child}),
        )
        .await;
    assert!(codes(&body).contains(&"FORBIDDEN".to_owned()), "{body}");
    expected.push((
        "erik.finance".into(),
        "READ".into(),
        "ALLOWED".into(),
        set(&["Placement.id", "Placement.startDate"]),
        false,
    ));
    expected.push((
        "erik.finance".into(),
        "READ".into(),
        "DENIED".into(),
        set(&["Placement.child"]),
        false,
    ));

    let failed = app
        .gql(
            None,
            "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken}}",
            json!({"u": "anna.case", "p": format!("{DEMO_PASSWORD}-wrong")}),
        )
        .await;
    assert_eq!(codes(&failed), vec!["UNAUTHENTICATED"]);

    let bo = app.login("bo.case").await;
    let data = ok(
        app,
        &bo,
        "mutation($c:ID!,$j:String!){requestEmergencyAccess(childId:$c,justification:$j){id}}",
        json!({"c": child, "j": "Akut placering i natt, ansvarig handläggare nås inte"}),
    )
    .await;
    let grant = data["requestEmergencyAccess"]["id"]
        .as_str()
        .expect("grant")
        .to_owned();
    expected.push((
        "bo.case".into(),
        "EMERGENCY_ACCESS_GRANTED".into(),
        "ALLOWED".into(),
        BTreeSet::new(),
        true,
    ));
    ok(
        app,
        &bo,
        "query($c:ID!){child(id:$c){givenName}}",
        json!({"c": child}),
    )
    .await;
    expected.push((
        "bo.case".into(),
        "READ".into(),
        "ALLOWED".into(),
        set(&["Child.givenName"]),
        true,
    ));
    expected.sort();
    Session {
        child,
        child_values,
        new_address,
        created,
        created_values,
        grant,
        expected,
    }
}

pub(super) fn parse_time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("time"))
        .expect("rfc3339")
        .with_timezone(&Utc)
}

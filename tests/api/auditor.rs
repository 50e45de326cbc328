//! The auditors' API: access reports after a demo session, the event list
//! and its filters, the anomaly reports, the CSV export, chain verification
//! after tampering (over GraphQL and with `hearth verify-audit`), and that
//! nobody but an auditor reads the log while every auditor query is logged.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Timelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::harness::{Backend, DEMO_PASSWORD, TestApp, backends, codes};
use hearth::entity::audit_event;

const EVENT: &str = "id sequence occurredAt actor{id username} action entityType entityId \
    subjectChildId fields outcome justification requestId operationName flagged flagReason \
    clientAddress roles changedFields grantId";

/// Posts a request that must succeed; returns its `data`.
async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.gql(Some(token), query, variables).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// Every event matching `filter` (all pages), newest first, and the total.
async fn events(app: &TestApp, alice: &str, filter: Value) -> (Vec<Value>, u64) {
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

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn username(e: &Value) -> String {
    e["actor"]["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What the demo session did, for the expectations of the checks.
struct Session {
    /// One of anna's children with a placement; everybody touches it.
    child: String,
    /// Its name and personal identity number as anna read them.
    child_values: Vec<String>,
    /// The address maria wrote, and the child she created.
    new_address: String,
    created: String,
    created_values: Vec<String>,
    /// bo's emergency grant on `child`.
    grant: String,
    /// (username, action, outcome, fields, flagged) of each event on `child`.
    expected: Vec<(String, String, String, BTreeSet<String>, bool)>,
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// anna reads her children, maria corrects one of them and creates a child,
/// erik is refused a field, a login fails, and bo opens the child under an
/// emergency grant.
async fn demo_session(app: &TestApp) -> Session {
    let anna = app.login("anna.case").await;
    let data = ok(
        app,
        &anna,
        "{children(first:500){edges{node{id givenName personalIdentityNumber placements{id startDate}}}}}",
        json!({}),
    )
    .await;
    let node = data["children"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["placements"].as_array().is_some_and(|p| !p.is_empty()))
        .expect("one of anna's children is placed")
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

#[tokio::test]
async fn access_report_lists_exactly_who_touched_the_child_and_which_fields() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let s = demo_session(&app).await;
        let alice = app.login("alice.auditor").await;
        let q = format!("query($c:ID!){{accessReport(childId:$c){{{EVENT}}}}}");
        let body = app.gql(Some(&alice), &q, json!({"c": s.child})).await;
        assert!(body["errors"].is_null(), "{body}");
        let report = body["data"]["accessReport"].as_array().expect("report");
        let mut got: Vec<_> = report
            .iter()
            .map(|e| {
                // For a change, `fields` and `changedFields` name the same fields.
                if let Some(changed) = e["changedFields"].as_array() {
                    assert_eq!(strings(&json!(changed)), strings(&e["fields"]), "{e}");
                }
                (
                    username(e),
                    e["action"].as_str().unwrap_or_default().to_owned(),
                    e["outcome"].as_str().unwrap_or_default().to_owned(),
                    strings(&e["fields"]),
                    e["flagged"] == json!(true),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, s.expected, "{backend:?}");
        let sequences: Vec<i64> = report
            .iter()
            .map(|e| e["sequence"].as_i64().expect("seq"))
            .collect();
        assert!(sequences.windows(2).all(|w| w[0] < w[1]), "oldest first");
        for e in report {
            assert_eq!(e["subjectChildId"], json!(s.child));
            let under_grant = username(e) == "bo.case";
            assert_eq!(
                e["grantId"],
                if under_grant {
                    json!(s.grant)
                } else {
                    Value::Null
                }
            );
            assert!(e["occurredAt"].is_string() && e["requestId"].is_string());
        }
        // Which fields changed, never the values (item 4).
        let text = body.to_string();
        for value in s.child_values.iter().chain([&s.new_address]) {
            assert!(!text.contains(value.as_str()), "a case value leaked");
        }
        let created = app.gql(Some(&alice), &q, json!({"c": s.created})).await;
        let create = created["data"]["accessReport"]
            .as_array()
            .expect("report")
            .iter()
            .find(|e| e["action"] == "CREATE")
            .expect("the creation is reported")
            .clone();
        assert_eq!(username(&create), "maria.manager");
        let changed = strings(&create["changedFields"]);
        assert!(
            set(&["givenName", "familyName", "personalIdentityNumber"]).is_subset(&changed),
            "{create}"
        );
        let text = created.to_string();
        for value in &s.created_values {
            assert!(!text.contains(value.as_str()), "a created value leaked");
        }

        let data = ok(
            &app,
            &alice,
            "{verifyAuditChain{valid eventsChecked firstBrokenSequence problem}}",
            json!({}),
        )
        .await;
        let r = &data["verifyAuditChain"];
        assert_eq!(r["valid"], json!(true), "{r}");
        assert!(r["firstBrokenSequence"].is_null());
        let last = report.last().expect("events")["sequence"]
            .as_i64()
            .expect("seq");
        assert!(r["eventsChecked"].as_i64().expect("checked") >= last);
    }
}

#[tokio::test]
async fn filters_narrow_the_event_list_and_auditor_queries_are_logged() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let s = demo_session(&app).await;
        let alice = app.login("alice.auditor").await;
        let mut alice_queries: Vec<&str> = Vec::new();

        let (all, total) = events(&app, &alice, json!({})).await;
        alice_queries.push("auditEvents");
        assert_eq!(all.len() as u64, total);
        let seqs: Vec<i64> = all
            .iter()
            .map(|e| e["sequence"].as_i64().expect("seq"))
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");

        // By actor: username and id select the same events.
        let (annas, n) = events(&app, &alice, json!({"actorUsername": "anna.case"})).await;
        alice_queries.push("auditEvents");
        assert!(n > 0 && annas.iter().all(|e| username(e) == "anna.case"));
        let anna_id = annas[0]["actor"]["id"].clone();
        let (by_id, n_id) = events(&app, &alice, json!({"actorId": anna_id})).await;
        alice_queries.push("auditEvents");
        assert_eq!(n_id, n);
        assert_eq!(
            by_id.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
            annas.iter().map(|e| e["id"].clone()).collect::<Vec<_>>()
        );
        // By action: the one failed login of the session.
        let (failed, n) = events(&app, &alice, json!({"action": "LOGIN_FAILED"})).await;
        alice_queries.push("auditEvents");
        assert_eq!(n, 1);
        assert_eq!(username(&failed[0]), "anna.case");
        assert_eq!(failed[0]["outcome"], "DENIED");
        // By outcome.
        let (denied, _) = events(&app, &alice, json!({"outcome": "DENIED"})).await;
        alice_queries.push("auditEvents");
        assert!(denied.iter().all(|e| e["outcome"] == "DENIED"));
        let who: BTreeSet<String> = denied.iter().map(username).collect();
        assert!(
            set(&["anna.case", "erik.finance"]).is_subset(&who),
            "{who:?}"
        );
        // By subject: the same events as the access report.
        let (about, n) = events(&app, &alice, json!({"subjectChildId": s.child})).await;
        alice_queries.push("auditEvents");
        assert_eq!(n as usize, s.expected.len());
        assert!(about.iter().all(|e| e["subjectChildId"] == json!(s.child)));
        // By entity type, flag and combined criteria.
        let (children, _) = events(
            &app,
            &alice,
            json!({"entityType": "Child", "action": "UPDATE"}),
        )
        .await;
        alice_queries.push("auditEvents");
        assert_eq!(children.len(), 1);
        assert_eq!(username(&children[0]), "maria.manager");
        let (flagged, _) = events(&app, &alice, json!({"flagged": true})).await;
        alice_queries.push("auditEvents");
        assert_eq!(flagged.len(), 2);
        assert!(
            flagged
                .iter()
                .all(|e| e["grantId"] == json!(s.grant) && username(e) == "bo.case")
        );
        // By time: `from` inclusive, `to` exclusive.
        let at = all[all.len() / 2]["occurredAt"].clone();
        let (before, _) = events(&app, &alice, json!({"to": at})).await;
        alice_queries.push("auditEvents");
        let (since, _) = events(&app, &alice, json!({"from": at})).await;
        alice_queries.push("auditEvents");
        let at_time = parse_time(&at);
        assert!(
            before
                .iter()
                .all(|e| parse_time(&e["occurredAt"]) < at_time)
        );
        assert!(
            since
                .iter()
                .all(|e| parse_time(&e["occurredAt"]) >= at_time)
        );
        assert!(since.len() + before.len() >= all.len() && !since.is_empty());
        // Paging: the log grows with every one of alice's queries, yet the
        // next page continues exactly where the previous one ended.
        let q = "query($a:String){auditEvents(first:2,after:$a){totalCount pageInfo{hasNextPage hasPreviousPage} edges{cursor node{sequence}}}}";
        let seqs_of = |page: &Value| -> Vec<i64> {
            page["auditEvents"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["sequence"].as_i64().expect("seq"))
                .collect()
        };
        let p1 = ok(&app, &alice, q, json!({"a": null})).await;
        alice_queries.push("auditEvents");
        let cursor = p1["auditEvents"]["edges"][1]["cursor"].clone();
        let p2 = ok(&app, &alice, q, json!({"a": cursor})).await;
        alice_queries.push("auditEvents");
        let (s1, s2) = (seqs_of(&p1), seqs_of(&p2));
        assert_eq!(s1.len(), 2);
        assert_eq!(
            s2,
            vec![s1[1] - 1, s1[1] - 2],
            "no event repeated or skipped"
        );
        assert_eq!(
            p1["auditEvents"]["pageInfo"]["hasPreviousPage"],
            json!(false)
        );
        assert_eq!(
            p2["auditEvents"]["pageInfo"]["hasPreviousPage"],
            json!(true)
        );
        assert_eq!(p2["auditEvents"]["pageInfo"]["hasNextPage"], json!(true));
        // Invalid input is refused, and still logged.
        let bad = app
            .gql(
                Some(&alice),
                "{auditEvents(filter:{subjectChildId:\"x\"}){totalCount}}",
                json!({}),
            )
            .await;
        alice_queries.push("auditEvents");
        assert_eq!(codes(&bad), vec!["BAD_USER_INPUT"]);
        assert_eq!(
            bad["errors"][0]["extensions"]["field"],
            "filter.subjectChildId"
        );

        // CSV: a header and one row per event of the same filter.
        let filter = json!({"actorUsername": "anna.case", "action": "READ"});
        let data = ok(
            &app,
            &alice,
            "query($f:AuditEventFilter){auditEventsCsv(filter:$f)}",
            json!({"f": filter}),
        )
        .await;
        alice_queries.push("auditEventsCsv");
        let (reads, _) = events(&app, &alice, filter).await;
        alice_queries.push("auditEvents");
        let rows = parse_csv(data["auditEventsCsv"].as_str().expect("csv"));
        let header = &rows[0];
        assert_eq!(header[0], "sequence");
        let col = |name: &str| header.iter().position(|h| h == name).expect("column");
        assert!(
            !header
                .iter()
                .any(|h| h.contains("change") && h != "changedFields")
        );
        let mut csv_seqs: Vec<String> = rows[1..]
            .iter()
            .map(|r| r[col("sequence")].clone())
            .collect();
        let mut api_seqs: Vec<String> = reads.iter().map(|e| e["sequence"].to_string()).collect();
        csv_seqs.sort();
        api_seqs.sort();
        assert_eq!(csv_seqs, api_seqs);
        assert!(
            rows[1..]
                .iter()
                .all(|r| r.len() == header.len() && r[col("actorUsername")] == "anna.case")
        );
        let fields = &rows[1][col("fields")];
        assert!(
            fields.contains("Child.") || fields.contains("Placement."),
            "{fields}"
        );

        // Her own queries, in order, newest first, naming their arguments.
        let (own, n) = events(
            &app,
            &alice,
            json!({"actorUsername": "alice.auditor", "action": "AUDIT_QUERY"}),
        )
        .await;
        assert_eq!(n as usize, alice_queries.len());
        let names: Vec<String> = own
            .iter()
            .map(|e| e["entityId"].as_str().unwrap_or_default().to_owned())
            .collect();
        let mut expected_names: Vec<String> =
            alice_queries.iter().map(|q| (*q).to_owned()).collect();
        expected_names.reverse();
        assert_eq!(names, expected_names);
        assert!(
            own.iter()
                .all(|e| e["entityType"] == "AuditLog" && e["outcome"] == "ALLOWED")
        );
        assert!(
            own.iter()
                .any(|e| strings(&e["fields"]).contains("actorUsername=anna.case"))
        );
    }
}

fn parse_time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("time"))
        .expect("rfc3339")
        .with_timezone(&Utc)
}

/// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// Every query of the auditors' API, each selecting little.
const AUDITOR_QUERIES: &[(&str, &str)] = &[
    ("auditEvents", "{auditEvents{totalCount}}"),
    (
        "accessReport",
        "{accessReport(childId:\"00000000-0000-4000-8000-000000000001\"){id}}",
    ),
    ("verifyAuditChain", "{verifyAuditChain{valid}}"),
    ("auditEventsCsv", "{auditEventsCsv}"),
    (
        "emergencyAccessEvents",
        "{emergencyAccessEvents{totalCount}}",
    ),
    (
        "protectedIdentityReads",
        "{protectedIdentityReads{totalCount}}",
    ),
    (
        "deniedAttemptsByUser",
        "{deniedAttemptsByUser{deniedCount}}",
    ),
    (
        "afterHoursAccess",
        "{afterHoursAccess(from:\"2026-01-01T00:00:00Z\",to:\"2026-01-02T00:00:00Z\"){totalCount}}",
    ),
    (
        "readVolumeOutliers",
        "{readVolumeOutliers(from:\"2026-01-01T00:00:00Z\",to:\"2026-01-02T00:00:00Z\"){rank}}",
    ),
];

#[tokio::test]
async fn nobody_but_the_auditor_reads_the_log_and_refusals_are_logged() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let mut refused = BTreeMap::new();
        for user in ["anna.case", "maria.manager", "adam.admin", "erik.finance"] {
            let token = app.login(user).await;
            for (name, q) in AUDITOR_QUERIES {
                let body = app.gql(Some(&token), q, json!({})).await;
                assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user} {name}: {body}");
                assert!(
                    body["data"].is_null() || body["data"][name].is_null(),
                    "{body}"
                );
                *refused.entry(user).or_insert(0) += 1;
            }
        }
        for (name, q) in AUDITOR_QUERIES {
            let body = app.gql(None, q, json!({})).await;
            assert_eq!(codes(&body), vec!["UNAUTHENTICATED"], "{name}: {body}");
        }
        let alice = app.login("alice.auditor").await;
        for (name, q) in AUDITOR_QUERIES {
            let body = app.gql(Some(&alice), q, json!({})).await;
            assert!(body["errors"].is_null(), "{name}: {body}");
        }
        let (denied, _) = events(
            &app,
            &alice,
            json!({"entityType": "Operation", "outcome": "DENIED"}),
        )
        .await;
        for (user, n) in refused {
            let theirs: Vec<&Value> = denied.iter().filter(|e| username(e) == user).collect();
            assert_eq!(theirs.len(), n, "{user}");
            let names: BTreeSet<String> = theirs
                .iter()
                .map(|e| e["entityId"].as_str().unwrap_or_default().to_owned())
                .collect();
            let all: BTreeSet<String> = AUDITOR_QUERIES
                .iter()
                .map(|(n, _)| (*n).to_owned())
                .collect();
            assert_eq!(names, all);
            assert!(
                theirs
                    .iter()
                    .all(|e| strings(&e["fields"]) == set(&["AUDIT_READ"]))
            );
        }
    }
}

#[tokio::test]
async fn anomaly_reports_find_emergency_protected_denied_after_hours_and_heavy_readers() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let from = Utc::now() - chrono::Duration::minutes(1);
        let s = demo_session(&app).await;
        // Extra denials: two wrong passwords for maria, one unknown user.
        let login = "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken}}";
        for u in ["maria.manager", "maria.manager", "no.such.user"] {
            let body = app
                .gql(None, login, json!({"u": u, "p": "wrong-password-123"}))
                .await;
            assert_eq!(codes(&body), vec!["UNAUTHENTICATED"]);
        }
        // A protected child, created and read by maria.
        let maria = app.login("maria.manager").await;
        let pin = hearth::domain::pin::make(
            chrono::NaiveDate::from_ymd_opt(2014, 8, 2).expect("date"),
            512,
            false,
        );
        let data = ok(
            &app,
            &maria,
            "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
            json!({"i": {"givenName": "Skyddad", "familyName": "Person", "personalIdentityNumber": pin, "protectedIdentity": true}}),
        )
        .await;
        let protected = data["createChild"]["id"].as_str().expect("id").to_owned();
        ok(
            &app,
            &maria,
            "query($c:ID!){child(id:$c){givenName}}",
            json!({"c": protected}),
        )
        .await;
        // anna reads her caseload twice, bo one child: anna reads far more.
        let anna = app.login("anna.case").await;
        for _ in 0..2 {
            ok(
                &app,
                &anna,
                "{children(first:500){edges{node{id}}}}",
                json!({}),
            )
            .await;
        }
        let bo = app.login("bo.case").await;
        ok(&app, &bo, "{children(first:1){edges{node{id}}}}", json!({})).await;
        let to = Utc::now() + chrono::Duration::minutes(1);
        let alice = app.login("alice.auditor").await;
        let page = |name: &str| {
            format!(
                "query($f:AuditEventFilter){{{name}(first:500,filter:$f){{totalCount edges{{node{{{EVENT}}}}}}}}}"
            )
        };
        let nodes = |data: &Value, name: &str| -> Vec<Value> {
            data[name]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone())
                .collect()
        };

        // Emergency access: the grant and the read under it.
        let data = ok(
            &app,
            &alice,
            &page("emergencyAccessEvents"),
            json!({"f": null}),
        )
        .await;
        let flagged = nodes(&data, "emergencyAccessEvents");
        let mut actions: Vec<&str> = flagged
            .iter()
            .map(|e| e["action"].as_str().unwrap_or_default())
            .collect();
        actions.sort();
        assert_eq!(actions, vec!["EMERGENCY_ACCESS_GRANTED", "READ"]);
        assert!(flagged.iter().all(|e| e["grantId"] == json!(s.grant)
            && e["subjectChildId"] == json!(s.child)
            && e["flagReason"].is_string()));
        let granted = flagged
            .iter()
            .find(|e| e["action"] == "EMERGENCY_ACCESS_GRANTED")
            .expect("grant");
        assert!(
            granted["justification"]
                .as_str()
                .is_some_and(|j| j.len() >= 20)
        );

        // Protected identities: maria's reads of the protected child, and
        // every event listed is a read of a child who is protected now.
        let data = ok(
            &app,
            &alice,
            &page("protectedIdentityReads"),
            json!({"f": null}),
        )
        .await;
        let reads = nodes(&data, "protectedIdentityReads");
        assert!(reads.iter().all(|e| e["action"] == "READ"));
        let (expected, _) = events(
            &app,
            &alice,
            json!({"subjectChildId": protected, "action": "READ"}),
        )
        .await;
        let listed: BTreeSet<String> = reads
            .iter()
            .filter(|e| e["subjectChildId"] == json!(protected))
            .map(|e| e["id"].to_string())
            .collect();
        assert_eq!(
            listed,
            expected.iter().map(|e| e["id"].to_string()).collect()
        );
        assert!(!listed.is_empty());
        assert!(
            reads.iter().all(|e| e["subjectChildId"] != json!(s.child)),
            "not protected"
        );

        // Denied attempts per user, most first; unknown users by the name tried.
        let q = "query($f:DateTime,$t:DateTime){deniedAttemptsByUser(from:$f,to:$t){actor{id username} deniedCount failedLogins firstOccurredAt lastOccurredAt}}";
        let data = ok(&app, &alice, q, json!({"f": from, "t": to})).await;
        let rows = data["deniedAttemptsByUser"]
            .as_array()
            .expect("rows")
            .clone();
        let counts: Vec<i64> = rows
            .iter()
            .map(|r| r["deniedCount"].as_i64().expect("n"))
            .collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most first");
        let row = |u: &str| {
            rows.iter()
                .find(|r| r["actor"]["username"] == u)
                .unwrap_or_else(|| panic!("{u}: {rows:?}"))
                .clone()
        };
        for (user, failed_logins) in [
            ("maria.manager", 2),
            ("anna.case", 1),
            ("no.such.user", 1),
            ("erik.finance", 0),
        ] {
            let r = row(user);
            let (theirs, n) = events(
                &app,
                &alice,
                json!({"actorUsername": user, "outcome": "DENIED", "from": from, "to": to}),
            )
            .await;
            assert_eq!(r["deniedCount"].as_u64(), Some(n), "{user}");
            assert_eq!(r["failedLogins"], json!(failed_logins), "{user}");
            let times: Vec<DateTime<Utc>> = theirs
                .iter()
                .map(|e| parse_time(&e["occurredAt"]))
                .collect();
            assert_eq!(
                parse_time(&r["firstOccurredAt"]),
                *times.iter().min().expect("one")
            );
            assert_eq!(
                parse_time(&r["lastOccurredAt"]),
                *times.iter().max().expect("one")
            );
        }
        assert!(row("no.such.user")["actor"]["id"].is_null());

        // Outside office hours: exactly the session's events whose local
        // Stockholm time is on a weekend or outside 07:00–19:00, over the
        // session and over the longest period allowed (which holds every
        // weekday's office hours of a year).
        let q = "query($f:DateTime!,$t:DateTime!,$x:AuditEventFilter){afterHoursAccess(from:$f,to:$t,first:500,filter:$x){totalCount edges{node{id occurredAt}}}}";
        let (annas, _) = events(
            &app,
            &alice,
            json!({"actorUsername": "anna.case", "from": from, "to": to}),
        )
        .await;
        let outside = |e: &Value| {
            let local = parse_time(&e["occurredAt"]).with_timezone(&chrono_tz::Europe::Stockholm);
            local.weekday().number_from_monday() > 5 || !(7..19).contains(&local.hour())
        };
        let expected: BTreeSet<String> = annas
            .iter()
            .filter(|e| outside(e))
            .map(|e| e["id"].to_string())
            .collect();
        for start in [from, to - chrono::Duration::days(366)] {
            let data = ok(
                &app,
                &alice,
                q,
                json!({"f": start, "t": to, "x": {"actorUsername": "anna.case"}}),
            )
            .await;
            let after_hours: BTreeSet<String> = nodes(&data, "afterHoursAccess")
                .iter()
                .map(|e| e["id"].to_string())
                .collect();
            assert_eq!(after_hours, expected, "from {start}");
        }
        // The same SQL under office hours chosen around the clock of the
        // test, so that both outcomes occur whenever the test runs: one hour
        // half a day away (everything is outside), and all day on weekdays
        // (everything is inside on a weekday, outside at a weekend).
        let start = (Utc::now().hour() + 12) % 24;
        let weekend = Utc::now().weekday().number_from_monday() > 5;
        let annas_ids: BTreeSet<uuid::Uuid> = annas
            .iter()
            .map(|e| e["id"].as_str().expect("id").parse().expect("uuid"))
            .collect();
        for (hours, everything_outside) in [((start, start + 1), true), ((0, 24), weekend)] {
            let config = hearth::config::AuditConfig {
                office_hours_start: hours.0,
                office_hours_end: hours.1,
                timezone: "UTC".into(),
            };
            let office = hearth::graphql::audit::hours::OfficeHours::from_config(&config)
                .expect("valid office hours");
            let cond = office
                .outside(from, to)
                .add(audit_event::Column::ActorUsername.eq("anna.case"));
            let page = hearth::graphql::audit::list::page_of(&app.state.db, cond, Some(500), None)
                .await
                .expect("page");
            let found: BTreeSet<uuid::Uuid> = page.edges.iter().map(|e| e.node.0.id).collect();
            let expected = if everything_outside {
                annas_ids.clone()
            } else {
                BTreeSet::new()
            };
            assert_eq!(found, expected, "office hours {hours:?}");
        }
        let too_long = app
            .gql(
                Some(&alice),
                q,
                json!({"f": "2024-01-01T00:00:00Z", "t": "2025-06-01T00:00:00Z", "x": null}),
            )
            .await;
        assert_eq!(codes(&too_long), vec!["BAD_USER_INPUT"]);

        // Read volume: anna against bo, the only other case worker.
        let count = |user: &'static str| {
            let filter = json!({"actorUsername": user, "action": "READ", "outcome": "ALLOWED", "from": from, "to": to});
            let app = &app;
            let alice = &alice;
            async move { events(app, alice, filter).await.1 as f64 }
        };
        let (anna_reads, bo_reads) = (count("anna.case").await, count("bo.case").await);
        let q = "query($f:DateTime!,$t:DateTime!,$r:Float){readVolumeOutliers(from:$f,to:$t,minRatio:$r){rank actor{username} roles readEvents peerCount peerMedian ratioToPeerMedian}}";
        let ratio = anna_reads / bo_reads;
        assert!(ratio > 2.0, "the session made anna read more");
        let data = ok(
            &app,
            &alice,
            q,
            json!({"f": from, "t": to, "r": ratio - 0.5}),
        )
        .await;
        let outliers = data["readVolumeOutliers"].as_array().expect("list");
        let annas: Vec<&Value> = outliers
            .iter()
            .filter(|o| o["actor"]["username"] == "anna.case")
            .collect();
        assert_eq!(annas.len(), 1, "{outliers:?}");
        let a = annas[0];
        assert_eq!(a["readEvents"].as_f64(), Some(anna_reads));
        assert_eq!(a["peerMedian"].as_f64(), Some(bo_reads));
        assert_eq!(a["peerCount"], 1);
        assert_eq!(a["roles"], json!(["CASE_WORKER"]));
        assert!((a["ratioToPeerMedian"].as_f64().expect("ratio") - ratio).abs() < 1e-9);
        assert!(outliers.iter().all(|o| o["actor"]["username"] != "bo.case"));
        let ranks: Vec<i64> = outliers
            .iter()
            .map(|o| o["rank"].as_i64().expect("rank"))
            .collect();
        assert_eq!(ranks, (1..=outliers.len() as i64).collect::<Vec<_>>());
        let above = ok(
            &app,
            &alice,
            q,
            json!({"f": from, "t": to, "r": ratio + 0.5}),
        )
        .await;
        assert!(
            above["readVolumeOutliers"]
                .as_array()
                .expect("list")
                .iter()
                .all(|o| o["actor"]["username"] != "anna.case")
        );
    }
}

/// Ways to tamper with the log as the database owner.
#[derive(Debug, Clone, Copy)]
enum Tamper {
    /// A field of one event is changed.
    ChangeField,
    /// One event is deleted.
    Delete,
    /// Two neighbouring events swap contents.
    Swap,
    /// An event is inserted, the later ones renumbered, with a made-up hash.
    InsertForged,
    /// As `InsertForged`, but its hash chained correctly onto the one
    /// before: the forgery itself verifies, the event after it cannot.
    InsertForgedChained,
}

async fn unlock(app: &TestApp, backend: Backend) {
    let sql = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    };
    app.state
        .db
        .execute_unprepared(sql)
        .await
        .expect("the owner bypasses the append-only triggers");
}

async fn row(app: &TestApp, sequence: i64) -> audit_event::Model {
    audit_event::Entity::find_by_id(sequence)
        .one(&app.state.db)
        .await
        .expect("select")
        .expect("event exists")
}

async fn insert(app: &TestApp, m: audit_event::Model) {
    let am = audit_event::ActiveModel::from(m).reset_all();
    am.insert(&app.state.db).await.expect("insert");
}

/// Tampers around sequence `k`; returns the sequence that must be reported.
async fn tamper(app: &TestApp, backend: Backend, how: Tamper, k: i64) -> i64 {
    let db = &app.state.db;
    unlock(app, backend).await;
    match how {
        Tamper::ChangeField => {
            db.execute_unprepared(&format!(
                "UPDATE audit_events SET fields = 'Child.forged' WHERE sequence = {k}"
            ))
            .await
            .expect("update");
            k
        }
        Tamper::Delete => {
            db.execute_unprepared(&format!("DELETE FROM audit_events WHERE sequence = {k}"))
                .await
                .expect("delete");
            k
        }
        Tamper::Swap => {
            let (a, b) = (row(app, k).await, row(app, k + 1).await);
            audit_event::Entity::delete_many()
                .filter(audit_event::Column::Sequence.is_in([k, k + 1]))
                .exec(db)
                .await
                .expect("delete both");
            insert(app, audit_event::Model { sequence: k, ..b }).await;
            insert(
                app,
                audit_event::Model {
                    sequence: k + 1,
                    ..a
                },
            )
            .await;
            k
        }
        Tamper::InsertForged | Tamper::InsertForgedChained => {
            let before = row(app, k - 1).await;
            // Renumber k.. to k+1.. in two steps, so that no step collides.
            db.execute_unprepared(&format!(
                "UPDATE audit_events SET sequence = sequence + 1000000 WHERE sequence >= {k}"
            ))
            .await
            .expect("shift");
            db.execute_unprepared(
                "UPDATE audit_events SET sequence = sequence - 999999 WHERE sequence >= 1000000",
            )
            .await
            .expect("shift back");
            // The head moves too, so that later appends do not collide.
            db.execute_unprepared("UPDATE audit_head SET last_sequence = last_sequence + 1")
                .await
                .expect("head");
            let mut forged = audit_event::Model {
                sequence: k,
                id: uuid::Uuid::new_v4(),
                actor_username: Some("nobody.forged".into()),
                prev_hash: before.hash.clone(),
                ..before
            };
            let chained = matches!(how, Tamper::InsertForgedChained);
            forged.hash = if chained {
                hearth::audit::chain::canonical_of(&forged).hash()
            } else {
                "f".repeat(64)
            };
            insert(app, forged).await;
            if chained { k + 1 } else { k }
        }
    }
}

/// Runs `hearth verify-audit` on the app's SQLite file.
fn cli_verify(app: &TestApp) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("verify-audit")
        .env("HEARTH_DATABASE__URL", &app.state.config.database.url)
        .env_remove("HEARTH_PROFILE")
        .output()
        .expect("run hearth");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The first number after "sequence " in the CLI's output.
fn reported_sequence(text: &str) -> Option<i64> {
    let rest = &text[text.find("sequence ")? + "sequence ".len()..];
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

async fn tampering_is_reported(how: Tamper) {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        ok(
            &app,
            &anna,
            "{children(first:500){edges{node{id givenName}}}}",
            json!({}),
        )
        .await;
        let alice = app.login("alice.auditor").await;
        let q = "{verifyAuditChain{valid eventsChecked firstBrokenSequence problem}}";
        let intact = ok(&app, &alice, q, json!({})).await;
        assert_eq!(intact["verifyAuditChain"]["valid"], json!(true));
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Sequence)
            .one(&app.state.db)
            .await
            .expect("select")
            .expect("events")
            .sequence;
        if backend == Backend::Sqlite {
            let (code, text) = cli_verify(&app);
            assert_eq!(code, Some(0), "{text}");
        }
        // Somewhere in the middle of the log, with neighbours on both sides.
        let k = last / 2;
        assert!(k >= 2 && k + 1 < last);
        let expected = tamper(&app, backend, how, k).await;
        let data = ok(&app, &alice, q, json!({})).await;
        let r = &data["verifyAuditChain"];
        assert_eq!(r["valid"], json!(false), "{how:?} {backend:?}: {r}");
        assert_eq!(
            r["firstBrokenSequence"],
            json!(expected),
            "{how:?} {backend:?}: {r}"
        );
        assert_eq!(r["eventsChecked"], json!(expected - 1), "{how:?}: {r}");
        assert!(r["problem"].is_string());
        if backend == Backend::Sqlite {
            let (code, text) = cli_verify(&app);
            assert_eq!(code, Some(1), "{how:?}: {text}");
            assert_eq!(reported_sequence(&text), Some(expected), "{how:?}: {text}");
        }
    }
}

#[tokio::test]
async fn a_changed_event_is_reported() {
    tampering_is_reported(Tamper::ChangeField).await;
}

#[tokio::test]
async fn a_deleted_event_is_reported() {
    tampering_is_reported(Tamper::Delete).await;
}

#[tokio::test]
async fn swapped_events_are_reported() {
    tampering_is_reported(Tamper::Swap).await;
}

#[tokio::test]
async fn an_inserted_forged_event_is_reported() {
    tampering_is_reported(Tamper::InsertForged).await;
    tampering_is_reported(Tamper::InsertForgedChained).await;
}

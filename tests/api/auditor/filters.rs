//! Filters, paging, CSV, and who may read the log.
use super::*;

#[tokio::test]
pub(super) async fn filters_narrow_the_event_list_and_auditor_queries_are_logged() {
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

/// A small RFC 4180 reader: quoted fields, doubled quotes, CRLF.
pub(super) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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
pub(super) const AUDITOR_QUERIES: &[(&str, &str)] = &[
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
pub(super) async fn nobody_but_the_auditor_reads_the_log_and_refusals_are_logged() {
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

//! The anomaly reports.
use super::*;

#[tokio::test]
pub(super) async fn anomaly_reports_find_emergency_protected_denied_after_hours_and_heavy_readers()
{
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
        let first = ok(&app, &bo, "{children(first:1){edges{node{id}}}}", json!({})).await;
        // Which child sorts first moves with the demo's calendar (issue 8):
        // when it is the child bo holds the emergency grant for, this read is
        // flagged too.
        let bo_read_granted = first["children"]["edges"][0]["node"]["id"] == json!(s.child);
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
        let mut expected = vec!["EMERGENCY_ACCESS_GRANTED", "READ"];
        if bo_read_granted {
            expected.push("READ");
        }
        assert_eq!(actions, expected, "{flagged:#?}");
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

        // Protected identities: maria's reads of the protected child.
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
        // Every event listed was of a child protected at the time of the
        // read (whether s.child is one moves with the demo's calendar).
        assert!(
            reads.iter().all(|e| e["subjectProtected"] == true),
            "{reads:#?}"
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
            assert_eq!(theirs.len() as u64, n);
            // Each event counts the refusals folded into it.
            let refusals: u64 = theirs
                .iter()
                .map(|e| e["repeatCount"].as_u64().unwrap_or(1))
                .sum();
            assert_eq!(r["deniedCount"].as_u64(), Some(refusals), "{user}");
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
                full_walk_minutes: 0,
            };
            let office = hearth::graphql::audit::hours::OfficeHours::from_config(&config)
                .expect("valid office hours");
            let cond = office
                .outside(from, to)
                .expect("a period in range")
                .add(audit_event::Column::ActorUsername.eq("anna.case"));
            let page =
                hearth::graphql::audit::list::page_of(&app.state.db, false, cond, Some(500), None)
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
        // A period at the very end of the representable dates is refused as
        // input; its local dates used to overflow and panic.
        let at_the_end = app
            .gql(
                Some(&alice),
                q,
                json!({"f": "+262142-12-30T00:00:00Z", "t": "+262142-12-31T23:59:59Z", "x": null}),
            )
            .await;
        assert_eq!(codes(&at_the_end), vec!["BAD_USER_INPUT"], "{at_the_end}");
        // Refused by the argument check (dates lie in 1900–2200) before the
        // resolver's own date arithmetic is reached.
        assert_eq!(
            at_the_end["errors"][0]["extensions"]["field"], "from",
            "{at_the_end}"
        );

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

//! The access report of a child.
use super::*;

#[tokio::test]
pub(super) async fn access_report_lists_exactly_who_touched_the_child_and_which_fields() {
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
                // For a change, `fields` and `changedFields` name the same
                // fields; a change without `changedFields` fails.
                let is_change = matches!(e["action"].as_str(), Some("CREATE" | "UPDATE"));
                match e["changedFields"].as_array() {
                    Some(changed) => {
                        assert_eq!(strings(&json!(changed)), strings(&e["fields"]), "{e}");
                    }
                    None => assert!(!is_change, "a change names its changed fields: {e}"),
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
pub(super) async fn access_report_pages_by_sequence_and_refuses_bad_pages() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let s = demo_session(&app).await;
        let alice = app.login("alice.auditor").await;
        let q = "query($c:ID!,$n:Int,$a:Int){accessReport(childId:$c,first:$n,afterSequence:$a){sequence}}";
        let seqs = |d: &Value| -> Vec<i64> {
            d["accessReport"]
                .as_array()
                .expect("report")
                .iter()
                .map(|e| e["sequence"].as_i64().expect("sequence"))
                .collect()
        };
        let all = seqs(&ok(&app, &alice, q, json!({"c": s.child})).await);
        assert!(
            all.len() > 3,
            "{backend:?}: the child has a history: {all:?}"
        );
        let (mut paged, mut after): (Vec<i64>, Option<i64>) = (Vec::new(), None);
        loop {
            let page = seqs(&ok(&app, &alice, q, json!({"c": s.child, "n": 2, "a": after})).await);
            paged.extend(&page);
            if page.len() < 2 {
                break;
            }
            after = page.last().copied();
        }
        // Reading the report is itself an event, but about no child.
        assert_eq!(
            paged, all,
            "{backend:?}: pages of 2 give the whole report in order"
        );
        for (vars, field) in [
            (json!({"c": s.child, "n": 501}), "first"),
            (json!({"c": s.child, "n": -1}), "first"),
            (json!({"c": s.child, "a": -5}), "afterSequence"),
        ] {
            let body = app.gql(Some(&alice), q, vars.clone()).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{vars}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!(field),
                "{body}"
            );
        }
    }
}

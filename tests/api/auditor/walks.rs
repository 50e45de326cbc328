//! Full walks of the chain: a log cut back and refilled fails them, and
//! aliased walks in one request share one walk.
use super::tamper::{cli_verify, row, unlock};
use super::*;

/// The owner cuts the end of the log off, moves the head back, and lets
/// traffic refill it: a full walk must not call that intact, because a
/// checkpoint had seen the events that were removed (attack review).
#[tokio::test]
pub(super) async fn a_log_cut_back_and_refilled_fails_the_full_walk() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let alice = app.login("alice.auditor").await;
        let anna = app.login("anna.case").await;
        let read = "{children(first:50){edges{node{id givenName}}}}";
        ok(&app, &anna, read, json!({})).await;
        let q = "{verifyAuditChain{valid eventsChecked}}";
        let first = ok(&app, &alice, q, json!({})).await;
        assert_eq!(first["verifyAuditChain"]["valid"], json!(true));
        let checkpoint = first["verifyAuditChain"]["eventsChecked"]
            .as_i64()
            .expect("n");
        let cut = checkpoint / 2;
        unlock(&app, backend).await;
        let keep = row(&app, cut).await;
        for sql in [
            format!("DELETE FROM audit_events WHERE sequence > {cut}"),
            format!(
                "UPDATE audit_head SET last_sequence = {cut}, last_hash = '{}' WHERE id = 1",
                keep.hash
            ),
        ] {
            app.state.db.execute_unprepared(&sql).await.expect("tamper");
        }
        let full = "{verifyAuditChain(full: true){valid firstBrokenSequence problem}}";
        let r = ok(&app, &alice, full, json!({})).await;
        assert_eq!(
            r["verifyAuditChain"]["valid"],
            json!(false),
            "{backend:?}: {r}"
        );
        assert_eq!(
            r["verifyAuditChain"]["firstBrokenSequence"],
            json!(cut + 1),
            "{r}"
        );
        // Traffic refills the log past the old checkpoint.
        while row_count(&app).await <= checkpoint {
            ok(&app, &anna, read, json!({})).await;
        }
        let r = ok(&app, &alice, full, json!({})).await;
        assert_eq!(
            r["verifyAuditChain"]["valid"],
            json!(false),
            "{backend:?}: {r}"
        );
        assert_eq!(
            r["verifyAuditChain"]["firstBrokenSequence"],
            json!(checkpoint),
            "{r}"
        );
        // The incremental check answers with the failed walk, and records
        // no checkpoint over the break.
        let r = ok(
            &app,
            &alice,
            "{verifyAuditChain{valid firstBrokenSequence}}",
            json!({}),
        )
        .await;
        assert_eq!(
            r["verifyAuditChain"]["valid"],
            json!(false),
            "{backend:?}: {r}"
        );
        if backend == Backend::Sqlite {
            let (code, text) = cli_verify(&app);
            assert_eq!(code, Some(1), "{text}");
        }
    }
}

async fn row_count(app: &TestApp) -> i64 {
    audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Sequence)
        .one(&app.state.db)
        .await
        .expect("select")
        .map_or(0, |e| e.sequence)
}

/// Aliased full walks in one request wait for one another and share one
/// walk: a hundred of them must not cost a hundred walks of the log.
#[tokio::test]
pub(super) async fn aliased_full_walks_share_one_walk() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let alice = app.login("alice.auditor").await;
        let aliases: Vec<String> = (0..5)
            .map(|i| {
                format!(
                    "w{i}: verifyAuditChain(full: true) {{ valid lastFullWalk {{ finishedAt }} }}"
                )
            })
            .collect();
        let data = ok(
            &app,
            &alice,
            &format!("{{ {} }}", aliases.join(" ")),
            json!({}),
        )
        .await;
        let finished: BTreeSet<String> = (0..5)
            .map(|i| {
                let r = &data[format!("w{i}")];
                assert_eq!(r["valid"], json!(true), "{backend:?}: {r}");
                r["lastFullWalk"]["finishedAt"]
                    .as_str()
                    .expect("finishedAt")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            finished.len(),
            1,
            "{backend:?}: one walk for all: {finished:?}"
        );
    }
}

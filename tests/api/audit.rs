//! The audit trail of reads and writes.
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::harness::{Backend, TestApp, backends, codes};
use hearth::entity::audit_event;

#[tokio::test]
async fn a_list_of_children_leaves_one_event_per_child_in_a_valid_chain() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let before = audit_event::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count");
        let body = app
            .gql(
                Some(&anna),
                "{children(first:500){edges{node{givenName}}}}",
                json!({}),
            )
            .await;
        let n = body["data"]["children"]["edges"]
            .as_array()
            .expect("edges")
            .len() as u64;
        let after = audit_event::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(after - before, n, "one read event per child");
        let (report, _) =
            hearth::audit::chain::verify_from(&app.state.db, None, &Default::default())
                .await
                .expect("verify");
        assert!(report.valid, "{report:?}");
    }
}

#[tokio::test]
async fn altered_or_deleted_events_are_detected() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        app.gql(
            Some(&anna),
            "{children(first:500){edges{node{givenName}}}}",
            json!({}),
        )
        .await;
        let db = &app.state.db;
        let refused = db
            .execute_unprepared("UPDATE audit_events SET fields = 'x' WHERE sequence = 3")
            .await;
        assert!(
            refused.is_err(),
            "the database refuses UPDATE on the audit log"
        );
        change_as_owner(db, backend, 3).await;
        let report = hearth::audit::chain::verify_from(db, None, &Default::default())
            .await
            .expect("verify")
            .0;
        assert!(!report.valid);
        assert_eq!(report.first_broken_sequence, Some(3));
    }
}

#[tokio::test]
async fn reads_fail_closed_when_the_audit_log_cannot_be_written() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let db = &app.state.db;
        let block = match backend {
            Backend::Sqlite => {
                "CREATE TRIGGER block_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'blocked'); END"
            }
            Backend::Postgres => {
                "REVOKE INSERT ON audit_events FROM PUBLIC; CREATE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$ LANGUAGE plpgsql; CREATE TRIGGER block_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION block_audit()"
            }
        };
        db.execute_unprepared(block)
            .await
            .expect("block audit inserts");
        let body = app
            .gql(
                Some(&anna),
                "{children{edges{node{givenName personalIdentityNumber}}}}",
                json!({}),
            )
            .await;
        assert!(body["data"].is_null(), "no data without its trace: {body}");
        assert_eq!(codes(&body), vec!["INTERNAL"]);
        assert!(
            body["errors"][0]["extensions"]["requestId"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "the request id is given: {body}"
        );
        let text = body.to_string();
        assert!(
            !text.contains("blocked") && !text.contains("audit_events"),
            "no internals in the message"
        );
    }
}

#[tokio::test]
async fn a_thousand_concurrent_reads_make_one_gap_free_chain() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let list = app
            .gql(
                Some(&anna),
                "{children(first:1){edges{node{id}}}}",
                json!({}),
            )
            .await;
        let id = list["data"]["children"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let before = audit_event::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count");
        let q = "query($id:ID!){child(id:$id){givenName}}";
        let reads = (0..1000).map(|_| app.gql(Some(&anna), q, json!({"id": id})));
        let bodies = futures::future::join_all(reads).await;
        assert!(
            bodies
                .iter()
                .all(|b| b["data"]["child"]["givenName"].is_string()),
            "every read answered"
        );
        let after = audit_event::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(
            after - before,
            1000,
            "{backend:?}: one event per request and child"
        );
        let (report, _) =
            hearth::audit::chain::verify_from(&app.state.db, None, &Default::default())
                .await
                .expect("verify");
        assert!(report.valid, "{report:?}");
        assert_eq!(report.events_checked as u64, after);
    }
}

#[tokio::test]
async fn a_well_chained_event_appended_behind_the_head_is_reported() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, QueryOrder};
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        app.gql(
            Some(&anna),
            "{children(first:3){edges{node{givenName}}}}",
            json!({}),
        )
        .await;
        let db = &app.state.db;
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Sequence)
            .one(db)
            .await
            .expect("db")
            .expect("events");
        let mut forged = audit_event::Model {
            sequence: last.sequence + 1,
            id: uuid::Uuid::new_v4(),
            prev_hash: last.hash.clone(),
            ..last.clone()
        };
        forged.hash = hearth::audit::chain::canonical_of(&forged).hash();
        forged
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .expect("insert behind the head");
        let report = hearth::audit::chain::verify_from(db, None, &Default::default())
            .await
            .expect("verify")
            .0;
        assert!(!report.valid);
        assert_eq!(
            report.first_broken_sequence,
            Some(last.sequence + 1),
            "{report:?}"
        );
    }
}

/// The periodic walk rests between pages (`BACKGROUND_REST`), so it takes
/// longer than a walk at full speed over the same events, and it finds the
/// same break.
#[tokio::test]
async fn the_background_walk_rests_between_pages_and_finds_the_same_break() {
    use hearth::audit::chain::walk;
    use hearth::audit::checkpoint::BACKGROUND_REST;
    use sea_orm::TransactionTrait;
    use std::time::Instant;
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let db = &app.state.db;
        // Three pages of 2000 events.
        let txn = db.begin().await.expect("begin");
        let events = vec![
            (
                hearth::audit::Actor::default(),
                hearth::audit::NewEvent::default()
            );
            5000
        ];
        hearth::audit::chain::append(&txn, events)
            .await
            .expect("append");
        txn.commit().await.expect("commit");
        let known = Default::default();

        // Rested first, so that a cold cache cannot make the walk at full
        // speed look slow.
        let t = Instant::now();
        let (rested, _) = walk(db, None, &known, BACKGROUND_REST).await.expect("walk");
        let rested_took = t.elapsed();
        let mut full_took = std::time::Duration::MAX;
        for _ in 0..2 {
            let t = Instant::now();
            let (full, _) = walk(db, None, &known, 0).await.expect("walk");
            full_took = full_took.min(t.elapsed());
            assert!(full.valid && rested.valid, "{full:?} {rested:?}");
            assert_eq!(full.events_checked, rested.events_checked);
        }
        assert!(
            rested_took >= full_took * 2,
            "{backend:?}: rested {rested_took:?}, full speed {full_took:?}"
        );

        let last = rested.events_checked;
        change_as_owner(db, backend, last - 10).await;
        let (rested, _) = walk(db, None, &known, BACKGROUND_REST).await.expect("walk");
        assert!(!rested.valid);
        assert_eq!(rested.first_broken_sequence, Some(last - 10), "{rested:?}");
    }
}

/// Changes the fields of event `sequence` as the database owner, who can
/// switch the append-only trigger off.
async fn change_as_owner(db: &sea_orm::DatabaseConnection, backend: Backend, sequence: i64) {
    let (off, on) = match backend {
        Backend::Sqlite => ("DROP TRIGGER audit_events_no_update", ""),
        Backend::Postgres => (
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only",
        ),
    };
    db.execute_unprepared(off)
        .await
        .expect("owner bypasses the trigger");
    db.execute_unprepared(&format!(
        "UPDATE audit_events SET fields = 'Child.id' WHERE sequence = {sequence}"
    ))
    .await
    .expect("tamper");
    if !on.is_empty() {
        db.execute_unprepared(on).await.expect("re-enable");
    }
}

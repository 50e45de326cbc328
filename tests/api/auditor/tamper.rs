//! Tampering with stored events is reported.
use super::*;

/// Ways to tamper with the log as the database owner.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tamper {
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

pub(super) async fn unlock(app: &TestApp, backend: Backend) {
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

pub(super) async fn row(app: &TestApp, sequence: i64) -> audit_event::Model {
    audit_event::Entity::find_by_id(sequence)
        .one(&app.state.db)
        .await
        .expect("select")
        .expect("event exists")
}

pub(super) async fn insert(app: &TestApp, m: audit_event::Model) {
    let am = audit_event::ActiveModel::from(m).reset_all();
    am.insert(&app.state.db).await.expect("insert");
}

/// Tampers around sequence `k`; returns the sequence that must be reported.
pub(super) async fn tamper(app: &TestApp, backend: Backend, how: Tamper, k: i64) -> i64 {
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
pub(super) fn cli_verify(app: &TestApp) -> (Option<i32>, String) {
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
pub(super) fn reported_sequence(text: &str) -> Option<i64> {
    let rest = &text[text.find("sequence ")? + "sequence ".len()..];
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

pub(super) async fn tampering_is_reported(how: Tamper) {
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
        // A change before the latest checkpoint is for a full walk to find.
        let q = "{verifyAuditChain(full: true){valid eventsChecked firstBrokenSequence problem checkedFrom lastFullWalk{valid firstBrokenSequence}}}";
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
        assert_eq!(
            r["checkedFrom"],
            json!(1),
            "a full walk starts at the first"
        );
        assert_eq!(r["lastFullWalk"]["valid"], json!(false), "{r}");
        assert_eq!(
            r["lastFullWalk"]["firstBrokenSequence"],
            json!(expected),
            "{r}"
        );
        if backend == Backend::Sqlite {
            let (code, text) = cli_verify(&app);
            assert_eq!(code, Some(1), "{how:?}: {text}");
            assert_eq!(reported_sequence(&text), Some(expected), "{how:?}: {text}");
        }
    }
}

#[tokio::test]
pub(super) async fn a_changed_event_is_reported() {
    tampering_is_reported(Tamper::ChangeField).await;
}

#[tokio::test]
pub(super) async fn a_deleted_event_is_reported() {
    tampering_is_reported(Tamper::Delete).await;
}

#[tokio::test]
pub(super) async fn swapped_events_are_reported() {
    tampering_is_reported(Tamper::Swap).await;
}

#[tokio::test]
pub(super) async fn an_inserted_forged_event_is_reported() {
    tampering_is_reported(Tamper::InsertForged).await;
    tampering_is_reported(Tamper::InsertForgedChained).await;
}

/// `verifyAuditChain` without `full` reads only what was appended since
/// the latest checkpoint: a change there is found, and the report says
/// where the check started and how the latest full walk went.
#[tokio::test]
pub(super) async fn the_default_check_reads_only_the_events_after_the_checkpoint() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let alice = app.login("alice.auditor").await;
        let q = "{verifyAuditChain{valid eventsChecked checkedFrom firstBrokenSequence lastFullWalk{valid}}}";
        let first = ok(&app, &alice, q, json!({})).await;
        let r = &first["verifyAuditChain"];
        assert_eq!(r["valid"], json!(true), "{r}");
        assert_eq!(r["checkedFrom"], json!(1), "no checkpoint yet: {r}");
        assert!(r["lastFullWalk"].is_null(), "no full walk yet: {r}");
        let checkpoint = r["eventsChecked"].as_i64().expect("checked");

        // More events, then a change to one of them.
        let anna = app.login("anna.case").await;
        ok(
            &app,
            &anna,
            "{children(first:50){edges{node{id givenName}}}}",
            json!({}),
        )
        .await;
        let second = ok(&app, &alice, q, json!({})).await;
        let r = &second["verifyAuditChain"];
        assert_eq!(r["valid"], json!(true), "{r}");
        // The first check's own event and later ones were appended since.
        assert_eq!(r["checkedFrom"], json!(checkpoint + 1), "{r}");
        let later = r["eventsChecked"].as_i64().expect("checked");
        assert!(later > checkpoint + 1, "{r}");

        ok(
            &app,
            &anna,
            "{children(first:50){edges{node{id givenName}}}}",
            json!({}),
        )
        .await;
        let target = later + 1;
        let expected = tamper(&app, backend, Tamper::ChangeField, target).await;
        let third = ok(&app, &alice, q, json!({})).await;
        let r = &third["verifyAuditChain"];
        assert_eq!(r["valid"], json!(false), "{backend:?}: {r}");
        assert_eq!(r["firstBrokenSequence"], json!(expected), "{r}");
        assert_eq!(r["checkedFrom"], json!(later + 1), "{r}");

        // The checkpointed event itself altered: found at once.
        let again = ok(&app, &alice, q, json!({})).await;
        assert_eq!(again["verifyAuditChain"]["valid"], json!(false));
        app.state
            .db
            .execute_unprepared(&format!(
                "UPDATE audit_events SET fields = 'Child.forged' WHERE sequence = {later}"
            ))
            .await
            .expect("update");
        let fourth = ok(&app, &alice, q, json!({})).await;
        let r = &fourth["verifyAuditChain"];
        assert_eq!(r["valid"], json!(false), "{r}");
        assert_eq!(r["firstBrokenSequence"], json!(later), "{r}");
    }
}

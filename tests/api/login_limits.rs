//! Issue 10, hole 4: login under load. Password checks run on a bounded
//! number of threads with a bounded queue, and logins are rate limited per
//! client address and per username, answering `TOO_MANY_REQUESTS` with
//! `Retry-After`. The harness raises the rate limits for the other tests;
//! these put the defaults back, or smaller ones, to test them.
use futures::future::join_all;
use serde_json::{Value, json};

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};

const LOGIN: &str = "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken}}";

/// The shipped limits, with the address limit set to `burst` (and one a
/// minute after it), so that a test needs few hashes, which take half a
/// second each in a debug build (hence also the long wait for a thread).
fn limits(burst: u32) -> impl FnOnce(&mut hearth::config::Config) {
    move |c| {
        let defaults = hearth::config::Config::development().expect("defaults");
        c.auth = hearth::config::AuthConfig {
            login_per_address_burst: burst,
            login_per_address_per_minute: 1,
            hash_wait_ms: 60_000,
            ..defaults.auth
        };
    }
}

/// Posts `body` from `forwarded_for` (if given); returns status,
/// `Retry-After` and the JSON body.
async fn post(
    app: &TestApp,
    body: Value,
    forwarded_for: Option<&str>,
) -> (u16, Option<u64>, Value) {
    let mut req = app.client.post(format!("{}/graphql", app.base)).json(&body);
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, res.json().await.expect("json"))
}

fn login_body(user: &str, password: &str) -> Value {
    json!({"query": LOGIN, "variables": {"u": user, "p": password}})
}

fn count(seen: &[String], code: &str) -> usize {
    seen.iter().filter(|c| c.as_str() == code).count()
}

/// One request of 100 aliased logins cost 3.7 s of hashing (release). Each
/// alias counts against the address's limit: past it, the rest are refused
/// without hashing.
#[tokio::test]
async fn aliased_logins_in_one_request_count_one_by_one() {
    for backend in backends() {
        // 100 aliases are above the document limits, which would refuse the
        // request before any login; this test is about the login limits.
        let app = TestApp::start_with(backend, |c| {
            limits(3)(c);
            c.limits.max_aliases = 200;
            c.limits.max_tokens = 10_000;
        })
        .await;
        let fields: Vec<String> = (0..100)
            .map(|i| format!("l{i}:login(username:\"made.up.{i}\",password:\"wrong-password-123\"){{accessToken}}"))
            .collect();
        let before = app.state.login_guard.hashing.done();
        let query = format!("mutation{{{}}}", fields.join(" "));
        let (status, retry, body) = post(&app, json!({"query": query}), None).await;
        let seen = codes(&body);
        assert_eq!(count(&seen, "UNAUTHENTICATED"), 3, "{backend:?} {body}");
        assert_eq!(count(&seen, "TOO_MANY_REQUESTS"), 97, "{backend:?} {body}");
        assert_eq!(app.state.login_guard.hashing.done() - before, 3);
        assert_eq!(status, 429, "{body}");
        let refused = body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .find(|e| e["extensions"]["code"] == "TOO_MANY_REQUESTS")
            .expect("a refusal");
        let after = refused["extensions"]["retryAfter"]
            .as_u64()
            .expect("retryAfter");
        assert!((1..=60).contains(&after), "{refused}");
        assert_eq!(retry, Some(after));
    }
}

/// Parallel logins from one address beyond its limit are refused with 429
/// and `Retry-After`, while a logged-in user's ordinary query is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_logins_beyond_the_address_limit_are_refused_while_others_are_served() {
    for backend in backends() {
        let app = TestApp::demo_with(backend, limits(6)).await;
        let anna = app.login("anna.case").await;
        let flood = join_all((0..20).map(|i| {
            post(
                &app,
                login_body(&format!("made.up.{i}"), "wrong-password-123"),
                None,
            )
        }));
        let ordinary = async {
            let body = app.gql(Some(&anna), "{me{username}}", json!({})).await;
            assert_eq!(body["data"]["me"]["username"], "anna.case", "{body}");
        };
        let (results, ()) = tokio::join!(flood, ordinary);
        let mut judged = 0;
        for (status, retry, body) in &results {
            match codes(body).as_slice() {
                [c] if c == "UNAUTHENTICATED" => judged += 1,
                [c] if c == "TOO_MANY_REQUESTS" => {
                    assert_eq!(*status, 429, "{body}");
                    let after = body["errors"][0]["extensions"]["retryAfter"].as_u64();
                    assert!(after.is_some_and(|a| a >= 1), "{body}");
                    assert_eq!(*retry, after, "{body}");
                }
                other => panic!("{backend:?}: unexpected {other:?} in {body}"),
            }
        }
        assert_eq!(judged, 5, "{backend:?}: {results:?}");
        // The limit is the address's: the server still answers, and a
        // refresh from the same address is refused alike.
        let me = app.gql(Some(&anna), "{me{username}}", json!({})).await;
        assert!(codes(&me).is_empty(), "{me}");
        let (status, _, body) = post(
            &app,
            json!({"query": "mutation{refresh(refreshToken:\"x\"){accessToken}}"}),
            None,
        )
        .await;
        assert_eq!(
            (status, codes(&body)),
            (429, vec!["TOO_MANY_REQUESTS".to_owned()])
        );
    }
}

/// `X-Forwarded-For` names the client only when the connection comes from a
/// configured proxy; otherwise anyone could pick a fresh address each time.
#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    for backend in backends() {
        for trusted in [false, true] {
            let app = TestApp::start_with(backend, |c| {
                limits(1)(c);
                if trusted {
                    c.auth.trusted_proxies = vec!["127.0.0.1".into()];
                }
            })
            .await;
            let mut seen = Vec::new();
            for i in 0..3 {
                let from = format!("192.0.2.{i}");
                let (_, _, body) = post(
                    &app,
                    login_body("made.up.name", "wrong-password-123"),
                    Some(&from),
                )
                .await;
                seen.extend(codes(&body));
            }
            let judged = if trusted { 3 } else { 1 };
            assert_eq!(
                count(&seen, "UNAUTHENTICATED"),
                judged,
                "{backend:?} {trusted}: {seen:?}"
            );
        }
    }
}

/// Attempts at one username are limited wherever they come from; other
/// names are not affected, and a refused attempt is not counted as a failed
/// login (it was never judged).
#[tokio::test]
async fn attempts_at_one_username_are_limited() {
    for backend in backends() {
        let app = TestApp::demo_with(backend, |c| {
            limits(100)(c);
            c.auth.login_per_username_burst = 2;
            c.auth.login_per_username_per_minute = 1;
        })
        .await;
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (_, _, body) =
                post(&app, login_body("anna.case", "wrong-password-123"), None).await;
            seen.push(codes(&body));
        }
        let mut expected = vec![vec!["UNAUTHENTICATED".to_owned()]; 2];
        expected.extend(vec![vec!["TOO_MANY_REQUESTS".to_owned()]; 2]);
        assert_eq!(seen, expected, "{backend:?}");
        let (status, retry, _) = post(&app, login_body("anna.case", DEMO_PASSWORD), None).await;
        assert_eq!(status, 429);
        assert!(retry.is_some_and(|r| (50..=60).contains(&r)), "{retry:?}");
        let (_, _, other) = post(&app, login_body("bo.case", DEMO_PASSWORD), None).await;
        assert!(other["data"]["login"]["accessToken"].is_string(), "{other}");
        let failures = failures_of(&app, "anna.case").await;
        assert_eq!(failures, Some(2), "{backend:?}");
    }
}

async fn failures_of(app: &TestApp, username: &str) -> Option<i32> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    let sql = format!("SELECT failures FROM login_attempts WHERE username = '{username}'");
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .expect("query")?;
    Some(row.try_get::<i32>("", "failures").expect("failures"))
}

/// At most `hash_threads` checks run at once, and beyond the queue a login
/// is refused at once instead of waiting: memory for hashing stays at
/// `hash_threads` x 19 MiB however many logins arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hashing_is_bounded_and_the_overflow_refused() {
    for backend in backends() {
        let app = TestApp::start_with(backend, |c| {
            c.auth.hash_threads = 2;
            c.auth.hash_queue = 2;
            c.auth.hash_wait_ms = 60_000;
        })
        .await;
        let results = join_all((0..16).map(|i| {
            post(
                &app,
                login_body(&format!("made.up.{i}"), "wrong-password-123"),
                None,
            )
        }))
        .await;
        let seen: Vec<String> = results.iter().flat_map(|(_, _, b)| codes(b)).collect();
        let hashing = &app.state.login_guard.hashing;
        assert_eq!(hashing.peak(), 2, "{backend:?}");
        assert!(count(&seen, "UNAUTHENTICATED") >= 4, "{backend:?} {seen:?}");
        assert!(
            count(&seen, "TOO_MANY_REQUESTS") >= 1,
            "{backend:?} {seen:?}"
        );
        assert_eq!(
            count(&seen, "UNAUTHENTICATED") + count(&seen, "TOO_MANY_REQUESTS"),
            16,
            "{seen:?}"
        );
        assert_eq!(
            hashing.refused() as usize,
            count(&seen, "TOO_MANY_REQUESTS")
        );
        for (i, (status, retry, body)) in results.iter().enumerate() {
            if codes(body) == ["TOO_MANY_REQUESTS"] {
                assert_eq!((*status, *retry), (429, Some(1)), "{body}");
                // Never judged, so not counted as a failed login.
                let name = format!("made.up.{i}");
                assert_eq!(failures_of(&app, &name).await, None, "{name}");
            }
        }
    }
}

/// Failed logins of made-up usernames no longer fill `login_attempts`:
/// rows without an attempt within the lockout period, and not locked, are
/// pruned; counting restarts after that period.
#[tokio::test]
async fn stale_login_attempts_are_pruned() {
    use sea_orm::ConnectionTrait;
    for backend in backends() {
        let app = TestApp::start_with(backend, |c| c.auth.max_failed_logins = 2).await;
        for name in ["made.up.one", "made.up.one", "made.up.two"] {
            let (_, _, body) = post(&app, login_body(name, "wrong-password-123"), None).await;
            assert_eq!(codes(&body), vec!["UNAUTHENTICATED"], "{body}");
        }
        // made.up.one is locked (max 2); made.up.two's attempt is made old.
        let (_, _, body) = post(&app, login_body("made.up.one", "wrong-password-123"), None).await;
        assert_eq!(codes(&body), vec!["ACCOUNT_LOCKED"], "{body}");
        let old = chrono::Utc::now() - chrono::Duration::hours(1);
        let db = &app.state.db;
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => "UPDATE login_attempts SET last_attempt_at = $1",
                _ => "UPDATE login_attempts SET last_attempt_at = ?",
            },
            vec![old.into()],
        ))
        .await
        .expect("age");
        let deleted = app.state.login_guard.prune_now(db).await.expect("prune");
        assert_eq!(deleted, 1, "{backend:?}");
        assert_eq!(failures_of(&app, "made.up.two").await, None);
        // The lock stands until it ends.
        let (_, _, body) = post(&app, login_body("made.up.one", "wrong-password-123"), None).await;
        assert_eq!(codes(&body), vec!["ACCOUNT_LOCKED"], "{body}");
    }
}

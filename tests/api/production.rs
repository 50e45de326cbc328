//! Issue 10, production profile: security headers, no schema suggestions
//! without introspection, `/metrics` behind a token, and migrations that
//! instances starting together run one after the other.
use serde_json::json;

use crate::harness::{TestApp, backends, database_url};

#[tokio::test]
async fn every_response_forbids_sniffing_and_caching() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let health = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("healthz");
        let graphql = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .expect("graphql");
        for response in [&health, &graphql] {
            let h = response.headers();
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["cache-control"], "no-store");
        }
    }
}

#[tokio::test]
async fn without_introspection_nothing_suggests_field_names() {
    for backend in backends() {
        let app = TestApp::start_with(backend, |c| c.server.introspection = false).await;
        let body = app.gql(None, "{ chidren { totalCount } }", json!({})).await;
        let message = body["errors"][0]["message"].as_str().expect("an error");
        assert!(!message.contains("Did you mean"), "{message}");
        assert!(!message.contains("children"), "{message}");
    }
}

#[tokio::test]
async fn metrics_need_their_token() {
    for backend in backends() {
        let app = TestApp::start_with(backend, |c| {
            c.server.metrics_token = "metrics-token-for-tests".into();
        })
        .await;
        let url = format!("{}/metrics", app.base);
        let anonymous = app.client.get(&url).send().await.expect("metrics");
        assert_eq!(anonymous.status(), 401);
        let wrong = app
            .client
            .get(&url)
            .bearer_auth("metrics-token-for-test")
            .send()
            .await
            .expect("metrics");
        assert_eq!(wrong.status(), 401);
        let right = app
            .client
            .get(&url)
            .bearer_auth("metrics-token-for-tests")
            .send()
            .await
            .expect("metrics");
        assert_eq!(right.status(), 200);
        assert!(
            right
                .text()
                .await
                .expect("body")
                .contains("hearth_graphql_requests_total")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_both_migrate() {
    for backend in backends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, _drop) = database_url(backend, &dir).await;
        let a = sea_orm::Database::connect(&url).await.expect("connect");
        let b = sea_orm::Database::connect(&url).await.expect("connect");
        let (first, second) = tokio::join!(hearth::db::migrate(&a), hearth::db::migrate(&b));
        first.expect("the first instance migrates");
        second.expect("the second instance migrates too");
        assert!(hearth::db::migrations_current(&a).await);
        a.close().await.expect("close");
        b.close().await.expect("close");
    }
}

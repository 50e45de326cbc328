//! HTTP surface: health, readiness, metrics, request ids, GraphQL over HTTP.
use serde_json::json;

use crate::harness::{TestApp, backends, codes};

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
        assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
        assert_eq!(get("/readyz").await.expect("readyz").status(), 200);
        let metrics = get("/metrics")
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert!(metrics.contains("hearth_sql_statements_total"), "{metrics}");
        let resp = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("x-request-id", "req-abc-123")
            .json(&json!({"query": "{ me { id } }"}))
            .send()
            .await
            .expect("post");
        let server_id = resp.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert_ne!(server_id, "req-abc-123", "the server makes its own id");
        assert!(uuid::Uuid::parse_str(&server_id).is_ok(), "{server_id}");
        let made = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({"query": "{ me { id } }"}))
            .send()
            .await
            .expect("post");
        assert!(
            !made.headers()["x-request-id"].is_empty(),
            "an id is made when none is given"
        );
    }
}

#[tokio::test]
async fn graphql_over_http_status_codes_and_get() {
    let app = TestApp::start(crate::harness::Backend::Sqlite).await;
    let url = format!("{}/graphql", app.base);
    let malformed = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status(), 400);
    let invalid = app
        .client
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ nosuchfield }"}))
        .send()
        .await
        .expect("post");
    assert_eq!(
        invalid.status(),
        400,
        "validation failure with graphql-response+json"
    );
    assert_eq!(
        invalid.headers()["content-type"],
        "application/graphql-response+json; charset=utf-8"
    );
    let body: serde_json::Value = invalid.json().await.expect("json");
    assert_eq!(codes(&body), vec!["BAD_USER_INPUT"]);
    let mutation = app
        .client
        .get(format!(
            "{url}?query=mutation%7Blogout(refreshToken%3A%22x%22)%7D"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(mutation.status(), 405, "mutations never over GET");
    let query = app
        .client
        .get(format!("{url}?query=%7Bme%7Bid%7D%7D"))
        .send()
        .await
        .expect("get");
    assert_eq!(query.status(), 200);
    let body: serde_json::Value = query.json().await.expect("json");
    assert_eq!(codes(&body), vec!["UNAUTHENTICATED"]);
    let page = app.client.get(&url).send().await.expect("graphiql");
    assert!(
        page.text()
            .await
            .expect("html")
            .to_lowercase()
            .contains("graphiql"),
        "GraphiQL in development"
    );
}

#[tokio::test]
async fn deep_queries_are_refused_and_lockout_follows_failed_logins() {
    let app = TestApp::demo(crate::harness::Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    let mut q = String::from("{ children { edges { node { placements { child ");
    for _ in 0..8 {
        q.push_str("{ placements { child ");
    }
    q.push_str("{ id } ");
    for _ in 0..8 {
        q.push_str("} } ");
    }
    q.push_str("} } } } }");
    let body = app.gql(Some(&anna), &q, json!({})).await;
    assert_eq!(codes(&body), vec!["QUERY_TOO_COMPLEX"], "{body}");
    let login = "mutation($p:String!){login(username:\"bo.case\", password:$p){accessToken}}";
    for _ in 0..5 {
        let body = app
            .gql(None, login, json!({"p": "wrong-password-000"}))
            .await;
        assert_eq!(codes(&body), vec!["UNAUTHENTICATED"]);
    }
    let locked = app
        .gql(None, login, json!({"p": crate::harness::DEMO_PASSWORD}))
        .await;
    assert_eq!(
        codes(&locked),
        vec!["ACCOUNT_LOCKED"],
        "even the right password waits out the lock"
    );
}

#[tokio::test]
async fn production_schema_has_no_introspection() {
    let mut config = hearth::config::Config::development().expect("config");
    config.server.introspection = false;
    let schema = hearth::graphql::build(&config.server);
    let response = schema.execute("{ __schema { queryType { name } } }").await;
    let data = response.data.into_json().expect("json");
    assert!(
        data.get("__schema").is_none_or(serde_json::Value::is_null),
        "introspection yields nothing: {data}"
    );
    config.server.introspection = true;
    let open = hearth::graphql::build(&config.server)
        .execute("{ __schema { queryType { name } } }")
        .await;
    let data = open.data.into_json().expect("json");
    assert_eq!(
        data["__schema"]["queryType"]["name"], "Query",
        "and works in development"
    );
}

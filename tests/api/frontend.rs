//! Front-end fit (issue 13): the `Date` scalar of api.md, CORS, trusted
//! documents, GraphQL over HTTP details and metrics, as a browser app and
//! its build would meet them.
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, backends, codes};

fn post(app: &TestApp) -> reqwest::RequestBuilder {
    app.client.post(format!("{}/graphql", app.base))
}

#[tokio::test]
async fn a_query_written_against_the_date_scalar_of_the_contract_works() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let q = "query Days($from: Date!, $to: Date) { children(first: 5) { edges { node {
            dateOfBirth placements { startDate placementDays(from: $from, to: $to) } } } } }";
        let body = app
            .gql(
                Some(&anna),
                q,
                json!({"from": "2024-01-01", "to": "2024-12-31"}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let edges = body["data"]["children"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!edges.is_empty(), "{body}");
        for edge in &edges {
            let born = edge["node"]["dateOfBirth"].as_str().unwrap_or_default();
            assert!(
                hearth::graphql::date::parse_iso_date(born).is_some(),
                "{born}"
            );
        }
        for bad in [
            "2024-1-1",
            "2024-02-30",
            "+2024-01-01",
            "2024-01-01T00:00:00Z",
        ] {
            let body = app.gql(Some(&anna), q, json!({"from": bad})).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{bad}: {body}");
        }
    }
}

#[tokio::test]
async fn the_schema_names_no_rust_types() {
    let sdl = hearth::graphql::sdl();
    for leak in [
        "NaiveDate",
        "DateTime<Utc>",
        "QueryRoot",
        "MutationRoot",
        "Option<",
        "Vec<",
    ] {
        assert!(!sdl.contains(leak), "{leak} in the schema");
    }
    assert!(sdl.contains("scalar Date\n"));
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight")
}

#[tokio::test]
async fn only_listed_origins_may_call_from_a_browser() {
    let allowed = "http://app.kommun.test:5173";
    let app = TestApp::start_with(Backend::Sqlite, |c| {
        c.server.cors_origins = vec![allowed.into()];
    })
    .await;
    let ok = preflight(&app, allowed).await;
    assert!(ok.status().is_success(), "{}", ok.status());
    let h = ok.headers();
    assert_eq!(h["access-control-allow-origin"], allowed);
    let allow_headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap_or_default();
    assert!(allow_headers.contains("authorization") && allow_headers.contains("content-type"));
    assert_eq!(h["access-control-max-age"], "600", "preflights are cached");
    assert!(
        h.get("access-control-allow-credentials").is_none(),
        "no credentials mode unless asked for"
    );
    let answer = post(&app)
        .header("origin", allowed)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .expect("post");
    assert_eq!(answer.headers()["access-control-allow-origin"], allowed);
    for other in [
        "http://evil.test",
        "http://app.kommun.test:5174",
        "https://app.kommun.test:5173",
    ] {
        let refused = preflight(&app, other).await;
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{other} is not in the list"
        );
    }
    // The default: no cross-origin caller at all.
    let closed = TestApp::start(Backend::Sqlite).await;
    let refused = preflight(&closed, allowed).await;
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn malformed_http_requests_get_clear_4xx_answers_without_data() {
    let app = TestApp::start(Backend::Sqlite).await;
    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let body: Value = r.json().await.unwrap_or(Value::Null);
        (status, ct, body)
    };
    let (status, _, body) = send(post(&app).body(r#"{"query":"{__typename}"}"#)).await;
    assert_eq!(status, 415, "a POST without a content type");
    assert_eq!(codes(&body), vec!["BAD_USER_INPUT"]);
    let (status, _, body) = send(post(&app).json(&json!({"query": 1}))).await;
    assert_eq!(status, 400);
    assert!(body.get("data").is_none(), "{body}");
    let (status, ..) = send(
        post(&app)
            .header("accept", "text/html")
            .json(&json!({"query": "{__typename}"})),
    )
    .await;
    assert_eq!(status, 406);
    let (status, ct, body) = send(
        post(&app)
            .header("accept", "application/json")
            .json(&json!({"query": "{ nosuchfield }"})),
    )
    .await;
    assert_eq!(
        status, 200,
        "application/json answers request errors with 200"
    );
    assert_eq!(ct.as_deref(), Some("application/json; charset=utf-8"));
    assert!(
        body.get("data").is_none(),
        "a request error has no data entry: {body}"
    );
    let (_, ct, _) = send(post(&app).json(&json!({"query": "{__typename}"}))).await;
    assert_eq!(
        ct.as_deref(),
        Some("application/json; charset=utf-8"),
        "no Accept means JSON"
    );
}

#[tokio::test]
async fn a_batch_whose_audit_write_fails_is_answered_with_a_list() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::demo(Backend::Sqlite).await;
    let anna = app.login("anna.case").await;
    app.state
        .db
        .execute_unprepared(
            "CREATE TRIGGER block_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'blocked'); END",
        )
        .await
        .expect("block");
    let q = json!({"query": "{ children(first: 1) { edges { node { givenName } } } }"});
    let response = post(&app)
        .bearer_auth(&anna)
        .json(&json!([q, q]))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.expect("json");
    let items = body.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "one answer per operation: {body}");
    for item in &items {
        assert_eq!(codes(item), vec!["INTERNAL"]);
        assert!(item.get("data").is_none(), "{item}");
    }
}

fn count_of(metrics: &str, operation: &str) -> u64 {
    let prefix = format!(
        "hearth_graphql_request_duration_seconds_count{{operation=\"{operation}\",status=\"200\"}} "
    );
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_show_latency_by_operation_and_the_audit_writer() {
    let app = TestApp::start(Backend::Sqlite).await;
    let metrics = || async {
        app.client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    };
    let before = count_of(&metrics().await, "_anonymous");
    for _ in 0..3 {
        app.gql(None, "{ me { id } }", json!({})).await;
    }
    let text = metrics().await;
    assert!(count_of(&text, "_anonymous") >= before + 3, "{text}");
    for name in [
        "hearth_graphql_request_duration_seconds_bucket",
        "hearth_graphql_errors_total{code=\"UNAUTHENTICATED\"}",
        "hearth_audit_commit_seconds_count",
        "hearth_audit_batch_events_count",
        "hearth_audit_queue_depth",
        "hearth_db_pool_connections{state=\"in_use\"}",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    // A name is the client's free text: without a manifest that registers
    // it, it is no label (it could be a name and a personal identity number).
    app.gql(
        None,
        "query Anna_Svensson_198001011234 { me { id } }",
        json!({}),
    )
    .await;
    let text = metrics().await;
    assert!(!text.contains("198001011234"), "{text}");
    assert!(count_of(&text, "_unregistered") >= 1, "{text}");
}

//! Trusted documents (issue 13): only registered operations run, by their
//! hash; everything else is refused and audited, and only registered names
//! are metric labels.
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Backend, TestApp, backends, codes};

/// Posts `body` (a request by document id, or a batch) and returns the answer.
async fn send(app: &TestApp, token: Option<&str>, body: &Value) -> Value {
    let mut req = app.client.post(format!("{}/graphql", app.base)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("post").json().await.expect("json")
}

fn hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

fn manifest(dir: &tempfile::TempDir, documents: &[&str]) -> String {
    let entries: serde_json::Map<String, Value> =
        documents.iter().map(|d| (hash(d), json!(d))).collect();
    let path = dir.path().join("persisted-documents.json");
    std::fs::write(&path, Value::Object(entries).to_string()).expect("write manifest");
    path.display().to_string()
}

async fn refusal_events(app: &TestApp) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    hearth::entity::audit_event::Entity::find()
        .filter(hearth::entity::audit_event::Column::Action.eq("REFUSED"))
        .filter(hearth::entity::audit_event::Column::Fields.contains("trusted_documents"))
        .count(&app.state.db)
        .await
        .expect("count") as usize
}

#[tokio::test]
async fn with_trusted_documents_only_registered_operations_run() {
    const LIST: &str =
        "query CaseworkerChildren { children(first: 5) { edges { node { id givenName } } } }";
    const LOGIN: &str = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let dir = tempfile::tempdir().expect("dir");
    let path = manifest(&dir, &[LIST, LOGIN]);
    for backend in backends() {
        let path = path.clone();
        let app = TestApp::demo_with(backend, move |c| c.server.trusted_documents = path).await;
        let credentials = json!({"u": "anna.case", "p": crate::harness::DEMO_PASSWORD});
        let free_login = app.gql(None, LOGIN, credentials.clone()).await;
        assert_eq!(codes(&free_login), vec!["BAD_USER_INPUT"], "{free_login}");
        assert_eq!(free_login["errors"][0]["extensions"]["field"], "documentId");
        assert!(free_login.get("data").is_none(), "{free_login}");
        let login: Value = send(
            &app,
            None,
            &json!({"documentId": hash(LOGIN), "variables": credentials}),
        )
        .await;
        let token = login["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("registered login: {login}"))
            .to_owned();
        let id = hash(LIST);
        for sent in [id.clone(), format!("sha256:{id}")] {
            let body: Value = send(&app, Some(&token), &json!({"documentId": sent})).await;
            assert!(body.get("errors").is_none(), "{body}");
            assert!(
                !body["data"]["children"]["edges"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .is_empty(),
                "{body}"
            );
        }
        // Apollo's persisted-query extension names the same document.
        let apollo: Value = send(
            &app,
            Some(&token),
            &json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": id}}}),
        )
        .await;
        assert!(apollo.get("errors").is_none(), "{apollo}");
        let before = refusal_events(&app).await;
        let unregistered = app.gql(Some(&token), LIST, json!({})).await;
        assert_eq!(
            codes(&unregistered),
            vec!["BAD_USER_INPUT"],
            "the text alone is not enough"
        );
        let unknown: Value = send(&app, Some(&token), &json!({"documentId": "0".repeat(64)})).await;
        assert_eq!(codes(&unknown), vec!["BAD_USER_INPUT"], "{unknown}");
        assert_eq!(
            refusal_events(&app).await,
            before + 2,
            "each refused document leaves a trace"
        );
    }
}

#[tokio::test]
async fn a_manifest_that_is_not_what_it_claims_stops_the_start() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("m.json");
    std::fs::write(&path, json!({"0".repeat(64): "{ me { id } }"}).to_string()).expect("write");
    let mut config = hearth::config::Config::development().expect("config");
    config.database.url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    config.server.trusted_documents = path.display().to_string();
    let err = hearth::build_state(config)
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        err.is_some_and(|e| e.contains("does not hash")),
        "refused at start"
    );
}

#[tokio::test]
async fn a_registered_mutation_never_runs_over_get() {
    const LOGIN: &str = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let dir = tempfile::tempdir().expect("dir");
    let path = manifest(&dir, &[LOGIN]);
    let app = TestApp::demo_with(Backend::Sqlite, move |c| c.server.trusted_documents = path).await;
    let vars = "%7B%22u%22%3A%22anna.case%22%2C%22p%22%3A%22x%22%7D";
    let id = hash(LOGIN);
    for query in [
        format!("documentId={id}&variables={vars}"),
        // A harmless text beside the id: the registered mutation is what would run.
        format!("query=%7B__typename%7D&documentId={id}&variables={vars}"),
        format!(
            "extensions=%7B%22persistedQuery%22%3A%7B%22sha256Hash%22%3A%22{id}%22%7D%7D&variables={vars}"
        ),
    ] {
        let r = app
            .client
            .get(format!("{}/graphql?{query}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 405, "{query}");
    }
}

#[tokio::test]
async fn a_batch_of_refused_documents_is_one_event_with_its_name_and_count() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    const ME: &str = "query Me { me { id } }";
    let dir = tempfile::tempdir().expect("dir");
    let path = manifest(&dir, &[ME]);
    for backend in backends() {
        let path = path.clone();
        let app = TestApp::start_with(backend, move |c| c.server.trusted_documents = path).await;
        let before = refusal_events(&app).await;
        let one = json!({"query": "query Hand { me { id } }", "operationName": "Hand"});
        let batch: Vec<Value> = std::iter::repeat_n(one, 5).collect();
        let body: Value = send(&app, None, &json!(batch)).await;
        assert_eq!(body.as_array().map(Vec::len), Some(5), "{body}");
        assert_eq!(
            refusal_events(&app).await,
            before + 1,
            "one event for five refusals"
        );
        let event = hearth::entity::audit_event::Entity::find()
            .filter(hearth::entity::audit_event::Column::Fields.contains("trusted_documents"))
            .order_by_desc(hearth::entity::audit_event::Column::Sequence)
            .one(&app.state.db)
            .await
            .expect("db")
            .expect("the refusal event");
        assert_eq!(event.repeat_count, Some(5));
        assert_eq!(event.operation_name.as_deref(), Some("Hand"));
    }
}

#[tokio::test]
async fn registered_operation_names_are_metric_labels() {
    const ME: &str = "query RegisteredProbe { me { id } }";
    let dir = tempfile::tempdir().expect("dir");
    let path = manifest(&dir, &[ME]);
    let app =
        TestApp::start_with(Backend::Sqlite, move |c| c.server.trusted_documents = path).await;
    send(&app, None, &json!({"documentId": hash(ME)})).await;
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("operation=\"RegisteredProbe\",status=\"200\""),
        "{text}"
    );
}

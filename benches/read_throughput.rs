//! Read throughput with the audit trail: concurrent `child(id)` reads by a
//! case worker, each writing its read event before its response. Prints
//! requests per second; run with `cargo bench --bench read_throughput`
//! (SQLite; set HEARTH_BENCH_DATABASE_URL to a fresh PostgreSQL database
//! to measure that instead). Bounded: a fixed number of requests to a
//! server on 127.0.0.1 started by the bench itself.
use std::time::Instant;

use futures::StreamExt;
use serde_json::{Value, json};

const REQUESTS: usize = 4000;
const CONCURRENCY: usize = 64;

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("send").json().await.expect("json")
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = hearth::config::Config::development().expect("config");
    config.database.url = std::env::var("HEARTH_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let backend = if config.database.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let state = hearth::build_state(config).await.expect("state");
    let hash = hearth::auth::password::hash("bench-password-1")
        .await
        .expect("hash");
    hearth::demo::seed(&state.db, &hash).await.expect("demo");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("addr"));
    let router = hearth::server::router(state.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let login = post(&client, &url, None, json!({"query": "mutation{login(username:\"anna.case\",password:\"bench-password-1\"){accessToken}}"})).await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let list = post(
        &client,
        &url,
        Some(&token),
        json!({"query": "{children(first:1){edges{node{id}}}}"}),
    )
    .await;
    let id = list["data"]["children"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let body = json!({"query": "query($id:ID!){child(id:$id){givenName personalIdentityNumber}}", "variables": {"id": id}});
    let start = Instant::now();
    let ok = futures::stream::iter(0..REQUESTS)
        .map(|_| post(&client, &url, Some(&token), body.clone()))
        .buffer_unordered(CONCURRENCY)
        .filter(|b| std::future::ready(b["data"]["child"]["givenName"].is_string()))
        .count()
        .await;
    let secs = start.elapsed().as_secs_f64();
    let (report, _) = hearth::audit::chain::verify_from(&state.db, None, &Default::default())
        .await
        .expect("verify");
    println!(
        "{backend}: {ok}/{REQUESTS} audited reads in {secs:.2} s = {:.0} requests/s at concurrency {CONCURRENCY}; chain valid: {} ({} events)",
        ok as f64 / secs,
        report.valid,
        report.events_checked
    );
}

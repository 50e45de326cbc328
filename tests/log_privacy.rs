//! Application logs are not the audit log: a demo session that reads,
//! writes and fails logins leaves none of the demo's names, personal
//! identity numbers, addresses, passwords or tokens in the tracing output.
use std::io::Write;
use std::sync::{Arc, Mutex};

use sea_orm::EntityTrait;
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut req = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("send").json().await.expect("json")
}

#[tokio::test]
async fn logs_carry_no_personal_data_or_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let config = hearth::config::Config::development().expect("config");
    // The shipped filter, plus debug for Hearth's own code and the HTTP layer.
    let filter = format!("{},hearth=debug,tower_http=debug", config.log.filter);
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(move || writer.clone())
        .init();
    let dir = tempfile::tempdir().expect("dir");
    let mut config = config;
    config.database.url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let state = hearth::build_state(config).await.expect("state");
    let password = "log-test-password-1";
    let hash = hearth::auth::password::hash(password).await.expect("hash");
    hearth::demo::seed(&state.db, &hash).await.expect("demo");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = hearth::server::router(state.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let login =
        "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken refreshToken}}";
    let mut secrets = vec![password.to_owned(), "wrong-password-xyz".to_owned()];
    gql(
        &client,
        &base,
        None,
        login,
        json!({"u": "anna.case", "p": "wrong-password-xyz"}),
    )
    .await;
    gql(
        &client,
        &base,
        None,
        login,
        json!({"u": "nobody.here", "p": "wrong-password-xyz"}),
    )
    .await;
    let mut tokens = Vec::new();
    for user in [
        "anna.case",
        "maria.manager",
        "erik.finance",
        "fredrik.foster",
    ] {
        let body = gql(
            &client,
            &base,
            None,
            login,
            json!({"u": user, "p": password}),
        )
        .await;
        let t = body["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        secrets.push(t.clone());
        secrets.push(
            body["data"]["login"]["refreshToken"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        );
        tokens.push(t);
    }
    let all = "{children(first:500){edges{node{id givenName familyName personalIdentityNumber address placements{dailyCost legalBasis reasons{primary} setting{... on FosterHome{name address phone}}}}}}}";
    for t in &tokens {
        gql(&client, &base, Some(t), all, json!({})).await;
        gql(
            &client,
            &base,
            Some(t),
            "{placements(first:50){edges{node{dailyCost child{personalIdentityNumber}}}}}",
            json!({}),
        )
        .await;
    }
    let pin = hearth::domain::pin::make(
        chrono::NaiveDate::from_ymd_opt(2014, 4, 4).expect("d"),
        123,
        false,
    );
    let new_child = json!({"i": {"givenName": "Loggtest", "familyName": "Hemligsson", "personalIdentityNumber": pin, "address": "Hemliga gatan 9"}});
    gql(
        &client,
        &base,
        Some(&tokens[1]),
        "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
        new_child.clone(),
    )
    .await;
    gql(
        &client,
        &base,
        Some(&tokens[1]),
        "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
        new_child,
    )
    .await;
    let bad = json!({"i": {"givenName": "Loggtest", "familyName": "Hemligsson", "personalIdentityNumber": "19990101-1235"}});
    gql(
        &client,
        &base,
        Some(&tokens[1]),
        "mutation($i:CreateChildInput!){createChild(input:$i){id}}",
        bad,
    )
    .await;

    let children = hearth::entity::child::Entity::find()
        .all(&state.db)
        .await
        .expect("children");
    let settings = hearth::entity::care_setting::Entity::find()
        .all(&state.db)
        .await
        .expect("settings");
    let mut needles: Vec<String> = secrets;
    for c in &children {
        needles.push(c.personal_identity_number.clone());
        needles.push(hearth::domain::pin::format_stored(
            &c.personal_identity_number,
        ));
        needles.push(format!("{} {}", c.given_name, c.family_name));
        needles.push(c.family_name.clone());
        needles.extend(c.address.clone());
    }
    needles.extend(settings.iter().filter_map(|s| s.address.clone()));
    needles.extend(settings.iter().filter_map(|s| s.phone.clone()));
    let logs = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf8");
    assert!(
        logs.lines().count() > 20,
        "the session was logged ({} lines)",
        logs.lines().count()
    );
    let leaks: Vec<&String> = needles
        .iter()
        .filter(|n| n.len() >= 4 && logs.contains(n.as_str()))
        .collect();
    assert!(
        leaks.is_empty(),
        "personal data or secrets in the logs: {} items",
        leaks.len()
    );
}

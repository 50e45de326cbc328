//! Starts the application for a test and speaks GraphQL to it.
use std::sync::Once;

use serde_json::{Value, json};

/// Password of every demo user in the tests.
pub const DEMO_PASSWORD: &str = "demo-password-for-tests";

/// Database backends a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends of this run: SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    static SKIP_NOTE: Once = Once::new();
    if std::env::var("HEARTH_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        SKIP_NOTE.call_once(|| {
            eprintln!("HEARTH_TEST_DATABASE_URL is not set: the PostgreSQL run was skipped")
        });
        vec![Backend::Sqlite]
    }
}

/// A running application.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: hearth::state::AppState,
    _dir: tempfile::TempDir,
    _database: Option<DropDatabase>,
}

/// Drops a test's PostgreSQL database when the test ends, passed or failed.
pub struct DropDatabase {
    admin: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on a
        // future; a thread with a runtime of its own can. FORCE ends the
        // application's pooled connections, which outlive the test's handle.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                use sea_orm::ConnectionTrait;
                let db = sea_orm::Database::connect(&admin)
                    .await
                    .map_err(|e| e.to_string())?;
                db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map_err(|e| e.to_string())?;
                db.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}", self.name),
        }
    }
}

/// A new empty database for `backend`, dropped (PostgreSQL) with the guard.
pub async fn database_url(
    backend: Backend,
    dir: &tempfile::TempDir,
) -> (String, Option<DropDatabase>) {
    match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            use sea_orm::ConnectionTrait;
            let admin = std::env::var("HEARTH_TEST_DATABASE_URL").unwrap_or_default();
            // Named after the run's database, so a run can tell its own
            // leftovers from those of another run on the same server.
            let base = admin
                .rsplit('/')
                .next()
                .and_then(|db| db.split('?').next())
                .unwrap_or("hearth");
            let suffix = uuid::Uuid::new_v4().simple().to_string();
            let name = format!("{base}_t_{}", &suffix[..16]);
            let db = sea_orm::Database::connect(&admin)
                .await
                .expect("connect to HEARTH_TEST_DATABASE_URL");
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            db.close().await.expect("close admin connection");
            let (prefix, _) = admin.rsplit_once('/').expect("database URL has a path");
            let url = format!("{prefix}/{name}");
            (url, Some(DropDatabase { admin, name }))
        }
    }
}

impl TestApp {
    /// Starts on an empty, migrated database.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts the demo municipality with settings changed by `adjust`.
    pub async fn demo_with(
        backend: Backend,
        adjust: impl FnOnce(&mut hearth::config::Config),
    ) -> Self {
        let app = Self::start_with(backend, adjust).await;
        app.seed_demo().await;
        app
    }

    /// Starts on an empty, migrated database with settings changed by `adjust`.
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut hearth::config::Config),
    ) -> Self {
        // The application's warnings and errors (an INTERNAL's detail is
        // logged, never sent) appear in a failing test's captured output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("hearth=warn")
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = hearth::config::Config::development().expect("config");
        let (url, database) = database_url(backend, &dir).await;
        config.database.url = url;
        config.database.max_connections = 5;
        // Every test logs in from 127.0.0.1, and some fire 20 logins or
        // refreshes at once at one name: the login rate limits are raised
        // here, and `login_limits` puts the defaults back to test them. A
        // password check takes about 0.5 s in a debug build (15 times a
        // release build's), so the wait for a hashing thread is raised too.
        config.auth.login_per_address_burst = 10_000;
        config.auth.login_per_address_per_minute = 10_000;
        config.auth.login_per_username_burst = 10_000;
        config.auth.login_per_username_per_minute = 10_000;
        config.auth.hash_wait_ms = 60_000;
        adjust(&mut config);
        let state = hearth::build_state(config).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = hearth::server::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            state,
            _dir: dir,
            _database: database,
        }
    }

    /// Starts with the demo municipality loaded.
    pub async fn demo(backend: Backend) -> Self {
        let app = Self::start(backend).await;
        app.seed_demo().await;
        app
    }

    async fn seed_demo(&self) {
        let app = self;
        let hash = hearth::auth::password::hash(DEMO_PASSWORD)
            .await
            .expect("hash");
        hearth::demo::seed(&app.state.db, &hash)
            .await
            .expect("demo");
    }

    /// Posts a GraphQL request; returns the whole JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json body")
    }

    /// The demo user named `name`, read from the database (test setup).
    pub async fn user(&self, name: &str) -> hearth::entity::user::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        hearth::entity::user::Entity::find()
            .filter(hearth::entity::user::Column::Username.eq(name))
            .one(&self.state.db)
            .await
            .expect("db")
            .unwrap_or_else(|| panic!("no user {name}"))
    }

    /// Logs in; returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let body = self
            .gql(
                None,
                "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken}}",
                json!({"u": username, "p": DEMO_PASSWORD}),
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login of {username} failed: {body}"))
            .to_owned()
    }

    /// Statements sent so far, not counting the audit writer's appends
    /// (shared by the requests that arrive together).
    pub fn statements(&self) -> u64 {
        self.state.statements.get() - self.state.statements.audit()
    }
}

/// The `extensions.code` of every error of a response.
pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The error at `path` (joined with '.'), if any.
pub fn error_at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    body["errors"].as_array()?.iter().find(|e| {
        let p: Vec<String> = e["path"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.to_string().trim_matches('"').to_owned())
                    .collect()
            })
            .unwrap_or_default();
        p.join(".") == path
    })
}

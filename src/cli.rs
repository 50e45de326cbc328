//! The command line: serve, migrate, create-admin, seed-demo, verify-audit,
//! export-schema.
use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, TransactionTrait};
use uuid::Uuid;

use crate::config::Config;
use crate::entity::{child, unit, user, user_role};

/// Hearth: register of children in out-of-home care.
#[derive(Parser)]
#[command(name = "hearth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrates the database and serves the API.
    Serve {
        /// Seed the demo municipality into an empty database and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Applies pending migrations.
    Migrate,
    /// Creates an administrator; the password comes from stdin or HEARTH_ADMIN_PASSWORD.
    CreateAdmin {
        #[arg(long, default_value = "admin")]
        username: String,
    },
    /// Loads the demo municipality into an empty database.
    SeedDemo,
    /// Adds synthetic children and placements to the demo municipality, for
    /// benchmarks (`scripts/bench-caseworker`).
    SeedScale {
        #[arg(long, default_value_t = 10_000)]
        children: usize,
        #[arg(long, default_value_t = 3)]
        placements_per_child: usize,
    },
    /// Verifies the audit hash chain; exits 1 and names the first broken event.
    VerifyAudit,
    /// Prints the GraphQL schema (SDL).
    ExportSchema,
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::ExportSchema = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hearth: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hearth: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hearth: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo } => {
            if demo && config.is_production() {
                anyhow::bail!(
                    "--demo is refused with the production profile: demo users have known logins. Unset HEARTH_PROFILE to try the demo."
                );
            }
            let state = crate::build_state(config).await?;
            if demo {
                seed_demo(&state.db).await?;
            }
            crate::audit::checkpoint::start_walks(
                state.db.clone(),
                state.walks.clone(),
                state.config.audit.full_walk_minutes,
            );
            serve(state).await?;
        }
        Command::Migrate => {
            let (db, _) = crate::db::connect(&config.database.url, 1).await?;
            crate::db::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::CreateAdmin { username } => {
            let (db, _) = crate::db::connect(&config.database.url, 1).await?;
            crate::db::migrate(&db).await?;
            create_admin(&db, &username).await?;
        }
        Command::SeedDemo => {
            if config.is_production() {
                anyhow::bail!("seed-demo is refused with the production profile.");
            }
            let (db, _) = crate::db::connect(&config.database.url, 1).await?;
            crate::db::migrate(&db).await?;
            seed_demo(&db).await?;
        }
        Command::SeedScale {
            children,
            placements_per_child,
        } => {
            if config.is_production() {
                anyhow::bail!("seed-scale is refused with the production profile.");
            }
            let (db, _) = crate::db::connect(&config.database.url, 1).await?;
            crate::db::migrate(&db).await?;
            let made = crate::demo::seed_scale(&db, children, placements_per_child).await?;
            println!(
                "added {} children and {} placements",
                made.children, made.placements
            );
        }
        Command::VerifyAudit => {
            let (db, _) = crate::db::connect(&config.database.url, 1).await?;
            if !crate::db::migrations_current(&db).await {
                anyhow::bail!(
                    "the database schema is not current (verify-audit records checkpoints): run `hearth migrate` first."
                );
            }
            let walks = crate::audit::checkpoint::WalkStatus::default();
            let report = crate::audit::checkpoint::full_walk(&db, &walks, 0)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            if report.valid {
                println!("audit chain intact: {} events", report.events_checked);
            } else {
                println!(
                    "audit chain BROKEN at sequence {}: {} ({} events intact before it)",
                    report.first_broken_sequence.unwrap_or_default(),
                    report.problem.unwrap_or_default(),
                    report.events_checked
                );
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::ExportSchema => print!("{}", crate::graphql::sdl()),
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(state: crate::state::AppState) -> anyhow::Result<()> {
    let bind = state.config.server.bind.clone();
    let state_grace = state.config.server.shutdown_grace_secs;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e} (set HEARTH_SERVER__BIND)"))?;
    tracing::info!(address = %bind, "serving http://{bind}/graphql");
    println!("Hearth serves http://{bind}/graphql");
    let app =
        crate::server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let grace = std::time::Duration::from_secs(state_grace);
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: no new connections, finishing in-flight requests");
        let _ = stopping_tx.send(true);
    });
    // In-flight requests (each writes its audit events before answering)
    // get the grace period; after it the process exits regardless.
    let mut stopping = stopping_rx;
    tokio::select! {
        result = server => result?,
        _ = async {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_secs = grace.as_secs(), "grace period over; exiting"),
    }
    Ok(())
}

/// Resolves at SIGTERM (how orchestrators stop a service) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn seed_demo(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    if child::Entity::find().count(db).await? > 0 || unit::Entity::find().count(db).await? > 0 {
        println!("The database is not empty; the demo municipality was not loaded.");
        return Ok(());
    }
    let (password, generated) = match std::env::var("HEARTH_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (
            crate::auth::token::new_refresh_token()[..20].to_owned(),
            true,
        ),
    };
    let hash = crate::auth::password::hash(&password)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let summary = crate::demo::seed(db, &hash).await?;
    println!(
        "Demo municipality loaded: {} children, {} placed now.",
        summary.children, summary.placed_now
    );
    println!(
        "Demo logins (password {}):",
        if generated {
            password.as_str()
        } else {
            "from HEARTH_DEMO_PASSWORD"
        }
    );
    for name in &summary.usernames {
        println!("  {name}");
    }
    Ok(())
}

async fn create_admin(db: &sea_orm::DatabaseConnection, username: &str) -> anyhow::Result<()> {
    let password = match std::env::var("HEARTH_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    crate::auth::password::check_rules(&password, "password").map_err(|e| {
        anyhow::anyhow!(
            "{} (give it on stdin or in HEARTH_ADMIN_PASSWORD)",
            e.user_message()
        )
    })?;
    let hash = crate::auth::password::hash(&password)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let now = chrono::Utc::now();
    let id = Uuid::new_v4();
    // The account, its role and the audit event commit together or not at all.
    let txn = db.begin().await?;
    user::ActiveModel {
        id: Set(id),
        username: Set(username.to_owned()),
        display_name: Set("Administrator".into()),
        password_hash: Set(hash),
        unit_id: Set(None),
        active: Set(true),
        must_change_password: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| anyhow::anyhow!("cannot create the user (does it exist already?): {e}"))?;
    let admin_role = Uuid::parse_str("00000000-0000-4000-8000-000000000006")?;
    user_role::ActiveModel {
        user_id: Set(id),
        role_id: Set(admin_role),
    }
    .insert(&txn)
    .await?;
    let event = crate::audit::NewEvent {
        action: crate::audit::Action::Create,
        entity_type: Some("User".into()),
        entity_id: Some(id.to_string()),
        fields: vec!["username".into(), "roleIds".into()],
        changes: Some(serde_json::json!({
            "before": {},
            "after": {"username": username, "roleIds": [admin_role.to_string()]}
        })),
        flagged: true,
        flag_reason: Some("administrator created from the command line".into()),
        // No principal: the actor is whoever ran the command on the server.
        actor_override: Some((None, "hearth create-admin".into())),
        ..Default::default()
    };
    crate::audit::chain::append(&txn, vec![(crate::audit::Actor::default(), event)])
        .await
        .map_err(|e| anyhow::anyhow!("cannot record the audit event: {e:?}"))?;
    txn.commit().await?;
    println!("administrator {username} created");
    Ok(())
}

//! `doorstep-planner`: serve the API, print the configuration or the API document, seed the
//! demo tenant.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use doorstep_domain::SystemClock;
use doorstep_planner::api::{router, AppState};
use doorstep_planner::config::{Config, EXAMPLE};
use doorstep_planner::{demo, openapi, storage, PlannerError};

#[derive(Parser)]
#[command(
    name = "doorstep-planner",
    about = "The Doorstep central planner",
    version
)]
struct Cli {
    /// A configuration file (TOML); see `default-config`.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        addr: Option<String>,
    },
    /// Print the commented default configuration.
    DefaultConfig,
    /// Print the API document (OpenAPI 3.1) generated from the code; it is checked in as
    /// crates/planner/openapi.json.
    Openapi,
    /// Seed a demo tenant and print each user's enrolment code.
    Demo {
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), PlannerError> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::DefaultConfig => print!("{EXAMPLE}"),
        Command::Openapi => print!("{}", openapi::to_json(&openapi::document())),
        Command::Demo { db, json } => {
            config.db = db.unwrap_or(config.db);
            let storage = storage::open(&config.db)?;
            let mut demo = demo::seed(&*storage, &SystemClock)?;
            demo::seed_sales(&*storage, &SystemClock, &mut demo)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&demo).expect("demo serializes")
                );
            } else {
                for u in &demo.users {
                    println!(
                        "{:<11} {:<14} enrolment code {}",
                        u.role, u.name, u.enrolment_code
                    );
                }
                println!("dispatcher API token: {}", demo.dispatcher_token);
            }
        }
        Command::Serve { db, addr } => {
            config.db = db.unwrap_or(config.db);
            config.addr = addr.unwrap_or(config.addr);
            let storage = storage::open(&config.db)?;
            let app = router(AppState::new(storage, Arc::new(SystemClock)));
            let rt = tokio::runtime::Runtime::new()
                .map_err(|e| PlannerError::Internal(e.to_string()))?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&config.addr)
                    .await
                    .map_err(|e| {
                        PlannerError::Invalid(format!("cannot listen on {}: {e}", config.addr))
                    })?;
                let local = listener
                    .local_addr()
                    .map_err(|e| PlannerError::Internal(e.to_string()))?;
                // Scripts read this line to find the port (with --addr 127.0.0.1:0).
                println!("listening on http://{local}");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
                    .map_err(|e| PlannerError::Internal(e.to_string()))
            })?;
        }
    }
    Ok(())
}

//! The command line: `serve` (the default), `migrate`, `demo`, `openapi`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use crate::{config::Settings, db, demo, startup};

/// Investment Registry service of an Economic Zone Management Board.
#[derive(Debug, Parser)]
#[command(name = "invest-registry", version, about)]
pub struct Cli {
    /// TOML file with settings (environment variables override it). Also `CONFIG_FILE`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted without the word `serve` too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Manage the database schema.
    Migrate {
        /// What to do.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load the Quảng Trị demo data (zones and sample parcels) and exit; safe to repeat.
    Demo,
    /// Print the OpenAPI spec (JSON), as committed in openapi/openapi.json.
    Openapi,
}

/// Options of `serve`.
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Load the demo data before serving (safe to repeat).
    #[arg(long)]
    pub demo: bool,
}

/// Migration actions.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back migrations (the last one unless --steps or --all).
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Roll back every migration (drops all data).
        #[arg(long)]
        all: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Runs a parsed command line; errors are printed as one line.
pub fn run(cli: Cli) -> ExitCode {
    if let Some(Command::Openapi) = cli.command {
        print!("{}", crate::api::spec_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env(cli.config.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invest-registry: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("invest-registry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "stopped");
            eprintln!("invest-registry: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli, settings: Settings) -> Result<(), String> {
    match cli.command {
        None => serve(settings, cli.serve).await,
        Some(Command::Serve(args)) => {
            serve(
                settings,
                ServeArgs {
                    demo: args.demo || cli.serve.demo,
                },
            )
            .await
        }
        Some(Command::Demo) => {
            let state = startup::AppState::connect(settings)
                .await
                .map_err(|e| e.to_string())?;
            let summary = demo::load(&state.db).await.map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::Migrate { action }) => migrate(settings, action).await,
        Some(Command::Openapi) => Ok(()),
    }
}

async fn serve(settings: Settings, args: ServeArgs) -> Result<(), String> {
    let state = startup::AppState::connect(settings)
        .await
        .map_err(|e| e.to_string())?;
    if args.demo {
        let summary = demo::load(&state.db).await.map_err(|e| e.to_string())?;
        tracing::info!(%summary, "demo data loaded");
    }
    startup::serve(state).await.map_err(|e| e.to_string())
}

async fn migrate(settings: Settings, action: MigrateAction) -> Result<(), String> {
    let url = settings.database_url_redacted();
    let conn = db::connect(&settings.database_url, 2)
        .await
        .map_err(|e| format!("database {url}: {e}"))?;
    match action {
        MigrateAction::Up => db::migrate_up(&conn).await.map_err(|e| e.to_string())?,
        MigrateAction::Down { steps, all } => {
            db::migrate_down(&conn, if all { None } else { Some(steps) })
                .await
                .map_err(|e| e.to_string())?
        }
        MigrateAction::Status => {}
    }
    for (name, applied) in db::migration_status(&conn)
        .await
        .map_err(|e| e.to_string())?
    {
        println!("{} {name}", if applied { "applied:" } else { "pending:" });
    }
    Ok(())
}

//! The command line: `serve` (the default), `migrate`, `demo`, `openapi`, `users`, `keys`,
//! `audit`, and the offline verifier's `verify` and `trust fetch`.

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
    /// Manage staff accounts.
    Users {
        /// What to do.
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Manage certificate signing keys.
    Keys {
        /// What to do.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Check the audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Kiểm tra giấy chứng nhận / Check a certificate (PDF, verification URL or seal) with a
    /// saved keys file, without network unless --online is given.
    #[command(after_help = VERIFY_EXIT_CODES)]
    Verify(VerifyArgs),
    /// Download what offline verification needs.
    Trust {
        /// What to do.
        #[command(subcommand)]
        action: TrustAction,
    },
}

/// The exit codes of `verify`, shown by `verify --help`.
const VERIFY_EXIT_CODES: &str = "\
Mã thoát / Exit codes:
  0  đúng bản gốc, còn hiệu lực / genuine and in force; or genuine with the status not
     checked (no --status, no --online), which the output states plainly
  1  đúng bản gốc nhưng không còn hiệu lực / genuine but not in force:
     superseded, suspended or revoked
  2  không hợp lệ / not genuine: modified after signing, not signed, a forged seal, or not
     signed by a known and trustworthy key
  3  không kiểm tra được / could not check: bad input, unreadable keys or status file, or a
     status asked for but unavailable (expired bundle, registry unreachable)

Examples:
  invest-registry trust fetch https://dautu.example.gov.vn
  invest-registry verify GCNDKDT-2310001234-0.pdf --keys keys.json --status status.json
  invest-registry verify 'https://dautu.example.gov.vn/v/AEB...' --keys keys.json --online https://dautu.example.gov.vn";

/// Options of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A certificate PDF file, a verification URL (…/v/SEAL, from the QR code) or a seal.
    #[arg(value_name = "FILE.pdf | URL | SEAL")]
    pub input: String,
    /// The keys file: the JSON of GET /api/v1/trust/keys (see `trust fetch`).
    #[arg(long, value_name = "KEYS.json")]
    pub keys: PathBuf,
    /// A status bundle: the JSON of GET /api/v1/trust/status, used until it expires.
    #[arg(long, value_name = "STATUS.json")]
    pub status: Option<PathBuf>,
    /// Also ask this registry for the live status (needs network), e.g.
    /// https://dautu.example.gov.vn.
    #[arg(long, value_name = "BASE_URL")]
    pub online: Option<String>,
    /// Print the result as JSON (same exit codes).
    #[arg(long)]
    pub json: bool,
}

/// Trust list actions.
#[derive(Debug, Subcommand)]
pub enum TrustAction {
    /// Download the keys and the status bundle of a registry once, check them, and save them
    /// for `verify --keys ... --status ...`. Exits 3 when something could not be fetched.
    Fetch {
        /// The registry's public address, e.g. https://dautu.example.gov.vn.
        base_url: String,
        /// Where to save the keys.
        #[arg(long, value_name = "FILE", default_value = "keys.json")]
        keys_out: PathBuf,
        /// Where to save the status bundle.
        #[arg(long, value_name = "FILE", default_value = "status.json")]
        status_out: PathBuf,
    },
}

/// Staff account actions. Passwords are read from standard input (one line), never from arguments.
#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Create an account; reads its password from standard input.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Full name.
        #[arg(long)]
        display_name: String,
        /// Comma-separated roles: clerk, officer, approver, admin.
        #[arg(long)]
        roles: String,
        /// Approvers: title printed in certificates' signature block, e.g. "PHÓ TRƯỞNG BAN".
        #[arg(long)]
        signing_title: Option<String>,
        /// Approvers: capacity above the title, e.g. "KT. TRƯỞNG BAN".
        #[arg(long)]
        signing_capacity: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account and end its sessions.
    Disable {
        /// Login name.
        username: String,
    },
    /// Set a new password (read from standard input) and end the account's sessions.
    ResetPassword {
        /// Login name.
        username: String,
    },
}

/// Audit log actions.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Recompute the hash chain; exits non-zero and names the first broken event if any.
    Verify,
}

/// Options of `serve`.
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Load the demo data before serving (safe to repeat).
    #[arg(long)]
    pub demo: bool,
}

/// Signing key actions.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Issue a new development signing key from the development CA in DATA_DIR/keys (made on
    /// first use); the previous development key is retired. Restart the service to use it.
    Generate,
    /// Register a production key and its certificate chain (PEM key and chain, or PKCS#12 with
    /// its password on standard input), after checking them; then name the files in
    /// SIGNING_KEY_FILE and SIGNING_CHAIN_FILE (or SIGNING_PKCS12_FILE) and restart.
    Import {
        /// PEM private key (PKCS#8 or SEC1, P-256).
        #[arg(long, requires = "chain", conflicts_with = "pkcs12")]
        key: Option<PathBuf>,
        /// PEM certificate chain, signing certificate first.
        #[arg(long, requires = "key")]
        chain: Option<PathBuf>,
        /// PKCS#12 file; its password is read from standard input.
        #[arg(long)]
        pkcs12: Option<PathBuf>,
    },
    /// List every known key with its status and validity.
    List,
    /// Retire a key (it signs no more; what it signed stays valid), or mark it compromised.
    Retire {
        /// The key id (hex, as listed).
        key_id: String,
        /// Mark the key compromised: every certificate it signed is flagged.
        #[arg(long)]
        compromised: bool,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
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

/// Prints a command-line error (or the help) and chooses the exit code: clap's usual 2, except
/// for the verifier's commands, where 2 means "not genuine" and bad input is 3.
pub fn usage_error(e: &clap::Error) -> ExitCode {
    // Printing to a closed stdout or stderr is not worth another error.
    let _ = e.print();
    if !e.use_stderr() {
        return ExitCode::SUCCESS;
    }
    let verifier = std::env::args()
        .skip(1)
        .any(|a| a == "verify" || a == "trust");
    ExitCode::from(if verifier {
        crate::offline::EXIT_CANNOT_CHECK
    } else {
        2
    })
}

/// Runs a parsed command line; errors are printed as one line.
pub fn run(cli: Cli) -> ExitCode {
    match &cli.command {
        Some(Command::Openapi) => {
            print!("{}", crate::api::spec_json());
            return ExitCode::SUCCESS;
        }
        // The verifier's commands need no settings, no database and no server.
        Some(Command::Verify(args)) => return verify(args),
        Some(Command::Trust {
            action:
                TrustAction::Fetch {
                    base_url,
                    keys_out,
                    status_out,
                },
        }) => {
            return match crate::offline::fetch_trust(base_url, keys_out, status_out) {
                Ok(lines) => {
                    for line in lines {
                        println!("{line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("invest-registry: {e}");
                    ExitCode::from(crate::offline::EXIT_CANNOT_CHECK)
                }
            };
        }
        _ => {}
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
            let summary = demo::load(&state.db, &state.settings)
                .await
                .map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::Migrate { action }) => migrate(settings, action).await,
        Some(Command::Openapi | Command::Verify(_) | Command::Trust { .. }) => Ok(()),
        Some(Command::Users { action }) => users(settings, action).await,
        Some(Command::Keys { action }) => keys(settings, action).await,
        Some(Command::Audit {
            action: AuditAction::Verify,
        }) => {
            let state = startup::AppState::connect(settings)
                .await
                .map_err(|e| e.to_string())?;
            let report = crate::service::audit::verify(&state.db)
                .await
                .map_err(|e| e.to_string())?;
            match report.first_broken {
                None => {
                    println!("audit chain intact: {} events checked", report.checked);
                    Ok(())
                }
                Some(b) => Err(format!(
                    "audit chain broken at event {} (id {}): {}; {} events before it are intact",
                    b.seq, b.id, b.reason, report.checked
                )),
            }
        }
    }
}

async fn keys(settings: Settings, action: KeysAction) -> Result<(), String> {
    use crate::{
        certificate::issuer::development_key_dir, domain::auth::Context,
        domain::certificate::KeyStatus, service::certificates as svc, signing::keys as k,
    };
    let db = db::connect(&settings.database_url, settings.database_max_connections)
        .await
        .map_err(|e| format!("database {}: {e}", settings.database_url_redacted()))?;
    db::migrate_up(&db).await.map_err(|e| e.to_string())?;
    let ctx = Context::system("cli");
    // Registering a key needs only its public part: no renderer, no fonts.
    let register = |identity: k::SigningIdentity| {
        let db = db.clone();
        async move {
            startup::register_key(&db, &identity)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(identity.key_id().to_hex())
        }
    };
    match action {
        KeysAction::Generate => {
            let dir = development_key_dir(&settings.data_dir);
            // The key in use now (made on first use) stays known, so what it signed still verifies.
            let previous = k::load_or_generate_development(&dir).map_err(|e| e.to_string())?;
            let previous = register(previous).await?;
            let identity = k::generate_development(&dir, "Investment Registry development signer")
                .map_err(|e| e.to_string())?;
            let id = register(identity).await?;
            if previous != id {
                svc::set_key_status(
                    &db,
                    &ctx,
                    &previous,
                    KeyStatus::Retired,
                    Some("replaced by a new development key".to_owned()),
                )
                .await
                .map_err(|e| e.to_string())?;
                println!("retired the previous development key {previous}");
            }
            println!(
                "new development signing key {id} in {}; restart the service to use it",
                dir.display()
            );
            Ok(())
        }
        KeysAction::Import { key, chain, pkcs12 } => {
            let identity = match (key, chain, pkcs12) {
                (Some(key), Some(chain), None) => k::load_pem(&key, &chain),
                (None, None, Some(file)) => k::load_pkcs12(&file, &read_password()?),
                _ => return Err("give --key with --chain, or --pkcs12".to_owned()),
            }
            .map_err(|e| e.to_string())?;
            let subject = identity.subject_common_name();
            let until = identity.not_after();
            let id = register(identity).await?;
            println!(
                "registered signing key {id} ({subject}, valid until {until}); name its files in the configuration and restart"
            );
            Ok(())
        }
        KeysAction::List => {
            let keys = svc::trust_keys(&db).await.map_err(|e| e.to_string())?;
            if keys.is_empty() {
                println!("no signing keys yet (the service registers its key when it starts)");
            }
            for key in keys {
                println!(
                    "{}  {:<11}  {}  {} .. {}  {}",
                    key.key_id,
                    key.status.as_str(),
                    if key.development {
                        "development"
                    } else {
                        "production "
                    },
                    key.not_before.format("%Y-%m-%d"),
                    key.not_after.format("%Y-%m-%d"),
                    key.subject
                );
            }
            Ok(())
        }
        KeysAction::Retire {
            key_id,
            compromised,
            reason,
        } => {
            let status = if compromised {
                KeyStatus::Compromised
            } else {
                KeyStatus::Retired
            };
            let key = svc::set_key_status(&db, &ctx, key_id.trim(), status, reason)
                .await
                .map_err(|e| e.to_string())?;
            println!("signing key {} is now {}", key.key_id, key.status.as_str());
            Ok(())
        }
    }
}

/// `verify`: prints the report (text or JSON) and exits with its code.
fn verify(args: &VerifyArgs) -> ExitCode {
    let report = crate::offline::verify(
        &crate::offline::VerifyRequest {
            input: args.input.clone(),
            keys: args.keys.clone(),
            status: args.status.clone(),
            online: args.online.clone(),
        },
        chrono::Utc::now(),
    );
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("invest-registry: {e}");
                return ExitCode::from(crate::offline::EXIT_CANNOT_CHECK);
            }
        }
    } else {
        print!("{}", report.to_text());
    }
    ExitCode::from(report.exit_code)
}

fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn users(settings: Settings, action: UsersAction) -> Result<(), String> {
    use crate::{domain::auth::Context, service::users as svc};
    let state = startup::AppState::connect(settings)
        .await
        .map_err(|e| e.to_string())?;
    let ctx = Context::system("cli");
    let find = |username: String| {
        let db = state.db.clone();
        async move {
            db::users::credentials(&db, &username.trim().to_ascii_lowercase())
                .await
                .map_err(|e| e.to_string())?
                .map(|c| c.user)
                .ok_or_else(|| format!("no user named {username}"))
        }
    };
    match action {
        UsersAction::Create {
            username,
            display_name,
            roles,
            signing_title,
            signing_capacity,
        } => {
            let roles =
                crate::domain::auth::parse_roles(&roles).map_err(|e| format!("--roles: {e}"))?;
            let password = read_password()?;
            let user = svc::create(
                &state.db,
                &ctx,
                svc::NewUser {
                    username,
                    display_name,
                    password,
                    roles,
                    signing_title,
                    signing_capacity,
                },
            )
            .await
            .map_err(describe)?;
            println!("created {} ({})", user.username, user.id);
        }
        UsersAction::List => {
            let mut after = None;
            loop {
                let page = svc::list(&state.db, &ctx, after, 200)
                    .await
                    .map_err(describe)?;
                for u in &page.items {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        u.username,
                        roles.join(","),
                        if u.disabled { "disabled" } else { "active" },
                        u.display_name
                    );
                }
                match page.next_after {
                    Some(id) => after = Some(id),
                    None => break,
                }
            }
        }
        UsersAction::Disable { username } => {
            let user = find(username).await?;
            svc::set_disabled(&state.db, &ctx, user.id, true)
                .await
                .map_err(describe)?;
            println!("disabled {}", user.username);
        }
        UsersAction::ResetPassword { username } => {
            let user = find(username).await?;
            let password = read_password()?;
            svc::reset_password(&state.db, &ctx, user.id, password)
                .await
                .map_err(describe)?;
            println!(
                "password reset for {}; their sessions have ended",
                user.username
            );
        }
    }
    Ok(())
}

fn describe(e: crate::error::ServiceError) -> String {
    match e {
        crate::error::ServiceError::Validation(v) => v
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        crate::error::ServiceError::Conflict { detail, .. } => detail,
        other => other.to_string(),
    }
}

async fn serve(settings: Settings, args: ServeArgs) -> Result<(), String> {
    let state = startup::AppState::connect(settings)
        .await
        .map_err(|e| e.to_string())?;
    if args.demo {
        let summary = demo::load(&state.db, &state.settings)
            .await
            .map_err(|e| e.to_string())?;
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

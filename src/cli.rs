//! The command line: its grammar (`serve` is the default; `migrate`, `demo`, `openapi`, `users`,
//! `keys`, `audit`, and the offline verifier's `verify` and `trust fetch`) and the commands that
//! act through the use cases. `startup` parses the settings, opens the database and dispatches.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::{
    domain::{auth::Context, certificate::KeyStatus, import::ImportFormat},
    service::{
        self, AppState, Db, ServiceError,
        keys::KeySource,
        offline::{self, EXIT_CANNOT_CHECK},
    },
};

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
    /// Print the OpenAPI 3.0 spec (JSON), as committed in openapi/openapi.json.
    Openapi {
        /// Print the OpenAPI 3.1 edition instead (openapi/openapi-3.1.json).
        #[arg(long)]
        v31: bool,
    },
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
    /// Nhập dự án hiện có / Import existing projects with their investors, leases and paper
    /// certificate histories from a CSV or NDJSON file: every error with its line, then all or
    /// nothing.
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
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

/// The file format and exit codes of `import`, shown by `import --help`.
const IMPORT_HELP: &str = "\
Tệp / File: UTF-8, one record per line (NDJSON) or row (CSV, header row with a `type` column):
  investor  ref, kind, name, nationality, document.doc_type, document.number, ...
  project   project_code, zone_code, name_vi, investors (JSON: [{\"ref\", \"capital_vnd\", \"form\"}]),
            objectives (JSON), capital, duration_years, certificate_history.first_issued_on,
            certificate_history.last_change_no, certificate_history.last_change_on
  lease     project_code, lot_code, [zone_code], area_m2, start_date, end_date
See README.md, \"Bulk import\".

Mã thoát / Exit codes:
  0  hợp lệ (và đã nhập) / valid (and imported, unless --dry-run)
  1  tệp có lỗi, không có gì thay đổi / the file has errors, nothing was changed; or another failure";

/// Options of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: .csv, .ndjson or .jsonl.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only check the file and report; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The file's format, when its extension does not say: csv or ndjson.
    #[arg(long, value_name = "csv|ndjson", value_parser = parse_format)]
    pub format: Option<ImportFormat>,
}

fn parse_format(text: &str) -> Result<ImportFormat, String> {
    text.parse()
        .map_err(|e: crate::domain::UnknownValue| e.to_string())
}

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
    ExitCode::from(if verifier { EXIT_CANNOT_CHECK } else { 2 })
}

/// `verify`: prints the report (text or JSON) and exits with its code. Needs no settings, no
/// database and no server.
pub fn verify(args: &VerifyArgs) -> ExitCode {
    let report = offline::verify(
        &offline::VerifyRequest {
            input: args.input.clone(),
            keys: args.keys.clone(),
            status: args.status.clone(),
            online: args.online.clone(),
        },
        Utc::now(),
    );
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("invest-registry: {e}");
                return ExitCode::from(EXIT_CANNOT_CHECK);
            }
        }
    } else {
        print!("{}", report.to_text());
    }
    ExitCode::from(report.exit_code)
}

/// `trust fetch`: downloads the keys and the status bundle once.
pub fn trust_fetch(base_url: &str, keys_out: &Path, status_out: &Path) -> ExitCode {
    match offline::fetch_trust(base_url, keys_out, status_out) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("invest-registry: {e}");
            ExitCode::from(EXIT_CANNOT_CHECK)
        }
    }
}

fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// One line for an operator: the fields at fault, or the conflict, or the error.
fn describe(e: ServiceError) -> String {
    match e {
        ServiceError::Validation(v) => v
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        ServiceError::Conflict { detail, .. } => detail,
        other => other.to_string(),
    }
}

/// `users ...`, acting as the system through the same use cases as the API.
pub async fn users(state: &AppState, action: UsersAction) -> Result<(), String> {
    use service::users as svc;
    let ctx = Context::system("cli", state.clock.now());
    let find = |username: String| async move {
        svc::find_by_username(&state.db, &username)
            .await
            .map_err(describe)?
            .ok_or_else(|| format!("no user named {username}"))
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

/// `keys ...`: needs only the database (registering a key needs its public part: no renderer,
/// no fonts). `key_dir` is where development keys live.
pub async fn keys(
    db: &Db,
    key_dir: &Path,
    now: DateTime<Utc>,
    action: KeysAction,
) -> Result<(), String> {
    use service::keys as svc;
    let ctx = Context::system("cli", now);
    match action {
        KeysAction::Generate => {
            let (id, retired) = svc::generate_development(db, &ctx, key_dir)
                .await
                .map_err(describe)?;
            if let Some(previous) = retired {
                println!("retired the previous development key {previous}");
            }
            println!(
                "new development signing key {id} in {}; restart the service to use it",
                key_dir.display()
            );
        }
        KeysAction::Import { key, chain, pkcs12 } => {
            let source = match (key, chain, pkcs12) {
                (Some(key), Some(chain), None) => KeySource::Pem { key, chain },
                (None, None, Some(file)) => KeySource::Pkcs12 {
                    file,
                    password: read_password()?,
                },
                _ => return Err("give --key with --chain, or --pkcs12".to_owned()),
            };
            // The error names the file at fault; the field name would add nothing.
            let key = svc::import(db, &source, now).await.map_err(|e| match e {
                ServiceError::Validation(v) => v
                    .into_iter()
                    .map(|f| f.message)
                    .collect::<Vec<_>>()
                    .join("; "),
                other => describe(other),
            })?;
            println!(
                "registered signing key {} ({}, valid until {}); name its files in the configuration and restart",
                key.key_id, key.subject, key.not_after
            );
        }
        KeysAction::List => {
            let keys = svc::list(db).await.map_err(describe)?;
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
            let key = svc::set_status(db, &ctx, key_id.trim(), status, reason)
                .await
                .map_err(describe)?;
            println!("signing key {} is now {}", key.key_id, key.status.as_str());
        }
    }
    Ok(())
}

/// `audit verify`: recomputes the chain; reads only, needs no signing key and runs no migration.
pub async fn audit_verify(db: &Db) -> Result<(), String> {
    let ctx = Context::system("cli", Utc::now());
    let report = service::audit::verify(db, &ctx).await.map_err(describe)?;
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

/// `import FILE`: checks the file and reports every error with its line; unless `--dry-run`,
/// imports it all in one transaction, acting as the system ("cli"). Progress goes to standard
/// error when it is a terminal; the report to standard output.
pub async fn import(state: &AppState, args: ImportArgs) -> Result<(), String> {
    use std::io::{IsTerminal, Write};

    use service::imports::{ImportRequest, Phase, Progress};

    let format = match args.format {
        Some(f) => f,
        None => args
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(ImportFormat::from_file_name)
            .ok_or_else(|| {
                format!(
                    "cannot tell the format of {} from its extension; give --format csv or --format ndjson",
                    args.file.display()
                )
            })?,
    };
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let ctx = Context::system("cli", state.clock.now());
    let terminal = std::io::stderr().is_terminal();
    let show = move |p: Progress| {
        if !terminal {
            return;
        }
        let phase = match p.phase {
            Phase::Checking => "Kiểm tra / checking",
            Phase::Writing => "Ghi / writing",
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{phase}: {}/{} bản ghi / records", p.done, p.total);
        if p.done == p.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    };
    let report = service::imports::import(
        &state.db,
        &ctx,
        state.policy.duration_limits,
        ImportRequest {
            bytes: &bytes,
            format,
            file_name: args
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned),
            dry_run: args.dry_run,
        },
        &show,
    )
    .await
    .map_err(describe)?;
    let r = &report.records;
    let c = &report.counts;
    println!(
        "{}: {} ({}), {} dòng / lines, sha256 {}",
        args.file.display(),
        report.format,
        if report.dry_run {
            "kiểm tra thử / dry run"
        } else {
            "nhập / import"
        },
        report.lines,
        report.file_sha256
    );
    println!(
        "bản ghi / records: {} nhà đầu tư / investors, {} dự án / projects, {} thuê đất / leases",
        r.investors, r.projects, r.leases
    );
    if !report.is_valid() {
        for e in &report.errors {
            let field = if e.field.is_empty() {
                String::new()
            } else {
                format!(" {}:", e.field)
            };
            println!("dòng / line {}:{field} {} [{}]", e.line, e.message, e.code);
        }
        return Err(format!(
            "{} lỗi, không có gì thay đổi / {} error(s); nothing was changed",
            report.errors.len(),
            report.errors.len()
        ));
    }
    println!(
        "{}: {} nhà đầu tư mới / new investors, {} đã có / matched, {} dự án / projects ({} có lịch sử giấy chứng nhận / with a paper history), {} thuê đất / leases",
        if report.dry_run {
            "hợp lệ, sẽ tạo / valid, would create"
        } else {
            "đã nhập / imported"
        },
        c.investors_created,
        c.investors_matched,
        c.projects,
        c.projects_with_history,
        c.leases
    );
    if let Some(batch) = &report.batch {
        println!("import {}", batch.id);
    }
    Ok(())
}

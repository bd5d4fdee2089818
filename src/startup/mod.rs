//! Builds the application from its settings and runs it: the one place where configuration,
//! database, signing key, HTTP server and command line are wired together.

pub mod server;

use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use poem::{Endpoint, EndpointExt, Route};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    api::{
        self,
        middleware::Edge,
        rate_limit::{PublicLimits, RateLimit},
    },
    certificate::issuer::{Issuer, IssuerConfig},
    cli::{self, AuditAction, Cli, Command, MigrateAction, ServeArgs, TrustAction},
    config::Settings,
    db, demo,
    domain::certificate::content::IssuingBody,
    service::{
        self, AppState, Policy,
        clock::{self, SharedClock},
        keys, users,
        verification::KeyRing,
    },
    telemetry, web,
};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("database {url}: {source}")]
    Database {
        /// The URL, password redacted.
        url: String,
        /// The cause.
        source: sea_orm::DbErr,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The signing key could not be loaded.
    #[error("signing key: {0}")]
    Key(#[from] crate::signing::keys::KeyError),
    /// The certificate renderer (fonts, templates) could not be loaded.
    #[error("certificate renderer: {0}")]
    Renderer(#[from] crate::certificate::render::RenderError),
    /// Start-up data (bootstrap admin, signing key record, demo data) could not be written.
    #[error("{0}")]
    Data(String),
    /// The server stopped with an error.
    #[error("server: {0}")]
    Serve(std::io::Error),
}

/// The application: its state and the settings it was built from.
#[derive(Clone)]
pub struct Application {
    /// What every handler reaches.
    pub state: AppState,
    /// The settings (bind address, limits) the HTTP server needs.
    pub settings: Arc<Settings>,
}

impl Application {
    /// Connects to the database, applies pending migrations, creates the first admin on an empty
    /// database, loads and registers the signing key, and loads the known keys.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, clock::system()).await
    }

    /// [`Application::build`] with a given clock (tests move time with a manual one).
    pub async fn build_with_clock(
        settings: Settings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        let db = connect(&settings, settings.database_max_connections, true).await?;
        match users::bootstrap(&db, settings.bootstrap_admin_password.clone(), clock.now()).await {
            Ok(Some(password)) => {
                // Shown once, on the operator's terminal, never through the log.
                eprintln!(
                    "\n  First start: created user 'admin' with password: {password}\n  \
                     It is shown only now. Sign in and change it, or set BOOTSTRAP_ADMIN_PASSWORD.\n"
                );
                tracing::warn!(
                    "bootstrap admin created with a generated password (printed once on stderr)"
                );
            }
            Ok(None) => {}
            Err(e) => {
                return Err(StartupError::Data(format!(
                    "creating the bootstrap admin: {e}"
                )));
            }
        }
        match crate::service::status_list::backfill(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                versions = n,
                "gave issued certificates their status-list index"
            ),
            Err(e) => {
                return Err(StartupError::Data(format!(
                    "giving issued certificates their status-list index: {e}"
                )));
            }
        }
        let identity = settings.signing_key.load()?;
        keys::register(&db, &identity, clock.now())
            .await
            .map_err(|e| StartupError::Data(format!("registering the signing key: {e}")))?;
        let issuer = Issuer::new(issuer_config(&settings), identity)?;
        if issuer.is_development() {
            tracing::warn!(
                key_id = %issuer.key_id_hex(),
                "signing with a generated DEVELOPMENT key: certificates are marked as such and have no legal value"
            );
        }
        let keys = KeyRing::new(clock.clone());
        keys.load(&db)
            .await
            .map_err(|e| StartupError::Data(format!("loading the signing keys: {e}")))?;
        Ok(Self {
            state: AppState {
                db,
                policy: Arc::new(policy(&settings)),
                issuer,
                keys,
                clock,
                webhooks: Arc::new(webhook_settings(&settings)),
            },
            settings: Arc::new(settings),
        })
    }
}

/// Opens the database (redacting its password from errors) and, when asked, applies pending
/// migrations.
async fn connect(
    settings: &Settings,
    max_connections: u32,
    migrate: bool,
) -> Result<DatabaseConnection, StartupError> {
    let url = settings.database_url_redacted();
    let acquire = Duration::from_secs(settings.database_acquire_timeout_seconds);
    let db = db::connect(&settings.database_url, max_connections, acquire)
        .await
        .map_err(|source| StartupError::Database {
            url: url.clone(),
            source,
        })?;
    if migrate {
        db::migrate_up(&db)
            .await
            .map_err(|source| StartupError::Database { url, source })?;
    }
    Ok(db)
}

/// What use cases take from the settings.
fn policy(settings: &Settings) -> Policy {
    Policy {
        project_code_prefix: settings.project_code_prefix.clone(),
        duration_limits: settings.duration_limits,
        token_ttl_minutes: settings.token_ttl_minutes,
        status_bundle_max_age_hours: settings.status_bundle_max_age_hours,
        max_body_bytes: settings.max_body_bytes,
        receipt_unit_code: settings.receipt_unit_code.clone(),
        attachment_limits: crate::files::Limits {
            max_bytes: settings.max_attachment_bytes,
            ..crate::files::Limits::default()
        },
        max_attachments: settings.max_attachments_per_dossier,
        max_upload_bytes: settings.max_upload_bytes,
        feed_retention_days: settings.feed_retention_days,
    }
}

/// How this instance delivers webhooks, from the settings.
pub fn webhook_settings(settings: &Settings) -> service::webhooks::WebhookSettings {
    let w = &settings.webhooks;
    service::webhooks::WebhookSettings {
        allow_http: w.allow_http,
        timeout: Duration::from_secs(w.timeout_seconds),
        lease: Duration::from_secs(w.lease_seconds),
        poll_interval: Duration::from_millis(w.poll_interval_ms),
        retry: crate::domain::webhook::RetryPolicy {
            base: Duration::from_millis(w.retry_base_ms),
            cap: Duration::from_secs(w.retry_max_seconds),
            pause_after: w.pause_after,
        },
        workers: w.workers,
        public_base_url: settings.public_base_url.as_str().to_owned(),
    }
}

/// Delivers webhooks in the background of this process, under a name of its own (leases in the
/// database say which instance holds an endpoint).
fn webhook_delivery(application: &Application) -> impl std::future::Future<Output = ()> + 'static {
    let random = uuid::Uuid::now_v7().simple().to_string();
    let instance = format!("{}-{}", std::process::id(), &random[random.len() - 8..]);
    service::webhooks::run(application.state.clone(), instance)
}

/// What the issuer prints and links.
pub fn issuer_config(settings: &Settings) -> IssuerConfig {
    IssuerConfig {
        issuing_body: IssuingBody {
            superior: settings.issuing_body_superior.clone(),
            name: settings.issuing_body_name.clone(),
            place: settings.issuing_place.clone(),
        },
        public_base_url: settings.public_base_url.as_str().to_owned(),
    }
}

/// The whole HTTP application.
pub fn app(application: &Application) -> impl Endpoint + 'static {
    let settings = &application.settings;
    let api = api::service();
    let docs = api::docs::endpoint(&api);
    api::body::warm();
    // The API's operations carry their full paths (`/api/v1/...`, and the probes `/healthz` and
    // `/readyz`), so it is nested at those prefixes without stripping them; the root is the
    // landing page. Unknown paths anywhere get the problem 404.
    let api = std::sync::Arc::new(poem::IntoEndpoint::into_endpoint(api));
    let routes = web::mount(
        Route::new()
            .nest_no_strip("/api", api.clone())
            .nest_no_strip("/healthz", api.clone())
            .nest_no_strip("/readyz", api),
    )
    .at(
        "/api/v1/openapi.json",
        api::docs::spec(api::spec::Edition::V30, false),
    )
    .at(
        "/api/v1/openapi.yaml",
        api::docs::spec(api::spec::Edition::V30, true),
    )
    .at(
        "/api/v1/openapi-3.1.json",
        api::docs::spec(api::spec::Edition::V31, false),
    )
    .at(
        "/api/v1/openapi-3.1.yaml",
        api::docs::spec(api::spec::Edition::V31, true),
    )
    .nest("/docs", docs)
    .data(application.state.clone());
    let limits = PublicLimits {
        per_minute: settings.public_rate_limit_per_minute,
        burst: settings.public_rate_limit_burst,
        login_per_minute: settings.login_rate_limit_per_minute,
        trusted_proxies: settings.trusted_proxies.clone(),
    };
    Edge::new(
        RateLimit::new(routes, &limits, application.state.clock.clone()),
        settings.max_body_bytes,
        settings.max_upload_bytes,
        web::UPLOAD_PATHS,
        Duration::from_secs_f64(settings.body_read_timeout_seconds),
    )
}

/// What the server allows clients, from the settings.
fn server_limits(settings: &Settings) -> server::ServerLimits {
    server::ServerLimits {
        header_read_timeout: Duration::from_secs_f64(settings.header_read_timeout_seconds),
        max_connections_per_client: settings.max_connections_per_client,
        max_connections: open_files_for(settings.max_connections),
        trusted_proxies: settings.trusted_proxies.clone(),
        shutdown_grace: Duration::from_secs(settings.shutdown_grace_seconds),
    }
}

/// Raises the open-files limit so `wanted` connections fit beside the database pool and the
/// files the service opens; returns how many connections the limit allows.
fn open_files_for(wanted: usize) -> usize {
    const RESERVED: u64 = 128;
    let wanted_files = wanted as u64 + RESERVED;
    match rlimit::increase_nofile_limit(wanted_files) {
        Ok(limit) if limit >= wanted_files => wanted,
        Ok(limit) => {
            let fits = limit.saturating_sub(RESERVED).max(16) as usize;
            tracing::warn!(
                open_files = limit,
                max_connections = fits,
                "the open-files limit holds fewer connections than MAX_CONNECTIONS"
            );
            fits
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-files limit");
            wanted
        }
    }
}

/// Binds the configured address and serves until SIGINT or SIGTERM, then lets requests in flight
/// finish within the grace period.
pub async fn serve(application: Application) -> Result<(), StartupError> {
    let settings = application.settings.clone();
    let listener = TcpListener::bind(settings.bind_addr)
        .await
        .map_err(|source| StartupError::Bind {
            addr: settings.bind_addr,
            source,
        })?;
    tracing::info!(
        bind_addr = %settings.bind_addr,
        public_base_url = %settings.public_base_url,
        database = %settings.database_url_redacted(),
        "invest-registry listening; API docs at /docs"
    );
    let delivery = tokio::spawn(webhook_delivery(&application));
    let served = server::serve(
        listener,
        app(&application),
        server_limits(&settings),
        shutdown_signal(),
    )
    .await;
    delivery.abort();
    served.map_err(StartupError::Serve)?;
    tracing::info!("invest-registry stopped");
    Ok(())
}

/// Serves on an ephemeral loopback port in the background; for tests and benchmarks.
pub async fn spawn(
    application: Application,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let limits = server_limits(&application.settings);
    // One task: aborting it (a test's restart) stops the server and its deliveries together.
    let handle = tokio::spawn(async move {
        let delivery = webhook_delivery(&application);
        let serving = server::serve(
            listener,
            app(&application),
            limits,
            std::future::pending::<()>(),
        );
        let _ = tokio::join!(serving, delivery);
    });
    Ok((addr, handle))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

/// Runs a parsed command line; errors are printed as one line.
pub fn run(cli: Cli) -> ExitCode {
    match &cli.command {
        Some(Command::Openapi { v31 }) => {
            print!(
                "{}",
                if *v31 {
                    api::spec_json_31()
                } else {
                    api::spec_json()
                }
            );
            return ExitCode::SUCCESS;
        }
        // The verifier's commands need no settings, no database and no server.
        Some(Command::Verify(args)) => return cli::verify(args),
        Some(Command::Trust {
            action:
                TrustAction::Fetch {
                    base_url,
                    keys_out,
                    status_out,
                },
        }) => return cli::trust_fetch(base_url, keys_out, status_out),
        _ => {}
    }
    let settings = match Settings::from_env(cli.config.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invest-registry: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
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
    let text = |e: StartupError| e.to_string();
    match cli.command {
        None => serve_command(settings, cli.serve).await,
        Some(Command::Serve(args)) => {
            serve_command(
                settings,
                ServeArgs {
                    demo: args.demo || cli.serve.demo,
                },
            )
            .await
        }
        Some(Command::Demo) => {
            let application = Application::build(settings).await.map_err(text)?;
            let summary = demo::load(&application.state)
                .await
                .map_err(|e| e.to_string())?;
            println!("{summary}");
            if let Some(credentials) = summary.credentials() {
                eprintln!("{credentials}");
            }
            Ok(())
        }
        Some(Command::Migrate { action }) => migrate(&settings, action).await,
        Some(Command::Openapi { .. } | Command::Verify(_) | Command::Trust { .. }) => Ok(()),
        Some(Command::Users { action }) => {
            let application = Application::build(settings).await.map_err(text)?;
            cli::users(&application.state, action).await
        }
        Some(Command::Import(args)) => {
            let application = Application::build(settings).await.map_err(text)?;
            cli::import(&application.state, args).await
        }
        Some(Command::Keys { action }) => {
            let db = connect(&settings, settings.database_max_connections, true)
                .await
                .map_err(text)?;
            let dir = keys::development_key_dir(&settings.data_dir);
            cli::keys(&db, &dir, chrono::Utc::now(), action).await
        }
        Some(Command::Audit {
            action: AuditAction::Verify,
        }) => {
            // Reads only: no migration, no signing key.
            let db = connect(&settings, 2, false).await.map_err(text)?;
            cli::audit_verify(&db).await
        }
    }
}

async fn serve_command(settings: Settings, args: ServeArgs) -> Result<(), String> {
    let application = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    if args.demo {
        let summary = demo::load(&application.state)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(%summary, "demo data loaded");
        if let Some(credentials) = summary.credentials() {
            // Shown once, on the operator's terminal, never through the log.
            eprintln!("{credentials}");
        }
    }
    serve(application).await.map_err(|e| e.to_string())
}

async fn migrate(settings: &Settings, action: MigrateAction) -> Result<(), String> {
    let conn = connect(settings, 2, false)
        .await
        .map_err(|e| e.to_string())?;
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

//! Builds the application state and the HTTP app; the one place where everything is wired.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use poem::{
    Endpoint, EndpointExt, Route, Server,
    listener::{Acceptor, Listener, TcpListener},
};
use sea_orm::DatabaseConnection;

use crate::{
    api, api::middleware::Edge, api::rate_limit::RateLimit, certificate::issuer::Issuer,
    config::Settings, db, service::verification::KeyRing,
};

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The settings the service started with.
    pub settings: Arc<Settings>,
    /// Renders, seals and signs certificates with the loaded signing key.
    pub issuer: Issuer,
    /// The signing keys' public parts, for public verification.
    pub keys: KeyRing,
}

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
    /// The certificate renderer or the signing key could not be loaded.
    #[error("{0}")]
    Issuer(#[from] crate::certificate::issuer::IssuerError),
    /// Start-up data (bootstrap admin, demo data) could not be written.
    #[error("{0}")]
    Demo(String),
    /// The server stopped with an error.
    #[error("server: {0}")]
    Serve(std::io::Error),
}

impl AppState {
    /// Connects to the database and applies pending migrations.
    pub async fn connect(settings: Settings) -> Result<Self, StartupError> {
        let url = settings.database_url_redacted();
        let db = db::connect(&settings.database_url, settings.database_max_connections)
            .await
            .map_err(|source| StartupError::Database {
                url: url.clone(),
                source,
            })?;
        db::migrate_up(&db)
            .await
            .map_err(|source| StartupError::Database { url, source })?;
        match crate::service::users::bootstrap(&db, settings.bootstrap_admin_password.clone()).await
        {
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
                return Err(StartupError::Demo(format!(
                    "creating the bootstrap admin: {e}"
                )));
            }
        }
        let issuer = Issuer::new(&settings)?;
        register_key(&db, issuer.identity())
            .await
            .map_err(|e| StartupError::Demo(format!("registering the signing key: {e}")))?;
        if issuer.is_development() {
            tracing::warn!(
                key_id = %issuer.key_id_hex(),
                "signing with a generated DEVELOPMENT key: certificates are marked as such and have no legal value"
            );
        }
        let keys = KeyRing::default();
        keys.load(&db)
            .await
            .map_err(|e| StartupError::Demo(format!("loading the signing keys: {e}")))?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            issuer,
            keys,
        })
    }
}

/// Makes the loaded signing key known to every instance (its public part, chain and status).
pub async fn register_key(
    db: &DatabaseConnection,
    id: &crate::signing::keys::SigningIdentity,
) -> Result<(), sea_orm::DbErr> {
    db::signing_keys::register(
        db,
        &db::signing_keys::KeyRecord {
            key_id: id.key_id().to_hex(),
            status: crate::domain::certificate::KeyStatus::Active,
            development: id.is_development(),
            subject: id.subject_common_name(),
            not_before: id.not_before(),
            not_after: id.not_after(),
            public_key_pem: id.public_key_pem(),
            chain_pem: id.chain_pem(),
            status_reason: None,
            retired_at: None,
            compromised_at: None,
            created_at: chrono::Utc::now(),
        },
    )
    .await
    .map(|_| ())
}

/// The whole HTTP application.
pub fn app(state: AppState) -> impl Endpoint + 'static {
    let max_body = state.settings.max_body_bytes;
    let settings = state.settings.clone();
    let api = api::service();
    let spec_json = api.spec_endpoint();
    let spec_yaml = api.spec_endpoint_yaml();
    let docs = api.swagger_ui();
    let routes = crate::web::mount(Route::new())
        .at("/api/v1/openapi.json", spec_json)
        .at("/api/v1/openapi.yaml", spec_yaml)
        .nest("/docs", docs)
        .nest("/", api)
        .data(state);
    Edge::new(RateLimit::new(routes, &settings), max_body)
}

/// Binds the configured address and serves until SIGINT or SIGTERM, then lets requests in flight
/// finish within the grace period.
pub async fn serve(state: AppState) -> Result<(), StartupError> {
    let settings = state.settings.clone();
    let acceptor = TcpListener::bind(settings.bind_addr)
        .into_acceptor()
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
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app(state),
            shutdown_signal(),
            Some(Duration::from_secs(settings.shutdown_grace_seconds)),
        )
        .await
        .map_err(StartupError::Serve)?;
    tracing::info!("invest-registry stopped");
    Ok(())
}

/// Serves on an ephemeral loopback port in the background; for tests and benchmarks.
pub async fn spawn(state: AppState) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| std::io::Error::other("no local address"))?;
    let handle = tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(app(state)).await;
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

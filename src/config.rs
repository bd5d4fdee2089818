//! Settings from the environment, optionally from a TOML file first (the environment wins).
//!
//! Every setting is documented in the README. A bad setting stops start-up with one line naming it.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf};

use ipnet::IpNet;
use url::Url;

use crate::signing::keys::{KeySource, development_key_dir};

/// The service's settings, validated.
#[derive(Clone)]
pub struct Settings {
    /// Address to listen on (`BIND_ADDR`).
    pub bind_addr: SocketAddr,
    /// Database URL (`DATABASE_URL`); may hold a password, so never printed whole.
    pub database_url: String,
    /// Folder for the embedded database and generated development keys (`DATA_DIR`).
    pub data_dir: PathBuf,
    /// Public address of the service, used in links and QR codes (`PUBLIC_BASE_URL`).
    pub public_base_url: Url,
    /// Log filter, e.g. `info` or `invest_registry=debug,info` (`LOG_LEVEL`).
    pub log_level: String,
    /// Log format (`LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Largest accepted request body in bytes (`MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Database connection pool size (`DATABASE_MAX_CONNECTIONS`).
    pub database_max_connections: u32,
    /// Seconds to let requests in flight finish on shutdown (`SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace_seconds: u64,
    /// Seconds a client has to send a request head, and an idle kept-alive connection is kept
    /// (`HEADER_READ_TIMEOUT_SECONDS`).
    pub header_read_timeout_seconds: f64,
    /// Seconds a client has to send a request body (`BODY_READ_TIMEOUT_SECONDS`).
    pub body_read_timeout_seconds: f64,
    /// Connections one client may hold at once, 0 for no limit (`MAX_CONNECTIONS_PER_CLIENT`);
    /// trusted proxies are not limited.
    pub max_connections_per_client: usize,
    /// Connections the server holds at once (`MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Seconds a request waits for a database connection before it is answered 503
    /// (`DATABASE_ACQUIRE_TIMEOUT_SECONDS`).
    pub database_acquire_timeout_seconds: u64,
    /// Sign-in attempts a minute one client may make (`LOGIN_RATE_LIMIT_PER_MINUTE`); 0 turns
    /// the limit off.
    pub login_rate_limit_per_minute: u32,
    /// Password of the first `admin` on an empty installation (`BOOTSTRAP_ADMIN_PASSWORD`);
    /// generated and printed once when absent. Never printed by `Debug`.
    pub bootstrap_admin_password: Option<String>,
    /// Lifetime of a staff session token in minutes (`TOKEN_TTL_MINUTES`).
    pub token_ttl_minutes: u64,
    /// Leading digits of locally allocated project codes (`PROJECT_CODE_PREFIX`).
    pub project_code_prefix: String,
    /// Longest operating duration in years inside a zone (`MAX_DURATION_YEARS_IN_ZONE`) and
    /// outside (`MAX_DURATION_YEARS_OUTSIDE`); Law on Investment Art. 44.
    pub duration_limits: crate::domain::project::DurationLimits,
    /// The body issuing certificates, printed top left (`ISSUING_BODY_NAME`, upper case).
    pub issuing_body_name: String,
    /// Its superior body, printed above it (`ISSUING_BODY_SUPERIOR`, upper case).
    pub issuing_body_superior: String,
    /// Place name in the certificates' date line (`ISSUING_PLACE`).
    pub issuing_place: String,
    /// Where the signing key comes from.
    pub signing_key: KeySource,
    /// Requests per minute one client may make to the public endpoints, per instance
    /// (`PUBLIC_RATE_LIMIT_PER_MINUTE`); 0 turns the limit off.
    pub public_rate_limit_per_minute: u32,
    /// Requests a client may make at once before the per-minute pace applies
    /// (`PUBLIC_RATE_LIMIT_BURST`).
    pub public_rate_limit_burst: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, comma-separated
    /// addresses or CIDR blocks); empty by default, so the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a downloaded status bundle may be used, in hours
    /// (`STATUS_BUNDLE_MAX_AGE_HOURS`).
    pub status_bundle_max_age_hours: u32,
    /// How many days of changes the change feed serves (`FEED_RETENTION_DAYS`); a consumer whose
    /// cursor is older must start again from a snapshot.
    pub feed_retention_days: u32,
    /// The unit code at the head of receipt codes `UNIT-YYMMDD-NNNN` (`RECEIPT_UNIT_CODE`).
    pub receipt_unit_code: String,
    /// Largest attachment, in bytes (`MAX_ATTACHMENT_BYTES`).
    pub max_attachment_bytes: usize,
    /// Most files one dossier may hold (`MAX_ATTACHMENTS_PER_DOSSIER`).
    pub max_attachments_per_dossier: usize,
    /// Largest request body of the upload operations (a submission with its files), in bytes
    /// (`MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: usize,
    /// How webhook deliveries are made.
    pub webhooks: WebhookSettings,
}

/// How webhook deliveries are made (`WEBHOOK_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether endpoints may be plain `http` (`WEBHOOK_ALLOW_HTTP`, default false): for
    /// receivers inside the province's network only.
    pub allow_http: bool,
    /// Deliveries one instance makes at once, to different endpoints (`WEBHOOK_WORKERS`,
    /// default 2; 0 leaves delivery to other instances).
    pub workers: usize,
    /// Longest wait for an endpoint's answer (`WEBHOOK_TIMEOUT_SECONDS`, default 10).
    pub timeout_seconds: u64,
    /// How long an instance's claim on an endpoint lasts without renewal
    /// (`WEBHOOK_LEASE_SECONDS`, default 60; more than the timeout).
    pub lease_seconds: u64,
    /// How often an idle instance looks for due endpoints (`WEBHOOK_POLL_INTERVAL_MS`,
    /// default 1000).
    pub poll_interval_ms: u64,
    /// The wait after a first failure, doubled after each further one
    /// (`WEBHOOK_RETRY_BASE_MS`, default 5000).
    pub retry_base_ms: u64,
    /// The longest wait between attempts (`WEBHOOK_RETRY_MAX_SECONDS`, default 3600).
    pub retry_max_seconds: u64,
    /// Failures in a row after which an endpoint is paused (`WEBHOOK_PAUSE_AFTER`, default 15:
    /// about a day of retries with the default waits).
    pub pause_after: u32,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A setting that could not be used. Displays as one line naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {setting}: {message}")]
pub struct ConfigError {
    /// The environment variable (or TOML key in upper case) at fault.
    pub setting: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    fn new(setting: &str, message: impl Into<String>) -> Self {
        Self {
            setting: setting.to_owned(),
            message: message.into(),
        }
    }
}

/// Every setting name, so a typo in the TOML file is reported rather than ignored.
const KNOWN: &[&str] = &[
    "BIND_ADDR",
    "DATABASE_URL",
    "DATA_DIR",
    "PUBLIC_BASE_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "MAX_BODY_BYTES",
    "DATABASE_MAX_CONNECTIONS",
    "SHUTDOWN_GRACE_SECONDS",
    "BOOTSTRAP_ADMIN_PASSWORD",
    "TOKEN_TTL_MINUTES",
    "PROJECT_CODE_PREFIX",
    "MAX_DURATION_YEARS_IN_ZONE",
    "MAX_DURATION_YEARS_OUTSIDE",
    "ISSUING_BODY_NAME",
    "ISSUING_BODY_SUPERIOR",
    "ISSUING_PLACE",
    "SIGNING_KEY_FILE",
    "SIGNING_CHAIN_FILE",
    "SIGNING_PKCS12_FILE",
    "SIGNING_PKCS12_PASSWORD",
    "PUBLIC_RATE_LIMIT_PER_MINUTE",
    "PUBLIC_RATE_LIMIT_BURST",
    "TRUSTED_PROXIES",
    "STATUS_BUNDLE_MAX_AGE_HOURS",
    "FEED_RETENTION_DAYS",
    "HEADER_READ_TIMEOUT_SECONDS",
    "BODY_READ_TIMEOUT_SECONDS",
    "MAX_CONNECTIONS_PER_CLIENT",
    "MAX_CONNECTIONS",
    "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
    "LOGIN_RATE_LIMIT_PER_MINUTE",
    "RECEIPT_UNIT_CODE",
    "MAX_ATTACHMENT_BYTES",
    "MAX_ATTACHMENTS_PER_DOSSIER",
    "MAX_UPLOAD_BYTES",
    "WEBHOOK_ALLOW_HTTP",
    "WEBHOOK_WORKERS",
    "WEBHOOK_TIMEOUT_SECONDS",
    "WEBHOOK_LEASE_SECONDS",
    "WEBHOOK_POLL_INTERVAL_MS",
    "WEBHOOK_RETRY_BASE_MS",
    "WEBHOOK_RETRY_MAX_SECONDS",
    "WEBHOOK_PAUSE_AFTER",
];

impl Settings {
    /// Reads the process environment, after the TOML file named by `CONFIG_FILE` (or `file`).
    pub fn from_env(file: Option<PathBuf>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| KNOWN.contains(&k.as_str()) || k == "CONFIG_FILE")
            .collect();
        let file = file.or_else(|| env.get("CONFIG_FILE").map(PathBuf::from));
        let file_text = match &file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new(
                    "CONFIG_FILE",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?),
            None => None,
        };
        Self::from_sources(file_text.as_deref(), &env)
    }

    /// Builds settings from an optional TOML text and a map of environment variables.
    pub fn from_sources(
        toml_text: Option<&str>,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut values: HashMap<String, String> = HashMap::new();
        if let Some(text) = toml_text {
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                ConfigError::new("CONFIG_FILE", e.message().to_owned())
            })?;
            for (key, value) in table {
                let name = key.to_ascii_uppercase();
                if !KNOWN.contains(&name.as_str()) {
                    return Err(ConfigError::new(
                        &name,
                        "unknown setting in the configuration file",
                    ));
                }
                let text = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    other => {
                        return Err(ConfigError::new(
                            &name,
                            format!(
                                "expected a string or an integer, found {}",
                                other.type_str()
                            ),
                        ));
                    }
                };
                values.insert(name, text);
            }
        }
        for (k, v) in env {
            if KNOWN.contains(&k.as_str()) {
                values.insert(k.clone(), v.clone());
            }
        }
        let get = |name: &str| values.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());

        let bind_addr: SocketAddr = match get("BIND_ADDR") {
            Some(v) => v.parse().map_err(|_| {
                ConfigError::new(
                    "BIND_ADDR",
                    format!("'{v}' is not an address like 127.0.0.1:8080"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or("./data"));
        let database_url = match get("DATABASE_URL") {
            Some(v) => {
                if !(v.starts_with("sqlite:")
                    || v.starts_with("postgres://")
                    || v.starts_with("postgresql://"))
                {
                    return Err(ConfigError::new(
                        "DATABASE_URL",
                        "must start with sqlite:, postgres:// or postgresql://",
                    ));
                }
                v.to_owned()
            }
            None => default_sqlite_url(&data_dir),
        };
        let public_base_url = match get("PUBLIC_BASE_URL") {
            Some(v) => parse_base_url(v)?,
            None => parse_base_url(&format!("http://{bind_addr}"))?,
        };
        let log_level = get("LOG_LEVEL").unwrap_or("info").to_owned();
        tracing_subscriber::EnvFilter::try_new(&log_level).map_err(|e| {
            ConfigError::new(
                "LOG_LEVEL",
                format!("'{log_level}' is not a log filter: {e}"),
            )
        })?;
        let log_format = match get("LOG_FORMAT").unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("'{other}' is not text or json"),
                ));
            }
        };
        let max_body_bytes = parse_number(
            get("MAX_BODY_BYTES"),
            "MAX_BODY_BYTES",
            1024 * 1024,
            1024,
            256 * 1024 * 1024,
        )?;
        let database_max_connections = parse_number(
            get("DATABASE_MAX_CONNECTIONS"),
            "DATABASE_MAX_CONNECTIONS",
            10,
            1,
            1000,
        )?;
        let shutdown_grace_seconds = parse_number(
            get("SHUTDOWN_GRACE_SECONDS"),
            "SHUTDOWN_GRACE_SECONDS",
            10,
            0,
            3600,
        )?;
        let header_read_timeout_seconds = parse_number(
            get("HEADER_READ_TIMEOUT_SECONDS"),
            "HEADER_READ_TIMEOUT_SECONDS",
            15.0,
            0.05,
            3600.0,
        )?;
        let body_read_timeout_seconds = parse_number(
            get("BODY_READ_TIMEOUT_SECONDS"),
            "BODY_READ_TIMEOUT_SECONDS",
            30.0,
            0.05,
            3600.0,
        )?;
        let max_connections_per_client = parse_number(
            get("MAX_CONNECTIONS_PER_CLIENT"),
            "MAX_CONNECTIONS_PER_CLIENT",
            64,
            0,
            1_000_000,
        )?;
        let max_connections = parse_number(
            get("MAX_CONNECTIONS"),
            "MAX_CONNECTIONS",
            2048,
            16,
            1_000_000,
        )?;
        let database_acquire_timeout_seconds = parse_number(
            get("DATABASE_ACQUIRE_TIMEOUT_SECONDS"),
            "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
            3,
            1,
            600,
        )?;
        let login_rate_limit_per_minute = parse_number(
            get("LOGIN_RATE_LIMIT_PER_MINUTE"),
            "LOGIN_RATE_LIMIT_PER_MINUTE",
            20,
            0,
            1_000_000,
        )?;
        let receipt_unit_code = get("RECEIPT_UNIT_CODE")
            .unwrap_or("BQLKKT")
            .trim()
            .to_owned();
        if !crate::domain::dossier::check_unit_code(&receipt_unit_code) {
            return Err(ConfigError::new(
                "RECEIPT_UNIT_CODE",
                "must be 1-16 upper-case letters, digits, `.` or `_` (no hyphen: it separates the parts of a receipt code)",
            ));
        }
        let max_attachment_bytes = parse_number(
            get("MAX_ATTACHMENT_BYTES"),
            "MAX_ATTACHMENT_BYTES",
            10 * 1024 * 1024,
            1024,
            256 * 1024 * 1024,
        )?;
        let max_attachments_per_dossier = parse_number(
            get("MAX_ATTACHMENTS_PER_DOSSIER"),
            "MAX_ATTACHMENTS_PER_DOSSIER",
            30,
            1,
            1000,
        )?;
        let max_upload_bytes = parse_number(
            get("MAX_UPLOAD_BYTES"),
            "MAX_UPLOAD_BYTES",
            32 * 1024 * 1024,
            1024,
            1024 * 1024 * 1024,
        )?;
        let bootstrap_admin_password = get("BOOTSTRAP_ADMIN_PASSWORD").map(str::to_owned);
        if let Some(p) = &bootstrap_admin_password
            && p.chars().count() < 12
        {
            return Err(ConfigError::new(
                "BOOTSTRAP_ADMIN_PASSWORD",
                "must be at least 12 characters",
            ));
        }
        let token_ttl_minutes = parse_number(
            get("TOKEN_TTL_MINUTES"),
            "TOKEN_TTL_MINUTES",
            480,
            1,
            7 * 24 * 60,
        )?;
        let project_code_prefix = get("PROJECT_CODE_PREFIX").unwrap_or("99").to_owned();
        if !(1..=4).contains(&project_code_prefix.len())
            || !project_code_prefix.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(ConfigError::new(
                "PROJECT_CODE_PREFIX",
                "must be 1 to 4 digits",
            ));
        }
        let duration_limits = crate::domain::project::DurationLimits {
            in_zone: parse_number(
                get("MAX_DURATION_YEARS_IN_ZONE"),
                "MAX_DURATION_YEARS_IN_ZONE",
                70,
                1,
                99,
            )?,
            outside: parse_number(
                get("MAX_DURATION_YEARS_OUTSIDE"),
                "MAX_DURATION_YEARS_OUTSIDE",
                50,
                1,
                99,
            )?,
        };
        let issuing_body_name = get("ISSUING_BODY_NAME")
            .unwrap_or("BAN QUẢN LÝ KHU KINH TẾ")
            .to_uppercase();
        let issuing_body_superior = get("ISSUING_BODY_SUPERIOR")
            .unwrap_or("UBND TỈNH QUẢNG TRỊ")
            .to_uppercase();
        let issuing_place = get("ISSUING_PLACE").unwrap_or("Quảng Trị").to_owned();
        let status_bundle_max_age_hours = parse_number(
            get("STATUS_BUNDLE_MAX_AGE_HOURS"),
            "STATUS_BUNDLE_MAX_AGE_HOURS",
            24,
            1,
            720,
        )?;
        let feed_retention_days = parse_number(
            get("FEED_RETENTION_DAYS"),
            "FEED_RETENTION_DAYS",
            90,
            1,
            36_500,
        )?;
        let signing_key = match (
            get("SIGNING_KEY_FILE"),
            get("SIGNING_CHAIN_FILE"),
            get("SIGNING_PKCS12_FILE"),
        ) {
            (None, None, None) => KeySource::Development {
                dir: development_key_dir(&data_dir),
            },
            (Some(key), Some(chain), None) => KeySource::Pem {
                key: PathBuf::from(key),
                chain: PathBuf::from(chain),
            },
            (None, None, Some(file)) => KeySource::Pkcs12 {
                file: PathBuf::from(file),
                password: get("SIGNING_PKCS12_PASSWORD").unwrap_or("").to_owned(),
            },
            (_, _, Some(_)) => {
                return Err(ConfigError::new(
                    "SIGNING_PKCS12_FILE",
                    "give either SIGNING_PKCS12_FILE or SIGNING_KEY_FILE with SIGNING_CHAIN_FILE, not both",
                ));
            }
            (Some(_), None, None) => {
                return Err(ConfigError::new(
                    "SIGNING_CHAIN_FILE",
                    "is required with SIGNING_KEY_FILE (the certificate chain, leaf first)",
                ));
            }
            (None, Some(_), None) => {
                return Err(ConfigError::new(
                    "SIGNING_KEY_FILE",
                    "is required with SIGNING_CHAIN_FILE",
                ));
            }
        };
        let public_rate_limit_per_minute = parse_number(
            get("PUBLIC_RATE_LIMIT_PER_MINUTE"),
            "PUBLIC_RATE_LIMIT_PER_MINUTE",
            120,
            0,
            1_000_000,
        )?;
        let public_rate_limit_burst = parse_number(
            get("PUBLIC_RATE_LIMIT_BURST"),
            "PUBLIC_RATE_LIMIT_BURST",
            30,
            1,
            1_000_000,
        )?;
        let trusted_proxies = parse_networks(get("TRUSTED_PROXIES").unwrap_or(""))?;
        let webhooks = WebhookSettings {
            allow_http: parse_bool(get("WEBHOOK_ALLOW_HTTP"), "WEBHOOK_ALLOW_HTTP", false)?,
            workers: parse_number(get("WEBHOOK_WORKERS"), "WEBHOOK_WORKERS", 2, 0, 64)?,
            timeout_seconds: parse_number(
                get("WEBHOOK_TIMEOUT_SECONDS"),
                "WEBHOOK_TIMEOUT_SECONDS",
                10,
                1,
                300,
            )?,
            lease_seconds: parse_number(
                get("WEBHOOK_LEASE_SECONDS"),
                "WEBHOOK_LEASE_SECONDS",
                60,
                2,
                3600,
            )?,
            poll_interval_ms: parse_number(
                get("WEBHOOK_POLL_INTERVAL_MS"),
                "WEBHOOK_POLL_INTERVAL_MS",
                1000,
                10,
                600_000,
            )?,
            retry_base_ms: parse_number(
                get("WEBHOOK_RETRY_BASE_MS"),
                "WEBHOOK_RETRY_BASE_MS",
                5000,
                10,
                3_600_000,
            )?,
            retry_max_seconds: parse_number(
                get("WEBHOOK_RETRY_MAX_SECONDS"),
                "WEBHOOK_RETRY_MAX_SECONDS",
                3600,
                1,
                604_800,
            )?,
            pause_after: parse_number(
                get("WEBHOOK_PAUSE_AFTER"),
                "WEBHOOK_PAUSE_AFTER",
                15,
                1,
                1000,
            )?,
        };
        if webhooks.lease_seconds <= webhooks.timeout_seconds {
            return Err(ConfigError::new(
                "WEBHOOK_LEASE_SECONDS",
                "must be more than WEBHOOK_TIMEOUT_SECONDS, or a slow delivery could outlive its claim",
            ));
        }
        Ok(Self {
            webhooks,
            public_rate_limit_per_minute,
            public_rate_limit_burst,
            trusted_proxies,
            issuing_body_name,
            issuing_body_superior,
            issuing_place,
            signing_key,
            status_bundle_max_age_hours,
            feed_retention_days,
            project_code_prefix,
            duration_limits,
            bootstrap_admin_password,
            token_ttl_minutes,
            bind_addr,
            database_url,
            data_dir,
            public_base_url,
            log_level,
            log_format,
            max_body_bytes,
            database_max_connections,
            shutdown_grace_seconds,
            header_read_timeout_seconds,
            body_read_timeout_seconds,
            max_connections_per_client,
            max_connections,
            database_acquire_timeout_seconds,
            login_rate_limit_per_minute,
            receipt_unit_code,
            max_attachment_bytes,
            max_attachments_per_dossier,
            max_upload_bytes,
        })
    }

    /// True when the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The database URL with any password replaced, safe to log.
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind_addr", &self.bind_addr)
            .field("database_url", &self.database_url_redacted())
            .field("data_dir", &self.data_dir)
            .field("public_base_url", &self.public_base_url.as_str())
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("database_max_connections", &self.database_max_connections)
            .field("token_ttl_minutes", &self.token_ttl_minutes)
            .field(
                "public_rate_limit_per_minute",
                &self.public_rate_limit_per_minute,
            )
            .field("public_rate_limit_burst", &self.public_rate_limit_burst)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "status_bundle_max_age_hours",
                &self.status_bundle_max_age_hours,
            )
            .field("feed_retention_days", &self.feed_retention_days)
            .field("webhooks", &self.webhooks)
            .finish_non_exhaustive()
    }
}

/// The embedded default: a SQLite file in the data folder, created on first run.
pub fn default_sqlite_url(data_dir: &std::path::Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("registry.sqlite").display()
    )
}

fn parse_base_url(v: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(v)
        .map_err(|e| ConfigError::new("PUBLIC_BASE_URL", format!("'{v}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(
            "PUBLIC_BASE_URL",
            "must be an http or https URL with a host",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            "PUBLIC_BASE_URL",
            "must not have a query or fragment",
        ));
    }
    Ok(url)
}

/// Comma-separated addresses (`10.0.0.7`, `::1`) or CIDR blocks (`10.0.0.0/8`); a bare address
/// is a block of one. Addresses are kept in canonical form, so an IPv4-mapped IPv6 address names
/// the IPv4 one.
fn parse_networks(v: &str) -> Result<Vec<IpNet>, ConfigError> {
    v.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item
                    .parse::<std::net::IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| {
                        ConfigError::new(
                            "TRUSTED_PROXIES",
                            format!(
                                "'{item}' is not an IP address or a CIDR block like 10.0.0.0/8"
                            ),
                        )
                    })?,
            };
            // An IPv4-mapped block (`::ffff:10.0.0.0/104`) names IPv4 peers, which the limiter
            // sees in their IPv4 form.
            Ok(match (net.addr().to_canonical(), net.prefix_len()) {
                (std::net::IpAddr::V4(v4), len) if net.addr().is_ipv6() && len >= 96 => {
                    IpNet::new(v4.into(), len - 96).unwrap_or(net).trunc()
                }
                _ => net.trunc(),
            })
        })
        .collect()
}

fn parse_number<T>(
    v: Option<&str>,
    name: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match v {
        None => Ok(default),
        Some(text) => match text.parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(ConfigError::new(
                name,
                format!("'{text}' is not a whole number from {min} to {max}"),
            )),
        },
    }
}

fn parse_bool(v: Option<&str>, name: &str, default: bool) -> Result<bool, ConfigError> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError::new(
            name,
            format!("'{other}' is not true or false"),
        )),
    }
}

fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = Settings::from_sources(None, &env(&[])).unwrap();
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://./data/registry.sqlite?mode=rwc");
        assert_eq!(s.public_base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.status_bundle_max_age_hours, 24);
        assert!(s.is_sqlite());
    }

    #[test]
    fn the_status_bundle_max_age_is_one_hour_to_thirty_days() {
        for (text, hours) in [("1", 1), ("72", 72), ("720", 720)] {
            let s = Settings::from_sources(None, &env(&[("STATUS_BUNDLE_MAX_AGE_HOURS", text)]))
                .unwrap();
            assert_eq!(s.status_bundle_max_age_hours, hours);
        }
        let s =
            Settings::from_sources(Some("status_bundle_max_age_hours = 48"), &env(&[])).unwrap();
        assert_eq!(s.status_bundle_max_age_hours, 48);
        for bad in ["0", "721", "-1", "a day"] {
            let err = Settings::from_sources(None, &env(&[("STATUS_BUNDLE_MAX_AGE_HOURS", bad)]))
                .unwrap_err();
            assert_eq!(err.setting, "STATUS_BUNDLE_MAX_AGE_HOURS");
        }
    }

    #[test]
    fn environment_overrides_the_file() {
        let s = Settings::from_sources(
            Some("bind_addr = \"0.0.0.0:9000\"\nmax_body_bytes = 2048\n"),
            &env(&[("BIND_ADDR", "127.0.0.1:9001")]),
        )
        .unwrap();
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:9001");
        assert_eq!(s.max_body_bytes, 2048);
    }

    #[test]
    fn bad_settings_are_named_in_one_line() {
        let cases = [
            (env(&[("BIND_ADDR", "nowhere")]), "BIND_ADDR"),
            (env(&[("DATABASE_URL", "mysql://x")]), "DATABASE_URL"),
            (env(&[("PUBLIC_BASE_URL", "ftp://x")]), "PUBLIC_BASE_URL"),
            (env(&[("LOG_FORMAT", "xml")]), "LOG_FORMAT"),
            (env(&[("LOG_LEVEL", "[[[")]), "LOG_LEVEL"),
            (env(&[("MAX_BODY_BYTES", "-1")]), "MAX_BODY_BYTES"),
            (
                env(&[("PUBLIC_RATE_LIMIT_PER_MINUTE", "-5")]),
                "PUBLIC_RATE_LIMIT_PER_MINUTE",
            ),
            (
                env(&[("PUBLIC_RATE_LIMIT_PER_MINUTE", "lots")]),
                "PUBLIC_RATE_LIMIT_PER_MINUTE",
            ),
            (
                env(&[("PUBLIC_RATE_LIMIT_BURST", "0")]),
                "PUBLIC_RATE_LIMIT_BURST",
            ),
            (
                env(&[("TRUSTED_PROXIES", "10.0.0.1, proxy")]),
                "TRUSTED_PROXIES",
            ),
            (
                env(&[("TRUSTED_PROXIES", "10.0.0.0/33")]),
                "TRUSTED_PROXIES",
            ),
        ];
        for (e, name) in cases {
            let err = Settings::from_sources(None, &e).unwrap_err();
            assert_eq!(err.setting, name);
            assert!(!err.to_string().contains('\n'));
        }
        let err = Settings::from_sources(Some("bind_adr = \"x\""), &env(&[])).unwrap_err();
        assert_eq!(err.setting, "BIND_ADR");
    }

    #[test]
    fn passwords_are_never_printed() {
        let s = Settings::from_sources(
            None,
            &env(&[("DATABASE_URL", "postgres://app:s3cret@db/registry")]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("s3cret"));
        assert!(printed.contains("***"));
    }

    #[test]
    fn public_limits_default_to_120_a_minute_with_a_burst_of_30_and_no_trusted_proxy() {
        let s = Settings::from_sources(None, &env(&[])).unwrap();
        assert_eq!(s.public_rate_limit_per_minute, 120);
        assert_eq!(s.public_rate_limit_burst, 30);
        assert!(s.trusted_proxies.is_empty());
    }

    #[test]
    fn a_zero_rate_turns_the_public_limit_off() {
        let s =
            Settings::from_sources(None, &env(&[("PUBLIC_RATE_LIMIT_PER_MINUTE", "0")])).unwrap();
        assert_eq!(s.public_rate_limit_per_minute, 0);
    }

    #[test]
    fn trusted_proxies_take_addresses_and_blocks_in_canonical_form() {
        let s = Settings::from_sources(
            Some("trusted_proxies = \"10.0.0.0/8\"\n"),
            &env(&[(
                "TRUSTED_PROXIES",
                " 10.1.2.3/16, 192.0.2.7 ,, 2001:db8::/32, ::ffff:198.51.100.0/120, ::1 ",
            )]),
        )
        .unwrap();
        let shown: Vec<String> = s.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "10.1.0.0/16",
                "192.0.2.7/32",
                "2001:db8::/32",
                "198.51.100.0/24",
                "::1/128"
            ]
        );
        let printed = format!("{s:?}");
        assert!(printed.contains("192.0.2.7/32"), "{printed}");
        assert!(
            printed.contains("public_rate_limit_per_minute: 120"),
            "{printed}"
        );
    }
}

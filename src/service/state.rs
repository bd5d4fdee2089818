//! The application state: what every use case and every request handler can reach. It is built
//! once by `startup` and shared by the HTTP API, the web pages and the command line.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::{clock::SharedClock, verification::KeyRing};
use crate::{certificate::issuer::Issuer, domain::project::DurationLimits};

/// The parts of the configuration that use cases and handlers act on (the rest, such as the bind
/// address, concerns only `startup`).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Leading digits of project codes allocated here (`PROJECT_CODE_PREFIX`).
    pub project_code_prefix: String,
    /// Longest operating durations of projects, in and outside zones.
    pub duration_limits: DurationLimits,
    /// Lifetime of a staff sign-in token, in minutes.
    pub token_ttl_minutes: u64,
    /// How long a status bundle may be used by offline verifiers, in hours.
    pub status_bundle_max_age_hours: u32,
    /// Largest accepted request body, in bytes (shown on the upload form).
    pub max_body_bytes: usize,
    /// The unit code at the head of receipt codes.
    pub receipt_unit_code: String,
    /// What an attachment may be: size, inflated size, pixels, pages.
    pub attachment_limits: crate::files::Limits,
    /// Most files one dossier may hold.
    pub max_attachments: usize,
    /// Largest request body of the upload operations, in bytes.
    pub max_upload_bytes: usize,
    /// How many days of changes the change feed serves.
    pub feed_retention_days: u32,
}

/// What every request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// What the configuration says use cases must respect.
    pub policy: Arc<Policy>,
    /// Renders, seals and signs certificates with the loaded signing key.
    pub issuer: Issuer,
    /// The signing keys' public parts, for public verification.
    pub keys: KeyRing,
    /// The time: the system's clock, or a manual one in tests.
    pub clock: SharedClock,
    /// How webhooks are registered and delivered.
    pub webhooks: Arc<super::webhooks::WebhookSettings>,
}

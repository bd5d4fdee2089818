//! Use cases. Each opens and commits its own transaction and returns `Result<_, ServiceError>`.

pub mod api_keys;
pub mod audit;
pub mod certificates;
pub mod clock;
pub mod dossier_documents;
pub mod dossier_stats;
pub mod dossiers;
pub mod error;
pub mod feed;
pub mod health;
pub mod imports;
pub mod investors;
pub mod keys;
pub mod leases;
pub mod lifecycle;
pub mod offline;
pub mod parcels;
pub mod procedures;
pub mod projects;
pub mod state;
pub mod stats;
pub mod status_list;
pub mod users;
pub mod verification;
pub mod webhooks;
pub mod zones;

use uuid::Uuid;

use crate::domain::Violations;

pub use error::ServiceError;

/// The database handle use cases take (a pool, or a connection the caller opened).
pub type Db = sea_orm::DatabaseConnection;
pub use state::{AppState, Policy};

/// What an update's `If-Match` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match` was sent.
    Missing,
    /// `If-Match: *`: any current version.
    Any,
    /// One or more strong ETags: the row must be at one of these versions.
    Versions(Vec<i32>),
}

impl Precondition {
    /// Checks the row's current version; `etag` renders it for the error.
    pub fn check(&self, current: i32) -> Result<(), ServiceError> {
        match self {
            Precondition::Missing => Err(ServiceError::PreconditionRequired),
            Precondition::Any => Ok(()),
            Precondition::Versions(v) if v.contains(&current) => Ok(()),
            Precondition::Versions(_) => Err(ServiceError::PreconditionFailed {
                current: etag(current),
            }),
        }
    }
}

/// The strong ETag of a row version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// One page of a list, with the key to continue after it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// The id to continue after, when more rows follow.
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub(crate) fn from_overfetch(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_after = if more { rows.last().map(&id) } else { None };
        Self {
            items: rows,
            next_after,
        }
    }
}

/// Turns collected violations into a validation error.
pub(crate) fn finish(v: Violations) -> Result<(), ServiceError> {
    v.finish().map_err(ServiceError::Validation)
}

/// Appends the audit event of a change to `entity_type` in the caller's transaction.
pub(crate) async fn record(
    conn: &impl sea_orm::ConnectionTrait,
    ctx: &crate::domain::auth::Context,
    action: &str,
    entity_type: &str,
    id: impl std::fmt::Display,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<(), ServiceError> {
    crate::db::audit::append(
        conn,
        ctx,
        crate::db::audit::NewEvent {
            action,
            entity_type,
            entity_id: id.to_string(),
            before,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

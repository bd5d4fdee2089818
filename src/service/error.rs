//! The one error type the API layer sees from the service layer.

use crate::domain::FieldViolation;

/// What went wrong in a use case. The API layer maps each variant to one HTTP status, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The addressed resource does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of resource, e.g. "zone".
        entity: &'static str,
        /// The identifier that was asked for.
        id: String,
    },
    /// A query, path or header parameter is malformed.
    #[error("parameter {name} is invalid: {message}")]
    BadParameter {
        /// The parameter as the client named it.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The input breaks one or more rules; nothing was changed.
    #[error("validation failed")]
    Validation(Vec<FieldViolation>),
    /// The request conflicts with the current state (duplicate code, state machine).
    #[error("{detail}")]
    Conflict {
        /// What conflicts, for people.
        detail: String,
        /// The fields involved, if any.
        violations: Vec<FieldViolation>,
        /// The id of the existing record the request collides with, when there is one.
        existing_id: Option<String>,
    },
    /// No valid credentials: missing, wrong, expired or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts; retry after {retry_after} s")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// An update carried no `If-Match` header.
    #[error("If-Match header is required")]
    PreconditionRequired,
    /// An update carried an `If-Match` that is no longer current.
    #[error("the resource has changed since it was read (current ETag {current})")]
    PreconditionFailed {
        /// The current ETag, so the client can re-read.
        current: String,
    },
    /// A question could not be answered now (the database did not answer); the cause is logged.
    /// Public verification answers this instead of a verdict, so an outage never reads as "not
    /// genuine".
    #[error("temporarily unavailable")]
    DatabaseDown(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The service cannot do this now for a reason the operator must fix (for example its
    /// signing key is not active); another instance or a later retry may succeed.
    #[error("{0}")]
    Unavailable(String),
    /// What was asked for is no longer kept (a feed cursor older than the retention).
    #[error("{0}")]
    Gone(String),
    /// A dependency (database) is unavailable or failed; the cause is logged, never shown.
    #[error("unexpected failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ServiceError {
    /// A validation failure of one field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldViolation::new(field, code, message)])
    }

    /// A conflict with the current state, explained in `detail`.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            violations: Vec::new(),
            existing_id: None,
        }
    }

    /// A not-found error for an entity addressed by a uuid.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::db::is_unavailable(&err) {
            Self::DatabaseDown(Box::new(err))
        } else {
            Self::Unexpected(Box::new(err))
        }
    }
}

impl From<sea_orm::TransactionError<ServiceError>> for ServiceError {
    fn from(err: sea_orm::TransactionError<ServiceError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

//! Whether this instance can serve: the database answers.

use sea_orm::DatabaseConnection;

use super::ServiceError;
use crate::db;

/// Asks the database a trivial question; an error means the instance is not ready.
pub async fn ready(db: &DatabaseConnection) -> Result<(), ServiceError> {
    db::ping(db)
        .await
        .map_err(|e| ServiceError::DatabaseDown(Box::new(e)))
}

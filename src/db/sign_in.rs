//! Failed sign-ins per account name and client.

use chrono::{DateTime, Utc};
use entity::sign_in_attempt;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};

/// The failures of one name from one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    /// Failures since the last success or lock.
    pub failures: i32,
    /// The client may not try this name again before then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The failures of a name from a client; none recorded is zero.
pub async fn find(
    conn: &impl ConnectionTrait,
    username_key: &str,
    client_key: &str,
) -> Result<Attempts, DbErr> {
    Ok(
        sign_in_attempt::Entity::find_by_id((username_key.to_owned(), client_key.to_owned()))
            .one(conn)
            .await?
            .map(|m| Attempts {
                failures: m.failures,
                locked_until: m.locked_until,
            })
            .unwrap_or_default(),
    )
}

/// Writes the failures of a name from a client.
pub async fn record(
    conn: &impl ConnectionTrait,
    username_key: &str,
    client_key: &str,
    attempts: Attempts,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let am = sign_in_attempt::ActiveModel {
        username_key: Set(username_key.to_owned()),
        client_key: Set(client_key.to_owned()),
        failures: Set(attempts.failures),
        locked_until: Set(attempts.locked_until),
        updated_at: Set(now),
    };
    sign_in_attempt::Entity::insert(am)
        .on_conflict(
            OnConflict::columns([
                sign_in_attempt::Column::UsernameKey,
                sign_in_attempt::Column::ClientKey,
            ])
            .update_columns([
                sign_in_attempt::Column::Failures,
                sign_in_attempt::Column::LockedUntil,
                sign_in_attempt::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Forgets the failures of a name from one client (it signed in).
pub async fn clear(
    conn: &impl ConnectionTrait,
    username_key: &str,
    client_key: &str,
) -> Result<(), DbErr> {
    sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::UsernameKey.eq(username_key))
        .filter(sign_in_attempt::Column::ClientKey.eq(client_key))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Forgets the failures of a name from every client (an administrator reset its password).
pub async fn clear_all(conn: &impl ConnectionTrait, username_key: &str) -> Result<(), DbErr> {
    sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::UsernameKey.eq(username_key))
        .exec(conn)
        .await
        .map(|_| ())
}

//! Staff accounts and their sessions.

use chrono::{DateTime, Utc};
use entity::{session, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::auth::{Role, User, format_roles, parse_roles};

/// A user with the stored password hash, for sign-in only.
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Argon2 PHC string.
    pub password_hash: String,
}

fn to_user(m: user::Model) -> Result<Credentials, DbErr> {
    let roles = parse_roles(&m.roles).map_err(|_| corrupt("users", "roles", &m.roles))?;
    Ok(Credentials {
        user: User {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            roles,
            disabled: m.disabled,
            failed_logins: m.failed_logins,
            locked_until: m.locked_until,
            signing_title: m.signing_title,
            signing_capacity: m.signing_capacity,
            version: m.version,
            created_at: m.created_at,
        },
        password_hash: m.password_hash,
    })
}

/// An account to insert.
pub struct NewAccount<'a> {
    /// Account id.
    pub id: Uuid,
    /// Login name.
    pub username: &'a str,
    /// Full name.
    pub display_name: &'a str,
    /// Argon2 PHC string.
    pub password_hash: &'a str,
    /// Roles.
    pub roles: &'a [Role],
    /// Signature-block title, e.g. "PHÓ TRƯỞNG BAN".
    pub signing_title: Option<&'a str>,
    /// Signature-block capacity, e.g. "KT. TRƯỞNG BAN".
    pub signing_capacity: Option<&'a str>,
}

/// Inserts an account; a taken username surfaces as a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    new: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> Result<User, DbErr> {
    let id = new.id;
    let am = user::ActiveModel {
        id: Set(id),
        username: Set(new.username.to_owned()),
        display_name: Set(new.display_name.to_owned()),
        password_hash: Set(new.password_hash.to_owned()),
        roles: Set(format_roles(new.roles)),
        disabled: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        signing_title: Set(new.signing_title.map(str::to_owned)),
        signing_capacity: Set(new.signing_capacity.map(str::to_owned)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    user::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("user {id} vanished after insert")))
}

/// One account by id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<User>, DbErr> {
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_user)
        .transpose()?
        .map(|c| c.user))
}

/// One account with its password hash, by username.
pub async fn credentials(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Credentials>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(conn)
        .await?
        .map(to_user)
        .transpose()
}

/// All accounts by username.
pub async fn list(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<User>, DbErr> {
    let mut q = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(user::Column::Id.gt(after));
    }
    q.all(conn)
        .await?
        .into_iter()
        .map(|m| to_user(m).map(|c| c.user))
        .collect()
}

/// How many accounts exist.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    user::Entity::find().count(conn).await
}

/// Counts a failed sign-in on the account with this name, and records until when a client is
/// now locked out of it. A name no account has changes nothing, after the same statement, so the
/// work (and the time) does not tell whether the name exists.
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    username: &str,
    locked_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let mut update = user::Entity::update_many().col_expr(
        user::Column::FailedLogins,
        Expr::col(user::Column::FailedLogins).add(1),
    );
    if let Some(until) = locked_until {
        update = update.col_expr(user::Column::LockedUntil, Expr::value(until));
    }
    update
        .filter(user::Column::Username.eq(username))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Starts the account's failure count over (after a successful sign-in or a password reset).
pub async fn clear_failures(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Changes the account's flags, roles or password hash, bumping its version.
pub async fn update(
    conn: &impl ConnectionTrait,
    user: &User,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut am = user::ActiveModel {
        display_name: Set(user.display_name.clone()),
        roles: Set(format_roles(&user.roles)),
        disabled: Set(user.disabled),
        failed_logins: Set(user.failed_logins),
        locked_until: Set(user.locked_until),
        version: Set(user.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(hash) = password_hash {
        am.password_hash = Set(hash.to_owned());
    }
    user::Entity::update_many()
        .set(am)
        .filter(user::Column::Id.eq(user.id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Writes the title and capacity an approver signs with (as `user` holds them), bumping the
/// account's version.
pub async fn set_signing(
    conn: &impl ConnectionTrait,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let am = user::ActiveModel {
        signing_title: Set(user.signing_title.clone()),
        signing_capacity: Set(user.signing_capacity.clone()),
        version: Set(user.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    user::Entity::update_many()
        .set(am)
        .filter(user::Column::Id.eq(user.id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Stores a new session by its token hash.
pub async fn insert_session(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let am = session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    };
    session::Entity::insert(am)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// The user of a live session (not expired, not revoked, account enabled).
pub async fn session_user(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, DbErr> {
    let Some(s) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(find(conn, s.user_id).await?.filter(|u| !u.disabled))
}

/// Revokes a session by token hash; true when one was live.
pub async fn revoke_session(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = session::ActiveModel {
        revoked_at: Set(Some(now)),
        ..Default::default()
    };
    let res = session::Entity::update_many()
        .set(am)
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Revokes every session of a user but the one with `keep` (on a change of one's own password).
pub async fn revoke_other_sessions(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    keep: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let am = session::ActiveModel {
        revoked_at: Set(Some(now)),
        ..Default::default()
    };
    session::Entity::update_many()
        .set(am)
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::TokenHash.ne(keep))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Revokes every session of a user (on disable or password reset).
pub async fn revoke_all_sessions(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let am = session::ActiveModel {
        revoked_at: Set(Some(now)),
        ..Default::default()
    };
    session::Entity::update_many()
        .set(am)
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .map(|_| ())
}

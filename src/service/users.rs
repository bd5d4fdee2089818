//! Staff accounts: bootstrap, administration, sign-in with throttling and lock-out, sessions.

use std::time::Duration;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    db::{self, audit::NewEvent},
    domain::{
        FieldViolation, Violations,
        auth::{ADMINS, Actor, Context, Role, User},
    },
    service::ServiceError,
};

/// Failed sign-ins after which the account is locked.
pub const LOCK_AFTER_FAILURES: i32 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// Minimum password length.
pub const MIN_PASSWORD_LEN: usize = 12;

/// A new account.
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Initial password.
    pub password: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Approvers: title printed in the signature block, e.g. "PHÓ TRƯỞNG BAN".
    pub signing_title: Option<String>,
    /// Approvers: capacity above the title, e.g. "KT. TRƯỞNG BAN" (Decree 30/2020).
    pub signing_capacity: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// A session just opened: the token is shown once and stored only as a hash.
pub struct Session {
    /// The bearer token.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whose it is.
    pub user: User,
}

fn user_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "roles": u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "disabled": u.disabled,
        "signing_title": u.signing_title,
        "signing_capacity": u.signing_capacity,
    })
}

/// Hashes a password with Argon2id on the blocking pool.
async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Unexpected(e.to_string().into()))
    })
    .await
    .map_err(|e| ServiceError::Unexpected(Box::new(e)))?
}

/// Checks a password against a stored hash on the blocking pool.
async fn verify_password(password: String, hash: String) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| ServiceError::Unexpected(e.to_string().into()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ServiceError::Unexpected(Box::new(e)))?
}

/// SHA-256 hex of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A random password of 24 letters and digits, for the bootstrap admin.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..24)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

fn check_new_user(u: &NewUser) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    let name_ok = (3..=64).contains(&u.username.len())
        && u.username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !name_ok {
        v.push(FieldViolation::new(
            "username",
            "invalid_format",
            "must be 3-64 characters: lower-case letters, digits, '.', '_', '-'",
        ));
    }
    if u.display_name.trim().is_empty() || u.display_name.chars().count() > 255 {
        v.push(FieldViolation::new(
            "display_name",
            "blank",
            "must be 1-255 characters",
        ));
    }
    check_password(&u.password, &mut v);
    for (field, value) in [
        ("signing_title", &u.signing_title),
        ("signing_capacity", &u.signing_capacity),
    ] {
        if value.as_ref().is_some_and(|t| t.chars().count() > 100) {
            v.push(FieldViolation::new(
                field,
                "too_long",
                "must be at most 100 characters",
            ));
        }
    }
    // The command line reaches here without the HTTP edge's text check.
    for (field, value) in [
        ("display_name", Some(&u.display_name)),
        ("signing_title", u.signing_title.as_ref()),
        ("signing_capacity", u.signing_capacity.as_ref()),
    ] {
        if let Some(violation) = value.and_then(|t| crate::domain::text::check_text(field, t)) {
            v.push(violation);
        }
    }
    if u.roles.is_empty() {
        v.push(FieldViolation::new(
            "roles",
            "required",
            "must name at least one role",
        ));
    }
    super::finish(v)
}

fn check_password(password: &str, v: &mut Violations) {
    if password.chars().count() < MIN_PASSWORD_LEN || password.chars().count() > 256 {
        v.push(FieldViolation::new(
            "password",
            "too_short",
            format!("must be {MIN_PASSWORD_LEN} to 256 characters"),
        ));
    }
}

/// Creates an account (admin only at the API; the CLI acts as the system).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    mut new: NewUser,
) -> Result<User, ServiceError> {
    require(ctx, ADMINS)?;
    new.username = new.username.trim().to_ascii_lowercase();
    new.display_name = crate::domain::text::clean(&new.display_name);
    // Printed in capitals on certificates (Decree 30/2020).
    new.signing_title =
        crate::domain::text::clean_optional(new.signing_title.as_deref()).map(|t| t.to_uppercase());
    new.signing_capacity = crate::domain::text::clean_optional(new.signing_capacity.as_deref())
        .map(|t| t.to_uppercase());
    check_new_user(&new)?;
    let hash = hash_password(new.password.clone()).await?;
    let txn = db::begin_write(db).await?;
    let user = match db::users::insert(
        &txn,
        &db::users::NewAccount {
            id: Uuid::now_v7(),
            username: &new.username,
            display_name: &new.display_name,
            password_hash: &hash,
            roles: &new.roles,
            signing_title: new.signing_title.as_deref(),
            signing_capacity: new.signing_capacity.as_deref(),
        },
        ctx.now,
    )
    .await
    {
        Ok(u) => u,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::Conflict {
                detail: format!("the username {} is taken", new.username),
                violations: vec![FieldViolation::new(
                    "username",
                    "duplicate",
                    "is already taken",
                )],
                existing_id: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: "user.create",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(user_json(&user)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Creates the first administrator on an empty installation. Returns the password when it was
/// generated, so the caller can show it once.
pub async fn bootstrap(
    db: &DatabaseConnection,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<String>, ServiceError> {
    if db::users::count(db).await? > 0 {
        return Ok(None);
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(generate_password);
    let result = create(
        db,
        &Context::system("bootstrap", now),
        NewUser {
            username: "admin".to_owned(),
            display_name: "Quản trị hệ thống (Administrator)".to_owned(),
            password: password.clone(),
            roles: vec![Role::Admin],
            signing_title: None,
            signing_capacity: None,
        },
    )
    .await;
    match result {
        Ok(_) => Ok(generated.then_some(password)),
        // Another instance bootstrapped at the same moment.
        Err(ServiceError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A page of accounts.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Context,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<User>, ServiceError> {
    require(ctx, ADMINS)?;
    let rows = db::users::list(db, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |u| u.id))
}

/// Disables (or re-enables) an account; disabling ends its sessions.
pub async fn set_disabled(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    disabled: bool,
) -> Result<User, ServiceError> {
    require(ctx, ADMINS)?;
    if disabled && ctx.actor.id() == Some(id.to_string()) {
        return Err(ServiceError::Conflict {
            detail: "you cannot disable your own account".to_owned(),
            violations: vec![],
            existing_id: None,
        });
    }
    let txn = db::begin_write(db).await?;
    let before = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    let mut after = before.clone();
    after.disabled = disabled;
    let now = ctx.now;
    db::users::update(&txn, &after, None, now).await?;
    if disabled {
        db::users::revoke_all_sessions(&txn, id, now).await?;
    }
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            entity_type: "user",
            entity_id: id.to_string(),
            before: Some(user_json(&before)),
            after: Some(user_json(&after)),
        },
    )
    .await?;
    let user = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    txn.commit().await?;
    Ok(user)
}

/// Sets a new password, clears any lock and ends the account's sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    password: String,
) -> Result<User, ServiceError> {
    require(ctx, ADMINS)?;
    let mut v = Violations::default();
    check_password(&password, &mut v);
    super::finish(v)?;
    let hash = hash_password(password).await?;
    let txn = db::begin_write(db).await?;
    let mut user = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    user.failed_logins = 0;
    user.locked_until = None;
    let now = ctx.now;
    db::users::update(&txn, &user, Some(&hash), now).await?;
    db::users::revoke_all_sessions(&txn, id, now).await?;
    // Every client locked out of this account may try again.
    db::sign_in::clear_all(&txn, &username_key(&user.username)).await?;
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: "user.reset_password",
            entity_type: "user",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({"password_changed": true, "sessions_revoked": true})),
        },
    )
    .await?;
    let user = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    txn.commit().await?;
    Ok(user)
}

/// Sets (or clears) the title and capacity printed in an account's signature block; both are
/// cleaned and upper-cased as at creation.
pub async fn set_signing(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    title: Option<String>,
    capacity: Option<String>,
) -> Result<User, ServiceError> {
    require(ctx, ADMINS)?;
    // Printed in capitals on certificates (Decree 30/2020).
    let title = crate::domain::text::clean_optional(title.as_deref()).map(|t| t.to_uppercase());
    let capacity =
        crate::domain::text::clean_optional(capacity.as_deref()).map(|t| t.to_uppercase());
    let mut v = Violations::default();
    for (field, value) in [("signing_title", &title), ("signing_capacity", &capacity)] {
        if let Some(t) = value {
            if t.chars().count() > 100 {
                v.push(FieldViolation::new(
                    field,
                    "too_long",
                    "must be at most 100 characters",
                ));
            } else if let Some(violation) = crate::domain::text::check_text(field, t) {
                v.push(violation);
            }
        }
    }
    super::finish(v)?;
    let txn = db::begin_write(db).await?;
    let before = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    if before.signing_title == title && before.signing_capacity == capacity {
        return Ok(before);
    }
    let mut after = before.clone();
    after.signing_title = title;
    after.signing_capacity = capacity;
    db::users::set_signing(&txn, &after, ctx.now).await?;
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: "user.set_signing",
            entity_type: "user",
            entity_id: id.to_string(),
            before: Some(user_json(&before)),
            after: Some(user_json(&after)),
        },
    )
    .await?;
    let user = db::users::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    txn.commit().await?;
    Ok(user)
}

/// Changes the signed-in user's own password: the current one must be right (a wrong one is a
/// validation error on `current_password`, not a sign-in failure), the new one follows the same
/// rule as at creation, and every other session of the account ends; the one in use stays.
pub async fn change_own_password(
    db: &DatabaseConnection,
    ctx: &Context,
    token: &str,
    current: &str,
    new: &str,
) -> Result<(), ServiceError> {
    let Actor::User { id, .. } = &ctx.actor else {
        return Err(ServiceError::Forbidden(
            "only a signed-in user has a password to change".to_owned(),
        ));
    };
    let id = *id;
    let mut v = Violations::default();
    check_password(new, &mut v);
    if new == current {
        v.push(FieldViolation::new(
            "password",
            "unchanged",
            "must differ from the current password",
        ));
    }
    let creds = db::users::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))?;
    let stored = db::users::credentials(db, &creds.username)
        .await?
        .map(|c| c.password_hash)
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    if !verify_password(current.to_owned(), stored).await? {
        v.push(FieldViolation::new(
            "current_password",
            "wrong",
            "is not the current password",
        ));
    }
    super::finish(v)?;
    let hash = hash_password(new.to_owned()).await?;
    let txn = db::begin_write(db).await?;
    db::users::update(&txn, &creds, Some(&hash), ctx.now).await?;
    db::users::revoke_other_sessions(&txn, id, &token_hash(token), ctx.now).await?;
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: "user.change_password",
            entity_type: "user",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({"password_changed": true, "other_sessions_revoked": true})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The account with this login name, if any.
pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<User>, ServiceError> {
    Ok(
        db::users::credentials(db, &username.trim().to_ascii_lowercase())
            .await?
            .map(|c| c.user),
    )
}

/// The key sign-in failures are counted under: SHA-256 of the lower-cased name, so names that no
/// account has are counted the same way and never stored.
pub fn username_key(username: &str) -> String {
    token_hash(&username.trim().to_ascii_lowercase())
}

/// Signs in. Failures are counted per account name and client (`client`: the caller's address,
/// an IPv6 client by its /64): after five in a row, that client may not try that name again for
/// a while (429), but the account's owner elsewhere still can. A name that no account has goes
/// through the same steps (the same password check against a dummy hash, the same writes, the
/// same slow-down and the same answers), so neither the answer nor its timing tells which names
/// exist.
pub async fn login(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    ttl: Duration,
    client: &str,
    request_id: Option<String>,
    now: DateTime<Utc>,
) -> Result<Session, ServiceError> {
    let refused = || ServiceError::Unauthorized("wrong username or password".to_owned());
    let username = username.trim().to_ascii_lowercase();
    let key = username_key(&username);
    let mut attempts = db::sign_in::find(db, &key, client).await?;
    if let Some(until) = attempts.locked_until {
        if until > now {
            return Err(ServiceError::TooManyRequests {
                retry_after: (until - now).num_seconds().max(1) as u64,
            });
        }
        // The lock is over: this client starts counting again.
        attempts = db::sign_in::Attempts::default();
    }
    let creds = db::users::credentials(db, &username).await?;
    let hash = creds
        .as_ref()
        .map_or(DUMMY_HASH, |c| c.password_hash.as_str())
        .to_owned();
    let matches = verify_password(password.to_owned(), hash).await?;
    let user = match creds {
        Some(c) if matches && !c.user.disabled => c.user,
        Some(c) if matches => {
            // The right password of a disabled account: refused, but not a guess to count.
            tracing::info!(user.id = %c.user.id, "sign-in to a disabled account refused");
            return Err(refused());
        }
        found => {
            let failures = attempts.failures + 1;
            let locked_until = (failures >= LOCK_AFTER_FAILURES)
                .then(|| now + chrono::Duration::minutes(LOCK_MINUTES));
            // The counters and the audit event are written together, so every refused sign-in
            // and every lock-out is on the record. The same statements run for a name that no
            // account has.
            let txn = db::begin_write(db).await?;
            db::sign_in::record(
                &txn,
                &key,
                client,
                db::sign_in::Attempts {
                    failures: if locked_until.is_some() { 0 } else { failures },
                    locked_until,
                },
                now,
            )
            .await?;
            db::users::record_failure(&txn, &username, locked_until).await?;
            let (entity_type, entity_id) = match &found {
                Some(c) => ("user", c.user.id.to_string()),
                None => ("sign_in", key.chars().take(16).collect()),
            };
            db::audit::append(
                &txn,
                &Context {
                    actor: Actor::system("sign-in"),
                    request_id: request_id.clone(),
                    now,
                },
                NewEvent {
                    action: if locked_until.is_some() {
                        "user.locked"
                    } else {
                        "session.refused"
                    },
                    entity_type,
                    entity_id,
                    before: None,
                    after: Some(json!({
                        "client": client,
                        "failures": failures,
                        "locked_until": locked_until.map(db::audit::format_time),
                    })),
                },
            )
            .await?;
            txn.commit().await?;
            // Slow down: each consecutive failure waits a little longer before answering.
            tokio::time::sleep(Duration::from_millis(
                150 * failures.min(LOCK_AFTER_FAILURES) as u64,
            ))
            .await;
            return Err(refused());
        }
    };
    let token = new_token("irs_");
    let expires_at =
        now + chrono::Duration::from_std(ttl).unwrap_or_else(|_| chrono::Duration::hours(8));
    let ctx = Context {
        actor: Actor::User {
            id: user.id,
            username: user.username.clone(),
            roles: user.roles.clone(),
        },
        request_id,
        now,
    };
    let txn = db::begin_write(db).await?;
    if attempts.failures != 0 {
        db::sign_in::clear(&txn, &key, client).await?;
    }
    if user.failed_logins != 0 {
        db::users::clear_failures(&txn, user.id).await?;
    }
    db::users::insert_session(&txn, user.id, &token_hash(&token), now, expires_at).await?;
    db::audit::append(
        &txn,
        &ctx,
        NewEvent {
            action: "session.open",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(json!({"expires_at": db::audit::format_time(expires_at)})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
}

/// Ends the session of a token.
pub async fn logout(
    db: &DatabaseConnection,
    ctx: &Context,
    token: &str,
) -> Result<(), ServiceError> {
    let txn = db::begin_write(db).await?;
    if db::users::revoke_session(&txn, &token_hash(token), ctx.now).await? {
        db::audit::append(
            &txn,
            ctx,
            NewEvent {
                action: "session.close",
                entity_type: "user",
                entity_id: ctx.actor.id().unwrap_or_default(),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The user behind a bearer token, if the session is live.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, ServiceError> {
    Ok(db::users::session_user(db, &token_hash(token), now).await?)
}

/// Refuses unless the actor holds one of the roles.
pub fn require(ctx: &Context, roles: &[Role]) -> Result<(), ServiceError> {
    if ctx.actor.has_any(roles) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ServiceError::Forbidden(format!(
            "this needs the role {}",
            names.join(" or ")
        )))
    }
}

/// Four eyes: whoever prepared something cannot also approve it. The rule lives here, in the
/// service layer, so no client can skip it.
pub fn ensure_four_eyes(prepared_by: Uuid, approver: &Actor) -> Result<(), ServiceError> {
    match approver {
        Actor::User { id, .. } if *id == prepared_by => Err(ServiceError::Forbidden(
            "four eyes: the person who prepared this cannot approve it".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// An Argon2id hash of a random string, verified against when the username does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W8x5RkU4O8sH3QzvBfQmP0x1gkYxR3Y5c8xNqQ2o2nE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preparer_cannot_approve_but_another_user_can() {
        let drafter = Uuid::now_v7();
        let same = Actor::User {
            id: drafter,
            username: "a".into(),
            roles: vec![Role::Approver],
        };
        let other = Actor::User {
            id: Uuid::now_v7(),
            username: "b".into(),
            roles: vec![Role::Approver],
        };
        assert!(matches!(
            ensure_four_eyes(drafter, &same),
            Err(ServiceError::Forbidden(_))
        ));
        assert!(ensure_four_eyes(drafter, &other).is_ok());
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_token("irs_");
        let b = new_token("irs_");
        assert_ne!(a, b);
        assert!(a.len() > 40);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}

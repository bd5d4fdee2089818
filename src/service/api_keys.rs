//! Agency API keys: read-only, scoped, expiring, revocable, rate limited per key.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use super::users::{require, token_hash};
use crate::{
    db,
    domain::{
        FieldViolation, Violations,
        auth::{ADMINS, ApiKey, Context, Scope},
    },
    service::ServiceError,
};

/// The largest per-key rate limit an admin may set.
pub const MAX_RATE_LIMIT: i32 = 100_000;

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// The agency that will hold it, e.g. "Cục Thuế tỉnh Quảng Trị".
    pub agency: String,
    /// What it may read.
    pub scopes: Vec<Scope>,
    /// Requests allowed per minute.
    pub rate_limit_per_minute: i32,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

fn key_json(k: &ApiKey) -> serde_json::Value {
    json!({
        "id": k.id,
        "prefix": k.prefix,
        "agency": k.agency,
        "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "rate_limit_per_minute": k.rate_limit_per_minute,
        "expires_at": k.expires_at.map(db::audit::format_time),
        "revoked": k.revoked_at.is_some(),
    })
}

/// Creates a key; returns it and the full secret, which is shown once and stored only hashed.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    new: NewKey,
) -> Result<(ApiKey, String), ServiceError> {
    require(ctx, ADMINS)?;
    let agency = crate::domain::text::clean(&new.agency);
    let mut v = Violations::default();
    if agency.is_empty() || agency.chars().count() > 255 {
        v.push(FieldViolation::new(
            "agency",
            "blank",
            "must be 1-255 characters",
        ));
    }
    if new.scopes.is_empty() {
        v.push(FieldViolation::new(
            "scopes",
            "required",
            "must name at least one scope",
        ));
    }
    if !(1..=MAX_RATE_LIMIT).contains(&new.rate_limit_per_minute) {
        v.push(FieldViolation::new(
            "rate_limit_per_minute",
            "out_of_range",
            format!("must be 1 to {MAX_RATE_LIMIT}"),
        ));
    }
    let now = ctx.now;
    if new.expires_at.is_some_and(|t| t <= now) {
        v.push(FieldViolation::new(
            "expires_at",
            "in_the_past",
            "must be in the future",
        ));
    }
    super::finish(v)?;

    let mut prefix_bytes = [0u8; 6];
    let mut secret_bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut prefix_bytes);
    rand::thread_rng().fill_bytes(&mut secret_bytes);
    let prefix = hex::encode(prefix_bytes);
    let secret = format!("irk_{prefix}_{}", URL_SAFE_NO_PAD.encode(secret_bytes));
    let mut scopes = new.scopes;
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let key = ApiKey {
        id: Uuid::now_v7(),
        prefix,
        agency,
        scopes,
        rate_limit_per_minute: new.rate_limit_per_minute,
        expires_at: new.expires_at,
        revoked_at: None,
        created_by: ctx.actor.id().and_then(|s| s.parse().ok()),
        created_at: now,
    };
    let txn = db::begin_write(db).await?;
    db::api_keys::insert(&txn, &key, &token_hash(&secret)).await?;
    super::record(
        &txn,
        ctx,
        "api_key.create",
        "api_key",
        key.id,
        None,
        key_json(&key),
    )
    .await?;
    txn.commit().await?;
    Ok((key, secret))
}

/// A page of keys.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Context,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<ApiKey>, ServiceError> {
    require(ctx, ADMINS)?;
    let rows = db::api_keys::list(db, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |k| k.id))
}

/// Revokes a key at once, on every instance.
pub async fn revoke(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
) -> Result<ApiKey, ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let before = db::api_keys::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("api key", id))?;
    if db::api_keys::revoke(&txn, id, ctx.now).await? {
        let after = db::api_keys::find(&txn, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("api key", id))?;
        super::record(
            &txn,
            ctx,
            "api_key.revoke",
            "api_key",
            id,
            Some(key_json(&before)),
            key_json(&after),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    } else {
        Ok(before)
    }
}

/// Checks a presented key and counts the request against its per-minute limit.
pub async fn authenticate(
    db: &DatabaseConnection,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<ApiKey, ServiceError> {
    let refused =
        || ServiceError::Unauthorized("the API key is unknown, expired or revoked".to_owned());
    let prefix = presented
        .strip_prefix("irk_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(p, _)| p)
        .ok_or_else(refused)?;
    let (key, hash) = db::api_keys::find_by_prefix(db, prefix)
        .await?
        .ok_or_else(refused)?;
    if hash != token_hash(presented)
        || key.revoked_at.is_some()
        || key.expires_at.is_some_and(|t| t <= now)
    {
        return Err(refused());
    }
    let minute = now.timestamp().div_euclid(60);
    let used = db::api_keys::count_use(db, key.id, minute).await?;
    if used > i64::from(key.rate_limit_per_minute) {
        return Err(ServiceError::TooManyRequests {
            retry_after: (60 - now.timestamp().rem_euclid(60)).max(1) as u64,
        });
    }
    Ok(key)
}

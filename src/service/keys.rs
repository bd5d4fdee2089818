//! Signing keys: loading the instance's identity, registering keys so every instance and every
//! verifier knows them, generating development keys, importing production keys, retiring or
//! marking them compromised, and the public trust list. Start-up, the command line and the API
//! all go through here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

use super::{ServiceError, users::require};
use crate::{
    db::{self, audit::NewEvent},
    domain::{
        auth::{ADMINS, Context},
        certificate::{KeyRecord, KeyStatus},
    },
    signing::keys::{self, KeyError, SigningIdentity},
};

pub use crate::signing::keys::{KeySource, development_key_dir};

/// Makes a key known to every instance and verifier (its public part, chain and status);
/// registering a known key changes nothing. Returns its id.
pub async fn register(
    db: &impl ConnectionTrait,
    identity: &SigningIdentity,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let record = db::signing_keys::register(
        db,
        &KeyRecord {
            key_id: identity.key_id().to_hex(),
            status: KeyStatus::Active,
            development: identity.is_development(),
            subject: identity.subject_common_name(),
            not_before: identity.not_before(),
            not_after: identity.not_after(),
            public_key_pem: identity.public_key_pem(),
            chain_pem: identity.chain_pem(),
            status_reason: None,
            retired_at: None,
            compromised_at: None,
            created_at: now,
        },
    )
    .await?;
    Ok(record.key_id)
}

/// A new development key made with the development CA in `dir`; the key in use until now stays
/// known (what it signed still verifies) and is retired. Returns the new key's id and the
/// retired one's when it was another.
pub async fn generate_development(
    db: &DatabaseConnection,
    ctx: &Context,
    dir: &std::path::Path,
) -> Result<(String, Option<String>), ServiceError> {
    let unexpected = |e: KeyError| ServiceError::Unexpected(Box::new(e));
    let previous = keys::load_or_generate_development(dir).map_err(unexpected)?;
    let previous = register(db, &previous, ctx.now).await?;
    let identity = keys::generate_development(dir, "Investment Registry development signer")
        .map_err(unexpected)?;
    let id = register(db, &identity, ctx.now).await?;
    if previous == id {
        return Ok((id, None));
    }
    set_status(
        db,
        ctx,
        &previous,
        KeyStatus::Retired,
        Some("replaced by a new development key".to_owned()),
    )
    .await?;
    Ok((id, Some(previous)))
}

/// Checks a production key (PEM key and chain, or PKCS#12) and registers it; the
/// configuration must then name its files. Returns its record.
pub async fn import(
    db: &DatabaseConnection,
    source: &KeySource,
    now: DateTime<Utc>,
) -> Result<KeyRecord, ServiceError> {
    let identity = source
        .load()
        .map_err(|e| ServiceError::invalid("key", "unusable", e.to_string()))?;
    let id = register(db, &identity, now).await?;
    db::signing_keys::find(db, &id)
        .await?
        .ok_or_else(|| ServiceError::not_found("signing key", id))
}

/// Every signing key known, for the public trust list, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<KeyRecord>, ServiceError> {
    Ok(db::signing_keys::list(db).await?)
}

/// The status of every signing key by id (a handful of rows), to show beside each certificate
/// the status of the key that signed it: `compromised` flags every certificate it signed.
pub async fn statuses(db: &DatabaseConnection) -> Result<HashMap<String, KeyStatus>, ServiceError> {
    Ok(list(db)
        .await?
        .into_iter()
        .map(|k| (k.key_id, k.status))
        .collect())
}

/// Retires a key (it signs no more; what it signed stays valid) or marks it compromised.
pub async fn set_status(
    db: &DatabaseConnection,
    ctx: &Context,
    key_id: &str,
    status: KeyStatus,
    reason: Option<String>,
) -> Result<KeyRecord, ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let before = db::signing_keys::find(&txn, key_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("signing key", key_id))?;
    if before.status == KeyStatus::Compromised {
        return Err(ServiceError::conflict(
            "a compromised key stays compromised",
        ));
    }
    db::signing_keys::set_status(&txn, key_id, status, reason.as_deref(), ctx.now).await?;
    let after = db::signing_keys::find(&txn, key_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("signing key", key_id))?;
    db::audit::append(
        &txn,
        ctx,
        NewEvent {
            action: &format!("key.{}", status.as_str()),
            entity_type: "signing_key",
            entity_id: key_id.to_owned(),
            before: Some(json!({"status": before.status.as_str()})),
            after: Some(json!({"status": after.status.as_str(), "reason": after.status_reason})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Why the key `key_id` cannot sign at `now` (not registered, not active, or outside its
/// validity), or `None` when it can. Issuing and the status bundle both ask.
pub(crate) async fn unusable(
    conn: &impl ConnectionTrait,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, ServiceError> {
    Ok(match db::signing_keys::find(conn, key_id).await? {
        Some(k) if k.status == KeyStatus::Active && k.not_before <= now && now < k.not_after => {
            None
        }
        Some(k) => Some(format!(
            "the signing key {key_id} is {} or outside its validity; configure a new key",
            k.status
        )),
        None => Some(format!(
            "the signing key {key_id} is not registered; restart the service"
        )),
    })
}

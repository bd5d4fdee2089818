//! The registry's W3C Bitstring Status Lists: each issued certificate version gets an index when
//! it is issued, and `credential` publishes, per purpose, a list credential signed with this
//! instance's issuing key as VC-JOSE (`application/vc+jwt`, ES256), which any verifier of the
//! specification can check without this project's code.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;

use super::{AppState, ServiceError};
use crate::{
    db,
    domain::status_list::{LIST_SIZE, Purpose, bits, encode, index_of},
};

/// The counter that numbers issued versions for the lists.
const COUNTER: &str = "status-list";

/// The next free index, from the shared counter (a row lock, so instances never hand out the
/// same one) through the list's permutation. Call inside the issuing transaction.
pub async fn allocate(txn: &impl ConnectionTrait) -> Result<i32, ServiceError> {
    db::projects::ensure_sequence(txn, COUNTER).await?;
    let n = db::projects::next_in_sequence(txn, COUNTER).await?;
    u32::try_from(n - 1)
        .ok()
        .and_then(index_of)
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| {
            ServiceError::Unavailable(format!(
                "the status lists are full ({LIST_SIZE} issued versions); a second list is needed"
            ))
        })
}

/// Gives every issued version without an index one (versions issued before the lists
/// existed). Safe to run on several instances at once: a version already given one keeps it.
pub async fn backfill(db: &DatabaseConnection) -> Result<usize, ServiceError> {
    let mut given = 0;
    for id in db::certificates::without_status_list_index(db).await? {
        let txn = db::begin_write(db).await?;
        let index = allocate(&txn).await?;
        if db::certificates::set_status_list_index(&txn, id, index).await? {
            given += 1;
        }
        txn.commit().await?;
    }
    Ok(given)
}

/// Where a purpose's list is published.
pub fn list_url(base_url: &str, purpose: Purpose) -> String {
    format!(
        "{}/api/v1/status-lists/{}",
        base_url.trim_end_matches('/'),
        purpose.as_str()
    )
}

/// The list credential of `purpose`, as of now: a compact JWS whose payload is the
/// `BitstringStatusListCredential`.
pub async fn credential(state: &AppState, purpose: Purpose) -> Result<String, ServiceError> {
    let (db, issuer) = (&state.db, &state.issuer);
    let now = state.clock.now();
    // Dated before the rows are read: a change committed meanwhile shows early, never late.
    let valid_from = DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let valid_until =
        valid_from + chrono::Duration::hours(i64::from(state.policy.status_bundle_max_age_hours));
    if let Some(why) = super::keys::unusable(db, &issuer.key_id_hex(), now).await? {
        return Err(ServiceError::Unavailable(why));
    }
    let set = db::certificates::status_list_entries(db)
        .await?
        .into_iter()
        .filter(|(_, status)| purpose.is_set(*status))
        .filter_map(|(index, _)| u32::try_from(index).ok());
    let encoded = encode(&bits(set));
    let url = list_url(issuer.public_base_url(), purpose);
    let body = issuer.issuing_body();
    let vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {
            "id": issuer.public_base_url().trim_end_matches('/'),
            "name": format!("{} — {}", body.name, body.superior),
        },
        "validFrom": valid_from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "validUntil": valid_until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encoded,
        },
    });
    let key_id = issuer.key_id_hex();
    let issuer = issuer.clone();
    tokio::task::spawn_blocking(move || sign(&vc, &key_id, issuer.identity().signing_key()))
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))?
}

/// Signs a credential as VC-JOSE: header `alg` ES256, `kid` the key id, `typ` `vc+jwt`, `cty`
/// `vc`; the payload is the credential itself.
fn sign(
    vc: &serde_json::Value,
    key_id: &str,
    key: &p256::ecdsa::SigningKey,
) -> Result<String, ServiceError> {
    use p256::pkcs8::EncodePrivateKey;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| ServiceError::Unexpected(e.to_string().into()))?;
    let header = jsonwebtoken::Header {
        typ: Some("vc+jwt".to_owned()),
        cty: Some("vc".to_owned()),
        kid: Some(key_id.to_owned()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256)
    };
    jsonwebtoken::encode(
        &header,
        vc,
        &jsonwebtoken::EncodingKey::from_ec_der(der.as_bytes()),
    )
    .map_err(|e| ServiceError::Unexpected(Box::new(e)))
}

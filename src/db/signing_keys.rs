//! Signing keys known to the registry.

use chrono::{DateTime, Utc};
use entity::signing_key;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::corrupt;
use crate::domain::certificate::{KeyRecord, KeyStatus};

fn to_record(m: signing_key::Model) -> Result<KeyRecord, DbErr> {
    Ok(KeyRecord {
        status: m
            .status
            .parse()
            .map_err(|_| corrupt("signing_keys", "status", &m.status))?,
        key_id: m.key_id,
        development: m.development,
        subject: m.subject,
        not_before: m.not_before,
        not_after: m.not_after,
        public_key_pem: m.public_key_pem,
        chain_pem: m.chain_pem,
        status_reason: m.status_reason,
        retired_at: m.retired_at,
        compromised_at: m.compromised_at,
        created_at: m.created_at,
    })
}

/// Registers a key as active unless it is known; returns its record either way.
pub async fn register(conn: &impl ConnectionTrait, rec: &KeyRecord) -> Result<KeyRecord, DbErr> {
    if let Some(existing) = find(conn, &rec.key_id).await? {
        return Ok(existing);
    }
    let am = signing_key::ActiveModel {
        key_id: Set(rec.key_id.clone()),
        status: Set(KeyStatus::Active.as_str().to_owned()),
        development: Set(rec.development),
        subject: Set(rec.subject.clone()),
        not_before: Set(rec.not_before),
        not_after: Set(rec.not_after),
        public_key_pem: Set(rec.public_key_pem.clone()),
        chain_pem: Set(rec.chain_pem.clone()),
        status_reason: Set(None),
        retired_at: Set(None),
        compromised_at: Set(None),
        created_at: Set(rec.created_at),
    };
    match signing_key::Entity::insert(am)
        .exec_without_returning(conn)
        .await
    {
        Ok(_) => {}
        // Another instance registered it at the same moment.
        Err(e) if super::is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    find(conn, &rec.key_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("signing key {}", rec.key_id)))
}

/// One key by id.
pub async fn find(conn: &impl ConnectionTrait, key_id: &str) -> Result<Option<KeyRecord>, DbErr> {
    signing_key::Entity::find_by_id(key_id.to_owned())
        .one(conn)
        .await?
        .map(to_record)
        .transpose()
}

/// Every key, oldest first.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<KeyRecord>, DbErr> {
    signing_key::Entity::find()
        .order_by_asc(signing_key::Column::CreatedAt)
        .order_by_asc(signing_key::Column::KeyId)
        .all(conn)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Sets a key's status. Compromised is final; a compromised key is never set back.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    key_id: &str,
    status: KeyStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut am = signing_key::ActiveModel {
        status: Set(status.as_str().to_owned()),
        status_reason: Set(reason.map(str::to_owned)),
        ..Default::default()
    };
    match status {
        KeyStatus::Retired => am.retired_at = Set(Some(now)),
        KeyStatus::Compromised => am.compromised_at = Set(Some(now)),
        KeyStatus::Active => {}
    }
    let res = signing_key::Entity::update_many()
        .set(am)
        .filter(signing_key::Column::KeyId.eq(key_id))
        .filter(signing_key::Column::Status.ne(KeyStatus::Compromised.as_str()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

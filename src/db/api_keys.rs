//! Agency API keys and their shared per-minute usage counters.

use chrono::{DateTime, Utc};
use entity::api_key;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::auth::{ApiKey, format_scopes, parse_scopes};

fn to_key(m: api_key::Model) -> Result<(ApiKey, String), DbErr> {
    let scopes = parse_scopes(&m.scopes).map_err(|_| corrupt("api_keys", "scopes", &m.scopes))?;
    Ok((
        ApiKey {
            id: m.id,
            prefix: m.prefix,
            agency: m.agency,
            scopes,
            rate_limit_per_minute: m.rate_limit_per_minute,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            created_by: m.created_by,
            created_at: m.created_at,
        },
        m.secret_hash,
    ))
}

/// Stores a new key by the hash of its secret.
pub async fn insert(
    conn: &impl ConnectionTrait,
    key: &ApiKey,
    secret_hash: &str,
) -> Result<(), DbErr> {
    let am = api_key::ActiveModel {
        id: Set(key.id),
        prefix: Set(key.prefix.clone()),
        secret_hash: Set(secret_hash.to_owned()),
        agency: Set(key.agency.clone()),
        scopes: Set(format_scopes(&key.scopes)),
        rate_limit_per_minute: Set(key.rate_limit_per_minute),
        expires_at: Set(key.expires_at),
        revoked_at: Set(None),
        created_by: Set(key.created_by),
        created_at: Set(key.created_at),
    };
    api_key::Entity::insert(am)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// One key by id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<ApiKey>, DbErr> {
    Ok(api_key::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_key)
        .transpose()?
        .map(|(k, _)| k))
}

/// One key with its secret hash, by public prefix.
pub async fn find_by_prefix(
    conn: &impl ConnectionTrait,
    prefix: &str,
) -> Result<Option<(ApiKey, String)>, DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(conn)
        .await?
        .map(to_key)
        .transpose()
}

/// A page of keys in creation order.
pub async fn list(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ApiKey>, DbErr> {
    let mut q = api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(api_key::Column::Id.gt(after));
    }
    q.all(conn)
        .await?
        .into_iter()
        .map(|m| to_key(m).map(|(k, _)| k))
        .collect()
}

/// Marks a key revoked; false when it already was.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = api_key::ActiveModel {
        revoked_at: Set(Some(now)),
        ..Default::default()
    };
    let res = api_key::Entity::update_many()
        .set(am)
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Counts one use of a key in a minute window and returns the window's count. One atomic upsert,
/// so every instance sharing the database sees the same count.
pub async fn count_use(
    conn: &impl ConnectionTrait,
    key_id: Uuid,
    window_minute: i64,
) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO api_key_usage (key_id, window_minute, \"count\") VALUES ($1, $2, 1) \
             ON CONFLICT (key_id, window_minute) DO UPDATE SET \"count\" = api_key_usage.\"count\" + 1 \
             RETURNING \"count\""
        }
        _ => {
            "INSERT INTO api_key_usage (key_id, window_minute, \"count\") VALUES (?, ?, 1) \
             ON CONFLICT (key_id, window_minute) DO UPDATE SET \"count\" = api_key_usage.\"count\" + 1 \
             RETURNING \"count\""
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key_id.into(), window_minute.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("usage upsert returned no row".to_owned()))?;
    let count: i64 = row
        .try_get("", "count")
        .or_else(|_| row.try_get::<i32>("", "count").map(i64::from))?;
    if count == 1 {
        // A new window: forget windows older than an hour.
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "DELETE FROM api_key_usage WHERE key_id = $1 AND window_minute < $2"
            }
            _ => "DELETE FROM api_key_usage WHERE key_id = ? AND window_minute < ?",
        };
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key_id.into(), (window_minute - 60).into()],
        ))
        .await?;
    }
    Ok(count)
}

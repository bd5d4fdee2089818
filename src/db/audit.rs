//! The audit log: append (under a lock, so the chain has one order) and read. Nothing here updates
//! or deletes an event.

use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::domain::{
    audit::{AuditFilter, EventContent, GENESIS, StoredEvent},
    auth::Context,
};

/// Serialises appends across instances (PostgreSQL); SQLite writers are already serialised by
/// their immediate transactions.
const AUDIT_LOCK: i64 = 0x1A7E_A0D1_7000;

/// What changed, to append to the chain.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// What happened, e.g. `zone.update`.
    pub action: &'a str,
    /// Kind of entity.
    pub entity_type: &'a str,
    /// Its id.
    pub entity_id: String,
    /// JSON before the change.
    pub before: Option<serde_json::Value>,
    /// JSON after the change.
    pub after: Option<serde_json::Value>,
}

/// Appends one event in the caller's transaction.
pub async fn append(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    event: NewEvent<'_>,
) -> Result<i64, DbErr> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [AUDIT_LOCK.into()],
        ))
        .await?;
    }
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .limit(1)
        .one(conn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(e) => (e.seq + 1, e.hash),
        None => (1, GENESIS.to_owned()),
    };
    let id = Uuid::now_v7().to_string();
    let at = format_time(ctx.now);
    let before = event.before.map(|v| v.to_string());
    let after = event.after.map(|v| v.to_string());
    let actor_id = ctx.actor.id();
    let content = EventContent {
        seq,
        id: &id,
        at: &at,
        actor_type: ctx.actor.kind(),
        actor_id: actor_id.as_deref(),
        actor_name: ctx.actor.name(),
        action: event.action,
        entity_type: event.entity_type,
        entity_id: &event.entity_id,
        before: before.as_deref(),
        after: after.as_deref(),
        request_id: ctx.request_id.as_deref(),
    };
    let hash = content.hash(&prev_hash);
    let am = audit_event::ActiveModel {
        seq: Set(seq),
        id: Set(Uuid::parse_str(&id).map_err(|e| DbErr::Custom(e.to_string()))?),
        at: Set(at.clone()),
        actor_type: Set(ctx.actor.kind().to_owned()),
        actor_id: Set(actor_id.clone()),
        actor_name: Set(ctx.actor.name().to_owned()),
        action: Set(event.action.to_owned()),
        entity_type: Set(event.entity_type.to_owned()),
        entity_id: Set(event.entity_id.clone()),
        before: Set(before.clone()),
        after: Set(after.clone()),
        request_id: Set(ctx.request_id.clone()),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
    };
    audit_event::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    Ok(seq)
}

/// RFC 3339 UTC with microseconds: the exact text that is hashed and stored.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.trunc_subsecs(6)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A page of events, newest first, before a sequence number.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<Vec<StoredEvent>, DbErr> {
    let mut q = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .limit(limit);
    if let Some(b) = before_seq {
        q = q.filter(audit_event::Column::Seq.lt(b));
    }
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_event::Column::EntityType.eq(t.as_str()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_event::Column::EntityId.eq(id.as_str()));
    }
    if let Some(a) = &filter.actor_id {
        q = q.filter(audit_event::Column::ActorId.eq(a.as_str()));
    }
    Ok(q.all(conn).await?.into_iter().map(stored).collect())
}

fn stored(e: audit_event::Model) -> StoredEvent {
    StoredEvent {
        seq: e.seq,
        id: e.id,
        at: e.at,
        actor_type: e.actor_type,
        actor_id: e.actor_id,
        actor_name: e.actor_name,
        action: e.action,
        entity_type: e.entity_type,
        entity_id: e.entity_id,
        before: e.before,
        after: e.after,
        request_id: e.request_id,
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

/// Events in chain order after a sequence number, for verification.
pub async fn chain_page(
    conn: &impl ConnectionTrait,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<StoredEvent>, DbErr> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(after_seq))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(stored)
        .collect())
}

/// The sequence number of the newest event (0 when the log is empty). Every event up to it is
/// committed: appends take one lock in sequence order.
pub async fn last_seq(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(audit_event::Entity::find()
        .select_only()
        .column_as(audit_event::Column::Seq.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// The sequence number of the first event at or after `at` (RFC 3339 text as stored), if any.
pub async fn first_seq_since(conn: &impl ConnectionTrait, at: &str) -> Result<Option<i64>, DbErr> {
    audit_event::Entity::find()
        .select_only()
        .column_as(audit_event::Column::Seq.min(), "min")
        .filter(audit_event::Column::At.gte(at))
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await
        .map(Option::flatten)
}

/// Events after `after_seq` up to and including `up_to`, of the given entity types, in order.
pub async fn feed_page(
    conn: &impl ConnectionTrait,
    after_seq: i64,
    up_to: i64,
    entity_types: &[&str],
    limit: u64,
) -> Result<Vec<StoredEvent>, DbErr> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(after_seq))
        .filter(audit_event::Column::Seq.lte(up_to))
        .filter(audit_event::Column::EntityType.is_in(entity_types.iter().copied()))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(stored)
        .collect())
}

/// Certificate events with these actions at or after `from_at` and before `to_at` (RFC 3339
/// text as stored): (time, action, record after), in order.
pub async fn certificate_events(
    conn: &impl ConnectionTrait,
    actions: &[&str],
    from_at: &str,
    to_at: &str,
) -> Result<Vec<(String, String, Option<String>)>, DbErr> {
    audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::At)
        .column(audit_event::Column::Action)
        .column(audit_event::Column::After)
        .filter(audit_event::Column::EntityType.eq("certificate"))
        .filter(audit_event::Column::Action.is_in(actions.iter().copied()))
        .filter(audit_event::Column::At.gte(from_at))
        .filter(audit_event::Column::At.lt(to_at))
        .order_by_asc(audit_event::Column::Seq)
        .into_tuple()
        .all(conn)
        .await
}

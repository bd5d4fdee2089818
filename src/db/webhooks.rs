//! Webhook endpoints, their leases, and their delivery log.
//!
//! An instance delivers to an endpoint only while it holds the endpoint's lease: a claim sets
//! `leased_by` and `lease_until` on a row that is due and not leased (on PostgreSQL the candidate
//! is picked with `FOR UPDATE SKIP LOCKED`, so instances never wait on each other's rows), and
//! every later write checks that the lease is still this instance's. An instance that dies holds
//! the lease until it runs out; another then takes over from the cursor last written.

use chrono::{DateTime, Utc};
use entity::{webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, LockBehavior, LockType},
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::webhook::{Delivery, Endpoint, EventFilter, WebhookStatus};

fn to_endpoint(m: webhook_endpoint::Model) -> Result<(Endpoint, String), DbErr> {
    let status = m
        .status
        .parse()
        .map_err(|_| corrupt("webhook_endpoints", "status", &m.status))?;
    Ok((
        Endpoint {
            id: m.id,
            api_key_id: m.api_key_id,
            url: m.url,
            description: m.description,
            event_types: EventFilter::from_stored(&m.event_types),
            status,
            cursor: m.cursor,
            consecutive_failures: m.consecutive_failures,
            next_attempt_at: m.next_attempt_at,
            paused_at: m.paused_at,
            pause_reason: m.pause_reason,
            last_success_at: m.last_success_at,
            last_failure_at: m.last_failure_at,
            created_by: m.created_by,
            created_at: m.created_at,
        },
        m.secret,
    ))
}

/// Stores a new endpoint with its secret.
pub async fn insert(conn: &impl ConnectionTrait, e: &Endpoint, secret: &str) -> Result<(), DbErr> {
    let am = webhook_endpoint::ActiveModel {
        id: Set(e.id),
        api_key_id: Set(e.api_key_id),
        url: Set(e.url.clone()),
        description: Set(e.description.clone()),
        event_types: Set(e.event_types.to_stored()),
        secret: Set(secret.to_owned()),
        status: Set(e.status.as_str().to_owned()),
        cursor: Set(e.cursor),
        consecutive_failures: Set(e.consecutive_failures),
        next_attempt_at: Set(e.next_attempt_at),
        lease_until: Set(None),
        leased_by: Set(None),
        paused_at: Set(e.paused_at),
        pause_reason: Set(e.pause_reason.clone()),
        last_success_at: Set(None),
        last_failure_at: Set(None),
        created_by: Set(e.created_by),
        created_at: Set(e.created_at),
        updated_at: Set(e.created_at),
    };
    webhook_endpoint::Entity::insert(am)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// One endpoint by id, with its secret.
pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(Endpoint, String)>, DbErr> {
    webhook_endpoint::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_endpoint)
        .transpose()
}

/// Endpoints in registration order, those of one key or all; at most `limit`.
pub async fn list(
    conn: &impl ConnectionTrait,
    api_key_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Endpoint>, DbErr> {
    let mut q = webhook_endpoint::Entity::find().order_by_asc(webhook_endpoint::Column::Id);
    if let Some(key) = api_key_id {
        q = q.filter(webhook_endpoint::Column::ApiKeyId.eq(key));
    }
    if let Some(after) = after {
        q = q.filter(webhook_endpoint::Column::Id.gt(after));
    }
    q.limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| to_endpoint(m).map(|(e, _)| e))
        .collect()
}

/// Deletes an endpoint and its delivery log.
pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .exec(conn)
        .await?;
    webhook_endpoint::Entity::delete_by_id(id)
        .exec(conn)
        .await?;
    Ok(())
}

/// Sets an endpoint active again: no failures, due at once.
pub async fn resume(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::Status,
            Expr::value(WebhookStatus::Active.as_str()),
        )
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::value(0),
        )
        .col_expr(webhook_endpoint::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            webhook_endpoint::Column::PausedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_endpoint::Column::PauseReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

fn due(now: DateTime<Utc>, newest: i64) -> Condition {
    Condition::all()
        .add(webhook_endpoint::Column::Status.eq(WebhookStatus::Active.as_str()))
        .add(webhook_endpoint::Column::NextAttemptAt.lte(now))
        .add(webhook_endpoint::Column::Cursor.lt(newest))
        .add(
            Condition::any()
                .add(webhook_endpoint::Column::LeaseUntil.is_null())
                .add(webhook_endpoint::Column::LeaseUntil.lt(now)),
        )
}

/// Claims one endpoint that is active, due, behind the newest event `newest` and not leased:
/// this instance (`me`) holds it until `until`. `None` when none is free.
pub async fn claim(
    db: &DatabaseConnection,
    me: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    newest: i64,
) -> Result<Option<(Endpoint, String)>, DbErr> {
    let pick = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .filter(due(now, newest))
        .order_by_asc(webhook_endpoint::Column::NextAttemptAt)
        .limit(1);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Rows another instance is claiming are skipped, not waited for.
        let txn = db.begin().await?;
        let id = pick
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_tuple::<Uuid>()
            .one(&txn)
            .await?;
        let row = match id {
            Some(id) if take(&txn, id, me, now, until, newest).await? => find(&txn, id).await?,
            _ => None,
        };
        txn.commit().await?;
        Ok(row)
    } else {
        // SQLite has one writer at a time; the compare-and-set below is the whole claim.
        match pick.into_tuple::<Uuid>().one(db).await? {
            Some(id) if take(db, id, me, now, until, newest).await? => find(db, id).await,
            _ => Ok(None),
        }
    }
}

/// Compare-and-set: whatever the database, only one instance turns a free row into its own.
async fn take(
    conn: &impl ConnectionTrait,
    id: Uuid,
    me: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    newest: i64,
) -> Result<bool, DbErr> {
    Ok(webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::LeasedBy, Expr::value(me))
        .col_expr(webhook_endpoint::Column::LeaseUntil, Expr::value(until))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(due(now, newest))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

fn mine(id: Uuid, me: &str, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(webhook_endpoint::Column::Id.eq(id))
        .add(webhook_endpoint::Column::LeasedBy.eq(me))
        .add(webhook_endpoint::Column::LeaseUntil.gte(now))
}

/// Extends this instance's lease to `until` and records the cursor reached; false when the lease
/// is no longer this instance's (it ran out and another took it), and the work must stop.
pub async fn hold(
    conn: &impl ConnectionTrait,
    id: Uuid,
    me: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    cursor: i64,
) -> Result<bool, DbErr> {
    Ok(webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::LeaseUntil, Expr::value(until))
        .col_expr(webhook_endpoint::Column::Cursor, Expr::value(cursor))
        .filter(mine(id, me, now))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

/// Where an endpoint stands when this instance lets it go.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The cursor reached.
    pub cursor: i64,
    /// Failures at the event at the head.
    pub consecutive_failures: i32,
    /// When it is due again.
    pub next_attempt_at: DateTime<Utc>,
    /// The last accepted delivery of this round, if any.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The failed delivery that ended this round, if one did.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Set to pause the endpoint, with the reason.
    pub pause: Option<String>,
}

/// Records the progress and gives up the lease; false when the lease was no longer this
/// instance's (nothing is written then).
pub async fn release(
    conn: &impl ConnectionTrait,
    id: Uuid,
    me: &str,
    now: DateTime<Utc>,
    p: &Progress,
) -> Result<bool, DbErr> {
    let mut q = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Cursor, Expr::value(p.cursor))
        .col_expr(
            webhook_endpoint::Column::ConsecutiveFailures,
            Expr::value(p.consecutive_failures),
        )
        .col_expr(
            webhook_endpoint::Column::NextAttemptAt,
            Expr::value(p.next_attempt_at),
        )
        .col_expr(
            webhook_endpoint::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_endpoint::Column::LeasedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now));
    if let Some(at) = p.last_success_at {
        q = q.col_expr(webhook_endpoint::Column::LastSuccessAt, Expr::value(at));
    }
    if let Some(at) = p.last_failure_at {
        q = q.col_expr(webhook_endpoint::Column::LastFailureAt, Expr::value(at));
    }
    if let Some(reason) = &p.pause {
        q = q
            .col_expr(
                webhook_endpoint::Column::Status,
                Expr::value(WebhookStatus::Paused.as_str()),
            )
            .col_expr(webhook_endpoint::Column::PausedAt, Expr::value(now))
            .col_expr(
                webhook_endpoint::Column::PauseReason,
                Expr::value(reason.clone()),
            );
    }
    Ok(q.filter(mine(id, me, now)).exec(conn).await?.rows_affected == 1)
}

/// Adds an attempt to the delivery log.
pub async fn log_delivery(conn: &impl ConnectionTrait, d: &Delivery) -> Result<(), DbErr> {
    let am = webhook_delivery::ActiveModel {
        id: Set(d.id),
        endpoint_id: Set(d.endpoint_id),
        event_seq: Set(d.event_seq),
        event_type: Set(d.event_type.clone()),
        message_id: Set(d.message_id.clone()),
        attempt: Set(d.attempt),
        attempted_at: Set(d.attempted_at),
        outcome: Set(d.outcome.as_str().to_owned()),
        status_code: Set(d.status_code),
        error: Set(d.error.clone()),
        duration_ms: Set(d.duration_ms),
    };
    webhook_delivery::Entity::insert(am)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Forgets an endpoint's delivery attempts made before `before`.
pub async fn prune(
    conn: &impl ConnectionTrait,
    endpoint_id: Uuid,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_delivery::Column::AttemptedAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}

/// An endpoint's delivery attempts, newest first, before `before`; at most `limit`.
pub async fn deliveries(
    conn: &impl ConnectionTrait,
    endpoint_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_delivery::Column::Id);
    if let Some(before) = before {
        q = q.filter(webhook_delivery::Column::Id.lt(before));
    }
    q.limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            let outcome = m
                .outcome
                .parse()
                .map_err(|_| corrupt("webhook_deliveries", "outcome", &m.outcome))?;
            Ok(Delivery {
                id: m.id,
                endpoint_id: m.endpoint_id,
                event_seq: m.event_seq,
                event_type: m.event_type,
                message_id: m.message_id,
                attempt: m.attempt,
                attempted_at: m.attempted_at,
                outcome,
                status_code: m.status_code,
                error: m.error,
                duration_ms: m.duration_ms,
            })
        })
        .collect()
}

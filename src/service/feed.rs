//! The change feed and the snapshot it continues from.
//!
//! The feed is the audit chain seen from outside: the events about zones, parcels, investors,
//! projects, leases, certificates and dossiers, each with the entity's record after the change.
//! The chain's sequence numbers are gapless and in commit order (appends take one lock), so a
//! cursor is simply the last sequence number a consumer has seen. A snapshot gives every entity's
//! record now, read in one transaction, with the cursor it corresponds to: a consumer that loads
//! it and follows the feed from that cursor misses nothing and sees nothing twice.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    db,
    domain::feed::{FeedEntity, record_after, withhold_personal},
};

/// Most events one page of the feed carries.
pub const MAX_PAGE: u64 = 1000;

/// One change, as the feed gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// Its sequence number in the audit chain: the cursor to resume after it.
    pub seq: i64,
    /// When the change was committed (RFC 3339 UTC, microseconds).
    pub at: String,
    /// What happened, e.g. `zone.update`, `certificate.issue`.
    pub action: String,
    /// The kind of entity changed.
    pub entity: FeedEntity,
    /// Its id.
    pub entity_id: String,
    /// Its record after the change.
    pub record: Value,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The events, oldest first.
    pub events: Vec<FeedEvent>,
    /// The cursor to ask with next: after the last event read (which may be one the feed does
    /// not carry, such as a sign-in).
    pub next: i64,
    /// True when more events follow at once; false when the consumer has caught up.
    pub more: bool,
}

fn entity_types() -> Vec<&'static str> {
    FeedEntity::ALL.iter().map(|e| e.as_str()).collect()
}

/// The events after `after`, at most `limit` of them. `personal` keeps individuals' identity
/// numbers, birth dates and addresses; without it they are `null`.
///
/// A cursor whose next event is older than the retention answers [`ServiceError::Gone`]: the
/// consumer must start again from a snapshot. A cursor beyond the newest event was never given
/// by this registry and answers [`ServiceError::BadParameter`].
pub async fn page(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention_days: u32,
    after: i64,
    limit: u64,
    personal: bool,
) -> Result<FeedPage, ServiceError> {
    let limit = limit.clamp(1, MAX_PAGE);
    // The newest sequence number first: every event up to it is committed, so a page read up to
    // it has no holes even while other instances append.
    let newest = db::audit::last_seq(db).await?;
    if after > newest {
        return Err(ServiceError::BadParameter {
            name: "after",
            message: format!(
                "cursor {after} is beyond the newest event ({newest}); use a cursor this feed or a snapshot gave"
            ),
        });
    }
    let horizon = now - Duration::days(i64::from(retention_days));
    let first_kept = db::audit::first_seq_since(db, &db::audit::format_time(horizon))
        .await?
        .unwrap_or(newest + 1);
    if after + 1 < first_kept {
        return Err(ServiceError::Gone(format!(
            "the feed keeps {retention_days} days of changes and the next event after cursor {after} is older; take a snapshot (GET /api/v1/exports/snapshot.ndjson) and follow the feed from the cursor it names"
        )));
    }
    let rows = db::audit::feed_page(db, after, newest, &entity_types(), limit + 1).await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = match (more, rows.last()) {
        (true, Some(last)) => last.seq,
        _ => newest,
    };
    let events = rows
        .into_iter()
        .filter_map(|e| {
            let entity: FeedEntity = e.entity_type.parse().ok()?;
            let after: Value = serde_json::from_str(e.after.as_deref()?).ok()?;
            let mut record = record_after(entity, &e.entity_id, &after)?;
            if !personal {
                withhold_personal(entity, &mut record);
            }
            Some(FeedEvent {
                seq: e.seq,
                at: e.at,
                action: e.action,
                entity,
                entity_id: e.entity_id,
                record,
            })
        })
        .collect();
    Ok(FeedPage { events, next, more })
}

/// One entity's record in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord {
    /// The kind of entity.
    pub entity: FeedEntity,
    /// Its id.
    pub entity_id: String,
    /// Its record now, in the shape the feed gives after a change.
    pub record: Value,
}

/// A snapshot being read: the cursor it corresponds to, then its records as they are read.
pub struct Snapshot {
    /// Follow the feed after this cursor to stay current.
    pub cursor: i64,
    /// The records; an error ends the stream.
    pub records: mpsc::Receiver<Result<SnapshotRecord, ServiceError>>,
}

/// Rows read per query while walking a table.
const SNAPSHOT_BATCH: u64 = 500;

/// Takes a snapshot of every entity the feed carries, read in one read-only transaction so that
/// it is exactly the state after event `cursor`. The rows are read in batches by a task and
/// handed over through a small channel, so memory stays flat however large the registry.
pub async fn snapshot(db: &DatabaseConnection, personal: bool) -> Result<Snapshot, ServiceError> {
    let txn = db::begin_snapshot(db).await?;
    let cursor = db::audit::last_seq(&txn).await?;
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let result = walk(&txn, &tx, personal).await;
        let _ = txn.rollback().await;
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
        }
    });
    Ok(Snapshot {
        cursor,
        records: rx,
    })
}

type Sender = mpsc::Sender<Result<SnapshotRecord, ServiceError>>;

/// Sends every record; stops early (Ok) when the receiver has gone away.
async fn walk(
    conn: &impl ConnectionTrait,
    tx: &Sender,
    personal: bool,
) -> Result<(), ServiceError> {
    use super::{
        audit::{certificate_json, lease_json, project_json},
        dossiers::dossier_json,
        investors::investor_json,
        parcels::parcel_json,
        zones::zone_json,
    };
    let (zones, parcels, investors, projects, dossiers) = (
        Default::default(),
        Default::default(),
        Default::default(),
        Default::default(),
        Default::default(),
    );
    macro_rules! table {
        ($entity:expr, $fetch:expr, $json:expr) => {{
            let mut after: Option<Uuid> = None;
            loop {
                let rows = $fetch(after).await?;
                let Some(last) = rows.last() else { break };
                after = Some(last.id);
                for row in &rows {
                    let mut record = $json(row);
                    if !personal {
                        withhold_personal($entity, &mut record);
                    }
                    let item = SnapshotRecord {
                        entity: $entity,
                        entity_id: row.id.to_string(),
                        record,
                    };
                    if tx.send(Ok(item)).await.is_err() {
                        return Ok(());
                    }
                }
                if (rows.len() as u64) < SNAPSHOT_BATCH {
                    break;
                }
            }
        }};
    }
    table!(
        FeedEntity::Zone,
        |after| db::zones::list(conn, &zones, after, SNAPSHOT_BATCH),
        zone_json
    );
    table!(
        FeedEntity::Parcel,
        |after| db::parcels::page_all(conn, None, &parcels, after, SNAPSHOT_BATCH),
        parcel_json
    );
    table!(
        FeedEntity::Investor,
        |after| db::investors::list(conn, &investors, after, SNAPSHOT_BATCH),
        investor_json
    );
    table!(
        FeedEntity::Project,
        |after| db::projects::list(conn, &projects, after, SNAPSHOT_BATCH),
        project_json
    );
    table!(
        FeedEntity::Lease,
        |after| db::leases::page_all(conn, None, after, SNAPSHOT_BATCH),
        lease_json
    );
    table!(
        FeedEntity::Certificate,
        |after| db::certificates::page_all(conn, None, after, SNAPSHOT_BATCH),
        certificate_json
    );
    // Dossiers page newest first: `after` is the smallest id seen.
    table!(
        FeedEntity::Dossier,
        |after| db::dossiers::page(conn, &dossiers, after, SNAPSHOT_BATCH),
        dossier_json
    );
    Ok(())
}

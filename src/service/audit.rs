//! Reading and verifying the audit chain.

use sea_orm::DatabaseConnection;

use crate::{
    db::{self, audit::AuditFilter},
    domain::audit::{EventContent, GENESIS},
    error::ServiceError,
};

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// How many events were checked.
    pub checked: u64,
    /// The first event whose stored hash or link does not match, if any.
    pub first_broken: Option<BrokenEvent>,
}

/// An event that breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenEvent {
    /// Its sequence number.
    pub seq: i64,
    /// Its id.
    pub id: String,
    /// Why it is broken.
    pub reason: String,
}

/// Recomputes every hash in order and names the first event that does not match.
pub async fn verify(db: &DatabaseConnection) -> Result<ChainReport, ServiceError> {
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let page = db::audit::chain_page(db, expected_seq - 1, 500).await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            let broken = |reason: &str| {
                Some(BrokenEvent {
                    seq: e.seq,
                    id: e.id.to_string(),
                    reason: reason.to_owned(),
                })
            };
            let failure = if e.seq != expected_seq {
                broken(&format!("sequence gap: expected event {expected_seq}"))
            } else if e.prev_hash != expected_prev {
                broken(
                    "its link to the previous event does not match (an event before it was removed or altered)",
                )
            } else {
                let id = e.id.to_string();
                let content = EventContent {
                    seq: e.seq,
                    id: &id,
                    at: &e.at,
                    actor_type: &e.actor_type,
                    actor_id: e.actor_id.as_deref(),
                    actor_name: &e.actor_name,
                    action: &e.action,
                    entity_type: &e.entity_type,
                    entity_id: &e.entity_id,
                    before: e.before.as_deref(),
                    after: e.after.as_deref(),
                    request_id: e.request_id.as_deref(),
                };
                if content.hash(&e.prev_hash) != e.hash {
                    broken("its content does not match its hash (the event was altered)")
                } else {
                    None
                }
            };
            if failure.is_some() {
                return Ok(ChainReport {
                    checked,
                    first_broken: failure,
                });
            }
            checked += 1;
            expected_prev = e.hash;
            expected_seq += 1;
        }
    }
    Ok(ChainReport {
        checked,
        first_broken: None,
    })
}

/// A page of events, newest first.
pub async fn list(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<(Vec<entity::audit_event::Model>, Option<i64>), ServiceError> {
    let mut rows = db::audit::list(db, filter, before_seq, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|e| e.seq)
    } else {
        None
    };
    Ok((rows, next))
}

//! The audit chain: what it records of each entity, reading it, and verifying it.

use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::users::require;
use crate::{
    db,
    domain::{
        audit::{AuditFilter, GENESIS, StoredEvent},
        auth::{ADMINS, Context},
        certificate::Certificate,
        lease::Lease,
        project::Project,
    },
    service::ServiceError,
};

/// A project as the audit log records it.
pub(crate) fn project_json(p: &Project) -> Value {
    let mut record = project_record(p);
    // Only imported projects carry the member, so every other record keeps its shape.
    if let (Some(h), Some(obj)) = (&p.paper_history, record.as_object_mut()) {
        obj.insert(
            "paper_history".to_owned(),
            json!({
                "first_issued_on": h.first_issued_on,
                "last_change_no": h.last_change_no,
                "last_change_on": h.last_change_on,
                "import_id": h.import_id,
            }),
        );
    }
    record
}

fn project_record(p: &Project) -> Value {
    let d = &p.data;
    json!({
        "id": p.id,
        "project_code": p.project_code,
        "code_source": p.code_source.as_str(),
        "name_vi": d.name_vi,
        "name_en": d.name_en,
        "zone_id": d.zone_id,
        "address": d.address,
        "investors": d.investors.iter().map(|c| json!({
            "investor_id": c.investor_id, "capital_vnd": c.capital_vnd,
            "form": c.form.as_str(), "schedule": c.schedule,
        })).collect::<Vec<_>>(),
        "objectives": d.objectives,
        "scale": d.scale,
        "total_capital_vnd": d.total_capital_vnd,
        "contributed_capital_vnd": d.contributed_capital_vnd,
        "mobilized_capital_vnd": d.mobilized_capital_vnd,
        "capital_usd": d.capital_usd,
        "exchange_rate_vnd_per_usd": d.exchange_rate_vnd_per_usd,
        "exchange_rate_date": d.exchange_rate_date,
        "duration_years": d.duration_years,
        "milestones": d.milestones,
        "incentives": d.incentives,
        "conditions": d.conditions,
        "note": d.note,
        "status": p.status.as_str(),
        "status_reason": p.status_reason,
        "version": p.version,
    })
}

/// A lease as the audit log records it.
pub(crate) fn lease_json(l: &Lease) -> Value {
    json!({
        "id": l.id, "project_id": l.project_id, "parcel_id": l.parcel_id, "area_dm2": l.area.dm2(),
        "start_date": l.start_date, "end_date": l.end_date,
        "released": l.released_at.is_some(), "release_reason": l.release_reason,
    })
}

/// A certificate as the audit log records it (no content: the snapshot is in its own table).
pub(crate) fn certificate_json(c: &Certificate) -> Value {
    json!({
        "id": c.id,
        "project_id": c.project_id,
        "project_code": c.project_code,
        "version": c.version_no,
        "status": c.status.as_str(),
        "issued_on": c.issued_on,
        "content_digest": c.content_digest,
        "pdf_sha256": c.pdf_sha256,
        "key_id": c.key_id,
        "signer_name": c.signer_name,
        "status_reason": c.status_reason,
        "status_effective_on": c.status_effective_on,
        "superseded_by": c.superseded_by,
    })
}

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

/// Recomputes every hash in order and names the first event that does not match (admins and the
/// system only).
pub async fn verify(db: &DatabaseConnection, ctx: &Context) -> Result<ChainReport, ServiceError> {
    require(ctx, ADMINS)?;
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
                if e.content(&id).hash(&e.prev_hash) != e.hash {
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

/// A page of events, newest first (admins only).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Context,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u64,
) -> Result<(Vec<StoredEvent>, Option<i64>), ServiceError> {
    require(ctx, ADMINS)?;
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

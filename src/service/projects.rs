//! Project use cases: registry data, the status machine, parcel leasing and zone occupancy.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{Page, Precondition, users::require};
use crate::{
    db::{self, projects::ProjectFilter},
    domain::{
        FieldViolation, Violations,
        area::Area,
        auth::{Context, Role},
        lease::{Lease, LeaseBounds, check_lease},
        parcel::ParcelStatus,
        project::{
            CodeSource, DurationLimits, Project, ProjectData, ProjectStatus, check_project_code,
            local_project_code,
        },
    },
    error::ServiceError,
};

/// Who may change registry data.
const EDITORS: &[Role] = &[Role::Officer, Role::Admin];
/// Who may register, suspend, resume and terminate projects.
const DECIDERS: &[Role] = &[Role::Approver];

fn project_json(p: &Project) -> serde_json::Value {
    let d = &p.data;
    serde_json::json!({
        "id": p.id,
        "project_code": p.project_code,
        "code_source": p.code_source.as_str(),
        "name_vi": d.name_vi,
        "name_en": d.name_en,
        "zone_id": d.zone_id,
        "address": d.address,
        "investors": d.investors.iter().map(|c| serde_json::json!({
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

fn lease_json(l: &Lease) -> serde_json::Value {
    serde_json::json!({
        "id": l.id, "project_id": l.project_id, "parcel_id": l.parcel_id, "area_dm2": l.area.dm2(),
        "start_date": l.start_date, "end_date": l.end_date,
        "released": l.released_at.is_some(), "release_reason": l.release_reason,
    })
}

/// The acting user's id, if a user acts.
fn user_id(ctx: &Context) -> Option<Uuid> {
    ctx.actor.id().and_then(|s| s.parse().ok())
}

/// Zone and investors named by the data must exist.
async fn check_references(
    conn: &impl ConnectionTrait,
    d: &ProjectData,
) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    if let Some(z) = d.zone_id
        && db::zones::find(conn, z).await?.is_none()
    {
        v.push(FieldViolation::new(
            "zone_id",
            "not_found",
            "no zone has this id",
        ));
    }
    let ids: Vec<Uuid> = d.investors.iter().map(|c| c.investor_id).collect();
    let found = db::projects::existing_investors(conn, &ids).await?;
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            v.push(FieldViolation::new(
                format!("investors[{i}].investor_id"),
                "not_found",
                "no investor has this id",
            ));
        }
    }
    super::finish(v)
}

/// Registers a project in draft. With `project_code` it is the national code; without, a local
/// code is allocated from the configured prefix.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    project_code: Option<String>,
    mut data: ProjectData,
    prefix: &str,
    limits: DurationLimits,
) -> Result<Project, ServiceError> {
    require(ctx, EDITORS)?;
    data.normalize();
    let mut v = Violations::default();
    let code = project_code.map(|c| c.trim().to_owned());
    if let Some(c) = &code
        && let Err(e) = check_project_code(c)
    {
        v.push(e);
    }
    if let Err(errors) = data.check(limits) {
        for e in errors {
            v.push(e);
        }
    }
    super::finish(v)?;
    let txn = db::begin_write(db).await?;
    check_references(&txn, &data).await?;
    let (code, source) = match code {
        Some(c) => (c, CodeSource::National),
        None => (allocate_code(&txn, prefix).await?, CodeSource::Local),
    };
    let project = match db::projects::insert(
        &txn,
        Uuid::now_v7(),
        &code,
        source,
        &data,
        user_id(ctx),
        Utc::now(),
    )
    .await
    {
        Ok(p) => p,
        Err(e) if db::is_unique_violation(&e) => {
            drop(txn);
            let existing = db::projects::find_by_code(db, &code)
                .await?
                .map(|p| p.id.to_string());
            return Err(ServiceError::Conflict {
                detail: format!("project code {code} is already registered"),
                violations: vec![FieldViolation::new(
                    "project_code",
                    "duplicate",
                    "is already registered",
                )],
                existing_id: existing,
            });
        }
        Err(e) => return Err(e.into()),
    };
    super::record(
        &txn,
        ctx,
        "project.create",
        "project",
        project.id,
        None,
        project_json(&project),
    )
    .await?;
    txn.commit().await?;
    Ok(project)
}

/// The next free local code; skips numbers that a national code already took.
async fn allocate_code(conn: &impl ConnectionTrait, prefix: &str) -> Result<String, ServiceError> {
    for _ in 0..100 {
        let seq = db::projects::next_in_sequence(conn, "project_code").await?;
        let code = local_project_code(prefix, seq).ok_or_else(|| ServiceError::Conflict {
            detail: format!("the local project code range of prefix {prefix} is exhausted"),
            violations: vec![],
            existing_id: None,
        })?;
        if db::projects::find_by_code(conn, &code).await?.is_none() {
            return Ok(code);
        }
    }
    Err(ServiceError::Unexpected(
        "no free local project code after 100 tries".into(),
    ))
}

/// One project.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Project, ServiceError> {
    db::projects::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))
}

/// A page of projects.
pub async fn list(
    db: &DatabaseConnection,
    filter: &ProjectFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Project>, ServiceError> {
    let rows = db::projects::list(db, filter, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |p| p.id))
}

/// Changes registry data if the ETag is current; the code never changes.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    apply: impl FnOnce(&mut ProjectData),
    limits: DurationLimits,
) -> Result<Project, ServiceError> {
    require(ctx, EDITORS)?;
    let txn = db::begin_write(db).await?;
    let current = db::projects::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))?;
    precondition.check(current.version)?;
    if current.status == ProjectStatus::Terminated {
        return Err(ServiceError::Conflict {
            detail: "a terminated project can no longer be changed".to_owned(),
            violations: vec![],
            existing_id: None,
        });
    }
    let mut data = current.data.clone();
    apply(&mut data);
    data.normalize();
    data.check(limits).map_err(ServiceError::Validation)?;
    check_references(&txn, &data).await?;
    if data == current.data {
        return Ok(current);
    }
    if !db::projects::update(&txn, id, current.version, &data, user_id(ctx), Utc::now()).await? {
        return Err(ServiceError::PreconditionFailed {
            current: super::etag(current.version + 1),
        });
    }
    let project = get_in(&txn, id).await?;
    super::record(
        &txn,
        ctx,
        "project.update",
        "project",
        id,
        Some(project_json(&current)),
        project_json(&project),
    )
    .await?;
    txn.commit().await?;
    Ok(project)
}

async fn get_in(conn: &impl ConnectionTrait, id: Uuid) -> Result<Project, ServiceError> {
    db::projects::find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))
}

/// Moves a project along its status machine; a move the law does not allow is a 409 naming the
/// allowed ones. Terminating releases the project's land in the same transaction.
pub async fn transition(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    to: ProjectStatus,
    reason: Option<String>,
) -> Result<Project, ServiceError> {
    transition_with(db, ctx, id, to, reason, None).await
}

/// [`transition`] with the date the change takes effect (default: today in Vietnam), recorded on
/// the certificate that moves with the project: suspended, back in force, or revoked.
pub async fn transition_with(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    to: ProjectStatus,
    reason: Option<String>,
    effective_on: Option<chrono::NaiveDate>,
) -> Result<Project, ServiceError> {
    require(ctx, DECIDERS)?;
    let reason = crate::domain::text::clean_optional(reason.as_deref());
    if matches!(to, ProjectStatus::Suspended | ProjectStatus::Terminated) && reason.is_none() {
        return Err(ServiceError::invalid(
            "reason",
            "required",
            "give the reason for suspending or terminating",
        ));
    }
    let txn = db::begin_write(db).await?;
    // Under the row lock a concurrent change on another instance is seen before deciding, so
    // the loser gets the status machine's 409, not a lost update.
    if !db::projects::lock(&txn, id).await? {
        return Err(ServiceError::not_found("project", id));
    }
    let current = get_in(&txn, id).await?;
    let allowed = current.status.allowed_next();
    if !allowed.contains(&to) {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        return Err(ServiceError::Conflict {
            detail: format!(
                "a {} project cannot become {to}; allowed: {}",
                current.status,
                if names.is_empty() {
                    "none (terminated is final)".to_owned()
                } else {
                    names.join(", ")
                }
            ),
            violations: vec![FieldViolation::new(
                "status",
                "transition_not_allowed",
                format!("allowed from {}: [{}]", current.status, names.join(", ")),
            )],
            existing_id: None,
        });
    }
    if current.status == ProjectStatus::Draft && to == ProjectStatus::Registered {
        for preparer in &current.prepared_by {
            super::users::ensure_four_eyes(*preparer, &ctx.actor)?;
        }
    }
    let now = Utc::now();
    if !db::projects::set_status(&txn, &current, to, reason.as_deref(), now).await? {
        return Err(ServiceError::PreconditionFailed {
            current: super::etag(current.version + 1),
        });
    }
    super::certificates::follow_project(
        &txn,
        ctx,
        id,
        to,
        reason.as_deref(),
        effective_on.unwrap_or_else(|| crate::domain::certificate::vietnam_date(now)),
    )
    .await?;
    if to == ProjectStatus::Terminated {
        for lease in db::leases::for_project(&txn, id).await? {
            if lease.released_at.is_none() {
                release_in(&txn, ctx, &lease, "project terminated", now).await?;
            }
        }
    }
    let project = get_in(&txn, id).await?;
    super::record(
        &txn,
        ctx,
        &format!("project.{}", to.as_str()),
        "project",
        id,
        Some(project_json(&current)),
        project_json(&project),
    )
    .await?;
    txn.commit().await?;
    Ok(project)
}

/// A lease to create.
#[derive(Debug, Clone)]
pub struct NewLease {
    /// The parcel.
    pub parcel_id: Uuid,
    /// Area leased.
    pub area: Area,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
}

/// Leases a parcel to a project. A parcel has at most one active lease: of two requests racing on
/// any number of instances, the database lets exactly one insert, and the other gets 409.
pub async fn lease(
    db: &DatabaseConnection,
    ctx: &Context,
    project_id: Uuid,
    new: NewLease,
) -> Result<Lease, ServiceError> {
    require(ctx, EDITORS)?;
    let txn = db::begin_write(db).await?;
    let project = get_in(&txn, project_id).await?;
    if project.status == ProjectStatus::Terminated {
        return Err(ServiceError::Conflict {
            detail: "a terminated project cannot lease land".to_owned(),
            violations: vec![],
            existing_id: None,
        });
    }
    let parcel = db::parcels::find(&txn, new.parcel_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("parcel_id", "not_found", "no parcel has this id"))?;
    if project.data.zone_id.is_some_and(|z| z != parcel.zone_id) {
        return Err(ServiceError::invalid(
            "parcel_id",
            "other_zone",
            "the parcel lies in another zone than the project",
        ));
    }
    if parcel.data.status == ParcelStatus::Recovered {
        return Err(ServiceError::Conflict {
            detail: "the parcel was recovered by the State and cannot be leased".to_owned(),
            violations: vec![FieldViolation::new(
                "parcel_id",
                "recovered",
                "the parcel is recovered",
            )],
            existing_id: None,
        });
    }
    let zone = db::zones::find(&txn, parcel.zone_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", parcel.zone_id))?;
    check_lease(
        new.area,
        new.start_date,
        new.end_date,
        LeaseBounds {
            parcel_area: parcel.data.area_m2,
            zone_term_end: zone.data.term_end,
            project_duration_years: project.data.duration_years,
        },
    )
    .map_err(ServiceError::Validation)?;
    let now = Utc::now();
    let lease = match db::leases::insert(
        &txn,
        project_id,
        parcel.id,
        new.area,
        new.start_date,
        new.end_date,
        now,
    )
    .await
    {
        Ok(l) => l,
        Err(e) if db::is_unique_violation(&e) => {
            drop(txn);
            let holder = db::leases::active_for_parcel(db, parcel.id)
                .await?
                .map(|l| l.id.to_string());
            return Err(ServiceError::Conflict {
                detail: format!(
                    "parcel {} is already leased to an active project",
                    parcel.data.lot_code
                ),
                violations: vec![FieldViolation::new(
                    "parcel_id",
                    "already_leased",
                    "has an active lease",
                )],
                existing_id: holder,
            });
        }
        Err(e) => return Err(e.into()),
    };
    db::leases::set_parcel_status(&txn, parcel.id, ParcelStatus::Leased.as_str(), now).await?;
    super::record(
        &txn,
        ctx,
        "lease.create",
        "lease",
        lease.id,
        None,
        lease_json(&lease),
    )
    .await?;
    txn.commit().await?;
    Ok(lease)
}

async fn release_in(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    lease: &Lease,
    reason: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Lease, ServiceError> {
    db::leases::release(conn, lease.id, reason, now).await?;
    db::leases::set_parcel_status(conn, lease.parcel_id, ParcelStatus::Available.as_str(), now)
        .await?;
    let after = db::leases::find(conn, lease.id)
        .await?
        .ok_or_else(|| ServiceError::not_found("lease", lease.id))?;
    super::record(
        conn,
        ctx,
        "lease.release",
        "lease",
        lease.id,
        Some(lease_json(lease)),
        lease_json(&after),
    )
    .await?;
    Ok(after)
}

/// Ends a lease; the parcel becomes available again.
pub async fn release(
    db: &DatabaseConnection,
    ctx: &Context,
    lease_id: Uuid,
    reason: String,
) -> Result<Lease, ServiceError> {
    require(ctx, EDITORS)?;
    let reason = crate::domain::text::clean(&reason);
    if reason.is_empty() {
        return Err(ServiceError::invalid(
            "reason",
            "required",
            "give the reason for releasing the land",
        ));
    }
    let txn = db::begin_write(db).await?;
    let lease = db::leases::find(&txn, lease_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("lease", lease_id))?;
    if lease.released_at.is_some() {
        return Err(ServiceError::Conflict {
            detail: "the lease was already released".to_owned(),
            violations: vec![],
            existing_id: None,
        });
    }
    let after = release_in(&txn, ctx, &lease, &reason, Utc::now()).await?;
    txn.commit().await?;
    Ok(after)
}

/// A page of a project's leases, active and released.
pub async fn leases(
    db: &DatabaseConnection,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Lease>, ServiceError> {
    get(db, project_id).await?;
    let rows = db::leases::page_for_project(db, project_id, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |l| l.id))
}

/// Occupancy of zones (Decree 35/2022): leased industrial + service land of projects holding a
/// certificate, over the zone's industrial + service land (the zone's planned figure when known,
/// otherwise the sum of its industrial and service parcels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Occupancy {
    /// Leased industrial + service land.
    pub leased: Area,
    /// Industrial + service land.
    pub land: Option<Area>,
    /// True when `land` is the zone's planned figure, false when summed from parcels.
    pub land_is_planned: bool,
    /// Leased over land, in percent with two decimals.
    pub rate_percent: Option<f64>,
}

/// Occupancy of each zone.
pub async fn occupancy(
    conn: &impl ConnectionTrait,
    zones: &[&crate::domain::zone::Zone],
) -> Result<HashMap<Uuid, Occupancy>, ServiceError> {
    let ids: Vec<Uuid> = zones.iter().map(|z| z.id).collect();
    let sums = db::leases::occupancy(conn, &ids).await?;
    Ok(zones
        .iter()
        .map(|z| {
            let (leased, parcel_land) = sums.get(&z.id).copied().unwrap_or_default();
            let (land, planned) = match z.data.industrial_service_area_m2 {
                Some(a) => (Some(a.dm2()), true),
                None if parcel_land > 0 => (Some(parcel_land), false),
                None => (None, false),
            };
            let rate = land
                .filter(|l| *l > 0)
                .map(|l| (leased as f64 * 10_000.0 / l as f64).round() / 100.0);
            (
                z.id,
                Occupancy {
                    leased: Area::from_dm2(leased),
                    land: land.map(Area::from_dm2),
                    land_is_planned: planned,
                    rate_percent: rate,
                },
            )
        })
        .collect())
}

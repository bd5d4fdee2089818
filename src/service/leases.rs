//! Parcel leasing and zone occupancy: a parcel is leased to at most one active project, within
//! the parcel's area, the zone's term and the project's duration; occupancy counts the land of
//! projects that hold a certificate (Decree 35/2022).

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{Page, ServiceError, audit::lease_json, record, users::require};
use crate::{
    db,
    domain::{
        FieldViolation,
        area::Area,
        auth::{Context, REGISTRY_EDITORS},
        lease::{Lease, LeaseBounds, check_lease},
        parcel::{Parcel, ParcelStatus},
        project::{ProjectData, ProjectStatus},
        text::clean,
        zone::Zone,
    },
};

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
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let project = db::projects::find(&txn, project_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", project_id))?;
    if project.status == ProjectStatus::Terminated {
        return Err(ServiceError::conflict(
            "a terminated project cannot lease land",
        ));
    }
    let parcel = db::parcels::find(&txn, new.parcel_id)
        .await?
        .ok_or_else(|| ServiceError::invalid("parcel_id", "not_found", "no parcel has this id"))?;
    let zone = db::zones::find(&txn, parcel.zone_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", parcel.zone_id))?;
    check_new_lease(&project.data, &parcel, &zone, &new)?;
    let lease = match db::leases::insert(
        &txn,
        project_id,
        parcel.id,
        new.area,
        new.start_date,
        new.end_date,
        ctx.now,
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
    parcel_status(&txn, ctx, parcel.id, ParcelStatus::Leased).await?;
    record(
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

/// The rules every new lease meets, whether entered or imported: the parcel in the project's
/// zone and not recovered, the area within the parcel's, the term within the zone's term and the
/// project's duration. Whether another project holds the parcel is the database's to say.
pub(crate) fn check_new_lease(
    project: &ProjectData,
    parcel: &Parcel,
    zone: &Zone,
    new: &NewLease,
) -> Result<(), ServiceError> {
    if project.zone_id.is_some_and(|z| z != parcel.zone_id) {
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
    check_lease(
        new.area,
        new.start_date,
        new.end_date,
        LeaseBounds {
            parcel_area: parcel.data.area_m2,
            zone_term_end: zone.data.term_end,
            project_duration_years: project.duration_years,
        },
    )
    .map_err(ServiceError::Validation)
}

/// Sets a parcel's status as a lease begins or ends, recording the parcel's change in the audit
/// log (and so in the change feed) like any other.
pub(crate) async fn parcel_status(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    parcel_id: Uuid,
    status: ParcelStatus,
) -> Result<(), ServiceError> {
    let before = db::parcels::find(conn, parcel_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("parcel", parcel_id))?;
    db::leases::set_parcel_status(conn, parcel_id, status.as_str(), ctx.now).await?;
    let after = db::parcels::find(conn, parcel_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("parcel", parcel_id))?;
    record(
        conn,
        ctx,
        "parcel.status",
        "parcel",
        parcel_id,
        Some(super::parcels::parcel_json(&before)),
        super::parcels::parcel_json(&after),
    )
    .await
}

/// Ends a lease in the caller's transaction; the parcel becomes available again.
pub(crate) async fn release_in(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    lease: &Lease,
    reason: &str,
) -> Result<Lease, ServiceError> {
    db::leases::release(conn, lease.id, reason, ctx.now).await?;
    parcel_status(conn, ctx, lease.parcel_id, ParcelStatus::Available).await?;
    let after = db::leases::find(conn, lease.id)
        .await?
        .ok_or_else(|| ServiceError::not_found("lease", lease.id))?;
    record(
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

/// Releases every active lease of a project in the caller's transaction.
pub(crate) async fn release_all_in(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    project_id: Uuid,
    reason: &str,
) -> Result<(), ServiceError> {
    for lease in db::leases::for_project(conn, project_id).await? {
        if lease.released_at.is_none() {
            release_in(conn, ctx, &lease, reason).await?;
        }
    }
    Ok(())
}

/// Ends a lease; the parcel becomes available again.
pub async fn release(
    db: &DatabaseConnection,
    ctx: &Context,
    lease_id: Uuid,
    reason: String,
) -> Result<Lease, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let reason = clean(&reason);
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
        return Err(ServiceError::conflict("the lease was already released"));
    }
    let after = release_in(&txn, ctx, &lease, &reason).await?;
    txn.commit().await?;
    Ok(after)
}

/// A page of a project's leases, active and released.
pub async fn for_project(
    db: &DatabaseConnection,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Lease>, ServiceError> {
    if db::projects::find(db, project_id).await?.is_none() {
        return Err(ServiceError::not_found("project", project_id));
    }
    let rows = db::leases::page_for_project(db, project_id, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |l| l.id))
}

/// Occupancy of a zone (Decree 35/2022): leased industrial + service land of projects holding a
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

/// Occupancy of each zone, in one grouped query.
pub async fn occupancy(
    db: &DatabaseConnection,
    zones: &[&Zone],
) -> Result<HashMap<Uuid, Occupancy>, ServiceError> {
    let ids: Vec<Uuid> = zones.iter().map(|z| z.id).collect();
    let sums = db::leases::occupancy(db, &ids).await?;
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

/// Occupancy of one zone.
pub async fn occupancy_of(db: &DatabaseConnection, zone: &Zone) -> Result<Occupancy, ServiceError> {
    occupancy(db, &[zone])
        .await?
        .remove(&zone.id)
        .ok_or_else(|| ServiceError::Unexpected("no occupancy row for the zone".into()))
}

/// Every lease (or only one project's), a page at a time in id order: for exports.
pub async fn page_all(
    db: &DatabaseConnection,
    project_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<Lease>, ServiceError> {
    let rows = db::leases::page_all(db, project_id, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |row| row.id))
}

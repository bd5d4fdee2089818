//! Parcel use cases.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::users::require;
use super::{Page, Precondition, finish};
use crate::{
    db,
    domain::{
        FieldViolation, Violations,
        auth::{Context, REGISTRY_EDITORS},
        parcel::{Parcel, ParcelData, ParcelFilter, ParcelPatch},
        zone::Zone,
    },
    service::ServiceError,
};

/// Adds a parcel to a zone.
#[tracing::instrument(skip_all, fields(zone.id = %zone_id, parcel.lot_code = %data.lot_code))]
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    zone_id: Uuid,
    mut data: ParcelData,
) -> Result<Parcel, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let zone = db::zones::find(&txn, zone_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", zone_id))?;
    data.normalize();
    check(&zone, &data)?;
    let parcel = match db::parcels::insert(&txn, Uuid::now_v7(), zone_id, &data, ctx.now).await {
        Ok(p) => p,
        Err(e) if db::is_unique_violation(&e) => return Err(duplicate_lot(&zone, &data.lot_code)),
        Err(e) => return Err(e.into()),
    };
    audit(&txn, ctx, "parcel.create", None, &parcel).await?;
    txn.commit().await?;
    tracing::info!(parcel.id = %parcel.id, "parcel created");
    Ok(parcel)
}

/// The parcel of a zone with this lot code, if any.
pub async fn find_by_lot(
    db: &DatabaseConnection,
    zone_id: Uuid,
    lot_code: &str,
) -> Result<Option<Parcel>, ServiceError> {
    Ok(db::parcels::find_by_lot(db, zone_id, lot_code).await?)
}

/// One parcel.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Parcel, ServiceError> {
    db::parcels::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("parcel", id))
}

/// A page of a zone's parcels; 404 when the zone does not exist.
pub async fn list(
    db: &DatabaseConnection,
    zone_id: Uuid,
    filter: &ParcelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Parcel>, ServiceError> {
    if db::zones::find(db, zone_id).await?.is_none() {
        return Err(ServiceError::not_found("zone", zone_id));
    }
    let rows = db::parcels::list(db, zone_id, filter, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |p| p.id))
}

/// Applies a partial update if the client's ETag is current.
#[tracing::instrument(skip_all, fields(parcel.id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    patch: ParcelPatch,
) -> Result<Parcel, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let current = db::parcels::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("parcel", id))?;
    precondition.check(current.version)?;
    let zone = db::zones::find(&txn, current.zone_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", current.zone_id))?;
    let mut data = current.data.clone();
    patch.apply(&mut data);
    data.normalize();
    check(&zone, &data)?;
    if data == current.data {
        return Ok(current);
    }
    match db::parcels::update(&txn, id, current.version, &data, ctx.now).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ServiceError::PreconditionFailed {
                current: super::etag(current.version + 1),
            });
        }
        Err(e) if db::is_unique_violation(&e) => return Err(duplicate_lot(&zone, &data.lot_code)),
        Err(e) => return Err(e.into()),
    }
    let parcel = db::parcels::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("parcel", id))?;
    audit(&txn, ctx, "parcel.update", Some(&current), &parcel).await?;
    txn.commit().await?;
    tracing::info!(parcel.version = parcel.version, "parcel updated");
    Ok(parcel)
}

/// The parcel as recorded in the audit log.
pub(crate) fn parcel_json(p: &Parcel) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "zone_id": p.zone_id,
        "lot_code": p.data.lot_code,
        "area_dm2": p.data.area_m2.dm2(),
        "land_use": p.data.land_use.as_str(),
        "status": p.data.status.as_str(),
        "note": p.data.note,
        "version": p.version,
    })
}

async fn audit(
    conn: &impl sea_orm::ConnectionTrait,
    ctx: &Context,
    action: &str,
    before: Option<&Parcel>,
    after: &Parcel,
) -> Result<(), ServiceError> {
    super::record(
        conn,
        ctx,
        action,
        "parcel",
        after.id,
        before.map(parcel_json),
        parcel_json(after),
    )
    .await
}

fn check(zone: &Zone, data: &ParcelData) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    v.extend_from(validator::Validate::validate(data));
    if data.area_m2 > zone.data.total_area_m2 {
        v.push(FieldViolation::new(
            "area_m2",
            "exceeds_zone",
            format!(
                "must not exceed the zone's total area ({})",
                zone.data.total_area_m2
            ),
        ));
    }
    finish(v)
}

fn duplicate_lot(zone: &Zone, lot: &str) -> ServiceError {
    ServiceError::Conflict {
        detail: format!(
            "zone {} already has a parcel with lot code {lot}",
            zone.data.code
        ),
        violations: vec![FieldViolation::new(
            "lot_code",
            "duplicate",
            "is already used in this zone",
        )],
        existing_id: None,
    }
}

/// Every parcel (or one zone's) with the filter, a page at a time in id order: for exports (which
/// check the zone once, before the first page).
pub async fn page_all(
    db: &DatabaseConnection,
    zone_id: Option<Uuid>,
    filter: &ParcelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<Parcel>, ServiceError> {
    let rows = db::parcels::page_all(db, zone_id, filter, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |row| row.id))
}

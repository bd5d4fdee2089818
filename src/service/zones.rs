//! Zone use cases.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::users::require;
use super::{Page, Precondition, finish};
use crate::{
    db,
    domain::{
        FieldViolation, Violations,
        auth::{Context, REGISTRY_EDITORS},
        zone::{Zone, ZoneData, ZoneFilter, ZonePatch},
    },
    service::ServiceError,
};

/// Registers a new zone.
#[tracing::instrument(skip_all, fields(zone.code = %data.code))]
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    mut data: ZoneData,
) -> Result<Zone, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    data.normalize();
    let mut v = Violations::default();
    v.extend_from(data.check());
    finish(v)?;
    let txn = db::begin_write(db).await?;
    check_parent(&txn, None, &data).await?;
    let zone = match db::zones::insert(&txn, Uuid::now_v7(), &data, ctx.now).await {
        Ok(z) => z,
        Err(e) if db::is_unique_violation(&e) => return Err(duplicate_code(&data.code)),
        Err(e) => return Err(e.into()),
    };
    audit(&txn, ctx, "zone.create", None, &zone).await?;
    txn.commit().await?;
    tracing::info!(zone.id = %zone.id, "zone created");
    Ok(zone)
}

/// One zone.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Zone, ServiceError> {
    db::zones::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", id))
}

/// The zone with this code, if any.
pub async fn find_by_code(
    db: &DatabaseConnection,
    code: &str,
) -> Result<Option<Zone>, ServiceError> {
    Ok(db::zones::find_by_code(db, code).await?)
}

/// A page of zones.
pub async fn list(
    db: &DatabaseConnection,
    filter: &ZoneFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Zone>, ServiceError> {
    let rows = db::zones::list(db, filter, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |z| z.id))
}

/// Applies a partial update if the client's ETag is current; every rule is checked on the result.
#[tracing::instrument(skip_all, fields(zone.id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    patch: ZonePatch,
) -> Result<Zone, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let current = db::zones::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", id))?;
    precondition.check(current.version)?;
    let mut data = current.data.clone();
    patch.apply(&mut data);
    data.normalize();
    let mut v = Violations::default();
    v.extend_from(data.check());
    if let Some(largest) = db::parcels::largest_area(&txn, id).await?
        && largest > data.total_area_m2
    {
        v.push(FieldViolation::new(
            "total_area_m2",
            "smaller_than_parcel",
            format!("must be at least the largest parcel's area ({largest})"),
        ));
    }
    if data.kind != current.data.kind
        && !data.kind.can_contain_others()
        && db::zones::has_children(&txn, id).await?
    {
        v.push(FieldViolation::new(
            "kind",
            "has_children",
            "zones contain other zones, so the kind must stay an economic zone",
        ));
    }
    finish(v)?;
    check_parent(&txn, Some(id), &data).await?;
    if data == current.data {
        return Ok(current);
    }
    match db::zones::update(&txn, id, current.version, &data, ctx.now).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ServiceError::PreconditionFailed {
                current: super::etag(current.version + 1),
            });
        }
        Err(e) if db::is_unique_violation(&e) => return Err(duplicate_code(&data.code)),
        Err(e) => return Err(e.into()),
    }
    let zone = db::zones::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("zone", id))?;
    audit(&txn, ctx, "zone.update", Some(&current), &zone).await?;
    txn.commit().await?;
    tracing::info!(zone.version = zone.version, "zone updated");
    Ok(zone)
}

/// A parent must exist, be an economic zone, and not be the zone itself; only parks and export
/// processing zones sit inside another zone, so the hierarchy is one level deep and never cycles.
async fn check_parent(
    conn: &impl sea_orm::ConnectionTrait,
    this: Option<Uuid>,
    data: &ZoneData,
) -> Result<(), ServiceError> {
    let Some(parent_id) = data.parent_id else {
        return Ok(());
    };
    if Some(parent_id) == this {
        return Err(ServiceError::invalid(
            "parent_id",
            "self_reference",
            "a zone cannot contain itself",
        ));
    }
    if data.kind.can_contain_others() {
        return Err(ServiceError::invalid(
            "parent_id",
            "not_allowed",
            "an economic zone cannot lie inside another zone",
        ));
    }
    match db::zones::find(conn, parent_id).await? {
        None => Err(ServiceError::invalid(
            "parent_id",
            "not_found",
            "no zone has this id",
        )),
        Some(p) if !p.data.kind.can_contain_others() => Err(ServiceError::invalid(
            "parent_id",
            "not_a_container",
            "the parent must be an economic zone",
        )),
        Some(_) => Ok(()),
    }
}

/// The zone as recorded in the audit log.
pub(crate) fn zone_json(z: &Zone) -> serde_json::Value {
    let d = &z.data;
    serde_json::json!({
        "id": z.id,
        "code": d.code,
        "name": d.name,
        "kind": d.kind.as_str(),
        "province": d.province,
        "parent_id": d.parent_id,
        "total_area_dm2": d.total_area_m2.dm2(),
        "industrial_service_area_dm2": d.industrial_service_area_m2.map(|a| a.dm2()),
        "developer": d.developer,
        "term_start": d.term_start,
        "term_end": d.term_end,
        "status": d.status.as_str(),
        "figures_as_of": d.figures_as_of,
        "source": d.source,
        "version": z.version,
    })
}

async fn audit(
    conn: &impl sea_orm::ConnectionTrait,
    ctx: &Context,
    action: &str,
    before: Option<&Zone>,
    after: &Zone,
) -> Result<(), ServiceError> {
    super::record(
        conn,
        ctx,
        action,
        "zone",
        after.id,
        before.map(zone_json),
        zone_json(after),
    )
    .await
}

fn duplicate_code(code: &str) -> ServiceError {
    ServiceError::Conflict {
        detail: format!("a zone with code {code} already exists"),
        violations: vec![FieldViolation::new(
            "code",
            "duplicate",
            "is already used by another zone",
        )],
        existing_id: None,
    }
}

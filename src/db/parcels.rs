//! Parcel queries.

use chrono::{DateTime, Utc};
use entity::parcel;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    area::Area,
    parcel::{Parcel, ParcelData, ParcelFilter},
};

fn to_domain(m: parcel::Model) -> Result<Parcel, DbErr> {
    Ok(Parcel {
        id: m.id,
        zone_id: m.zone_id,
        data: ParcelData {
            land_use: m
                .land_use
                .parse()
                .map_err(|_| corrupt("parcels", "land_use", &m.land_use))?,
            status: m
                .status
                .parse()
                .map_err(|_| corrupt("parcels", "status", &m.status))?,
            lot_code: m.lot_code,
            area_m2: Area::from_dm2(m.area_dm2),
            note: m.note,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn data_columns(d: &ParcelData) -> parcel::ActiveModel {
    parcel::ActiveModel {
        lot_code: Set(d.lot_code.clone()),
        area_dm2: Set(d.area_m2.dm2()),
        land_use: Set(d.land_use.as_str().to_owned()),
        status: Set(d.status.as_str().to_owned()),
        note: Set(d.note.clone()),
        ..Default::default()
    }
}

/// Inserts a parcel; a duplicate lot code in the zone surfaces as a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    id: Uuid,
    zone_id: Uuid,
    data: &ParcelData,
    now: DateTime<Utc>,
) -> Result<Parcel, DbErr> {
    let mut am = data_columns(data);
    am.id = Set(id);
    am.zone_id = Set(zone_id);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    parcel::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("parcel {id} vanished after insert")))
}

/// One parcel by id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Parcel>, DbErr> {
    parcel::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// One parcel by zone and lot code.
pub async fn find_by_lot(
    conn: &impl ConnectionTrait,
    zone_id: Uuid,
    lot_code: &str,
) -> Result<Option<Parcel>, DbErr> {
    parcel::Entity::find()
        .filter(parcel::Column::ZoneId.eq(zone_id))
        .filter(parcel::Column::LotCode.eq(lot_code))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// A page of a zone's parcels in creation order, after the given id.
pub async fn list(
    conn: &impl ConnectionTrait,
    zone_id: Uuid,
    filter: &ParcelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Parcel>, DbErr> {
    let mut q = parcel::Entity::find()
        .filter(parcel::Column::ZoneId.eq(zone_id))
        .order_by_asc(parcel::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(parcel::Column::Id.gt(after));
    }
    if let Some(land_use) = filter.land_use {
        q = q.filter(parcel::Column::LandUse.eq(land_use.as_str()));
    }
    if let Some(status) = filter.status {
        q = q.filter(parcel::Column::Status.eq(status.as_str()));
    }
    q.all(conn).await?.into_iter().map(to_domain).collect()
}

/// Writes new data if the row is still at `expected_version`; returns false when it is not.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    data: &ParcelData,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut am = data_columns(data);
    am.version = Set(expected_version + 1);
    am.updated_at = Set(now);
    let res = parcel::Entity::update_many()
        .set(am)
        .filter(parcel::Column::Id.eq(id))
        .filter(parcel::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The largest parcel of a zone, in dm², if it has any.
pub async fn largest_area(
    conn: &impl ConnectionTrait,
    zone_id: Uuid,
) -> Result<Option<Area>, DbErr> {
    let max: Option<Option<i64>> = parcel::Entity::find()
        .select_only()
        .expr(Expr::col(parcel::Column::AreaDm2).max())
        .filter(parcel::Column::ZoneId.eq(zone_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max.flatten().map(Area::from_dm2))
}

/// A page of every parcel (or only one zone's) with the filter, in id order, after the given id:
/// for exports and snapshots, which walk the whole table.
pub async fn page_all(
    conn: &impl ConnectionTrait,
    zone_id: Option<Uuid>,
    filter: &ParcelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Parcel>, DbErr> {
    let mut q = parcel::Entity::find()
        .order_by_asc(parcel::Column::Id)
        .limit(limit);
    if let Some(zone) = zone_id {
        q = q.filter(parcel::Column::ZoneId.eq(zone));
    }
    if let Some(after) = after {
        q = q.filter(parcel::Column::Id.gt(after));
    }
    if let Some(land_use) = filter.land_use {
        q = q.filter(parcel::Column::LandUse.eq(land_use.as_str()));
    }
    if let Some(status) = filter.status {
        q = q.filter(parcel::Column::Status.eq(status.as_str()));
    }
    q.all(conn).await?.into_iter().map(to_domain).collect()
}

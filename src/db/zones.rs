//! Zone queries.

use chrono::{DateTime, Utc};
use entity::zone;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    area::Area,
    zone::{Zone, ZoneData, ZoneFilter},
};

fn to_domain(m: zone::Model) -> Result<Zone, DbErr> {
    Ok(Zone {
        id: m.id,
        data: ZoneData {
            kind: m
                .kind
                .parse()
                .map_err(|_| corrupt("zones", "kind", &m.kind))?,
            status: m
                .status
                .parse()
                .map_err(|_| corrupt("zones", "status", &m.status))?,
            code: m.code,
            name: m.name,
            province: m.province,
            parent_id: m.parent_id,
            total_area_m2: Area::from_dm2(m.total_area_dm2),
            industrial_service_area_m2: m.industrial_service_area_dm2.map(Area::from_dm2),
            developer: m.developer,
            term_start: m.term_start,
            term_end: m.term_end,
            figures_as_of: m.figures_as_of,
            source: m.source,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn data_columns(d: &ZoneData) -> zone::ActiveModel {
    zone::ActiveModel {
        code: Set(d.code.clone()),
        name: Set(d.name.clone()),
        kind: Set(d.kind.as_str().to_owned()),
        province: Set(d.province.clone()),
        parent_id: Set(d.parent_id),
        total_area_dm2: Set(d.total_area_m2.dm2()),
        industrial_service_area_dm2: Set(d.industrial_service_area_m2.map(Area::dm2)),
        developer: Set(d.developer.clone()),
        term_start: Set(d.term_start),
        term_end: Set(d.term_end),
        status: Set(d.status.as_str().to_owned()),
        figures_as_of: Set(d.figures_as_of.clone()),
        source: Set(d.source.clone()),
        ..Default::default()
    }
}

/// Inserts a zone; a duplicate code surfaces as a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    id: Uuid,
    data: &ZoneData,
    now: DateTime<Utc>,
) -> Result<Zone, DbErr> {
    let mut am = data_columns(data);
    am.id = Set(id);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    zone::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("zone {id} vanished after insert")))
}

/// One zone by id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Zone>, DbErr> {
    zone::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// One zone by code.
pub async fn find_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<Zone>, DbErr> {
    zone::Entity::find()
        .filter(zone::Column::Code.eq(code))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// A page of zones in creation order, after the given id.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &ZoneFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Zone>, DbErr> {
    let mut q = zone::Entity::find()
        .order_by_asc(zone::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(zone::Column::Id.gt(after));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(zone::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        q = q.filter(zone::Column::Status.eq(status.as_str()));
    }
    if let Some(parent) = filter.parent_id {
        q = q.filter(zone::Column::ParentId.eq(parent));
    }
    q.all(conn).await?.into_iter().map(to_domain).collect()
}

/// Writes new data if the row is still at `expected_version`; returns false when it is not.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    data: &ZoneData,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut am = data_columns(data);
    am.version = Set(expected_version + 1);
    am.updated_at = Set(now);
    let res = zone::Entity::update_many()
        .set(am)
        .filter(zone::Column::Id.eq(id))
        .filter(zone::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// True when some zone names this one as its parent.
pub async fn has_children(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(zone::Entity::find()
        .filter(zone::Column::ParentId.eq(id))
        .one(conn)
        .await?
        .is_some())
}

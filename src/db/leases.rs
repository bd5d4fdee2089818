//! Parcel leases and zone occupancy.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{lease, parcel, project};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use crate::domain::{area::Area, lease::Lease, parcel::LandUse, project::ProjectStatus};

fn to_domain(m: lease::Model) -> Lease {
    Lease {
        id: m.id,
        project_id: m.project_id,
        parcel_id: m.parcel_id,
        area: Area::from_dm2(m.area_dm2),
        start_date: m.start_date,
        end_date: m.end_date,
        released_at: m.released_at,
        release_reason: m.release_reason,
        created_at: m.created_at,
    }
}

/// Inserts an active lease; a parcel already under an active lease surfaces as a unique violation
/// of the partial index `ux_leases_active_parcel`, whichever instance got there first.
pub async fn insert(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    parcel_id: Uuid,
    area: Area,
    start: NaiveDate,
    end: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Lease, DbErr> {
    let id = Uuid::now_v7();
    let am = lease::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        parcel_id: Set(parcel_id),
        area_dm2: Set(area.dm2()),
        start_date: Set(start),
        end_date: Set(end),
        released_at: Set(None),
        release_reason: Set(None),
        created_at: Set(now),
    };
    lease::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("lease {id} vanished after insert")))
}

/// One lease.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Lease>, DbErr> {
    Ok(lease::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain))
}

/// A project's leases, oldest first.
pub async fn for_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<Lease>, DbErr> {
    Ok(lease::Entity::find()
        .filter(lease::Column::ProjectId.eq(project_id))
        .order_by_asc(lease::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

/// A page of a project's leases, oldest first, after the given id.
pub async fn page_for_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Lease>, DbErr> {
    let mut q = lease::Entity::find()
        .filter(lease::Column::ProjectId.eq(project_id))
        .order_by_asc(lease::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(lease::Column::Id.gt(after));
    }
    Ok(q.all(conn).await?.into_iter().map(to_domain).collect())
}

/// The active lease of a parcel, if any.
pub async fn active_for_parcel(
    conn: &impl ConnectionTrait,
    parcel_id: Uuid,
) -> Result<Option<Lease>, DbErr> {
    Ok(lease::Entity::find()
        .filter(lease::Column::ParcelId.eq(parcel_id))
        .filter(lease::Column::ReleasedAt.is_null())
        .one(conn)
        .await?
        .map(to_domain))
}

/// Releases a lease; false when it was already released.
pub async fn release(
    conn: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = lease::ActiveModel {
        released_at: Set(Some(now)),
        release_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    };
    let res = lease::Entity::update_many()
        .set(am)
        .filter(lease::Column::Id.eq(id))
        .filter(lease::Column::ReleasedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Sets a parcel's status column (leased / available) as leases come and go.
pub async fn set_parcel_status(
    conn: &impl ConnectionTrait,
    parcel_id: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    parcel::Entity::update_many()
        .col_expr(parcel::Column::Status, Expr::value(status))
        .col_expr(
            parcel::Column::Version,
            Expr::col(parcel::Column::Version).add(1),
        )
        .col_expr(parcel::Column::UpdatedAt, Expr::value(now))
        .filter(parcel::Column::Id.eq(parcel_id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Per zone: leased industrial + service land of projects that hold a certificate, and the
/// industrial + service land of its parcels, both in dm².
pub async fn occupancy(
    conn: &impl ConnectionTrait,
    zone_ids: &[Uuid],
) -> Result<HashMap<Uuid, (i64, i64)>, DbErr> {
    let mut out: HashMap<Uuid, (i64, i64)> = zone_ids.iter().map(|z| (*z, (0, 0))).collect();
    if zone_ids.is_empty() {
        return Ok(out);
    }
    let counted = [LandUse::Industrial.as_str(), LandUse::Service.as_str()];
    let holding = [
        ProjectStatus::Registered.as_str(),
        ProjectStatus::Suspended.as_str(),
    ];
    let leased = Query::select()
        .column((parcel::Entity, parcel::Column::ZoneId))
        .expr_as(
            Expr::col((lease::Entity, lease::Column::AreaDm2)).sum(),
            "dm2",
        )
        .from(lease::Entity)
        .inner_join(
            parcel::Entity,
            Expr::col((parcel::Entity, parcel::Column::Id))
                .equals((lease::Entity, lease::Column::ParcelId)),
        )
        .inner_join(
            project::Entity,
            Expr::col((project::Entity, project::Column::Id))
                .equals((lease::Entity, lease::Column::ProjectId)),
        )
        .and_where(Expr::col((lease::Entity, lease::Column::ReleasedAt)).is_null())
        .and_where(Expr::col((project::Entity, project::Column::Status)).is_in(holding))
        .and_where(Expr::col((parcel::Entity, parcel::Column::LandUse)).is_in(counted))
        .and_where(
            Expr::col((parcel::Entity, parcel::Column::ZoneId)).is_in(zone_ids.iter().copied()),
        )
        .group_by_col((parcel::Entity, parcel::Column::ZoneId))
        .to_owned();
    for row in conn.query_all(&leased).await? {
        let zone: Uuid = row.try_get("", "zone_id")?;
        let dm2: i64 = sum_value(&row)?;
        out.entry(zone).or_default().0 = dm2;
    }
    let land = Query::select()
        .column(parcel::Column::ZoneId)
        .expr_as(Expr::col(parcel::Column::AreaDm2).sum(), "dm2")
        .from(parcel::Entity)
        .and_where(Expr::col(parcel::Column::LandUse).is_in(counted))
        .and_where(Expr::col(parcel::Column::ZoneId).is_in(zone_ids.iter().copied()))
        .group_by_col(parcel::Column::ZoneId)
        .to_owned();
    for row in conn.query_all(&land).await? {
        let zone: Uuid = row.try_get("", "zone_id")?;
        let dm2: i64 = sum_value(&row)?;
        out.entry(zone).or_default().1 = dm2;
    }
    Ok(out)
}

/// SUM comes back as BIGINT on SQLite and NUMERIC on PostgreSQL.
fn sum_value(row: &sea_orm::QueryResult) -> Result<i64, DbErr> {
    if let Ok(v) = row.try_get::<i64>("", "dm2") {
        return Ok(v);
    }
    let d: sea_orm::prelude::Decimal = row.try_get("", "dm2")?;
    i64::try_from(d).map_err(|e| DbErr::Custom(e.to_string()))
}

/// A page of every lease (or only those of one project) in id order, after the given id: for
/// exports and snapshots, which walk the whole table.
pub async fn page_all(
    conn: &impl ConnectionTrait,
    project_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Lease>, DbErr> {
    let mut q = lease::Entity::find()
        .order_by_asc(lease::Column::Id)
        .limit(limit);
    if let Some(owner) = project_id {
        q = q.filter(lease::Column::ProjectId.eq(owner));
    }
    if let Some(after) = after {
        q = q.filter(lease::Column::Id.gt(after));
    }
    Ok(q.all(conn).await?.into_iter().map(to_domain).collect())
}

//! Committed bulk imports.

use entity::import;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::import::{ImportBatch, ImportCounts};

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

fn to_domain(m: import::Model, with_history: u32) -> Result<ImportBatch, DbErr> {
    Ok(ImportBatch {
        id: m.id,
        format: m
            .format
            .parse()
            .map_err(|_| corrupt("imports", "format", &m.format))?,
        file_name: m.file_name,
        file_sha256: m.file_sha256,
        actor_type: m.actor_type,
        actor_id: m.actor_id,
        actor_name: m.actor_name,
        counts: ImportCounts {
            investors_created: count(m.investors_created),
            investors_matched: count(m.investors_matched),
            projects: count(m.projects),
            projects_with_history: with_history,
            leases: count(m.leases),
        },
        created_at: m.created_at,
    })
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Records an import batch with what it creates.
pub async fn insert(conn: &impl ConnectionTrait, batch: &ImportBatch) -> Result<(), DbErr> {
    import::Entity::insert(import::ActiveModel {
        id: Set(batch.id),
        file_name: Set(batch.file_name.clone()),
        file_sha256: Set(batch.file_sha256.clone()),
        format: Set(batch.format.as_str().to_owned()),
        actor_type: Set(batch.actor_type.clone()),
        actor_id: Set(batch.actor_id.clone()),
        actor_name: Set(batch.actor_name.clone()),
        investors_created: Set(int(batch.counts.investors_created)),
        investors_matched: Set(int(batch.counts.investors_matched)),
        projects: Set(int(batch.counts.projects)),
        leases: Set(int(batch.counts.leases)),
        created_at: Set(batch.created_at),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// How many paper histories each of these imports brought.
async fn histories(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, u32>, DbErr> {
    use entity::project_paper_history as h;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, i64)> = h::Entity::find()
        .select_only()
        .column(h::Column::ImportId)
        .column_as(h::Column::ProjectId.count(), "n")
        .filter(h::Column::ImportId.is_in(ids.iter().copied()))
        .group_by(h::Column::ImportId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u32::try_from(n).unwrap_or_default()))
        .collect())
}

/// One import.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<ImportBatch>, DbErr> {
    let Some(m) = import::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let n = histories(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    to_domain(m, n).map(Some)
}

/// A page of imports, newest first, before the given id.
pub async fn list(
    conn: &impl ConnectionTrait,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ImportBatch>, DbErr> {
    let mut q = import::Entity::find()
        .order_by_desc(import::Column::Id)
        .limit(limit);
    if let Some(before) = before {
        q = q.filter(import::Column::Id.lt(before));
    }
    let rows = q.all(conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut counts = histories(conn, &ids).await?;
    rows.into_iter()
        .map(|m| {
            let n = counts.remove(&m.id).unwrap_or_default();
            to_domain(m, n)
        })
        .collect()
}

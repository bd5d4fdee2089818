//! Project use cases: registry data. Status changes live in [`super::lifecycle`], land in
//! [`super::leases`].

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{Page, Precondition, audit::project_json, users::require};
use crate::{
    db,
    domain::{
        FieldViolation, Violations,
        auth::{Context, REGISTRY_EDITORS},
        project::{
            CodeSource, DurationLimits, Project, ProjectData, ProjectFilter, ProjectPatch,
            ProjectStatus, check_project_code, local_project_code,
        },
    },
    service::ServiceError,
};

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

/// The rules every new project meets, whether entered or imported: text cleaned, the national
/// code (when given) well formed, and every rule on the data that needs no database.
pub(crate) fn validate_new(
    code: Option<&str>,
    data: &mut ProjectData,
    limits: DurationLimits,
) -> Result<(), Vec<FieldViolation>> {
    data.normalize();
    let mut v = Violations::default();
    if let Some(c) = code
        && let Err(e) = check_project_code(c)
    {
        v.push(e);
    }
    if let Err(errors) = data.check(limits) {
        for e in errors {
            v.push(e);
        }
    }
    v.finish()
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
    require(ctx, REGISTRY_EDITORS)?;
    let code = project_code.map(|c| c.trim().to_owned());
    validate_new(code.as_deref(), &mut data, limits).map_err(ServiceError::Validation)?;
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
        ctx.now,
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
    patch: ProjectPatch,
    limits: DurationLimits,
) -> Result<Project, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let current = db::projects::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))?;
    precondition.check(current.version)?;
    if current.status == ProjectStatus::Terminated {
        return Err(ServiceError::conflict(
            "a terminated project can no longer be changed",
        ));
    }
    let mut data = current.data.clone();
    patch.apply(&mut data);
    data.normalize();
    data.check(limits).map_err(ServiceError::Validation)?;
    check_references(&txn, &data).await?;
    if data == current.data {
        return Ok(current);
    }
    if !db::projects::update(&txn, id, current.version, &data, user_id(ctx), ctx.now).await? {
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

/// The names of the investors of these projects, by id, in one query (for views that show
/// them beside the contributions).
pub async fn investor_names(
    db: &DatabaseConnection,
    projects: &[Project],
) -> Result<HashMap<Uuid, String>, ServiceError> {
    let ids: Vec<Uuid> = projects
        .iter()
        .flat_map(|p| p.data.investors.iter().map(|c| c.investor_id))
        .collect();
    Ok(db::investors::find_many(db, &ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i.data.name))
        .collect())
}

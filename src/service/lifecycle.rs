//! The one home of status changes: a project moves along its status machine
//! ([`domain::lifecycle`](crate::domain::lifecycle)) and, in the same transaction, its current
//! certificate follows, an open draft is withdrawn and, on termination, its land is released.
//! Changing a project's status, acting on its certificate and issuing its first certificate all
//! go through [`apply`].

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{certificate_json, project_json},
    leases, record,
    users::{ensure_four_eyes, require},
};
use crate::{
    db,
    domain::{
        FieldViolation,
        auth::{APPROVERS, Context},
        certificate::{Certificate, CertificateStatus},
        lifecycle::{
            CertificateAction, certificate_follows, check_transition, needs_reason, withdraws_draft,
        },
        project::{Project, ProjectStatus},
        text::clean_optional,
        time::vietnam_date,
    },
};

/// Why an open draft is withdrawn when its project is terminated.
const DRAFT_WITHDRAWN: &str = "dự án đã chấm dứt hoạt động (project terminated)";

/// Moves a project to `to` (an approver's decision); a move the law does not allow is a 409
/// naming the allowed ones. `effective_on` (default: today in Vietnam) is recorded on the
/// certificate that moves with the project.
pub async fn transition(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    to: ProjectStatus,
    reason: Option<String>,
    effective_on: Option<NaiveDate>,
) -> Result<Project, ServiceError> {
    require(ctx, APPROVERS)?;
    let reason = clean_optional(reason.as_deref());
    if needs_reason(to) && reason.is_none() {
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
    let current = find(&txn, id).await?;
    let project = apply(
        &txn,
        ctx,
        &current,
        to,
        reason.as_deref(),
        effective_on.unwrap_or_else(|| vietnam_date(ctx.now)),
    )
    .await?;
    txn.commit().await?;
    Ok(project)
}

/// Suspends, resumes or revokes a project's current certificate: the project moves with it, in
/// one transaction, through the project's status machine.
pub async fn act_on_certificate(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    action: CertificateAction,
    reason: Option<String>,
    effective_on: Option<NaiveDate>,
) -> Result<Certificate, ServiceError> {
    require(ctx, APPROVERS)?;
    let cert = find_certificate(db, id).await?;
    action.check(cert.status).map_err(ServiceError::conflict)?;
    transition(
        db,
        ctx,
        cert.project_id,
        action.project_status(),
        reason,
        effective_on,
    )
    .await?;
    find_certificate(db, id).await
}

/// Moves `current` (read under the project's row lock) to `to` in the caller's transaction, with
/// everything that follows, and records it; returns the project as it is now. A first
/// registration keeps the four eyes: whoever prepared the project's data cannot register it.
pub(crate) async fn apply(
    txn: &impl ConnectionTrait,
    ctx: &Context,
    current: &Project,
    to: ProjectStatus,
    reason: Option<&str>,
    effective_on: NaiveDate,
) -> Result<Project, ServiceError> {
    if let Err(refused) = check_transition(current.status, to) {
        return Err(ServiceError::Conflict {
            detail: refused.detail(),
            violations: vec![FieldViolation::new(
                "status",
                "transition_not_allowed",
                format!(
                    "allowed from {}: [{}]",
                    current.status,
                    refused.allowed_list()
                ),
            )],
            existing_id: None,
        });
    }
    if current.status == ProjectStatus::Draft && to == ProjectStatus::Registered {
        for preparer in &current.prepared_by {
            ensure_four_eyes(*preparer, &ctx.actor)?;
        }
    }
    if !db::projects::set_status(txn, current, to, reason, ctx.now).await? {
        return Err(ServiceError::PreconditionFailed {
            current: super::etag(current.version + 1),
        });
    }
    follow(txn, ctx, current.id, to, reason, effective_on).await?;
    if to == ProjectStatus::Terminated {
        leases::release_all_in(txn, ctx, current.id, "project terminated").await?;
    }
    let project = find(txn, current.id).await?;
    record(
        txn,
        ctx,
        &format!("project.{}", to.as_str()),
        "project",
        current.id,
        Some(project_json(current)),
        project_json(&project),
    )
    .await?;
    Ok(project)
}

/// Moves the project's current certificate (and open draft) along with the project's new status.
async fn follow(
    txn: &impl ConnectionTrait,
    ctx: &Context,
    project_id: Uuid,
    to: ProjectStatus,
    reason: Option<&str>,
    effective_on: NaiveDate,
) -> Result<(), ServiceError> {
    let current = db::certificates::current(txn, project_id).await?;
    if let Some(cert) = current
        && let Some(target) = certificate_follows(to, cert.status)
    {
        let reason = if target == CertificateStatus::InForce {
            None
        } else {
            reason
        };
        if !db::certificates::set_status(
            txn,
            &cert,
            target,
            reason,
            Some(effective_on),
            None,
            ctx.now,
        )
        .await?
        {
            return Err(ServiceError::conflict(
                "the certificate changed meanwhile; retry",
            ));
        }
        let action = match target {
            CertificateStatus::Suspended => "certificate.suspend",
            CertificateStatus::InForce => "certificate.resume",
            _ => "certificate.revoke",
        };
        recorded(txn, ctx, action, &cert).await?;
    }
    if withdraws_draft(to)
        && let Some(open) = db::certificates::open_draft(txn, project_id).await?
    {
        db::certificates::set_status(
            txn,
            &open,
            CertificateStatus::Rejected,
            Some(DRAFT_WITHDRAWN),
            None,
            None,
            ctx.now,
        )
        .await?;
        recorded(txn, ctx, "certificate.reject", &open).await?;
    }
    Ok(())
}

/// Records a certificate's change, reading it as it is now.
async fn recorded(
    txn: &impl ConnectionTrait,
    ctx: &Context,
    action: &str,
    before: &Certificate,
) -> Result<(), ServiceError> {
    let after = find_certificate(txn, before.id).await?;
    record(
        txn,
        ctx,
        action,
        "certificate",
        before.id,
        Some(certificate_json(before)),
        certificate_json(&after),
    )
    .await
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Project, ServiceError> {
    db::projects::find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", id))
}

async fn find_certificate(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Certificate, ServiceError> {
    db::certificates::find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("certificate", id))
}

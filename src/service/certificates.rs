//! Certificates: an officer drafts the next version from the registry, a different approver
//! issues it (rendered, sealed and signed), and the certificate then follows the project's status.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Page, audit::certificate_json, keys, lifecycle, users::require};
use crate::{
    certificate::issuer::{IssueError, Issuer},
    db,
    domain::{
        FieldViolation,
        auth::{APPROVERS, Actor, Context, DRAFTERS},
        certificate::{
            Certificate, CertificateStatus, DraftInputs,
            content::{CertificateContent, Signer},
            draft_content,
        },
        project::{Project, ProjectStatus},
        text::clean_optional,
        time::vietnam_date,
    },
    service::ServiceError,
};

impl From<IssueError> for ServiceError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Incomplete | IssueError::Unsealable(_) => Self::conflict(e.to_string()),
            IssueError::Render(_) | IssueError::Sign(_) => Self::Unexpected(Box::new(e)),
        }
    }
}

/// What an officer sends to draft a version.
#[derive(Debug, Clone, Default)]
pub struct DraftRequest {
    /// Date the investor's dossier was received, printed in the "Căn cứ hồ sơ" line.
    pub dossier_received_on: Option<NaiveDate>,
    /// English labels after the Vietnamese ones.
    pub bilingual: bool,
    /// The one-stop dossier this version answers: it must be received or in review, for a
    /// procedure whose result is a certificate; its receipt date becomes the "Căn cứ hồ sơ"
    /// date unless one is given, and issuing the version approves it.
    pub dossier_id: Option<Uuid>,
}

/// A certificate with whether it was returned from an earlier request with the same
/// `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The certificate.
    pub certificate: Certificate,
    /// True when this is the replay of an earlier identical request.
    pub replayed: bool,
}

fn actor_key(actor: &Actor) -> String {
    match actor {
        Actor::User { id, .. } => id.to_string(),
        Actor::System { name } => format!("system:{name}"),
        Actor::Applicant { receipt_code } => format!("applicant:{receipt_code}"),
    }
}

/// An optional `Idempotency-Key` (draft-ietf-httpapi-idempotency-key): the same key and request
/// from the same actor return what the first request produced; the same key with a different
/// request is refused.
struct Idempotency {
    now: chrono::DateTime<chrono::Utc>,
    scope: String,
    actor: String,
    key: Option<String>,
    fingerprint: String,
}

impl Idempotency {
    /// Keys are 1-255 visible ASCII characters; `request` are the parts of the request that make
    /// it the same request.
    fn new(
        ctx: &Context,
        scope: String,
        key: Option<&str>,
        request: &[&str],
    ) -> Result<Self, ServiceError> {
        if let Some(k) = key
            && (k.is_empty() || k.len() > 255 || !k.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        {
            return Err(ServiceError::BadParameter {
                name: "Idempotency-Key",
                message: "must be 1-255 visible ASCII characters".to_owned(),
            });
        }
        let mut h = Sha256::new();
        for p in request {
            h.update(p.as_bytes());
            h.update([0]);
        }
        Ok(Self {
            now: ctx.now,
            scope,
            actor: actor_key(&ctx.actor),
            key: key.map(str::to_owned),
            fingerprint: hex::encode(h.finalize()),
        })
    }

    /// What an earlier request with this key produced, if any.
    async fn replayed(&self, conn: &impl ConnectionTrait) -> Result<Option<Outcome>, ServiceError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match db::certificates::recall_key(conn, &self.scope, &self.actor, key).await? {
            None => Ok(None),
            Some((fp, id)) if fp == self.fingerprint => Ok(db::certificates::find(conn, id)
                .await?
                .map(|certificate| Outcome {
                    certificate,
                    replayed: true,
                })),
            Some(_) => Err(ServiceError::invalid(
                "Idempotency-Key",
                "reused",
                "this Idempotency-Key was already used for a different request",
            )),
        }
    }

    /// Remembers the key with what it produced and commits; when a concurrent request with the
    /// same key won the race, returns what that request produced instead.
    async fn commit(
        &self,
        db: &DatabaseConnection,
        txn: DatabaseTransaction,
        cert: Certificate,
    ) -> Result<Outcome, ServiceError> {
        if let Some(key) = &self.key {
            let res = db::certificates::remember_key(
                &txn,
                &self.scope,
                &self.actor,
                key,
                &self.fingerprint,
                cert.id,
                self.now,
            )
            .await;
            match res {
                Ok(()) => {}
                Err(e) if db::is_unique_violation(&e) => {
                    txn.rollback().await?;
                    return self.replayed(db).await?.ok_or_else(|| {
                        ServiceError::conflict(
                            "a request with this Idempotency-Key is in progress; retry",
                        )
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        txn.commit().await?;
        Ok(Outcome {
            certificate: cert,
            replayed: false,
        })
    }
}

async fn get_in(conn: &impl ConnectionTrait, id: Uuid) -> Result<Certificate, ServiceError> {
    db::certificates::find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("certificate", id))
}

/// The content the registry holds now for a project's next version.
async fn registry_content(
    conn: &impl ConnectionTrait,
    issuer: &Issuer,
    project: &crate::domain::project::Project,
    version: u32,
    first_issued_on: Option<NaiveDate>,
    dossier_line: Option<String>,
) -> Result<crate::domain::certificate::content::CertificateContent, ServiceError> {
    let investor_ids: Vec<Uuid> = project
        .data
        .investors
        .iter()
        .map(|c| c.investor_id)
        .collect();
    let investors = db::investors::find_many(conn, &investor_ids).await?;
    let zone = match project.data.zone_id {
        Some(z) => db::zones::find(conn, z).await?,
        None => None,
    };
    let mut leases = Vec::new();
    for lease in db::leases::for_project(conn, project.id).await? {
        if lease.released_at.is_none() {
            let code = db::parcels::find(conn, lease.parcel_id)
                .await?
                .map(|p| p.data.lot_code)
                .unwrap_or_default();
            leases.push((lease, code));
        }
    }
    Ok(draft_content(
        project,
        DraftInputs {
            investors: &investors,
            zone: zone.as_ref(),
            leases: &leases,
            issuing_body: issuer.issuing_body(),
            template: issuer.template_id(),
            statutory_basis: issuer.statutory_basis(),
            dossier_line,
            version,
            first_issued_on,
            development_key: issuer.is_development(),
            bilingual: false,
        },
    ))
}

/// Drafts the next version of a project's certificate from its current registry data. One open
/// draft per project: a second gets 409 naming the first.
pub async fn draft(
    db: &DatabaseConnection,
    issuer: &Issuer,
    ctx: &Context,
    project_id: Uuid,
    req: DraftRequest,
    idempotency_key: Option<&str>,
) -> Result<Outcome, ServiceError> {
    require(ctx, DRAFTERS)?;
    let received = req
        .dossier_received_on
        .map(|d| d.to_string())
        .unwrap_or_default();
    let dossier = req.dossier_id.map(|d| d.to_string()).unwrap_or_default();
    let idem = Idempotency::new(
        ctx,
        format!("certificate.draft:{project_id}"),
        idempotency_key,
        &[
            &received,
            if req.bilingual { "bilingual" } else { "vi" },
            &dossier,
        ],
    )?;
    let txn = db::begin_write(db).await?;
    if let Some(done) = idem.replayed(&txn).await? {
        return Ok(done);
    }
    if !db::projects::lock(&txn, project_id).await? {
        return Err(ServiceError::not_found("project", project_id));
    }
    // A twin request with the same key may have committed while this one waited for the lock.
    if let Some(done) = idem.replayed(&txn).await? {
        return Ok(done);
    }
    let project = db::projects::find(&txn, project_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", project_id))?;
    if !matches!(
        project.status,
        ProjectStatus::Draft | ProjectStatus::Registered
    ) {
        return Err(ServiceError::conflict(format!(
            "a {} project cannot get a new certificate version",
            project.status
        )));
    }
    if let Some(open) = db::certificates::open_draft(&txn, project_id).await? {
        return Err(ServiceError::Conflict {
            detail: "this project already has an open draft; approve or reject it first".to_owned(),
            violations: Vec::new(),
            existing_id: Some(open.id.to_string()),
        });
    }
    let mut received_on = req.dossier_received_on;
    if let Some(dossier_id) = req.dossier_id {
        let d = super::dossiers::check_for_draft(&txn, ctx, dossier_id, project_id).await?;
        if received_on.is_none() {
            received_on = d.received_at.map(vietnam_date);
        }
    }
    let (issued, first_issued_on) = db::certificates::issued_summary(&txn, project_id).await?;
    let version = u32::try_from(issued).unwrap_or(0);
    let dossier_line = received_on.map(|d| issuer.dossier_line(version, d));
    let mut content = registry_content(
        &txn,
        issuer,
        &project,
        version,
        first_issued_on,
        dossier_line,
    )
    .await?;
    content.bilingual = req.bilingual;
    let now = ctx.now;
    let cert = match db::certificates::insert_draft(
        &txn,
        db::certificates::NewDraft {
            project_id,
            project_code: &project.project_code,
            project_version: project.version,
            content: &content,
            drafted_by: ctx.actor.id().and_then(|s| s.parse().ok()),
            dossier_id: req.dossier_id,
        },
        now,
    )
    .await
    {
        Ok(c) => c,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::conflict(
                "this project already has an open draft; approve or reject it first",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    super::record(
        &txn,
        ctx,
        "certificate.draft",
        "certificate",
        cert.id,
        None,
        certificate_json(&cert),
    )
    .await?;
    idem.commit(db, txn, cert).await
}

/// Issues a draft: the approver (not the drafter, nor whoever prepared the project's data) signs
/// it. Version numbers are taken under the project's row lock, so they are gapless and unique on
/// any number of instances; the previous version is superseded and a draft project becomes
/// registered in the same transaction.
/// Issues a draft: the approver (not the drafter, nor whoever prepared the project's data) signs
/// it. The checks and the rendering, sealing and signing (the slow part, growing with the
/// certificate) run first, outside any write transaction, so a long certificate never holds the
/// write lock; then one short transaction re-checks, under the project's row lock, that nothing
/// changed meanwhile, takes the version number (gapless and unique on any number of instances),
/// supersedes the previous version, registers a draft project and records it all.
pub async fn approve(
    db: &DatabaseConnection,
    issuer: &Issuer,
    ctx: &Context,
    id: Uuid,
    idempotency_key: Option<&str>,
) -> Result<Outcome, ServiceError> {
    require(ctx, APPROVERS)?;
    let idem = Idempotency::new(
        ctx,
        format!("certificate.approve:{id}"),
        idempotency_key,
        &[],
    )?;
    if let Some(done) = idem.replayed(db).await? {
        return Ok(done);
    }
    let planned = plan_issue(db, issuer, ctx, id).await?;
    let issuer_handle = issuer.clone();
    let content_for_render = planned.content.clone();
    let doc = tokio::task::spawn_blocking(move || issuer_handle.issue(&content_for_render))
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))??;

    let txn = db::begin_write(db).await?;
    if !db::projects::lock(&txn, planned.draft.project_id).await? {
        return Err(ServiceError::not_found("project", planned.draft.project_id));
    }
    // A twin request with the same key may have committed while this one rendered.
    if let Some(done) = idem.replayed(&txn).await? {
        return Ok(done);
    }
    // Re-read under the lock: what was checked before rendering must still hold.
    let draft = get_in(&txn, id).await?;
    if draft.status != CertificateStatus::Draft {
        return Err(ServiceError::conflict(format!(
            "this certificate is {}, not a draft",
            draft.status
        )));
    }
    let project = db::projects::find(&txn, draft.project_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", draft.project_id))?;
    let (version_no, _) = db::certificates::issued_summary(&txn, draft.project_id).await?;
    if draft.row_version != planned.draft.row_version
        || project.version != planned.project.version
        || project.status != planned.project.status
        || i64::from(version_no) != i64::from(planned.content.version)
    {
        return Err(ServiceError::conflict(
            "the draft, its project or its versions changed while it was being signed; approve it again",
        ));
    }
    let issued_on = planned.issued_on;
    let now = ctx.now;
    if let Some(previous) = db::certificates::current(&txn, draft.project_id).await? {
        db::certificates::set_status(
            &txn,
            &previous,
            CertificateStatus::Superseded,
            None,
            Some(issued_on),
            Some(draft.id),
            now,
        )
        .await?;
        let after = get_in(&txn, previous.id).await?;
        super::record(
            &txn,
            ctx,
            "certificate.supersede",
            "certificate",
            previous.id,
            Some(certificate_json(&previous)),
            certificate_json(&after),
        )
        .await?;
    }
    let content = &planned.content;
    let status_list_index = super::status_list::allocate(&txn).await?;
    let ok = db::certificates::issue(
        &txn,
        &draft,
        db::certificates::Issued {
            version_no,
            content,
            content_digest: hex::encode(doc.content_digest),
            issued_on,
            first_issued_on: content.first_issued_on.unwrap_or(issued_on),
            signed_at: content.signed_at.unwrap_or(now),
            signer_name: planned.signer_name.clone(),
            key_id: issuer.key_id_hex(),
            pdf: &doc.pdf,
            pdf_sha256: hex::encode(Sha256::digest(&doc.pdf)),
            pages: i32::try_from(doc.pages).unwrap_or(i32::MAX),
            seal: doc.seal.clone(),
            approved_by: ctx.actor.id().and_then(|s| s.parse().ok()),
            status_list_index,
        },
        now,
    )
    .await;
    match ok {
        Ok(true) => {}
        Ok(false) => {
            return Err(ServiceError::conflict(
                "the draft changed meanwhile; reload it",
            ));
        }
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::conflict(
                "another version of this certificate was issued at the same moment; reload",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if project.status == ProjectStatus::Draft {
        // The first issue registers the project, through its status machine.
        lifecycle::apply(
            &txn,
            ctx,
            &project,
            ProjectStatus::Registered,
            None,
            issued_on,
        )
        .await?;
    }
    let cert = get_in(&txn, id).await?;
    if let Some(dossier_id) = draft.dossier_id {
        super::dossiers::certificate_issued_in(
            &txn,
            ctx,
            dossier_id,
            id,
            &crate::domain::format::version_label(content.version),
        )
        .await?;
    }
    super::record(
        &txn,
        ctx,
        "certificate.issue",
        "certificate",
        id,
        Some(certificate_json(&draft)),
        certificate_json(&cert),
    )
    .await?;
    idem.commit(db, txn, cert).await
}

/// What approving a draft will issue, checked and completed before anything is written.
struct PlannedIssue {
    draft: Certificate,
    project: Project,
    content: CertificateContent,
    issued_on: NaiveDate,
    signer_name: String,
}

/// Checks that the draft can be issued by this approver now (outside any write transaction) and
/// completes its content with the version, dates, signer and signing time.
async fn plan_issue(
    db: &DatabaseConnection,
    issuer: &Issuer,
    ctx: &Context,
    id: Uuid,
) -> Result<PlannedIssue, ServiceError> {
    let draft = get_in(db, id).await?;
    if draft.status != CertificateStatus::Draft {
        return Err(ServiceError::conflict(format!(
            "this certificate is {}, not a draft",
            draft.status
        )));
    }
    if let Some(drafter) = draft.drafted_by {
        super::users::ensure_four_eyes(drafter, &ctx.actor)?;
    }
    let project = db::projects::find(db, draft.project_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("project", draft.project_id))?;
    for preparer in &project.prepared_by {
        super::users::ensure_four_eyes(*preparer, &ctx.actor)?;
    }
    // What is issued must be what the registry holds: a change to the project, an investor, the
    // zone or the land after drafting makes the draft stale.
    let now_content = registry_content(
        db,
        issuer,
        &project,
        draft.content.version,
        draft.content.first_issued_on,
        None,
    )
    .await?;
    let d = &draft.content;
    if project.version != draft.project_version
        || now_content.investors != d.investors
        || now_content.project != d.project
        || now_content.incentives != d.incentives
        || now_content.conditions != d.conditions
        || now_content.issuing_body != d.issuing_body
    {
        return Err(ServiceError::conflict(
            "the registry changed after this draft was made (project, investors, zone or land); reject it and draft again",
        ));
    }
    if !matches!(
        project.status,
        ProjectStatus::Draft | ProjectStatus::Registered
    ) {
        return Err(ServiceError::conflict(format!(
            "a {} project cannot get a new certificate version",
            project.status
        )));
    }
    let signer = signer_of(db, &ctx.actor).await?;
    let now = ctx.now;
    if let Some(why) = keys::unusable(db, &issuer.key_id_hex(), now).await? {
        return Err(ServiceError::conflict(why));
    }
    let (version_no, first) = db::certificates::issued_summary(db, draft.project_id).await?;
    // Whole seconds: the PDF's signing time has no fractions.
    let signed_at = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let issued_on = vietnam_date(signed_at);
    let mut content = draft.content.clone();
    content.version = u32::try_from(version_no).unwrap_or(0);
    content.issued_on = Some(issued_on);
    content.first_issued_on = Some(first.unwrap_or(issued_on));
    content.signer = Some(signer.clone());
    content.signed_at = Some(signed_at);
    content.development_key = issuer.is_development();
    Ok(PlannedIssue {
        draft,
        project,
        content,
        issued_on,
        signer_name: signer.full_name,
    })
}

/// The approver's signature block, from their account.
async fn signer_of(conn: &impl ConnectionTrait, actor: &Actor) -> Result<Signer, ServiceError> {
    let Actor::User { id, .. } = actor else {
        return Err(ServiceError::Forbidden(
            "certificates are signed by a person; sign in as an approver".to_owned(),
        ));
    };
    let user = db::users::find(conn, *id)
        .await?
        .ok_or_else(|| ServiceError::Unauthorized("the account no longer exists".to_owned()))?;
    let Some(title) = user.signing_title else {
        return Err(ServiceError::Conflict {
            detail: "your account has no signing title (e.g. \"PHÓ TRƯỞNG BAN\"); an administrator must set it before you can sign".to_owned(),
            violations: vec![FieldViolation::new(
                "signing_title",
                "required",
                "set on the approver's account",
            )],
            existing_id: None,
        });
    };
    Ok(Signer {
        full_name: user.display_name,
        capacity: user.signing_capacity,
        title,
    })
}

/// Returns a draft to the officer without issuing it.
pub async fn reject(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    reason: Option<String>,
) -> Result<Certificate, ServiceError> {
    require(ctx, APPROVERS)?;
    let reason = clean_optional(reason.as_deref()).ok_or_else(|| {
        ServiceError::invalid("reason", "required", "say why the draft is rejected")
    })?;
    let txn = db::begin_write(db).await?;
    let cert = get_in(&txn, id).await?;
    if cert.status != CertificateStatus::Draft {
        return Err(ServiceError::conflict(format!(
            "this certificate is {}, not a draft",
            cert.status
        )));
    }
    let now = ctx.now;
    if !db::certificates::set_status(
        &txn,
        &cert,
        CertificateStatus::Rejected,
        Some(&reason),
        None,
        None,
        now,
    )
    .await?
    {
        return Err(ServiceError::conflict(
            "the draft changed meanwhile; reload it",
        ));
    }
    let after = get_in(&txn, id).await?;
    super::record(
        &txn,
        ctx,
        "certificate.reject",
        "certificate",
        id,
        Some(certificate_json(&cert)),
        certificate_json(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// How many certificate versions were issued from `from` to `to` (Vietnamese days, inclusive).
pub async fn issued_between(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<u64, ServiceError> {
    Ok(db::certificates::count_issued_between(db, from, to).await?)
}

/// One certificate.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Certificate, ServiceError> {
    get_in(db, id).await
}

/// A project's certificate versions and drafts, oldest first.
pub async fn list_for_project(
    db: &DatabaseConnection,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Certificate>, ServiceError> {
    if db::projects::find(db, project_id).await?.is_none() {
        return Err(ServiceError::not_found("project", project_id));
    }
    let rows = db::certificates::page_for_project(db, project_id, after, limit).await?;
    Ok(Page::from_overfetch(rows, limit, |c| c.id))
}

/// The exact bytes of an issued certificate's signed PDF.
pub async fn pdf(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<(Certificate, Vec<u8>), ServiceError> {
    let cert = get_in(db, id).await?;
    if !cert.status.was_issued() {
        return Err(ServiceError::conflict(
            "a draft has no signed PDF; use the preview",
        ));
    }
    let bytes = db::certificates::pdf(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("certificate PDF", id))?;
    Ok((cert, bytes))
}

/// An unsigned preview of a draft, watermarked "BẢN NHÁP / DRAFT".
pub async fn preview(
    db: &DatabaseConnection,
    issuer: &Issuer,
    id: Uuid,
) -> Result<(Certificate, Vec<u8>), ServiceError> {
    let cert = get_in(db, id).await?;
    if cert.status.was_issued() {
        return Err(ServiceError::conflict(
            "this version is issued; download its signed PDF instead",
        ));
    }
    let issuer = issuer.clone();
    let content = cert.content.clone();
    let bytes = tokio::task::spawn_blocking(move || issuer.preview(&content))
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))??;
    Ok((cert, bytes))
}

/// Every certificate version and draft (or only one project's), a page at a time in id order: for exports.
pub async fn page_all(
    db: &DatabaseConnection,
    project_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<Certificate>, ServiceError> {
    let rows = db::certificates::page_all(db, project_id, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |row| row.id))
}

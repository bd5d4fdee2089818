//! `/api/v1/.../certificates`: drafting, issuing and the lifecycle of Investment Registration
//! Certificates, their PDFs, and the public trust list of signing keys.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi, Union,
    param::{Header, Path, Query},
    payload::{Binary, Json},
};
use uuid::Uuid;

use super::{
    ApiTags,
    content::CertificateContentView,
    problem::{ReadError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{AnyStaff, Approvers, Authorized, Drafters, ReaderAuth},
    types::{Date, Lenient},
};
use crate::{
    domain::{
        auth::Scope,
        certificate::{Certificate, CertificateStatus, KeyStatus},
        format::version_label,
        lifecycle::CertificateAction,
        status_list::Purpose,
    },
    service::{self, AppState, ServiceError, etag},
};

/// Certificates.
#[derive(Default)]
pub struct CertificatesApi;

/// A certificate version: a draft (`kind` `draft`, also once rejected), or an issued version
/// (`kind` `issued`: in force, suspended, revoked or replaced), which has its number, dates,
/// signature, signed PDF and QR seal.
#[derive(Union, Debug)]
#[oai(rename = "Certificate", discriminator_name = "kind", one_of)]
#[expect(
    clippy::large_enum_variant,
    reason = "a response value, built once per certificate and written out at once"
)]
pub enum CertificateView {
    /// A draft.
    #[oai(mapping = "draft")]
    Draft(DraftCertificateView),
    /// An issued version.
    #[oai(mapping = "issued")]
    Issued(IssuedCertificateView),
}

/// A draft of the next certificate version, not signed: what it would state, for review.
#[derive(Object, Debug)]
#[oai(rename = "DraftCertificate", skip_serializing_if_is_none)]
pub struct DraftCertificateView {
    /// Identifier.
    id: Uuid,
    /// The project.
    project_id: Uuid,
    /// The project code, 10 digits.
    project_code: String,
    /// "Bản nháp (draft)".
    version_label: String,
    /// `draft`, or `rejected` once an approver refused it.
    status: CertificateStatus,
    /// Date of the first issue, when this drafts a change.
    first_issued_on: Option<Date>,
    /// Template the certificate is rendered with, e.g. `irc-2021`.
    template: String,
    /// True when it would be signed with a generated development key (no legal value).
    development_key: bool,
    /// The officer who drafted it.
    drafted_by: Option<Uuid>,
    /// The one-stop dossier it answers; issuing it approves the dossier.
    dossier_id: Option<Uuid>,
    /// Why it was rejected.
    status_reason: Option<String>,
    /// When it was rejected.
    status_changed_at: Option<DateTime<Utc>>,
    /// What it would state: every fact to be printed (Law on Investment 2020, Art. 40).
    content: CertificateContentView,
    /// When drafted.
    created_at: DateTime<Utc>,
}

/// An issued certificate version, signed: its PDF and QR seal exist and are checked at
/// `/api/v1/verify`.
#[derive(Object, Debug)]
#[oai(rename = "IssuedCertificate", skip_serializing_if_is_none)]
pub struct IssuedCertificateView {
    /// Identifier.
    id: Uuid,
    /// The project.
    project_id: Uuid,
    /// The project code, 10 digits.
    project_code: String,
    /// 0 = first issue ("Chứng nhận lần đầu"), N = N-th change ("Chứng nhận thay đổi lần thứ
    /// N").
    version: i32,
    /// The line printed under the title, e.g. "Chứng nhận thay đổi lần thứ 1".
    version_label: String,
    /// `issued` (in force), `suspended`, `revoked` or `superseded` (replaced by a later version).
    status: CertificateStatus,
    /// Date this version was issued (Vietnamese calendar).
    issued_on: Date,
    /// Date of the first issue.
    first_issued_on: Date,
    /// When it was signed.
    signed_at: DateTime<Utc>,
    /// Who signed it.
    signer_name: String,
    /// Template the certificate is rendered with, e.g. `irc-2021`.
    template: String,
    /// Id of the signing key (see `/api/v1/trust/keys`).
    key_id: String,
    /// Status of the signing key now; `compromised` means this certificate's signatures must
    /// not be trusted.
    key_status: Option<KeyStatus>,
    /// True when signed with a generated development key (no legal value).
    development_key: bool,
    /// SHA-256 of the frozen content, hex (the QR seal carries its first 16 bytes).
    content_digest: String,
    /// SHA-256 of the signed PDF, hex.
    pdf_sha256: String,
    /// Size of the signed PDF in bytes.
    pdf_size: i32,
    /// Pages of the PDF.
    pages: i32,
    /// The QR seal: upper-case Base32.
    seal: String,
    /// The URL the QR code opens.
    verification_url: String,
    /// The officer who drafted it.
    drafted_by: Option<Uuid>,
    /// The approver who issued it.
    approved_by: Option<Uuid>,
    /// The version that replaced this one.
    superseded_by: Option<Uuid>,
    /// Reason of the last status change (suspension, revocation).
    status_reason: Option<String>,
    /// The one-stop dossier it answers.
    dossier_id: Option<Uuid>,
    /// Date the last status change took effect (e.g. the revocation date).
    status_effective_on: Option<Date>,
    /// When the status last changed.
    status_changed_at: Option<DateTime<Utc>>,
    /// Every fact printed (Law on Investment 2020, Art. 40), frozen at issue.
    content: CertificateContentView,
    /// Where anyone reads this version's status without this API: its entry in each of the
    /// registry's W3C Bitstring Status Lists (`/api/v1/status-lists/{purpose}`).
    credential_status: Vec<StatusListEntryView>,
    /// When drafted.
    created_at: DateTime<Utc>,
}

/// An issued version's entry in a W3C Bitstring Status List (a `BitstringStatusListEntry`).
#[derive(Object, Debug)]
#[oai(rename = "StatusListEntry")]
pub struct StatusListEntryView {
    /// `revocation` or `suspension`: a set bit means revoked, respectively suspended.
    status_purpose: Purpose,
    /// The bit's index in the list (0 is the left-most bit).
    status_list_index: i32,
    /// The URL of the list credential.
    status_list_credential: String,
}

listed!(
    CertificateView,
    name = "CertificateList",
    list = "A page of certificate versions.",
    items = "Versions and drafts, oldest first.",
    cursor = "certificates",
    listed = "The project's certificate versions."
);

/// The line under the title: the version's, or "draft" for a draft.
fn label(c: &Certificate) -> String {
    match c.version_no.and_then(|v| u32::try_from(v).ok()) {
        None => "Bản nháp (draft)".to_owned(),
        Some(v) => version_label(v),
    }
}

/// One certificate's view.
async fn view(state: &AppState, c: Certificate) -> Result<CertificateView, ServiceError> {
    let keys = service::keys::statuses(&state.db).await?;
    view_with(state, c, &keys)
}

/// A certificate's view, with the statuses of the signing keys read once for a whole page.
pub(crate) fn view_with(
    state: &AppState,
    c: Certificate,
    keys: &std::collections::HashMap<String, KeyStatus>,
) -> Result<CertificateView, ServiceError> {
    let version_label = label(&c);
    let development_key = c.content.development_key;
    let template = c.content.template.clone();
    let Some(version) = c.version_no else {
        return Ok(CertificateView::Draft(DraftCertificateView {
            version_label,
            development_key,
            template,
            id: c.id,
            project_id: c.project_id,
            project_code: c.project_code,
            status: c.status,
            first_issued_on: c.first_issued_on.map(Date),
            drafted_by: c.drafted_by,
            dossier_id: c.dossier_id,
            status_reason: c.status_reason,
            status_changed_at: c.status_changed_at,
            content: c.content.into(),
            created_at: c.created_at,
        }));
    };
    // Issuing writes every one of these in the same transaction; a row without them is damaged.
    let damaged = || {
        ServiceError::Unexpected(
            format!("issued certificate {} lacks its signature facts", c.id).into(),
        )
    };
    let (
        Some(issued_on),
        Some(first_issued_on),
        Some(signed_at),
        Some(signer_name),
        Some(key_id),
        Some(content_digest),
        Some(pdf_sha256),
        Some(pdf_size),
        Some(pages),
        Some(seal),
    ) = (
        c.issued_on,
        c.first_issued_on,
        c.signed_at,
        c.signer_name.clone(),
        c.key_id.clone(),
        c.content_digest.clone(),
        c.pdf_sha256.clone(),
        c.pdf_size,
        c.pages,
        c.seal.clone(),
    )
    else {
        return Err(damaged());
    };
    Ok(CertificateView::Issued(IssuedCertificateView {
        key_status: keys.get(&key_id).copied(),
        verification_url: state.issuer.verification_url(&seal),
        version_label,
        development_key,
        template,
        id: c.id,
        project_id: c.project_id,
        project_code: c.project_code,
        version,
        status: c.status,
        issued_on: Date(issued_on),
        first_issued_on: Date(first_issued_on),
        signed_at,
        signer_name,
        key_id,
        content_digest,
        pdf_sha256,
        pdf_size,
        pages,
        seal,
        drafted_by: c.drafted_by,
        approved_by: c.approved_by,
        superseded_by: c.superseded_by,
        status_reason: c.status_reason,
        dossier_id: c.dossier_id,
        status_effective_on: c.status_effective_on.map(Date),
        status_changed_at: c.status_changed_at,
        content: c.content.into(),
        credential_status: c
            .status_list_index
            .map(|index| {
                Purpose::ALL
                    .iter()
                    .map(|&purpose| StatusListEntryView {
                        status_purpose: purpose,
                        status_list_index: index,
                        status_list_credential: service::status_list::list_url(
                            state.issuer.public_base_url(),
                            purpose,
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        created_at: c.created_at,
    }))
}

/// What an officer sends to draft the next version.
#[derive(Object, Debug, Default)]
#[oai(
    rename = "CertificateDraft",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct CertificateDraftBody {
    /// Date the investor's dossier was received; printed as the last "Căn cứ hồ sơ ... nộp
    /// ngày ..." line. Omit when not applicable.
    dossier_received_on: Option<Date>,
    /// `true` prints English labels and headings after the Vietnamese ones (song ngữ); the
    /// Vietnamese text is the legal one. Default `false`.
    bilingual: Option<bool>,
    /// The one-stop dossier this version answers (received or in review, for a procedure whose
    /// result is a certificate). Its receipt date fills `dossier_received_on` when that is
    /// absent; issuing the version approves the dossier and makes the signed PDF its
    /// electronic result.
    dossier_id: Option<Lenient<Uuid>>,
}

super::types::json_example!(CertificateDraftBody, {"dossier_received_on": "2026-11-20", "bilingual": false});

/// A reason, for rejecting a draft or suspending a certificate.
#[derive(Object, Debug)]
#[oai(
    rename = "CertificateReason",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ReasonBody {
    /// Why, e.g. the number and date of the decision or notice.
    reason: Option<String>,
}

super::types::json_example!(ReasonBody, {"reason": "Quyết định tạm ngừng hoạt động dự án số 12/QĐ-BQLKKT ngày 01/12/2026"});

/// A revocation.
#[derive(Object, Debug)]
#[oai(
    rename = "CertificateRevocation",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct RevokeBody {
    /// Why, e.g. "Quyết định chấm dứt hoạt động dự án số 45/QĐ-BQLKKT ngày 01/12/2026".
    reason: Option<String>,
    /// Date the revocation takes effect (Vietnamese calendar); today when omitted.
    revoked_on: Option<Date>,
}

super::types::json_example!(RevokeBody, {"reason": "Quyết định chấm dứt hoạt động dự án số 45/QĐ-BQLKKT ngày 01/12/2026", "revoked_on": "2026-12-01"});

#[derive(ApiResponse)]
enum CertificateCreated {
    /// The draft was made (or, with a repeated `Idempotency-Key`, this is the one made before).
    #[oai(status = 201)]
    Created(
        Json<CertificateView>,
        /// Address of the certificate.
        #[oai(header = "Location")]
        String,
        /// `true` when this answers a repeated `Idempotency-Key`.
        #[oai(header = "Idempotent-Replayed")]
        Option<String>,
    ),
}

#[derive(ApiResponse)]
enum CertificateFound {
    /// The certificate.
    #[oai(status = 200)]
    Ok(
        Json<CertificateView>,
        /// Version tag of the record.
        #[oai(header = "ETag")]
        String,
        /// `true` when this answers a repeated `Idempotency-Key`.
        #[oai(header = "Idempotent-Replayed")]
        Option<String>,
    ),
}

#[derive(ApiResponse)]
enum PdfFile {
    /// The PDF.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file name.
        #[oai(header = "Content-Disposition")]
        String,
        /// Caching rule.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of drafting a certificate.
    DraftError {
        404 NotFound "No project has this id.",
        409 Conflict "The project already has an open draft (`existing_id` names it), or its status allows no new version.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A field is invalid, or the `Idempotency-Key` was used for a different request.",
    }
}

problem_responses! {
    /// Errors of an action on a certificate.
    CertificateActionError {
        404 NotFound "No certificate has this id.",
        409 Conflict "The certificate's status does not allow this (e.g. approving what is not a draft), the project changed after drafting, or the signing key is not active.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A reason is missing or a field is invalid.",
    }
}

problem_responses! {
    /// Errors of reading a certificate's PDF.
    PdfError {
        404 NotFound "No certificate has this id.",
        409 Conflict "A draft has no signed PDF (use the preview), or an issued version has no preview.",
        429 TooManyRequests "The API key's rate limit is reached; retry after `Retry-After` seconds.",
    }
}

fn found(view: CertificateView, row_version: i32, replayed: bool) -> CertificateFound {
    CertificateFound::Ok(
        Json(view),
        etag(row_version),
        replayed.then(|| "true".to_owned()),
    )
}

fn pdf_name(c: &Certificate, suffix: &str) -> String {
    let v = c.version_no.map_or("nhap".to_owned(), |v| v.to_string());
    format!(
        "attachment; filename=\"GCNDKDT-{}-{}{suffix}.pdf\"",
        c.project_code, v
    )
}

/// Suspend, resume or revoke, as an approver.
async fn lifecycle(
    state: &AppState,
    auth: &Authorized<Approvers>,
    id: Lenient<Uuid>,
    action: CertificateAction,
    reason: Option<String>,
    effective_on: Option<chrono::NaiveDate>,
) -> Result<CertificateFound, CertificateActionError> {
    let ctx = auth.context();
    let c = service::lifecycle::act_on_certificate(
        &state.db,
        &ctx,
        id.param("id")?,
        action,
        reason,
        effective_on,
    )
    .await?;
    let rv = c.row_version;
    Ok(found(view(state, c).await?, rv, false))
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Certificates")]
impl CertificatesApi {
    /// Draft the next certificate version
    ///
    /// An officer drafts version 0 ("Chứng nhận lần đầu") or the next change from the project's
    /// registry data as it is now. The draft is not signed and not in force until an approver
    /// approves it. One open draft per project. Send an `Idempotency-Key` to make a retry
    /// return the same draft.
    #[oai(
        path = "/projects/:id/certificates",
        method = "post",
        operation_id = "draft_certificate"
    )]
    async fn draft(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Drafters>,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        /// A unique key per intended draft (1-255 visible ASCII characters); a retry with the same
        /// key and body returns the same draft.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: super::body::Body<CertificateDraftBody>,
    ) -> Result<CertificateCreated, DraftError> {
        let ctx = auth.context();
        let mut v = crate::domain::Violations::default();
        let dossier_id = super::types::take_optional("dossier_id", body.0.dossier_id, &mut v);
        v.finish().map_err(ServiceError::Validation)?;
        let out = service::certificates::draft(
            &state.db,
            &state.issuer,
            &ctx,
            id.0.param("id")?,
            service::certificates::DraftRequest {
                dossier_received_on: body.0.dossier_received_on.map(|d| d.0),
                bilingual: body.0.bilingual.unwrap_or(false),
                dossier_id,
            },
            idempotency_key.0.as_deref(),
        )
        .await?;
        let location = format!("/api/v1/certificates/{}", out.certificate.id);
        let v = view(&state, out.certificate).await?;
        Ok(CertificateCreated::Created(
            Json(v),
            location,
            out.replayed.then(|| "true".to_owned()),
        ))
    }

    /// List a project's certificate versions
    ///
    /// The history: every issued version with its status (in force, superseded, suspended,
    /// revoked), and drafts.
    #[oai(
        path = "/projects/:id/certificates",
        method = "get",
        operation_id = "list_project_certificates"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<CertificateView>, ReadError> {
        auth.require_scope(Scope::CertificatesRead)?;
        let after = ListPage::<CertificateView>::after(cursor.0.as_deref())?;
        let page = service::certificates::list_for_project(
            &state.db,
            id.0.param("id")?,
            after,
            limit.0.get(),
        )
        .await?;
        let keys = service::keys::statuses(&state.db).await?;
        let items = page
            .items
            .into_iter()
            .map(|c| view_with(&state, c, &keys))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Listing(ListPage::with_items(items, page.next_after)))
    }

    /// Get a certificate
    #[oai(
        path = "/certificates/:id",
        method = "get",
        operation_id = "get_certificate"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<CertificateFound, ReadError> {
        auth.require_scope(Scope::CertificatesRead)?;
        let c = service::certificates::get(&state.db, id.0.param("id")?).await?;
        let rv = c.row_version;
        Ok(found(view(&state, c).await?, rv, false))
    }

    /// Download the signed PDF
    ///
    /// The exact bytes issued and stored (their SHA-256 is `pdf_sha256`), also for superseded,
    /// suspended and revoked versions.
    #[oai(
        path = "/certificates/:id/pdf",
        method = "get",
        operation_id = "get_certificate_pdf"
    )]
    async fn pdf(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<PdfFile, PdfError> {
        auth.require_scope(Scope::CertificatesRead)?;
        let (c, bytes) = service::certificates::pdf(&state.db, id.0.param("id")?).await?;
        Ok(PdfFile::Ok(
            Binary(bytes),
            pdf_name(&c, ""),
            "private, max-age=86400, immutable".to_owned(),
        ))
    }

    /// Preview a draft
    ///
    /// The draft rendered as it would be issued, unsigned, without a QR seal and watermarked
    /// "BẢN NHÁP / DRAFT", for review before approval.
    #[oai(
        path = "/certificates/:id/preview",
        method = "get",
        operation_id = "preview_certificate"
    )]
    async fn preview(
        &self,
        state: Data<&AppState>,
        _auth: Authorized<AnyStaff>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<PdfFile, PdfError> {
        let (c, bytes) =
            service::certificates::preview(&state.db, &state.issuer, id.0.param("id")?).await?;
        Ok(PdfFile::Ok(
            Binary(bytes),
            pdf_name(&c, "-ban-nhap"),
            "no-store".to_owned(),
        ))
    }

    /// Approve and issue a draft
    ///
    /// An approver other than the officer who drafted it (and other than whoever prepared the
    /// project's data) issues it: the certificate is rendered, sealed with a QR code, signed
    /// (PAdES) and comes into force; the previous version becomes superseded and a draft project
    /// becomes registered, in one transaction. Version numbers stay gapless and unique on any
    /// number of instances. Send an `Idempotency-Key` to make a retry return the same result.
    #[oai(
        path = "/certificates/:id/approve",
        method = "post",
        operation_id = "approve_certificate"
    )]
    async fn approve(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
        /// A unique key per intended approval; a retry with the same key returns the issued
        /// certificate instead of a conflict.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
    ) -> Result<CertificateFound, CertificateActionError> {
        let ctx = auth.context();
        let out = service::certificates::approve(
            &state.db,
            &state.issuer,
            &ctx,
            id.0.param("id")?,
            idempotency_key.0.as_deref(),
        )
        .await?;
        let rv = out.certificate.row_version;
        Ok(found(
            view(&state, out.certificate).await?,
            rv,
            out.replayed,
        ))
    }

    /// Reject a draft
    ///
    /// The approver returns the draft unissued, with a reason; it stays on record.
    #[oai(
        path = "/certificates/:id/reject",
        method = "post",
        operation_id = "reject_certificate"
    )]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<ReasonBody>,
    ) -> Result<CertificateFound, CertificateActionError> {
        let ctx = auth.context();
        let c = service::certificates::reject(&state.db, &ctx, id.0.param("id")?, body.0.reason)
            .await?;
        let rv = c.row_version;
        Ok(found(view(&state, c).await?, rv, false))
    }

    /// Suspend a certificate
    ///
    /// The certificate in force is suspended together with the project (ngừng hoạt động), with a
    /// reason.
    #[oai(
        path = "/certificates/:id/suspend",
        method = "post",
        operation_id = "suspend_certificate"
    )]
    async fn suspend(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<ReasonBody>,
    ) -> Result<CertificateFound, CertificateActionError> {
        lifecycle(
            &state,
            &auth,
            id.0,
            CertificateAction::Suspend,
            body.0.reason,
            None,
        )
        .await
    }

    /// Resume a suspended certificate
    ///
    /// The certificate is back in force and the project registered again.
    #[oai(
        path = "/certificates/:id/resume",
        method = "post",
        operation_id = "resume_certificate"
    )]
    async fn resume(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<CertificateFound, CertificateActionError> {
        lifecycle(&state, &auth, id.0, CertificateAction::Resume, None, None).await
    }

    /// Revoke a certificate
    ///
    /// Approvers only. The certificate is revoked with a reason and an effective date, and the
    /// project is terminated with it (its land released). Final.
    #[oai(
        path = "/certificates/:id/revoke",
        method = "post",
        operation_id = "revoke_certificate"
    )]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Certificate id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<RevokeBody>,
    ) -> Result<CertificateFound, CertificateActionError> {
        lifecycle(
            &state,
            &auth,
            id.0,
            CertificateAction::Revoke,
            body.0.reason,
            body.0.revoked_on.map(|d| d.0),
        )
        .await
    }
}

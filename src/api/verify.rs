//! `/api/v1/verify/...`: public verification of a QR seal or of a PDF, for anyone holding a
//! certificate (banks, customs, partners). No credentials; rate limited per client address; no
//! identity numbers, birth dates or addresses in any answer.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiRequest, ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Binary, Json},
};

use super::{ApiTags, problem::problem_responses, types::Date};
use crate::{
    domain::{
        certificate::{CertificateStatus, KeyStatus},
        format::version_label,
        verification::{PdfVerdict, Rejection, Verdict, cache_control, verification_url},
    },
    service::{
        AppState,
        verification::{self, CertificateFacts, KeyFacts, PdfCheck, SealCheck},
    },
};

/// Public verification.
#[derive(Default)]
pub struct VerifyApi;

/// An issued certificate's facts, to compare with the paper, and its status now.
#[derive(Object, Debug)]
#[oai(rename = "VerifiedCertificate", skip_serializing_if_is_none)]
pub struct VerifiedCertificateView {
    /// Project code (mã số dự án), 10 digits.
    project_code: String,
    /// Version: 0 = first issue, N = N-th change.
    version: u32,
    /// The line printed under the title, e.g. "Chứng nhận thay đổi lần thứ 1".
    version_label: String,
    /// Date this version was issued.
    issued_on: Option<Date>,
    /// Date of first issue.
    first_issued_on: Option<Date>,
    /// Project name (Vietnamese).
    project_name: String,
    /// Project name (English), when registered.
    project_name_en: Option<String>,
    /// Investor names as printed. Identity numbers, birth dates and addresses are never shown.
    investors: Vec<String>,
    /// Industrial park or economic zone.
    zone: Option<String>,
    /// Total investment capital, VND.
    total_capital_vnd: i64,
    /// Issuing body.
    issuing_body: String,
    /// Who signed.
    signer_name: Option<String>,
    /// The signer's title as printed.
    signer_title: Option<String>,
    /// Signing time.
    signed_at: Option<DateTime<Utc>>,
    /// Status now.
    status: CertificateStatus,
    /// Reason of the suspension or revocation.
    status_reason: Option<String>,
    /// Date the suspension or revocation took effect.
    status_effective_on: Option<Date>,
    /// The version that replaced this one, when superseded.
    superseded_by: Option<SuccessorView>,
    /// This version's public verification page.
    verification_url: String,
}

/// The version that replaced a superseded one.
#[derive(Object, Debug)]
#[oai(rename = "Successor", skip_serializing_if_is_none)]
pub struct SuccessorView {
    /// Its version number.
    version: u32,
    /// Its date of issue.
    issued_on: Option<Date>,
    /// Its public verification page.
    verification_url: String,
}

/// The key that signed.
#[derive(Object, Debug)]
#[oai(rename = "VerificationKey", skip_serializing_if_is_none)]
pub struct KeyView {
    /// Key id (see `/api/v1/trust/keys`).
    key_id: String,
    /// Status now: `compromised` means the seal and the PDF signature no longer prove anything
    /// on their own; the registry's record (this answer) still does.
    status: Option<KeyStatus>,
    /// True for a generated development key: the certificate has no legal value.
    development: bool,
    /// When the key was marked compromised.
    compromised_at: Option<DateTime<Utc>>,
}

/// The answer about a QR seal.
#[derive(Object, Debug)]
#[oai(rename = "SealVerification", skip_serializing_if_is_none)]
pub struct SealVerificationView {
    /// The verdict.
    verdict: Verdict,
    /// Why it is not genuine (only with `not_genuine`).
    reason: Option<Rejection>,
    /// The verdict as a person reads it, in Vietnamese.
    headline_vi: String,
    /// The verdict in English.
    headline_en: String,
    /// The certificate, when the registry issued this seal.
    certificate: Option<VerifiedCertificateView>,
    /// The signing key, when known.
    key: Option<KeyView>,
    /// When the answer was computed: statuses are read live, never from a cache.
    checked_at: DateTime<Utc>,
}

/// The answer about an uploaded PDF.
#[derive(Object, Debug)]
#[oai(rename = "PdfVerification", skip_serializing_if_is_none)]
pub struct PdfVerificationView {
    /// The verdict about the file.
    verdict: PdfVerdict,
    /// What was found, in a sentence (English).
    detail: String,
    /// The verdict as a person reads it, in Vietnamese.
    headline_vi: String,
    /// The verdict in English.
    headline_en: String,
    /// The signer named in the signing certificate.
    signer: Option<String>,
    /// The signing time the PDF claims.
    signed_at: Option<DateTime<Utc>>,
    /// The signing key, when it is a registry key.
    key: Option<KeyView>,
    /// The certificate this file is, with its status now (only with `genuine`).
    certificate: Option<VerifiedCertificateView>,
    /// The certificate's own verdict (`genuine` = in force, `superseded`, `suspended`,
    /// `revoked`), when the file is genuine.
    certificate_verdict: Option<Verdict>,
    /// When the answer was computed.
    checked_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum SealVerified {
    /// The verdict. Every seal gets one, a malformed or forged one included (`not_genuine`).
    #[oai(status = 200)]
    Ok(
        Json<SealVerificationView>,
        /// `no-cache` for a seal the registry issued (its status can change at any moment);
        /// `public, max-age=3600` for one that is not genuine.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum PdfVerified {
    /// The verdict about the file.
    #[oai(status = 200)]
    Ok(
        Json<PdfVerificationView>,
        /// Never cached: the answer is about an upload.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

/// A PDF to check.
#[derive(ApiRequest)]
enum PdfUpload {
    /// The PDF's bytes, exactly as received.
    #[oai(content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>),
}

problem_responses! {
    /// Errors of verifying a seal.
    SealVerifyError: public, unavailable = "The registry cannot answer right now. This is not a verdict: try again shortly." {
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of verifying a PDF.
    PdfVerifyError: public, unavailable = "The registry cannot answer right now. This is not a verdict: try again shortly." {
        413 PayloadTooLarge "The file is larger than the upload limit.",
        415 UnsupportedMediaType "The body is not sent as `application/pdf`.",
        422 Unprocessable "The file is not a PDF, or its signature cannot be parsed.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Verification")]
impl VerifyApi {
    /// Verify a QR seal (public)
    ///
    /// What the QR on a certificate leads to, for machines: checks the seal's signature against
    /// the registry's keys and reads the certificate's status now. The seal is accepted in any
    /// letter case. A malformed or forged seal is answered `not_genuine` as quickly as a genuine
    /// one, and the answer never tells whether a project code exists. No credentials needed.
    #[oai(path = "/verify/:seal", method = "get", operation_id = "verify_seal")]
    async fn verify_seal(
        &self,
        state: Data<&AppState>,
        /// The seal: the last path segment of the URL in the QR code.
        seal: Path<String>,
    ) -> Result<SealVerified, SealVerifyError> {
        let check = verification::check_seal(&state, &seal.0).await?;
        let cache = cache_control(check.verdict);
        Ok(SealVerified::Ok(
            Json(seal_view(&check, state.issuer.public_base_url())),
            cache.to_owned(),
        ))
    }

    /// Verify a PDF (public)
    ///
    /// Upload a certificate PDF as `application/pdf`. Its embedded signature is validated, the
    /// signer is checked against the registry's keys, and the file's SHA-256 is looked up among
    /// the certificates issued. Answers `genuine` (with the certificate's status now),
    /// `modified`, `unknown` or `not_signed_by_us`. A file that is not a PDF, or whose signature
    /// cannot be parsed, gets 422. The upload limit is the service's `MAX_BODY_BYTES`.
    #[oai(path = "/verify/pdf", method = "post", operation_id = "verify_pdf")]
    async fn verify_pdf(
        &self,
        state: Data<&AppState>,
        body: PdfUpload,
    ) -> Result<PdfVerified, PdfVerifyError> {
        let PdfUpload::Pdf(pdf) = body;
        let check = verification::check_pdf(&state, pdf.0).await?;
        Ok(PdfVerified::Ok(
            Json(pdf_view(&check, state.issuer.public_base_url())),
            "no-store".to_owned(),
        ))
    }
}

fn certificate_view(c: &CertificateFacts, base_url: &str) -> VerifiedCertificateView {
    VerifiedCertificateView {
        project_code: c.project_code.clone(),
        version: c.version,
        version_label: version_label(c.version),
        issued_on: c.issued_on.map(Date),
        first_issued_on: c.first_issued_on.map(Date),
        project_name: c.project_name.clone(),
        project_name_en: c.project_name_en.clone(),
        investors: c.investors.clone(),
        zone: c.zone.clone(),
        total_capital_vnd: c.total_capital_vnd,
        issuing_body: c.issuing_body.clone(),
        signer_name: c.signer_name.clone(),
        signer_title: c.signer_title.clone(),
        signed_at: c.signed_at,
        status: c.status,
        status_reason: c.status_reason.clone(),
        status_effective_on: c.status_effective_on.map(Date),
        superseded_by: c.superseded_by.as_ref().map(|s| SuccessorView {
            version: s.version,
            issued_on: s.issued_on.map(Date),
            verification_url: verification_url(base_url, &s.seal),
        }),
        verification_url: verification_url(base_url, &c.seal),
    }
}

fn key_view(k: &KeyFacts) -> KeyView {
    KeyView {
        key_id: k.key_id.clone(),
        status: k.status,
        development: k.development,
        compromised_at: k.compromised_at,
    }
}

fn seal_view(check: &SealCheck, base_url: &str) -> SealVerificationView {
    SealVerificationView {
        verdict: check.verdict,
        reason: check.rejection,
        headline_vi: check.verdict.headline_vi().to_owned(),
        headline_en: check.verdict.headline_en().to_owned(),
        certificate: check
            .certificate
            .as_ref()
            .map(|c| certificate_view(c, base_url)),
        key: check.key.as_ref().map(key_view),
        checked_at: check.checked_at,
    }
}

fn pdf_view(check: &PdfCheck, base_url: &str) -> PdfVerificationView {
    PdfVerificationView {
        verdict: check.verdict,
        detail: check.detail.to_owned(),
        headline_vi: check.verdict.headline_vi().to_owned(),
        headline_en: check.verdict.headline_en().to_owned(),
        signer: check.signer.clone(),
        signed_at: check.signed_at,
        key: check.key.as_ref().map(key_view),
        certificate: check
            .certificate
            .as_ref()
            .map(|c| certificate_view(c, base_url)),
        certificate_verdict: check.status_verdict,
        checked_at: check.checked_at,
    }
}

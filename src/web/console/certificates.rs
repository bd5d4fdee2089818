//! The certificate flow in the console: a version's page with its watermarked preview while it is
//! a draft, approval by a different user (four eyes, enforced by the service as for the API) or
//! rejection with a reason, the signed PDF once issued, suspension, resumption and revocation with
//! a reason, and the project's version history with each version's verification link.

use askama::Template;
use poem::{
    Response, Route, get, handler,
    http::StatusCode,
    post,
    web::{Data, Path},
};
use uuid::Uuid;

use super::{Checked, Chrome, Field, Fields, Staff, day_opt, file, moment, page, see_other};
use crate::{
    domain::{certificate::CertificateStatus, format::version_label, lifecycle::CertificateAction},
    service::{AppState, ServiceError, certificates, lifecycle},
};

pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/certificates/:id", get(detail))
        .at("/console/certificates/:id/preview", get(preview))
        .at("/console/certificates/:id/pdf", get(download))
        .at("/console/certificates/:id/approve", post(approve))
        .at("/console/certificates/:id/reject", post(reject))
        .at("/console/certificates/:id/lifecycle", post(act))
}

struct Version {
    id: Uuid,
    label: String,
    status: String,
    issued: String,
    seal: Option<String>,
    current: bool,
}

#[derive(Template)]
#[template(path = "console/certificate.html")]
struct CertificatePage {
    c: Chrome,
    id: Uuid,
    project_id: Uuid,
    title: String,
    status: String,
    draft: bool,
    issued: bool,
    /// Suspend/resume/revoke allowed now: `(action, label, danger)`.
    actions: Vec<(&'static str, String, bool)>,
    /// The rejection form's one field.
    reason: Vec<Field>,
    facts: Vec<(String, String)>,
    versions: Vec<Version>,
    four_eyes_note: bool,
}

fn label(v: Option<i32>, c: &Chrome) -> String {
    v.map(|v| version_label(v as u32))
        .unwrap_or_else(|| c.t("Bản dự thảo", "Draft").to_owned())
}

async fn certificate_page(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    f: &Fields,
) -> Result<CertificatePage, ServiceError> {
    let cert = certificates::get(&state.db, id).await?;
    let c = staff.chrome(state, "projects");
    let en = c.en;
    let history = certificates::list_for_project(&state.db, cert.project_id, None, 200)
        .await?
        .items;
    let mut facts = vec![
        (
            c.t("Mã số dự án", "Project code").to_owned(),
            cert.project_code.clone(),
        ),
        (
            c.t("Tên dự án", "Project").to_owned(),
            cert.content.project.name_vi.clone(),
        ),
        (
            c.t("Nhà đầu tư", "Investors").to_owned(),
            cert.content
                .investors
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (
            c.t("Trạng thái", "Status").to_owned(),
            crate::web::status_text(cert.status, en).to_owned(),
        ),
    ];
    if let Some(d) = cert.issued_on {
        facts.push((c.t("Ngày cấp", "Issued on").to_owned(), day_opt(Some(d))));
    }
    if let Some(s) = &cert.signer_name {
        facts.push((c.t("Người ký", "Signed by").to_owned(), s.clone()));
    }
    if let Some(t) = cert.signed_at {
        facts.push((c.t("Ký số lúc", "Signed at").to_owned(), moment(t)));
    }
    if let Some(h) = &cert.pdf_sha256 {
        facts.push(("SHA-256 (PDF)".to_owned(), h.clone()));
    }
    let mut actions = Vec::new();
    if c.has("approver") {
        for (a, vi, en_text, danger) in [
            (CertificateAction::Suspend, "Tạm ngừng", "Suspend", true),
            (
                CertificateAction::Resume,
                "Cho hoạt động trở lại",
                "Resume",
                false,
            ),
            (CertificateAction::Revoke, "Thu hồi", "Revoke", true),
        ] {
            if a.check(cert.status).is_ok() {
                let key = match a {
                    CertificateAction::Suspend => "suspend",
                    CertificateAction::Resume => "resume",
                    CertificateAction::Revoke => "revoke",
                };
                actions.push((key, c.t(vi, en_text).to_owned(), danger));
            }
        }
    }
    let mut reason = Field::new("reason", c.t("Lý do", "Reason"), "textarea", f);
    reason.required = true;
    Ok(CertificatePage {
        id,
        project_id: cert.project_id,
        title: label(cert.version_no, &c),
        status: crate::web::status_text(cert.status, en).to_owned(),
        draft: cert.status == CertificateStatus::Draft,
        issued: cert.status.was_issued(),
        actions,
        reason: vec![reason],
        facts,
        versions: history
            .iter()
            .map(|v| Version {
                id: v.id,
                label: label(v.version_no, &c),
                status: match v.status {
                    CertificateStatus::Rejected => c.t("Bị trả lại", "Rejected").to_owned(),
                    s => crate::web::status_text(s, en).to_owned(),
                },
                issued: day_opt(v.issued_on),
                seal: v.seal.clone(),
                current: v.id == id,
            })
            .collect(),
        four_eyes_note: cert.status == CertificateStatus::Draft
            && cert.drafted_by == Some(staff.user.id),
        c,
    })
}

#[handler]
async fn detail(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match certificate_page(&staff, &state, id, &Fields::default()).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn preview(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match certificates::preview(&state.db, &state.issuer, id).await {
        Ok((cert, bytes)) => file(
            "application/pdf",
            "inline",
            &format!("du-thao-{}.pdf", cert.project_code),
            bytes,
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn download(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match certificates::pdf(&state.db, id).await {
        Ok((cert, bytes)) => file(
            "application/pdf",
            "attachment",
            &format!(
                "GCNDKDT-{}-{}.pdf",
                cert.project_code,
                cert.version_no.unwrap_or_default()
            ),
            bytes,
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn approve(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    // The form's token doubles as the idempotency key: pressing twice issues once.
    let key = format!("console-approve-{}", f.text("once"));
    match certificates::approve(
        &state.db,
        &state.issuer,
        &staff.context(&state),
        id,
        Some(&key),
    )
    .await
    {
        Ok(_) => see_other(&format!("/console/certificates/{id}")),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn reject(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    match certificates::reject(&state.db, &staff.context(&state), id, f.opt("reason")).await {
        Ok(_) => see_other(&format!("/console/certificates/{id}")),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn act(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let action = match f.text("action").as_str() {
        "suspend" => CertificateAction::Suspend,
        "resume" => CertificateAction::Resume,
        "revoke" => CertificateAction::Revoke,
        _ => {
            return staff.failure(
                &state,
                &ServiceError::invalid("action", "unknown", "suspend, resume or revoke"),
            );
        }
    };
    match lifecycle::act_on_certificate(
        &state.db,
        &staff.context(&state),
        id,
        action,
        f.opt("reason"),
        None,
    )
    .await
    {
        Ok(_) => see_other(&format!("/console/certificates/{id}")),
        Err(e) => staff.failure(&state, &e),
    }
}

//! The applicant's pages: `/d/{receipt_code}` (what the QR on the receipt slip opens: where the
//! dossier stands, with no personal data; the holder of the secret sees details, downloads the
//! slip and the result, and rates the service) and `/nop-ho-so` (online submission). Plain
//! server-rendered forms: they work on any phone, with no script.

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    post,
    web::{Data, Form, Multipart, Path},
};
use serde::Deserialize;

use super::{english, html, toggle};
use crate::{
    domain::{
        dossier::{Applicant, ApplicantKind, DossierStatus, Satisfaction},
        procedure::{Procedure, deadline_vi},
        time::vietnam,
    },
    service::{
        AppState, ServiceError,
        dossiers::{self, NewDossier, Tracked, Upload},
        procedures,
    },
};

/// Mounts the applicant's pages.
pub fn mount(route: Route) -> Route {
    route
        .at("/d", get(find_page))
        .at("/d/", get(find_page))
        .at("/d/:code", get(track_page).post(holder_page))
        .at("/D/:code", get(track_page))
        .at("/d/:code/ket-qua", post(result_download))
        .at("/d/:code/giay-tiep-nhan", post(slip_download))
        .at("/d/:code/danh-gia", post(rate))
        .at("/nop-ho-so", get(submit_page).post(submit))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// One moment of the history.
struct Moment {
    at: String,
    label: &'static str,
}

/// One line of the checklist, for the holder.
struct Line {
    name: String,
    provided: bool,
}

/// The holder's part of the page.
struct HolderPart {
    secret: String,
    applicant: String,
    subject: String,
    documents: Vec<Line>,
    supplement: Option<String>,
    refusal: Option<String>,
    result: bool,
    can_rate: bool,
    rating: Option<&'static str>,
    thanks: bool,
}

/// The tracking page.
#[derive(Template)]
#[template(path = "web/dossier.html")]
struct TrackPage {
    en: bool,
    toggle: String,
    development: bool,
    code: String,
    procedure: String,
    deadline: Option<String>,
    status: &'static str,
    tone: &'static str,
    next: String,
    submitted: String,
    received: Option<String>,
    due: Option<String>,
    promised: Option<String>,
    returned: Option<String>,
    late: bool,
    overdue: bool,
    history: Vec<Moment>,
    holder: Option<HolderPart>,
    message: Option<&'static str>,
    levels: Vec<(u8, &'static str)>,
}

fn track(state: &AppState, t: &Tracked, en: bool, secret: Option<&str>, thanks: bool) -> TrackPage {
    let d = &t.details.dossier;
    let today = t.details.today;
    let procedure = t
        .details
        .procedure
        .as_ref()
        .map(|p| {
            if en {
                p.data.name_en.clone()
            } else {
                p.data.name_vi.clone()
            }
        })
        .unwrap_or_else(|| d.procedure_code.clone());
    let deadline = d
        .rule
        .map(|r| r.deadline)
        .or(t.details.procedure.as_ref().map(|p| p.data.deadline))
        .map(deadline_vi);
    let tone = match d.status {
        DossierStatus::ResultReturned | DossierStatus::Approved => "ok",
        DossierStatus::Refused | DossierStatus::SupplementRequested => "warn",
        _ if today.overdue => "bad",
        _ => "unknown",
    };
    let date = |x: chrono::NaiveDate| x.format("%d/%m/%Y").to_string();
    let holder = (t.holder).then_some(secret).flatten().map(|s| HolderPart {
        secret: s.to_owned(),
        applicant: d.applicant.name.clone(),
        subject: d.subject.clone(),
        documents: d
            .documents
            .iter()
            .map(|x| Line {
                name: if en {
                    x.name_en.clone()
                } else {
                    x.name_vi.clone()
                },
                provided: x.provided,
            })
            .collect(),
        supplement: d.supplement_request.clone(),
        refusal: d.refusal_reason.clone(),
        result: d.status == DossierStatus::ResultReturned && d.result_certificate_id.is_some(),
        can_rate: d.status == DossierStatus::ResultReturned && d.rating.is_none(),
        rating: d.rating.as_ref().map(|r| r.level.label_vi()),
        thanks,
    });
    TrackPage {
        en,
        toggle: toggle(&format!("/d/{}", d.receipt_code), en),
        development: state.issuer.is_development(),
        code: d.receipt_code.clone(),
        procedure,
        deadline,
        status: if en {
            d.status.label_en()
        } else {
            d.status.label_vi()
        },
        tone,
        next: next_step(d.status, en).to_owned(),
        submitted: local(d.submitted_at),
        received: d.received_at.map(local),
        due: d.due_date.map(date),
        promised: d.promised_date.map(date),
        returned: d.returned_at.map(local),
        late: today.late,
        overdue: today.overdue,
        history: t
            .details
            .steps
            .iter()
            .filter(|s| s.from != Some(s.to) || s.from.is_none())
            .map(|s| Moment {
                at: local(s.at),
                label: if en { s.to.label_en() } else { s.to.label_vi() },
            })
            .collect(),
        holder,
        message: None,
        levels: Satisfaction::ALL
            .iter()
            .map(|l| (l.score(), l.label_vi()))
            .collect(),
    }
}

fn next_step(status: DossierStatus, en: bool) -> &'static str {
    match (status, en) {
        (DossierStatus::Submitted, false) => "Bộ phận Một cửa kiểm tra và tiếp nhận hồ sơ.",
        (DossierStatus::Submitted, true) => "The one-stop desk checks and receives the dossier.",
        (DossierStatus::SupplementRequested, false) => {
            "Ông/Bà bổ sung, hoàn thiện hồ sơ theo yêu cầu; thời hạn giải quyết tính lại từ khi nhận đủ hồ sơ."
        }
        (DossierStatus::SupplementRequested, true) => {
            "Complete the dossier as requested; the deadline restarts when it is complete."
        }
        (DossierStatus::Received, false) => "Hồ sơ được chuyển thẩm định.",
        (DossierStatus::Received, true) => "The dossier goes to review.",
        (DossierStatus::InReview, false) => "Thẩm định hồ sơ và trình lãnh đạo phê duyệt.",
        (DossierStatus::InReview, true) => "Review and decision by the board's leaders.",
        (DossierStatus::Approved | DossierStatus::Refused, false) => "Bộ phận Một cửa trả kết quả.",
        (DossierStatus::Approved | DossierStatus::Refused, true) => "The desk returns the result.",
        (DossierStatus::ResultReturned, false) => "Hồ sơ đã hoàn thành.",
        (DossierStatus::ResultReturned, true) => "The dossier is complete.",
    }
}

/// The start page: a receipt code to look up.
#[derive(Template)]
#[template(path = "web/dossier_find.html")]
struct FindPage {
    en: bool,
    toggle: String,
    development: bool,
    message: Option<&'static str>,
}

#[handler]
async fn find_page(state: Data<&AppState>, uri: &poem::http::Uri) -> Response {
    let en = english(uri.query());
    let code = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|p| p.strip_prefix("ma="))
        .map(|v| v.trim().to_ascii_uppercase())
        .filter(|v| !v.is_empty());
    if let Some(code) = code {
        if crate::domain::dossier::looks_like_receipt_code(&code) {
            let to = if en {
                format!("/d/{code}?lang=en")
            } else {
                format!("/d/{code}")
            };
            return Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, to)
                .header(header::CACHE_CONTROL, "no-store")
                .finish();
        }
        let page = FindPage {
            en,
            toggle: toggle("/d/", en),
            development: state.issuer.is_development(),
            message: Some(if en {
                "A receipt code looks like BQLKKT-260213-0007."
            } else {
                "Mã hồ sơ có dạng BQLKKT-260213-0007."
            }),
        };
        return html(StatusCode::BAD_REQUEST, &page, "no-store");
    }
    let page = FindPage {
        en,
        toggle: toggle("/d/", en),
        development: state.issuer.is_development(),
        message: None,
    };
    html(StatusCode::OK, &page, "public, max-age=300")
}

fn not_found(state: &AppState, en: bool) -> Response {
    let page = FindPage {
        en,
        toggle: toggle("/d/", en),
        development: state.issuer.is_development(),
        message: Some(if en {
            "No dossier has this receipt code. Check the code on your receipt slip."
        } else {
            "Không tìm thấy hồ sơ có mã này. Hãy kiểm tra mã trên giấy tiếp nhận."
        }),
    };
    html(StatusCode::NOT_FOUND, &page, "no-store")
}

fn unavailable(en: bool) -> Response {
    let body = if en {
        "The registry cannot answer right now. Try again in a moment."
    } else {
        "Hệ thống tạm thời không trả lời được. Xin thử lại sau ít phút."
    };
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::RETRY_AFTER, "2")
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

fn failed(state: &AppState, e: ServiceError, en: bool) -> Response {
    match e {
        ServiceError::NotFound { .. } => not_found(state, en),
        ServiceError::DatabaseDown(_) | ServiceError::Unavailable(_) => unavailable(en),
        other => {
            tracing::error!(error = %other, "dossier page failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[handler]
async fn track_page(
    state: Data<&AppState>,
    Path(code): Path<String>,
    uri: &poem::http::Uri,
) -> Response {
    let en = english(uri.query());
    match dossiers::lookup(&state, &code.to_ascii_uppercase(), None).await {
        Ok(t) => html(
            StatusCode::OK,
            &track(&state, &t, en, None, false),
            "no-store",
        ),
        Err(e) => failed(&state, e, en),
    }
}

/// The form fields the holder's forms send.
#[derive(Debug, Deserialize)]
struct SecretForm {
    secret: String,
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// The page as the holder sees it, or the public page with a message when the secret is wrong.
async fn as_holder(
    state: &AppState,
    code: &str,
    form: &SecretForm,
    en: bool,
    thanks: bool,
) -> Response {
    let code = code.to_ascii_uppercase();
    match dossiers::lookup(state, &code, Some(form.secret.trim())).await {
        Ok(t) => html(
            StatusCode::OK,
            &track(state, &t, en, Some(form.secret.trim()), thanks),
            "no-store",
        ),
        Err(ServiceError::Forbidden(_)) => match dossiers::lookup(state, &code, None).await {
            Ok(t) => {
                let mut page = track(state, &t, en, None, false);
                page.message = Some(if en {
                    "This secret does not match the receipt code."
                } else {
                    "Mã bí mật không đúng với mã hồ sơ này."
                });
                html(StatusCode::FORBIDDEN, &page, "no-store")
            }
            Err(e) => failed(state, e, en),
        },
        Err(e) => failed(state, e, en),
    }
}

#[handler]
async fn holder_page(
    state: Data<&AppState>,
    Path(code): Path<String>,
    uri: &poem::http::Uri,
    Form(form): Form<SecretForm>,
) -> Response {
    as_holder(&state, &code, &form, english(uri.query()), false).await
}

fn pdf(name: &str, disposition: &str, bytes: Vec<u8>) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(bytes)
}

#[handler]
async fn result_download(
    state: Data<&AppState>,
    Path(code): Path<String>,
    uri: &poem::http::Uri,
    Form(form): Form<SecretForm>,
) -> Response {
    let en = english(uri.query());
    match dossiers::result_pdf(&state, &code.to_ascii_uppercase(), form.secret.trim()).await {
        Ok((name, bytes)) => pdf(&name, "attachment", bytes),
        Err(ServiceError::NotFound { .. } | ServiceError::DatabaseDown(_))
        | Err(ServiceError::Unavailable(_)) => as_holder(&state, &code, &form, en, false).await,
        Err(_) => as_holder(&state, &code, &form, en, false).await,
    }
}

#[handler]
async fn slip_download(
    state: Data<&AppState>,
    Path(code): Path<String>,
    uri: &poem::http::Uri,
    Form(form): Form<SecretForm>,
) -> Response {
    let en = english(uri.query());
    match crate::service::dossier_documents::receipt_pdf_as_applicant(
        &state,
        &code.to_ascii_uppercase(),
        form.secret.trim(),
    )
    .await
    {
        Ok((name, bytes)) => pdf(&name, "inline", bytes),
        Err(_) => as_holder(&state, &code, &form, en, false).await,
    }
}

#[handler]
async fn rate(
    state: Data<&AppState>,
    Path(code): Path<String>,
    uri: &poem::http::Uri,
    Form(form): Form<SecretForm>,
) -> Response {
    let en = english(uri.query());
    let level = form
        .score
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(Satisfaction::from_score);
    let thanks = match level {
        Some(level) => dossiers::rate(
            &state,
            &code.to_ascii_uppercase(),
            form.secret.trim(),
            level,
            form.comment.clone(),
            None,
        )
        .await
        .is_ok(),
        None => false,
    };
    as_holder(&state, &code, &form, en, thanks).await
}

// -- online submission ---------------------------------------------------------------------------

/// The submission page: the procedures, then one procedure's form.
#[derive(Template)]
#[template(path = "web/dossier_submit.html")]
struct SubmitPage {
    en: bool,
    toggle: String,
    development: bool,
    procedures: Vec<(String, String, String, bool)>,
    chosen: Option<Chosen>,
    errors: Vec<String>,
    limit_mb: usize,
}

/// The chosen procedure's form.
struct Chosen {
    code: String,
    name: String,
    deadline: String,
    legal_basis: String,
    documents: Vec<(String, String, bool)>,
}

/// The confirmation, with the secret shown once.
#[derive(Template)]
#[template(path = "web/dossier_submitted.html")]
struct SubmittedPage {
    en: bool,
    toggle: String,
    development: bool,
    code: String,
    secret: String,
    procedure: String,
}

fn chosen(p: &Procedure, en: bool) -> Chosen {
    Chosen {
        code: p.data.code.clone(),
        name: if en {
            p.data.name_en.clone()
        } else {
            p.data.name_vi.clone()
        },
        deadline: deadline_vi(p.data.deadline),
        legal_basis: p.data.legal_basis.clone(),
        documents: p
            .data
            .documents
            .iter()
            .map(|d| {
                (
                    d.code.clone(),
                    if en {
                        d.name_en.clone()
                    } else {
                        d.name_vi.clone()
                    },
                    d.required,
                )
            })
            .collect(),
    }
}

async fn submit_form(
    state: &AppState,
    en: bool,
    code: Option<&str>,
    errors: Vec<String>,
) -> Result<SubmitPage, ServiceError> {
    let today = crate::domain::time::vietnam_date(state.clock.now());
    let rules = procedures::list(&state.db).await?;
    let mut codes: Vec<&str> = rules.iter().map(|r| r.data.code.as_str()).collect();
    codes.dedup();
    let in_force: Vec<&Procedure> = codes
        .iter()
        .filter_map(|c| crate::domain::procedure::in_force(&rules, c, today))
        .collect();
    let chosen = code
        .and_then(|c| in_force.iter().find(|p| p.data.code == c))
        .map(|p| chosen(p, en));
    Ok(SubmitPage {
        en,
        toggle: toggle("/nop-ho-so", en),
        development: state.issuer.is_development(),
        procedures: in_force
            .iter()
            .map(|p| {
                (
                    p.data.code.clone(),
                    if en {
                        p.data.name_en.clone()
                    } else {
                        p.data.name_vi.clone()
                    },
                    deadline_vi(p.data.deadline),
                    p.data.fully_online,
                )
            })
            .collect(),
        chosen,
        errors,
        limit_mb: state.policy.max_upload_bytes / (1024 * 1024),
    })
}

fn query_value<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?
        .split('&')
        .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
}

#[handler]
async fn submit_page(state: Data<&AppState>, uri: &poem::http::Uri) -> Response {
    let en = english(uri.query());
    match submit_form(&state, en, query_value(uri.query(), "thu-tuc"), Vec::new()).await {
        Ok(page) => html(StatusCode::OK, &page, "no-store"),
        Err(e) => failed(&state, e, en),
    }
}

#[handler]
async fn submit(
    state: Data<&AppState>,
    uri: &poem::http::Uri,
    multipart: poem::Result<Multipart>,
) -> Response {
    let en = english(uri.query());
    let mut text = std::collections::HashMap::<String, String>::new();
    let mut files = Vec::new();
    if let Ok(mut multipart) = multipart {
        while let Ok(Some(field)) = multipart.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            if let Some(code) = name.strip_prefix("doc_") {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let code = code.to_owned();
                if let Ok(bytes) = field.bytes().await
                    && !bytes.is_empty()
                {
                    files.push(Upload {
                        file_name,
                        document_code: Some(code),
                        bytes,
                    });
                }
            } else if let Ok(value) = field.text().await {
                text.insert(name, value);
            }
        }
    }
    let get = |k: &str| text.get(k).cloned().unwrap_or_default();
    let opt = |k: &str| {
        text.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let procedure = get("procedure_code");
    let kind = if get("applicant_kind") == "individual" {
        ApplicantKind::Individual
    } else {
        ApplicantKind::Organization
    };
    let new = NewDossier {
        procedure_code: procedure.clone(),
        applicant: Applicant {
            kind,
            name: get("applicant_name"),
            id_number: opt("applicant_id_number"),
            birth_date: None,
            address: opt("applicant_address"),
            phone: opt("applicant_phone"),
            email: opt("applicant_email"),
        },
        subject: get("subject"),
        investor_id: None,
        project_id: None,
        provided: Vec::new(),
        complete: false,
        supplement_request: None,
        note: None,
    };
    let now = state.clock.now();
    match dossiers::submit_online(&state, now, None, new, files).await {
        Ok(created) => {
            let procedure_name = match procedures::in_force_on(
                &state.db,
                &procedure,
                crate::domain::time::vietnam_date(now),
            )
            .await
            {
                Ok(Some(p)) => {
                    if en {
                        p.data.name_en
                    } else {
                        p.data.name_vi
                    }
                }
                _ => procedure.clone(),
            };
            let page = SubmittedPage {
                en,
                toggle: toggle("/nop-ho-so", en),
                development: state.issuer.is_development(),
                code: created.dossier.receipt_code,
                secret: created.tracking_secret,
                procedure: procedure_name,
            };
            html(StatusCode::CREATED, &page, "no-store")
        }
        Err(ServiceError::Validation(v)) => {
            let errors = v
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            match submit_form(&state, en, Some(&procedure), errors).await {
                Ok(page) => html(StatusCode::UNPROCESSABLE_ENTITY, &page, "no-store"),
                Err(e) => failed(&state, e, en),
            }
        }
        Err(e) => failed(&state, e, en),
    }
}

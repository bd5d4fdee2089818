//! Server-rendered pages. `/v/{seal}` is what the QR code on a certificate opens: one large,
//! unambiguous verdict on a phone screen, Vietnamese first with an English toggle, built from
//! `templates/web/` with no external assets.

mod console;
mod dossiers;

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use poem::{
    IntoResponse, Response, Route, get, handler,
    http::{HeaderValue, StatusCode, header},
    post,
    web::{Data, Path},
};

use crate::{
    domain::{
        certificate::{CertificateStatus, KeyStatus},
        format::{group_thousands, version_label},
        time::vietnam,
        verification::{PdfVerdict, Rejection, Verdict, cache_control, verification_url},
    },
    service::{
        AppState, ServiceError,
        verification::{self, PdfCheck, SealCheck},
    },
};

/// Paths of the pages whose forms upload files: the edge gives them the upload body limit.
pub const UPLOAD_PATHS: &[&str] = &[
    "/nop-ho-so",
    "/console/dossiers/new",
    "/console/dossiers/*/files",
];

/// Mounts the public pages on `route`: `/v/{seal}`, and `/V/{seal}` for scanners that upper-case
/// the whole URL.
pub fn mount(route: Route) -> Route {
    console::mount(dossiers::mount(route))
        .at("/v", get(index_page))
        .at("/v/", get(index_page))
        .at("/v/check", get(lookup))
        .at("/v/pdf", post(pdf_page))
        .at("/v/:seal", get(verify_page))
        .at("/V/:seal", get(verify_page))
}

/// Content Security Policy of every page: nothing from elsewhere, no scripts at all; forms post
/// only here.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The start page: what to do with a certificate in hand, a code field and a PDF upload.
#[derive(Template)]
#[template(path = "web/index.html")]
struct IndexPage {
    en: bool,
    toggle: String,
    development: bool,
    limit_kb: usize,
    message: Option<&'static str>,
}

fn index(state: &AppState, en: bool, message: Option<&'static str>) -> IndexPage {
    IndexPage {
        en,
        toggle: toggle("/v/", en),
        development: state.issuer.is_development(),
        limit_kb: state.policy.max_body_bytes / 1024,
        message,
    }
}

#[handler]
async fn index_page(state: Data<&AppState>, uri: &poem::http::Uri) -> Response {
    let en = english(uri.query());
    html(
        StatusCode::OK,
        &index(&state, en, None),
        "public, max-age=300",
    )
}

/// The seal in what a person typed or pasted: a whole verification URL, or the seal alone.
fn seal_in(input: &str) -> &str {
    let input = input.trim();
    let tail = input
        .rfind("/v/")
        .or_else(|| input.rfind("/V/"))
        .map_or(input, |at| &input[at + 3..]);
    tail.split(['?', '#', '/'])
        .next()
        .unwrap_or_default()
        .trim()
}

/// `/v/check?q=...`: sends the person to the seal's page.
#[handler]
async fn lookup(state: Data<&AppState>, uri: &poem::http::Uri) -> Response {
    let en = english(uri.query());
    let q = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("q="))
        .map(|v| {
            url::form_urlencoded::parse(format!("q={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let seal = seal_in(&q);
    let valid =
        !seal.is_empty() && seal.len() <= 400 && seal.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        let message = if en {
            "Enter the code printed under the QR, or the whole address the QR opens."
        } else {
            "Hãy nhập mã xác thực hoặc toàn bộ đường dẫn mà mã QR mở ra."
        };
        return html(
            StatusCode::BAD_REQUEST,
            &index(&state, en, Some(message)),
            "no-store",
        );
    }
    let mut to = format!("/v/{}", seal.to_ascii_uppercase());
    if en {
        to.push_str("?lang=en");
    }
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .header(header::CACHE_CONTROL, "no-store")
        .finish()
}

/// The answer page for a PDF uploaded from the start page.
#[derive(Template)]
#[template(path = "web/verify_pdf.html")]
struct PdfPage {
    en: bool,
    toggle: String,
    development: bool,
    tone: &'static str,
    headline: &'static str,
    headline_other: &'static str,
    status_line: Option<String>,
    explanation: String,
    key_warning: Option<String>,
    rows: Vec<Row>,
    checked_at: String,
}

#[handler]
async fn pdf_page(
    state: Data<&AppState>,
    uri: &poem::http::Uri,
    multipart: poem::Result<poem::web::Multipart>,
) -> Response {
    let en = english(uri.query());
    let refuse = |message: &'static str| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &index(&state, en, Some(message)),
            "no-store",
        )
    };
    let mut pdf = None;
    if let Ok(mut multipart) = multipart {
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some("pdf") {
                pdf = field.bytes().await.ok();
                break;
            }
        }
    }
    let Some(pdf) = pdf.filter(|b| !b.is_empty()) else {
        return refuse(if en {
            "Choose the certificate's PDF file, then press Check PDF."
        } else {
            "Hãy chọn tệp PDF của giấy chứng nhận rồi bấm Kiểm tra PDF."
        });
    };
    let development = state.issuer.is_development();
    match verification::check_pdf(&state, pdf).await {
        Ok(check) => html(
            StatusCode::OK,
            &PdfPage::new(&check, en, development),
            "no-store",
        ),
        Err(ServiceError::Validation(_)) => refuse(if en {
            "This file is not a readable PDF certificate."
        } else {
            "Tệp này không phải là tệp PDF giấy chứng nhận đọc được."
        }),
        Err(e) => {
            tracing::error!(error = %e, error.debug = ?e, "verification page could not check a PDF");
            let page = UnavailablePage {
                en,
                toggle: toggle("/v/", en),
                development,
                retry: toggle("/v/", !en),
            };
            html(StatusCode::SERVICE_UNAVAILABLE, &page, "no-store")
        }
    }
}

impl PdfPage {
    fn new(check: &PdfCheck, en: bool, development: bool) -> Self {
        let certificate_verdict = check.status_verdict;
        let tone = match (check.verdict, certificate_verdict) {
            (PdfVerdict::Genuine, Some(Verdict::Genuine)) => "ok",
            (PdfVerdict::Genuine, Some(Verdict::Superseded | Verdict::Suspended)) => "warn",
            _ => "bad",
        };
        let (headline, headline_other) = if en {
            (check.verdict.headline_en(), check.verdict.headline_vi())
        } else {
            (check.verdict.headline_vi(), check.verdict.headline_en())
        };
        let status_line = certificate_verdict.map(|v| {
            if en {
                format!("Certificate: {}", v.headline_en())
            } else {
                format!("Giấy chứng nhận: {}", v.headline_vi())
            }
        });
        let explanation = match check.verdict {
            PdfVerdict::Genuine => pick(
                en,
                "Tệp PDF có chữ ký số hợp lệ của cơ quan cấp và giống hệt bản đã cấp.".to_owned(),
                "The PDF carries the registry's valid digital signature and is byte for byte the file it issued.".to_owned(),
            ),
            PdfVerdict::Modified => pick(
                en,
                "Nội dung tệp đã bị thay đổi sau khi ký: không chấp nhận tệp này. Hãy đề nghị gửi lại bản gốc hoặc quét mã QR trên bản giấy.".to_owned(),
                "The file was changed after it was signed: do not accept it. Ask for the original, or scan the QR on the paper.".to_owned(),
            ),
            PdfVerdict::Unknown => pick(
                en,
                "Tệp được ký bằng khóa của cơ quan nhưng không trùng với giấy chứng nhận nào đã cấp. Liên hệ Ban Quản lý Khu kinh tế để xác minh.".to_owned(),
                "The file is signed with a registry key but matches no certificate it issued. Contact the Economic Zone Management Board.".to_owned(),
            ),
            PdfVerdict::NotSignedByUs => pick(
                en,
                "Tệp không có chữ ký số của cơ quan cấp giấy chứng nhận: không phải bản điện tử gốc.".to_owned(),
                "The file does not carry the registry's digital signature: it is not the original electronic certificate.".to_owned(),
            ),
        };
        let key_warning = check
            .key
            .as_ref()
            .filter(|k| k.status == Some(KeyStatus::Compromised))
            .map(|_| {
                pick(
                    en,
                    "Lưu ý: khóa ký của tệp này đã bị báo lộ; hãy đề nghị cơ quan cấp lại.".to_owned(),
                    "Note: the key that signed this file was reported compromised; ask the registry to re-issue.".to_owned(),
                )
            });
        let development = development || check.key.as_ref().is_some_and(|k| k.development);
        Self {
            en,
            toggle: toggle("/v/", en),
            development,
            tone,
            headline,
            headline_other,
            status_line,
            explanation,
            key_warning,
            rows: check
                .certificate
                .as_ref()
                .map(|c| rows(c, en))
                .unwrap_or_default(),
            checked_at: time(check.checked_at),
        }
    }
}

/// The page language, from `?lang=en`; Vietnamese otherwise.
fn english(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.eq_ignore_ascii_case("lang=en"))
    })
}

#[handler]
async fn verify_page(
    state: Data<&AppState>,
    Path(seal_text): Path<String>,
    uri: &poem::http::Uri,
) -> Response {
    let en = english(uri.query());
    let self_path = uri.path().to_owned();
    let development = state.issuer.is_development();
    match verification::check_seal(&state, &seal_text).await {
        Ok(check) => {
            let page = VerifyPage::new(&check, en, &self_path, development, |s| {
                verification_url("", s)
            });
            html(StatusCode::OK, &page, cache_control(check.verdict))
        }
        Err(e) => {
            // Log the cause once; the person sees "could not check", never "not genuine".
            let status = match &e {
                ServiceError::DatabaseDown(_) | ServiceError::Unavailable(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            tracing::error!(error = %e, error.debug = ?e, "verification page could not check a seal");
            let page = UnavailablePage {
                en,
                toggle: toggle(&self_path, en),
                retry: if en {
                    format!("{self_path}?lang=en")
                } else {
                    self_path.clone()
                },
                development,
            };
            let mut resp = html(status, &page, "no-store");
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            resp
        }
    }
}

fn html(status: StatusCode, page: &impl Template, cache: &'static str) -> Response {
    let body = match page.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut resp = Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, cache)
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(header::X_FRAME_OPTIONS, "DENY")
        .body(body);
    resp.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi, en"));
    resp
}

fn toggle(path: &str, en: bool) -> String {
    if en {
        path.to_owned()
    } else {
        format!("{path}?lang=en")
    }
}

/// One fact to compare with the paper.
struct Row {
    label: &'static str,
    value: String,
}

/// The verification page.
#[derive(Template)]
#[template(path = "web/verify.html")]
struct VerifyPage {
    en: bool,
    toggle: String,
    development: bool,
    /// `ok`, `warn` or `bad`: the banner's colour, and its sign (tick, exclamation mark, cross),
    /// which a colour-blind reader can tell apart.
    tone: &'static str,
    headline: &'static str,
    headline_other: &'static str,
    explanation: String,
    successor_link: Option<(String, String)>,
    key_warning: Option<String>,
    rows: Vec<Row>,
    checked_at: String,
}

/// Shown when the check itself could not be made.
#[derive(Template)]
#[template(path = "web/unavailable.html")]
struct UnavailablePage {
    en: bool,
    toggle: String,
    /// This page again, in the same language.
    retry: String,
    development: bool,
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%H:%M %d/%m/%Y (GMT+7)")
        .to_string()
}

impl VerifyPage {
    fn new(
        check: &SealCheck,
        en: bool,
        path: &str,
        development: bool,
        page_of: impl Fn(&str) -> String,
    ) -> Self {
        let verdict = check.verdict;
        let tone = match verdict {
            Verdict::Genuine => "ok",
            Verdict::Superseded | Verdict::Suspended => "warn",
            Verdict::Revoked | Verdict::NotGenuine => "bad",
        };
        let (headline, headline_other) = if en {
            (verdict.headline_en(), verdict.headline_vi())
        } else {
            (verdict.headline_vi(), verdict.headline_en())
        };
        let cert = check.certificate.as_ref();
        let explanation = match (verdict, check.rejection, cert) {
            (Verdict::Genuine, _, _) => pick(
                en,
                "Giấy chứng nhận này do cơ quan đăng ký đầu tư cấp và đang có hiệu lực. Hãy đối chiếu các thông tin dưới đây với bản giấy.".to_owned(),
                "This certificate was issued by the registry and is in force. Compare the facts below with the paper.".to_owned(),
            ),
            (Verdict::Superseded, _, Some(c)) => {
                let (v, d) = c
                    .superseded_by
                    .as_ref()
                    .map(|s| (s.version, date(s.issued_on)))
                    .unwrap_or_default();
                pick(
                    en,
                    format!("Phiên bản này không còn hiệu lực: đã được thay thế bởi bản chứng nhận thay đổi lần thứ {v}, cấp ngày {d}. Hãy đề nghị xuất trình bản mới nhất."),
                    format!("This version is no longer in force: it was replaced by change no. {v}, issued on {d}. Ask for the latest version."),
                )
            }
            (verdict @ (Verdict::Suspended | Verdict::Revoked), _, Some(c)) => {
                let (vi, en_text) = if verdict == Verdict::Suspended {
                    (
                        "Hiệu lực của giấy chứng nhận đang bị tạm ngừng từ ngày",
                        "The certificate is suspended since",
                    )
                } else {
                    (
                        "Giấy chứng nhận đã bị thu hồi từ ngày",
                        "The certificate was revoked on",
                    )
                };
                let on = date(c.status_effective_on);
                let reason = c.status_reason.as_deref();
                pick(
                    en,
                    format!("{vi} {on}. Lý do: {}.", reason.unwrap_or("không ghi")),
                    format!("{en_text} {on}. Reason: {}.", reason.unwrap_or("not given")),
                )
            }
            (_, rejection, _) => {
                let (vi, en_text) = match rejection {
                    Some(Rejection::Malformed) => (
                        "Mã trong đường dẫn không phải là mã xác thực của giấy chứng nhận.",
                        "The code in this address is not a certificate seal.",
                    ),
                    Some(Rejection::UnknownKey) => (
                        "Mã xác thực được ký bằng một khóa mà cơ quan đăng ký không sử dụng.",
                        "The seal was signed with a key this registry does not use.",
                    ),
                    Some(Rejection::NotRegistered) => (
                        "Cơ quan đăng ký không có giấy chứng nhận nào mang mã xác thực này.",
                        "The registry holds no certificate with this seal.",
                    ),
                    Some(Rejection::BadSignature) | None => (
                        "Chữ ký của mã xác thực không khớp: mã đã bị sửa hoặc bị làm giả.",
                        "The seal's signature does not match: it was altered or forged.",
                    ),
                };
                let advice_vi = " Không chấp nhận giấy tờ này; liên hệ Ban Quản lý Khu kinh tế để xác minh.";
                let advice_en = " Do not accept this document; contact the Economic Zone Management Board.";
                pick(en, format!("{vi}{advice_vi}"), format!("{en_text}{advice_en}"))
            }
        };
        let successor_link = cert.and_then(|c| c.superseded_by.as_ref()).map(|s| {
            let label = if en {
                format!(
                    "See change no. {} (issued {})",
                    s.version,
                    date(s.issued_on)
                )
            } else {
                format!(
                    "Xem bản thay đổi lần thứ {} (cấp ngày {})",
                    s.version,
                    date(s.issued_on)
                )
            };
            let mut href = page_of(&s.seal);
            if en {
                href.push_str("?lang=en");
            }
            (href, label)
        });
        let key_warning = check.key.as_ref().and_then(|k| {
            (k.status == Some(KeyStatus::Compromised)).then(|| {
                pick(
                    en,
                    "Lưu ý: khóa ký của giấy chứng nhận này đã bị báo lộ. Thông tin trên trang này lấy từ sổ đăng ký và vẫn đúng, nhưng chữ ký trên bản giấy/PDF không còn tự chứng minh được. Hãy đề nghị cơ quan cấp lại.".to_owned(),
                    "Note: this certificate's signing key was reported compromised. This page reads the registry and is correct, but the signature on the paper or PDF no longer proves anything on its own. Ask the registry to re-issue.".to_owned(),
                )
            })
        });
        let development = development || check.key.as_ref().is_some_and(|k| k.development);
        let rows = cert.map(|c| rows(c, en)).unwrap_or_default();
        Self {
            en,
            toggle: toggle(path, en),
            development,
            tone,
            headline,
            headline_other,
            explanation,
            successor_link,
            key_warning,
            rows,
            checked_at: time(check.checked_at),
        }
    }
}

fn pick(en: bool, vi: String, en_text: String) -> String {
    if en { en_text } else { vi }
}

fn rows(c: &verification::CertificateFacts, en: bool) -> Vec<Row> {
    let l = |vi: &'static str, en_label: &'static str| if en { en_label } else { vi };
    let mut rows = vec![
        Row {
            label: l("Mã số dự án", "Project code"),
            value: c.project_code.clone(),
        },
        Row {
            label: l("Lần cấp", "Version"),
            value: if en {
                if c.version == 0 {
                    "First issue".to_owned()
                } else {
                    format!("Change no. {}", c.version)
                }
            } else {
                version_label(c.version)
            },
        },
        Row {
            label: l("Ngày cấp lần này", "Issued on"),
            value: date(c.issued_on),
        },
        Row {
            label: l("Ngày cấp lần đầu", "First issued on"),
            value: date(c.first_issued_on),
        },
        Row {
            label: l("Tên dự án", "Project name"),
            value: match (&c.project_name_en, en) {
                (Some(name_en), true) => format!("{} ({name_en})", c.project_name),
                _ => c.project_name.clone(),
            },
        },
        Row {
            label: l("Nhà đầu tư", "Investor(s)"),
            value: c.investors.join("; "),
        },
    ];
    if let Some(zone) = &c.zone {
        rows.push(Row {
            label: l("Địa điểm", "Zone"),
            value: zone.clone(),
        });
    }
    rows.push(Row {
        label: l("Tổng vốn đầu tư", "Total investment capital"),
        value: format!("{} đồng", group_thousands(c.total_capital_vnd)),
    });
    rows.push(Row {
        label: l("Cơ quan cấp", "Issued by"),
        value: c.issuing_body.clone(),
    });
    if let Some(name) = &c.signer_name {
        rows.push(Row {
            label: l("Người ký", "Signed by"),
            value: match &c.signer_title {
                Some(title) => format!("{name} — {title}"),
                None => name.clone(),
            },
        });
    }
    rows.push(Row {
        label: l("Tình trạng", "Status"),
        value: status_text(c.status, en).to_owned(),
    });
    rows
}

pub(crate) fn status_text(status: CertificateStatus, en: bool) -> &'static str {
    match (status, en) {
        (CertificateStatus::InForce, false) => "Đang có hiệu lực",
        (CertificateStatus::InForce, true) => "In force",
        (CertificateStatus::Superseded, false) => "Đã được thay thế",
        (CertificateStatus::Superseded, true) => "Superseded",
        (CertificateStatus::Suspended, false) => "Tạm ngừng",
        (CertificateStatus::Suspended, true) => "Suspended",
        (CertificateStatus::Revoked, false) => "Đã thu hồi",
        (CertificateStatus::Revoked, true) => "Revoked",
        (CertificateStatus::Draft | CertificateStatus::Rejected, false) => "Chưa cấp",
        (CertificateStatus::Draft | CertificateStatus::Rejected, true) => "Not issued",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_chosen_only_by_lang_en() {
        assert!(english(Some("lang=en")));
        assert!(english(Some("x=1&LANG=EN")));
        assert!(!english(Some("lang=vi")));
        assert!(!english(Some("lang=english")));
        assert!(!english(None));
    }

    #[test]
    fn a_not_genuine_page_escapes_nothing_it_was_given_and_shows_no_facts() {
        let check = SealCheck {
            verdict: Verdict::NotGenuine,
            rejection: Some(Rejection::Malformed),
            certificate: None,
            key: None,
            checked_at: Utc::now(),
        };
        let page = VerifyPage::new(&check, false, "/v/<script>", false, str::to_owned);
        let html = page.render().unwrap();
        assert!(html.contains("Không hợp lệ"));
        assert!(!html.contains("<script>"), "the path is escaped");
        assert!(!html.contains("Mã số dự án"));
    }
}

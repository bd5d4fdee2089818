//! The staff console at `/console`: server-rendered screens for the one-stop desk, the registry,
//! the certificate flow and administration, Vietnamese first with English switchable. Every screen
//! calls the same service functions as the API, so roles, four eyes, validation and the audit log
//! are the API's; this module only turns forms into service calls and answers into pages.
//!
//! Security: the session is the API's (the same sign-in, lock-out and token table), carried in an
//! HttpOnly, SameSite=Strict cookie (Secure over HTTPS); every form carries a CSRF token derived
//! from the session by HMAC; the Content-Security-Policy allows only this binary's own style sheet
//! and script, no inline script; no personal data travels in a URL.

mod admin;
mod certificates;
mod dossiers;
mod registry;
mod stats;
mod zones;

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use poem::{
    EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route, get, handler,
    http::{HeaderValue, StatusCode, header},
    post,
    web::{Data, Form},
};
use sha2::Sha256;
use uuid::Uuid;

use crate::{
    domain::{
        FieldViolation,
        auth::{Actor, ClientKey, Context, Role, User},
        dossier::{DossierStatus, next_actions},
        format::{area, group_thousands},
        time::{vietnam, vietnam_date},
    },
    service::{
        AppState, ServiceError, certificates as certificate_service,
        dossiers::{self as dossier_service, DossierFilter},
        leases, users, zones as zone_service,
    },
};

/// The session cookie: the same bearer token the API hands out, never readable by script.
const SESSION_COOKIE: &str = "irs_console";
/// Before sign-in: a random value the sign-in form must echo (double submit).
const PRE_SESSION_COOKIE: &str = "irs_console_csrf";
/// The chosen language.
const LANG_COOKIE: &str = "irs_lang";

/// Content Security Policy of every console page: this binary's own style sheet and script,
/// nothing inline, nothing from elsewhere; PDFs it serves may be framed by its own pages.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Mounts the landing page and the console.
pub fn mount(route: Route) -> Route {
    let console = Route::new()
        .at("/console/static/console.css", get(style_sheet))
        .at("/console/static/console.js", get(script))
        .at("/console/sign-in", get(sign_in_page).post(sign_in))
        .at("/console/sign-out", post(sign_out))
        .at(
            "/console/password",
            get(password_page).post(change_password),
        )
        .at("/console/lang", get(set_language))
        .at("/console", get(dashboard))
        .at("/console/", get(dashboard));
    let console = dossiers::mount(console);
    let console = registry::mount(console);
    let console = certificates::mount(console);
    let console = admin::mount(zones::mount(stats::mount(console)));
    // An address whose id is not an id names no page: the console answers as it does for a
    // missing row, with its "not found" page, not the API's problem.
    let console = console.catch_error(|_: poem::error::ParsePathError| async {
        page(
            StatusCode::NOT_FOUND,
            &MessagePage {
                c: anonymous_chrome(false, "/console"),
                title: "Không tìm thấy (Not found)".to_owned(),
                message: "Không có trang nào ở địa chỉ này. (No page lives at this address.)"
                    .to_owned(),
            },
        )
    });
    route
        .at("/", get(landing))
        .nest_no_strip("/console", console)
}

// ---------------------------------------------------------------------------------------------
// Language, cookies and the page frame

/// The value of one cookie of the request.
fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// True when the request came over HTTPS (directly, or as a proxy in front says).
fn over_https(req: &Request) -> bool {
    req.uri().scheme_str() == Some("https")
        || req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure over HTTPS.
fn set_cookie(req: &Request, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if over_https(req) {
        c.push_str("; Secure");
    }
    c
}

fn english_of(req: &Request) -> bool {
    cookie(req, LANG_COOKIE).as_deref() == Some("en")
}

/// What every console page shows around its content.
pub(super) struct Chrome {
    /// English chosen.
    pub en: bool,
    /// Signed-in user's name, if any.
    pub user: Option<String>,
    /// The user's roles, as labels.
    pub roles: String,
    /// The form token.
    pub csrf: String,
    /// The section the page belongs to (for the navigation).
    pub section: &'static str,
    /// The service runs with a development signing key.
    pub development: bool,
    /// This page's path, for the language switch to come back to.
    pub here: String,
    /// Roles held, for showing only what the user may do.
    held: Vec<Role>,
}

impl Chrome {
    /// Vietnamese or English.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { vi }
    }

    /// True when the user holds the role named.
    pub fn has(&self, role: &str) -> bool {
        self.held.iter().any(|r| r.as_str() == role)
    }

    /// The language switch link.
    pub fn switch(&self) -> String {
        format!(
            "/console/lang?to={}&back={}",
            if self.en { "vi" } else { "en" },
            url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect::<String>()
        )
    }
}

fn role_label(role: Role, en: bool) -> &'static str {
    match (role, en) {
        (Role::Clerk, false) => "Bộ phận một cửa",
        (Role::Clerk, true) => "One-stop clerk",
        (Role::Officer, false) => "Chuyên viên",
        (Role::Officer, true) => "Officer",
        (Role::Approver, false) => "Lãnh đạo phê duyệt",
        (Role::Approver, true) => "Approver",
        (Role::Admin, false) => "Quản trị",
        (Role::Admin, true) => "Administrator",
    }
}

/// Renders a page with the console's headers.
pub(super) fn page(status: StatusCode, page: &impl Template) -> Response {
    let body = match page.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut resp = Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::REFERRER_POLICY, "same-origin")
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header("x-content-type-options", "nosniff")
        .body(body);
    resp.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi, en"));
    resp
}

/// A 303 to `to`.
pub(super) fn see_other(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .header(header::CACHE_CONTROL, "no-store")
        .finish()
}

/// A file the console hands out (receipt slips, PDFs, attachments): private, never cached.
pub(super) fn file(media_type: &str, disposition: &str, name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Response::builder()
        .status(StatusCode::OK)
        .content_type(media_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .header("x-content-type-options", "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'self'",
        )
        .body(bytes)
}

// ---------------------------------------------------------------------------------------------
// The signed-in staff member

/// The signed-in staff member of a console request. Extracting it from a request without a live
/// session answers with the sign-in page's address instead.
pub(super) struct Staff {
    /// The account.
    pub user: User,
    token: String,
    /// The token this session's forms must carry.
    pub csrf: String,
    /// English chosen.
    pub en: bool,
    here: String,
}

fn csrf_for(token: &str) -> String {
    // The key is the session's own secret token, which script cannot read (HttpOnly) and another
    // site cannot learn; the token is useless in another session.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"invest-registry console form");
    hex::encode(mac.finalize().into_bytes())
}

impl<'a> FromRequest<'a> for Staff {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let en = english_of(req);
        let back = |req: &Request| {
            let here = req
                .uri()
                .path_and_query()
                .map_or("/console", |p| p.as_str());
            let next = if req.method() == poem::http::Method::GET {
                here
            } else {
                "/console"
            };
            poem::Error::from_response(see_other(&format!(
                "/console/sign-in?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            )))
        };
        let Some(state) = req.data::<AppState>() else {
            return Err(poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR));
        };
        let Some(token) = cookie(req, SESSION_COOKIE).filter(|t| t.len() <= 128) else {
            return Err(back(req));
        };
        match users::authenticate(&state.db, &token, state.clock.now()).await {
            Ok(Some(user)) => Ok(Self {
                csrf: csrf_for(&token),
                user,
                token,
                en,
                here: req.uri().path().to_owned(),
            }),
            Ok(None) => Err(back(req)),
            Err(e) => Err(poem::Error::from_response(trouble(en, &e))),
        }
    }
}

impl Staff {
    /// The context of an action taken by this user now.
    pub fn context(&self, state: &AppState) -> Context {
        Context {
            actor: Actor::User {
                id: self.user.id,
                username: self.user.username.clone(),
                roles: self.user.roles.clone(),
            },
            request_id: None,
            now: state.clock.now(),
        }
    }

    /// The page frame for this user.
    pub fn chrome(&self, state: &AppState, section: &'static str) -> Chrome {
        Chrome {
            en: self.en,
            user: Some(self.user.display_name.clone()),
            roles: self
                .user
                .roles
                .iter()
                .map(|r| role_label(*r, self.en))
                .collect::<Vec<_>>()
                .join(", "),
            csrf: self.csrf.clone(),
            section,
            development: state.issuer.is_development(),
            here: self.here.clone(),
            held: self.user.roles.clone(),
        }
    }

    /// Refuses a form whose CSRF token is missing or not this session's (for the multipart forms,
    /// which [`Checked`] does not read).
    pub fn check(&self, state: &AppState, fields: &Fields) -> Result<(), Box<Response>> {
        if same(fields.get("csrf").unwrap_or_default(), &self.csrf) {
            Ok(())
        } else {
            let c = self.chrome(state, "");
            Err(Box::new(self.refusal(
                state,
                StatusCode::FORBIDDEN,
                c.t(CSRF_REFUSED_VI, CSRF_REFUSED_EN),
            )))
        }
    }

    /// A page that says why something was refused.
    pub fn refusal(&self, state: &AppState, status: StatusCode, message: &str) -> Response {
        page(
            status,
            &MessagePage {
                c: self.chrome(state, ""),
                title: self
                    .chrome(state, "")
                    .t("Không thực hiện được", "Not done")
                    .to_owned(),
                message: message.to_owned(),
            },
        )
    }

    /// The page for a service error that is not a field-by-field validation.
    pub fn failure(&self, state: &AppState, e: &ServiceError) -> Response {
        let c = self.chrome(state, "");
        let (status, message) = match e {
            ServiceError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                format!(
                    "{} ({why})",
                    c.t(
                        "Bạn không có quyền thực hiện thao tác này",
                        "You may not do this"
                    )
                ),
            ),
            ServiceError::NotFound { .. } => (
                StatusCode::NOT_FOUND,
                c.t("Không tìm thấy mục này.", "Not found.").to_owned(),
            ),
            ServiceError::PreconditionFailed { .. } => (
                StatusCode::PRECONDITION_FAILED,
                c.t(
                    "Người khác vừa thay đổi mục này; hãy tải lại trang để xem bản mới rồi sửa lại.",
                    "Someone else changed this; reload to see the new version, then edit again.",
                )
                .to_owned(),
            ),
            ServiceError::Conflict { detail, .. } => (
                StatusCode::CONFLICT,
                format!(
                    "{} ({detail})",
                    c.t(
                        "Không thể thực hiện ở trạng thái hiện tại",
                        "Not possible in the current state"
                    )
                ),
            ),
            ServiceError::Validation(v) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                v.iter()
                    .map(|f| format!("{}: {}", f.field, violation_text(f, self.en)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ServiceError::BadParameter { name, message } => {
                (StatusCode::BAD_REQUEST, format!("{name}: {message}"))
            }
            _ => return trouble(self.en, e),
        };
        self.refusal(state, status, &message)
    }
}

/// The page for errors a person cannot fix by changing the form: outages and the unexpected.
fn trouble(en: bool, e: &ServiceError) -> Response {
    let (status, message) = match e {
        ServiceError::Unavailable { .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            if en {
                "The database cannot be reached just now. Try again in a minute."
            } else {
                "Tạm thời không kết nối được cơ sở dữ liệu. Hãy thử lại sau ít phút."
            },
        ),
        ServiceError::TooManyRequests { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            if en {
                "Too many attempts. Wait a while, then try again."
            } else {
                "Thử quá nhiều lần. Hãy chờ một lúc rồi thử lại."
            },
        ),
        _ => {
            tracing::error!(error = %e, error.debug = ?e, "console request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                if en {
                    "Something went wrong on our side; it has been logged."
                } else {
                    "Đã có lỗi phía hệ thống; lỗi đã được ghi lại."
                },
            )
        }
    };
    let c = anonymous_chrome(en, "/console");
    page(
        status,
        &MessagePage {
            title: c.t("Không thực hiện được", "Not done").to_owned(),
            c,
            message: message.to_owned(),
        },
    )
}

/// A page with one message.
#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    c: Chrome,
    title: String,
    message: String,
}

// ---------------------------------------------------------------------------------------------
// Forms

/// A submitted form whose CSRF token is this session's. Every handler that changes something
/// takes its form through this extractor, so none can forget the check; a form without the
/// right token is refused with a page that says so, and nothing is done.
pub(super) struct Checked(pub Fields);

impl<'a> FromRequest<'a> for Checked {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let form = Form::<Vec<(String, String)>>::from_request(req, body).await?;
        let fields = Fields::new(form.0);
        let expected = cookie(req, SESSION_COOKIE).map(|t| csrf_for(&t));
        match expected {
            Some(token) if same(fields.get("csrf").unwrap_or_default(), &token) => Ok(Self(fields)),
            _ => {
                let c = anonymous_chrome(english_of(req), req.uri().path());
                Err(poem::Error::from_response(page(
                    StatusCode::FORBIDDEN,
                    &MessagePage {
                        title: c.t("Không thực hiện được", "Not done").to_owned(),
                        message: c.t(CSRF_REFUSED_VI, CSRF_REFUSED_EN).to_owned(),
                        c,
                    },
                )))
            }
        }
    }
}

const CSRF_REFUSED_VI: &str = "Biểu mẫu không hợp lệ hoặc đã hết hạn (thiếu mã chống giả mạo CSRF). Hãy tải lại trang rồi thử lại.";
const CSRF_REFUSED_EN: &str =
    "The form is invalid or expired (its CSRF token is missing). Reload the page and try again.";

/// Compares two tokens in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The fields of a submitted form, in order (a name may repeat: check boxes).
#[derive(Debug, Default, Clone)]
pub(super) struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed value, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_owned()
    }

    /// The trimmed value, `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// True when a check box was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a value (for forms read from multipart).
    pub fn push(&mut self, name: String, value: String) {
        self.0.push((name, value));
    }
}

/// Field errors found while reading a form, before any service call.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<FieldViolation>);

impl Problems {
    pub fn add(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldViolation::new(field, code, message));
    }

    /// A date in `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub fn date(&mut self, f: &Fields, name: &str, required: bool) -> Option<NaiveDate> {
        let text = f.text(name);
        if text.is_empty() {
            if required {
                self.add(name, "required", "is required");
            }
            return None;
        }
        let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&text, "%d/%m/%Y"));
        match parsed {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(name, "invalid_format", "must be a date dd/mm/yyyy");
                None
            }
        }
    }

    /// A whole number, spaces and dots as digit grouping allowed.
    pub fn number(&mut self, f: &Fields, name: &str, required: bool) -> Option<i64> {
        let text: String = f
            .text(name)
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
            .collect();
        if text.is_empty() {
            if required {
                self.add(name, "required", "is required");
            }
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.add(name, "invalid_format", "must be a whole number");
                None
            }
        }
    }

    /// A value one of a closed list parses into.
    pub fn choice<T: std::str::FromStr>(&mut self, f: &Fields, name: &str) -> Option<T> {
        match f.text(name).parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.add(name, "required", "choose one of the options");
                None
            }
        }
    }

    /// An id chosen from a list.
    pub fn id(&mut self, f: &Fields, name: &str, required: bool) -> Option<Uuid> {
        match f.opt(name) {
            None => {
                if required {
                    self.add(name, "required", "choose one of the options");
                }
                None
            }
            Some(v) => match v.parse() {
                Ok(id) => Some(id),
                Err(_) => {
                    self.add(name, "invalid_format", "choose one of the options");
                    None
                }
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldViolation> {
        self.0
    }
}

/// A violation in words: Vietnamese for the codes the registry uses, then the rule itself.
pub(super) fn violation_text(v: &FieldViolation, en: bool) -> String {
    let vi = match v.code.as_str() {
        "required" | "blank" => "Bắt buộc",
        "too_long" | "length" => "Độ dài không hợp lệ",
        "too_short" => "Quá ngắn",
        "out_of_range" | "range" => "Ngoài giới hạn cho phép",
        "invalid_format" | "email" | "invalid_value" | "invalid" => "Không đúng định dạng",
        "duplicate" => "Đã có trong sổ đăng ký",
        "control_characters" => "Có ký tự không được phép",
        "wrong" => "Không đúng",
        "unchanged" => "Phải khác mật khẩu hiện tại",
        "not_allowed" => "Không được phép",
        "unknown" => "Không có trong danh mục",
        "sum_mismatch" => "Tổng không khớp",
        "mismatch" => "Không khớp",
        "in_the_past" => "Phải là ngày trong tương lai",
        "exceeds_total" => "Không được lớn hơn tổng diện tích quy hoạch",
        "exceeds_zone" => "Không được lớn hơn tổng diện tích của khu",
        "before_start" => "Phải sau ngày bắt đầu",
        "smaller_than_parcel" => "Không được nhỏ hơn diện tích lô đất lớn nhất của khu",
        "has_children" => "Khu đang chứa các khu khác nên phải giữ loại khu kinh tế",
        "self_reference" => "Một khu không thể nằm trong chính nó",
        "not_a_container" => "Khu chứa phải là khu kinh tế",
        "not_found" => "Không tìm thấy",
        "invalid_date" => "Ngày không hợp lệ",
        "other_zone" => "Lô đất thuộc khu khác",
        "recovered" => "Lô đất đã bị thu hồi",
        _ => "",
    };
    match (en, vi.is_empty()) {
        (true, _) | (false, true) => v.message.clone(),
        (false, false) => format!("{vi} ({})", v.message),
    }
}

/// The violations a failed call puts next to fields: validation errors, and conflicts that name
/// a field (a code or a name already taken); `None` for every other failure.
pub(super) fn field_violations(e: &ServiceError) -> Option<Vec<FieldViolation>> {
    match e {
        ServiceError::Validation(v) => Some(v.clone()),
        ServiceError::Conflict { violations, .. } if !violations.is_empty() => {
            Some(violations.clone())
        }
        _ => None,
    }
}

/// One field of a generic form, with its value and its error.
pub(super) struct Field {
    pub name: String,
    pub label: String,
    /// `text`, `number`, `date`, `email`, `password`, `textarea`, `select`, `checks`, `check`,
    /// `file`.
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub hint: String,
    /// `(value, label, chosen)`.
    pub options: Vec<(String, String, bool)>,
    pub error: String,
}

impl Field {
    pub fn new(name: &str, label: &str, kind: &'static str, value: &Fields) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            value: value.get(name).unwrap_or_default().to_owned(),
            required: false,
            hint: String::new(),
            options: Vec::new(),
            error: String::new(),
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &str) -> Self {
        self.hint = hint.to_owned();
        self
    }

    /// Choices; the chosen ones are those whose value the form holds.
    pub fn options(mut self, values: &Fields, options: Vec<(String, String)>) -> Self {
        let chosen = values.all(&self.name);
        self.options = options
            .into_iter()
            .map(|(v, l)| {
                let on = chosen.contains(&v);
                (v, l, on)
            })
            .collect();
        self
    }

    /// An id for the error paragraph, for `aria-describedby`.
    pub fn error_id(&self) -> String {
        format!("error-{}", self.name.replace(['.', '[', ']'], "-"))
    }
}

/// Puts each violation next to its field (a violation of `a.b` goes to field `a.b`, or else to
/// `a`); returns those that no field shows, for the top of the form.
pub(super) fn place_errors(
    fields: &mut [Field],
    violations: &[FieldViolation],
    en: bool,
) -> Vec<String> {
    let mut rest = Vec::new();
    for v in violations {
        let text = violation_text(v, en);
        let target = fields.iter_mut().find(|f| f.name == v.field).or(None);
        let target = match target {
            Some(t) => Some(t),
            None => {
                let head = v
                    .field
                    .split(['.', '['])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                fields.iter_mut().find(|f| f.name == head)
            }
        };
        match target {
            Some(f) if f.error.is_empty() => f.error = text,
            Some(f) => {
                f.error.push_str("; ");
                f.error.push_str(&text);
            }
            None => rest.push(format!("{}: {text}", v.field)),
        }
    }
    rest
}

/// Reads a url-encoded form body into its fields.
pub(super) fn fields_of(form: Form<Vec<(String, String)>>) -> Fields {
    Fields::new(form.0)
}

/// The query string of a request, as fields.
pub(super) fn query_of(req: &Request) -> Fields {
    Fields::new(
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
    )
}

/// This page's address with one query parameter set (the cursor of the next page), the others
/// (the filters) kept.
pub(super) fn with_param(req: &Request, key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .filter(|(k, _)| k != key)
            .collect();
    pairs.push((key.to_owned(), value.to_owned()));
    let qs: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}?{qs}", req.uri().path())
}

// ---------------------------------------------------------------------------------------------
// Display helpers shared by the screens

pub(super) fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub(super) fn day_opt(d: Option<NaiveDate>) -> String {
    d.map(day).unwrap_or_default()
}

pub(super) fn moment(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

pub(super) fn money(vnd: i64) -> String {
    format!("{} đồng", group_thousands(vnd))
}

pub(super) fn status_label(s: DossierStatus, en: bool) -> &'static str {
    if en { s.label_en() } else { s.label_vi() }
}

// ---------------------------------------------------------------------------------------------
// Landing, static files, sign-in, language

#[derive(Template)]
#[template(path = "console/landing.html")]
struct LandingPage {
    c: Chrome,
}

fn anonymous(req: &Request, state: &AppState) -> Chrome {
    let mut c = anonymous_chrome(english_of(req), req.uri().path());
    c.development = state.issuer.is_development();
    c
}

/// The frame of a page for someone not (or no longer) signed in.
fn anonymous_chrome(en: bool, here: &str) -> Chrome {
    Chrome {
        en,
        user: None,
        roles: String::new(),
        csrf: String::new(),
        section: "",
        development: false,
        here: here.to_owned(),
        held: Vec::new(),
    }
}

/// `/`: where to go.
#[handler]
async fn landing(req: &Request, state: Data<&AppState>) -> Response {
    page(
        StatusCode::OK,
        &LandingPage {
            c: anonymous(req, &state),
        },
    )
}

#[handler]
fn style_sheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(include_str!("../../../templates/console/console.css"))
}

#[handler]
fn script() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(include_str!("../../../templates/console/console.js"))
}

/// `/console/lang?to=en&back=/console/...`: remembers the language and goes back.
#[handler]
fn set_language(req: &Request) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let to = if query.get("to").map(String::as_str) == Some("en") {
        "en"
    } else {
        "vi"
    };
    let back = local_path(query.get("back").map(String::as_str));
    let mut resp = see_other(back);
    if let Ok(v) = HeaderValue::from_str(&set_cookie(req, LANG_COOKIE, to, Some(31_536_000))) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A path on this site to go back to; anything else (another site, a scheme) is the dashboard.
fn local_path(p: Option<&str>) -> &str {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.chars().all(|c| c.is_ascii_graphic()) =>
        {
            p
        }
        _ => "/console",
    }
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    c: Chrome,
    username: String,
    next: String,
    message: String,
}

fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn sign_in_form(
    req: &Request,
    state: &AppState,
    status: StatusCode,
    username: String,
    next: &str,
    message: String,
) -> Response {
    let token = random_token();
    let mut c = anonymous(req, state);
    c.csrf = token.clone();
    c.here = "/console/sign-in".to_owned();
    let mut resp = page(
        status,
        &SignInPage {
            c,
            username,
            next: local_path(Some(next)).to_owned(),
            message,
        },
    );
    if let Ok(v) = HeaderValue::from_str(&set_cookie(req, PRE_SESSION_COOKIE, &token, Some(3600))) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[handler]
async fn sign_in_page(req: &Request, state: Data<&AppState>) -> Response {
    let next: Option<String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned());
    sign_in_form(
        req,
        &state,
        StatusCode::OK,
        String::new(),
        next.as_deref().unwrap_or("/console"),
        String::new(),
    )
}

#[handler]
async fn sign_in(
    req: &Request,
    state: Data<&AppState>,
    form: Form<Vec<(String, String)>>,
) -> Response {
    let f = fields_of(form);
    let en = english_of(req);
    let next = f.text("next");
    let username = f.text("username");
    let expected = cookie(req, PRE_SESSION_COOKIE).unwrap_or_default();
    if expected.is_empty() || f.get("csrf") != Some(expected.as_str()) {
        let message = if en {
            "The sign-in form expired (its CSRF token is missing); it has been reloaded, try again."
        } else {
            "Biểu mẫu đăng nhập đã hết hạn (thiếu mã chống giả mạo CSRF); trang đã được tải lại, hãy thử lại."
        };
        return sign_in_form(
            req,
            &state,
            StatusCode::FORBIDDEN,
            username,
            &next,
            message.to_owned(),
        );
    }
    let client = req
        .extensions()
        .get::<ClientKey>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.to_string());
    let ttl = std::time::Duration::from_secs(state.policy.token_ttl_minutes * 60);
    match users::login(
        &state.db,
        &username,
        f.get("password").unwrap_or_default(),
        ttl,
        &client,
        None,
        state.clock.now(),
    )
    .await
    {
        Ok(session) => {
            let mut resp = see_other(local_path(Some(&next)));
            let age = (session.expires_at - state.clock.now())
                .num_seconds()
                .max(60);
            for c in [
                set_cookie(req, SESSION_COOKIE, &session.token, Some(age)),
                set_cookie(req, PRE_SESSION_COOKIE, "", Some(0)),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(ServiceError::Unauthorized(_)) => sign_in_form(
            req,
            &state,
            StatusCode::UNAUTHORIZED,
            username,
            &next,
            if en {
                "Wrong username or password."
            } else {
                "Sai tên đăng nhập hoặc mật khẩu."
            }
            .to_owned(),
        ),
        Err(ServiceError::TooManyRequests { retry_after }) => sign_in_form(
            req,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            &next,
            if en {
                format!(
                    "Too many failed attempts; try again in {} minutes.",
                    retry_after.div_ceil(60)
                )
            } else {
                format!(
                    "Đăng nhập sai quá nhiều lần; hãy thử lại sau {} phút.",
                    retry_after.div_ceil(60)
                )
            },
        ),
        Err(e) => trouble(en, &e),
    }
}

#[handler]
async fn sign_out(
    req: &Request,
    staff: Staff,
    state: Data<&AppState>,
    Checked(_f): Checked,
) -> Response {
    if let Err(e) = users::logout(&state.db, &staff.context(&state), &staff.token).await {
        return staff.failure(&state, &e);
    }
    let mut resp = see_other("/console/sign-in");
    if let Ok(v) = HeaderValue::from_str(&set_cookie(req, SESSION_COOKIE, "", Some(0))) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A generic form page: a title, the fields and one button.
#[derive(Template)]
#[template(path = "console/form.html")]
pub(super) struct FormPage {
    pub c: Chrome,
    pub title: String,
    pub intro: String,
    pub action: String,
    pub multipart: bool,
    pub fields: Vec<Field>,
    pub hidden: Vec<(String, String)>,
    pub errors: Vec<String>,
    pub submit: String,
    pub done: String,
    pub back: (String, String),
}

fn password_fields(staff: &Staff, state: &AppState) -> (Chrome, Vec<Field>) {
    let c = staff.chrome(state, "password");
    let empty = Fields::default();
    let fields = vec![
        Field::new(
            "current_password",
            c.t("Mật khẩu hiện tại", "Current password"),
            "password",
            &empty,
        )
        .required(),
        Field::new(
            "password",
            c.t("Mật khẩu mới", "New password"),
            "password",
            &empty,
        )
        .required()
        .hint(c.t("Ít nhất 12 ký tự.", "At least 12 characters.")),
        Field::new(
            "confirm",
            c.t("Nhập lại mật khẩu mới", "New password again"),
            "password",
            &empty,
        )
        .required(),
    ];
    (c, fields)
}

fn password_form(c: Chrome, fields: Vec<Field>, errors: Vec<String>, done: String) -> FormPage {
    FormPage {
        title: c.t("Đổi mật khẩu", "Change password").to_owned(),
        intro: c
            .t(
                "Sau khi đổi, các phiên đăng nhập khác của bạn sẽ kết thúc.",
                "After the change, your other sessions end.",
            )
            .to_owned(),
        action: "/console/password".to_owned(),
        multipart: false,
        submit: c.t("Đổi mật khẩu", "Change password").to_owned(),
        back: (
            "/console".to_owned(),
            c.t("Về trang chính", "Back to the dashboard").to_owned(),
        ),
        c,
        fields,
        hidden: Vec::new(),
        errors,
        done,
    }
}

#[handler]
async fn password_page(staff: Staff, state: Data<&AppState>) -> Response {
    let (c, fields) = password_fields(&staff, &state);
    page(
        StatusCode::OK,
        &password_form(c, fields, Vec::new(), String::new()),
    )
}

#[handler]
async fn change_password(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let (c, mut fields) = password_fields(&staff, &state);
    let new = f.get("password").unwrap_or_default();
    let result = if f.get("confirm").unwrap_or_default() != new {
        Err(ServiceError::Validation(vec![FieldViolation::new(
            "confirm",
            "mismatch",
            if staff.en {
                "does not match the new password"
            } else {
                "không khớp với mật khẩu mới"
            },
        )]))
    } else {
        users::change_own_password(
            &state.db,
            &staff.context(&state),
            &staff.token,
            f.get("current_password").unwrap_or_default(),
            new,
        )
        .await
    };
    match result {
        Ok(()) => {
            let done = c.t("Đã đổi mật khẩu.", "Password changed.").to_owned();
            page(StatusCode::OK, &password_form(c, fields, Vec::new(), done))
        }
        Err(ServiceError::Validation(v)) => {
            let rest = place_errors(&mut fields, &v, staff.en);
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &password_form(c, fields, rest, String::new()),
            )
        }
        Err(e) => staff.failure(&state, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// The dashboard

/// A dossier in a list.
pub(super) struct DossierLine {
    pub id: Uuid,
    pub code: String,
    pub procedure: String,
    pub subject: String,
    pub status: String,
    pub due: String,
    pub overdue: bool,
}

struct ZoneLine {
    name: String,
    leased: String,
    land: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    overdue: usize,
    due_soon: usize,
    mine: usize,
    /// `(id, title, dossiers)`.
    tables: Vec<(&'static str, String, Vec<DossierLine>)>,
    issued_this_month: u64,
    month: String,
    zones: Vec<ZoneLine>,
}

pub(super) fn dossier_line(
    d: &crate::domain::dossier::Dossier,
    overdue: bool,
    en: bool,
) -> DossierLine {
    DossierLine {
        id: d.id,
        code: d.receipt_code.clone(),
        procedure: d.procedure_code.clone(),
        subject: d.subject.clone(),
        status: status_label(d.status, en).to_owned(),
        due: day_opt(d.due_date),
        overdue,
    }
}

#[handler]
async fn dashboard(staff: Staff, state: Data<&AppState>) -> Response {
    match dashboard_page(&staff, &state).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn dashboard_page(staff: &Staff, state: &AppState) -> Result<DashboardPage, ServiceError> {
    let ctx = staff.context(state);
    let en = staff.en;
    let list = |filter: DossierFilter| dossier_service::list(state, &ctx, filter, None, 50);
    let overdue = list(DossierFilter {
        overdue: Some(true),
        ..Default::default()
    })
    .await?;
    let soon = list(DossierFilter {
        due_within_working_days: Some(5),
        overdue: Some(false),
        ..Default::default()
    })
    .await?;
    // Waiting for my step: open dossiers whose status allows a step my roles may take.
    let mut mine = Vec::new();
    for status in DossierStatus::ALL {
        let mine_here = next_actions(*status)
            .iter()
            .any(|a| staff.user.roles.iter().any(|r| a.roles().contains(r)));
        if !mine_here {
            continue;
        }
        let page = list(DossierFilter {
            status: Some(*status),
            ..Default::default()
        })
        .await?;
        mine.extend(
            page.items
                .iter()
                .map(|(d, t)| dossier_line(d, t.overdue, en)),
        );
    }
    let today = vietnam_date(ctx.now);
    let month_start = today.with_day(1).unwrap_or(today);
    let issued = certificate_service::issued_between(&state.db, month_start, today).await?;
    let zones = zone_service::list(&state.db, &Default::default(), None, 200).await?;
    let refs: Vec<_> = zones.items.iter().collect();
    let occupancy = leases::occupancy(&state.db, &refs).await?;
    let zones = zones
        .items
        .iter()
        .filter_map(|z| {
            let o = occupancy.get(&z.id)?;
            Some(ZoneLine {
                name: z.data.name.clone(),
                leased: area(o.leased.dm2()),
                land: o
                    .land
                    .map(|a| area(a.dm2()))
                    .unwrap_or_else(|| "—".to_owned()),
                rate: o
                    .rate_percent
                    .map(|r| format!("{r:.2} %").replace('.', ","))
                    .unwrap_or_else(|| "—".to_owned()),
            })
        })
        .collect();
    let c = staff.chrome(state, "dashboard");
    let lines =
        |p: &crate::service::Page<(crate::domain::dossier::Dossier, dossier_service::Today)>| {
            p.items
                .iter()
                .map(|(d, t)| dossier_line(d, t.overdue, en))
                .collect::<Vec<_>>()
        };
    let (overdue, soon) = (lines(&overdue), lines(&soon));
    Ok(DashboardPage {
        overdue: overdue.len(),
        due_soon: soon.len(),
        mine: mine.len(),
        tables: vec![
            (
                "overdue",
                c.t("Hồ sơ quá hạn", "Overdue dossiers").to_owned(),
                overdue,
            ),
            (
                "soon",
                c.t(
                    "Đến hạn trong tuần (5 ngày làm việc)",
                    "Due this week (5 working days)",
                )
                .to_owned(),
                soon,
            ),
            (
                "mine",
                c.t("Chờ bước của tôi", "Waiting for my step").to_owned(),
                mine,
            ),
        ],
        c,
        issued_this_month: issued,
        month: month_start.format("%m/%Y").to_string(),
        zones,
    })
}

//! Administration: staff accounts, agency API keys and the audit log, for administrators. Every
//! screen calls the service functions the API calls, and those refuse anyone but an administrator,
//! so a clerk who opens these addresses gets the refusal page, never the data.

use askama::Template;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use poem::{
    Request, Response, Route, get, handler,
    http::StatusCode,
    post,
    web::{Data, Path},
};
use uuid::Uuid;

use super::{
    Checked, Chrome, Field, Fields, Problems, Staff, field_violations, moment, page, place_errors,
    query_of, role_label, see_other,
};
use crate::{
    domain::{
        audit::{AuditFilter, StoredEvent},
        auth::{ApiKey, Role, Scope, User},
        time::vietnam,
    },
    service::{AppState, ServiceError, api_keys, audit, users},
};

/// Accounts, keys or events on one page.
const PAGE_SIZE: u64 = 100;

/// Mounts the administration screens.
pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/admin", get(admin_home))
        .at("/console/admin/users", get(users_page).post(create_user))
        .at("/console/admin/users/:id", get(user_page))
        .at("/console/admin/users/:id/signing", post(set_signing))
        .at("/console/admin/users/:id/disable", post(disable_user))
        .at("/console/admin/users/:id/enable", post(enable_user))
        .at(
            "/console/admin/users/:id/reset-password",
            post(reset_password),
        )
        .at("/console/admin/keys", get(keys_page).post(create_key))
        .at("/console/admin/keys/:id/revoke", post(revoke_key))
        .at("/console/admin/audit", get(audit_page))
        .at("/console/admin/audit/verify", post(verify_chain))
}

// ---------------------------------------------------------------------------------------------
// Shared bits

fn scope_label(s: Scope, en: bool) -> &'static str {
    match (s, en) {
        (Scope::RegistryRead, false) => "Sổ đăng ký: khu, lô đất, nhà đầu tư, dự án",
        (Scope::RegistryRead, true) => "Registry: zones, parcels, investors, projects",
        (Scope::CertificatesRead, false) => "Giấy chứng nhận và trạng thái",
        (Scope::CertificatesRead, true) => "Certificates and their status",
        (Scope::FeedRead, false) => "Luồng thay đổi",
        (Scope::FeedRead, true) => "Change feed",
        (Scope::StatsRead, false) => "Số liệu thống kê",
        (Scope::StatsRead, true) => "Statistics",
        (Scope::PersonalRead, false) => {
            "Dữ liệu cá nhân: số giấy tờ, ngày sinh, địa chỉ của cá nhân"
        }
        (Scope::PersonalRead, true) => {
            "Personal data: individuals' identity numbers, birth dates, addresses"
        }
    }
}

/// A page that shows a secret once (a generated password, a new key).
#[derive(Template)]
#[template(path = "console/admin_once.html")]
struct OncePage {
    c: Chrome,
    tab: &'static str,
    title: String,
    /// `(label, value)` facts about what was made.
    facts: Vec<(String, String)>,
    secret_label: String,
    secret: String,
    advice: String,
    back: (String, String),
}

/// `/console/admin`: the first admin screen.
#[handler]
fn admin_home() -> Response {
    see_other("/console/admin/users")
}

// ---------------------------------------------------------------------------------------------
// Staff accounts

/// An account in a list or on its page.
struct UserLine {
    id: Uuid,
    username: String,
    display_name: String,
    roles: String,
    disabled: bool,
    /// When a lock-out ends, if the account is locked now.
    locked_until: String,
    signing_capacity: String,
    signing_title: String,
}

fn user_line(u: &User, now: DateTime<Utc>, en: bool) -> UserLine {
    UserLine {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        roles: u
            .roles
            .iter()
            .map(|r| role_label(*r, en))
            .collect::<Vec<_>>()
            .join(", "),
        disabled: u.disabled,
        locked_until: u
            .locked_until
            .filter(|t| *t > now)
            .map(moment)
            .unwrap_or_default(),
        signing_capacity: u.signing_capacity.clone().unwrap_or_default(),
        signing_title: u.signing_title.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "console/admin_users.html")]
struct UsersPage {
    c: Chrome,
    tab: &'static str,
    users: Vec<UserLine>,
    /// The next page's address, when there is one.
    next: String,
    fields: Vec<Field>,
    errors: Vec<String>,
}

fn new_user_fields(c: &Chrome, values: &Fields) -> Vec<Field> {
    vec![
        Field::new("username", c.t("Tên đăng nhập", "Username"), "text", values)
            .required()
            .hint(c.t(
                "3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang.",
                "3–64 characters: lower-case letters, digits, '.', '_', '-'.",
            )),
        Field::new(
            "display_name",
            c.t("Họ và tên", "Full name"),
            "text",
            values,
        )
        .required(),
        Field::new("roles", c.t("Vai trò", "Roles"), "checks", values)
            .required()
            .options(
                values,
                Role::ALL
                    .iter()
                    .map(|r| (r.as_str().to_owned(), role_label(*r, c.en).to_owned()))
                    .collect(),
            ),
    ]
    .into_iter()
    .chain(signing_fields(c, values))
    .collect()
}

fn signing_fields(c: &Chrome, values: &Fields) -> Vec<Field> {
    vec![
        Field::new(
            "signing_capacity",
            c.t("Thẩm quyền ký", "Signing capacity"),
            "text",
            values,
        )
        .hint(c.t(
            "Chỉ cho lãnh đạo phê duyệt, in phía trên chức danh, ví dụ KT. TRƯỞNG BAN.",
            "Approvers only, printed above the title, e.g. KT. TRƯỞNG BAN.",
        )),
        Field::new(
            "signing_title",
            c.t("Chức danh ký", "Signing title"),
            "text",
            values,
        )
        .hint(c.t(
            "Ví dụ PHÓ TRƯỞNG BAN; được in hoa trên giấy chứng nhận.",
            "E.g. PHÓ TRƯỞNG BAN; printed in capitals on certificates.",
        )),
    ]
}

async fn users_view(
    staff: &Staff,
    state: &AppState,
    after: Option<Uuid>,
    fields: Vec<Field>,
    errors: Vec<String>,
) -> Result<UsersPage, ServiceError> {
    let ctx = staff.context(state);
    let list = users::list(&state.db, &ctx, after, PAGE_SIZE).await?;
    Ok(UsersPage {
        c: staff.chrome(state, "admin"),
        tab: "users",
        users: list
            .items
            .iter()
            .map(|u| user_line(u, ctx.now, staff.en))
            .collect(),
        next: list
            .next_after
            .map(|id| format!("/console/admin/users?after={id}"))
            .unwrap_or_default(),
        fields,
        errors,
    })
}

/// `/console/admin/users`: the accounts and a form for a new one.
#[handler]
async fn users_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let after = query_of(req).opt("after").and_then(|a| a.parse().ok());
    let fields = new_user_fields(&staff.chrome(&state, "admin"), &Fields::default());
    match users_view(&staff, &state, after, fields, Vec::new()).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

/// Creates an account with a generated password, shown once.
#[handler]
async fn create_user(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let c = staff.chrome(&state, "admin");
    let mut problems = Problems::default();
    let mut roles = Vec::new();
    for r in f.all("roles") {
        match r.parse::<Role>() {
            Ok(role) => roles.push(role),
            Err(_) => problems.add("roles", "unknown", "choose among the roles listed"),
        }
    }
    let password = users::generate_password();
    let result = if problems.is_empty() {
        users::create(
            &state.db,
            &staff.context(&state),
            users::NewUser {
                username: f.text("username"),
                display_name: f.text("display_name"),
                password: password.clone(),
                roles,
                signing_title: f.opt("signing_title"),
                signing_capacity: f.opt("signing_capacity"),
            },
        )
        .await
    } else {
        Err(ServiceError::Validation(problems.into_vec()))
    };
    match result {
        Ok(user) => page(
            StatusCode::OK,
            &OncePage {
                title: c.t("Đã tạo tài khoản", "Account created").to_owned(),
                facts: vec![
                    (c.t("Tên đăng nhập", "Username").to_owned(), user.username.clone()),
                    (c.t("Họ và tên", "Full name").to_owned(), user.display_name.clone()),
                    (
                        c.t("Vai trò", "Roles").to_owned(),
                        user_line(&user, state.clock.now(), staff.en).roles,
                    ),
                ],
                secret_label: c.t("Mật khẩu ban đầu", "Initial password").to_owned(),
                secret: password,
                advice: c
                    .t(
                        "Mật khẩu chỉ hiển thị một lần và không được lưu ở dạng đọc được. Hãy trao tận tay người dùng và đề nghị họ đổi mật khẩu ngay sau lần đăng nhập đầu tiên.",
                        "The password is shown only once and is not stored readably. Hand it to the user in person and ask them to change it after their first sign-in.",
                    )
                    .to_owned(),
                back: (
                    format!("/console/admin/users/{}", user.id),
                    c.t("Xem tài khoản", "View the account").to_owned(),
                ),
                tab: "users",
                c,
            },
        ),
        Err(e) => match field_violations(&e) {
            Some(v) => {
                let mut fields = new_user_fields(&c, &f);
                let rest = place_errors(&mut fields, &v, staff.en);
                match users_view(&staff, &state, None, fields, rest).await {
                    Ok(p) => page(StatusCode::UNPROCESSABLE_ENTITY, &p),
                    Err(e) => staff.failure(&state, &e),
                }
            }
            None => staff.failure(&state, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "console/admin_user.html")]
struct UserPage {
    c: Chrome,
    tab: &'static str,
    u: UserLine,
    failed_logins: i32,
    created: String,
    fields: Vec<Field>,
    errors: Vec<String>,
    done: String,
}

/// The account with this id, through the same listing the API offers (accounts are few).
async fn find_user(staff: &Staff, state: &AppState, id: Uuid) -> Result<User, ServiceError> {
    let ctx = staff.context(state);
    let mut after = None;
    loop {
        let list = users::list(&state.db, &ctx, after, 200).await?;
        if let Some(u) = list.items.into_iter().find(|u| u.id == id) {
            return Ok(u);
        }
        match list.next_after {
            Some(next) => after = Some(next),
            None => return Err(ServiceError::not_found("user", id)),
        }
    }
}

fn user_view(
    staff: &Staff,
    state: &AppState,
    user: &User,
    fields: Option<Vec<Field>>,
    errors: Vec<String>,
    done: String,
) -> UserPage {
    let c = staff.chrome(state, "admin");
    let fields = fields.unwrap_or_else(|| {
        let values = Fields::new(vec![
            (
                "signing_capacity".to_owned(),
                user.signing_capacity.clone().unwrap_or_default(),
            ),
            (
                "signing_title".to_owned(),
                user.signing_title.clone().unwrap_or_default(),
            ),
        ]);
        signing_fields(&c, &values)
    });
    UserPage {
        u: user_line(user, state.clock.now(), staff.en),
        failed_logins: user.failed_logins,
        created: moment(user.created_at),
        c,
        tab: "users",
        fields,
        errors,
        done,
    }
}

/// `/console/admin/users/{id}`: one account, its signature block and what may be done to it.
#[handler]
async fn user_page(
    req: &Request,
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
) -> Response {
    let user = find_user(&staff, &state, id).await;
    let user = match user {
        Ok(u) => u,
        Err(e) => return staff.failure(&state, &e),
    };
    let c = staff.chrome(&state, "admin");
    let done = match query_of(req).text("done").as_str() {
        "signing" => c.t("Đã lưu chức danh ký.", "Signing details saved."),
        "disabled" => c.t(
            "Đã vô hiệu hóa tài khoản; mọi phiên đăng nhập của tài khoản đã kết thúc.",
            "Account disabled; all its sessions have ended.",
        ),
        "enabled" => c.t("Đã kích hoạt lại tài khoản.", "Account enabled again."),
        _ => "",
    }
    .to_owned();
    page(
        StatusCode::OK,
        &user_view(&staff, &state, &user, None, Vec::new(), done),
    )
}

/// Saves the title and capacity an approver signs with.
#[handler]
async fn set_signing(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let result = users::set_signing(
        &state.db,
        &staff.context(&state),
        id,
        f.opt("signing_title"),
        f.opt("signing_capacity"),
    )
    .await;
    match result {
        Ok(_) => see_other(&format!("/console/admin/users/{id}?done=signing")),
        Err(ServiceError::Validation(v)) => {
            let user = match find_user(&staff, &state, id).await {
                Ok(u) => u,
                Err(e) => return staff.failure(&state, &e),
            };
            let c = staff.chrome(&state, "admin");
            let mut fields = signing_fields(&c, &f);
            let rest = place_errors(&mut fields, &v, staff.en);
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &user_view(&staff, &state, &user, Some(fields), rest, String::new()),
            )
        }
        Err(e) => staff.failure(&state, &e),
    }
}

async fn switch_user(staff: Staff, state: &AppState, id: Uuid, disabled: bool) -> Response {
    match users::set_disabled(&state.db, &staff.context(state), id, disabled).await {
        Ok(_) => see_other(&format!(
            "/console/admin/users/{id}?done={}",
            if disabled { "disabled" } else { "enabled" }
        )),
        Err(e) => staff.failure(state, &e),
    }
}

/// Disables an account and ends its sessions.
#[handler]
async fn disable_user(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    _form: Checked,
) -> Response {
    switch_user(staff, &state, id, true).await
}

/// Enables an account again.
#[handler]
async fn enable_user(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    _form: Checked,
) -> Response {
    switch_user(staff, &state, id, false).await
}

/// Sets a generated password, shown once; clears a lock-out and ends the account's sessions.
#[handler]
async fn reset_password(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(_f): Checked,
) -> Response {
    let password = users::generate_password();
    match users::reset_password(&state.db, &staff.context(&state), id, password.clone()).await {
        Ok(user) => {
            let c = staff.chrome(&state, "admin");
            page(
                StatusCode::OK,
                &OncePage {
                    title: c.t("Đã đặt lại mật khẩu", "Password reset").to_owned(),
                    facts: vec![
                        (c.t("Tên đăng nhập", "Username").to_owned(), user.username.clone()),
                        (c.t("Họ và tên", "Full name").to_owned(), user.display_name.clone()),
                    ],
                    secret_label: c.t("Mật khẩu mới", "New password").to_owned(),
                    secret: password,
                    advice: c
                        .t(
                            "Mật khẩu chỉ hiển thị một lần. Khóa đăng nhập (nếu có) đã được gỡ và mọi phiên đăng nhập của tài khoản đã kết thúc. Hãy trao tận tay người dùng và đề nghị họ đổi mật khẩu ngay.",
                            "The password is shown only once. Any sign-in lock has been cleared and every session of the account has ended. Hand it to the user in person and ask them to change it at once.",
                        )
                        .to_owned(),
                    back: (
                        format!("/console/admin/users/{id}"),
                        c.t("Về tài khoản", "Back to the account").to_owned(),
                    ),
                    tab: "users",
                    c,
                },
            )
        }
        Err(e) => staff.failure(&state, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Agency API keys

struct KeyLine {
    id: Uuid,
    prefix: String,
    agency: String,
    scopes: Vec<String>,
    rate: String,
    expires: String,
    created: String,
    revoked: String,
    expired: bool,
}

fn key_line(k: &ApiKey, now: DateTime<Utc>) -> KeyLine {
    KeyLine {
        id: k.id,
        prefix: k.prefix.clone(),
        agency: k.agency.clone(),
        scopes: k.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        rate: crate::domain::format::group_thousands(i64::from(k.rate_limit_per_minute)),
        expires: k.expires_at.map(moment).unwrap_or_default(),
        created: moment(k.created_at),
        revoked: k.revoked_at.map(moment).unwrap_or_default(),
        expired: k.expires_at.is_some_and(|t| t <= now),
    }
}

#[derive(Template)]
#[template(path = "console/admin_keys.html")]
struct KeysPage {
    c: Chrome,
    tab: &'static str,
    keys: Vec<KeyLine>,
    next: String,
    fields: Vec<Field>,
    errors: Vec<String>,
}

fn new_key_fields(c: &Chrome, values: &Fields) -> Vec<Field> {
    vec![
        Field::new(
            "agency",
            c.t("Cơ quan được cấp khóa", "Agency"),
            "text",
            values,
        )
        .required()
        .hint(c.t(
            "Ví dụ Cục Thống kê tỉnh Quảng Trị.",
            "E.g. Cục Thống kê tỉnh Quảng Trị.",
        )),
        Field::new("scopes", c.t("Được đọc", "May read"), "checks", values)
            .required()
            .options(
                values,
                Scope::ALL
                    .iter()
                    .map(|s| {
                        (
                            s.as_str().to_owned(),
                            format!("{} ({})", scope_label(*s, c.en), s.as_str()),
                        )
                    })
                    .collect(),
            ),
        Field::new(
            "rate_limit_per_minute",
            c.t("Số yêu cầu tối đa mỗi phút", "Requests per minute at most"),
            "number",
            values,
        )
        .required()
        .hint(c.t("Từ 1 đến 100.000.", "From 1 to 100,000.")),
        Field::new(
            "expires_at",
            c.t("Hết hạn sau ngày", "Expires after"),
            "date",
            values,
        )
        .hint(c.t(
            "dd/mm/yyyy; khóa ngừng hoạt động khi hết ngày này (giờ Việt Nam). Để trống nếu không hết hạn.",
            "dd/mm/yyyy; the key stops working when this day ends. Leave blank for no expiry.",
        )),
    ]
}

async fn keys_view(
    staff: &Staff,
    state: &AppState,
    after: Option<Uuid>,
    fields: Vec<Field>,
    errors: Vec<String>,
) -> Result<KeysPage, ServiceError> {
    let ctx = staff.context(state);
    let list = api_keys::list(&state.db, &ctx, after, PAGE_SIZE).await?;
    Ok(KeysPage {
        c: staff.chrome(state, "admin"),
        tab: "keys",
        keys: list.items.iter().map(|k| key_line(k, ctx.now)).collect(),
        next: list
            .next_after
            .map(|id| format!("/console/admin/keys?after={id}"))
            .unwrap_or_default(),
        fields,
        errors,
    })
}

/// `/console/admin/keys`: agency keys and a form for a new one.
#[handler]
async fn keys_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let after = query_of(req).opt("after").and_then(|a| a.parse().ok());
    let defaults = Fields::new(vec![("rate_limit_per_minute".to_owned(), "600".to_owned())]);
    let fields = new_key_fields(&staff.chrome(&state, "admin"), &defaults);
    match keys_view(&staff, &state, after, fields, Vec::new()).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

/// The last second of a Vietnamese calendar day, as an instant.
fn end_of_day(d: NaiveDate) -> Option<DateTime<Utc>> {
    let last = d.and_hms_opt(23, 59, 59)?;
    Some(
        vietnam()
            .from_local_datetime(&last)
            .single()?
            .with_timezone(&Utc),
    )
}

/// Creates a key; its secret is shown once.
#[handler]
async fn create_key(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let c = staff.chrome(&state, "admin");
    let mut problems = Problems::default();
    let mut scopes = Vec::new();
    for s in f.all("scopes") {
        match s.parse::<Scope>() {
            Ok(scope) => scopes.push(scope),
            Err(_) => problems.add("scopes", "unknown", "choose among the scopes listed"),
        }
    }
    let rate = problems.number(&f, "rate_limit_per_minute", true);
    let rate = match rate.map(i32::try_from) {
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => {
            problems.add(
                "rate_limit_per_minute",
                "out_of_range",
                "must be 1 to 100000",
            );
            None
        }
        None => None,
    };
    let expires_at = problems.date(&f, "expires_at", false).and_then(end_of_day);
    let result = match rate {
        Some(rate) if problems.is_empty() => {
            api_keys::create(
                &state.db,
                &staff.context(&state),
                api_keys::NewKey {
                    agency: f.text("agency"),
                    scopes,
                    rate_limit_per_minute: rate,
                    expires_at,
                },
            )
            .await
        }
        _ => Err(ServiceError::Validation(problems.into_vec())),
    };
    match result {
        Ok((key, secret)) => page(
            StatusCode::OK,
            &OncePage {
                title: c.t("Đã tạo khóa API", "API key created").to_owned(),
                facts: vec![
                    (c.t("Cơ quan", "Agency").to_owned(), key.agency.clone()),
                    (
                        c.t("Được đọc", "May read").to_owned(),
                        key.scopes
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    (
                        c.t("Số yêu cầu mỗi phút", "Requests per minute").to_owned(),
                        crate::domain::format::group_thousands(i64::from(
                            key.rate_limit_per_minute,
                        )),
                    ),
                    (
                        c.t("Hết hạn", "Expires").to_owned(),
                        key.expires_at
                            .map(moment)
                            .unwrap_or_else(|| c.t("Không hết hạn", "Never").to_owned()),
                    ),
                ],
                secret_label: c
                    .t("Khóa bí mật (gửi trong tiêu đề X-Api-Key)", "Secret (sent as the X-Api-Key header)")
                    .to_owned(),
                secret,
                advice: c
                    .t(
                        "Khóa bí mật chỉ hiển thị một lần; hệ thống chỉ lưu mã băm của nó. Hãy chuyển cho cơ quan qua kênh an toàn. Nếu bị lộ, hãy thu hồi và tạo khóa mới.",
                        "The secret is shown only once; only its hash is stored. Send it to the agency over a safe channel. If it leaks, revoke it and create a new one.",
                    )
                    .to_owned(),
                back: (
                    "/console/admin/keys".to_owned(),
                    c.t("Về danh sách khóa", "Back to the keys").to_owned(),
                ),
                tab: "keys",
                c,
            },
        ),
        Err(e) => match field_violations(&e) {
            Some(v) => {
                let mut fields = new_key_fields(&c, &f);
                let rest = place_errors(&mut fields, &v, staff.en);
                match keys_view(&staff, &state, None, fields, rest).await {
                    Ok(p) => page(StatusCode::UNPROCESSABLE_ENTITY, &p),
                    Err(e) => staff.failure(&state, &e),
                }
            }
            None => staff.failure(&state, &e),
        },
    }
}

/// Revokes a key at once.
#[handler]
async fn revoke_key(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(_f): Checked,
) -> Response {
    let result = api_keys::revoke(&state.db, &staff.context(&state), id).await;
    match result {
        Ok(_) => see_other("/console/admin/keys"),
        Err(e) => staff.failure(&state, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// The audit log

struct EventLine {
    seq: i64,
    at: String,
    actor: String,
    system: bool,
    action: String,
    entity_type: String,
    entity_id: String,
    /// A console page about the entity, when there is one.
    link: String,
}

fn event_line(e: &StoredEvent) -> EventLine {
    let at = DateTime::parse_from_rfc3339(&e.at)
        .map(|t| moment(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| e.at.clone());
    let link = match e.entity_type.as_str() {
        "zone" => format!("/console/zones/{}", e.entity_id),
        "dossier" => format!("/console/dossiers/{}", e.entity_id),
        "investor" => format!("/console/investors/{}", e.entity_id),
        "project" => format!("/console/projects/{}", e.entity_id),
        "certificate" => format!("/console/certificates/{}", e.entity_id),
        "user" if e.entity_id.parse::<Uuid>().is_ok() => {
            format!("/console/admin/users/{}", e.entity_id)
        }
        _ => String::new(),
    };
    EventLine {
        seq: e.seq,
        at,
        actor: e.actor_name.clone(),
        system: e.actor_type == "system",
        action: e.action.clone(),
        entity_type: e.entity_type.clone(),
        entity_id: e.entity_id.clone(),
        link,
    }
}

/// The outcome of checking the chain, in words.
struct Verdict {
    intact: bool,
    checked: u64,
    broken_seq: i64,
    broken_id: String,
    reason: String,
}

/// The kinds of entity the log records, for the filter.
const ENTITY_TYPES: &[(&str, &str, &str)] = &[
    ("zone", "Khu", "Zone"),
    ("parcel", "Lô đất", "Parcel"),
    ("investor", "Nhà đầu tư", "Investor"),
    ("project", "Dự án", "Project"),
    ("lease", "Thuê đất", "Lease"),
    ("certificate", "Giấy chứng nhận", "Certificate"),
    ("dossier", "Hồ sơ", "Dossier"),
    ("procedure", "Thủ tục", "Procedure"),
    ("calendar_day", "Lịch làm việc", "Calendar day"),
    ("user", "Tài khoản", "Account"),
    ("api_key", "Khóa API", "API key"),
    ("signing_key", "Khóa ký số", "Signing key"),
    ("sign_in", "Đăng nhập", "Sign-in"),
];

#[derive(Template)]
#[template(path = "console/admin_audit.html")]
struct AuditPage {
    c: Chrome,
    tab: &'static str,
    events: Vec<EventLine>,
    /// `(value, label, chosen)`.
    types: Vec<(String, String, bool)>,
    entity_id: String,
    filtered: bool,
    /// The next (older) page's address, when there is one.
    older: String,
    /// The newest page with the same filters, when this is an older one.
    newest: String,
    verdict: Option<Verdict>,
}

async fn audit_view(
    staff: &Staff,
    state: &AppState,
    query: &Fields,
    verdict: Option<Verdict>,
) -> Result<AuditPage, ServiceError> {
    let ctx = staff.context(state);
    let filter = AuditFilter {
        entity_type: query.opt("entity_type"),
        entity_id: query.opt("entity_id"),
        actor_id: None,
    };
    let before = query.opt("before").and_then(|b| b.parse::<i64>().ok());
    let (rows, next) = audit::list(&state.db, &ctx, &filter, before, PAGE_SIZE).await?;
    let keep: Vec<(&str, String)> = [
        ("entity_type", filter.entity_type.clone()),
        ("entity_id", filter.entity_id.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let address = |before: Option<i64>| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &keep {
            q.append_pair(k, v);
        }
        if let Some(seq) = before {
            q.append_pair("before", &seq.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            "/console/admin/audit".to_owned()
        } else {
            format!("/console/admin/audit?{q}")
        }
    };
    let older = next.map(|seq| address(Some(seq))).unwrap_or_default();
    let newest = before.map(|_| address(None)).unwrap_or_default();
    let chosen = filter.entity_type.clone().unwrap_or_default();
    let mut types: Vec<(String, String, bool)> = ENTITY_TYPES
        .iter()
        .map(|(v, vi, en)| {
            (
                (*v).to_owned(),
                format!("{} ({v})", if staff.en { en } else { vi }),
                *v == chosen,
            )
        })
        .collect();
    if !chosen.is_empty() && !types.iter().any(|t| t.2) {
        types.push((chosen.clone(), chosen, true));
    }
    Ok(AuditPage {
        c: staff.chrome(state, "admin"),
        tab: "audit",
        events: rows.iter().map(event_line).collect(),
        types,
        entity_id: filter.entity_id.clone().unwrap_or_default(),
        filtered: filter.entity_type.is_some() || filter.entity_id.is_some(),
        older,
        newest,
        verdict,
    })
}

/// `/console/admin/audit`: the log, newest first, a page at a time.
#[handler]
async fn audit_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    match audit_view(&staff, &state, &query_of(req), None).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

/// The reason a chain is broken, in the reader's language.
fn reason_text(reason: &str, en: bool) -> String {
    if en {
        return reason.to_owned();
    }
    let vi = if reason.starts_with("sequence gap") {
        "thiếu sự kiện trong dãy số thứ tự"
    } else if reason.starts_with("its link") {
        "liên kết tới sự kiện trước không khớp (một sự kiện trước nó đã bị xóa hoặc sửa)"
    } else if reason.starts_with("its content") {
        "nội dung không khớp với mã băm (sự kiện đã bị sửa)"
    } else {
        return reason.to_owned();
    };
    format!("{vi} — {reason}")
}

/// Recomputes the whole chain and shows the result above the newest events.
#[handler]
async fn verify_chain(staff: Staff, state: Data<&AppState>, Checked(_f): Checked) -> Response {
    let report = match audit::verify(&state.db, &staff.context(&state)).await {
        Ok(r) => r,
        Err(e) => return staff.failure(&state, &e),
    };
    let verdict = Verdict {
        intact: report.first_broken.is_none(),
        checked: report.checked,
        broken_seq: report.first_broken.as_ref().map_or(0, |b| b.seq),
        broken_id: report
            .first_broken
            .as_ref()
            .map(|b| b.id.clone())
            .unwrap_or_default(),
        reason: report
            .first_broken
            .as_ref()
            .map(|b| reason_text(&b.reason, staff.en))
            .unwrap_or_default(),
    };
    match audit_view(&staff, &state, &Fields::default(), Some(verdict)).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

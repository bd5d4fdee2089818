//! The registry's screens: investors and projects (lists with diacritics-insensitive search,
//! detail pages, create and edit forms with the rules' messages next to their fields, the ETag
//! conflict as "someone else changed this"), a project's leases with a parcel picker that offers
//! only free parcels of its zone, and drafting a certificate version for a project.

use askama::Template;
use poem::{
    Request, Response, Route, get, handler,
    http::StatusCode,
    post,
    web::{Data, Path},
};
use uuid::Uuid;

use super::{
    Checked, Chrome, Field, Fields, FormPage, Problems, Staff, day, day_opt, moment, money, page,
    place_errors, query_of, see_other,
};
use crate::{
    domain::{
        FieldViolation,
        area::Area,
        format::area,
        investor::{
            DocType, Document, Investor, InvestorData, InvestorFilter, InvestorKind, InvestorPatch,
            Representative, Sex,
        },
        parcel::{ParcelFilter, ParcelStatus},
        project::ProjectPatch,
        project::{Contribution, ContributionForm, Objective, Project, ProjectData, ProjectFilter},
    },
    service::{
        AppState, Precondition, ServiceError,
        certificates::{self as certificate_service, DraftRequest},
        dossiers::{self, DossierFilter},
        investors, leases,
        leases::NewLease,
        parcels, projects, zones,
    },
};

pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/investors", get(investor_list))
        .at(
            "/console/investors/new",
            get(investor_new).post(investor_create),
        )
        .at("/console/investors/:id", get(investor_detail))
        .at(
            "/console/investors/:id/edit",
            get(investor_edit).post(investor_update),
        )
        .at("/console/projects", get(project_list))
        .at(
            "/console/projects/new",
            get(project_new).post(project_create),
        )
        .at("/console/projects/:id", get(project_detail))
        .at(
            "/console/projects/:id/edit",
            get(project_edit).post(project_update),
        )
        .at("/console/projects/:id/release", post(release))
        .at("/console/projects/:id/leases", post(lease))
        .at("/console/projects/:id/draft", post(draft))
}

fn kind_label(k: InvestorKind, en: bool) -> &'static str {
    match (k, en) {
        (InvestorKind::DomesticIndividual, false) => "Cá nhân trong nước",
        (InvestorKind::DomesticOrganization, false) => "Tổ chức trong nước",
        (InvestorKind::ForeignIndividual, false) => "Cá nhân nước ngoài",
        (InvestorKind::ForeignOrganization, false) => "Tổ chức nước ngoài",
        (InvestorKind::DomesticIndividual, true) => "Domestic individual",
        (InvestorKind::DomesticOrganization, true) => "Domestic organisation",
        (InvestorKind::ForeignIndividual, true) => "Foreign individual",
        (InvestorKind::ForeignOrganization, true) => "Foreign organisation",
    }
}

fn doc_label(d: DocType, en: bool) -> &'static str {
    match (d, en) {
        (DocType::Cccd, false) => "Căn cước công dân",
        (DocType::Passport, false) => "Hộ chiếu",
        (DocType::OtherIdentity, false) => "Giấy tờ pháp lý cá nhân khác",
        (DocType::EnterpriseCode, false) => "Mã số doanh nghiệp",
        (DocType::ForeignRegistration, false) => "Giấy đăng ký thành lập ở nước ngoài",
        (DocType::OtherRegistration, false) => "Giấy tờ thành lập khác",
        (DocType::Cccd, true) => "Citizen identity card",
        (DocType::Passport, true) => "Passport",
        (DocType::OtherIdentity, true) => "Other identity document",
        (DocType::EnterpriseCode, true) => "Enterprise code",
        (DocType::ForeignRegistration, true) => "Foreign registration",
        (DocType::OtherRegistration, true) => "Other establishment document",
    }
}

/// A generic list page: a search form, a table and paging.
#[derive(Template)]
#[template(path = "console/list.html")]
struct ListPage {
    c: Chrome,
    title: String,
    action: String,
    filters: Vec<Field>,
    new_link: Option<(String, String)>,
    head: Vec<String>,
    /// `(link, cells)`.
    rows: Vec<(String, Vec<String>)>,
    next: Option<String>,
}

/// A table on a record page: its heading, its column heads and its rows of (link, cells).
type Table = (String, Vec<String>, Vec<(String, Vec<String>)>);

/// A page of facts with sections of its own.
#[derive(Template)]
#[template(path = "console/record.html")]
struct RecordPage {
    c: Chrome,
    title: String,
    back: (String, String),
    edit: Option<String>,
    facts: Vec<(String, String)>,
    tables: Vec<Table>,
    /// Forms for actions, each rendered as a card.
    forms: Vec<ActionForm>,
    message: String,
}

/// A form on a record page.
pub(super) struct ActionForm {
    pub title: String,
    pub action: String,
    pub fields: Vec<Field>,
    pub submit: String,
    pub note: String,
}

// ---------------------------------------------------------------------------------------------
// Investors

#[handler]
async fn investor_list(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let q = query_of(req);
    let c = staff.chrome(&state, "investors");
    let filter = InvestorFilter {
        q: q.opt("q"),
        kind: q.opt("kind").and_then(|k| k.parse().ok()),
        nationality: None,
    };
    let after = q.opt("after").and_then(|a| a.parse().ok());
    match investors::list(&state.db, &filter, after, 50).await {
        Ok(p) => page(
            StatusCode::OK,
            &ListPage {
                title: c.t("Nhà đầu tư", "Investors").to_owned(),
                action: "/console/investors".to_owned(),
                filters: vec![
                    Field::new(
                        "q",
                        c.t(
                            "Tìm theo tên (không cần dấu)",
                            "Search by name (accents optional)",
                        ),
                        "text",
                        &q,
                    ),
                    Field::new("kind", c.t("Loại", "Kind"), "select", &q).options(
                        &q,
                        InvestorKind::ALL
                            .iter()
                            .map(|k| (k.as_str().to_owned(), kind_label(*k, staff.en).to_owned()))
                            .collect(),
                    ),
                ],
                new_link: (c.has("officer") || c.has("admin")).then(|| {
                    (
                        "/console/investors/new".to_owned(),
                        c.t("Đăng ký nhà đầu tư", "Register an investor").to_owned(),
                    )
                }),
                head: vec![
                    c.t("Tên", "Name").to_owned(),
                    c.t("Loại", "Kind").to_owned(),
                    c.t("Quốc tịch", "Nationality").to_owned(),
                ],
                rows: p
                    .items
                    .iter()
                    .map(|i| {
                        (
                            format!("/console/investors/{}", i.id),
                            vec![
                                i.data.name.clone(),
                                kind_label(i.data.kind, staff.en).to_owned(),
                                i.data.nationality.clone(),
                            ],
                        )
                    })
                    .collect(),
                next: p
                    .next_after
                    .map(|n| super::with_param(req, "after", &n.to_string())),
                c,
            },
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

fn investor_fields(c: &Chrome, f: &Fields) -> Vec<Field> {
    let en = c.en;
    vec![
        Field::new(
            "kind",
            c.t("Loại nhà đầu tư", "Kind of investor"),
            "select",
            f,
        )
        .required()
        .options(
            f,
            InvestorKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), kind_label(*k, en).to_owned()))
                .collect(),
        ),
        Field::new("name", c.t("Tên nhà đầu tư", "Name"), "text", f).required(),
        Field::new(
            "nationality",
            c.t(
                "Quốc tịch / nơi thành lập (mã ISO, ví dụ VN)",
                "Nationality / country (ISO code, e.g. VN)",
            ),
            "text",
            f,
        )
        .required(),
        Field::new(
            "document.doc_type",
            c.t("Loại giấy tờ", "Document"),
            "select",
            f,
        )
        .required()
        .options(
            f,
            DocType::ALL
                .iter()
                .map(|d| (d.as_str().to_owned(), doc_label(*d, en).to_owned()))
                .collect(),
        ),
        Field::new(
            "document.number",
            c.t("Số giấy tờ", "Document number"),
            "text",
            f,
        )
        .required(),
        Field::new(
            "document.issue_date",
            c.t("Ngày cấp", "Issued on"),
            "date",
            f,
        ),
        Field::new("document.issuer", c.t("Nơi cấp", "Issued by"), "text", f),
        Field::new(
            "sex",
            c.t("Giới tính (cá nhân)", "Sex (a person)"),
            "select",
            f,
        )
        .options(
            f,
            vec![
                (Sex::Male.as_str().to_owned(), c.t("Nam", "Male").to_owned()),
                (
                    Sex::Female.as_str().to_owned(),
                    c.t("Nữ", "Female").to_owned(),
                ),
            ],
        ),
        Field::new(
            "date_of_birth",
            c.t("Ngày sinh (cá nhân)", "Date of birth (a person)"),
            "date",
            f,
        ),
        Field::new(
            "permanent_address",
            c.t(
                "Địa chỉ thường trú (cá nhân)",
                "Permanent address (a person)",
            ),
            "text",
            f,
        ),
        Field::new(
            "current_address",
            c.t("Chỗ ở hiện tại (cá nhân)", "Current address (a person)"),
            "text",
            f,
        ),
        Field::new("tax_code", c.t("Mã số thuế", "Tax code"), "text", f),
        Field::new(
            "head_office_address",
            c.t("Địa chỉ trụ sở (tổ chức)", "Head office (an organisation)"),
            "text",
            f,
        ),
        Field::new(
            "representative.name",
            c.t(
                "Người đại diện theo pháp luật (tổ chức)",
                "Legal representative (an organisation)",
            ),
            "text",
            f,
        ),
        Field::new(
            "representative.title",
            c.t("Chức danh người đại diện", "Representative's title"),
            "text",
            f,
        ),
        Field::new("note", c.t("Ghi chú", "Note"), "textarea", f),
    ]
}

/// Reads the investor form into the registry's data; what cannot be read is a violation.
fn investor_data(f: &Fields) -> Result<InvestorData, Vec<FieldViolation>> {
    let mut p = Problems::default();
    let kind = p.choice::<InvestorKind>(f, "kind");
    let doc_type = p.choice::<DocType>(f, "document.doc_type");
    let issue_date = p.date(f, "document.issue_date", false);
    let dob = p.date(f, "date_of_birth", false);
    let sex = f.opt("sex").and_then(|s| s.parse().ok());
    let representative = f.opt("representative.name").map(|name| Representative {
        name,
        title: f.text("representative.title"),
        doc_type: None,
        doc_number: None,
    });
    match (kind, doc_type) {
        (Some(kind), Some(doc_type)) if p.is_empty() => Ok(InvestorData {
            kind,
            name: f.text("name"),
            sex,
            date_of_birth: dob,
            nationality: f.text("nationality").to_ascii_uppercase(),
            document: Document {
                doc_type,
                number: f.text("document.number"),
                issue_date,
                issuer: f.opt("document.issuer"),
            },
            permanent_address: f.opt("permanent_address"),
            current_address: f.opt("current_address"),
            tax_code: f.opt("tax_code"),
            head_office_address: f.opt("head_office_address"),
            representative,
            foreign_ownership_bp: None,
            note: f.opt("note"),
        }),
        _ => Err(p.into_vec()),
    }
}

fn investor_values(i: &Investor) -> Fields {
    let d = &i.data;
    let mut f = Fields::default();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            f.push(k.to_owned(), v);
        }
    };
    put("kind", Some(d.kind.as_str().to_owned()));
    put("name", Some(d.name.clone()));
    put("nationality", Some(d.nationality.clone()));
    put(
        "document.doc_type",
        Some(d.document.doc_type.as_str().to_owned()),
    );
    put("document.number", Some(d.document.number.clone()));
    put("document.issue_date", d.document.issue_date.map(day));
    put("document.issuer", d.document.issuer.clone());
    put("sex", d.sex.map(|s| s.as_str().to_owned()));
    put("date_of_birth", d.date_of_birth.map(day));
    put("permanent_address", d.permanent_address.clone());
    put("current_address", d.current_address.clone());
    put("tax_code", d.tax_code.clone());
    put("head_office_address", d.head_office_address.clone());
    put(
        "representative.name",
        d.representative.as_ref().map(|r| r.name.clone()),
    );
    put(
        "representative.title",
        d.representative.as_ref().map(|r| r.title.clone()),
    );
    put("note", d.note.clone());
    put("version", Some(i.version.to_string()));
    f
}

fn investor_form(
    c: Chrome,
    f: &Fields,
    edit: Option<Uuid>,
    violations: &[FieldViolation],
) -> FormPage {
    let mut fields = investor_fields(&c, f);
    let errors = place_errors(&mut fields, violations, c.en);
    let (title, action, hidden, back) = match edit {
        Some(id) => (
            c.t("Sửa thông tin nhà đầu tư", "Edit the investor"),
            format!("/console/investors/{id}/edit"),
            vec![("version".to_owned(), f.text("version"))],
            format!("/console/investors/{id}"),
        ),
        None => (
            c.t("Đăng ký nhà đầu tư", "Register an investor"),
            "/console/investors/new".to_owned(),
            Vec::new(),
            "/console/investors".to_owned(),
        ),
    };
    FormPage {
        title: title.to_owned(),
        intro: String::new(),
        action,
        multipart: false,
        fields,
        hidden,
        errors,
        submit: c.t("Lưu", "Save").to_owned(),
        done: String::new(),
        back: (back, c.t("Quay lại", "Back").to_owned()),
        c,
    }
}

#[handler]
async fn investor_new(staff: Staff, state: Data<&AppState>) -> Response {
    let mut f = Fields::default();
    f.push("nationality".to_owned(), "VN".to_owned());
    page(
        StatusCode::OK,
        &investor_form(staff.chrome(&state, "investors"), &f, None, &[]),
    )
}

#[handler]
async fn investor_create(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let result = match investor_data(&f) {
        Ok(data) => investors::create(&state.db, &staff.context(&state), data).await,
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(i) => see_other(&format!("/console/investors/{}", i.id)),
        Err(ServiceError::Validation(v)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &investor_form(staff.chrome(&state, "investors"), &f, None, &v),
        ),
        Err(ServiceError::Conflict { violations, .. }) if !violations.is_empty() => page(
            StatusCode::CONFLICT,
            &investor_form(staff.chrome(&state, "investors"), &f, None, &violations),
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn investor_edit(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match investors::get(&state.db, id).await {
        Ok(i) => page(
            StatusCode::OK,
            &investor_form(
                staff.chrome(&state, "investors"),
                &investor_values(&i),
                Some(id),
                &[],
            ),
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn investor_update(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let precondition = match f.text("version").parse::<i32>() {
        Ok(v) => Precondition::Versions(vec![v]),
        Err(_) => Precondition::Missing,
    };
    let result = match investor_data(&f) {
        Ok(d) => {
            let patch = InvestorPatch {
                kind: Some(d.kind),
                name: Some(d.name),
                sex: Some(d.sex),
                date_of_birth: Some(d.date_of_birth),
                nationality: Some(d.nationality),
                document: Some(d.document),
                permanent_address: Some(d.permanent_address),
                current_address: Some(d.current_address),
                tax_code: Some(d.tax_code),
                head_office_address: Some(d.head_office_address),
                representative: Some(d.representative),
                foreign_ownership_bp: None,
                note: Some(d.note),
            };
            investors::update(&state.db, &staff.context(&state), id, &precondition, patch).await
        }
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(_) => see_other(&format!("/console/investors/{id}")),
        Err(ServiceError::Validation(v)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &investor_form(staff.chrome(&state, "investors"), &f, Some(id), &v),
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn investor_detail(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    let c = staff.chrome(&state, "investors");
    let i = match investors::get(&state.db, id).await {
        Ok(i) => i,
        Err(e) => return staff.failure(&state, &e),
    };
    let filter = ProjectFilter {
        investor_id: Some(id),
        ..Default::default()
    };
    let projects = match projects::list(&state.db, &filter, None, 100).await {
        Ok(p) => p.items,
        Err(e) => return staff.failure(&state, &e),
    };
    let d = &i.data;
    let mut facts = vec![
        (
            c.t("Loại", "Kind").to_owned(),
            kind_label(d.kind, c.en).to_owned(),
        ),
        (
            c.t("Quốc tịch", "Nationality").to_owned(),
            d.nationality.clone(),
        ),
        (
            doc_label(d.document.doc_type, c.en).to_owned(),
            format!(
                "{}{}",
                d.document.number,
                d.document
                    .issue_date
                    .map(|x| format!(" — {} {}", c.t("cấp ngày", "issued"), day(x)))
                    .unwrap_or_default()
            ),
        ),
    ];
    for (label, value) in [
        (c.t("Ngày sinh", "Born"), d.date_of_birth.map(day)),
        (
            c.t("Địa chỉ thường trú", "Permanent address"),
            d.permanent_address.clone(),
        ),
        (c.t("Mã số thuế", "Tax code"), d.tax_code.clone()),
        (c.t("Trụ sở", "Head office"), d.head_office_address.clone()),
        (
            c.t("Người đại diện", "Representative"),
            d.representative
                .as_ref()
                .map(|r| format!("{} — {}", r.name, r.title)),
        ),
        (c.t("Ghi chú", "Note"), d.note.clone()),
    ] {
        if let Some(v) = value {
            facts.push((label.to_owned(), v));
        }
    }
    facts.push((c.t("Cập nhật", "Updated").to_owned(), moment(i.updated_at)));
    page(
        StatusCode::OK,
        &RecordPage {
            title: d.name.clone(),
            back: (
                "/console/investors".to_owned(),
                c.t("Nhà đầu tư", "Investors").to_owned(),
            ),
            edit: Some(format!("/console/investors/{id}/edit")),
            facts,
            tables: vec![(
                c.t("Dự án", "Projects").to_owned(),
                vec![
                    c.t("Mã dự án", "Code").to_owned(),
                    c.t("Tên dự án", "Name").to_owned(),
                ],
                projects
                    .iter()
                    .map(|p| {
                        (
                            format!("/console/projects/{}", p.id),
                            vec![p.project_code.clone(), p.data.name_vi.clone()],
                        )
                    })
                    .collect(),
            )],
            forms: Vec::new(),
            message: String::new(),
            c,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Projects

fn project_status_label(s: crate::domain::project::ProjectStatus, en: bool) -> String {
    use crate::domain::project::ProjectStatus as S;
    let (vi, en_text) = match s {
        S::Draft => ("Đang lập hồ sơ", "Draft"),
        S::Registered => ("Đã cấp giấy chứng nhận", "Registered"),
        S::Suspended => ("Ngừng hoạt động", "Suspended"),
        S::Terminated => ("Chấm dứt hoạt động", "Terminated"),
    };
    if en { en_text } else { vi }.to_owned()
}

#[handler]
async fn project_list(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let q = query_of(req);
    let c = staff.chrome(&state, "projects");
    let filter = ProjectFilter {
        q: q.opt("q"),
        zone_id: q.opt("zone").and_then(|z| z.parse().ok()),
        status: q.opt("status").and_then(|s| s.parse().ok()),
        ..Default::default()
    };
    let after = q.opt("after").and_then(|a| a.parse().ok());
    let zones = match zones::list(&state.db, &Default::default(), None, 200).await {
        Ok(z) => z.items,
        Err(e) => return staff.failure(&state, &e),
    };
    match projects::list(&state.db, &filter, after, 50).await {
        Ok(p) => page(
            StatusCode::OK,
            &ListPage {
                title: c.t("Dự án đầu tư", "Investment projects").to_owned(),
                action: "/console/projects".to_owned(),
                filters: vec![
                    Field::new(
                        "q",
                        c.t(
                            "Tìm theo tên (không cần dấu)",
                            "Search by name (accents optional)",
                        ),
                        "text",
                        &q,
                    ),
                    Field::new("zone", c.t("Khu", "Zone"), "select", &q).options(
                        &q,
                        zones
                            .iter()
                            .map(|z| (z.id.to_string(), z.data.name.clone()))
                            .collect(),
                    ),
                    Field::new("status", c.t("Trạng thái", "Status"), "select", &q).options(
                        &q,
                        crate::domain::project::ProjectStatus::ALL
                            .iter()
                            .map(|s| (s.as_str().to_owned(), project_status_label(*s, staff.en)))
                            .collect(),
                    ),
                ],
                new_link: (c.has("officer") || c.has("admin")).then(|| {
                    (
                        "/console/projects/new".to_owned(),
                        c.t("Đăng ký dự án", "Register a project").to_owned(),
                    )
                }),
                head: vec![
                    c.t("Mã dự án", "Code").to_owned(),
                    c.t("Tên dự án", "Name").to_owned(),
                    c.t("Tổng vốn", "Capital").to_owned(),
                    c.t("Trạng thái", "Status").to_owned(),
                ],
                rows: p
                    .items
                    .iter()
                    .map(|p| {
                        (
                            format!("/console/projects/{}", p.id),
                            vec![
                                p.project_code.clone(),
                                p.data.name_vi.clone(),
                                money(p.data.total_capital_vnd),
                                project_status_label(p.status, staff.en),
                            ],
                        )
                    })
                    .collect(),
                next: p
                    .next_after
                    .map(|n| super::with_param(req, "after", &n.to_string())),
                c,
            },
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn project_fields(
    state: &AppState,
    c: &Chrome,
    f: &Fields,
) -> Result<Vec<Field>, ServiceError> {
    let zones = zones::list(&state.db, &Default::default(), None, 200)
        .await?
        .items;
    let investors = investors::list(&state.db, &InvestorFilter::default(), None, 500)
        .await?
        .items;
    Ok(vec![
        Field::new(
            "name_vi",
            c.t("Tên dự án (tiếng Việt)", "Project name (Vietnamese)"),
            "text",
            f,
        )
        .required(),
        Field::new(
            "name_en",
            c.t("Tên dự án (tiếng Anh)", "Project name (English)"),
            "text",
            f,
        ),
        Field::new(
            "zone_id",
            c.t("Khu công nghiệp / khu kinh tế", "Zone"),
            "select",
            f,
        )
        .options(
            f,
            zones
                .iter()
                .map(|z| (z.id.to_string(), z.data.name.clone()))
                .collect(),
        ),
        Field::new("address", c.t("Địa điểm thực hiện", "Location"), "text", f),
        Field::new(
            "investors[0].investor_id",
            c.t("Nhà đầu tư", "Investor"),
            "select",
            f,
        )
        .required()
        .options(
            f,
            investors
                .iter()
                .map(|i| (i.id.to_string(), i.data.name.clone()))
                .collect(),
        ),
        Field::new(
            "investors[0].capital_vnd",
            c.t(
                "Vốn góp của nhà đầu tư (đồng)",
                "Investor's contribution (đồng)",
            ),
            "number",
            f,
        )
        .required(),
        Field::new(
            "objectives[0].description",
            c.t("Mục tiêu dự án", "Objective"),
            "text",
            f,
        )
        .required(),
        Field::new(
            "objectives[0].vsic_code",
            c.t("Mã ngành VSIC", "VSIC code"),
            "text",
            f,
        )
        .required(),
        Field::new("scale", c.t("Quy mô", "Scale"), "textarea", f),
        Field::new(
            "total_capital_vnd",
            c.t("Tổng vốn đầu tư (đồng)", "Total capital (đồng)"),
            "number",
            f,
        )
        .required(),
        Field::new(
            "contributed_capital_vnd",
            c.t("Vốn góp (đồng)", "Contributed capital (đồng)"),
            "number",
            f,
        )
        .required(),
        Field::new(
            "mobilized_capital_vnd",
            c.t("Vốn huy động (đồng)", "Mobilised capital (đồng)"),
            "number",
            f,
        )
        .required(),
        Field::new(
            "duration_years",
            c.t("Thời hạn hoạt động (năm)", "Duration (years)"),
            "number",
            f,
        )
        .required(),
        Field::new("note", c.t("Ghi chú", "Note"), "textarea", f),
    ])
}

fn project_data(f: &Fields) -> Result<ProjectData, Vec<FieldViolation>> {
    let mut p = Problems::default();
    let zone_id = p.id(f, "zone_id", false);
    let investor = p.id(f, "investors[0].investor_id", true);
    let share = p.number(f, "investors[0].capital_vnd", true);
    let total = p.number(f, "total_capital_vnd", true);
    let contributed = p.number(f, "contributed_capital_vnd", true);
    let mobilized = p.number(f, "mobilized_capital_vnd", true);
    let duration = p.number(f, "duration_years", true);
    let duration = duration.and_then(|d| i32::try_from(d).ok());
    match (investor, share, total, contributed, mobilized, duration) {
        (
            Some(investor),
            Some(share),
            Some(total),
            Some(contributed),
            Some(mobilized),
            Some(duration),
        ) if p.is_empty() => Ok(ProjectData {
            name_vi: f.text("name_vi"),
            name_en: f.opt("name_en"),
            zone_id,
            address: f.opt("address"),
            investors: vec![Contribution {
                investor_id: investor,
                capital_vnd: share,
                form: ContributionForm::Cash,
                schedule: None,
            }],
            objectives: vec![Objective {
                description: f.text("objectives[0].description"),
                vsic_code: f.text("objectives[0].vsic_code"),
            }],
            scale: f.opt("scale"),
            total_capital_vnd: total,
            contributed_capital_vnd: contributed,
            mobilized_capital_vnd: mobilized,
            capital_usd: None,
            exchange_rate_vnd_per_usd: None,
            exchange_rate_date: None,
            duration_years: duration,
            milestones: Vec::new(),
            incentives: Vec::new(),
            conditions: Vec::new(),
            note: f.opt("note"),
        }),
        _ => Err(p.into_vec()),
    }
}

async fn project_form(
    state: &AppState,
    c: Chrome,
    f: &Fields,
    violations: &[FieldViolation],
) -> Result<FormPage, ServiceError> {
    let mut fields = project_fields(state, &c, f).await?;
    let errors = place_errors(&mut fields, violations, c.en);
    Ok(FormPage {
        title: c.t("Đăng ký dự án đầu tư", "Register an investment project").to_owned(),
        intro: c
            .t(
                "Một nhà đầu tư và một mục tiêu ở đây; thêm nhà đầu tư, tiến độ và ưu đãi qua API.",
                "One investor and one objective here; further investors, milestones and incentives through the API.",
            )
            .to_owned(),
        action: "/console/projects/new".to_owned(),
        multipart: false,
        fields,
        hidden: Vec::new(),
        errors,
        submit: c.t("Lưu", "Save").to_owned(),
        done: String::new(),
        back: ("/console/projects".to_owned(), c.t("Dự án", "Projects").to_owned()),
        c,
    })
}

#[handler]
async fn project_new(staff: Staff, state: Data<&AppState>) -> Response {
    let mut f = Fields::default();
    f.push("mobilized_capital_vnd".to_owned(), "0".to_owned());
    match project_form(&state, staff.chrome(&state, "projects"), &f, &[]).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn project_create(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let result = match project_data(&f) {
        Ok(data) => {
            projects::create(
                &state.db,
                &staff.context(&state),
                None,
                data,
                &state.policy.project_code_prefix,
                state.policy.duration_limits,
            )
            .await
        }
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(p) => see_other(&format!("/console/projects/{}", p.id)),
        Err(ServiceError::Validation(v)) => {
            match project_form(&state, staff.chrome(&state, "projects"), &f, &v).await {
                Ok(p) => page(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => staff.failure(&state, &e),
            }
        }
        Err(e) => staff.failure(&state, &e),
    }
}

/// The general facts of a project, edited in the console; investors, objectives, milestones,
/// incentives and conditions are lists edited through the API, and are left as they are.
const EDITED: &[&str] = &[
    "name_vi",
    "name_en",
    "zone_id",
    "address",
    "scale",
    "total_capital_vnd",
    "contributed_capital_vnd",
    "mobilized_capital_vnd",
    "duration_years",
    "note",
];

async fn project_edit_form(
    state: &AppState,
    c: Chrome,
    id: Uuid,
    f: &Fields,
    violations: &[FieldViolation],
) -> Result<FormPage, ServiceError> {
    let mut fields: Vec<Field> = project_fields(state, &c, f)
        .await?
        .into_iter()
        .filter(|x| EDITED.contains(&x.name.as_str()))
        .collect();
    let errors = place_errors(&mut fields, violations, c.en);
    Ok(FormPage {
        title: c.t("Sửa thông tin dự án", "Edit the project").to_owned(),
        intro: c
            .t(
                "Nhà đầu tư, mục tiêu, tiến độ, ưu đãi và điều kiện được sửa qua API; sau khi sửa, lập dự thảo giấy chứng nhận điều chỉnh ở trang dự án.",
                "Investors, objectives, milestones, incentives and conditions are edited through the API; after a change, draft the adjusted certificate on the project's page.",
            )
            .to_owned(),
        action: format!("/console/projects/{id}/edit"),
        multipart: false,
        fields,
        hidden: vec![("version".to_owned(), f.text("version"))],
        errors,
        submit: c.t("Lưu", "Save").to_owned(),
        done: String::new(),
        back: (format!("/console/projects/{id}"), c.t("Dự án", "The project").to_owned()),
        c,
    })
}

fn project_values(p: &Project) -> Fields {
    let d = &p.data;
    let mut f = Fields::default();
    for (k, v) in [
        ("name_vi", Some(d.name_vi.clone())),
        ("name_en", d.name_en.clone()),
        ("zone_id", d.zone_id.map(|z| z.to_string())),
        ("address", d.address.clone()),
        ("scale", d.scale.clone()),
        ("total_capital_vnd", Some(d.total_capital_vnd.to_string())),
        (
            "contributed_capital_vnd",
            Some(d.contributed_capital_vnd.to_string()),
        ),
        (
            "mobilized_capital_vnd",
            Some(d.mobilized_capital_vnd.to_string()),
        ),
        ("duration_years", Some(d.duration_years.to_string())),
        ("note", d.note.clone()),
        ("version", Some(p.version.to_string())),
    ] {
        if let Some(v) = v {
            f.push(k.to_owned(), v);
        }
    }
    f
}

#[handler]
async fn project_edit(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    let result = match projects::get(&state.db, id).await {
        Ok(p) => {
            project_edit_form(
                &state,
                staff.chrome(&state, "projects"),
                id,
                &project_values(&p),
                &[],
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(form) => page(StatusCode::OK, &form),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn project_update(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let precondition = match f.text("version").parse::<i32>() {
        Ok(v) => Precondition::Versions(vec![v]),
        Err(_) => Precondition::Missing,
    };
    let mut p = Problems::default();
    let zone_id = p.id(&f, "zone_id", false);
    let total = p.number(&f, "total_capital_vnd", true);
    let contributed = p.number(&f, "contributed_capital_vnd", true);
    let mobilized = p.number(&f, "mobilized_capital_vnd", true);
    let duration = p
        .number(&f, "duration_years", true)
        .and_then(|d| i32::try_from(d).ok());
    let result = if p.is_empty() {
        let patch = ProjectPatch {
            name_vi: Some(f.text("name_vi")),
            name_en: Some(f.opt("name_en")),
            zone_id: Some(zone_id),
            address: Some(f.opt("address")),
            scale: Some(f.opt("scale")),
            total_capital_vnd: total,
            contributed_capital_vnd: contributed,
            mobilized_capital_vnd: mobilized,
            duration_years: duration,
            note: Some(f.opt("note")),
            ..Default::default()
        };
        projects::update(
            &state.db,
            &staff.context(&state),
            id,
            &precondition,
            patch,
            state.policy.duration_limits,
        )
        .await
        .map(|_| ())
    } else {
        Err(ServiceError::Validation(p.into_vec()))
    };
    match result {
        Ok(()) => see_other(&format!("/console/projects/{id}")),
        Err(ServiceError::Validation(v)) => {
            match project_edit_form(&state, staff.chrome(&state, "projects"), id, &f, &v).await {
                Ok(form) => page(StatusCode::UNPROCESSABLE_ENTITY, &form),
                Err(e) => staff.failure(&state, &e),
            }
        }
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn release(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let mut p = Problems::default();
    let chosen = p.id(&f, "lease_id", true);
    let result = match chosen {
        Some(lease_id) if p.is_empty() => leases::release(
            &state.db,
            &staff.context(&state),
            lease_id,
            f.text("reason"),
        )
        .await
        .map(|_| ()),
        _ => Err(ServiceError::Validation(p.into_vec())),
    };
    match result {
        Ok(()) => see_other(&format!("/console/projects/{id}")),
        Err(ServiceError::Validation(v)) => {
            show_project(&staff, &state, id, &f, "release", &v).await
        }
        Err(e) => staff.failure(&state, &e),
    }
}

async fn project_page(
    staff: &Staff,
    state: &AppState,
    p: &Project,
    f: &Fields,
    form: &str,
    violations: &[FieldViolation],
) -> Result<RecordPage, ServiceError> {
    let c = staff.chrome(state, "projects");
    let en = c.en;
    let names = projects::investor_names(&state.db, std::slice::from_ref(p)).await?;
    let names: Vec<String> = p
        .data
        .investors
        .iter()
        .filter_map(|i| names.get(&i.investor_id).cloned())
        .collect();
    let zone = match p.data.zone_id {
        Some(z) => Some(zones::get(&state.db, z).await?),
        None => None,
    };
    let leases_now = leases::for_project(&state.db, p.id, None, 100).await?.items;
    let certs = certificate_service::list_for_project(&state.db, p.id, None, 100)
        .await?
        .items;
    let d = &p.data;
    let mut facts = vec![
        (
            c.t("Mã dự án", "Project code").to_owned(),
            p.project_code.clone(),
        ),
        (
            c.t("Trạng thái", "Status").to_owned(),
            project_status_label(p.status, en),
        ),
        (c.t("Nhà đầu tư", "Investors").to_owned(), names.join("; ")),
        (
            c.t("Khu", "Zone").to_owned(),
            zone.as_ref()
                .map(|z| z.data.name.clone())
                .unwrap_or_else(|| "—".to_owned()),
        ),
        (
            c.t("Mục tiêu", "Objectives").to_owned(),
            d.objectives
                .iter()
                .map(|o| format!("{} ({})", o.description, o.vsic_code))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (
            c.t("Tổng vốn đầu tư", "Total capital").to_owned(),
            money(d.total_capital_vnd),
        ),
        (
            c.t("Thời hạn hoạt động", "Duration").to_owned(),
            format!("{} {}", d.duration_years, c.t("năm", "years")),
        ),
    ];
    if let Some(a) = &d.address {
        facts.push((c.t("Địa điểm", "Location").to_owned(), a.clone()));
    }
    if let Some(h) = &p.paper_history {
        let last = match h.last_change_on {
            Some(on) if h.last_change_no > 0 => format!(
                "{} {}, {} {}",
                c.t("thay đổi lần thứ", "change no."),
                h.last_change_no,
                c.t("ngày", "on"),
                super::day(on)
            ),
            _ => c.t("chưa thay đổi", "never changed").to_owned(),
        };
        facts.push((
            c.t(
                "Giấy chứng nhận bản giấy (nhập từ hồ sơ cũ)",
                "Paper certificate (imported)",
            )
            .to_owned(),
            format!(
                "{} {}; {}",
                c.t("cấp lần đầu ngày", "first issued on"),
                super::day(h.first_issued_on),
                last
            ),
        ));
    }
    let mut parcel_names = std::collections::HashMap::new();
    let mut free = Vec::new();
    if let Some(z) = &zone {
        let all = parcels::list(&state.db, z.id, &ParcelFilter::default(), None, 500)
            .await?
            .items;
        for parcel in &all {
            parcel_names.insert(parcel.id, parcel.data.lot_code.clone());
            if parcel.data.status == ParcelStatus::Available {
                free.push((
                    parcel.id.to_string(),
                    format!(
                        "{} — {} ({})",
                        parcel.data.lot_code,
                        area(parcel.data.area_m2.dm2()),
                        c.t("còn trống", "free")
                    ),
                ));
            }
        }
    }
    let lease_rows = leases_now
        .iter()
        .map(|l| {
            (
                String::new(),
                vec![
                    parcel_names
                        .get(&l.parcel_id)
                        .cloned()
                        .unwrap_or_else(|| l.parcel_id.to_string()),
                    area(l.area.dm2()),
                    format!("{} – {}", day(l.start_date), day(l.end_date)),
                    if l.released_at.is_some() {
                        c.t("Đã trả đất", "Released").to_owned()
                    } else {
                        c.t("Đang thuê", "Active").to_owned()
                    },
                ],
            )
        })
        .collect();
    let cert_rows = certs
        .iter()
        .map(|x| {
            (
                format!("/console/certificates/{}", x.id),
                vec![
                    x.version_no
                        .map(|v| crate::domain::format::version_label(v as u32))
                        .unwrap_or_else(|| c.t("Bản nháp", "Draft").to_owned()),
                    crate::web::status_text(x.status, en).to_owned(),
                    day_opt(x.issued_on),
                ],
            )
        })
        .collect();
    let mut forms = Vec::new();
    let mut release_form = None;
    if c.has("officer") || c.has("admin") {
        let mut fields = vec![
            Field::new(
                "parcel_id",
                c.t("Lô đất còn trống", "Free parcel"),
                "select",
                f,
            )
            .required()
            .options(f, free),
            Field::new(
                "area_m2",
                c.t("Diện tích thuê (m²)", "Area leased (m²)"),
                "text",
                f,
            )
            .required()
            .hint(c.t(
                "Dấu phẩy thập phân, ví dụ 12500,5",
                "Decimal comma, e.g. 12500,5",
            )),
            Field::new("start_date", c.t("Từ ngày", "From"), "date", f).required(),
            Field::new("end_date", c.t("Đến ngày", "To"), "date", f).required(),
        ];
        let mut note = String::new();
        if form == "lease" {
            note = place_errors(&mut fields, violations, en).join("; ");
        }
        let active: Vec<(String, String)> = leases_now
            .iter()
            .filter(|l| l.released_at.is_none())
            .map(|l| {
                (
                    l.id.to_string(),
                    format!(
                        "{} — {}",
                        parcel_names
                            .get(&l.parcel_id)
                            .cloned()
                            .unwrap_or_else(|| l.parcel_id.to_string()),
                        area(l.area.dm2())
                    ),
                )
            })
            .collect();
        if !active.is_empty() {
            let mut fields = vec![
                Field::new(
                    "lease_id",
                    c.t("Lô đang thuê", "Leased parcel"),
                    "select",
                    f,
                )
                .required()
                .options(f, active),
                Field::new(
                    "reason",
                    c.t("Lý do trả đất", "Why the land is given back"),
                    "textarea",
                    f,
                )
                .required(),
            ];
            let note = if form == "release" {
                place_errors(&mut fields, violations, en).join("; ")
            } else {
                String::new()
            };
            release_form = Some(ActionForm {
                title: c.t("Trả lại đất", "Release land").to_owned(),
                action: format!("/console/projects/{}/release", p.id),
                fields,
                submit: c.t("Ghi nhận trả đất", "Record the release").to_owned(),
                note,
            });
        }
        forms.push(ActionForm {
            title: c.t("Cho thuê lô đất", "Lease a parcel").to_owned(),
            action: format!("/console/projects/{}/leases", p.id),
            fields,
            submit: c.t("Ghi nhận thuê đất", "Record the lease").to_owned(),
            note,
        });
    }
    forms.extend(release_form);
    if c.has("officer") {
        let ctx = staff.context(state);
        let mut open = Vec::new();
        for status in [
            crate::domain::dossier::DossierStatus::Received,
            crate::domain::dossier::DossierStatus::InReview,
        ] {
            let page = dossiers::list(
                state,
                &ctx,
                DossierFilter {
                    status: Some(status),
                    ..Default::default()
                },
                None,
                100,
            )
            .await?;
            open.extend(page.items.into_iter().map(|(d, _)| {
                (
                    d.id.to_string(),
                    format!("{} — {} ({})", d.receipt_code, d.subject, d.applicant.name),
                )
            }));
        }
        let mut fields = vec![
            Field::new(
                "dossier_id",
                c.t("Hồ sơ một cửa", "One-stop dossier"),
                "select",
                f,
            )
            .options(f, open)
            .hint(c.t(
                "Cấp giấy chứng nhận sẽ chuyển hồ sơ sang \"đã giải quyết\".",
                "Issuing the certificate approves the dossier.",
            )),
            Field::new(
                "bilingual",
                c.t("Kèm nhãn tiếng Anh", "With English labels"),
                "check",
                f,
            ),
        ];
        let mut note = String::new();
        if form == "draft" {
            note = place_errors(&mut fields, violations, en).join("; ");
        }
        forms.push(ActionForm {
            title: c
                .t("Lập dự thảo giấy chứng nhận", "Draft a certificate")
                .to_owned(),
            action: format!("/console/projects/{}/draft", p.id),
            fields,
            submit: c.t("Lập dự thảo", "Draft").to_owned(),
            note,
        });
    }
    Ok(RecordPage {
        title: d.name_vi.clone(),
        back: (
            "/console/projects".to_owned(),
            c.t("Dự án", "Projects").to_owned(),
        ),
        edit: (c.has("officer") || c.has("admin"))
            .then(|| format!("/console/projects/{}/edit", p.id)),
        facts,
        tables: vec![
            (
                c.t("Thuê đất", "Leases").to_owned(),
                vec![
                    c.t("Lô", "Parcel").to_owned(),
                    c.t("Diện tích", "Area").to_owned(),
                    c.t("Thời hạn", "Term").to_owned(),
                    c.t("Tình trạng", "State").to_owned(),
                ],
                lease_rows,
            ),
            (
                c.t("Giấy chứng nhận", "Certificates").to_owned(),
                vec![
                    c.t("Lần cấp", "Version").to_owned(),
                    c.t("Trạng thái", "Status").to_owned(),
                    c.t("Ngày cấp", "Issued").to_owned(),
                ],
                cert_rows,
            ),
        ],
        forms,
        message: String::new(),
        c,
    })
}

async fn show_project(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    f: &Fields,
    form: &str,
    v: &[FieldViolation],
) -> Response {
    let p = match projects::get(&state.db, id).await {
        Ok(p) => p,
        Err(e) => return staff.failure(state, &e),
    };
    match project_page(staff, state, &p, f, form, v).await {
        Ok(page_) => page(
            if v.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            &page_,
        ),
        Err(e) => staff.failure(state, &e),
    }
}

#[handler]
async fn project_detail(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    show_project(&staff, &state, id, &Fields::default(), "", &[]).await
}

#[handler]
async fn lease(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let mut p = Problems::default();
    let parcel = p.id(&f, "parcel_id", true);
    let start = p.date(&f, "start_date", true);
    let end = p.date(&f, "end_date", true);
    let area_m2 = match Area::parse_m2(&f.text("area_m2").replace('.', "").replace(',', ".")) {
        Ok(a) => Some(a),
        Err(_) => {
            p.add(
                "area_m2",
                "invalid_format",
                "must be an area in m², e.g. 12500,5",
            );
            None
        }
    };
    let result = match (parcel, start, end, area_m2) {
        (Some(parcel_id), Some(start_date), Some(end_date), Some(area)) if p.is_empty() => {
            leases::lease(
                &state.db,
                &staff.context(&state),
                id,
                NewLease {
                    parcel_id,
                    area,
                    start_date,
                    end_date,
                },
            )
            .await
            .map(|_| ())
        }
        _ => Err(ServiceError::Validation(p.into_vec())),
    };
    match result {
        Ok(()) => see_other(&format!("/console/projects/{id}")),
        Err(ServiceError::Validation(v)) => show_project(&staff, &state, id, &f, "lease", &v).await,
        Err(ServiceError::Conflict { violations, .. }) if !violations.is_empty() => {
            show_project(&staff, &state, id, &f, "lease", &violations).await
        }
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn draft(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let mut p = Problems::default();
    let dossier_id = p.id(&f, "dossier_id", false);
    if !p.is_empty() {
        return show_project(&staff, &state, id, &f, "draft", &p.into_vec()).await;
    }
    let req = DraftRequest {
        dossier_received_on: None,
        bilingual: f.checked("bilingual"),
        dossier_id,
    };
    match certificate_service::draft(
        &state.db,
        &state.issuer,
        &staff.context(&state),
        id,
        req,
        None,
    )
    .await
    {
        Ok(outcome) => see_other(&format!("/console/certificates/{}", outcome.certificate.id)),
        Err(ServiceError::Validation(v)) => show_project(&staff, &state, id, &f, "draft", &v).await,
        Err(e) => staff.failure(&state, &e),
    }
}

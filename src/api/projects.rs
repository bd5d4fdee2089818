//! `/api/v1/projects`: investment projects, their status machine and their land.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    types::{Example, MaybeUndefined},
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{CreateError, ListError, ReadError, UpdateError, problem_responses},
    resource::{Created, Found, ListPage, Listing, PageSize, listed, resource},
    security::{Approvers, Authorized, Editors, ReaderAuth},
    types::{Clearable, Date, Lenient, json_example, take_optional, take_patch},
};
use crate::{
    domain::{
        FieldViolation, Violations,
        auth::Scope,
        project::{
            CodeSource, Contribution, ContributionForm, Incentive, Milestone, Objective, Project,
            ProjectData, ProjectFilter, ProjectPatch, ProjectStatus,
        },
    },
    service::{self, AppState, ServiceError},
};

/// Investment projects.
#[derive(Default)]
pub struct ProjectsApi;

/// One investor's capital contribution.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Contribution", skip_serializing_if_is_none)]
pub struct ContributionView {
    /// The investor.
    investor_id: Uuid,
    /// The investor's name, for reading convenience.
    investor_name: String,
    /// Amount in VND.
    capital_vnd: i64,
    /// Share of the contributed capital in percent (derived; the shares add up to exactly 100).
    share_percent: f64,
    /// Form of contribution.
    form: ContributionForm,
    /// Schedule of contribution.
    schedule: Option<String>,
}

/// An objective with its VSIC 2018 sector code.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Objective", skip_serializing_if_is_none)]
pub struct ObjectiveView {
    /// What the project does.
    description: String,
    /// VSIC 2018 code, 4 or 5 digits, e.g. `2610`.
    vsic_code: String,
}

/// A milestone of the implementation schedule.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Milestone", skip_serializing_if_is_none)]
pub struct MilestoneView {
    /// What is done by then.
    description: String,
    /// By when.
    due_date: Date,
}

/// An incentive with its legal basis.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Incentive", skip_serializing_if_is_none)]
pub struct IncentiveView {
    /// The incentive, e.g. "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định".
    description: String,
    /// The legal basis, e.g. "Điều 15, 16 Luật Đầu tư số 61/2020/QH14".
    legal_basis: String,
    /// Conditions to enjoy it.
    conditions: Option<String>,
}

/// An investment project (dự án đầu tư): every content Article 40 puts on a certificate.
#[derive(Object, Debug)]
#[oai(rename = "Project", example, skip_serializing_if_is_none)]
pub struct ProjectView {
    /// Identifier.
    id: Uuid,
    /// Project code, 10 digits; never changes.
    project_code: String,
    /// Where the code came from.
    code_source: CodeSource,
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English.
    name_en: Option<String>,
    /// Zone the project lies in.
    zone_id: Option<Uuid>,
    /// Address of the site.
    address: Option<String>,
    /// Investors and their contributions, in the order printed.
    investors: Vec<ContributionView>,
    /// Objectives with VSIC codes.
    objectives: Vec<ObjectiveView>,
    /// Scale: capacity, products, area.
    scale: Option<String>,
    /// Total investment capital in VND.
    total_capital_vnd: i64,
    /// Investors' contributed capital in VND (the sum of the contributions).
    contributed_capital_vnd: i64,
    /// Mobilised capital in VND; contributed + mobilised = total.
    mobilized_capital_vnd: i64,
    /// USD equivalent of the total, whole dollars.
    capital_usd: Option<i64>,
    /// Exchange rate used, VND per USD.
    exchange_rate_vnd_per_usd: Option<i64>,
    /// Date of that exchange rate.
    exchange_rate_date: Option<Date>,
    /// Operating duration in years.
    duration_years: i32,
    /// Implementation schedule.
    milestones: Vec<MilestoneView>,
    /// Incentives and support with their legal basis.
    incentives: Vec<IncentiveView>,
    /// Conditions imposed on the investor.
    conditions: Vec<String>,
    /// Status.
    status: ProjectStatus,
    /// When first registered.
    registered_at: Option<DateTime<Utc>>,
    /// Reason given with the last status change.
    status_reason: Option<String>,
    /// Free note.
    note: Option<String>,
    /// Imported projects only: the paper certificate history brought by a bulk import
    /// (`/api/v1/imports`). The next certificate issued here is change `last_change_no + 1`,
    /// keeping the paper first-issue date.
    paper_history: Option<PaperHistoryView>,
    /// Row version; the ETag is this number in quotes.
    version: i32,
    /// When created.
    created_at: DateTime<Utc>,
    /// When last changed.
    updated_at: DateTime<Utc>,
}

/// The paper certificate history of an imported project (Giấy chứng nhận bản giấy trước khi
/// có hệ thống): marked as imported, with the import that brought it.
#[derive(Object, Debug, Clone)]
#[oai(rename = "PaperHistory", skip_serializing_if_is_none)]
pub struct PaperHistoryView {
    /// Date of the first issue (Chứng nhận lần đầu) on paper.
    first_issued_on: Date,
    /// Number of the last change on paper; 0 when never changed.
    last_change_no: i32,
    /// Date of the last change on paper; absent when never changed.
    last_change_on: Option<Date>,
    /// The import that brought it (`GET /api/v1/imports/{id}`).
    import_id: Uuid,
}

impl ProjectView {
    fn build(p: Project, names: &HashMap<Uuid, String>) -> Self {
        let shares = p.data.shares_bp();
        let d = p.data;
        Self {
            id: p.id,
            project_code: p.project_code,
            code_source: p.code_source,
            name_vi: d.name_vi,
            name_en: d.name_en,
            zone_id: d.zone_id,
            address: d.address,
            investors: d
                .investors
                .into_iter()
                .zip(shares)
                .map(|(c, bp)| ContributionView {
                    investor_name: names.get(&c.investor_id).cloned().unwrap_or_default(),
                    investor_id: c.investor_id,
                    capital_vnd: c.capital_vnd,
                    share_percent: bp as f64 / 100.0,
                    form: c.form,
                    schedule: c.schedule,
                })
                .collect(),
            objectives: d
                .objectives
                .into_iter()
                .map(|o| ObjectiveView {
                    description: o.description,
                    vsic_code: o.vsic_code,
                })
                .collect(),
            scale: d.scale,
            total_capital_vnd: d.total_capital_vnd,
            contributed_capital_vnd: d.contributed_capital_vnd,
            mobilized_capital_vnd: d.mobilized_capital_vnd,
            capital_usd: d.capital_usd,
            exchange_rate_vnd_per_usd: d.exchange_rate_vnd_per_usd,
            exchange_rate_date: d.exchange_rate_date.map(Date),
            duration_years: d.duration_years,
            milestones: d
                .milestones
                .into_iter()
                .map(|m| MilestoneView {
                    description: m.description,
                    due_date: Date(m.due_date),
                })
                .collect(),
            incentives: d
                .incentives
                .into_iter()
                .map(|i| IncentiveView {
                    description: i.description,
                    legal_basis: i.legal_basis,
                    conditions: i.conditions,
                })
                .collect(),
            conditions: d.conditions,
            status: p.status,
            registered_at: p.registered_at,
            status_reason: p.status_reason,
            note: d.note,
            paper_history: p.paper_history.map(|h| PaperHistoryView {
                first_issued_on: Date(h.first_issued_on),
                last_change_no: h.last_change_no,
                last_change_on: h.last_change_on.map(Date),
                import_id: h.import_id,
            }),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl Example for ProjectView {
    fn example() -> Self {
        let t = DateTime::parse_from_rfc3339("2026-11-02T03:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let investor = Uuid::from_u128(0x019a_4c5e_0000_7000_8000_0000_0000_0001);
        let names = HashMap::from([(investor, "Công ty Cổ phần Điện tử Ánh Dương".to_owned())]);
        let p = Project {
            id: Uuid::from_u128(0x019a_4c5e_0000_7000_8000_0000_0000_0002),
            project_code: "9900000001".to_owned(),
            code_source: CodeSource::Local,
            data: ProjectData {
                name_vi: "Nhà máy sản xuất linh kiện điện tử Ánh Dương".to_owned(),
                name_en: Some("Anh Duong Electronic Components Factory".to_owned()),
                zone_id: Some(Uuid::from_u128(0x019a_4c5e_0000_7000_8000_0000_0000_0003)),
                address: Some("Lô CN-01, Khu công nghiệp Nam Đông Hà, tỉnh Quảng Trị".to_owned()),
                investors: vec![Contribution {
                    investor_id: investor,
                    capital_vnd: 100_000_000_000,
                    form: ContributionForm::Cash,
                    schedule: Some(
                        "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận đăng ký đầu tư"
                            .to_owned(),
                    ),
                }],
                objectives: vec![Objective {
                    description: "Sản xuất linh kiện điện tử".to_owned(),
                    vsic_code: "2610".to_owned(),
                }],
                scale: Some("5 triệu sản phẩm/năm".to_owned()),
                total_capital_vnd: 250_000_000_000,
                contributed_capital_vnd: 100_000_000_000,
                mobilized_capital_vnd: 150_000_000_000,
                capital_usd: Some(10_000_000),
                exchange_rate_vnd_per_usd: Some(25_000),
                exchange_rate_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
                duration_years: 50,
                milestones: vec![Milestone {
                    description: "Hoàn thành xây dựng và đưa vào hoạt động".to_owned(),
                    due_date: chrono::NaiveDate::from_ymd_opt(2028, 6, 30).unwrap_or_default(),
                }],
                incentives: vec![Incentive {
                    description: "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định".to_owned(),
                    legal_basis: "Điều 15, 16 Luật Đầu tư số 61/2020/QH14".to_owned(),
                    conditions: None,
                }],
                conditions: vec!["Đáp ứng các điều kiện về bảo vệ môi trường".to_owned()],
                note: None,
            },
            status: ProjectStatus::Draft,
            registered_at: None,
            status_reason: None,
            prepared_by: vec![],
            paper_history: None,
            version: 1,
            created_at: t,
            updated_at: t,
        };
        Self::build(p, &names)
    }
}

/// A contribution, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "ContributionInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ContributionBody {
    /// The investor (registered first under /investors).
    investor_id: Lenient<Uuid>,
    /// Amount in VND (whole đồng).
    capital_vnd: Lenient<i64>,
    /// Form of contribution.
    form: Lenient<ContributionForm>,
    /// Schedule of contribution.
    schedule: Option<Lenient<String>>,
}

/// An objective, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "ObjectiveInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ObjectiveBody {
    /// What the project does.
    description: Lenient<String>,
    /// VSIC 2018 code, 4 or 5 digits.
    vsic_code: Lenient<String>,
}

/// A milestone, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "MilestoneInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct MilestoneBody {
    /// What is done by then.
    description: Lenient<String>,
    /// By when.
    due_date: Lenient<Date>,
}

/// An incentive, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "IncentiveInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct IncentiveBody {
    /// The incentive.
    description: Lenient<String>,
    /// Its legal basis.
    legal_basis: Lenient<String>,
    /// Conditions to enjoy it.
    conditions: Option<Lenient<String>>,
}

fn take_list<B, T>(
    field: &str,
    list: Vec<B>,
    v: &mut Violations,
    each: impl Fn(B, &str, &mut Violations) -> Option<T>,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, b) in list.into_iter().enumerate() {
        match each(b, &format!("{field}[{i}]"), v) {
            Some(t) => out.push(t),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn contribution(b: ContributionBody, p: &str, v: &mut Violations) -> Option<Contribution> {
    let investor_id = b.investor_id.take(&format!("{p}.investor_id"), v);
    let capital = b.capital_vnd.take(&format!("{p}.capital_vnd"), v);
    let form = b.form.take(&format!("{p}.form"), v);
    let schedule = take_optional(&format!("{p}.schedule"), b.schedule, v);
    Some(Contribution {
        investor_id: investor_id?,
        capital_vnd: capital?,
        form: form?,
        schedule,
    })
}

fn objective(b: ObjectiveBody, p: &str, v: &mut Violations) -> Option<Objective> {
    let description = b.description.take(&format!("{p}.description"), v);
    let vsic = b.vsic_code.take(&format!("{p}.vsic_code"), v);
    Some(Objective {
        description: description?,
        vsic_code: vsic?,
    })
}

fn milestone(b: MilestoneBody, p: &str, v: &mut Violations) -> Option<Milestone> {
    let description = b.description.take(&format!("{p}.description"), v);
    let due = b.due_date.take(&format!("{p}.due_date"), v);
    Some(Milestone {
        description: description?,
        due_date: due?.0,
    })
}

fn incentive(b: IncentiveBody, p: &str, v: &mut Violations) -> Option<Incentive> {
    let description = b.description.take(&format!("{p}.description"), v);
    let basis = b.legal_basis.take(&format!("{p}.legal_basis"), v);
    let conditions = take_optional(&format!("{p}.conditions"), b.conditions, v);
    Some(Incentive {
        description: description?,
        legal_basis: basis?,
        conditions,
    })
}

fn condition(b: String, _p: &str, _v: &mut Violations) -> Option<String> {
    Some(b)
}

/// A new project. Without `project_code`, a local code is allocated from the configured prefix.
#[derive(Object, Debug)]
#[oai(
    rename = "ProjectCreate",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct ProjectCreate {
    /// The 10-digit code from the National Investment Information System, if it has one.
    project_code: Option<Lenient<String>>,
    /// Name in Vietnamese.
    name_vi: Lenient<String>,
    /// Name in English.
    name_en: Option<Lenient<String>>,
    /// Zone the project lies in.
    zone_id: Option<Lenient<Uuid>>,
    /// Address of the site.
    address: Option<Lenient<String>>,
    /// Investors and their contributions, in the order printed; at least one.
    investors: Lenient<Vec<ContributionBody>>,
    /// Objectives with VSIC codes; at least one.
    objectives: Lenient<Vec<ObjectiveBody>>,
    /// Scale: capacity, products, area.
    scale: Option<Lenient<String>>,
    /// Total investment capital in VND.
    total_capital_vnd: Lenient<i64>,
    /// Contributed capital in VND: the sum of the contributions.
    contributed_capital_vnd: Lenient<i64>,
    /// Mobilised capital in VND; contributed + mobilised = total.
    mobilized_capital_vnd: Lenient<i64>,
    /// USD equivalent of the total, whole dollars (with the rate and its date).
    capital_usd: Option<Lenient<i64>>,
    /// Exchange rate used, VND per USD.
    exchange_rate_vnd_per_usd: Option<Lenient<i64>>,
    /// Date of the exchange rate.
    exchange_rate_date: Option<Lenient<Date>>,
    /// Operating duration in years (at most 70 in a zone, 50 outside, as configured).
    duration_years: Lenient<i32>,
    /// Implementation schedule.
    milestones: Option<Lenient<Vec<MilestoneBody>>>,
    /// Incentives with their legal basis.
    incentives: Option<Lenient<Vec<IncentiveBody>>>,
    /// Conditions imposed on the investor.
    conditions: Option<Lenient<Vec<String>>>,
    /// Free note.
    note: Option<Lenient<String>>,
}

impl ProjectCreate {
    fn into_domain(self) -> Result<(Option<String>, ProjectData), Vec<FieldViolation>> {
        let mut v = Violations::default();
        let code = take_optional("project_code", self.project_code, &mut v);
        let name_vi = self.name_vi.take("name_vi", &mut v);
        let name_en = take_optional("name_en", self.name_en, &mut v);
        let zone_id = take_optional("zone_id", self.zone_id, &mut v);
        let address = take_optional("address", self.address, &mut v);
        let investors = self
            .investors
            .take("investors", &mut v)
            .and_then(|l| take_list("investors", l, &mut v, contribution));
        let objectives = self
            .objectives
            .take("objectives", &mut v)
            .and_then(|l| take_list("objectives", l, &mut v, objective));
        let scale = take_optional("scale", self.scale, &mut v);
        let total = self.total_capital_vnd.take("total_capital_vnd", &mut v);
        let contributed = self
            .contributed_capital_vnd
            .take("contributed_capital_vnd", &mut v);
        let mobilized = self
            .mobilized_capital_vnd
            .take("mobilized_capital_vnd", &mut v);
        let usd = take_optional("capital_usd", self.capital_usd, &mut v);
        let rate = take_optional(
            "exchange_rate_vnd_per_usd",
            self.exchange_rate_vnd_per_usd,
            &mut v,
        );
        let rate_date = take_optional("exchange_rate_date", self.exchange_rate_date, &mut v);
        let duration = self.duration_years.take("duration_years", &mut v);
        let milestones = take_optional("milestones", self.milestones, &mut v)
            .map(|l| take_list("milestones", l, &mut v, milestone))
            .unwrap_or(Some(vec![]));
        let incentives = take_optional("incentives", self.incentives, &mut v)
            .map(|l| take_list("incentives", l, &mut v, incentive))
            .unwrap_or(Some(vec![]));
        let conditions = take_optional("conditions", self.conditions, &mut v)
            .map(|l| take_list("conditions", l, &mut v, condition))
            .unwrap_or(Some(vec![]));
        let note = take_optional("note", self.note, &mut v);
        match (
            name_vi,
            investors,
            objectives,
            total,
            contributed,
            mobilized,
            duration,
            milestones,
            incentives,
            conditions,
        ) {
            (
                Some(name_vi),
                Some(investors),
                Some(objectives),
                Some(total),
                Some(contributed),
                Some(mobilized),
                Some(duration),
                Some(milestones),
                Some(incentives),
                Some(conditions),
            ) if v.is_empty() => Ok((
                code,
                ProjectData {
                    name_vi,
                    name_en,
                    zone_id,
                    address,
                    investors,
                    objectives,
                    scale,
                    total_capital_vnd: total,
                    contributed_capital_vnd: contributed,
                    mobilized_capital_vnd: mobilized,
                    capital_usd: usd,
                    exchange_rate_vnd_per_usd: rate,
                    exchange_rate_date: rate_date.map(|d| d.0),
                    duration_years: duration,
                    milestones,
                    incentives,
                    conditions,
                    note,
                },
            )),
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
}

json_example!(ProjectCreate, {
    "project_code": null,
    "name_vi": "Nhà máy sản xuất linh kiện điện tử Ánh Dương",
    "name_en": "Anh Duong Electronic Components Factory",
    "zone_id": "019a4c5e-0000-7000-8000-000000000003",
    "address": "Lô CN-01, Khu công nghiệp Nam Đông Hà, tỉnh Quảng Trị",
    "investors": [
        {"investor_id": "019a4c5e-0000-7000-8000-000000000001", "capital_vnd": 60000000000i64, "form": "cash", "schedule": "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận đăng ký đầu tư"},
        {"investor_id": "019a4c5e-0000-7000-8000-000000000004", "capital_vnd": 40000000000i64, "form": "in_kind", "schedule": "Góp bằng máy móc, thiết bị trong 12 tháng"}
    ],
    "objectives": [{"description": "Sản xuất linh kiện điện tử", "vsic_code": "2610"}],
    "scale": "5 triệu sản phẩm/năm",
    "total_capital_vnd": 250000000000i64,
    "contributed_capital_vnd": 100000000000i64,
    "mobilized_capital_vnd": 150000000000i64,
    "capital_usd": 10000000,
    "exchange_rate_vnd_per_usd": 25000,
    "exchange_rate_date": "2026-11-01",
    "duration_years": 50,
    "milestones": [{"description": "Hoàn thành xây dựng và đưa vào hoạt động", "due_date": "2028-06-30"}],
    "incentives": [{"description": "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định", "legal_basis": "Điều 15, 16 Luật Đầu tư số 61/2020/QH14", "conditions": null}],
    "conditions": ["Đáp ứng các điều kiện về bảo vệ môi trường"],
    "note": null
});

json_example!(StatusChange, {"status": "suspended", "reason": "Thông báo tạm ngừng hoạt động số 12/TB-BQLKKT ngày 01/12/2026"});

/// Changes to a project: send only what changes; lists are replaced whole; `null` clears an
/// optional field. The project code never changes.
#[derive(Object, Debug)]
#[oai(
    rename = "ProjectPatch",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ProjectPatchBody {
    /// Refused: a project keeps its code for life.
    project_code: MaybeUndefined<Lenient<String>>,
    /// New Vietnamese name.
    name_vi: MaybeUndefined<Lenient<String>>,
    /// New English name, or `null`.
    name_en: Clearable<String>,
    /// New zone, or `null`.
    zone_id: Clearable<Uuid>,
    /// New address, or `null`.
    address: Clearable<String>,
    /// New investors and contributions (whole list).
    investors: MaybeUndefined<Lenient<Vec<ContributionBody>>>,
    /// New objectives (whole list).
    objectives: MaybeUndefined<Lenient<Vec<ObjectiveBody>>>,
    /// New scale, or `null`.
    scale: Clearable<String>,
    /// New total capital in VND.
    total_capital_vnd: MaybeUndefined<Lenient<i64>>,
    /// New contributed capital in VND.
    contributed_capital_vnd: MaybeUndefined<Lenient<i64>>,
    /// New mobilised capital in VND.
    mobilized_capital_vnd: MaybeUndefined<Lenient<i64>>,
    /// New USD equivalent, or `null`.
    capital_usd: Clearable<i64>,
    /// New exchange rate, or `null`.
    exchange_rate_vnd_per_usd: Clearable<i64>,
    /// New exchange rate date, or `null`.
    exchange_rate_date: Clearable<Date>,
    /// New duration in years.
    duration_years: MaybeUndefined<Lenient<i32>>,
    /// New milestones (whole list).
    milestones: MaybeUndefined<Lenient<Vec<MilestoneBody>>>,
    /// New incentives (whole list).
    incentives: MaybeUndefined<Lenient<Vec<IncentiveBody>>>,
    /// New conditions (whole list).
    conditions: MaybeUndefined<Lenient<Vec<String>>>,
    /// New note, or `null`.
    note: Clearable<String>,
}

super::types::json_example!(ProjectPatchBody, {"name_en": "Anh Duong Electronic Components Factory", "scale": "6 triệu sản phẩm/năm", "note": null});

impl ProjectPatchBody {
    fn into_domain(self) -> Result<ProjectPatch, Vec<FieldViolation>> {
        let mut v = Violations::default();
        if !self.project_code.is_undefined() {
            v.push(FieldViolation::new(
                "project_code",
                "immutable",
                "a project keeps its code for its whole life (Decree 31/2021 Art. 37)",
            ));
        }
        let name_vi = take_patch("name_vi", self.name_vi, &mut v).flatten();
        let name_en = take_patch("name_en", self.name_en, &mut v);
        let zone_id = take_patch("zone_id", self.zone_id, &mut v);
        let address = take_patch("address", self.address, &mut v);
        let investors = take_patch("investors", self.investors, &mut v)
            .flatten()
            .and_then(|l| take_list("investors", l, &mut v, contribution));
        let objectives = take_patch("objectives", self.objectives, &mut v)
            .flatten()
            .and_then(|l| take_list("objectives", l, &mut v, objective));
        let scale = take_patch("scale", self.scale, &mut v);
        let total = take_patch("total_capital_vnd", self.total_capital_vnd, &mut v).flatten();
        let contributed = take_patch(
            "contributed_capital_vnd",
            self.contributed_capital_vnd,
            &mut v,
        )
        .flatten();
        let mobilized =
            take_patch("mobilized_capital_vnd", self.mobilized_capital_vnd, &mut v).flatten();
        let usd = take_patch("capital_usd", self.capital_usd, &mut v);
        let rate = take_patch(
            "exchange_rate_vnd_per_usd",
            self.exchange_rate_vnd_per_usd,
            &mut v,
        );
        let rate_date = take_patch("exchange_rate_date", self.exchange_rate_date, &mut v);
        let duration = take_patch("duration_years", self.duration_years, &mut v).flatten();
        let milestones = take_patch("milestones", self.milestones, &mut v)
            .flatten()
            .and_then(|l| take_list("milestones", l, &mut v, milestone));
        let incentives = take_patch("incentives", self.incentives, &mut v)
            .flatten()
            .and_then(|l| take_list("incentives", l, &mut v, incentive));
        let conditions = take_patch("conditions", self.conditions, &mut v).flatten();
        let note = take_patch("note", self.note, &mut v);
        v.finish()?;
        Ok(ProjectPatch {
            name_vi,
            name_en,
            zone_id,
            address,
            investors,
            objectives,
            scale,
            total_capital_vnd: total,
            contributed_capital_vnd: contributed,
            mobilized_capital_vnd: mobilized,
            capital_usd: usd,
            exchange_rate_vnd_per_usd: rate,
            exchange_rate_date: rate_date.map(|o| o.map(|d| d.0)),
            duration_years: duration,
            milestones,
            incentives,
            conditions,
            note,
        })
    }
}

/// A status change.
#[derive(Object, Debug)]
#[oai(
    rename = "ProjectStatusChange",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct StatusChange {
    /// The new status. Allowed: draft → registered or terminated; registered → suspended or
    /// terminated; suspended → registered or terminated; terminated is final.
    status: ProjectStatus,
    /// The reason (required for suspended and terminated), e.g. the decision number.
    reason: Option<String>,
}

problem_responses! {
    /// Errors of a status change.
    TransitionError {
        404 NotFound "No project has this id.",
        409 Conflict "The law does not allow this move from the current status; `detail` and `errors[]` name the allowed ones.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A reason is required for suspending and terminating.",
    }
}

resource!(
    ProjectView,
    collection = "/api/v1/projects",
    found = "The project.",
    created = "The project was registered as a draft.",
    location = "Address of the new project."
);
listed!(
    ProjectView,
    name = "ProjectList",
    list = "A page of projects.",
    items = "Projects, oldest first.",
    cursor = "projects"
);

/// Views of projects with their investors' names, read in one query.
/// The filter of the project list and its export, from their query parameters.
pub(crate) fn project_filter(
    zone_id: Option<Uuid>,
    status: Option<ProjectStatus>,
    investor_id: Option<Uuid>,
    nationality: Option<String>,
    min_capital_vnd: Option<i64>,
    max_capital_vnd: Option<i64>,
    registration_year: Option<i32>,
) -> ProjectFilter {
    ProjectFilter {
        q: None,
        zone_id,
        status,
        investor_id,
        nationality: nationality.map(|n| n.to_ascii_uppercase()),
        min_capital_vnd,
        max_capital_vnd,
        registration_year,
    }
}

pub(crate) async fn views(
    state: &AppState,
    projects: Vec<Project>,
) -> Result<Vec<ProjectView>, ServiceError> {
    let names = service::projects::investor_names(&state.db, &projects).await?;
    Ok(projects
        .into_iter()
        .map(|p| ProjectView::build(p, &names))
        .collect())
}

async fn view(state: &AppState, project: Project) -> Result<ProjectView, ServiceError> {
    views(state, vec![project])
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Unexpected("no view of the project".into()))
}

async fn found(state: &AppState, project: Project) -> Result<Found<ProjectView>, ServiceError> {
    let version = project.version;
    Ok(Found::new(view(state, project).await?, version))
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Projects")]
impl ProjectsApi {
    /// List projects
    ///
    /// Filter by zone, status, investor, investors' nationality, total capital range and year of
    /// first registration (Vietnamese calendar).
    #[oai(path = "/projects", method = "get", operation_id = "list_projects")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
        /// Only projects in this zone.
        zone_id: Query<Option<Uuid>>,
        /// Only projects in this status.
        status: Query<Option<ProjectStatus>>,
        /// Only projects of this investor.
        investor_id: Query<Option<Uuid>>,
        /// Only projects with an investor of this nationality (ISO 3166-1 alpha-2).
        #[oai(validator(max_length = 2))]
        nationality: Query<Option<String>>,
        /// Only projects of at least this total capital (VND).
        #[oai(validator(minimum(value = "0")))]
        min_capital_vnd: Query<Option<i64>>,
        /// Only projects of at most this total capital (VND).
        #[oai(validator(minimum(value = "0")))]
        max_capital_vnd: Query<Option<i64>>,
        /// Only projects first registered in this year.
        #[oai(validator(minimum(value = "1990"), maximum(value = "2200")))]
        registration_year: Query<Option<i32>>,
    ) -> Result<Listing<ProjectView>, ListError> {
        auth.require_scope(Scope::RegistryRead)?;
        let after = ListPage::<ProjectView>::after(cursor.0.as_deref())?;
        let filter = project_filter(
            zone_id.0,
            status.0,
            investor_id.0,
            nationality.0,
            min_capital_vnd.0,
            max_capital_vnd.0,
            registration_year.0,
        );
        let page = service::projects::list(&state.db, &filter, after, limit.0.get()).await?;
        let items = views(&state, page.items).await?;
        Ok(Listing(ListPage::with_items(items, page.next_after)))
    }

    /// Register a project (draft)
    ///
    /// Capital must add up: the contributions make the contributed capital, which with the
    /// mobilised capital makes the total. Without `project_code` a local code is allocated.
    #[oai(path = "/projects", method = "post", operation_id = "create_project")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        body: super::body::Body<ProjectCreate>,
    ) -> Result<Created<ProjectView>, CreateError> {
        let ctx = auth.context();
        let (code, data) = body.0.into_domain().map_err(ServiceError::Validation)?;
        let s = &state.policy;
        let project = service::projects::create(
            &state.db,
            &ctx,
            code,
            data,
            &s.project_code_prefix,
            s.duration_limits,
        )
        .await?;
        let (id, version) = (project.id, project.version);
        Ok(Created::new(view(&state, project).await?, id, version))
    }

    /// Get a project
    #[oai(path = "/projects/:id", method = "get", operation_id = "get_project")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Project id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<Found<ProjectView>, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        let project = service::projects::get(&state.db, id.0.param("id")?).await?;
        Ok(found(&state, project).await?)
    }

    /// Change a project
    ///
    /// Send the ETag you read in `If-Match`. The code never changes; a terminated project is
    /// closed to changes.
    #[oai(
        path = "/projects/:id",
        method = "patch",
        operation_id = "update_project"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        /// The ETag of the version you read (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<super::IfMatch>,
        body: super::body::Body<ProjectPatchBody>,
    ) -> Result<Found<ProjectView>, UpdateError> {
        let ctx = auth.context();
        let precondition = if_match.0.0;
        let patch = body.0.into_domain().map_err(ServiceError::Validation)?;
        let project = service::projects::update(
            &state.db,
            &ctx,
            id.0.param("id")?,
            &precondition,
            patch,
            state.policy.duration_limits,
        )
        .await?;
        Ok(found(&state, project).await?)
    }

    /// Change a project's status
    ///
    /// Approvers register, suspend, resume and terminate projects. A move the law does not allow
    /// gets 409 naming the allowed ones. Terminating releases the project's land.
    #[oai(
        path = "/projects/:id/status",
        method = "post",
        operation_id = "change_project_status"
    )]
    async fn change_status(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Approvers>,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<StatusChange>,
    ) -> Result<Found<ProjectView>, TransitionError> {
        let ctx = auth.context();
        let project = service::lifecycle::transition(
            &state.db,
            &ctx,
            id.0.param("id")?,
            body.0.status,
            body.0.reason,
            None,
        )
        .await?;
        Ok(found(&state, project).await?)
    }
}

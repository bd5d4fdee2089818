//! Demo data: the published Quảng Trị zones (with their sources) and, clearly marked as sample
//! data, parcels, investors, projects, staff for each role, an issued certificate and dossiers in
//! every state of the one-stop desk, so a newcomer sees every capability at once. Loading is
//! idempotent.

mod desk;

use std::fmt;

use serde::Deserialize;

use chrono::NaiveDate;

use crate::{
    domain::{
        area::Area,
        auth::Context,
        investor::{DocType, Document, InvestorData, InvestorKind, Representative, Sex},
        parcel::{LandUse, ParcelData, ParcelStatus},
        project::{
            Contribution, ContributionForm, Incentive, Milestone, Objective, ProjectData,
            ProjectStatus,
        },
        zone::{ZoneData, ZoneKind, ZoneStatus},
    },
    service::{self, AppState, ServiceError},
};

/// The zones file, copied from the shared reference data.
const ZONES_JSON: &str = include_str!("zones.json");

/// Marks every invented record.
pub const SAMPLE_NOTE: &str =
    "Dữ liệu mẫu, không phải số liệu thật (sample data for demonstration)";

#[derive(Deserialize)]
struct ZonesFile {
    zones: Vec<ZoneRecord>,
}

#[derive(Deserialize)]
struct ZoneRecord {
    code: String,
    name: String,
    kind: String,
    area_ha: serde_json::Number,
    status: String,
    as_of: Option<i32>,
    developer: Option<String>,
    term: Option<String>,
    parent: Option<String>,
    source: Option<String>,
}

/// What a load did.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Zones created now.
    pub zones_created: usize,
    /// Zones that were already there.
    pub zones_present: usize,
    /// Sample parcels created now.
    pub parcels_created: usize,
    /// Sample investors created now.
    pub investors_created: usize,
    /// Sample projects created now.
    pub projects_created: usize,
    /// Sample staff created now: username, role and generated password (shown once).
    pub staff: Vec<(String, String, String)>,
    /// Certificates issued now.
    pub certificates_issued: usize,
    /// Sample dossiers created now.
    pub dossiers_created: usize,
    /// The online sample dossier's receipt code and tracking secret (shown once).
    pub sample_tracking: Option<(String, String)>,
}

impl DemoSummary {
    /// What an operator needs to try the demo, shown once on the terminal: the sample staff's
    /// passwords and a dossier to track.
    pub fn credentials(&self) -> Option<String> {
        if self.staff.is_empty() {
            return None;
        }
        let mut out = String::from(
            "\n  Demo staff (sample data; passwords shown only now; sign in at /console):\n",
        );
        for (user, role, password) in &self.staff {
            out.push_str(&format!("    {user:<14} {role:<9} {password}\n"));
        }
        if let Some((code, secret)) = &self.sample_tracking {
            out.push_str(&format!(
                "  Sample online dossier {code}: track it at /d/{code} with the secret {secret}\n"
            ));
        }
        Some(out)
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo data: {} zones created, {} already present, {} sample parcels, {} sample investors, {} sample projects, {} sample staff, {} certificates, {} dossiers created",
            self.zones_created,
            self.zones_present,
            self.parcels_created,
            self.investors_created,
            self.projects_created,
            self.staff.len(),
            self.certificates_issued,
            self.dossiers_created
        )
    }
}

/// Loads the demo zones and sample parcels through the same use cases as the API.
pub async fn load(state: &AppState) -> Result<DemoSummary, ServiceError> {
    let db = &state.db;
    let file: ZonesFile =
        serde_json::from_str(ZONES_JSON).map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
    let mut summary = DemoSummary::default();
    let ctx = Context::system("demo", state.clock.now());
    // Economic zones first, so parks can name them as parents.
    let mut records = file.zones;
    records.sort_by_key(|r| r.parent.is_some());
    for r in records {
        if service::zones::find_by_code(db, &r.code).await?.is_some() {
            summary.zones_present += 1;
            continue;
        }
        let parent_id = match &r.parent {
            Some(code) => service::zones::find_by_code(db, code).await?.map(|z| z.id),
            None => None,
        };
        let (term_start, term_end) = match r.term.as_deref().and_then(|t| t.split_once('/')) {
            Some((a, b)) => (a.parse().ok(), b.parse().ok()),
            None => (None, None),
        };
        let data = ZoneData {
            code: r.code.clone(),
            name: r.name,
            kind: r.kind.parse::<ZoneKind>().map_err(|e| bad(&r.code, e))?,
            province: "Quảng Trị".to_owned(),
            parent_id,
            total_area_m2: Area::parse_ha(&r.area_ha.to_string()).map_err(|e| bad(&r.code, e))?,
            industrial_service_area_m2: None,
            developer: r.developer,
            term_start,
            term_end,
            status: r
                .status
                .parse::<ZoneStatus>()
                .map_err(|e| bad(&r.code, e))?,
            figures_as_of: r.as_of.map(|y| y.to_string()),
            source: r.source,
        };
        service::zones::create(db, &ctx, data).await?;
        summary.zones_created += 1;
    }

    if let Some(ndh) = service::zones::find_by_code(db, "KCN-NDH").await? {
        let samples = [
            ("CN-01", "52300", LandUse::Industrial),
            ("CN-02", "38750.5", LandUse::Industrial),
            ("DV-01", "12000", LandUse::Service),
            ("KB-01", "8400", LandUse::Warehouse),
        ];
        for (lot, area, land_use) in samples {
            if service::parcels::find_by_lot(db, ndh.id, lot)
                .await?
                .is_some()
            {
                continue;
            }
            let data = ParcelData {
                lot_code: lot.to_owned(),
                area_m2: Area::parse_m2(area).map_err(|e| bad(lot, e))?,
                land_use,
                status: ParcelStatus::Available,
                note: Some(SAMPLE_NOTE.to_owned()),
            };
            service::parcels::create(db, &ctx, ndh.id, data).await?;
            summary.parcels_created += 1;
        }
    }
    let packaging = load_investors_and_projects(state, &ctx, &mut summary).await?;
    desk::load(state, &ctx, packaging, &mut summary).await?;
    if let Some(p) = packaging
        && summary.certificates_issued == 0
    {
        // The desk was already there: register the project without a certificate, as before.
        service::lifecycle::transition(&state.db, &ctx, p, ProjectStatus::Registered, None, None)
            .await?;
    }
    Ok(summary)
}

fn sample_investors() -> Vec<InvestorData> {
    let note = Some(SAMPLE_NOTE.to_owned());
    vec![
        InvestorData {
            kind: InvestorKind::DomesticOrganization,
            name: "Công ty Cổ phần Bao bì Nam Đông Hà".to_owned(),
            sex: None,
            date_of_birth: None,
            nationality: "VN".to_owned(),
            document: Document {
                doc_type: DocType::EnterpriseCode,
                number: "3200999001".to_owned(),
                issue_date: NaiveDate::from_ymd_opt(2016, 3, 15),
                issuer: Some("Sở Kế hoạch và Đầu tư tỉnh Quảng Trị".to_owned()),
            },
            permanent_address: None,
            current_address: None,
            tax_code: Some("3200999001".to_owned()),
            head_office_address: Some(
                "Khu công nghiệp Nam Đông Hà, phường Đông Hà, tỉnh Quảng Trị".to_owned(),
            ),
            representative: Some(Representative {
                name: "Trần Thị Mai".to_owned(),
                title: "Tổng Giám đốc".to_owned(),
                doc_type: Some(DocType::Cccd),
                doc_number: Some("045180009999".to_owned()),
            }),
            foreign_ownership_bp: Some(0),
            note: note.clone(),
        },
        InvestorData {
            kind: InvestorKind::ForeignOrganization,
            name: "Sakura Precision Parts Co., Ltd.".to_owned(),
            sex: None,
            date_of_birth: None,
            nationality: "JP".to_owned(),
            document: Document {
                doc_type: DocType::ForeignRegistration,
                number: "0100-01-999999".to_owned(),
                issue_date: NaiveDate::from_ymd_opt(2008, 4, 1),
                issuer: Some("Tokyo Legal Affairs Bureau".to_owned()),
            },
            permanent_address: None,
            current_address: None,
            tax_code: None,
            head_office_address: Some("1-2-3 Marunouchi, Chiyoda-ku, Tokyo, Japan".to_owned()),
            representative: Some(Representative {
                name: "TANAKA Hiroshi".to_owned(),
                title: "Representative Director".to_owned(),
                doc_type: Some(DocType::Passport),
                doc_number: Some("TK9999999".to_owned()),
            }),
            foreign_ownership_bp: None,
            note: note.clone(),
        },
        InvestorData {
            kind: InvestorKind::ForeignIndividual,
            name: "KIM MIN JUN".to_owned(),
            sex: Some(Sex::Male),
            date_of_birth: NaiveDate::from_ymd_opt(1980, 7, 21),
            nationality: "KR".to_owned(),
            document: Document {
                doc_type: DocType::Passport,
                number: "M99999999".to_owned(),
                issue_date: NaiveDate::from_ymd_opt(2020, 1, 10),
                issuer: Some("Ministry of Foreign Affairs, Republic of Korea".to_owned()),
            },
            permanent_address: Some("Seoul, Republic of Korea".to_owned()),
            current_address: Some("Phường Đông Hà, tỉnh Quảng Trị".to_owned()),
            tax_code: None,
            head_office_address: None,
            representative: None,
            foreign_ownership_bp: None,
            note,
        },
    ]
}

/// Sample investors, and their projects when the investors are new: a packaging plant in KCN Nam
/// Đông Hà by a domestic and a Japanese company (on lot CN-01; returns its id, for the desk to
/// issue its certificate), and a Korean individual's trade-service project in KKT Lao Bảo
/// (draft).
async fn load_investors_and_projects(
    state: &AppState,
    ctx: &Context,
    summary: &mut DemoSummary,
) -> Result<Option<uuid::Uuid>, ServiceError> {
    let db = &state.db;
    let mut ids = Vec::new();
    let mut all_new = true;
    for data in sample_investors() {
        let existing =
            service::investors::find_by_document(db, &data.document, &data.nationality).await?;
        match existing {
            Some(i) => {
                all_new = false;
                ids.push(i.id);
            }
            None => {
                ids.push(service::investors::create(db, ctx, data).await?.id);
                summary.investors_created += 1;
            }
        }
    }
    if !all_new {
        return Ok(None);
    }
    let (Some(ndh), Some(lb)) = (
        service::zones::find_by_code(db, "KCN-NDH").await?,
        service::zones::find_by_code(db, "KKT-LB").await?,
    ) else {
        return Ok(None);
    };
    let limits = state.policy.duration_limits;
    let prefix = state.policy.project_code_prefix.as_str();
    let packaging = ProjectData {
        name_vi: "Nhà máy sản xuất bao bì Nam Đông Hà".to_owned(),
        name_en: Some("Nam Dong Ha Packaging Plant".to_owned()),
        zone_id: Some(ndh.id),
        address: Some(
            "Lô CN-01, Khu công nghiệp Nam Đông Hà, phường Đông Hà, tỉnh Quảng Trị".to_owned(),
        ),
        investors: vec![
            Contribution {
                investor_id: ids[0],
                capital_vnd: 36_000_000_000,
                form: ContributionForm::Cash,
                schedule: Some(
                    "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận đăng ký đầu tư"
                        .to_owned(),
                ),
            },
            Contribution {
                investor_id: ids[1],
                capital_vnd: 24_000_000_000,
                form: ContributionForm::CashAndInKind,
                schedule: Some("Góp bằng tiền và máy móc, thiết bị trong 12 tháng".to_owned()),
            },
        ],
        objectives: vec![Objective {
            description: "Sản xuất bao bì giấy và bao bì nhựa".to_owned(),
            vsic_code: "1702".to_owned(),
        }],
        scale: Some("12.000 tấn sản phẩm/năm".to_owned()),
        total_capital_vnd: 150_000_000_000,
        contributed_capital_vnd: 60_000_000_000,
        mobilized_capital_vnd: 90_000_000_000,
        capital_usd: Some(6_000_000),
        exchange_rate_vnd_per_usd: Some(25_000),
        exchange_rate_date: NaiveDate::from_ymd_opt(2026, 11, 2),
        duration_years: 45,
        milestones: vec![Milestone {
            description: "Hoàn thành xây dựng và đưa nhà máy vào hoạt động".to_owned(),
            due_date: NaiveDate::from_ymd_opt(2028, 6, 30).unwrap_or_default(),
        }],
        incentives: vec![Incentive {
            description: "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định của dự án".to_owned(),
            legal_basis: "Điều 15, 16 Luật Đầu tư số 61/2020/QH14".to_owned(),
            conditions: None,
        }],
        conditions: vec!["Thực hiện đầy đủ các quy định về bảo vệ môi trường".to_owned()],
        note: Some(SAMPLE_NOTE.to_owned()),
    };
    let p = service::projects::create(db, ctx, None, packaging, prefix, limits).await?;
    summary.projects_created += 1;
    if let Some(lot) = service::parcels::find_by_lot(db, ndh.id, "CN-01").await? {
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        service::leases::lease(
            db,
            ctx,
            p.id,
            service::leases::NewLease {
                parcel_id: lot.id,
                area: lot.data.area_m2,
                start_date: start,
                end_date: crate::domain::lease::add_years(start, 45),
            },
        )
        .await?;
    }

    let trade = ProjectData {
        name_vi: "Trung tâm thương mại và dịch vụ logistics Lao Bảo".to_owned(),
        name_en: Some("Lao Bao Trade and Logistics Centre".to_owned()),
        zone_id: Some(lb.id),
        address: Some("Khu kinh tế thương mại đặc biệt Lao Bảo, tỉnh Quảng Trị".to_owned()),
        investors: vec![Contribution {
            investor_id: ids[2],
            capital_vnd: 20_000_000_000,
            form: ContributionForm::Cash,
            schedule: None,
        }],
        objectives: vec![Objective {
            description: "Kinh doanh kho bãi và dịch vụ logistics".to_owned(),
            vsic_code: "5210".to_owned(),
        }],
        scale: None,
        total_capital_vnd: 20_000_000_000,
        contributed_capital_vnd: 20_000_000_000,
        mobilized_capital_vnd: 0,
        capital_usd: None,
        exchange_rate_vnd_per_usd: None,
        exchange_rate_date: None,
        duration_years: 30,
        milestones: vec![],
        incentives: vec![],
        conditions: vec![],
        note: Some(SAMPLE_NOTE.to_owned()),
    };
    service::projects::create(db, ctx, None, trade, prefix, limits).await?;
    summary.projects_created += 1;
    Ok(Some(p.id))
}

fn bad(code: &str, e: impl fmt::Display) -> ServiceError {
    ServiceError::Unexpected(format!("demo record {code}: {e}").into())
}

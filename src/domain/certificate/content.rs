//! The frozen content of a certificate version: every fact printed on it (Law on Investment 2020,
//! Art. 40), with enum labels already resolved to the words printed, so a stored snapshot renders
//! the same way forever, whatever later happens to the registry or to the code's label tables.
//!
//! The snapshot is stored as JSON; its SHA-256 (of [`CertificateContent::canonical_json`]) is the
//! digest the QR seal signs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Snapshot format written in [`CertificateContent::format`].
pub const CONTENT_FORMAT: u32 = 1;

/// Everything a certificate states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateContent {
    /// Snapshot format version ([`CONTENT_FORMAT`]).
    pub format: u32,
    /// Template id used to render it, e.g. `irc-2021`.
    pub template: String,
    /// The issuing body.
    pub issuing_body: IssuingBody,
    /// Project code, 10 digits.
    pub project_code: String,
    /// 0 = first issue ("Chứng nhận lần đầu"), N = "Chứng nhận thay đổi lần thứ N".
    pub version: u32,
    /// Date of the first issue (version 0). `None` only in a draft of version 0.
    pub first_issued_on: Option<NaiveDate>,
    /// Date this version is issued, Vietnamese calendar. `None` while a draft.
    pub issued_on: Option<NaiveDate>,
    /// "Căn cứ ..." lines, in order: the template's statutory lines, then the dossier line.
    pub legal_basis: Vec<String>,
    /// Investors in the order printed.
    pub investors: Vec<InvestorBlock>,
    /// Article 1: the project.
    pub project: ProjectBlock,
    /// Article 2: incentives and support.
    pub incentives: Vec<IncentiveLine>,
    /// Article 3: conditions imposed on the investor.
    pub conditions: Vec<String>,
    /// Who signs. `None` while a draft.
    pub signer: Option<Signer>,
    /// When it was signed (UTC). `None` while a draft.
    pub signed_at: Option<DateTime<Utc>>,
    /// True when signed with a generated development key, not a real one: printed on the page.
    pub development_key: bool,
    /// Print English labels and headings after the Vietnamese ones (song ngữ). Omitted from the
    /// stored JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bilingual: bool,
}

/// The body issuing the certificate (Decree 30/2020: top left of the first page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuingBody {
    /// The superior body, upper case, e.g. "UBND TỈNH QUẢNG TRỊ".
    pub superior: String,
    /// The body itself, upper case, e.g. "BAN QUẢN LÝ KHU KINH TẾ".
    pub name: String,
    /// Place name used in the date line, e.g. "Quảng Trị".
    pub place: String,
}

/// Whether an investor is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A natural person.
    Individual,
    /// A company or other organisation.
    Organization,
}

/// A document: identity card, passport, enterprise registration...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    /// Its name as printed, e.g. "Căn cước công dân", "Giấy chứng nhận đăng ký doanh nghiệp".
    pub label: String,
    /// Its number.
    pub number: String,
    /// Date of issue.
    pub issued_on: Option<NaiveDate>,
    /// Issuer or place of issue.
    pub issuer: Option<String>,
}

/// One investor's block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestorBlock {
    /// Person or organisation.
    pub kind: PartyKind,
    /// Full name, or registered name (printed in capitals for organisations).
    pub name: String,
    /// Individuals: "Ông" or "Bà".
    pub honorific: Option<String>,
    /// Individuals: sex as printed ("Nam", "Nữ").
    pub sex: Option<String>,
    /// Individuals: date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality (individuals) or country of establishment (organisations), in Vietnamese.
    pub nationality: String,
    /// Identity or establishment document.
    pub document: DocumentLine,
    /// Individuals: permanent address.
    pub permanent_address: Option<String>,
    /// Individuals: current address.
    pub current_address: Option<String>,
    /// Organisations: head office address.
    pub head_office_address: Option<String>,
    /// Tax code, when different from the document number.
    pub tax_code: Option<String>,
    /// Organisations: legal representative.
    pub representative: Option<RepresentativeLine>,
}

/// An organisation's legal representative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepresentativeLine {
    /// Full name.
    pub name: String,
    /// Title, e.g. "Tổng Giám đốc".
    pub title: String,
    /// Identity document, when recorded.
    pub document: Option<DocumentLine>,
}

/// Article 1: the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectBlock {
    /// Name in Vietnamese.
    pub name_vi: String,
    /// Name in English, if any.
    pub name_en: Option<String>,
    /// Objectives with VSIC codes.
    pub objectives: Vec<ObjectiveLine>,
    /// Scale.
    pub scale: Option<String>,
    /// Location and land.
    pub location: LocationBlock,
    /// Capital.
    pub capital: CapitalBlock,
    /// Operating duration in years.
    pub duration_years: i32,
    /// Implementation schedule: milestones.
    pub milestones: Vec<MilestoneLine>,
}

/// An objective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveLine {
    /// What the project does.
    pub description: String,
    /// VSIC 2018 code.
    pub vsic_code: String,
}

/// Where the project is and the land it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationBlock {
    /// Zone name, e.g. "Khu công nghiệp Nam Đông Hà", if in a zone.
    pub zone_name: Option<String>,
    /// Site address.
    pub address: Option<String>,
    /// Leased parcels.
    pub parcels: Vec<LandLine>,
    /// Total land area used, in square decimetres (exact); 0 when none is leased yet.
    pub land_area_dm2: i64,
}

/// One leased parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandLine {
    /// Parcel code in its zone, e.g. "CN-01".
    pub parcel_code: String,
    /// Area leased, square decimetres.
    pub area_dm2: i64,
    /// Lease end date.
    pub lease_end: NaiveDate,
}

/// Investment capital (Art. 40(6)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapitalBlock {
    /// Total investment capital, VND.
    pub total_vnd: i64,
    /// USD equivalent, whole dollars.
    pub total_usd: Option<i64>,
    /// VND per USD.
    pub exchange_rate_vnd_per_usd: Option<i64>,
    /// Date of the exchange rate.
    pub exchange_rate_date: Option<NaiveDate>,
    /// Investors' contributed capital, VND.
    pub contributed_vnd: i64,
    /// Mobilised capital, VND.
    pub mobilized_vnd: i64,
    /// Each investor's contribution, in the order of [`CertificateContent::investors`].
    pub contributions: Vec<ContributionLine>,
}

/// One investor's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionLine {
    /// Investor name as in its block.
    pub investor_name: String,
    /// Amount, VND.
    pub capital_vnd: i64,
    /// Share of contributed capital in basis points (0.01 %); the shares add to 10 000.
    pub share_bp: i64,
    /// Form, as printed, e.g. "Tiền mặt".
    pub form: String,
    /// Schedule, e.g. "Góp đủ trong 90 ngày kể từ ngày được cấp GCNĐKĐT".
    pub schedule: Option<String>,
}

/// A milestone of the implementation schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneLine {
    /// What is done by then.
    pub description: String,
    /// By when.
    pub due_date: NaiveDate,
}

/// An incentive with its legal basis (Art. 40(9)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveLine {
    /// The incentive.
    pub description: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Conditions, if any.
    pub conditions: Option<String>,
}

/// The person who signs (Decree 30/2020 signature block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// Full name.
    pub full_name: String,
    /// Capacity line above the title, upper case, e.g. "KT. TRƯỞNG BAN"; `None` when the head
    /// signs in their own name.
    pub capacity: Option<String>,
    /// Title, upper case, e.g. "PHÓ TRƯỞNG BAN".
    pub title: String,
}

impl CertificateContent {
    /// The bytes digested and stored: serde's field order is the declaration order, so the same
    /// content always gives the same bytes.
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// SHA-256 of [`Self::canonical_json`], the digest the QR seal carries.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_json()).into()
    }

    /// True until signed.
    pub fn is_draft(&self) -> bool {
        self.signed_at.is_none()
    }

    /// A complete, realistic sample: two investors, used by tests, benchmarks and previews.
    /// `extra_investors` adds that many more organisations, to make long certificates.
    pub fn sample(extra_investors: usize) -> Self {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        let mut investors = vec![
            InvestorBlock {
                kind: PartyKind::Organization,
                name: "Công ty Cổ phần Điện tử Ánh Dương".into(),
                honorific: None,
                sex: None,
                date_of_birth: None,
                nationality: "Việt Nam".into(),
                document: DocumentLine {
                    label: "Giấy chứng nhận đăng ký doanh nghiệp".into(),
                    number: "3200123456".into(),
                    issued_on: Some(d(2015, 3, 12)),
                    issuer: Some("Sở Kế hoạch và Đầu tư tỉnh Quảng Trị".into()),
                },
                permanent_address: None,
                current_address: None,
                head_office_address: Some(
                    "Số 12 đường Hùng Vương, phường Đông Hà, tỉnh Quảng Trị, Việt Nam".into(),
                ),
                tax_code: None,
                representative: Some(RepresentativeLine {
                    name: "Nguyễn Thị Hồng Nhung".into(),
                    title: "Tổng Giám đốc".into(),
                    document: None,
                }),
            },
            InvestorBlock {
                kind: PartyKind::Individual,
                name: "Kim Min-jun".into(),
                honorific: Some("Ông".into()),
                sex: Some("Nam".into()),
                date_of_birth: Some(d(1978, 5, 21)),
                nationality: "Hàn Quốc".into(),
                document: DocumentLine {
                    label: "Hộ chiếu".into(),
                    number: "M12345678".into(),
                    issued_on: Some(d(2020, 1, 15)),
                    issuer: Some("Bộ Ngoại giao Hàn Quốc".into()),
                },
                permanent_address: Some("123 Teheran-ro, Gangnam-gu, Seoul, Hàn Quốc".into()),
                current_address: Some("Số 5 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị".into()),
                head_office_address: None,
                tax_code: None,
                representative: None,
            },
        ];
        for i in 0..extra_investors {
            investors.push(InvestorBlock {
                name: format!(
                    "Công ty TNHH Thương mại và Dịch vụ Đông Trường Sơn số {}",
                    i + 1
                ),
                document: DocumentLine {
                    number: format!("32001{:05}", 100 + i),
                    ..investors[0].document.clone()
                },
                ..investors[0].clone()
            });
        }
        let n = investors.len() as i64;
        let each = 120_000_000_000 / n;
        let contributions = investors
            .iter()
            .enumerate()
            .map(|(i, inv)| ContributionLine {
                investor_name: inv.name.clone(),
                capital_vnd: if i == 0 {
                    120_000_000_000 - each * (n - 1)
                } else {
                    each
                },
                share_bp: if i == 0 {
                    10_000 - (10_000 / n) * (n - 1)
                } else {
                    10_000 / n
                },
                form: "Tiền mặt".into(),
                schedule: Some("Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận".into()),
            })
            .collect();
        Self {
            format: CONTENT_FORMAT,
            template: "irc-2021".into(),
            issuing_body: IssuingBody {
                superior: "UBND TỈNH QUẢNG TRỊ".into(),
                name: "BAN QUẢN LÝ KHU KINH TẾ".into(),
                place: "Quảng Trị".into(),
            },
            project_code: "9912345678".into(),
            version: 1,
            first_issued_on: Some(d(2026, 3, 2)),
            issued_on: Some(d(2026, 11, 30)),
            legal_basis: vec![
                "Căn cứ Luật Đầu tư số 61/2020/QH14 ngày 17 tháng 6 năm 2020;".into(),
                "Căn cứ Nghị định số 31/2021/NĐ-CP ngày 26 tháng 3 năm 2021 của Chính phủ quy định chi tiết và hướng dẫn thi hành một số điều của Luật Đầu tư;".into(),
                "Căn cứ hồ sơ đề nghị điều chỉnh dự án đầu tư nộp ngày 20 tháng 11 năm 2026,".into(),
            ],
            investors,
            project: ProjectBlock {
                name_vi: "Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị".into(),
                name_en: Some("Anh Duong Quang Tri Electronic Components Factory".into()),
                objectives: vec![
                    ObjectiveLine {
                        description: "Sản xuất linh kiện điện tử, bảng mạch in và cụm lắp ráp cho thiết bị gia dụng".into(),
                        vsic_code: "2610".into(),
                    },
                    ObjectiveLine {
                        description: "Bán buôn thiết bị và linh kiện điện tử, viễn thông".into(),
                        vsic_code: "4652".into(),
                    },
                ],
                scale: Some("12 triệu sản phẩm/năm; diện tích xây dựng nhà xưởng 18.000 m²".into()),
                location: LocationBlock {
                    zone_name: Some("Khu công nghiệp Nam Đông Hà".into()),
                    address: Some("Lô CN-01, Khu công nghiệp Nam Đông Hà, phường Đông Hà, tỉnh Quảng Trị".into()),
                    parcels: vec![LandLine {
                        parcel_code: "CN-01".into(),
                        area_dm2: 5_230_000,
                        lease_end: d(2058, 12, 31),
                    }],
                    land_area_dm2: 5_230_000,
                },
                capital: CapitalBlock {
                    total_vnd: 250_000_000_000,
                    total_usd: Some(9_842_520),
                    exchange_rate_vnd_per_usd: Some(25_400),
                    exchange_rate_date: Some(d(2026, 11, 20)),
                    contributed_vnd: 120_000_000_000,
                    mobilized_vnd: 130_000_000_000,
                    contributions,
                },
                duration_years: 50,
                milestones: vec![
                    MilestoneLine { description: "Hoàn thành thủ tục đất đai, xây dựng".into(), due_date: d(2027, 3, 31) },
                    MilestoneLine { description: "Xây dựng nhà xưởng và lắp đặt thiết bị".into(), due_date: d(2027, 12, 31) },
                    MilestoneLine { description: "Đi vào hoạt động chính thức".into(), due_date: d(2028, 3, 31) },
                ],
            },
            incentives: vec![IncentiveLine {
                description: "Ưu đãi thuế thu nhập doanh nghiệp, miễn tiền thuê đất theo quy định đối với dự án đầu tư tại khu công nghiệp".into(),
                legal_basis: "Điều 15 và Điều 16 Luật Đầu tư số 61/2020/QH14".into(),
                conditions: Some("Đáp ứng các điều kiện ưu đãi tại thời điểm hưởng ưu đãi".into()),
            }],
            conditions: vec![
                "Tuân thủ quy định của pháp luật về bảo vệ môi trường, phòng cháy chữa cháy và lao động.".into(),
            ],
            signer: Some(Signer {
                full_name: "Trần Văn Phúc".into(),
                capacity: Some("KT. TRƯỞNG BAN".into()),
                title: "PHÓ TRƯỞNG BAN".into(),
            }),
            signed_at: Some(DateTime::from_timestamp(1_796_000_000, 0).unwrap_or_default()),
            development_key: true,
            bilingual: false,
        }
    }
}

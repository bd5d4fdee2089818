//! The frozen content of a certificate version as the API publishes it: one schema per block of
//! the printed certificate (`domain::certificate::content`), so clients get typed models.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use super::types::Date;
use crate::domain::certificate::content::{self, PartyKind};

/// Whether an investor is a person or an organisation.
#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename = "PartyKind", rename_all = "snake_case")]
pub enum PartyKindView {
    /// A natural person.
    Individual,
    /// A company or other organisation.
    Organization,
}

impl From<PartyKind> for PartyKindView {
    fn from(k: PartyKind) -> Self {
        match k {
            PartyKind::Individual => Self::Individual,
            PartyKind::Organization => Self::Organization,
        }
    }
}

/// Everything a certificate states.
#[derive(Object, Debug)]
#[oai(rename = "CertificateContent", skip_serializing_if_is_none)]
pub struct CertificateContentView {
    /// Snapshot format version (`1`).
    format: u32,
    /// Template id used to render it, e.g. `irc-2021`.
    template: String,
    /// The issuing body.
    issuing_body: CertificateIssuingBodyView,
    /// Project code, 10 digits.
    project_code: String,
    /// 0 = first issue ("Chứng nhận lần đầu"), N = "Chứng nhận thay đổi lần thứ N".
    version: u32,
    /// Date of the first issue (version 0). `None` only in a draft of version 0.
    first_issued_on: Option<Date>,
    /// Date this version is issued, Vietnamese calendar. `None` while a draft.
    issued_on: Option<Date>,
    /// "Căn cứ ..." lines, in order: the template's statutory lines, then the dossier line.
    legal_basis: Vec<String>,
    /// Investors in the order printed.
    investors: Vec<CertificateInvestorView>,
    /// Article 1: the project.
    project: CertificateProjectView,
    /// Article 2: incentives and support.
    incentives: Vec<CertificateIncentiveView>,
    /// Article 3: conditions imposed on the investor.
    conditions: Vec<String>,
    /// Who signs. `None` while a draft.
    signer: Option<CertificateSignerView>,
    /// When it was signed (UTC). `None` while a draft.
    signed_at: Option<DateTime<Utc>>,
    /// True when signed with a generated development key, not a real one: printed on the page.
    development_key: bool,
    /// Print English labels and headings after the Vietnamese ones (song ngữ). Omitted from the
    /// stored JSON when false.
    bilingual: bool,
}

impl From<content::CertificateContent> for CertificateContentView {
    fn from(c: content::CertificateContent) -> Self {
        Self {
            format: c.format,
            template: c.template,
            issuing_body: c.issuing_body.into(),
            project_code: c.project_code,
            version: c.version,
            first_issued_on: c.first_issued_on.map(Date),
            issued_on: c.issued_on.map(Date),
            legal_basis: c.legal_basis,
            investors: c.investors.into_iter().map(Into::into).collect(),
            project: c.project.into(),
            incentives: c.incentives.into_iter().map(Into::into).collect(),
            conditions: c.conditions,
            signer: c.signer.map(Into::into),
            signed_at: c.signed_at,
            development_key: c.development_key,
            bilingual: c.bilingual,
        }
    }
}

/// The body issuing the certificate (Decree 30/2020: top left of the first page).
#[derive(Object, Debug)]
#[oai(rename = "CertificateIssuingBody", skip_serializing_if_is_none)]
pub struct CertificateIssuingBodyView {
    /// The superior body, upper case, e.g. "UBND TỈNH QUẢNG TRỊ".
    superior: String,
    /// The body itself, upper case, e.g. "BAN QUẢN LÝ KHU KINH TẾ".
    name: String,
    /// Place name used in the date line, e.g. "Quảng Trị".
    place: String,
}

impl From<content::IssuingBody> for CertificateIssuingBodyView {
    fn from(c: content::IssuingBody) -> Self {
        Self {
            superior: c.superior,
            name: c.name,
            place: c.place,
        }
    }
}

/// A document: identity card, passport, enterprise registration...
#[derive(Object, Debug)]
#[oai(rename = "CertificateDocument", skip_serializing_if_is_none)]
pub struct CertificateDocumentView {
    /// Its name as printed, e.g. "Căn cước công dân", "Giấy chứng nhận đăng ký doanh nghiệp".
    label: String,
    /// Its number.
    number: String,
    /// Date of issue.
    issued_on: Option<Date>,
    /// Issuer or place of issue.
    issuer: Option<String>,
}

impl From<content::DocumentLine> for CertificateDocumentView {
    fn from(c: content::DocumentLine) -> Self {
        Self {
            label: c.label,
            number: c.number,
            issued_on: c.issued_on.map(Date),
            issuer: c.issuer,
        }
    }
}

/// One investor's block.
#[derive(Object, Debug)]
#[oai(rename = "CertificateInvestor", skip_serializing_if_is_none)]
pub struct CertificateInvestorView {
    /// Person or organisation.
    kind: PartyKindView,
    /// Full name, or registered name (printed in capitals for organisations).
    name: String,
    /// Individuals: "Ông" or "Bà".
    honorific: Option<String>,
    /// Individuals: sex as printed ("Nam", "Nữ").
    sex: Option<String>,
    /// Individuals: date of birth.
    date_of_birth: Option<Date>,
    /// Nationality (individuals) or country of establishment (organisations), in Vietnamese.
    nationality: String,
    /// Identity or establishment document.
    document: CertificateDocumentView,
    /// Individuals: permanent address.
    permanent_address: Option<String>,
    /// Individuals: current address.
    current_address: Option<String>,
    /// Organisations: head office address.
    head_office_address: Option<String>,
    /// Tax code, when different from the document number.
    tax_code: Option<String>,
    /// Organisations: legal representative.
    representative: Option<CertificateRepresentativeView>,
}

impl From<content::InvestorBlock> for CertificateInvestorView {
    fn from(c: content::InvestorBlock) -> Self {
        Self {
            kind: c.kind.into(),
            name: c.name,
            honorific: c.honorific,
            sex: c.sex,
            date_of_birth: c.date_of_birth.map(Date),
            nationality: c.nationality,
            document: c.document.into(),
            permanent_address: c.permanent_address,
            current_address: c.current_address,
            head_office_address: c.head_office_address,
            tax_code: c.tax_code,
            representative: c.representative.map(Into::into),
        }
    }
}

/// An organisation's legal representative.
#[derive(Object, Debug)]
#[oai(rename = "CertificateRepresentative", skip_serializing_if_is_none)]
pub struct CertificateRepresentativeView {
    /// Full name.
    name: String,
    /// Title, e.g. "Tổng Giám đốc".
    title: String,
    /// Identity document, when recorded.
    document: Option<CertificateDocumentView>,
}

impl From<content::RepresentativeLine> for CertificateRepresentativeView {
    fn from(c: content::RepresentativeLine) -> Self {
        Self {
            name: c.name,
            title: c.title,
            document: c.document.map(Into::into),
        }
    }
}

/// Article 1: the project.
#[derive(Object, Debug)]
#[oai(rename = "CertificateProject", skip_serializing_if_is_none)]
pub struct CertificateProjectView {
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English, if any.
    name_en: Option<String>,
    /// Objectives with VSIC codes.
    objectives: Vec<CertificateObjectiveView>,
    /// Scale.
    scale: Option<String>,
    /// Location and land.
    location: CertificateLocationView,
    /// Capital.
    capital: CertificateCapitalView,
    /// Operating duration in years.
    duration_years: i32,
    /// Implementation schedule: milestones.
    milestones: Vec<CertificateMilestoneView>,
}

impl From<content::ProjectBlock> for CertificateProjectView {
    fn from(c: content::ProjectBlock) -> Self {
        Self {
            name_vi: c.name_vi,
            name_en: c.name_en,
            objectives: c.objectives.into_iter().map(Into::into).collect(),
            scale: c.scale,
            location: c.location.into(),
            capital: c.capital.into(),
            duration_years: c.duration_years,
            milestones: c.milestones.into_iter().map(Into::into).collect(),
        }
    }
}

/// An objective.
#[derive(Object, Debug)]
#[oai(rename = "CertificateObjective", skip_serializing_if_is_none)]
pub struct CertificateObjectiveView {
    /// What the project does.
    description: String,
    /// VSIC 2018 code.
    vsic_code: String,
}

impl From<content::ObjectiveLine> for CertificateObjectiveView {
    fn from(c: content::ObjectiveLine) -> Self {
        Self {
            description: c.description,
            vsic_code: c.vsic_code,
        }
    }
}

/// Where the project is and the land it uses.
#[derive(Object, Debug)]
#[oai(rename = "CertificateLocation", skip_serializing_if_is_none)]
pub struct CertificateLocationView {
    /// Zone name, e.g. "Khu công nghiệp Nam Đông Hà", if in a zone.
    zone_name: Option<String>,
    /// Site address.
    address: Option<String>,
    /// Leased parcels.
    parcels: Vec<CertificateLandView>,
    /// Total land area used, in square decimetres (exact); 0 when none is leased yet.
    land_area_dm2: i64,
}

impl From<content::LocationBlock> for CertificateLocationView {
    fn from(c: content::LocationBlock) -> Self {
        Self {
            zone_name: c.zone_name,
            address: c.address,
            parcels: c.parcels.into_iter().map(Into::into).collect(),
            land_area_dm2: c.land_area_dm2,
        }
    }
}

/// One leased parcel.
#[derive(Object, Debug)]
#[oai(rename = "CertificateLand", skip_serializing_if_is_none)]
pub struct CertificateLandView {
    /// Parcel code in its zone, e.g. "CN-01".
    parcel_code: String,
    /// Area leased, square decimetres.
    area_dm2: i64,
    /// Lease end date.
    lease_end: Date,
}

impl From<content::LandLine> for CertificateLandView {
    fn from(c: content::LandLine) -> Self {
        Self {
            parcel_code: c.parcel_code,
            area_dm2: c.area_dm2,
            lease_end: Date(c.lease_end),
        }
    }
}

/// Investment capital (Art. 40(6)).
#[derive(Object, Debug)]
#[oai(rename = "CertificateCapital", skip_serializing_if_is_none)]
pub struct CertificateCapitalView {
    /// Total investment capital, VND.
    total_vnd: i64,
    /// USD equivalent, whole dollars.
    total_usd: Option<i64>,
    /// VND per USD.
    exchange_rate_vnd_per_usd: Option<i64>,
    /// Date of the exchange rate.
    exchange_rate_date: Option<Date>,
    /// Investors' contributed capital, VND.
    contributed_vnd: i64,
    /// Mobilised capital, VND.
    mobilized_vnd: i64,
    /// Each investor's contribution, in the order of `investors`.
    contributions: Vec<CertificateContributionView>,
}

impl From<content::CapitalBlock> for CertificateCapitalView {
    fn from(c: content::CapitalBlock) -> Self {
        Self {
            total_vnd: c.total_vnd,
            total_usd: c.total_usd,
            exchange_rate_vnd_per_usd: c.exchange_rate_vnd_per_usd,
            exchange_rate_date: c.exchange_rate_date.map(Date),
            contributed_vnd: c.contributed_vnd,
            mobilized_vnd: c.mobilized_vnd,
            contributions: c.contributions.into_iter().map(Into::into).collect(),
        }
    }
}

/// One investor's contribution.
#[derive(Object, Debug)]
#[oai(rename = "CertificateContribution", skip_serializing_if_is_none)]
pub struct CertificateContributionView {
    /// Investor name as in its block.
    investor_name: String,
    /// Amount, VND.
    capital_vnd: i64,
    /// Share of contributed capital in basis points (0.01 %); the shares add to 10 000.
    share_bp: i64,
    /// Form, as printed, e.g. "Tiền mặt".
    form: String,
    /// Schedule, e.g. "Góp đủ trong 90 ngày kể từ ngày được cấp GCNĐKĐT".
    schedule: Option<String>,
}

impl From<content::ContributionLine> for CertificateContributionView {
    fn from(c: content::ContributionLine) -> Self {
        Self {
            investor_name: c.investor_name,
            capital_vnd: c.capital_vnd,
            share_bp: c.share_bp,
            form: c.form,
            schedule: c.schedule,
        }
    }
}

/// A milestone of the implementation schedule.
#[derive(Object, Debug)]
#[oai(rename = "CertificateMilestone", skip_serializing_if_is_none)]
pub struct CertificateMilestoneView {
    /// What is done by then.
    description: String,
    /// By when.
    due_date: Date,
}

impl From<content::MilestoneLine> for CertificateMilestoneView {
    fn from(c: content::MilestoneLine) -> Self {
        Self {
            description: c.description,
            due_date: Date(c.due_date),
        }
    }
}

/// An incentive with its legal basis (Art. 40(9)).
#[derive(Object, Debug)]
#[oai(rename = "CertificateIncentive", skip_serializing_if_is_none)]
pub struct CertificateIncentiveView {
    /// The incentive.
    description: String,
    /// Legal basis.
    legal_basis: String,
    /// Conditions, if any.
    conditions: Option<String>,
}

impl From<content::IncentiveLine> for CertificateIncentiveView {
    fn from(c: content::IncentiveLine) -> Self {
        Self {
            description: c.description,
            legal_basis: c.legal_basis,
            conditions: c.conditions,
        }
    }
}

/// The person who signs (Decree 30/2020 signature block).
#[derive(Object, Debug)]
#[oai(rename = "CertificateSigner", skip_serializing_if_is_none)]
pub struct CertificateSignerView {
    /// Full name.
    full_name: String,
    /// Capacity line above the title, upper case, e.g. "KT. TRƯỞNG BAN"; `None` when the head
    /// signs in their own name.
    capacity: Option<String>,
    /// Title, upper case, e.g. "PHÓ TRƯỞNG BAN".
    title: String,
}

impl From<content::Signer> for CertificateSignerView {
    fn from(c: content::Signer) -> Self {
        Self {
            full_name: c.full_name,
            capacity: c.capacity,
            title: c.title,
        }
    }
}

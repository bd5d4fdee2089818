//! Certificate versions: their statuses, the signing keys' statuses, and how a project's registry
//! data becomes the frozen content of a certificate.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    investor::{DocType, Investor, Sex},
    lease::Lease,
    project::{ContributionForm, Project},
    string_enum,
    zone::Zone,
};
pub mod content;

use self::content::{
    CONTENT_FORMAT, CapitalBlock, CertificateContent, ContributionLine, DocumentLine,
    IncentiveLine, InvestorBlock, IssuingBody, LandLine, LocationBlock, MilestoneLine,
    ObjectiveLine, PartyKind, ProjectBlock, RepresentativeLine,
};

string_enum! {
    /// Where a certificate version stands.
    CertificateStatus {
        /// Drafted by an officer, waiting for an approver; not signed, not in force.
        Draft = "draft",
        /// Returned by the approver without issuing; kept for the record.
        Rejected = "rejected",
        /// Signed and in force.
        InForce = "in_force",
        /// Replaced by a later version.
        Superseded = "superseded",
        /// The project's operation is suspended; the certificate is not in force meanwhile.
        Suspended = "suspended",
        /// Revoked (the project was terminated); final.
        Revoked = "revoked",
    }
}

impl CertificateStatus {
    /// A version that was issued (signed), whatever happened to it since.
    pub fn was_issued(self) -> bool {
        !matches!(self, CertificateStatus::Draft | CertificateStatus::Rejected)
    }
}

string_enum! {
    /// Where a signing key stands.
    KeyStatus {
        /// Signs new certificates.
        Active = "active",
        /// No longer signs; what it signed while valid stays valid.
        Retired = "retired",
        /// Must not be trusted: every certificate it signed is flagged.
        Compromised = "compromised",
    }
}

/// A signing key's public record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Key id, hex.
    pub key_id: String,
    /// Status.
    pub status: KeyStatus,
    /// A generated development key.
    pub development: bool,
    /// The certificate's subject.
    pub subject: String,
    /// Validity start.
    pub not_before: DateTime<Utc>,
    /// Validity end.
    pub not_after: DateTime<Utc>,
    /// SPKI PEM.
    pub public_key_pem: String,
    /// Certificate chain PEM, leaf first.
    pub chain_pem: String,
    /// Why it was retired or marked compromised.
    pub status_reason: Option<String>,
    /// When retired.
    pub retired_at: Option<DateTime<Utc>>,
    /// When marked compromised.
    pub compromised_at: Option<DateTime<Utc>>,
    /// When first registered.
    pub created_at: DateTime<Utc>,
}

/// Names printed for nationalities; other codes print as the code.
fn country_vi(code: &str) -> String {
    match code {
        "VN" => "Việt Nam",
        "JP" => "Nhật Bản",
        "KR" => "Hàn Quốc",
        "CN" => "Trung Quốc",
        "TW" => "Đài Loan (Trung Quốc)",
        "HK" => "Hồng Kông (Trung Quốc)",
        "US" => "Hoa Kỳ",
        "SG" => "Singapore",
        "TH" => "Thái Lan",
        "LA" => "Lào",
        "KH" => "Campuchia",
        "MY" => "Malaysia",
        "ID" => "Indonesia",
        "PH" => "Philippines",
        "IN" => "Ấn Độ",
        "AU" => "Úc",
        "GB" => "Vương quốc Anh",
        "FR" => "Pháp",
        "DE" => "Đức",
        "NL" => "Hà Lan",
        "RU" => "Liên bang Nga",
        "CA" => "Canada",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn doc_label(t: DocType) -> &'static str {
    match t {
        DocType::Cccd => "Căn cước công dân",
        DocType::Passport => "Hộ chiếu",
        DocType::OtherIdentity => "Giấy tờ pháp lý của cá nhân",
        DocType::EnterpriseCode => "Giấy chứng nhận đăng ký doanh nghiệp, mã số doanh nghiệp",
        DocType::ForeignRegistration => "Giấy chứng nhận thành lập",
        DocType::OtherRegistration => "Quyết định thành lập",
    }
}

fn form_label(f: ContributionForm) -> &'static str {
    match f {
        ContributionForm::Cash => "Tiền mặt",
        ContributionForm::InKind => "Tài sản",
        ContributionForm::CashAndInKind => "Tiền mặt và tài sản",
    }
}

fn investor_block(inv: &Investor) -> InvestorBlock {
    let d = &inv.data;
    let individual = d.kind.is_individual();
    InvestorBlock {
        kind: if individual {
            PartyKind::Individual
        } else {
            PartyKind::Organization
        },
        name: d.name.clone(),
        honorific: d.sex.filter(|_| individual).map(|s| match s {
            Sex::Male => "Ông".to_owned(),
            Sex::Female => "Bà".to_owned(),
        }),
        sex: d.sex.filter(|_| individual).map(|s| match s {
            Sex::Male => "Nam".to_owned(),
            Sex::Female => "Nữ".to_owned(),
        }),
        date_of_birth: d.date_of_birth.filter(|_| individual),
        nationality: country_vi(&d.nationality),
        document: DocumentLine {
            label: doc_label(d.document.doc_type).to_owned(),
            number: d.document.number.clone(),
            issued_on: d.document.issue_date,
            issuer: d.document.issuer.clone(),
        },
        permanent_address: d.permanent_address.clone(),
        current_address: d.current_address.clone(),
        head_office_address: d.head_office_address.clone(),
        tax_code: d.tax_code.clone().filter(|t| *t != d.document.number),
        representative: d.representative.as_ref().map(|r| RepresentativeLine {
            name: r.name.clone(),
            title: r.title.clone(),
            document: match (r.doc_type, &r.doc_number) {
                (Some(t), Some(n)) => Some(DocumentLine {
                    label: doc_label(t).to_owned(),
                    number: n.clone(),
                    issued_on: None,
                    issuer: None,
                }),
                _ => None,
            },
        }),
    }
}

/// What a draft is made from, besides the project.
pub struct DraftInputs<'a> {
    /// The project's investors, in any order.
    pub investors: &'a [Investor],
    /// The project's zone.
    pub zone: Option<&'a Zone>,
    /// The project's active leases with their parcels' lot codes.
    pub leases: &'a [(Lease, String)],
    /// The issuing body.
    pub issuing_body: IssuingBody,
    /// The template id.
    pub template: &'a str,
    /// The template's statutory "Căn cứ" lines.
    pub statutory_basis: Vec<String>,
    /// The dossier line, e.g. "Căn cứ hồ sơ ... nộp ngày ...".
    pub dossier_line: Option<String>,
    /// The version this draft would be issued as.
    pub version: u32,
    /// The date of the first issue, for a change.
    pub first_issued_on: Option<NaiveDate>,
    /// Whether the key that will sign is a development key.
    pub development_key: bool,
    /// English labels after the Vietnamese ones.
    pub bilingual: bool,
}

/// The content of a draft: every Art. 40 fact of the project as the registry holds it now, with
/// no issue date and no signer yet.
pub fn draft_content(project: &Project, inputs: DraftInputs<'_>) -> CertificateContent {
    let p = &project.data;
    let by_id = |id: Uuid| inputs.investors.iter().find(|i| i.id == id);
    let shares = p.shares_bp();
    let investors: Vec<InvestorBlock> = p
        .investors
        .iter()
        .filter_map(|c| by_id(c.investor_id))
        .map(investor_block)
        .collect();
    let contributions = p
        .investors
        .iter()
        .zip(shares)
        .filter_map(|(c, share)| {
            by_id(c.investor_id).map(|inv| ContributionLine {
                investor_name: inv.data.name.clone(),
                capital_vnd: c.capital_vnd,
                share_bp: share,
                form: form_label(c.form).to_owned(),
                schedule: c.schedule.clone(),
            })
        })
        .collect();
    let mut parcels: Vec<LandLine> = inputs
        .leases
        .iter()
        .map(|(l, code)| LandLine {
            parcel_code: code.clone(),
            area_dm2: l.area.dm2(),
            lease_end: l.end_date,
        })
        .collect();
    parcels.sort_by(|a, b| a.parcel_code.cmp(&b.parcel_code));
    let land_area_dm2 = parcels.iter().map(|l| l.area_dm2).sum();
    let mut legal_basis = inputs.statutory_basis;
    legal_basis.extend(inputs.dossier_line);
    CertificateContent {
        format: CONTENT_FORMAT,
        template: inputs.template.to_owned(),
        issuing_body: inputs.issuing_body,
        project_code: project.project_code.clone(),
        version: inputs.version,
        first_issued_on: inputs.first_issued_on,
        issued_on: None,
        legal_basis,
        investors,
        project: ProjectBlock {
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            objectives: p
                .objectives
                .iter()
                .map(|o| ObjectiveLine {
                    description: o.description.clone(),
                    vsic_code: o.vsic_code.clone(),
                })
                .collect(),
            scale: p.scale.clone(),
            location: LocationBlock {
                zone_name: inputs.zone.map(|z| z.data.name.clone()),
                address: p.address.clone(),
                parcels,
                land_area_dm2,
            },
            capital: CapitalBlock {
                total_vnd: p.total_capital_vnd,
                total_usd: p.capital_usd,
                exchange_rate_vnd_per_usd: p.exchange_rate_vnd_per_usd,
                exchange_rate_date: p.exchange_rate_date,
                contributed_vnd: p.contributed_capital_vnd,
                mobilized_vnd: p.mobilized_capital_vnd,
                contributions,
            },
            duration_years: p.duration_years,
            milestones: p
                .milestones
                .iter()
                .map(|m| MilestoneLine {
                    description: m.description.clone(),
                    due_date: m.due_date,
                })
                .collect(),
        },
        incentives: p
            .incentives
            .iter()
            .map(|i| IncentiveLine {
                description: i.description.clone(),
                legal_basis: i.legal_basis.clone(),
                conditions: i.conditions.clone(),
            })
            .collect(),
        conditions: p.conditions.clone(),
        signer: None,
        signed_at: None,
        development_key: inputs.development_key,
        bilingual: inputs.bilingual,
    }
}

/// A certificate version as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The project's code.
    pub project_code: String,
    /// Issued version number (0 = first issue); `None` for drafts and rejected drafts.
    pub version_no: Option<i32>,
    /// Status.
    pub status: CertificateStatus,
    /// The frozen content.
    pub content: CertificateContent,
    /// SHA-256 of the content, hex, once issued.
    pub content_digest: Option<String>,
    /// The project row version the draft was made from.
    pub project_version: i32,
    /// Issue date of this version.
    pub issued_on: Option<NaiveDate>,
    /// Date of the first issue.
    pub first_issued_on: Option<NaiveDate>,
    /// When signed.
    pub signed_at: Option<DateTime<Utc>>,
    /// Signer's full name.
    pub signer_name: Option<String>,
    /// Signing key id (hex).
    pub key_id: Option<String>,
    /// SHA-256 of the signed PDF, hex.
    pub pdf_sha256: Option<String>,
    /// Size of the signed PDF in bytes.
    pub pdf_size: Option<i32>,
    /// Pages of the PDF.
    pub pages: Option<i32>,
    /// The QR seal (upper-case Base32).
    pub seal: Option<String>,
    /// Officer who drafted it.
    pub drafted_by: Option<Uuid>,
    /// Approver who issued it.
    pub approved_by: Option<Uuid>,
    /// The version that replaced it.
    pub superseded_by: Option<Uuid>,
    /// Reason of the last status change (rejection, suspension, revocation).
    pub status_reason: Option<String>,
    /// Effective date of the last status change (e.g. the revocation date).
    pub status_effective_on: Option<NaiveDate>,
    /// When the status last changed.
    pub status_changed_at: Option<DateTime<Utc>>,
    /// Row version, the ETag.
    pub row_version: i32,
    /// The one-stop dossier it was drafted for; issuing it approves the dossier.
    pub dossier_id: Option<Uuid>,
    /// Its index in the registry's Bitstring Status Lists, once issued.
    pub status_list_index: Option<i32>,
    /// When drafted.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::vietnam_date;

    #[test]
    fn a_certificate_signed_late_at_night_utc_is_dated_the_next_day_in_vietnam() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            vietnam_date(at),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        let at = DateTime::parse_from_rfc3339("2026-11-29T16:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            vietnam_date(at),
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        );
    }

    #[test]
    fn only_signed_versions_count_as_issued() {
        use CertificateStatus::*;
        for s in [InForce, Superseded, Suspended, Revoked] {
            assert!(s.was_issued(), "{s}");
        }
        for s in [Draft, Rejected] {
            assert!(!s.was_issued(), "{s}");
        }
    }
}

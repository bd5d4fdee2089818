//! Investors: individuals and organisations, domestic and foreign (Law on Investment, Art. 3, 23).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    FieldViolation, Violations, country, string_enum,
    text::{check_line, clean, clean_optional},
};

string_enum! {
    /// Who the investor is.
    InvestorKind {
        /// Vietnamese citizen.
        DomesticIndividual = "domestic_individual",
        /// Organisation established in Viet Nam (including foreign-invested ones).
        DomesticOrganization = "domestic_organization",
        /// Individual of foreign nationality.
        ForeignIndividual = "foreign_individual",
        /// Organisation established under foreign law.
        ForeignOrganization = "foreign_organization",
    }
}

/// A percentage (0 to 100, at most two decimals) in basis points, as foreign ownership is
/// stored; the error says what is wrong with it.
pub fn percent_to_bp(percent: f64) -> Result<i32, &'static str> {
    let bp = (percent * 100.0).round();
    if !(0.0..=10_000.0).contains(&bp) {
        Err("must be from 0 to 100")
    } else if (percent * 100.0 - bp).abs() > 1e-6 {
        Err("must have at most two decimals")
    } else {
        Ok(bp as i32)
    }
}

impl InvestorKind {
    /// Individuals (as opposed to organisations).
    pub fn is_individual(self) -> bool {
        matches!(
            self,
            InvestorKind::DomesticIndividual | InvestorKind::ForeignIndividual
        )
    }

    /// Foreign investors.
    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            InvestorKind::ForeignIndividual | InvestorKind::ForeignOrganization
        )
    }
}

string_enum! {
    /// Sex of an individual, as on the identity document.
    Sex {
        /// Nam.
        Male = "male",
        /// Nữ.
        Female = "female",
    }
}

string_enum! {
    /// The document that identifies the investor.
    DocType {
        /// Căn cước công dân / căn cước: 12 digits.
        Cccd = "cccd",
        /// Passport.
        Passport = "passport",
        /// Another legal identity document.
        OtherIdentity = "other_identity",
        /// Mã số doanh nghiệp: 10 digits, or 13 (10-3) for a dependent unit.
        EnterpriseCode = "enterprise_code",
        /// A registration under foreign law.
        ForeignRegistration = "foreign_registration",
        /// Another establishment document (decision, licence).
        OtherRegistration = "other_registration",
    }
}

impl DocType {
    /// Documents of individuals.
    pub fn identifies_individuals(self) -> bool {
        matches!(
            self,
            DocType::Cccd | DocType::Passport | DocType::OtherIdentity
        )
    }
}

/// An identity or establishment document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Kind of document.
    pub doc_type: DocType,
    /// Its number, normalised.
    pub number: String,
    /// Date of issue.
    pub issue_date: Option<NaiveDate>,
    /// Place of issue or issuing body.
    pub issuer: Option<String>,
}

/// An organisation's legal representative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representative {
    /// Full name.
    pub name: String,
    /// Title, e.g. "Tổng Giám đốc".
    pub title: String,
    /// Identity document kind.
    pub doc_type: Option<DocType>,
    /// Identity document number.
    pub doc_number: Option<String>,
}

/// Every editable fact about an investor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestorData {
    /// Kind.
    pub kind: InvestorKind,
    /// Full name (individuals) or registered name (organisations).
    pub name: String,
    /// Individuals: sex.
    pub sex: Option<Sex>,
    /// Individuals: date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// ISO 3166-1 alpha-2 nationality or country of establishment.
    pub nationality: String,
    /// Identity or establishment document.
    pub document: Document,
    /// Individuals: permanent address.
    pub permanent_address: Option<String>,
    /// Individuals: current address.
    pub current_address: Option<String>,
    /// Tax code.
    pub tax_code: Option<String>,
    /// Organisations: head office address.
    pub head_office_address: Option<String>,
    /// Organisations: legal representative.
    pub representative: Option<Representative>,
    /// Organisations: foreign ownership in basis points (0.01 %).
    pub foreign_ownership_bp: Option<i32>,
    /// Free note.
    pub note: Option<String>,
}

super::patch! {
    /// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
    InvestorPatch for InvestorData {
        /// New kind.
        kind: InvestorKind,
        /// New name.
        name: String,
        /// New or cleared sex.
        sex: Option<Sex>,
        /// New or cleared date of birth.
        date_of_birth: Option<NaiveDate>,
        /// New nationality.
        nationality: String,
        /// New identity or establishment document.
        document: Document,
        /// New or cleared permanent address.
        permanent_address: Option<String>,
        /// New or cleared current address.
        current_address: Option<String>,
        /// New or cleared tax code.
        tax_code: Option<String>,
        /// New or cleared head office address.
        head_office_address: Option<String>,
        /// New or cleared legal representative.
        representative: Option<Representative>,
        /// New or cleared foreign ownership, basis points.
        foreign_ownership_bp: Option<i32>,
        /// New or cleared note.
        note: Option<String>,
    }
}

/// Filters of the investor list.
#[derive(Debug, Default, Clone)]
pub struct InvestorFilter {
    /// Words of the name, compared without diacritics or case.
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<InvestorKind>,
    /// Only this nationality.
    pub nationality: Option<String>,
}

/// An investor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Investor {
    /// Identifier.
    pub id: Uuid,
    /// The facts.
    pub data: InvestorData,
    /// Row version, the ETag.
    pub version: i32,
    /// When registered here.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl InvestorData {
    /// Art. 23(1): foreign investors, and organisations more than 50 % foreign-owned, follow the
    /// foreign-investor procedure.
    pub fn foreign_investor_procedure(&self) -> bool {
        self.kind.is_foreign() || self.foreign_ownership_bp.is_some_and(|bp| bp > 5000)
    }

    /// Cleans text and normalises codes and document numbers.
    pub fn normalize(&mut self) {
        self.name = clean(&self.name);
        self.nationality = self.nationality.trim().to_ascii_uppercase();
        self.document.number = normalize_doc_number(self.document.doc_type, &self.document.number);
        self.document.issuer = clean_optional(self.document.issuer.as_deref());
        self.permanent_address = clean_optional(self.permanent_address.as_deref());
        self.current_address = clean_optional(self.current_address.as_deref());
        self.tax_code = clean_optional(self.tax_code.as_deref())
            .map(|t| normalize_doc_number(DocType::EnterpriseCode, &t));
        self.head_office_address = clean_optional(self.head_office_address.as_deref());
        self.note = clean_optional(self.note.as_deref());
        if let Some(r) = &mut self.representative {
            r.name = clean(&r.name);
            r.title = clean(&r.title);
            r.doc_number = clean_optional(r.doc_number.as_deref()).map(|n| n.to_ascii_uppercase());
        }
    }

    /// Every rule; `today` is the Vietnamese date.
    pub fn check(&self, today: NaiveDate) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::default();
        let mut line = |field: &str, value: &str, max: usize| {
            if let Err(e) = check_line(value) {
                v.push(FieldViolation::new(
                    field,
                    e.code.to_string(),
                    e.message.unwrap_or_default().to_string(),
                ));
            } else if value.chars().count() > max {
                v.push(FieldViolation::new(
                    field,
                    "too_long",
                    format!("must be at most {max} characters"),
                ));
            }
        };
        line("name", &self.name, 255);
        if let Some(i) = &self.document.issuer {
            line("document.issuer", i, 255);
        }
        for (field, value) in [
            ("permanent_address", &self.permanent_address),
            ("current_address", &self.current_address),
            ("head_office_address", &self.head_office_address),
        ] {
            if let Some(a) = value {
                line(field, a, 500);
            }
        }
        if let Some(r) = &self.representative {
            line("representative.name", &r.name, 255);
            line("representative.title", &r.title, 255);
            if let Some(n) = &r.doc_number {
                line("representative.doc_number", n, 64);
            }
        }
        if let Some(t) = &self.tax_code {
            line("tax_code", t, 32);
        }
        if let Some(n) = &self.note {
            line("note", n, 2000);
        }
        if !country::is_alpha2(&self.nationality) {
            v.push(FieldViolation::new(
                "nationality",
                "invalid_country",
                "must be an ISO 3166-1 alpha-2 code such as VN, JP, KR",
            ));
        } else if self.kind.is_foreign() == (self.nationality == country::VIET_NAM) {
            v.push(FieldViolation::new(
                "nationality",
                "kind_mismatch",
                if self.kind.is_foreign() {
                    "a foreign investor cannot have Vietnamese nationality"
                } else {
                    "a domestic investor has Vietnamese nationality (VN)"
                },
            ));
        }
        let doc = &self.document;
        if doc.doc_type.identifies_individuals() != self.kind.is_individual() {
            v.push(FieldViolation::new(
                "document.doc_type",
                "kind_mismatch",
                if self.kind.is_individual() {
                    "individuals are identified by cccd, passport or other_identity"
                } else {
                    "organisations are identified by enterprise_code, foreign_registration or other_registration"
                },
            ));
        }
        if let Err(message) = check_doc_number(doc.doc_type, &doc.number) {
            v.push(FieldViolation::new(
                "document.number",
                "invalid_format",
                message,
            ));
        }
        if doc.doc_type == DocType::Cccd && self.kind != InvestorKind::DomesticIndividual {
            v.push(FieldViolation::new(
                "document.doc_type",
                "kind_mismatch",
                "only Vietnamese citizens hold a CCCD",
            ));
        }
        if doc.doc_type == DocType::EnterpriseCode
            && self.kind != InvestorKind::DomesticOrganization
        {
            v.push(FieldViolation::new(
                "document.doc_type",
                "kind_mismatch",
                "enterprise codes identify organisations established in Viet Nam",
            ));
        }
        if let Some(d) = doc.issue_date {
            if d > today {
                v.push(FieldViolation::new(
                    "document.issue_date",
                    "in_the_future",
                    "must not be in the future",
                ));
            }
            if self.date_of_birth.is_some_and(|b| d < b) {
                v.push(FieldViolation::new(
                    "document.issue_date",
                    "before_birth",
                    "must be after the date of birth",
                ));
            }
        }
        if let Some(t) = &self.tax_code
            && check_enterprise_code(t).is_err()
        {
            v.push(FieldViolation::new(
                "tax_code",
                "invalid_format",
                "must be 10 digits, or 10-3 digits for a dependent unit",
            ));
        }
        if self.kind.is_individual() {
            if self.sex.is_none() {
                v.push(FieldViolation::new(
                    "sex",
                    "required",
                    "is required for individuals",
                ));
            }
            match self.date_of_birth {
                None => v.push(FieldViolation::new(
                    "date_of_birth",
                    "required",
                    "is required for individuals",
                )),
                Some(b) if b > today || b.year_ce().1 < 1900 => v.push(FieldViolation::new(
                    "date_of_birth",
                    "out_of_range",
                    "must be a real past date",
                )),
                Some(_) => {}
            }
            for (field, present) in [
                ("head_office_address", self.head_office_address.is_some()),
                ("representative", self.representative.is_some()),
                (
                    "foreign_ownership_percent",
                    self.foreign_ownership_bp.is_some(),
                ),
            ] {
                if present {
                    v.push(FieldViolation::new(
                        field,
                        "not_allowed",
                        "applies to organisations only",
                    ));
                }
            }
        } else {
            for (field, present) in [
                ("sex", self.sex.is_some()),
                ("date_of_birth", self.date_of_birth.is_some()),
                ("permanent_address", self.permanent_address.is_some()),
                ("current_address", self.current_address.is_some()),
            ] {
                if present {
                    v.push(FieldViolation::new(
                        field,
                        "not_allowed",
                        "applies to individuals only",
                    ));
                }
            }
            if self.head_office_address.is_none() {
                v.push(FieldViolation::new(
                    "head_office_address",
                    "required",
                    "is required for organisations",
                ));
            }
            if self.representative.is_none() {
                v.push(FieldViolation::new(
                    "representative",
                    "required",
                    "is required for organisations",
                ));
            }
            if let Some(bp) = self.foreign_ownership_bp
                && !(0..=10_000).contains(&bp)
            {
                v.push(FieldViolation::new(
                    "foreign_ownership_percent",
                    "out_of_range",
                    "must be from 0 to 100",
                ));
            }
            if self.kind == InvestorKind::ForeignOrganization && self.foreign_ownership_bp.is_some()
            {
                v.push(FieldViolation::new(
                    "foreign_ownership_percent",
                    "not_allowed",
                    "applies to organisations established in Viet Nam",
                ));
            }
        }
        v.finish()
    }
}

use chrono::Datelike;

/// Normalises a document number as typed.
pub fn normalize_doc_number(doc_type: DocType, number: &str) -> String {
    let trimmed: String = number.split_whitespace().collect::<Vec<_>>().join("");
    match doc_type {
        DocType::EnterpriseCode => normalize_enterprise_code(&trimmed),
        _ => trimmed.to_ascii_uppercase(),
    }
}

/// "0123456789001" and "0123456789-001" both become "0123456789-001".
pub fn normalize_enterprise_code(code: &str) -> String {
    let code = code.trim();
    if code.len() == 13 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &code[..10], &code[10..])
    } else {
        code.to_owned()
    }
}

fn check_enterprise_code(code: &str) -> Result<(), &'static str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match code.split_once('-') {
        None => digits(code, 10),
        Some((a, b)) => digits(a, 10) && digits(b, 3),
    };
    if ok {
        Ok(())
    } else {
        Err("must be 10 digits, or 10-3 digits for a dependent unit")
    }
}

fn check_doc_number(doc_type: DocType, number: &str) -> Result<(), &'static str> {
    match doc_type {
        DocType::Cccd => {
            if number.len() == 12 && number.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err("a CCCD number is 12 digits")
            }
        }
        DocType::EnterpriseCode => check_enterprise_code(number),
        DocType::Passport => {
            if (6..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                Ok(())
            } else {
                Err("a passport number is 6-20 letters and digits")
            }
        }
        _ => {
            if (1..=64).contains(&number.chars().count()) && !number.chars().any(char::is_control) {
                Ok(())
            } else {
                Err("must be 1-64 characters")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company() -> InvestorData {
        InvestorData {
            kind: InvestorKind::DomesticOrganization,
            name: "Công ty Cổ phần Điện tử Ánh Dương".into(),
            sex: None,
            date_of_birth: None,
            nationality: "VN".into(),
            document: Document {
                doc_type: DocType::EnterpriseCode,
                number: "3200123456".into(),
                issue_date: NaiveDate::from_ymd_opt(2015, 6, 1),
                issuer: Some("Sở Kế hoạch và Đầu tư tỉnh Quảng Trị".into()),
            },
            permanent_address: None,
            current_address: None,
            tax_code: Some("3200123456".into()),
            head_office_address: Some("Đông Hà, Quảng Trị".into()),
            representative: Some(Representative {
                name: "Nguyễn Văn An".into(),
                title: "Giám đốc".into(),
                doc_type: Some(DocType::Cccd),
                doc_number: Some("045089001234".into()),
            }),
            foreign_ownership_bp: Some(5100),
            note: None,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn codes(r: Result<(), Vec<FieldViolation>>) -> Vec<String> {
        r.unwrap_err()
            .into_iter()
            .map(|v| format!("{}:{}", v.field, v.code))
            .collect()
    }

    #[test]
    fn over_half_foreign_owned_follows_the_foreign_investor_procedure() {
        let mut c = company();
        assert!(c.check(today()).is_ok());
        assert!(c.foreign_investor_procedure());
        c.foreign_ownership_bp = Some(5000);
        assert!(
            !c.foreign_investor_procedure(),
            "exactly 50 % is not more than half"
        );
    }

    #[test]
    fn enterprise_codes_of_dependent_units_are_normalised() {
        assert_eq!(normalize_enterprise_code("3200123456001"), "3200123456-001");
        assert!(check_enterprise_code("3200123456-001").is_ok());
        assert!(check_enterprise_code("320012345").is_err());
    }

    #[test]
    fn kind_nationality_and_document_must_agree() {
        let mut c = company();
        c.nationality = "JP".into();
        c.document.number = "12345".into();
        assert_eq!(
            codes(c.check(today())),
            [
                "document.number:invalid_format",
                "nationality:kind_mismatch"
            ]
        );
        let mut p = company();
        p.kind = InvestorKind::ForeignIndividual;
        assert!(codes(p.check(today())).contains(&"sex:required".to_owned()));
    }
}

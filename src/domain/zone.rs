//! Industrial parks (KCN) and economic zones (KKT).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use validator::{Validate, ValidationError, ValidationErrors};

use super::{
    area::Area,
    invalid, string_enum,
    text::{check_line, clean, clean_optional},
};

string_enum! {
    /// What kind of zone this is.
    ZoneKind {
        /// Khu công nghiệp (KCN).
        IndustrialPark = "industrial_park",
        /// Khu chế xuất (KCX).
        ExportProcessingZone = "export_processing_zone",
        /// Khu kinh tế (KKT), including coastal economic zones.
        EconomicZone = "economic_zone",
        /// Khu kinh tế cửa khẩu, including special border trade zones.
        BorderEconomicZone = "border_economic_zone",
    }
}

impl ZoneKind {
    /// Economic zones can contain industrial parks; parks cannot contain zones.
    pub fn can_contain_others(self) -> bool {
        matches!(self, ZoneKind::EconomicZone | ZoneKind::BorderEconomicZone)
    }
}

string_enum! {
    /// Where the zone stands in its life.
    ZoneStatus {
        /// Đang hoạt động.
        Operating = "operating",
        /// Đang xây dựng hạ tầng.
        UnderConstruction = "under_construction",
        /// Đã quy hoạch, chưa thành lập.
        Planned = "planned",
    }
}

/// Every editable fact about a zone, as the client names it.
#[derive(Debug, Clone, PartialEq, Validate)]
pub struct ZoneData {
    /// Short stable code, e.g. `KCN-NDH`.
    #[validate(custom(function = "check_zone_code"))]
    pub code: String,
    /// Official name in Vietnamese.
    #[validate(length(max = 255), custom(function = "check_line"))]
    pub name: String,
    /// Kind of zone.
    pub kind: ZoneKind,
    /// Province the zone lies in.
    #[validate(length(max = 100), custom(function = "check_line"))]
    pub province: String,
    /// The economic zone that contains this one, if any.
    pub parent_id: Option<Uuid>,
    /// Total planned area.
    pub total_area_m2: Area,
    /// Industrial plus service land (the denominator of the occupancy rate).
    pub industrial_service_area_m2: Option<Area>,
    /// Infrastructure developer.
    #[validate(length(max = 255), custom(function = "check_line"))]
    pub developer: Option<String>,
    /// Start of the operating term.
    pub term_start: Option<NaiveDate>,
    /// End of the operating term.
    pub term_end: Option<NaiveDate>,
    /// Life-cycle status.
    pub status: ZoneStatus,
    /// When the published figures were true: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[validate(custom(function = "check_partial_date"))]
    pub figures_as_of: Option<String>,
    /// Where the figures come from.
    #[validate(length(max = 1000), custom(function = "check_line"))]
    pub source: Option<String>,
}

impl ZoneData {
    /// Field rules (validator) plus the rules that relate fields to each other.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = match self.validate() {
            Ok(()) => ValidationErrors::new(),
            Err(e) => e,
        };
        if let Some(land) = self.industrial_service_area_m2
            && land > self.total_area_m2
        {
            errors.add(
                "industrial_service_area_m2",
                invalid("exceeds_total", "must not exceed total_area_m2"),
            );
        }
        if let (Some(start), Some(end)) = (self.term_start, self.term_end)
            && end <= start
        {
            errors.add(
                "term_end",
                invalid("before_start", "must be after term_start"),
            );
        }
        if self.term_end.is_some() && self.term_start.is_none() {
            errors.add(
                "term_start",
                invalid("required", "is required when term_end is given"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl ZoneData {
    /// Cleans text as typed: NFC, trimmed, single spaces; codes in upper case; blanks become none.
    pub fn normalize(&mut self) {
        self.code = normalize_code(&self.code);
        self.name = clean(&self.name);
        self.province = clean(&self.province);
        self.developer = clean_optional(self.developer.as_deref());
        self.figures_as_of = clean_optional(self.figures_as_of.as_deref());
        self.source = clean_optional(self.source.as_deref());
    }
}

super::patch! {
    /// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
    ZonePatch for ZoneData {
        /// New code.
        code: String,
        /// New name.
        name: String,
        /// New kind.
        kind: ZoneKind,
        /// New province.
        province: String,
        /// New or cleared parent.
        parent_id: Option<Uuid>,
        /// New total area.
        total_area_m2: Area,
        /// New or cleared industrial + service land area.
        industrial_service_area_m2: Option<Area>,
        /// New or cleared developer.
        developer: Option<String>,
        /// New or cleared term start.
        term_start: Option<NaiveDate>,
        /// New or cleared term end.
        term_end: Option<NaiveDate>,
        /// New status.
        status: ZoneStatus,
        /// New or cleared as-of date of the figures.
        figures_as_of: Option<String>,
        /// New or cleared source.
        source: Option<String>,
    }
}

/// Filters of the zone list.
#[derive(Debug, Default, Clone)]
pub struct ZoneFilter {
    /// Only zones of this kind.
    pub kind: Option<ZoneKind>,
    /// Only zones in this status.
    pub status: Option<ZoneStatus>,
    /// Only zones inside this economic zone.
    pub parent_id: Option<Uuid>,
}

/// A zone as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Identifier.
    pub id: Uuid,
    /// The editable facts.
    pub data: ZoneData,
    /// Row version, the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Zone codes: upper-case letters, digits and hyphens, 2 to 32 characters, starting with a letter.
pub fn check_zone_code(code: &str) -> Result<(), ValidationError> {
    let ok = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !code.ends_with('-')
        && !code.contains("--");
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "invalid_format",
            "must be 2-32 characters: letters A-Z, digits and single hyphens, starting with a letter (e.g. KCN-NDH)",
        ))
    }
}

/// Normalises a zone code as typed ("kcn-ndh " -> "KCN-NDH").
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (ISO 8601 reduced precision), a real date, not in the future
/// by more than a year.
pub fn check_partial_date(text: &str) -> Result<(), ValidationError> {
    let err = || {
        invalid(
            "invalid_date",
            "must be a date written YYYY, YYYY-MM or YYYY-MM-DD",
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let year_ok =
        |y: &str| y.len() == 4 && y.parse::<i32>().is_ok_and(|y| (1900..=2200).contains(&y));
    let valid = match parts.as_slice() {
        [y] => year_ok(y),
        [y, m] => {
            year_ok(y) && m.len() == 2 && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        }
        [_, _, _] => NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10,
        _ => false,
    };
    if valid { Ok(()) } else { Err(err()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ZoneData {
        ZoneData {
            code: "KCN-NDH".into(),
            name: "Khu công nghiệp Nam Đông Hà".into(),
            kind: ZoneKind::IndustrialPark,
            province: "Quảng Trị".into(),
            parent_id: None,
            total_area_m2: Area::parse_ha("98.754").unwrap(),
            industrial_service_area_m2: None,
            developer: None,
            term_start: None,
            term_end: None,
            status: ZoneStatus::Operating,
            figures_as_of: Some("2022".into()),
            source: None,
        }
    }

    fn fields(r: Result<(), ValidationErrors>) -> Vec<String> {
        super::super::violations_from(&r.unwrap_err())
            .into_iter()
            .map(|v| format!("{}:{}", v.field, v.code))
            .collect()
    }

    #[test]
    fn a_published_zone_is_valid() {
        assert!(sample().check().is_ok());
    }

    #[test]
    fn codes_are_short_upper_case_and_hyphenated() {
        for ok in ["KCN-NDH", "KKT-DNQT", "KCX1"] {
            assert!(check_zone_code(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "K", "kcn-ndh", "1KCN", "KCN-", "KCN--A", "KCN NDH", "KĐT",
        ] {
            assert!(check_zone_code(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_code(" kcn-ndh "), "KCN-NDH");
    }

    #[test]
    fn land_area_cannot_exceed_total_and_term_must_end_after_start() {
        let mut z = sample();
        z.industrial_service_area_m2 = Some(Area::parse_ha("100").unwrap());
        z.term_start = NaiveDate::from_ymd_opt(2071, 3, 19);
        z.term_end = NaiveDate::from_ymd_opt(2021, 3, 19);
        assert_eq!(
            fields(z.check()),
            [
                "industrial_service_area_m2:exceeds_total",
                "term_end:before_start"
            ]
        );
    }

    #[test]
    fn names_must_not_be_blank() {
        let mut z = sample();
        z.name = " ".into();
        assert_eq!(fields(z.check()), ["name:blank"]);
    }

    #[test]
    fn partial_dates() {
        for ok in ["2009", "2022-04", "2022-04-13"] {
            assert!(check_partial_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "22",
            "2022-13",
            "2022-02-30",
            "2022-4-1",
            "soon",
            "2022-04-13-01",
        ] {
            assert!(check_partial_date(bad).is_err(), "{bad}");
        }
    }
}

//! Parcel leases (sub-leases of zone land to a project).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use super::{FieldViolation, Violations, area::Area};

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Identifier.
    pub id: Uuid,
    /// The tenant project.
    pub project_id: Uuid,
    /// The parcel.
    pub parcel_id: Uuid,
    /// Area leased.
    pub area: Area,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// When released, if it was.
    pub released_at: Option<DateTime<Utc>>,
    /// Why it was released.
    pub release_reason: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// What a new lease must fit.
#[derive(Debug, Clone, Copy)]
pub struct LeaseBounds {
    /// The parcel's area.
    pub parcel_area: Area,
    /// The last day of the zone's term, if known.
    pub zone_term_end: Option<NaiveDate>,
    /// The project's operating duration in years.
    pub project_duration_years: i32,
}

/// The lease term must lie within the zone's term and not outlast the project's duration; the area
/// must be positive and not more than the parcel's.
pub fn check_lease(
    area: Area,
    start: NaiveDate,
    end: NaiveDate,
    bounds: LeaseBounds,
) -> Result<(), Vec<FieldViolation>> {
    let mut v = Violations::default();
    if area > bounds.parcel_area {
        v.push(FieldViolation::new(
            "area_m2",
            "exceeds_parcel",
            format!("must not exceed the parcel's area ({})", bounds.parcel_area),
        ));
    }
    if end <= start {
        v.push(FieldViolation::new(
            "end_date",
            "before_start",
            "must be after start_date",
        ));
    }
    if let Some(term_end) = bounds.zone_term_end
        && end > term_end
    {
        v.push(FieldViolation::new(
            "end_date",
            "after_zone_term",
            format!("must not be after the end of the zone's term ({term_end})"),
        ));
    }
    let latest = add_years(start, bounds.project_duration_years);
    if end > latest {
        v.push(FieldViolation::new(
            "end_date",
            "exceeds_project_duration",
            format!(
                "must not be after {latest}: the project's duration is {} years",
                bounds.project_duration_years
            ),
        ));
    }
    v.finish()
}

/// The same day `years` later (29 February becomes 28 February).
pub fn add_years(date: NaiveDate, years: i32) -> NaiveDate {
    let year = date.year() + years;
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn lease_terms_fit_the_zone_and_the_project() {
        let bounds = LeaseBounds {
            parcel_area: Area::parse_m2("10000").unwrap(),
            zone_term_end: Some(d(2071, 3, 19)),
            project_duration_years: 50,
        };
        let area = Area::parse_m2("5000").unwrap();
        assert!(check_lease(area, d(2026, 12, 1), d(2071, 3, 19), bounds).is_ok());
        let codes = |r: Result<(), Vec<FieldViolation>>| -> Vec<String> {
            r.unwrap_err()
                .into_iter()
                .map(|v| format!("{}:{}", v.field, v.code))
                .collect()
        };
        assert_eq!(
            codes(check_lease(area, d(2026, 12, 1), d(2072, 1, 1), bounds)),
            ["end_date:after_zone_term"]
        );
        assert_eq!(
            codes(check_lease(area, d(2010, 1, 1), d(2061, 1, 1), bounds)),
            ["end_date:exceeds_project_duration"]
        );
        assert_eq!(
            codes(check_lease(
                Area::parse_m2("10000.01").unwrap(),
                d(2026, 1, 1),
                d(2030, 1, 1),
                bounds
            )),
            ["area_m2:exceeds_parcel"]
        );
        assert_eq!(add_years(d(2024, 2, 29), 1), d(2025, 2, 28));
    }
}

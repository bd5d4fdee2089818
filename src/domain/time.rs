//! Legal time: dates on documents and deadlines are dates in Vietnam (Asia/Ho_Chi_Minh, UTC+7, no
//! daylight saving). This is the one place that knows the offset.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Vietnam's offset from UTC, in seconds.
const VIETNAM_OFFSET_SECONDS: i32 = 7 * 3600;

/// Vietnam's time zone.
pub fn vietnam() -> FixedOffset {
    // 7 hours is within FixedOffset's range; the fallback is unreachable.
    FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS).unwrap_or(chrono::Offset::fix(&Utc))
}

/// The Vietnamese calendar date of an instant (a certificate signed at 23:30 UTC is dated the next
/// day).
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// The first instant of a Vietnamese day, in UTC.
pub fn vietnam_day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(vietnam())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The first instant of a Vietnamese calendar year, in UTC.
pub fn vietnam_year_start(year: i32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, 1, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(vietnam())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Signing time in ISO 8601 in Vietnam time: "2026-11-30T10:13:20+07:00".
pub fn iso_vietnam(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_evening_utc_is_the_next_day_in_vietnam() {
        let t = DateTime::from_timestamp(1_796_081_400, 0).unwrap();
        assert_eq!(iso_vietnam(t), "2026-12-01T06:30:00+07:00");
        let late = DateTime::parse_from_rfc3339("2026-11-29T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            vietnam_date(late),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(
            vietnam_year_start(2026).unwrap().to_rfc3339(),
            "2025-12-31T17:00:00+00:00"
        );
    }
}

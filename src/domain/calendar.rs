//! Working days and statutory deadlines.
//!
//! # Counting rules
//! Civil Code 2015 Art. 147-148: a period starts on the day *after* the event (here: receipt of a
//! complete dossier) and ends at the end of its last day; a last day that is not a working day moves
//! to the next working day. A deadline in "days" (ngày) counts calendar days; one in "working days"
//! (ngày làm việc) counts only working days.
//!
//! A working day is a Monday-to-Friday that is not a day off, or a Saturday or Sunday the government
//! has declared a working day in exchange for a weekday off. Public holidays (Labour Code 2019
//! Art. 112), their compensatory days and swaps are fixed each year, partly by the lunar calendar,
//! so they are not computed here: they come from an admin-maintained table of [`CalendarDay`] rows,
//! and a date without a row follows the Monday-to-Friday week. A swapped working Saturday is a
//! working day for the agency, so a period whose last day falls on one ends there.
//!
//! # Worked examples
//! With the 2025-2026 seed rows (Tết Ất Tỵ: off Sat 25 Jan to Sun 2 Feb 2025, Mon 27 Jan swapped
//! against Sat 8 Feb; Tết Bính Ngọ: no working day from Sat 14 to Sun 22 Feb 2026; 30 Apr and 1 May;
//! Hùng Kings; National Day; see the seed for the rest). The unit test `worked_examples` checks
//! this very table.
//!
//! | Event (receipt)  | Deadline        | Last day         | Why |
//! |------------------|-----------------|------------------|-----|
//! | Fri 13/02/2026   | 3 working days  | Wed 25/02/2026   | Tết: 23, 24, 25 Feb are the first working days after the event |
//! | Fri 13/02/2026   | 15 working days | Fri 13/03/2026   | three full weeks from Mon 23 Feb |
//! | Fri 13/02/2026   | 5 days          | Mon 23/02/2026   | Wed 18 Feb (mùng 2 Tết) is off: moves to the next working day |
//! | Fri 13/02/2026   | 10 days         | Mon 23/02/2026   | 13 + 10 = 23 Feb, a working day |
//! | Fri 13/02/2026   | 15 days         | Mon 02/03/2026   | Sat 28 Feb moves to Monday |
//! | Sat 14/02/2026   | 0 working days  | Mon 23/02/2026   | a deadline of 0 is the event day, moved to a working day |
//! | Fri 07/02/2025   | 1 working day   | Sat 08/02/2025   | Sat 8 Feb 2025 is a swapped working Saturday |
//! | Fri 24/01/2025   | 1 working day   | Mon 03/02/2025   | Mon 27 Jan is swapped off, 28-31 Jan are Tết |
//! | Fri 24/01/2025   | 6 working days  | Sat 08/02/2025   | 3-7 Feb, then the working Saturday |
//! | Fri 17/01/2025   | 10 days         | Mon 03/02/2025   | lands on Mon 27 Jan, a swapped day off |
//! | Wed 29/01/2025   | 10 days         | Sat 08/02/2025   | lands on the working Saturday and stays |
//! | Tue 29/04/2025   | 1 working day   | Mon 05/05/2025   | 30 Apr, 1 May, Fri 2 May swapped off, weekend |
//! | Fri 25/04/2025   | 1 working day   | Sat 26/04/2025   | swapped working Saturday |
//! | Mon 20/04/2026   | 10 days         | Mon 04/05/2026   | lands on Thu 30 Apr; Fri 1 May, weekend |
//! | Wed 03/06/2026   | 10 days         | Mon 15/06/2026   | lands on Sat 13 Jun |
//! | Fri 05/06/2026   | 1 working day   | Mon 08/06/2026   | Friday receipt, first working day after it |
//! | Fri 24/04/2026   | 1 working day   | Tue 28/04/2026   | Mon 27 Apr is the compensatory day for Hùng Kings on Sun 26 Apr |
//! | Wed 31/12/2025   | 1 working day   | Mon 05/01/2026   | 1 Jan, Fri 2 Jan swapped off, weekend |
//! | Fri 21/08/2026   | 1 working day   | Sat 22/08/2026   | swapped working Saturday |
//! | Fri 28/08/2026   | 1 working day   | Thu 03/09/2026   | Mon 31 Aug swapped off, 1-2 Sep National Day |
//!
//! Working days between two dates count the days in (from, to]: from Fri 24/01/2025 to
//! Sat 08/02/2025 there are 6; a dossier due Wed 25/02/2026 and finished Fri 27/02/2026 is late by 2.
//!
//! # Bounded work
//! Nothing here walks the calendar day by day. Working days in a range are counted from whole weeks
//! plus the table rows inside the range, and the n-th working day is found by bisecting a range
//! whose length follows from n and the number of rows, in at most [`MAX_BISECTION_STEPS`] steps. So
//! a huge n from a query string costs microseconds, not a loop, and a count that would run past the
//! last date `chrono` can represent stops at that date.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// What a calendar row makes of its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A public holiday on a weekday (Labour Code 2019 Art. 112).
    Holiday,
    /// A weekday off in place of a holiday that fell on a weekend (Labour Code 2019 Art. 111(3)).
    Compensatory,
    /// A weekday off by a government-declared swap, worked back on a [`DayKind::Working`] day.
    DayOff,
    /// A Saturday or Sunday declared a working day by a swap.
    Working,
}

impl DayKind {
    /// Every kind, in the order an admin form lists them.
    pub const ALL: [DayKind; 4] = [
        DayKind::Holiday,
        DayKind::Compensatory,
        DayKind::DayOff,
        DayKind::Working,
    ];

    /// The kind as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Compensatory => "compensatory",
            DayKind::DayOff => "day_off",
            DayKind::Working => "working",
        }
    }

    /// The kind spelled by [`DayKind::as_str`], or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a date with this row is a working day: only a swapped working weekend day is; the
    /// other three kinds make a weekday a day off.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Working)
    }
}

/// One row of the calendar table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// What the row makes of it.
    pub kind: DayKind,
    /// Short Vietnamese name, e.g. "Nghỉ bù Giỗ Tổ Hùng Vương".
    pub name: String,
    /// Legal basis or publication the row rests on, so an admin can check it.
    pub source: String,
}

/// A row must change its date: a `Working` row must fall on a Saturday or Sunday (a weekday
/// already works) and any other kind on Monday to Friday (a weekend is already off, and a holiday
/// on a weekend is not a row: its compensatory weekday is). The message is meant for the API.
pub fn check_day(date: NaiveDate, kind: DayKind) -> Result<(), &'static str> {
    match (kind.is_working(), is_weekend(date)) {
        (true, false) => Err(
            "a working row must fall on a Saturday or Sunday: Monday to Friday is already a working day",
        ),
        (false, true) => Err(
            "a holiday, compensatory or day-off row must fall on Monday to Friday: a weekend is \
             already off (for a holiday on a weekend, add its compensatory weekday instead)",
        ),
        _ => Ok(()),
    }
}

/// How a deadline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineUnit {
    /// "ngày": calendar days, the last one moved to a working day.
    CalendarDays,
    /// "ngày làm việc": working days only.
    WorkingDays,
}

impl DeadlineUnit {
    /// Every unit.
    pub const ALL: [DeadlineUnit; 2] = [DeadlineUnit::CalendarDays, DeadlineUnit::WorkingDays];

    /// The unit as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineUnit::CalendarDays => "calendar_days",
            DeadlineUnit::WorkingDays => "working_days",
        }
    }

    /// The unit spelled by [`DeadlineUnit::as_str`], or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// A statutory deadline, run from the day after the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline {
    /// How many units; 0 means the event day itself.
    pub value: u16,
    /// What is counted.
    pub unit: DeadlineUnit,
}

impl Deadline {
    /// A deadline of `value` calendar days.
    pub fn calendar_days(value: u16) -> Self {
        Self {
            value,
            unit: DeadlineUnit::CalendarDays,
        }
    }

    /// A deadline of `value` working days.
    pub fn working_days(value: u16) -> Self {
        Self {
            value,
            unit: DeadlineUnit::WorkingDays,
        }
    }
}

/// The most bisection steps [`Calendar::add_working_days`] takes. Each step halves a range of at
/// most the whole `chrono` date range (under 2^28 days), so 64 is never reached; it only makes the
/// bound visible.
pub const MAX_BISECTION_STEPS: u32 = 64;

/// The working-day calendar: the Monday-to-Friday week corrected by the table's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Rows by date. Ordered, so the rows inside a range are found without a scan.
    days: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar from `(date, kind)` rows; a later row for the same date wins, so an admin's
    /// correction can be appended. Rows are not checked here (see [`check_day`]): a row states
    /// what its date is, whatever day of the week it falls on.
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            days: days.into_iter().collect(),
        }
    }

    /// Whether `d` is a working day: its row says so, or without a row it is Monday to Friday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(kind) => kind.is_working(),
            None => !is_weekend(d),
        }
    }

    /// The first working day on or after `d`.
    pub fn on_or_after(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working_day(d) {
            d
        } else {
            self.add_working_days(d, 1)
        }
    }

    /// The last day of a period that starts the day after `event` (Civil Code 2015 Art. 147-148):
    /// for working days the `value`-th working day after the event day; for calendar days
    /// `event + value`, moved to the next working day when that is not one. A deadline of 0 is the
    /// event day itself, moved to a working day.
    pub fn due_date(&self, event: NaiveDate, deadline: Deadline) -> NaiveDate {
        let n = u32::from(deadline.value);
        match deadline.unit {
            DeadlineUnit::WorkingDays => self.add_working_days(event, n),
            DeadlineUnit::CalendarDays => self.on_or_after(plus_days(event, u64::from(n))),
        }
    }

    /// How many working days fall in (`from_exclusive`, `to_inclusive`]; 0 when `to_inclusive` is
    /// not after `from_exclusive`. The days a dossier took ("processing working days"), or how late
    /// it is when `from_exclusive` is its due date.
    pub fn working_days_after(&self, from_exclusive: NaiveDate, to_inclusive: NaiveDate) -> i64 {
        if to_inclusive <= from_exclusive {
            return 0;
        }
        let rows = self.days.range((
            Bound::Excluded(from_exclusive),
            Bound::Included(to_inclusive),
        ));
        // Start from the plain week and let each row inside the range correct its own date.
        let correction: i64 = rows
            .map(|(date, kind)| i64::from(kind.is_working()) - i64::from(!is_weekend(*date)))
            .sum();
        weekdays_after(from_exclusive, to_inclusive) + correction
    }

    /// The `n`-th working day after `from`; `n = 0` gives [`Calendar::on_or_after`]`(from)`. Used
    /// for "due within N working days" filters and for working-day deadlines.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.on_or_after(from);
        }
        let n = i64::from(n);
        // Every 7 days hold 5 weekdays and each row takes at most one away, so 7 * ceil((n + rows)
        // / 5) days after `from` hold at least n working days: the answer lies in (from, hi].
        let rows = i64::try_from(self.days.len()).unwrap_or(i64::MAX);
        let weeks = n.saturating_add(rows) / 5 + 1;
        let span = u64::try_from(weeks.saturating_mul(7)).unwrap_or(u64::MAX);
        let mut hi = plus_days(from, span);
        if self.working_days_after(from, hi) < n {
            // Only when the count runs past the last representable date.
            return hi;
        }
        // Invariant: working_days_after(from, lo) < n <= working_days_after(from, hi). The count
        // grows by one exactly on each working day, so the smallest such hi is the n-th one.
        let mut lo = from;
        for _ in 0..MAX_BISECTION_STEPS {
            let gap = hi.signed_duration_since(lo).num_days();
            if gap <= 1 {
                break;
            }
            let mid = plus_days(lo, u64::try_from(gap / 2).unwrap_or(1));
            if self.working_days_after(from, mid) >= n {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

/// Saturday or Sunday.
fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `d + n` days, saturating at the last date `chrono` can represent rather than panicking.
fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// Mondays to Fridays in (`from`, `to`], by whole weeks plus the few days left over.
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    let total = to.signed_duration_since(from).num_days();
    if total <= 0 {
        return 0;
    }
    let first = i64::from(from.weekday().num_days_from_monday());
    // The days left over are from + 1 ..= from + total % 7; any 7 days in a row hold 5 weekdays.
    let rest = (1..=total % 7).filter(|i| (first + i) % 7 < 5).count();
    total / 7 * 5 + i64::try_from(rest).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The 2025-2026 rows of the migration's seed (date, kind), kept here so the domain's tests do
    /// not depend on the migration crate.
    const SEED_ROWS: &[(&str, DayKind)] = &[
        ("2025-01-01", DayKind::Holiday),
        ("2025-01-27", DayKind::DayOff),
        ("2025-01-28", DayKind::Holiday),
        ("2025-01-29", DayKind::Holiday),
        ("2025-01-30", DayKind::Holiday),
        ("2025-01-31", DayKind::Holiday),
        ("2025-02-08", DayKind::Working),
        ("2025-04-07", DayKind::Holiday),
        ("2025-04-26", DayKind::Working),
        ("2025-04-30", DayKind::Holiday),
        ("2025-05-01", DayKind::Holiday),
        ("2025-05-02", DayKind::DayOff),
        ("2025-09-01", DayKind::Holiday),
        ("2025-09-02", DayKind::Holiday),
        ("2026-01-01", DayKind::Holiday),
        ("2026-01-02", DayKind::DayOff),
        ("2026-01-10", DayKind::Working),
        ("2026-02-16", DayKind::Holiday),
        ("2026-02-17", DayKind::Holiday),
        ("2026-02-18", DayKind::Holiday),
        ("2026-02-19", DayKind::Holiday),
        ("2026-02-20", DayKind::Holiday),
        ("2026-04-27", DayKind::Compensatory),
        ("2026-04-30", DayKind::Holiday),
        ("2026-05-01", DayKind::Holiday),
        ("2026-08-22", DayKind::Working),
        ("2026-08-31", DayKind::DayOff),
        ("2026-09-01", DayKind::Holiday),
        ("2026-09-02", DayKind::Holiday),
    ];

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn seed_rows() -> Vec<(NaiveDate, DayKind)> {
        SEED_ROWS.iter().map(|(d, k)| (date(d), *k)).collect()
    }

    fn seeded() -> Calendar {
        Calendar::new(seed_rows())
    }

    /// The module doc's table: (event, value, unit, expected last day).
    const WORKED_EXAMPLES: &[(&str, u16, DeadlineUnit, &str)] = &[
        ("2026-02-13", 3, DeadlineUnit::WorkingDays, "2026-02-25"),
        ("2026-02-13", 15, DeadlineUnit::WorkingDays, "2026-03-13"),
        ("2026-02-13", 5, DeadlineUnit::CalendarDays, "2026-02-23"),
        ("2026-02-13", 10, DeadlineUnit::CalendarDays, "2026-02-23"),
        ("2026-02-13", 15, DeadlineUnit::CalendarDays, "2026-03-02"),
        ("2026-02-14", 0, DeadlineUnit::WorkingDays, "2026-02-23"),
        ("2025-02-07", 1, DeadlineUnit::WorkingDays, "2025-02-08"),
        ("2025-01-24", 1, DeadlineUnit::WorkingDays, "2025-02-03"),
        ("2025-01-24", 6, DeadlineUnit::WorkingDays, "2025-02-08"),
        ("2025-01-17", 10, DeadlineUnit::CalendarDays, "2025-02-03"),
        ("2025-01-29", 10, DeadlineUnit::CalendarDays, "2025-02-08"),
        ("2025-04-29", 1, DeadlineUnit::WorkingDays, "2025-05-05"),
        ("2025-04-25", 1, DeadlineUnit::WorkingDays, "2025-04-26"),
        ("2026-04-20", 10, DeadlineUnit::CalendarDays, "2026-05-04"),
        ("2026-06-03", 10, DeadlineUnit::CalendarDays, "2026-06-15"),
        ("2026-06-05", 1, DeadlineUnit::WorkingDays, "2026-06-08"),
        ("2026-04-24", 1, DeadlineUnit::WorkingDays, "2026-04-28"),
        ("2025-12-31", 1, DeadlineUnit::WorkingDays, "2026-01-05"),
        ("2026-08-21", 1, DeadlineUnit::WorkingDays, "2026-08-22"),
        ("2026-08-28", 1, DeadlineUnit::WorkingDays, "2026-09-03"),
    ];

    #[test]
    fn worked_examples() {
        let cal = seeded();
        for &(event, value, unit, due) in WORKED_EXAMPLES {
            let deadline = Deadline { value, unit };
            assert_eq!(
                cal.due_date(date(event), deadline),
                date(due),
                "{event} + {value} {}",
                unit.as_str()
            );
        }
    }

    #[test]
    fn working_days_between_dates() {
        let cal = seeded();
        assert_eq!(
            cal.working_days_after(date("2025-01-24"), date("2025-02-08")),
            6
        );
        // Late by 2: due Wed 25 Feb 2026, finished Fri 27 Feb 2026.
        assert_eq!(
            cal.working_days_after(date("2026-02-25"), date("2026-02-27")),
            2
        );
        assert_eq!(
            cal.working_days_after(date("2026-02-13"), date("2026-02-22")),
            0
        );
        assert_eq!(
            cal.working_days_after(date("2026-02-27"), date("2026-02-25")),
            0
        );
        assert_eq!(
            cal.working_days_after(date("2026-02-25"), date("2026-02-25")),
            0
        );
        // A plain year: 2027 has no rows, 261 weekdays.
        assert_eq!(
            cal.working_days_after(date("2026-12-31"), date("2027-12-31")),
            261
        );
    }

    #[test]
    fn swapped_days() {
        let cal = seeded();
        assert!(
            cal.is_working_day(date("2025-02-08")),
            "Sat 8 Feb 2025 is worked"
        );
        assert!(
            !cal.is_working_day(date("2025-01-27")),
            "Mon 27 Jan 2025 is off"
        );
        assert!(
            !cal.is_working_day(date("2025-02-01")),
            "a plain Saturday is off"
        );
        assert!(cal.is_working_day(date("2025-02-03")));
        assert_eq!(cal.on_or_after(date("2025-01-25")), date("2025-02-03"));
        assert_eq!(cal.on_or_after(date("2025-02-08")), date("2025-02-08"));
    }

    #[test]
    fn later_rows_for_a_date_win() {
        let d = date("2026-03-02");
        let cal = Calendar::new([(d, DayKind::Holiday), (d, DayKind::Working)]);
        assert!(cal.is_working_day(d));
        let cal = Calendar::new([(d, DayKind::Working), (d, DayKind::DayOff)]);
        assert!(!cal.is_working_day(d));
    }

    #[test]
    fn a_huge_count_stays_cheap_and_in_range() {
        let cal = seeded();
        let far = cal.add_working_days(date("2026-01-01"), u32::MAX);
        assert_eq!(far, NaiveDate::MAX);
        let d = cal.add_working_days(date("2026-01-01"), 1_000_000);
        assert_eq!(cal.working_days_after(date("2026-01-01"), d), 1_000_000);
        assert!(cal.is_working_day(d));
    }

    #[test]
    fn kinds_and_units_round_trip() {
        for k in DayKind::ALL {
            assert_eq!(DayKind::parse(k.as_str()), Some(k));
        }
        for u in DeadlineUnit::ALL {
            assert_eq!(DeadlineUnit::parse(u.as_str()), Some(u));
        }
        assert_eq!(DayKind::parse("Holiday"), None);
        assert_eq!(DeadlineUnit::parse("days"), None);
        let working: Vec<_> = DayKind::ALL
            .into_iter()
            .filter(|k| k.is_working())
            .collect();
        assert_eq!(working, [DayKind::Working]);
    }

    #[test]
    fn check_day_wants_weekend_working_rows_and_weekday_others() {
        let sat = date("2025-02-08");
        let mon = date("2025-01-27");
        assert!(check_day(sat, DayKind::Working).is_ok());
        assert!(check_day(mon, DayKind::Working).is_err());
        for k in [DayKind::Holiday, DayKind::Compensatory, DayKind::DayOff] {
            assert!(check_day(mon, k).is_ok());
            assert!(check_day(sat, k).is_err());
            assert!(check_day(date("2026-04-26"), k).is_err(), "Sunday");
        }
    }

    #[test]
    fn seed_rows_pass_check_day() {
        for (d, k) in seed_rows() {
            assert_eq!(check_day(d, k), Ok(()), "{d} {}", k.as_str());
        }
    }

    /// Day by day, the slow way the arithmetic must agree with.
    fn nth_working_day_by_walking(cal: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        if n == 0 {
            while !cal.is_working_day(d) {
                d = d.succ_opt().unwrap();
            }
            return d;
        }
        while left > 0 {
            d = d.succ_opt().unwrap();
            if cal.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // 2024-01-01 ..= 2028-12-31.
        (0u64..1827).prop_map(|i| plus_days(date("2024-01-01"), i))
    }

    /// The seed plus random rows of any kind on any day. They are not filtered by `check_day`:
    /// the counting must agree with a day-by-day walk whatever the table holds.
    fn any_calendar() -> impl Strategy<Value = Calendar> {
        let kind = proptest::sample::select(DayKind::ALL.to_vec());
        proptest::collection::vec((any_date(), kind), 0..40)
            .prop_map(|extra| Calendar::new(seed_rows().into_iter().chain(extra)))
    }

    fn any_unit() -> impl Strategy<Value = DeadlineUnit> {
        prop_oneof![
            Just(DeadlineUnit::CalendarDays),
            Just(DeadlineUnit::WorkingDays)
        ]
    }

    proptest! {
        #[test]
        fn due_date_is_a_working_day_not_before_the_event(
            cal in any_calendar(), event in any_date(), value in 0u16..60, unit in any_unit()
        ) {
            let due = cal.due_date(event, Deadline { value, unit });
            prop_assert!(cal.is_working_day(due));
            prop_assert!(due >= event);
        }

        #[test]
        fn working_day_deadlines_count_exactly_n(
            cal in any_calendar(), event in any_date(), value in 1u16..60
        ) {
            let due = cal.due_date(event, Deadline::working_days(value));
            prop_assert_eq!(cal.working_days_after(event, due), i64::from(value));
            prop_assert_eq!(due, nth_working_day_by_walking(&cal, event, u32::from(value)));
        }

        #[test]
        fn calendar_day_deadlines_move_only_over_days_off(
            cal in any_calendar(), event in any_date(), value in 0u16..60
        ) {
            let due = cal.due_date(event, Deadline::calendar_days(value));
            let last = plus_days(event, u64::from(value));
            prop_assert!(due >= last);
            let mut d = last;
            while d < due {
                prop_assert!(!cal.is_working_day(d), "{} is a working day before {}", d, due);
                d = d.succ_opt().unwrap();
            }
        }

        #[test]
        fn add_working_days_is_monotonic_and_matches_a_walk(
            cal in any_calendar(), from in any_date(), n in 0u32..60
        ) {
            let a = cal.add_working_days(from, n);
            let b = cal.add_working_days(from, n + 1);
            // n = 0 is on_or_after(from), which equals the first working day after a day off.
            let ordered = if n == 0 { a <= b } else { a < b };
            prop_assert!(ordered, "{} then {}", a, b);
            prop_assert_eq!(a, nth_working_day_by_walking(&cal, from, n));
        }

        #[test]
        fn on_or_after_is_idempotent(cal in any_calendar(), d in any_date()) {
            let w = cal.on_or_after(d);
            prop_assert!(w >= d);
            prop_assert!(cal.is_working_day(w));
            prop_assert_eq!(cal.on_or_after(w), w);
        }

        #[test]
        fn working_days_after_matches_a_walk(
            cal in any_calendar(), from in any_date(), to in any_date()
        ) {
            let mut walked = 0;
            let mut d = from;
            while d < to {
                d = d.succ_opt().unwrap();
                if cal.is_working_day(d) {
                    walked += 1;
                }
            }
            prop_assert_eq!(cal.working_days_after(from, to), walked);
        }
    }
}

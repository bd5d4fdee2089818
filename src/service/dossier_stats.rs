//! Statistics of the one-stop desk: how many dossiers came (and how many online), how many
//! results were returned on time, how many working days processing took (average and 90th
//! percentile, by procedure and month), what is overdue now, and how satisfied applicants were.
//! Every figure is computed from the dossiers' rows and the working-day calendar; the tests
//! recompute them from the same rows.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{AppState, ServiceError, procedures};
use crate::{
    db,
    domain::{
        calendar::Calendar,
        dossier::{Channel, Dossier, Satisfaction},
        time::{vietnam_date, vietnam_day_start},
    },
};

/// Figures of a group of returned dossiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Processing {
    /// Results returned.
    pub returned: u64,
    /// Of those, returned on or before the due date.
    pub on_time: u64,
    /// `on_time / returned` in percent, one decimal; none without returns.
    pub on_time_rate_percent: Option<f64>,
    /// Average working days from complete receipt to return, two decimals.
    pub avg_working_days: Option<f64>,
    /// 90th percentile (nearest rank) of the same.
    pub p90_working_days: Option<i64>,
}

/// One procedure in one month (of the return date).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureMonth {
    /// The procedure's code.
    pub procedure_code: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Its figures.
    pub processing: Processing,
}

/// The statistics of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierStats {
    /// First day (Vietnamese date).
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Dossiers submitted or taken in during the period.
    pub submitted: u64,
    /// Of those, submitted online.
    pub online: u64,
    /// `online / submitted` in percent, one decimal.
    pub online_share_percent: Option<f64>,
    /// All results returned during the period.
    pub processing: Processing,
    /// By procedure and month of return.
    pub by_procedure_month: Vec<ProcedureMonth>,
    /// Dossiers whose clock runs and whose due date has passed, today.
    pub overdue_now: u64,
    /// Ratings left during the period, by level (5 to 1).
    pub satisfaction: Vec<(Satisfaction, u64)>,
    /// Average rating, two decimals.
    pub satisfaction_average: Option<f64>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 * 100.0 / whole as f64, 1))
}

/// The figures of returned dossiers: `(working days, on time)` each.
fn processing(rows: &[(i64, bool)]) -> Processing {
    let returned = rows.len() as u64;
    let on_time = rows.iter().filter(|r| r.1).count() as u64;
    let mut days: Vec<i64> = rows.iter().map(|r| r.0).collect();
    days.sort_unstable();
    let avg =
        (!days.is_empty()).then(|| round(days.iter().sum::<i64>() as f64 / days.len() as f64, 2));
    // Nearest rank: the smallest value with at least 90 % of the values at or below it.
    let p90 = (!days.is_empty()).then(|| {
        let rank = (days.len() * 9).div_ceil(10).max(1);
        days[rank - 1]
    });
    Processing {
        returned,
        on_time,
        on_time_rate_percent: percent(on_time, returned),
        avg_working_days: avg,
        p90_working_days: p90,
    }
}

/// A returned dossier's working days and whether it was on time.
fn outcome(d: &Dossier, calendar: &Calendar) -> Option<(NaiveDate, i64, bool)> {
    let returned = vietnam_date(d.returned_at?);
    let received = vietnam_date(d.received_at?);
    let on_time = d.due_date.is_some_and(|due| returned <= due);
    Some((
        returned,
        calendar.working_days_after(received, returned),
        on_time,
    ))
}

/// Computes the statistics of `rows` for the period (pure: the tests call it on raw rows).
pub fn compute(
    rows: &[Dossier],
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> DossierStats {
    let within = |d: NaiveDate| d >= from && d <= to;
    let today = vietnam_date(now);
    let submitted: Vec<&Dossier> = rows
        .iter()
        .filter(|d| within(vietnam_date(d.submitted_at)))
        .collect();
    let online = submitted
        .iter()
        .filter(|d| d.channel == Channel::Online)
        .count() as u64;
    let mut all = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<(i64, bool)>> = BTreeMap::new();
    for d in rows {
        if let Some((returned, days, on_time)) = outcome(d, calendar)
            && within(returned)
        {
            all.push((days, on_time));
            groups
                .entry((
                    d.procedure_code.clone(),
                    returned.format("%Y-%m").to_string(),
                ))
                .or_default()
                .push((days, on_time));
        }
    }
    let mut levels: BTreeMap<u8, u64> = BTreeMap::new();
    for d in rows {
        if let Some(r) = &d.rating
            && within(vietnam_date(r.at))
        {
            *levels.entry(r.level.score()).or_default() += 1;
        }
    }
    let rated: u64 = levels.values().sum();
    let total: u64 = levels.iter().map(|(s, n)| u64::from(*s) * n).sum();
    DossierStats {
        from,
        to,
        submitted: submitted.len() as u64,
        online,
        online_share_percent: percent(online, submitted.len() as u64),
        processing: processing(&all),
        by_procedure_month: groups
            .into_iter()
            .map(|((code, month), rows)| ProcedureMonth {
                procedure_code: code,
                month,
                processing: processing(&rows),
            })
            .collect(),
        overdue_now: rows.iter().filter(|d| d.overdue_on(today)).count() as u64,
        satisfaction: Satisfaction::ALL
            .iter()
            .map(|s| (*s, levels.get(&s.score()).copied().unwrap_or(0)))
            .collect(),
        satisfaction_average: (rated > 0).then(|| round(total as f64 / rated as f64, 2)),
    }
}

/// The statistics of a period of Vietnamese dates (default: the year so far).
pub async fn stats(
    state: &AppState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<DossierStats, ServiceError> {
    let now = state.clock.now();
    let today = vietnam_date(now);
    let to = to.unwrap_or(today);
    let from = from
        .or_else(|| NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1))
        .unwrap_or(to);
    if to < from {
        return Err(ServiceError::BadParameter {
            name: "to",
            message: "must not be before `from`".to_owned(),
        });
    }
    if (to - from).num_days() > 366 * 5 {
        return Err(ServiceError::BadParameter {
            name: "from",
            message: "a period spans at most five years".to_owned(),
        });
    }
    let start = vietnam_day_start(from).ok_or(ServiceError::BadParameter {
        name: "from",
        message: "out of range".to_owned(),
    })?;
    let end = to
        .succ_opt()
        .and_then(vietnam_day_start)
        .ok_or(ServiceError::BadParameter {
            name: "to",
            message: "out of range".to_owned(),
        })?;
    let rows = db::dossiers::for_statistics(&state.db, start, end).await?;
    let calendar = procedures::calendar(&state.db).await?;
    Ok(compute(&rows, &calendar, from, to, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_90th_percentile_is_the_nearest_rank() {
        let rows: Vec<(i64, bool)> = (1..=10).map(|d| (d, d <= 7)).collect();
        let p = processing(&rows);
        assert_eq!(p.p90_working_days, Some(9));
        assert_eq!(p.avg_working_days, Some(5.5));
        assert_eq!(p.on_time_rate_percent, Some(70.0));
        assert_eq!(processing(&[(4, true)]).p90_working_days, Some(4));
        assert_eq!(processing(&[]).avg_working_days, None);
    }
}

//! Investment projects: the contents Article 40 puts on a certificate, as validated data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    FieldViolation, Violations, string_enum,
    text::{clean, clean_optional},
};

string_enum! {
    /// Where a project stands.
    ProjectStatus {
        /// Being prepared; no certificate yet.
        Draft = "draft",
        /// Registered: holds an Investment Registration Certificate.
        Registered = "registered",
        /// Suspended (ngừng hoạt động) by the investor or the authority.
        Suspended = "suspended",
        /// Terminated (chấm dứt hoạt động); final.
        Terminated = "terminated",
    }
}

impl ProjectStatus {
    /// The statuses the law allows next.
    pub fn allowed_next(self) -> &'static [ProjectStatus] {
        use ProjectStatus::*;
        match self {
            Draft => &[Registered, Terminated],
            Registered => &[Suspended, Terminated],
            Suspended => &[Registered, Terminated],
            Terminated => &[],
        }
    }

    /// A project that holds land and counts towards occupancy.
    pub fn holds_certificate(self) -> bool {
        matches!(self, ProjectStatus::Registered | ProjectStatus::Suspended)
    }
}

string_enum! {
    /// Where the project code came from.
    CodeSource {
        /// Entered from the National Investment Information System.
        National = "national",
        /// Allocated here from the configured prefix.
        Local = "local",
    }
}

string_enum! {
    /// How an investor contributes capital.
    ContributionForm {
        /// Tiền mặt.
        Cash = "cash",
        /// Tài sản (machinery, land-use rights, technology).
        InKind = "in_kind",
        /// Both.
        CashAndInKind = "cash_and_in_kind",
    }
}

/// One investor's capital contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The investor.
    pub investor_id: Uuid,
    /// Amount in VND.
    pub capital_vnd: i64,
    /// Form.
    pub form: ContributionForm,
    /// Schedule, e.g. "Góp đủ trong 90 ngày kể từ ngày được cấp GCNĐKĐT".
    pub schedule: Option<String>,
}

/// An objective with its VSIC sector code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// What the project does.
    pub description: String,
    /// VSIC 2018 code, 4 or 5 digits.
    pub vsic_code: String,
}

/// A milestone of the implementation schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// What is done by then.
    pub description: String,
    /// By when.
    pub due_date: NaiveDate,
}

/// An incentive with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incentive {
    /// The incentive.
    pub description: String,
    /// The legal basis, e.g. "Điều 15 Luật Đầu tư 2020".
    pub legal_basis: String,
    /// Conditions to enjoy it, if any.
    pub conditions: Option<String>,
}

/// Limits on the operating duration (Law on Investment Art. 44), kept as configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationLimits {
    /// Years for projects in an economic zone or industrial park.
    pub in_zone: i32,
    /// Years elsewhere.
    pub outside: i32,
}

impl Default for DurationLimits {
    fn default() -> Self {
        Self {
            in_zone: 70,
            outside: 50,
        }
    }
}

/// Every editable fact about a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectData {
    /// Name in Vietnamese.
    pub name_vi: String,
    /// Name in English.
    pub name_en: Option<String>,
    /// Zone the project lies in.
    pub zone_id: Option<Uuid>,
    /// Address of the site.
    pub address: Option<String>,
    /// Investors and their contributions, in the order printed.
    pub investors: Vec<Contribution>,
    /// Objectives.
    pub objectives: Vec<Objective>,
    /// Scale (capacity, products, area).
    pub scale: Option<String>,
    /// Total investment capital in VND.
    pub total_capital_vnd: i64,
    /// Investors' contributed capital in VND.
    pub contributed_capital_vnd: i64,
    /// Mobilised capital in VND.
    pub mobilized_capital_vnd: i64,
    /// USD equivalent of the total, whole dollars.
    pub capital_usd: Option<i64>,
    /// Exchange rate used, VND per USD.
    pub exchange_rate_vnd_per_usd: Option<i64>,
    /// Date of the exchange rate.
    pub exchange_rate_date: Option<NaiveDate>,
    /// Operating duration in years.
    pub duration_years: i32,
    /// Implementation schedule.
    pub milestones: Vec<Milestone>,
    /// Incentives and support.
    pub incentives: Vec<Incentive>,
    /// Conditions imposed on the investor.
    pub conditions: Vec<String>,
    /// Free note.
    pub note: Option<String>,
}

super::patch! {
    /// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field;
    /// lists are replaced whole. The project code is not data and never changes.
    ProjectPatch for ProjectData {
        /// New Vietnamese name.
        name_vi: String,
        /// New or cleared English name.
        name_en: Option<String>,
        /// New or cleared zone.
        zone_id: Option<Uuid>,
        /// New or cleared address.
        address: Option<String>,
        /// New investors and contributions.
        investors: Vec<Contribution>,
        /// New objectives.
        objectives: Vec<Objective>,
        /// New or cleared scale.
        scale: Option<String>,
        /// New total capital, VND.
        total_capital_vnd: i64,
        /// New contributed capital, VND.
        contributed_capital_vnd: i64,
        /// New mobilised capital, VND.
        mobilized_capital_vnd: i64,
        /// New or cleared USD equivalent.
        capital_usd: Option<i64>,
        /// New or cleared exchange rate.
        exchange_rate_vnd_per_usd: Option<i64>,
        /// New or cleared exchange rate date.
        exchange_rate_date: Option<NaiveDate>,
        /// New duration, years.
        duration_years: i32,
        /// New milestones.
        milestones: Vec<Milestone>,
        /// New incentives.
        incentives: Vec<Incentive>,
        /// New conditions.
        conditions: Vec<String>,
        /// New or cleared note.
        note: Option<String>,
    }
}

/// Filters of the project list.
#[derive(Debug, Default, Clone)]
pub struct ProjectFilter {
    /// Words that must all appear in the project's names or code, diacritics and case ignored.
    pub q: Option<String>,
    /// Only projects in this zone.
    pub zone_id: Option<Uuid>,
    /// Only projects in this status.
    pub status: Option<ProjectStatus>,
    /// Only projects of this investor.
    pub investor_id: Option<Uuid>,
    /// Only projects with an investor of this nationality.
    pub nationality: Option<String>,
    /// Only projects of at least this total capital.
    pub min_capital_vnd: Option<i64>,
    /// Only projects of at most this total capital.
    pub max_capital_vnd: Option<i64>,
    /// Only projects first registered in this year (Vietnamese calendar).
    pub registration_year: Option<i32>,
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Identifier.
    pub id: Uuid,
    /// Project code, 10 digits, never changes.
    pub project_code: String,
    /// Where the code came from.
    pub code_source: CodeSource,
    /// The facts.
    pub data: ProjectData,
    /// Status.
    pub status: ProjectStatus,
    /// When it was first registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// Reason given with the last status change.
    pub status_reason: Option<String>,
    /// The users who prepared the project's data (created it, last changed it); none of them may
    /// register it (four eyes).
    pub prepared_by: Vec<Uuid>,
    /// The paper certificate history the project was imported with, if it was imported.
    pub paper_history: Option<PaperHistory>,
    /// Row version, the ETag.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// The paper certificate history of a project imported from before the registry: the first issue
/// and the last change on paper. The next certificate the registry issues is change
/// `last_change_no + 1`, keeping the paper first-issue date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperHistory {
    /// Date of the first issue (Chứng nhận lần đầu) on paper.
    pub first_issued_on: NaiveDate,
    /// Number of the last change on paper; 0 when the certificate was never changed.
    pub last_change_no: i32,
    /// Date of that last change; `None` when there was none.
    pub last_change_on: Option<NaiveDate>,
    /// The import that brought it.
    pub import_id: Uuid,
}

impl PaperHistory {
    /// Checks a paper history as entered: dates not in the future (`today` is the Vietnamese
    /// date), the change number between 0 and 999, the last change not before the first issue,
    /// and, with no change, no other date than the first issue's. Fields are named under
    /// `certificate_history.`. Returns the history with `last_change_on` set only when there was
    /// a change.
    pub fn check(
        first_issued_on: NaiveDate,
        last_change_no: i64,
        last_change_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<(NaiveDate, i32, Option<NaiveDate>), Vec<FieldViolation>> {
        let mut v = Violations::default();
        if first_issued_on > today {
            v.push(FieldViolation::new(
                "certificate_history.first_issued_on",
                "in_future",
                format!("must not be after today ({today})"),
            ));
        }
        let no = i32::try_from(last_change_no)
            .ok()
            .filter(|n| (0..=999).contains(n));
        if no.is_none() {
            v.push(FieldViolation::new(
                "certificate_history.last_change_no",
                "out_of_range",
                "must be a whole number from 0 (never changed) to 999",
            ));
        }
        match (no, last_change_on) {
            (Some(0), Some(d)) if d != first_issued_on => v.push(FieldViolation::new(
                "certificate_history.last_change_on",
                "without_change",
                "with last_change_no 0 there was no change: leave it empty or equal to first_issued_on",
            )),
            (Some(n), None) if n > 0 => v.push(FieldViolation::new(
                "certificate_history.last_change_on",
                "required",
                "give the date of the last change when last_change_no is above 0",
            )),
            (Some(n), Some(d)) if n > 0 => {
                if d < first_issued_on {
                    v.push(FieldViolation::new(
                        "certificate_history.last_change_on",
                        "before_first_issue",
                        "must not be before first_issued_on",
                    ));
                }
                if d > today {
                    v.push(FieldViolation::new(
                        "certificate_history.last_change_on",
                        "in_future",
                        format!("must not be after today ({today})"),
                    ));
                }
            }
            _ => {}
        }
        v.finish()?;
        let no = no.unwrap_or_default();
        Ok((
            first_issued_on,
            no,
            if no == 0 { None } else { last_change_on },
        ))
    }
}

/// The most a project may be worth, to catch typos (10 million billion VND).
pub const MAX_CAPITAL_VND: i64 = 10_000_000_000_000_000;

impl ProjectData {
    /// Cleans text.
    pub fn normalize(&mut self) {
        self.name_vi = clean(&self.name_vi);
        self.name_en = clean_optional(self.name_en.as_deref());
        self.address = clean_optional(self.address.as_deref());
        self.scale = clean_optional(self.scale.as_deref());
        self.note = clean_optional(self.note.as_deref());
        for c in &mut self.investors {
            c.schedule = clean_optional(c.schedule.as_deref());
        }
        for o in &mut self.objectives {
            o.description = clean(&o.description);
            o.vsic_code = o.vsic_code.trim().to_owned();
        }
        for m in &mut self.milestones {
            m.description = clean(&m.description);
        }
        for i in &mut self.incentives {
            i.description = clean(&i.description);
            i.legal_basis = clean(&i.legal_basis);
            i.conditions = clean_optional(i.conditions.as_deref());
        }
        self.conditions = self.conditions.iter().map(|c| clean(c)).collect();
    }

    /// Every rule that needs no database.
    pub fn check(&self, limits: DurationLimits) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::default();
        let mut text = |field: String, value: &str, max: usize| {
            if value.trim().is_empty() {
                v.push(FieldViolation::new(field, "blank", "must not be empty"));
            } else if value.chars().count() > max {
                v.push(FieldViolation::new(
                    field,
                    "too_long",
                    format!("must be at most {max} characters"),
                ));
            } else if crate::domain::text::has_control_chars(value) {
                v.push(FieldViolation::new(
                    field,
                    "control_characters",
                    "must not contain control, bidirectional or invisible characters",
                ));
            }
        };
        text("name_vi".into(), &self.name_vi, 500);
        for (field, value, max) in [
            ("name_en", &self.name_en, 500),
            ("address", &self.address, 500),
            ("scale", &self.scale, 2000),
            ("note", &self.note, 2000),
        ] {
            if let Some(value) = value {
                text(field.into(), value, max);
            }
        }
        for (i, c) in self.investors.iter().enumerate() {
            if let Some(schedule) = &c.schedule {
                text(format!("investors[{i}].schedule"), schedule, 1000);
            }
        }
        for (i, o) in self.objectives.iter().enumerate() {
            text(format!("objectives[{i}].description"), &o.description, 2000);
        }
        for (i, m) in self.milestones.iter().enumerate() {
            text(format!("milestones[{i}].description"), &m.description, 1000);
        }
        for (i, inc) in self.incentives.iter().enumerate() {
            text(
                format!("incentives[{i}].description"),
                &inc.description,
                2000,
            );
            text(
                format!("incentives[{i}].legal_basis"),
                &inc.legal_basis,
                1000,
            );
            if let Some(conditions) = &inc.conditions {
                text(format!("incentives[{i}].conditions"), conditions, 2000);
            }
        }
        for (i, c) in self.conditions.iter().enumerate() {
            text(format!("conditions[{i}]"), c, 2000);
        }

        if self.investors.is_empty() {
            v.push(FieldViolation::new(
                "investors",
                "required",
                "a project has at least one investor",
            ));
        }
        let mut seen = Vec::new();
        let mut sum: i128 = 0;
        for (i, c) in self.investors.iter().enumerate() {
            if seen.contains(&c.investor_id) {
                v.push(FieldViolation::new(
                    format!("investors[{i}].investor_id"),
                    "duplicate",
                    "each investor is listed once",
                ));
            }
            seen.push(c.investor_id);
            if c.capital_vnd <= 0 || c.capital_vnd > MAX_CAPITAL_VND {
                v.push(FieldViolation::new(
                    format!("investors[{i}].capital_vnd"),
                    "out_of_range",
                    "must be a positive amount of VND",
                ));
            }
            sum += i128::from(c.capital_vnd);
        }
        if self.objectives.is_empty() {
            v.push(FieldViolation::new(
                "objectives",
                "required",
                "a project has at least one objective",
            ));
        }
        for (i, o) in self.objectives.iter().enumerate() {
            let ok = matches!(o.vsic_code.len(), 4 | 5)
                && o.vsic_code.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                v.push(FieldViolation::new(
                    format!("objectives[{i}].vsic_code"),
                    "invalid_format",
                    "must be a VSIC 2018 code of 4 or 5 digits",
                ));
            }
        }

        let in_range = |x: i64| (0..=MAX_CAPITAL_VND).contains(&x);
        if self.total_capital_vnd <= 0 || !in_range(self.total_capital_vnd) {
            v.push(FieldViolation::new(
                "total_capital_vnd",
                "out_of_range",
                "must be a positive amount of VND",
            ));
        }
        for (field, x) in [
            ("contributed_capital_vnd", self.contributed_capital_vnd),
            ("mobilized_capital_vnd", self.mobilized_capital_vnd),
        ] {
            if !in_range(x) {
                v.push(FieldViolation::new(
                    field,
                    "out_of_range",
                    "must be zero or a positive amount of VND",
                ));
            }
        }
        if i128::from(self.contributed_capital_vnd) + i128::from(self.mobilized_capital_vnd)
            != i128::from(self.total_capital_vnd)
        {
            v.push(FieldViolation::new(
                "total_capital_vnd",
                "sum_mismatch",
                "must equal contributed_capital_vnd + mobilized_capital_vnd",
            ));
        }
        if !self.investors.is_empty() && sum != i128::from(self.contributed_capital_vnd) {
            v.push(FieldViolation::new(
                "contributed_capital_vnd",
                "sum_mismatch",
                format!("must equal the sum of the investors' contributions ({sum} VND)"),
            ));
        }
        match (
            self.capital_usd,
            self.exchange_rate_vnd_per_usd,
            self.exchange_rate_date,
        ) {
            (None, None, None) => {}
            (Some(usd), Some(rate), Some(_)) => {
                if usd <= 0 || rate <= 0 {
                    v.push(FieldViolation::new(
                        "capital_usd",
                        "out_of_range",
                        "amount and rate must be positive",
                    ));
                } else if (i128::from(usd) * i128::from(rate) - i128::from(self.total_capital_vnd))
                    .abs()
                    > i128::from(rate)
                {
                    v.push(FieldViolation::new(
                        "capital_usd",
                        "rate_mismatch",
                        "must equal total_capital_vnd divided by the exchange rate, to the dollar",
                    ));
                }
            }
            _ => v.push(FieldViolation::new(
                "capital_usd",
                "incomplete",
                "capital_usd, exchange_rate_vnd_per_usd and exchange_rate_date go together",
            )),
        }
        let max = if self.zone_id.is_some() {
            limits.in_zone
        } else {
            limits.outside
        };
        if !(1..=max).contains(&self.duration_years) {
            v.push(FieldViolation::new(
                "duration_years",
                "out_of_range",
                format!(
                    "must be 1 to {max} years for a project {}",
                    if self.zone_id.is_some() {
                        "in a zone"
                    } else {
                        "outside the zones"
                    }
                ),
            ));
        }
        v.finish()
    }

    /// The contributions with each investor's share of contributed capital in basis points; the
    /// rounding remainder goes to the largest contributor so the shares add up to 100 %.
    pub fn shares_bp(&self) -> Vec<i64> {
        let total: i128 = self
            .investors
            .iter()
            .map(|c| i128::from(c.capital_vnd))
            .sum();
        if total <= 0 {
            return vec![0; self.investors.len()];
        }
        let mut shares: Vec<i64> = self
            .investors
            .iter()
            .map(|c| (i128::from(c.capital_vnd) * 10_000 / total) as i64)
            .collect();
        let rest = 10_000 - shares.iter().sum::<i64>();
        if let Some((i, _)) = self
            .investors
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.capital_vnd)
        {
            shares[i] += rest;
        }
        shares
    }
}

/// Checks a project code entered from the national system: exactly 10 digits.
pub fn check_project_code(code: &str) -> Result<(), FieldViolation> {
    if code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(FieldViolation::new(
            "project_code",
            "invalid_format",
            "must be exactly 10 digits",
        ))
    }
}

/// A locally allocated code: the prefix, then the sequence number padded to 10 digits in all.
pub fn local_project_code(prefix: &str, seq: i64) -> Option<String> {
    let width = 10usize.checked_sub(prefix.len())?;
    let number = format!("{seq:0width$}");
    (number.len() == width).then(|| format!("{prefix}{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ProjectData {
        ProjectData {
            name_vi: "Nhà máy sản xuất linh kiện điện tử Ánh Dương".into(),
            name_en: None,
            zone_id: Some(Uuid::now_v7()),
            address: None,
            investors: vec![
                Contribution {
                    investor_id: Uuid::now_v7(),
                    capital_vnd: 60_000_000_000,
                    form: ContributionForm::Cash,
                    schedule: None,
                },
                Contribution {
                    investor_id: Uuid::now_v7(),
                    capital_vnd: 40_000_000_000,
                    form: ContributionForm::InKind,
                    schedule: None,
                },
            ],
            objectives: vec![Objective {
                description: "Sản xuất linh kiện điện tử".into(),
                vsic_code: "2610".into(),
            }],
            scale: None,
            total_capital_vnd: 250_000_000_000,
            contributed_capital_vnd: 100_000_000_000,
            mobilized_capital_vnd: 150_000_000_000,
            capital_usd: Some(10_000_000),
            exchange_rate_vnd_per_usd: Some(25_000),
            exchange_rate_date: NaiveDate::from_ymd_opt(2026, 11, 1),
            duration_years: 50,
            milestones: vec![],
            incentives: vec![],
            conditions: vec![],
            note: None,
        }
    }

    fn codes(r: Result<(), Vec<FieldViolation>>) -> Vec<String> {
        r.map(|()| vec![]).unwrap_or_else(|e| {
            e.into_iter()
                .map(|v| format!("{}:{}", v.field, v.code))
                .collect()
        })
    }

    #[test]
    fn capital_must_add_up() {
        assert!(codes(sample().check(DurationLimits::default())).is_empty());
        let mut p = sample();
        p.mobilized_capital_vnd += 1;
        p.capital_usd = None;
        p.exchange_rate_vnd_per_usd = None;
        p.exchange_rate_date = None;
        assert_eq!(
            codes(p.check(DurationLimits::default())),
            ["total_capital_vnd:sum_mismatch"]
        );
        let mut p = sample();
        p.investors[0].capital_vnd -= 1;
        assert_eq!(
            codes(p.check(DurationLimits::default())),
            ["contributed_capital_vnd:sum_mismatch"]
        );
        let mut p = sample();
        p.capital_usd = Some(9_000_000);
        assert_eq!(
            codes(p.check(DurationLimits::default())),
            ["capital_usd:rate_mismatch"]
        );
    }

    #[test]
    fn duration_depends_on_the_zone() {
        let mut p = sample();
        p.duration_years = 70;
        assert!(codes(p.check(DurationLimits::default())).is_empty());
        p.zone_id = None;
        assert_eq!(
            codes(p.check(DurationLimits::default())),
            ["duration_years:out_of_range"]
        );
    }

    #[test]
    fn shares_add_up_to_exactly_100_percent() {
        let mut p = sample();
        assert_eq!(p.shares_bp(), [6000, 4000]);
        p.investors[0].capital_vnd = 1;
        p.investors[1].capital_vnd = 2;
        assert_eq!(p.shares_bp().iter().sum::<i64>(), 10_000);
    }

    #[test]
    fn the_status_machine_allows_only_lawful_moves() {
        use ProjectStatus::*;
        assert_eq!(Draft.allowed_next(), [Registered, Terminated]);
        assert!(Terminated.allowed_next().is_empty());
        assert!(Suspended.allowed_next().contains(&Registered));
        assert!(!Registered.allowed_next().contains(&Draft));
    }

    #[test]
    fn a_paper_history_is_checked_like_a_certificate_history() {
        let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
        let today = d(12, 1);
        assert_eq!(
            PaperHistory::check(d(1, 5), 0, Some(d(1, 5)), today),
            Ok((d(1, 5), 0, None))
        );
        assert_eq!(
            PaperHistory::check(d(1, 5), 3, Some(d(6, 1)), today),
            Ok((d(1, 5), 3, Some(d(6, 1))))
        );
        let fields = |r: Result<_, Vec<FieldViolation>>| {
            r.unwrap_err()
                .into_iter()
                .map(|v| v.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(PaperHistory::check(d(6, 1), 2, Some(d(1, 5)), today)),
            ["before_first_issue"]
        );
        assert_eq!(
            fields(PaperHistory::check(d(12, 2), 0, None, today)),
            ["in_future"]
        );
        assert_eq!(
            fields(PaperHistory::check(d(1, 5), 0, Some(d(2, 5)), today)),
            ["without_change"]
        );
        assert_eq!(
            fields(PaperHistory::check(d(1, 5), -1, None, today)),
            ["out_of_range"]
        );
    }

    #[test]
    fn local_codes_are_ten_digits() {
        assert_eq!(local_project_code("99", 7).unwrap(), "9900000007");
        assert_eq!(local_project_code("99", 123_456_789), None);
    }
}

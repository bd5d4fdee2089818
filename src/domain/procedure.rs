//! The procedure catalogue: administrative procedures of the one-stop desk as dated rules. Each
//! rule is a row with the day it takes effect; a dossier uses the rule in force on the day it
//! first became complete, and keeps it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::{Validate, ValidationError, ValidationErrors};

use super::{
    calendar::{Deadline, DeadlineUnit},
    invalid, string_enum,
    text::{check_line, clean, clean_optional},
};

string_enum! {
    /// What the procedure produces.
    ResultKind {
        /// An Investment Registration Certificate (issued, adjusted, re-issued or corrected).
        Certificate = "certificate",
        /// A notice or confirmation (e.g. of a suspension).
        Notice = "notice",
        /// A decision (e.g. terminating a project).
        Decision = "decision",
    }
}

/// One document of a procedure's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
pub struct RequiredDocument {
    /// Stable code within the procedure, e.g. `request`.
    #[validate(custom(function = "check_code"))]
    pub code: String,
    /// Name in Vietnamese.
    #[validate(length(max = 500), custom(function = "check_line"))]
    pub name_vi: String,
    /// Name in English.
    #[validate(length(max = 500), custom(function = "check_line"))]
    pub name_en: String,
    /// False for documents needed only in some cases ("if any").
    pub required: bool,
}

/// Every editable fact of a rule.
#[derive(Debug, Clone, PartialEq, Validate)]
pub struct ProcedureData {
    /// Stable code of the procedure, shared by its rules over time, e.g. `irc_issue`.
    #[validate(custom(function = "check_code"))]
    pub code: String,
    /// Name in Vietnamese.
    #[validate(length(max = 500), custom(function = "check_line"))]
    pub name_vi: String,
    /// Name in English.
    #[validate(length(max = 500), custom(function = "check_line"))]
    pub name_en: String,
    /// The processing deadline, from the day after a complete dossier is received.
    pub deadline: Deadline,
    /// What the deadline runs from when it is not simply receipt of a complete dossier.
    #[validate(length(max = 1000), custom(function = "check_line"))]
    pub deadline_note: Option<String>,
    /// The legal basis, as cited.
    #[validate(length(max = 2000), custom(function = "check_line"))]
    pub legal_basis: String,
    /// The document checklist.
    #[validate(length(min = 1, max = 40), nested)]
    pub documents: Vec<RequiredDocument>,
    /// True when the procedure can be done fully online ("toàn trình", Decree 42/2022).
    pub fully_online: bool,
    /// What the procedure produces.
    pub result: ResultKind,
    /// The first day the rule applies.
    pub effective_from: NaiveDate,
}

/// Longest deadline a rule may set, in days of either kind.
pub const MAX_DEADLINE: u16 = 365;

impl ProcedureData {
    /// Cleans text as typed.
    pub fn normalize(&mut self) {
        self.code = self.code.trim().to_lowercase();
        self.name_vi = clean(&self.name_vi);
        self.name_en = clean(&self.name_en);
        self.deadline_note = clean_optional(self.deadline_note.as_deref());
        self.legal_basis = clean(&self.legal_basis);
        for d in &mut self.documents {
            d.code = d.code.trim().to_lowercase();
            d.name_vi = clean(&d.name_vi);
            d.name_en = clean(&d.name_en);
        }
    }

    /// Field rules plus those relating fields: deadlines within a year, document codes unique.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = match self.validate() {
            Ok(()) => ValidationErrors::new(),
            Err(e) => e,
        };
        if self.deadline.value > MAX_DEADLINE {
            errors.add(
                "deadline_value",
                invalid("out_of_range", format!("must be from 0 to {MAX_DEADLINE}")),
            );
        }
        let mut seen = std::collections::HashSet::new();
        if self.documents.iter().any(|d| !seen.insert(d.code.as_str())) {
            errors.add(
                "documents",
                invalid("duplicate_code", "each document code may appear once"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn check_code(code: &str) -> Result<(), ValidationError> {
    let ok = (2..=64).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "invalid_code",
            "must be 2-64 characters: a lower-case letter, then lower-case letters, digits or `_`",
        ))
    }
}

super::patch! {
    /// A partial update of a rule.
    ProcedurePatch for ProcedureData {
        /// New Vietnamese name.
        name_vi: String,
        /// New English name.
        name_en: String,
        /// New deadline.
        deadline: Deadline,
        /// New note on the deadline.
        deadline_note: Option<String>,
        /// New legal basis.
        legal_basis: String,
        /// New checklist.
        documents: Vec<RequiredDocument>,
        /// New online availability.
        fully_online: bool,
        /// New result kind.
        result: ResultKind,
        /// New first day.
        effective_from: NaiveDate,
    }
}

impl ProcedurePatch {
    /// True when the patch changes what a dossier already decided by this rule relies on: its
    /// deadline, legal basis, result or first day. Such a change is a new rule from a new day.
    pub fn changes_the_rule(&self) -> bool {
        self.deadline.is_some()
            || self.legal_basis.is_some()
            || self.result.is_some()
            || self.effective_from.is_some()
    }
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    /// Identifier of the rule.
    pub id: Uuid,
    /// Its contents.
    pub data: ProcedureData,
    /// Row version, for `If-Match`.
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The rule of `code` in force on `day`: the one with the latest first day not after it.
pub fn in_force<'a>(rules: &'a [Procedure], code: &str, day: NaiveDate) -> Option<&'a Procedure> {
    rules
        .iter()
        .filter(|r| r.data.code == code && r.data.effective_from <= day)
        .max_by_key(|r| r.data.effective_from)
}

/// A deadline in words: "15 ngày" / "7 ngày làm việc".
pub fn deadline_vi(d: Deadline) -> String {
    match d.unit {
        DeadlineUnit::CalendarDays => format!("{} ngày", d.value),
        DeadlineUnit::WorkingDays => format!("{} ngày làm việc", d.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(code: &str, from: &str, days: u16) -> Procedure {
        Procedure {
            id: Uuid::nil(),
            data: ProcedureData {
                code: code.into(),
                name_vi: "Thủ tục".into(),
                name_en: "Procedure".into(),
                deadline: Deadline {
                    value: days,
                    unit: DeadlineUnit::CalendarDays,
                },
                deadline_note: None,
                legal_basis: "Nghị định".into(),
                documents: vec![RequiredDocument {
                    code: "request".into(),
                    name_vi: "Văn bản đề nghị".into(),
                    name_en: "Request".into(),
                    required: true,
                }],
                fully_online: true,
                result: ResultKind::Certificate,
                effective_from: from.parse().unwrap(),
            },
            version: 1,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_rule_in_force_is_the_latest_that_has_begun() {
        let rules = [
            rule("irc_issue", "2021-03-26", 15),
            rule("irc_issue", "2025-09-03", 10),
            rule("irc_adjust", "2021-03-26", 10),
        ];
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let days = |d: &str| in_force(&rules, "irc_issue", day(d)).map(|r| r.data.deadline.value);
        assert_eq!(days("2025-09-02"), Some(15));
        assert_eq!(days("2025-09-03"), Some(10));
        assert_eq!(days("2021-03-25"), None);
        assert!(in_force(&rules, "termination", day("2026-01-01")).is_none());
    }

    #[test]
    fn rules_check_their_codes_deadlines_and_checklists() {
        let mut r = rule("irc_issue", "2021-03-26", 15).data;
        assert!(r.check().is_ok());
        r.code = "IRC Issue".into();
        r.deadline.value = 400;
        r.documents.push(r.documents[0].clone());
        let e = r.check().unwrap_err();
        let fields: Vec<_> = e.errors().keys().map(|k| k.to_string()).collect();
        assert!(fields.contains(&"code".to_owned()));
        assert!(fields.contains(&"deadline_value".to_owned()));
        assert!(fields.contains(&"documents".to_owned()));
    }
}

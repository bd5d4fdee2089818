//! One-stop dossiers (hồ sơ, Decree 61/2018, Circular 01/2018/TT-VPCP): the status flow and who
//! may take each step, receipt codes, the statutory clock, lateness and the satisfaction scale.
//!
//! ```text
//!   submitted ──receive──> received ──start_review──> in_review ──approve──> approved ─┐
//!       │                   │   ▲                       │    │                           │
//!       │                   │   └──────receive─────┐    │    └──refuse──> refused ───────┤
//!       └─request_supplement┴──> supplement_requested <─┘                                │
//!                                                              result_returned <──return_result
//! ```
//!
//! The clock runs from the day after the dossier is received complete and stops while a
//! supplement is awaited; a complete file restarts it from zero, with a new due date.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use super::{
    auth::Role,
    calendar::Deadline,
    string_enum,
    text::{check_line, clean, clean_optional},
};

string_enum! {
    /// Where a dossier stands.
    DossierStatus {
        /// Submitted online, not yet checked by the desk.
        Submitted = "submitted",
        /// Received complete: the clock runs.
        Received = "received",
        /// Incomplete: the desk asked for more; the clock is stopped.
        SupplementRequested = "supplement_requested",
        /// Being examined by an officer.
        InReview = "in_review",
        /// Decided in the applicant's favour; the result is ready.
        Approved = "approved",
        /// Refused, with reasons.
        Refused = "refused",
        /// The result (or the refusal) was handed back.
        ResultReturned = "result_returned",
    }
}

impl DossierStatus {
    /// Vietnamese label, as the desk says it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Submitted => "Đã nộp trực tuyến, chờ tiếp nhận",
            Self::Received => "Đã tiếp nhận, hồ sơ hợp lệ",
            Self::SupplementRequested => "Yêu cầu bổ sung hồ sơ",
            Self::InReview => "Đang thẩm định",
            Self::Approved => "Đã giải quyết, chờ trả kết quả",
            Self::Refused => "Từ chối giải quyết",
            Self::ResultReturned => "Đã trả kết quả",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted online, awaiting the desk",
            Self::Received => "Received complete",
            Self::SupplementRequested => "Supplement requested",
            Self::InReview => "In review",
            Self::Approved => "Approved, result ready",
            Self::Refused => "Refused",
            Self::ResultReturned => "Result returned",
        }
    }

    /// True while the statutory clock runs: from complete receipt until the result is returned.
    pub fn clock_runs(self) -> bool {
        matches!(
            self,
            Self::Received | Self::InReview | Self::Approved | Self::Refused
        )
    }

    /// True until the result is returned.
    pub fn is_open(self) -> bool {
        self != Self::ResultReturned
    }
}

string_enum! {
    /// A step of the processing flow.
    DossierAction {
        /// Accept the dossier as complete: the clock starts (or restarts).
        Receive = "receive",
        /// Ask the applicant for missing or corrected documents: the clock stops.
        RequestSupplement = "request_supplement",
        /// Start examining the dossier.
        StartReview = "start_review",
        /// Decide in the applicant's favour (issuing a certificate named for the dossier does
        /// this by itself).
        Approve = "approve",
        /// Refuse, with reasons.
        Refuse = "refuse",
        /// Hand the result back.
        ReturnResult = "return_result",
    }
}

impl DossierAction {
    /// The status this step leads to.
    pub fn target(self) -> DossierStatus {
        match self {
            Self::Receive => DossierStatus::Received,
            Self::RequestSupplement => DossierStatus::SupplementRequested,
            Self::StartReview => DossierStatus::InReview,
            Self::Approve => DossierStatus::Approved,
            Self::Refuse => DossierStatus::Refused,
            Self::ReturnResult => DossierStatus::ResultReturned,
        }
    }

    /// The statuses this step may start from.
    pub fn sources(self) -> &'static [DossierStatus] {
        use DossierStatus as S;
        match self {
            Self::Receive => &[S::Submitted, S::SupplementRequested],
            Self::RequestSupplement => &[S::Submitted, S::Received, S::InReview],
            Self::StartReview => &[S::Received],
            Self::Approve => &[S::Received, S::InReview],
            Self::Refuse => &[S::Received, S::InReview],
            Self::ReturnResult => &[S::Approved, S::Refused],
        }
    }

    /// Who may take this step: the desk receives and returns, officers examine, leaders decide.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Receive | Self::ReturnResult => DESK,
            Self::RequestSupplement => DESK_AND_OFFICERS,
            Self::StartReview => REVIEWERS,
            Self::Approve | Self::Refuse => DECIDERS,
        }
    }

    /// Vietnamese label of the step.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Receive => "Tiếp nhận hồ sơ",
            Self::RequestSupplement => "Yêu cầu bổ sung hồ sơ",
            Self::StartReview => "Chuyển thẩm định",
            Self::Approve => "Phê duyệt",
            Self::Refuse => "Từ chối",
            Self::ReturnResult => "Trả kết quả",
        }
    }
}

/// The one-stop desk: intake, receipt, return of results.
pub const DESK: &[Role] = &[Role::Clerk];
/// Who may ask for a supplement: the desk when checking, officers when examining.
pub const DESK_AND_OFFICERS: &[Role] = &[Role::Clerk, Role::Officer];
/// Who examines dossiers.
pub const REVIEWERS: &[Role] = &[Role::Officer];
/// Who decides (approves or refuses).
pub const DECIDERS: &[Role] = &[Role::Approver];
/// Who may write an apology for a late result: whoever handles the dossier.
pub const APOLOGISERS: &[Role] = &[Role::Clerk, Role::Officer, Role::Approver];
/// Who may read dossiers: any staff member.
pub const DOSSIER_READERS: &[Role] = Role::ALL;

/// The steps that may follow a status, in flow order.
pub fn next_actions(status: DossierStatus) -> Vec<DossierAction> {
    DossierAction::ALL
        .iter()
        .copied()
        .filter(|a| a.sources().contains(&status))
        .collect()
}

string_enum! {
    /// How the dossier reached the board.
    Channel {
        /// Handed in at the one-stop desk.
        Desk = "desk",
        /// Submitted online through the public page or API.
        Online = "online",
    }
}

string_enum! {
    /// Who applies.
    ApplicantKind {
        /// A person.
        Individual = "individual",
        /// A company or other organisation.
        Organization = "organization",
    }
}

/// The applicant, as the desk records them. Everything but the kind and the name is personal
/// data: shown only to staff and to the holder of the tracking secret.
#[derive(Debug, Clone, PartialEq, Validate)]
pub struct Applicant {
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// Full name, or the organisation's name.
    #[validate(length(min = 1, max = 255), custom(function = "check_line"))]
    pub name: String,
    /// Identity number (CCCD, passport) or enterprise code.
    #[validate(length(max = 32), custom(function = "check_line"))]
    pub id_number: Option<String>,
    /// Date of birth (people).
    pub birth_date: Option<NaiveDate>,
    /// Address for correspondence.
    #[validate(length(max = 500), custom(function = "check_line"))]
    pub address: Option<String>,
    /// Telephone.
    #[validate(length(max = 32), custom(function = "check_line"))]
    pub phone: Option<String>,
    /// E-mail.
    #[validate(email, length(max = 254))]
    pub email: Option<String>,
}

impl Applicant {
    /// Cleans text as typed.
    pub fn normalize(&mut self) {
        self.name = clean(&self.name);
        self.id_number = clean_optional(self.id_number.as_deref());
        self.address = clean_optional(self.address.as_deref());
        self.phone = clean_optional(self.phone.as_deref());
        self.email = clean_optional(self.email.as_deref()).map(|e| e.to_lowercase());
    }
}

/// One line of a dossier's checklist: a document of the procedure and whether it was handed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentItem {
    /// The procedure's document code.
    pub code: String,
    /// Name in Vietnamese.
    pub name_vi: String,
    /// Name in English.
    pub name_en: String,
    /// False for documents needed only in some cases.
    pub required: bool,
    /// True when the document was handed in (at the desk, or attached online).
    pub provided: bool,
}

/// The rule a dossier was fixed to when it first became complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedRule {
    /// The procedure rule's id.
    pub procedure_id: Uuid,
    /// Its deadline.
    pub deadline: Deadline,
}

string_enum! {
    /// The satisfaction scale of the one-stop survey.
    Satisfaction {
        /// Rất hài lòng.
        VerySatisfied = "5",
        /// Hài lòng.
        Satisfied = "4",
        /// Bình thường.
        Neutral = "3",
        /// Không hài lòng.
        Dissatisfied = "2",
        /// Rất không hài lòng.
        VeryDissatisfied = "1",
    }
}

impl Satisfaction {
    /// The score, 1 (very dissatisfied) to 5 (very satisfied).
    pub fn score(self) -> u8 {
        match self {
            Self::VerySatisfied => 5,
            Self::Satisfied => 4,
            Self::Neutral => 3,
            Self::Dissatisfied => 2,
            Self::VeryDissatisfied => 1,
        }
    }

    /// The level with this score.
    pub fn from_score(score: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| i64::from(s.score()) == score)
    }

    /// The label on the survey.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::VerySatisfied => "Rất hài lòng",
            Self::Satisfied => "Hài lòng",
            Self::Neutral => "Bình thường",
            Self::Dissatisfied => "Không hài lòng",
            Self::VeryDissatisfied => "Rất không hài lòng",
        }
    }
}

/// The applicant's rating, left once after the result is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// The level.
    pub level: Satisfaction,
    /// Optional comment.
    pub comment: Option<String>,
    /// When it was left.
    pub at: DateTime<Utc>,
}

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    /// Identifier.
    pub id: Uuid,
    /// `UNIT-YYMMDD-NNNN`.
    pub receipt_code: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// The rule fixed when the dossier first became complete.
    pub rule: Option<FixedRule>,
    /// Desk or online.
    pub channel: Channel,
    /// Where it stands.
    pub status: DossierStatus,
    /// Who applies.
    pub applicant: Applicant,
    /// What the dossier is about, e.g. the project's name.
    pub subject: String,
    /// The investor, when known in the registry.
    pub investor_id: Option<Uuid>,
    /// The project, when known in the registry.
    pub project_id: Option<Uuid>,
    /// The checklist.
    pub documents: Vec<DocumentItem>,
    /// Staff note.
    pub note: Option<String>,
    /// When it was submitted (online) or taken in (desk).
    pub submitted_at: DateTime<Utc>,
    /// When it was first received complete.
    pub first_received_at: Option<DateTime<Utc>>,
    /// When the clock last started: the latest complete receipt.
    pub received_at: Option<DateTime<Utc>>,
    /// The statutory due date, while the clock runs or after it ran.
    pub due_date: Option<NaiveDate>,
    /// The new date promised in the latest apology.
    pub promised_date: Option<NaiveDate>,
    /// What the latest supplement request asked for.
    pub supplement_request: Option<String>,
    /// When it was approved or refused.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub refusal_reason: Option<String>,
    /// The certificate issued as its result.
    pub result_certificate_id: Option<Uuid>,
    /// When the result was returned.
    pub returned_at: Option<DateTime<Utc>>,
    /// The applicant's rating.
    pub rating: Option<Rating>,
    /// The clerk who took it in (desk).
    pub created_by: Option<Uuid>,
    /// Row version.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Dossier {
    /// True when the clock runs and `today` (a Vietnamese date) is past the due date.
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        self.status.clock_runs() && self.due_date.is_some_and(|due| today > due)
    }

    /// True when the result was (or, still open, would be today) returned after the due date.
    pub fn late_on(&self, returned_or_today: NaiveDate) -> bool {
        self.due_date.is_some_and(|due| returned_or_today > due)
    }
}

/// One step of the processing-control log.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// When.
    pub at: DateTime<Utc>,
    /// What: an action's name, or `submit` / `intake` / `apology` / `attach` / `rate`.
    pub action: String,
    /// Status before.
    pub from: Option<DossierStatus>,
    /// Status after.
    pub to: DossierStatus,
    /// `user`, `applicant` or `system`.
    pub actor_kind: String,
    /// Staff account, when a user acted.
    pub actor_id: Option<Uuid>,
    /// Who, as shown to staff.
    pub actor_name: String,
    /// What was said with the step (missing documents, reasons, ...).
    pub note: Option<String>,
    /// The due date after the step.
    pub due_date: Option<NaiveDate>,
}

/// An apology for a late result, with a new date (Circular 01/2018, form 04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apology {
    /// Identifier.
    pub id: Uuid,
    /// The dossier.
    pub dossier_id: Uuid,
    /// When it was written.
    pub issued_at: DateTime<Utc>,
    /// Why the result is late.
    pub reason: String,
    /// The new date promised.
    pub new_date: NaiveDate,
    /// The staff member who wrote it.
    pub issued_by: Option<Uuid>,
    /// Their name as signed.
    pub issued_by_name: String,
}

/// A file attached to a dossier (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Identifier.
    pub id: Uuid,
    /// The dossier.
    pub dossier_id: Uuid,
    /// The checklist document it is for, if said.
    pub document_code: Option<String>,
    /// File name as given (cleaned of paths and invisible characters).
    pub file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, found from the content.
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// `user` or `applicant`.
    pub uploaded_by_kind: String,
    /// The staff member who attached it.
    pub uploaded_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Longest unit code of receipt codes.
pub const MAX_UNIT_CODE: usize = 16;

/// A receipt code: `UNIT-YYMMDD-NNNN` (the day's sequence, four digits, wider past 9999).
pub fn receipt_code(unit: &str, day: NaiveDate, sequence: i64) -> String {
    format!("{unit}-{}-{sequence:04}", day.format("%y%m%d"))
}

/// The name of the counter that numbers a unit's receipts of one day.
pub fn receipt_counter(unit: &str, day: NaiveDate) -> String {
    format!("receipt:{unit}-{}", day.format("%y%m%d"))
}

/// True when `code` has the shape of a receipt code: a unit code (upper-case letters, digits,
/// `.` or `_`; hyphens are not allowed in it), a six-digit date and a sequence of four digits or
/// more.
pub fn looks_like_receipt_code(code: &str) -> bool {
    let mut parts = code.rsplitn(3, '-');
    let (Some(seq), Some(day), Some(unit)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    check_unit_code(unit)
        && day.len() == 6
        && day.bytes().all(|b| b.is_ascii_digit())
        && (4..=9).contains(&seq.len())
        && seq.bytes().all(|b| b.is_ascii_digit())
}

/// A unit code: 1-16 upper-case ASCII letters, digits, `.` or `_`.
pub fn check_unit_code(unit: &str) -> bool {
    (1..=MAX_UNIT_CODE).contains(&unit.len())
        && unit
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_but_the_last_has_a_next_step_and_each_step_names_its_roles() {
        for s in DossierStatus::ALL {
            let next = next_actions(*s);
            assert_eq!(next.is_empty(), *s == DossierStatus::ResultReturned, "{s}");
        }
        assert_eq!(
            next_actions(DossierStatus::Submitted),
            [DossierAction::Receive, DossierAction::RequestSupplement]
        );
        assert_eq!(
            next_actions(DossierStatus::InReview),
            [
                DossierAction::RequestSupplement,
                DossierAction::Approve,
                DossierAction::Refuse
            ]
        );
        for a in DossierAction::ALL {
            assert!(!a.roles().is_empty());
            assert!(!a.sources().contains(&a.target()), "{a} loops");
        }
    }

    #[test]
    fn receipt_codes_have_the_circular_s_shape() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 13).unwrap();
        assert_eq!(receipt_code("BQLKKT", day, 7), "BQLKKT-260213-0007");
        assert_eq!(receipt_code("BQLKKT", day, 12345), "BQLKKT-260213-12345");
        assert!(looks_like_receipt_code("BQLKKT-260213-0007"));
        assert!(looks_like_receipt_code("000.00.31.H56-260213-0007"));
        assert!(!looks_like_receipt_code("BQLKKT-2602-0007"));
        assert!(!looks_like_receipt_code("bqlkkt-260213-0007"));
        assert!(!looks_like_receipt_code("-260213-0007"));
        assert!(!looks_like_receipt_code("BQLKKT-260213-007"));
        assert_eq!(receipt_counter("BQLKKT", day), "receipt:BQLKKT-260213");
    }

    #[test]
    fn the_satisfaction_scale_runs_from_one_to_five() {
        assert_eq!(
            Satisfaction::from_score(5),
            Some(Satisfaction::VerySatisfied)
        );
        assert_eq!(Satisfaction::from_score(0), None);
        assert_eq!(
            Satisfaction::VeryDissatisfied.label_vi(),
            "Rất không hài lòng"
        );
    }
}

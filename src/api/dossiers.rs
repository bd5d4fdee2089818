//! `/api/v1/dossiers`: the one-stop desk. Staff take dossiers in, move them through the flow
//! (each step logged with its actor), write apologies for late results and print receipt slips;
//! applicants submit online, track their dossier by receipt code (personal data only with the
//! tracking secret), download the result and rate the service; staff and agencies read the
//! statistics.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Multipart, Object, OpenApi,
    param::{Header, Path, Query},
    payload::{Binary, Json},
    types::multipart::Upload,
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::problem_responses,
    resource::{ListPage, Listing, PageSize, listed},
    security::{AnyStaff, Authorized, ReaderAuth},
    types::{Date, Lenient, json_example, take_optional},
};
use crate::{
    domain::{
        Violations,
        auth::Scope,
        dossier::{
            Apology, Applicant, ApplicantKind, Attachment, Channel, DocumentItem, Dossier,
            DossierAction, DossierStatus, Satisfaction, Step, next_actions,
        },
    },
    service::{
        self, AppState, ServiceError,
        dossier_stats::{DossierStats, Processing},
        dossiers::{
            Details, DossierFilter, NewDossier, StepInput, Today, Tracked, Upload as FileUpload,
        },
    },
};

/// The one-stop desk.
#[derive(Default)]
pub struct DossiersApi;

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $view:ident = $domain:ty, $name:literal { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[oai(rename = $name, rename_all = "snake_case")]
        pub enum $view { $($(#[$vmeta])* $variant),+ }

        impl From<$domain> for $view {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => Self::$variant),+ }
            }
        }

        impl From<$view> for $domain {
            fn from(v: $view) -> Self {
                match v { $($view::$variant => Self::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// Where a dossier stands.
    StatusView = DossierStatus, "DossierStatus" {
        /// Submitted online, not yet checked by the desk.
        Submitted,
        /// Received complete: the clock runs.
        Received,
        /// Incomplete: the desk asked for more; the clock is stopped.
        SupplementRequested,
        /// Being examined.
        InReview,
        /// Approved; the result is ready to return.
        Approved,
        /// Refused, with reasons.
        Refused,
        /// The result was returned.
        ResultReturned,
    }
);

mirror_enum!(
    /// A step of the flow.
    ActionView = DossierAction, "DossierAction" {
        /// Accept the dossier as complete (desk): the clock starts, or restarts after a supplement.
        Receive,
        /// Ask for missing or corrected documents (desk or officer): the clock stops.
        RequestSupplement,
        /// Start examining it (officer).
        StartReview,
        /// Approve it (approver); for certificates, issuing the certificate drafted for the
        /// dossier does this.
        Approve,
        /// Refuse it with reasons (approver).
        Refuse,
        /// Hand the result back (desk); a late result needs an apology first.
        ReturnResult,
    }
);

mirror_enum!(
    /// How the dossier came in.
    ChannelView = Channel, "DossierChannel" {
        /// At the one-stop desk.
        Desk,
        /// Online.
        Online,
    }
);

mirror_enum!(
    /// Who applies.
    ApplicantKindView = ApplicantKind, "ApplicantKind" {
        /// A person.
        Individual,
        /// An organisation.
        Organization,
    }
);

/// The applicant: personal data, shown to staff and to the holder of the tracking secret only.
#[derive(Object, Debug, Clone)]
#[oai(rename = "Applicant", skip_serializing_if_is_none)]
pub struct ApplicantView {
    /// Person or organisation.
    kind: ApplicantKindView,
    /// Full name or the organisation's name.
    name: String,
    /// Identity number (CCCD, passport) or enterprise code.
    id_number: Option<String>,
    /// Date of birth.
    birth_date: Option<Date>,
    /// Address for correspondence.
    address: Option<String>,
    /// Telephone.
    phone: Option<String>,
    /// E-mail.
    email: Option<String>,
}

impl From<Applicant> for ApplicantView {
    fn from(a: Applicant) -> Self {
        Self {
            kind: a.kind.into(),
            name: a.name,
            id_number: a.id_number,
            birth_date: a.birth_date.map(Date),
            address: a.address,
            phone: a.phone,
            email: a.email,
        }
    }
}

/// The applicant as sent.
#[derive(Object, Debug, Clone)]
#[oai(
    rename = "ApplicantInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ApplicantInput {
    /// Person or organisation.
    kind: Lenient<ApplicantKindView>,
    /// Full name or the organisation's name.
    name: String,
    /// Identity number (CCCD, passport) or enterprise code.
    id_number: Option<String>,
    /// Date of birth.
    birth_date: Option<Lenient<Date>>,
    /// Address for correspondence.
    address: Option<String>,
    /// Telephone.
    phone: Option<String>,
    /// E-mail.
    email: Option<String>,
}

impl ApplicantInput {
    fn take(self, v: &mut Violations) -> Option<Applicant> {
        let kind = self.kind.take("applicant.kind", v);
        let birth = take_optional("applicant.birth_date", self.birth_date, v);
        Some(Applicant {
            kind: kind?.into(),
            name: self.name,
            id_number: self.id_number,
            birth_date: birth.map(|d| d.0),
            address: self.address,
            phone: self.phone,
            email: self.email,
        })
    }
}

/// One line of the checklist.
#[derive(Object, Debug, Clone)]
#[oai(rename = "DossierDocument")]
pub struct DocumentItemView {
    /// The procedure's document code.
    code: String,
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English.
    name_en: String,
    /// False for documents needed only in some cases.
    required: bool,
    /// True when handed in or attached.
    provided: bool,
}

impl From<DocumentItem> for DocumentItemView {
    fn from(d: DocumentItem) -> Self {
        Self {
            code: d.code,
            name_vi: d.name_vi,
            name_en: d.name_en,
            required: d.required,
            provided: d.provided,
        }
    }
}

/// The applicant's rating.
#[derive(Object, Debug, Clone)]
#[oai(rename = "DossierRating", skip_serializing_if_is_none)]
pub struct RatingView {
    /// 5 (very satisfied) to 1 (very dissatisfied).
    score: u8,
    /// The level's label, e.g. "Rất hài lòng".
    label: String,
    /// The comment left.
    comment: Option<String>,
    /// When it was left.
    rated_at: DateTime<Utc>,
}

/// One step of the processing-control log.
#[derive(Object, Debug, Clone)]
#[oai(rename = "DossierStep", skip_serializing_if_is_none)]
pub struct StepView {
    /// When.
    at: DateTime<Utc>,
    /// What: a step of the flow, or `intake`, `submit`, `apology`, `attach`, `rate`.
    action: String,
    /// Status before.
    from_status: Option<StatusView>,
    /// Status after.
    to_status: StatusView,
    /// `user`, `applicant` or `system`.
    actor_kind: String,
    /// The staff account, when a user acted.
    actor_id: Option<Uuid>,
    /// Who acted.
    actor_name: String,
    /// What was said with the step.
    note: Option<String>,
    /// The due date after the step.
    due_date: Option<Date>,
}

impl From<Step> for StepView {
    fn from(s: Step) -> Self {
        Self {
            at: s.at,
            action: s.action,
            from_status: s.from.map(Into::into),
            to_status: s.to.into(),
            actor_kind: s.actor_kind,
            actor_id: s.actor_id,
            actor_name: s.actor_name,
            note: s.note,
            due_date: s.due_date.map(Date),
        }
    }
}

/// An apology for a late result (Circular 01/2018, form 04).
#[derive(Object, Debug, Clone)]
#[oai(rename = "DossierApology", example)]
pub struct ApologyView {
    /// Identifier; its letter is at `/api/v1/dossiers/{id}/apologies/{apology_id}/pdf`.
    id: Uuid,
    /// When it was written.
    issued_at: DateTime<Utc>,
    /// Why the result is late.
    reason: String,
    /// The new date promised.
    new_date: Date,
    /// Who wrote it.
    issued_by_name: String,
}

impl From<Apology> for ApologyView {
    fn from(a: Apology) -> Self {
        Self {
            id: a.id,
            issued_at: a.issued_at,
            reason: a.reason,
            new_date: Date(a.new_date),
            issued_by_name: a.issued_by_name,
        }
    }
}

/// A file of a dossier.
#[derive(Object, Debug, Clone)]
#[oai(rename = "DossierAttachment", skip_serializing_if_is_none, example)]
pub struct AttachmentView {
    /// Identifier.
    id: Uuid,
    /// The checklist document it is for.
    document_code: Option<String>,
    /// File name as given (paths and invisible characters removed).
    file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, found from the content.
    media_type: String,
    /// Size in bytes.
    size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    sha256: String,
    /// `user` (staff) or `applicant`.
    uploaded_by_kind: String,
    /// When it was attached.
    created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            document_code: a.document_code,
            file_name: a.file_name,
            media_type: a.media_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_by_kind: a.uploaded_by_kind,
            created_at: a.created_at,
        }
    }
}

/// A dossier as staff see it.
#[derive(Object, Debug)]
#[oai(rename = "Dossier", skip_serializing_if_is_none, example)]
pub struct DossierView {
    /// Identifier.
    id: Uuid,
    /// Receipt code `UNIT-YYMMDD-NNNN`.
    receipt_code: String,
    /// The procedure's code.
    procedure_code: String,
    /// The rule fixed when the dossier first became complete.
    procedure_id: Option<Uuid>,
    /// Desk or online.
    channel: ChannelView,
    /// Where it stands.
    status: StatusView,
    /// The status in Vietnamese.
    status_label_vi: String,
    /// The status in English.
    status_label_en: String,
    /// The steps that may follow.
    next_actions: Vec<ActionView>,
    /// Who applies.
    applicant: ApplicantView,
    /// What the dossier is about.
    subject: String,
    /// The investor in the registry.
    investor_id: Option<Uuid>,
    /// The project in the registry.
    project_id: Option<Uuid>,
    /// The checklist.
    documents: Vec<DocumentItemView>,
    /// Staff note.
    note: Option<String>,
    /// When submitted (online) or taken in (desk).
    submitted_at: DateTime<Utc>,
    /// When first received complete.
    first_received_at: Option<DateTime<Utc>>,
    /// When the clock last started.
    received_at: Option<DateTime<Utc>>,
    /// Deadline in force: its value.
    deadline_value: Option<u16>,
    /// Deadline unit: `calendar_days` or `working_days`.
    deadline_unit: Option<String>,
    /// The statutory due date (absent while a supplement is awaited).
    due_date: Option<Date>,
    /// The new date promised in the latest apology.
    promised_date: Option<Date>,
    /// What the latest supplement request asked for.
    supplement_request: Option<String>,
    /// When approved or refused.
    decided_at: Option<DateTime<Utc>>,
    /// Why refused.
    refusal_reason: Option<String>,
    /// The certificate issued as the result.
    result_certificate_id: Option<Uuid>,
    /// When the result was returned.
    returned_at: Option<DateTime<Utc>>,
    /// The applicant's rating.
    rating: Option<RatingView>,
    /// The clock runs and the due date has passed.
    overdue: bool,
    /// The result was (or would be, returned today) late.
    late: bool,
    /// Working days past the due date.
    late_by_working_days: i64,
    /// Working days left until the due date, while the clock runs.
    working_days_left: Option<i64>,
    /// The processing-control log (on a single dossier only).
    steps: Option<Vec<StepView>>,
    /// Apologies written (on a single dossier only).
    apologies: Option<Vec<ApologyView>>,
    /// Files (on a single dossier only).
    attachments: Option<Vec<AttachmentView>>,
    /// Row version.
    version: i32,
    /// When created.
    created_at: DateTime<Utc>,
    /// When last changed.
    updated_at: DateTime<Utc>,
}

fn rating_view(d: &Dossier) -> Option<RatingView> {
    d.rating.as_ref().map(|r| RatingView {
        score: r.level.score(),
        label: r.level.label_vi().to_owned(),
        comment: r.comment.clone(),
        rated_at: r.at,
    })
}

impl DossierView {
    pub(crate) fn build(d: Dossier, today: Today) -> Self {
        Self {
            id: d.id,
            next_actions: next_actions(d.status).into_iter().map(Into::into).collect(),
            status_label_vi: d.status.label_vi().to_owned(),
            status_label_en: d.status.label_en().to_owned(),
            rating: rating_view(&d),
            receipt_code: d.receipt_code,
            procedure_code: d.procedure_code,
            procedure_id: d.rule.map(|r| r.procedure_id),
            channel: d.channel.into(),
            status: d.status.into(),
            applicant: d.applicant.into(),
            subject: d.subject,
            investor_id: d.investor_id,
            project_id: d.project_id,
            documents: d.documents.into_iter().map(Into::into).collect(),
            note: d.note,
            submitted_at: d.submitted_at,
            first_received_at: d.first_received_at,
            received_at: d.received_at,
            deadline_value: d.rule.map(|r| r.deadline.value),
            deadline_unit: d.rule.map(|r| r.deadline.unit.as_str().to_owned()),
            due_date: d.due_date.map(Date),
            promised_date: d.promised_date.map(Date),
            supplement_request: d.supplement_request,
            decided_at: d.decided_at,
            refusal_reason: d.refusal_reason,
            result_certificate_id: d.result_certificate_id,
            returned_at: d.returned_at,
            overdue: today.overdue,
            late: today.late,
            late_by_working_days: today.late_by_working_days,
            working_days_left: today.working_days_left,
            steps: None,
            apologies: None,
            attachments: None,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }

    fn full(details: Details) -> Self {
        let mut v = Self::build(details.dossier, details.today);
        v.steps = Some(details.steps.into_iter().map(Into::into).collect());
        v.apologies = Some(details.apologies.into_iter().map(Into::into).collect());
        v.attachments = Some(details.attachments.into_iter().map(Into::into).collect());
        v
    }
}

listed!(
    DossierView,
    name = "DossierList",
    list = "A page of dossiers.",
    items = "Dossiers, newest first (without their log, apologies and files).",
    cursor = "dossiers"
);

/// A dossier taken in at the desk.
#[derive(Object, Debug)]
#[oai(
    rename = "DossierIntake",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct IntakeBody {
    /// The procedure's code (see `GET /api/v1/procedures`); its rule in force today gives the
    /// checklist.
    procedure_code: String,
    /// Who applies.
    applicant: ApplicantInput,
    /// What the dossier is about, e.g. the project's name.
    subject: String,
    /// The investor, when already in the registry.
    investor_id: Option<Lenient<Uuid>>,
    /// The project, when already in the registry.
    project_id: Option<Lenient<Uuid>>,
    /// Codes of the checklist's documents handed in.
    #[oai(default)]
    provided: Vec<String>,
    /// True when the dossier is complete: it is received now and its clock starts. False when
    /// something is missing: say what in `supplement_request`.
    complete: bool,
    /// What is missing or must be corrected, when not complete.
    supplement_request: Option<String>,
    /// Staff note.
    note: Option<String>,
}

/// What the applicant sends online, as the `submission` part of the form.
#[derive(Object, Debug)]
#[oai(
    rename = "DossierSubmissionData",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct SubmissionData {
    /// The procedure's code (see `GET /api/v1/procedures`).
    procedure_code: String,
    /// Who applies.
    applicant: ApplicantInput,
    /// What the dossier is about, e.g. the project's name.
    subject: String,
}

/// An online submission: the dossier as JSON and its files. Every required document of the
/// procedure's checklist must come as a file (PDF, PNG or JPEG, checked by content).
#[derive(Multipart, Debug)]
#[oai(deny_unknown_fields)]
pub struct SubmissionForm {
    /// The dossier (`DossierSubmissionData`), as JSON.
    submission: super::body::JsonPart<SubmissionData>,
    /// The files, one part each.
    files: Vec<Upload>,
    /// The checklist document code of each file, in the order of `files`.
    #[oai(default)]
    file_documents: Vec<String>,
}

/// One file to attach.
#[derive(Multipart, Debug)]
#[oai(deny_unknown_fields)]
pub struct FileForm {
    /// The file: a PDF, PNG or JPEG (checked by content, not by name).
    file: Upload,
    /// The checklist document it is for.
    document_code: Option<String>,
}

/// A step to take.
#[derive(Object, Debug)]
#[oai(
    rename = "DossierStepRequest",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct StepBody {
    /// The step.
    action: Lenient<ActionView>,
    /// A note for the log.
    note: Option<String>,
    /// On `receive`: the codes of the checklist documents now handed in.
    provided: Option<Vec<String>>,
    /// On `request_supplement`: what is missing or must be corrected (required).
    missing: Option<String>,
    /// On `refuse`: the reasons (required).
    reason: Option<String>,
}

/// An apology to write.
#[derive(Object, Debug)]
#[oai(
    rename = "DossierApologyRequest",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct ApologyBody {
    /// Why the result is late.
    reason: String,
    /// The new date: a working day after the due date, not before today.
    new_date: Lenient<Date>,
}

/// A dossier just taken in, with its tracking secret. The secret is shown this once (only its
/// hash is kept): print it on the receipt slip (`GET /api/v1/dossiers/{id}/receipt` with the
/// `Tracking-Secret` header) or give it to the applicant.
#[derive(Object, Debug)]
#[oai(rename = "DossierCreated", example)]
pub struct CreatedView {
    /// The dossier.
    dossier: DossierView,
    /// The tracking secret.
    tracking_secret: String,
    /// The public tracking page (its QR is on the receipt slip).
    tracking_url: String,
}

/// The applicant's confirmation of an online submission.
#[derive(Object, Debug)]
#[oai(rename = "DossierSubmitted", example)]
pub struct SubmittedView {
    /// The receipt code to track the dossier with.
    receipt_code: String,
    /// The tracking secret, shown this once: with it the applicant sees details, downloads the
    /// result and rates the service.
    tracking_secret: String,
    /// The public tracking page.
    tracking_url: String,
    /// The dossier as the public sees it.
    dossier: PublicDossierView,
}

/// A new tracking secret.
#[derive(Object, Debug)]
#[oai(rename = "DossierSecret", example)]
pub struct SecretView {
    /// The receipt code.
    receipt_code: String,
    /// The new secret (the old one no longer works), shown this once.
    tracking_secret: String,
}

/// A moment of the dossier's history, as the public sees it: no names.
#[derive(Object, Debug)]
#[oai(rename = "PublicDossierStep")]
pub struct PublicStepView {
    /// When.
    at: DateTime<Utc>,
    /// The status reached.
    status: StatusView,
    /// Its label in Vietnamese.
    label_vi: String,
}

/// What only the holder of the tracking secret sees.
#[derive(Object, Debug)]
#[oai(rename = "DossierHolderView", skip_serializing_if_is_none)]
pub struct HolderView {
    /// The applicant as recorded.
    applicant: ApplicantView,
    /// What the dossier is about.
    subject: String,
    /// The checklist.
    documents: Vec<DocumentItemView>,
    /// What the latest supplement request asked for.
    supplement_request: Option<String>,
    /// Why it was refused.
    refusal_reason: Option<String>,
    /// The files.
    attachments: Vec<AttachmentView>,
    /// Apologies written.
    apologies: Vec<ApologyView>,
    /// The rating left.
    rating: Option<RatingView>,
    /// True when the signed certificate can be downloaded
    /// (`GET /api/v1/dossiers/lookup/{receipt_code}/result`).
    result_available: bool,
    /// True when the dossier can be rated now.
    can_rate: bool,
}

/// A dossier as anyone with its receipt code sees it: procedure, status and dates, never
/// personal data. `holder` is added for the holder of the tracking secret.
#[derive(Object, Debug)]
#[oai(rename = "PublicDossier", skip_serializing_if_is_none, example)]
pub struct PublicDossierView {
    /// Receipt code.
    receipt_code: String,
    /// The procedure's code.
    procedure_code: String,
    /// The procedure's name in Vietnamese.
    procedure_name_vi: Option<String>,
    /// The procedure's name in English.
    procedure_name_en: Option<String>,
    /// The deadline in words, e.g. "7 ngày làm việc".
    deadline_text: Option<String>,
    /// Desk or online.
    channel: ChannelView,
    /// Where it stands.
    status: StatusView,
    /// The status in Vietnamese.
    status_label_vi: String,
    /// The status in English.
    status_label_en: String,
    /// What happens next, in Vietnamese.
    next_step_vi: String,
    /// When it was submitted.
    submitted_at: DateTime<Utc>,
    /// When it was last received complete.
    received_at: Option<DateTime<Utc>>,
    /// The statutory due date.
    due_date: Option<Date>,
    /// The new date promised after an apology.
    promised_date: Option<Date>,
    /// When the result was returned.
    returned_at: Option<DateTime<Utc>>,
    /// The clock runs and the due date has passed.
    overdue: bool,
    /// The result was (or would be, returned today) late.
    late: bool,
    /// The history, without names.
    history: Vec<PublicStepView>,
    /// For the holder of the tracking secret only.
    holder: Option<HolderView>,
}

fn next_step_vi(d: &Dossier) -> &'static str {
    match d.status {
        DossierStatus::Submitted => "Bộ phận Một cửa kiểm tra và tiếp nhận hồ sơ.",
        DossierStatus::SupplementRequested => {
            "Người nộp bổ sung, hoàn thiện hồ sơ theo yêu cầu; thời hạn giải quyết tính lại từ khi nhận đủ hồ sơ."
        }
        DossierStatus::Received => "Hồ sơ được chuyển thẩm định.",
        DossierStatus::InReview => "Thẩm định hồ sơ và trình lãnh đạo phê duyệt.",
        DossierStatus::Approved | DossierStatus::Refused => "Bộ phận Một cửa trả kết quả.",
        DossierStatus::ResultReturned => {
            "Hồ sơ đã hoàn thành. Mời Ông/Bà đánh giá mức độ hài lòng."
        }
    }
}

fn public_view(t: Tracked) -> PublicDossierView {
    let Tracked { details, holder } = t;
    let Details {
        dossier: d,
        procedure,
        steps,
        apologies,
        attachments,
        today,
    } = details;
    let holder = holder.then(|| HolderView {
        applicant: d.applicant.clone().into(),
        subject: d.subject.clone(),
        documents: d.documents.iter().cloned().map(Into::into).collect(),
        supplement_request: d.supplement_request.clone(),
        refusal_reason: d.refusal_reason.clone(),
        attachments: attachments.into_iter().map(Into::into).collect(),
        apologies: apologies.into_iter().map(Into::into).collect(),
        rating: rating_view(&d),
        result_available: d.status == DossierStatus::ResultReturned
            && d.result_certificate_id.is_some(),
        can_rate: d.status == DossierStatus::ResultReturned && d.rating.is_none(),
    });
    PublicDossierView {
        next_step_vi: next_step_vi(&d).to_owned(),
        procedure_name_vi: procedure.as_ref().map(|p| p.data.name_vi.clone()),
        procedure_name_en: procedure.as_ref().map(|p| p.data.name_en.clone()),
        deadline_text: d
            .rule
            .map(|r| r.deadline)
            .or(procedure.as_ref().map(|p| p.data.deadline))
            .map(crate::domain::procedure::deadline_vi),
        receipt_code: d.receipt_code,
        procedure_code: d.procedure_code,
        channel: d.channel.into(),
        status: d.status.into(),
        status_label_vi: d.status.label_vi().to_owned(),
        status_label_en: d.status.label_en().to_owned(),
        submitted_at: d.submitted_at,
        received_at: d.received_at,
        due_date: d.due_date.map(Date),
        promised_date: d.promised_date.map(Date),
        returned_at: d.returned_at,
        overdue: today.overdue,
        late: today.late,
        history: steps
            .into_iter()
            .filter(|s| s.from != Some(s.to) || s.action == "submit" || s.action == "intake")
            .map(|s| PublicStepView {
                at: s.at,
                label_vi: s.to.label_vi().to_owned(),
                status: s.to.into(),
            })
            .collect(),
        holder,
    }
}

/// A rating to leave.
#[derive(Object, Debug)]
#[oai(
    rename = "DossierRatingRequest",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct RatingBody {
    /// 5 Rất hài lòng, 4 Hài lòng, 3 Bình thường, 2 Không hài lòng, 1 Rất không hài lòng.
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    score: Lenient<u8>,
    /// Optional comment.
    comment: Option<String>,
}

/// Figures of a group of returned dossiers.
#[derive(Object, Debug)]
#[oai(rename = "DossierProcessingStats", skip_serializing_if_is_none)]
pub struct ProcessingView {
    /// Results returned.
    returned: u64,
    /// Of those, on or before the due date.
    on_time: u64,
    /// `on_time / returned`, percent, one decimal.
    on_time_rate_percent: Option<f64>,
    /// Average working days from complete receipt to return.
    avg_working_days: Option<f64>,
    /// 90th percentile (nearest rank) of the same.
    p90_working_days: Option<i64>,
}

impl From<Processing> for ProcessingView {
    fn from(p: Processing) -> Self {
        Self {
            returned: p.returned,
            on_time: p.on_time,
            on_time_rate_percent: p.on_time_rate_percent,
            avg_working_days: p.avg_working_days,
            p90_working_days: p.p90_working_days,
        }
    }
}

/// One procedure in one month of return.
#[derive(Object, Debug)]
#[oai(rename = "DossierProcedureMonthStats")]
pub struct ProcedureMonthView {
    /// The procedure's code.
    procedure_code: String,
    /// `YYYY-MM` of the return.
    month: String,
    /// Its figures.
    processing: ProcessingView,
}

/// One level of the satisfaction scale.
#[derive(Object, Debug)]
#[oai(rename = "DossierSatisfactionLevel")]
pub struct LevelView {
    /// 5 to 1.
    score: u8,
    /// Its label.
    label: String,
    /// Ratings at this level.
    count: u64,
}

/// Statistics of the one-stop desk for a period.
#[derive(Object, Debug)]
#[oai(rename = "DossierStats", skip_serializing_if_is_none, example)]
pub struct StatsView {
    /// First day of the period (Vietnamese date).
    from: Date,
    /// Last day.
    to: Date,
    /// Dossiers submitted or taken in.
    submitted: u64,
    /// Of those, online.
    online: u64,
    /// `online / submitted`, percent.
    online_share_percent: Option<f64>,
    /// Every result returned in the period.
    processing: ProcessingView,
    /// By procedure and month of return.
    by_procedure_month: Vec<ProcedureMonthView>,
    /// Dossiers overdue now (their clock runs past the due date).
    overdue_now: u64,
    /// Ratings left in the period, 5 to 1.
    satisfaction: Vec<LevelView>,
    /// Average rating.
    satisfaction_average: Option<f64>,
}

impl From<DossierStats> for StatsView {
    fn from(s: DossierStats) -> Self {
        Self {
            from: Date(s.from),
            to: Date(s.to),
            submitted: s.submitted,
            online: s.online,
            online_share_percent: s.online_share_percent,
            processing: s.processing.into(),
            by_procedure_month: s
                .by_procedure_month
                .into_iter()
                .map(|r| ProcedureMonthView {
                    procedure_code: r.procedure_code,
                    month: r.month,
                    processing: r.processing.into(),
                })
                .collect(),
            overdue_now: s.overdue_now,
            satisfaction: s
                .satisfaction
                .into_iter()
                .map(|(level, count)| LevelView {
                    score: level.score(),
                    label: level.label_vi().to_owned(),
                    count,
                })
                .collect(),
            satisfaction_average: s.satisfaction_average,
        }
    }
}

json_example!(ApologyView, {
    "id": "019ad001-0000-7000-8000-000000000010",
    "issued_at": "2026-03-05T02:00:00Z",
    "reason": "Cần lấy ý kiến thẩm định của Sở Tài nguyên và Môi trường về nhu cầu sử dụng đất.",
    "new_date": "2026-03-12",
    "issued_by_name": "Trần Thị Bình"
});
json_example!(AttachmentView, {
    "id": "019ad001-0000-7000-8000-000000000011",
    "document_code": "request",
    "file_name": "van-ban-de-nghi.pdf",
    "media_type": "application/pdf",
    "size_bytes": 183422,
    "sha256": "9f2c8e4b1d0a7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
    "uploaded_by_kind": "applicant",
    "created_at": "2026-02-13T03:05:00Z"
});
json_example!(DossierView, {
    "id": "019ad001-0000-7000-8000-000000000001",
    "receipt_code": "BQLKKT-260213-0007",
    "procedure_code": "irc_issue",
    "procedure_id": "019ad000-0000-7000-8000-000000000003",
    "channel": "desk",
    "status": "received",
    "status_label_vi": "Đã tiếp nhận, hồ sơ hợp lệ",
    "status_label_en": "Received complete",
    "next_actions": ["request_supplement", "start_review", "approve", "refuse"],
    "applicant": {"kind": "organization", "name": "Công ty TNHH Điện tử Ánh Dương Quảng Trị", "id_number": "3200712345", "address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị", "phone": "0233 3851 234"},
    "subject": "Dự án Nhà máy linh kiện điện tử Ánh Dương",
    "documents": [{"code": "request", "name_vi": "Văn bản đề nghị thực hiện dự án đầu tư", "name_en": "Request to implement the investment project", "required": true, "provided": true}],
    "submitted_at": "2026-02-13T03:00:00Z",
    "first_received_at": "2026-02-13T03:00:00Z",
    "received_at": "2026-02-13T03:00:00Z",
    "deadline_value": 10,
    "deadline_unit": "calendar_days",
    "due_date": "2026-02-23",
    "overdue": false,
    "late": false,
    "late_by_working_days": 0,
    "working_days_left": 1,
    "version": 2,
    "created_at": "2026-02-13T03:00:00Z",
    "updated_at": "2026-02-13T03:00:00Z"
});
json_example!(IntakeBody, {
    "procedure_code": "irc_issue",
    "applicant": {"kind": "organization", "name": "Công ty TNHH Điện tử Ánh Dương Quảng Trị", "id_number": "3200712345", "address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị", "phone": "0233 3851 234", "email": "phaply@anhduong.vn"},
    "subject": "Dự án Nhà máy linh kiện điện tử Ánh Dương",
    "provided": ["request", "investor_legal", "proposal", "financial", "land"],
    "complete": true
});
json_example!(SubmissionData, {
    "procedure_code": "irc_adjust_name",
    "applicant": {"kind": "organization", "name": "Công ty TNHH Điện tử Ánh Dương Quảng Trị", "id_number": "3200712345", "email": "phaply@anhduong.vn"},
    "subject": "Đổi tên dự án Nhà máy linh kiện điện tử Ánh Dương"
});
json_example!(StepBody, {"action": "request_supplement", "missing": "Bổ sung báo cáo tài chính năm 2025 đã kiểm toán."});
json_example!(ApologyBody, {"reason": "Cần lấy ý kiến thẩm định của Sở Tài nguyên và Môi trường về nhu cầu sử dụng đất.", "new_date": "2026-03-12"});
json_example!(RatingBody, {"score": 5, "comment": "Cán bộ hướng dẫn tận tình."});
json_example!(SecretView, {"receipt_code": "BQLKKT-260213-0007", "tracking_secret": "K7QM-4XPA-2BNR-W5TD-8HCE-3YJF"});
json_example!(CreatedView, {
    "dossier": {
        "id": "019ad001-0000-7000-8000-000000000001", "receipt_code": "BQLKKT-260213-0007",
        "procedure_code": "irc_issue", "channel": "desk", "status": "received",
        "status_label_vi": "Đã tiếp nhận, hồ sơ hợp lệ", "status_label_en": "Received complete",
        "next_actions": ["request_supplement", "start_review", "approve", "refuse"],
        "applicant": {"kind": "organization", "name": "Công ty TNHH Điện tử Ánh Dương Quảng Trị"},
        "subject": "Dự án Nhà máy linh kiện điện tử Ánh Dương", "documents": [],
        "submitted_at": "2026-02-13T03:00:00Z", "received_at": "2026-02-13T03:00:00Z",
        "due_date": "2026-02-23", "overdue": false, "late": false, "late_by_working_days": 0,
        "version": 2, "created_at": "2026-02-13T03:00:00Z", "updated_at": "2026-02-13T03:00:00Z"
    },
    "tracking_secret": "K7QM-4XPA-2BNR-W5TD-8HCE-3YJF",
    "tracking_url": "https://dkdt.quangtri.gov.vn/d/BQLKKT-260213-0007"
});
json_example!(PublicDossierView, {
    "receipt_code": "BQLKKT-260213-0007",
    "procedure_code": "irc_issue",
    "procedure_name_vi": "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
    "deadline_text": "10 ngày",
    "channel": "online",
    "status": "in_review",
    "status_label_vi": "Đang thẩm định",
    "status_label_en": "In review",
    "next_step_vi": "Thẩm định hồ sơ và trình lãnh đạo phê duyệt.",
    "submitted_at": "2026-02-12T09:00:00Z",
    "received_at": "2026-02-13T03:00:00Z",
    "due_date": "2026-02-23",
    "overdue": false,
    "late": false,
    "history": [
        {"at": "2026-02-12T09:00:00Z", "status": "submitted", "label_vi": "Đã nộp trực tuyến, chờ tiếp nhận"},
        {"at": "2026-02-13T03:00:00Z", "status": "received", "label_vi": "Đã tiếp nhận, hồ sơ hợp lệ"},
        {"at": "2026-02-13T04:00:00Z", "status": "in_review", "label_vi": "Đang thẩm định"}
    ]
});
json_example!(SubmittedView, {
    "receipt_code": "BQLKKT-260212-0003",
    "tracking_secret": "K7QM-4XPA-2BNR-W5TD-8HCE-3YJF",
    "tracking_url": "https://dkdt.quangtri.gov.vn/d/BQLKKT-260212-0003",
    "dossier": {
        "receipt_code": "BQLKKT-260212-0003", "procedure_code": "irc_adjust_name", "channel": "online",
        "status": "submitted", "status_label_vi": "Đã nộp trực tuyến, chờ tiếp nhận",
        "status_label_en": "Submitted online, awaiting the desk",
        "next_step_vi": "Bộ phận Một cửa kiểm tra và tiếp nhận hồ sơ.",
        "submitted_at": "2026-02-12T09:00:00Z", "overdue": false, "late": false,
        "history": [{"at": "2026-02-12T09:00:00Z", "status": "submitted", "label_vi": "Đã nộp trực tuyến, chờ tiếp nhận"}]
    }
});
json_example!(StatsView, {
    "from": "2026-01-01", "to": "2026-03-31", "submitted": 42, "online": 17,
    "online_share_percent": 40.5,
    "processing": {"returned": 30, "on_time": 28, "on_time_rate_percent": 93.3, "avg_working_days": 6.4, "p90_working_days": 9},
    "by_procedure_month": [{"procedure_code": "irc_issue", "month": "2026-02", "processing": {"returned": 5, "on_time": 5, "on_time_rate_percent": 100.0, "avg_working_days": 7.2, "p90_working_days": 9}}],
    "overdue_now": 1,
    "satisfaction": [{"score": 5, "label": "Rất hài lòng", "count": 12}, {"score": 4, "label": "Hài lòng", "count": 6}, {"score": 3, "label": "Bình thường", "count": 1}, {"score": 2, "label": "Không hài lòng", "count": 0}, {"score": 1, "label": "Rất không hài lòng", "count": 0}],
    "satisfaction_average": 4.58
});

#[derive(ApiResponse)]
enum DossierFound {
    /// The dossier with its log, apologies and files.
    #[oai(status = 200)]
    Ok(Json<DossierView>),
}

#[derive(ApiResponse)]
enum DossierCreated {
    /// The dossier was taken in; its tracking secret is shown this once.
    #[oai(status = 201)]
    Created(
        Json<CreatedView>,
        /// Address of the new dossier.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum Submitted {
    /// The dossier was submitted; keep the receipt code and the secret.
    #[oai(status = 201)]
    Created(Json<SubmittedView>),
}

#[derive(ApiResponse)]
enum ApologyCreated {
    /// The apology was recorded; its letter is a PDF.
    #[oai(status = 201)]
    Created(
        Json<ApologyView>,
        /// Address of the letter.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum AttachmentCreated {
    /// The file was attached.
    #[oai(status = 201)]
    Created(Json<AttachmentView>),
}

#[derive(ApiResponse)]
enum SecretIssued {
    /// A new secret; the old one no longer works.
    #[oai(status = 200)]
    Ok(Json<SecretView>),
}

#[derive(ApiResponse)]
enum PublicFound {
    /// The dossier as the public (or, with the secret, its holder) sees it.
    #[oai(status = 200)]
    Ok(Json<PublicDossierView>),
}

#[derive(ApiResponse)]
enum StatsFound {
    /// The statistics.
    #[oai(status = 200)]
    Ok(Json<StatsView>),
}

/// A file as stored: a PDF or an image, with the media type found from its content.
struct FileFound {
    media_type: &'static str,
    bytes: Vec<u8>,
    disposition: String,
}

/// The media types a stored file may have.
const FILE_TYPES: [&str; 3] = ["application/pdf", "image/png", "image/jpeg"];

impl poem::IntoResponse for FileFound {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .status(poem::http::StatusCode::OK)
            .content_type(self.media_type)
            .header(poem::http::header::CONTENT_DISPOSITION, self.disposition)
            .header(poem::http::header::CACHE_CONTROL, "private, no-store")
            .body(self.bytes)
    }
}

impl ApiResponse for FileFound {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::{
            registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses},
            types::Type,
        };
        let header = |name: &str, description: &str| MetaHeader {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            required: true,
            deprecated: false,
            schema: String::schema_ref(),
        };
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The file: a PDF, PNG or JPEG, as its content showed when it was stored.",
                status: Some(200),
                status_range: None,
                content: FILE_TYPES
                    .iter()
                    .map(|t| MetaMediaType {
                        content_type: t,
                        schema: <Binary<Vec<u8>> as poem_openapi::payload::Payload>::schema_ref(),
                    })
                    .collect(),
                headers: vec![
                    header("Content-Disposition", "`attachment` with the file name."),
                    header("Cache-Control", "Caching rule."),
                ],
            }],
        }
    }

    fn register(_registry: &mut poem_openapi::registry::Registry) {}
}

#[derive(ApiResponse)]
enum PdfFound {
    /// The PDF.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        /// `inline` or `attachment` with the file name.
        #[oai(header = "Content-Disposition")]
        String,
        /// Caching rule.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

/// `attachment; filename="..."` with an ASCII fallback and the UTF-8 name (RFC 6266).
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = crate::domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn file_found(a: Attachment, bytes: Vec<u8>) -> FileFound {
    FileFound {
        media_type: FILE_TYPES
            .iter()
            .find(|t| **t == a.media_type)
            .copied()
            .unwrap_or("application/pdf"),
        bytes,
        disposition: disposition("attachment", &a.file_name),
    }
}

problem_responses! {
    /// Errors of listing dossiers.
    DossierListError {}
}

problem_responses! {
    /// Errors of reading a dossier.
    DossierReadError {
        404 NotFound "No dossier (or file, or apology) has this id.",
    }
}

problem_responses! {
    /// Errors of taking a dossier in.
    IntakeError {
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A field is invalid, the procedure is unknown, a document code is not in its checklist, or a dossier said complete lacks a required document; `errors[]` names each. Nothing was stored.",
    }
}

problem_responses! {
    /// Errors of a step, an apology, or a new secret.
    StepError {
        404 NotFound "No dossier has this id.",
        409 Conflict "The dossier's status does not allow this step (`errors[]` names the allowed next steps), a late result has no apology yet, the dossier is incomplete, or it changed meanwhile.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A required text (what is missing, the reasons) is absent or too long, or the new date is not a later working day.",
    }
}

problem_responses! {
    /// Errors of attaching a file as staff.
    AttachError {
        404 NotFound "No dossier has this id.",
        409 Conflict "The dossier is closed, or holds the most files it may.",
        413 PayloadTooLarge "The upload is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `multipart/form-data`.",
        422 Unprocessable "The file is not a PDF, PNG or JPEG by its content, disagrees with its name, is truncated, too large, a decompression bomb or encrypted; or the document code is not in the checklist. Nothing was stored.",
    }
}

problem_responses! {
    /// Errors of submitting online.
    SubmitError: public {
        413 PayloadTooLarge "The upload is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `multipart/form-data`.",
        422 Unprocessable "A field or a file is refused (wrong type by content, truncated, too large, a decompression bomb, encrypted), a required document is missing, or the procedure is unknown; `errors[]` names each. Nothing was stored.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of looking a dossier up.
    LookupError: public {
        403 Forbidden "A tracking secret was sent and it does not match this receipt code.",
        404 NotFound "No dossier has this receipt code.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of what only the holder of the tracking secret may do.
    HolderError: public {
        403 Forbidden "The tracking secret does not match this receipt code.",
        404 NotFound "No dossier (or file) has this receipt code (or id).",
        409 Conflict "Not now: the result is not returned yet, the dossier was already rated, or files can no longer be added.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of what only the holder of the tracking secret may send.
    HolderWriteError: public {
        403 Forbidden "The tracking secret does not match this receipt code.",
        404 NotFound "No dossier has this receipt code.",
        409 Conflict "Not now: the result is not returned yet, the dossier was already rated, the dossier holds the most files it may, or files can no longer be added.",
        413 PayloadTooLarge "The body is larger than the configured limit.",
        415 UnsupportedMediaType "The body has another content type than the operation takes.",
        422 Unprocessable "A field or the file is refused; `errors[]` names it. Nothing was stored.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of reading statistics.
    StatsError {
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

fn tracking_url(state: &AppState, code: &str) -> String {
    format!(
        "{}/d/{code}",
        state.issuer.public_base_url().trim_end_matches('/')
    )
}

async fn uploads(files: Vec<Upload>, codes: Vec<String>) -> Result<Vec<FileUpload>, ServiceError> {
    if !codes.is_empty() && codes.len() != files.len() {
        return Err(ServiceError::invalid(
            "file_documents",
            "count_mismatch",
            format!(
                "give one document code per file: {} files, {} codes",
                files.len(),
                codes.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(files.len());
    let mut codes = codes.into_iter();
    for f in files {
        let file_name = f.file_name().unwrap_or("tep-dinh-kem").to_owned();
        let bytes = f.into_vec().await.map_err(|e| ServiceError::BadParameter {
            name: "files",
            message: format!("a file could not be read: {e}"),
        })?;
        out.push(FileUpload {
            file_name,
            document_code: codes
                .next()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty()),
            bytes,
        });
    }
    Ok(out)
}

fn new_dossier(
    procedure_code: String,
    applicant: ApplicantInput,
    subject: String,
    v: &mut Violations,
) -> Option<NewDossier> {
    let applicant = applicant.take(v)?;
    Some(NewDossier {
        procedure_code,
        applicant,
        subject,
        investor_id: None,
        project_id: None,
        provided: Vec::new(),
        complete: false,
        supplement_request: None,
        note: None,
    })
}

/// The filter of a dossier list or export, from its query parameters.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per query parameter of the list"
)]
pub(crate) fn dossier_filter(
    status: Option<Lenient<StatusView>>,
    procedure: Option<String>,
    overdue: Option<bool>,
    due_within: Option<Lenient<u32>>,
    received_from: Option<Lenient<Date>>,
    received_to: Option<Lenient<Date>>,
    project_id: Option<Lenient<Uuid>>,
    channel: Option<Lenient<ChannelView>>,
) -> Result<DossierFilter, ServiceError> {
    Ok(DossierFilter {
        status: status
            .map(|s| s.param("status"))
            .transpose()?
            .map(Into::into),
        procedure_code: procedure
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        overdue,
        due_within_working_days: due_within.map(|d| d.param("due_within")).transpose()?,
        received_from: received_from
            .map(|d| d.param("received_from"))
            .transpose()?
            .map(|d| d.0),
        received_to: received_to
            .map(|d| d.param("received_to"))
            .transpose()?
            .map(|d| d.0),
        project_id: project_id.map(|p| p.param("project_id")).transpose()?,
        channel: channel
            .map(|c| c.param("channel"))
            .transpose()?
            .map(Into::into),
    })
}

fn current_request_id() -> Option<String> {
    super::request_context::current_request_id()
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Dossiers")]
impl DossiersApi {
    /// List dossiers
    ///
    /// Newest first, with what their dates mean today (overdue, late, working days left).
    #[oai(path = "/dossiers", method = "get", operation_id = "list_dossiers")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Only this status.
        status: Query<Option<Lenient<StatusView>>>,
        /// Only this procedure.
        procedure: Query<Option<String>>,
        /// `true`: only overdue dossiers; `false`: only the others.
        overdue: Query<Option<bool>>,
        /// Only dossiers whose clock runs and that are due within this many working days
        /// (0: due today or overdue).
        due_within: Query<Option<Lenient<u32>>>,
        /// Received complete on or after this day.
        received_from: Query<Option<Lenient<Date>>>,
        /// Received complete on or before this day.
        received_to: Query<Option<Lenient<Date>>>,
        /// Only this project's.
        project_id: Query<Option<Lenient<Uuid>>>,
        /// Only this channel.
        channel: Query<Option<Lenient<ChannelView>>>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<DossierView>, DossierListError> {
        let after = ListPage::<DossierView>::after(cursor.0.as_deref())?;
        let filter = dossier_filter(
            status.0,
            procedure.0,
            overdue.0,
            due_within.0,
            received_from.0,
            received_to.0,
            project_id.0,
            channel.0,
        )?;
        let page =
            service::dossiers::list(&state, &auth.context(), filter, after, limit.0.get()).await?;
        Ok(Listing(ListPage::of(page, |(d, t)| {
            DossierView::build(d, t)
        })))
    }

    /// Take a dossier in at the desk (clerk)
    ///
    /// A complete dossier is received at once: the rule in force today is fixed to it and the
    /// clock starts (due date per Civil Code Art. 147-148 and the working-day calendar). An
    /// incomplete one is recorded with what is missing. The answer carries the tracking secret,
    /// shown this once.
    #[oai(path = "/dossiers", method = "post", operation_id = "create_dossier")]
    async fn intake(
        &self,
        state: Data<&AppState>,
        auth: Authorized<crate::api::security::Desk>,
        body: super::body::Body<IntakeBody>,
    ) -> Result<DossierCreated, IntakeError> {
        let b = body.0;
        let mut v = Violations::default();
        let investor = take_optional("investor_id", b.investor_id, &mut v);
        let project = take_optional("project_id", b.project_id, &mut v);
        let Some(mut new) = new_dossier(b.procedure_code, b.applicant, b.subject, &mut v) else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        v.finish().map_err(ServiceError::Validation)?;
        new.investor_id = investor;
        new.project_id = project;
        new.provided = b
            .provided
            .into_iter()
            .map(|c| c.trim().to_owned())
            .collect();
        new.complete = b.complete;
        new.supplement_request = b.supplement_request;
        new.note = b.note;
        let ctx = auth.context();
        let created = service::dossiers::intake(&state, &ctx, new, Vec::new()).await?;
        let url = tracking_url(&state, &created.dossier.receipt_code);
        let id = created.dossier.id;
        let details = service::dossiers::details(&state.db, created.dossier, ctx.now).await?;
        Ok(DossierCreated::Created(
            Json(CreatedView {
                dossier: DossierView::full(details),
                tracking_secret: created.tracking_secret,
                tracking_url: url,
            }),
            format!("/api/v1/dossiers/{id}"),
        ))
    }

    /// One dossier
    ///
    /// With its processing-control log, apologies and files.
    #[oai(path = "/dossiers/:id", method = "get", operation_id = "get_dossier")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<DossierFound, DossierReadError> {
        let details = service::dossiers::get(&state, &auth.context(), id.0.param("id")?).await?;
        Ok(DossierFound::Ok(Json(DossierView::full(details))))
    }

    /// Take a step
    ///
    /// `receive` (desk), `request_supplement` (desk or officer), `start_review` (officer),
    /// `approve` and `refuse` (approver), `return_result` (desk). A role that may not take the
    /// step gets 403; a step the status does not allow gets 409 naming the allowed ones.
    #[oai(
        path = "/dossiers/:id/steps",
        method = "post",
        operation_id = "take_dossier_step"
    )]
    async fn step(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<StepBody>,
    ) -> Result<DossierFound, StepError> {
        let id = id.0.param("id")?;
        let b = body.0;
        let mut v = Violations::default();
        let Some(action) = b.action.take("action", &mut v) else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        let ctx = auth.context();
        let d = service::dossiers::act(
            &state,
            &ctx,
            id,
            action.into(),
            StepInput {
                note: b.note,
                provided: b.provided,
                missing: b.missing,
                reason: b.reason,
            },
        )
        .await?;
        let details = service::dossiers::details(&state.db, d, ctx.now).await?;
        Ok(DossierFound::Ok(Json(DossierView::full(details))))
    }

    /// Apologise for a late result
    ///
    /// Records an apology with a new date (Circular 01/2018/TT-VPCP, form 04) and its letter as
    /// a PDF. A late result cannot be returned without one.
    #[oai(
        path = "/dossiers/:id/apologies",
        method = "post",
        operation_id = "create_dossier_apology"
    )]
    async fn apologize(
        &self,
        state: Data<&AppState>,
        auth: Authorized<crate::api::security::Apologisers>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<ApologyBody>,
    ) -> Result<ApologyCreated, StepError> {
        let id = id.0.param("id")?;
        let b = body.0;
        let mut v = Violations::default();
        let Some(new_date) = b.new_date.take("new_date", &mut v) else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        let a =
            service::dossiers::apologize(&state, &auth.context(), id, b.reason, new_date.0).await?;
        let location = format!("/api/v1/dossiers/{id}/apologies/{}/pdf", a.id);
        Ok(ApologyCreated::Created(Json(a.into()), location))
    }

    /// The apology letter (PDF)
    #[oai(
        path = "/dossiers/:id/apologies/:apology_id/pdf",
        method = "get",
        operation_id = "get_dossier_apology_pdf"
    )]
    async fn apology_pdf(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        /// Apology id.
        apology_id: Path<Lenient<Uuid>>,
    ) -> Result<PdfFound, DossierReadError> {
        let (name, bytes) = service::dossier_documents::apology_pdf(
            &state,
            &auth.context(),
            id.0.param("id")?,
            apology_id.0.param("apology_id")?,
        )
        .await?;
        Ok(PdfFound::Ok(
            Binary(bytes),
            disposition("inline", &name),
            "private, no-store".to_owned(),
        ))
    }

    /// The receipt and appointment slip (PDF)
    ///
    /// Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Circular 01/2018/TT-VPCP, form 01): receipt
    /// code, documents received, due date, and a QR of the public tracking page. With the
    /// `Tracking-Secret` header (as given when the dossier was taken in) the secret is printed
    /// on it too.
    #[oai(
        path = "/dossiers/:id/receipt",
        method = "get",
        operation_id = "get_dossier_receipt"
    )]
    async fn receipt(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        /// The tracking secret, to print it on the slip.
        #[oai(name = "Tracking-Secret")]
        secret: Header<Option<String>>,
    ) -> Result<PdfFound, SlipError> {
        let (name, bytes) = service::dossier_documents::receipt_pdf(
            &state,
            &auth.context(),
            id.0.param("id")?,
            secret.0.as_deref(),
        )
        .await?;
        Ok(PdfFound::Ok(
            Binary(bytes),
            disposition("inline", &name),
            "private, no-store".to_owned(),
        ))
    }

    /// Give the applicant a new tracking secret (clerk)
    ///
    /// For an applicant who lost theirs: the old secret stops working.
    #[oai(
        path = "/dossiers/:id/tracking-secret",
        method = "post",
        operation_id = "reissue_dossier_secret"
    )]
    async fn reissue_secret(
        &self,
        state: Data<&AppState>,
        auth: Authorized<crate::api::security::Desk>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<SecretIssued, DossierReadError> {
        let (d, secret) =
            service::dossiers::reissue_secret(&state, &auth.context(), id.0.param("id")?).await?;
        Ok(SecretIssued::Ok(Json(SecretView {
            receipt_code: d.receipt_code,
            tracking_secret: secret,
        })))
    }

    /// Attach a file (desk or officer)
    #[oai(
        path = "/dossiers/:id/attachments",
        method = "post",
        operation_id = "attach_dossier_file"
    )]
    async fn attach(
        &self,
        state: Data<&AppState>,
        auth: Authorized<crate::api::security::DeskAndOfficers>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        form: FileForm,
    ) -> Result<AttachmentCreated, AttachError> {
        let id = id.0.param("id")?;
        let mut files = uploads(vec![form.file], form.document_code.into_iter().collect()).await?;
        let Some(file) = files.pop() else {
            return Err(ServiceError::invalid("file", "required", "send one file").into());
        };
        let a = service::dossiers::attach(&state, &auth.context(), id, file).await?;
        Ok(AttachmentCreated::Created(Json(a.into())))
    }

    /// One file of a dossier
    #[oai(
        path = "/dossiers/:id/attachments/:attachment_id",
        method = "get",
        operation_id = "get_dossier_file"
    )]
    async fn attachment(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Dossier id.
        id: Path<Lenient<Uuid>>,
        /// File id.
        attachment_id: Path<Lenient<Uuid>>,
    ) -> Result<FileFound, DossierReadError> {
        let (a, bytes) = service::dossiers::attachment(
            &state,
            &auth.context(),
            id.0.param("id")?,
            attachment_id.0.param("attachment_id")?,
        )
        .await?;
        Ok(file_found(a, bytes))
    }

    /// Submit a dossier online (public)
    ///
    /// No account needed: a `multipart/form-data` form with the dossier as JSON (`submission`)
    /// and every required document of the checklist as a file. The answer carries the receipt
    /// code and the tracking secret, shown this once. The desk then checks the dossier; its
    /// clock starts when it is received complete.
    #[oai(
        path = "/dossiers/submissions",
        method = "post",
        operation_id = "submit_dossier"
    )]
    async fn submit(
        &self,
        state: Data<&AppState>,
        form: SubmissionForm,
    ) -> Result<Submitted, SubmitError> {
        let data = form.submission.0.map_err(ServiceError::Validation)?;
        let mut v = Violations::default();
        let Some(new) = new_dossier(data.procedure_code, data.applicant, data.subject, &mut v)
        else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        v.finish().map_err(ServiceError::Validation)?;
        let files = uploads(form.files, form.file_documents).await?;
        let now = state.clock.now();
        let created =
            service::dossiers::submit_online(&state, now, current_request_id(), new, files).await?;
        let code = created.dossier.receipt_code.clone();
        let tracked = service::dossiers::lookup(&state, &code, None).await?;
        Ok(Submitted::Created(Json(SubmittedView {
            tracking_url: tracking_url(&state, &code),
            receipt_code: code,
            tracking_secret: created.tracking_secret,
            dossier: public_view(tracked),
        })))
    }

    /// Track a dossier (public)
    ///
    /// By receipt code: procedure, status, dates, due date, next step and whether it is late —
    /// never personal data. With the right `Tracking-Secret` header, `holder` adds the
    /// applicant's details, the checklist, files and whether the result can be downloaded.
    #[oai(
        path = "/dossiers/lookup/:receipt_code",
        method = "get",
        operation_id = "lookup_dossier"
    )]
    async fn lookup(
        &self,
        state: Data<&AppState>,
        /// Receipt code, e.g. `BQLKKT-260213-0007`.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// The tracking secret, for the holder's view.
        #[oai(name = "Tracking-Secret")]
        secret: Header<Option<String>>,
    ) -> Result<PublicFound, LookupError> {
        let t = service::dossiers::lookup(&state, &receipt_code.0, secret.0.as_deref()).await?;
        Ok(PublicFound::Ok(Json(public_view(t))))
    }

    /// The receipt slip, for the applicant (public, with the secret)
    #[oai(
        path = "/dossiers/lookup/:receipt_code/receipt",
        method = "get",
        operation_id = "get_dossier_receipt_as_applicant"
    )]
    async fn holder_receipt(
        &self,
        state: Data<&AppState>,
        /// Receipt code.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// The tracking secret.
        #[oai(name = "Tracking-Secret")]
        secret: Header<String>,
    ) -> Result<PdfFound, HolderError> {
        let (name, bytes) = service::dossier_documents::receipt_pdf_as_applicant(
            &state,
            &receipt_code.0,
            &secret.0,
        )
        .await?;
        Ok(PdfFound::Ok(
            Binary(bytes),
            disposition("inline", &name),
            "private, no-store".to_owned(),
        ))
    }

    /// Download the result (public, with the secret)
    ///
    /// The signed certificate issued as the dossier's result, once the result is returned.
    #[oai(
        path = "/dossiers/lookup/:receipt_code/result",
        method = "get",
        operation_id = "get_dossier_result"
    )]
    async fn result(
        &self,
        state: Data<&AppState>,
        /// Receipt code.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// The tracking secret.
        #[oai(name = "Tracking-Secret")]
        secret: Header<String>,
    ) -> Result<PdfFound, HolderError> {
        let (name, bytes) =
            service::dossiers::result_pdf(&state, &receipt_code.0, &secret.0).await?;
        Ok(PdfFound::Ok(
            Binary(bytes),
            disposition("attachment", &name),
            "private, no-store".to_owned(),
        ))
    }

    /// Rate the service (public, with the secret)
    ///
    /// Once, after the result is returned, on the 5-point scale of the one-stop survey.
    #[oai(
        path = "/dossiers/lookup/:receipt_code/rating",
        method = "post",
        operation_id = "rate_dossier"
    )]
    async fn rate(
        &self,
        state: Data<&AppState>,
        /// Receipt code.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// The tracking secret.
        #[oai(name = "Tracking-Secret")]
        secret: Header<String>,
        body: super::body::Body<RatingBody>,
    ) -> Result<PublicFound, HolderWriteError> {
        let b = body.0;
        let mut v = Violations::default();
        let score = b.score.take("score", &mut v);
        let level = score.and_then(|s| Satisfaction::from_score(i64::from(s)));
        let Some(level) = level else {
            if score.is_some() {
                v.push(crate::domain::FieldViolation::new(
                    "score",
                    "out_of_range",
                    "must be 1 to 5",
                ));
            }
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        service::dossiers::rate(
            &state,
            &receipt_code.0,
            &secret.0,
            level,
            b.comment,
            current_request_id(),
        )
        .await?;
        let t = service::dossiers::lookup(&state, &receipt_code.0, Some(&secret.0)).await?;
        Ok(PublicFound::Ok(Json(public_view(t))))
    }

    /// Add a file (public, with the secret)
    ///
    /// While the dossier awaits the desk or a supplement.
    #[oai(
        path = "/dossiers/lookup/:receipt_code/attachments",
        method = "post",
        operation_id = "attach_dossier_file_as_applicant"
    )]
    async fn holder_attach(
        &self,
        state: Data<&AppState>,
        /// Receipt code.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// The tracking secret.
        #[oai(name = "Tracking-Secret")]
        secret: Header<String>,
        form: FileForm,
    ) -> Result<AttachmentCreated, HolderWriteError> {
        let mut files = uploads(vec![form.file], form.document_code.into_iter().collect()).await?;
        let Some(file) = files.pop() else {
            return Err(ServiceError::invalid("file", "required", "send one file").into());
        };
        let a = service::dossiers::attach_as_applicant(
            &state,
            &receipt_code.0,
            &secret.0,
            file,
            current_request_id(),
        )
        .await?;
        Ok(AttachmentCreated::Created(Json(a.into())))
    }

    /// One file of the dossier (public, with the secret)
    #[oai(
        path = "/dossiers/lookup/:receipt_code/attachments/:attachment_id",
        method = "get",
        operation_id = "get_dossier_file_as_applicant"
    )]
    async fn holder_attachment(
        &self,
        state: Data<&AppState>,
        /// Receipt code.
        #[oai(validator(pattern = r"^[A-Z0-9._]{1,16}-[0-9]{6}-[0-9]{4,9}$"))]
        receipt_code: Path<String>,
        /// File id.
        attachment_id: Path<Lenient<Uuid>>,
        /// The tracking secret.
        #[oai(name = "Tracking-Secret")]
        secret: Header<String>,
    ) -> Result<FileFound, HolderError> {
        let (a, bytes) = service::dossiers::attachment_as_applicant(
            &state,
            &receipt_code.0,
            &secret.0,
            attachment_id.0.param("attachment_id")?,
        )
        .await?;
        Ok(file_found(a, bytes))
    }

    /// Statistics of the one-stop desk
    ///
    /// For a period of Vietnamese dates (default: this year so far): dossiers submitted and the
    /// online share; results returned, the on-time rate, average and 90th-percentile working
    /// days, by procedure and month; dossiers overdue now; satisfaction. For staff and agency
    /// keys with `stats:read`.
    #[oai(
        path = "/stats/dossiers",
        method = "get",
        operation_id = "get_dossier_stats"
    )]
    async fn stats(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// First day (`YYYY-MM-DD`).
        from: Query<Option<Lenient<Date>>>,
        /// Last day (`YYYY-MM-DD`).
        to: Query<Option<Lenient<Date>>>,
    ) -> Result<StatsFound, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let from = from.0.map(|d| d.param("from")).transpose()?.map(|d| d.0);
        let to = to.0.map(|d| d.param("to")).transpose()?.map(|d| d.0);
        let s = service::dossier_stats::stats(&state, from, to).await?;
        Ok(StatsFound::Ok(Json(s.into())))
    }
}

problem_responses! {
    /// Errors of printing a receipt slip.
    SlipError {
        404 NotFound "No dossier has this id.",
        422 Unprocessable "The `Tracking-Secret` given does not match this dossier.",
    }
}

//! One-stop dossiers: intake at the desk and online submission, the processing flow with its
//! statutory clock, apologies for late results, attachments, and what the applicant sees with
//! and without the tracking secret.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{AppState, Db, Page, ServiceError, procedures, record, users::require};
use crate::{
    db::{self, dossiers::DossierQuery},
    domain::{
        FieldViolation, Violations,
        auth::{Actor, Context, Role},
        calendar::Calendar,
        dossier::{
            APOLOGISERS, Apology, Applicant, Attachment, Channel, DESK, DESK_AND_OFFICERS,
            DOSSIER_READERS, DocumentItem, Dossier, DossierAction, DossierStatus, FixedRule,
            Rating, Satisfaction, Step, next_actions, receipt_code, receipt_counter,
        },
        procedure::{Procedure, ResultKind},
        text::{check_text, clean, clean_optional},
        time::vietnam_date,
        violations_from,
    },
    files,
};

/// Longest free text of a step (missing documents, reasons, notes), in characters.
pub const MAX_STEP_TEXT: usize = 2000;

/// A dossier to take in.
#[derive(Debug, Clone)]
pub struct NewDossier {
    /// The procedure's code; its rule in force today gives the checklist.
    pub procedure_code: String,
    /// Who applies.
    pub applicant: Applicant,
    /// What the dossier is about, e.g. the project's name.
    pub subject: String,
    /// The investor, when known in the registry.
    pub investor_id: Option<Uuid>,
    /// The project, when known in the registry.
    pub project_id: Option<Uuid>,
    /// Codes of the checklist's documents handed in (at the desk).
    pub provided: Vec<String>,
    /// At the desk: true when the dossier is complete (the clock starts now); false when the
    /// clerk asks for a supplement at once (`supplement_request` says what is missing).
    pub complete: bool,
    /// What is missing, when not complete.
    pub supplement_request: Option<String>,
    /// Staff note.
    pub note: Option<String>,
}

/// A file sent with a dossier.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the sender gave it.
    pub file_name: String,
    /// The checklist document it is for.
    pub document_code: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A dossier just taken in, with its tracking secret (shown once, never stored).
#[derive(Debug, Clone)]
pub struct Created {
    /// The dossier.
    pub dossier: Dossier,
    /// The secret that lets the applicant see details, download the result and rate.
    pub tracking_secret: String,
}

/// A dossier with everything staff see of it.
#[derive(Debug, Clone)]
pub struct Details {
    /// The dossier.
    pub dossier: Dossier,
    /// Its rule, when fixed; else the rule in force today for its procedure.
    pub procedure: Option<Procedure>,
    /// The processing-control log.
    pub steps: Vec<Step>,
    /// Apologies written for it.
    pub apologies: Vec<Apology>,
    /// Its files.
    pub attachments: Vec<Attachment>,
    /// The status of things today.
    pub today: Today,
}

/// What a dossier's dates mean today (a Vietnamese date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Today {
    /// Today's date in Vietnam.
    pub date: NaiveDate,
    /// The clock runs and the due date has passed.
    pub overdue: bool,
    /// The result was (or, still open, would be today) returned after the due date.
    pub late: bool,
    /// Working days past the due date (0 when not late).
    pub late_by_working_days: i64,
    /// Working days left until the due date, while the clock runs and it has not passed.
    pub working_days_left: Option<i64>,
}

impl Today {
    fn of(d: &Dossier, calendar: &Calendar, now: DateTime<Utc>) -> Self {
        let date = vietnam_date(now);
        let end = d.returned_at.map(vietnam_date).unwrap_or(date);
        let late = d.late_on(end);
        let late_by = match d.due_date {
            Some(due) if late => calendar.working_days_after(due, end),
            _ => 0,
        };
        let left = match d.due_date {
            Some(due) if d.status.clock_runs() && due >= date => {
                Some(calendar.working_days_after(date, due))
            }
            _ => None,
        };
        Self {
            date,
            overdue: d.overdue_on(date),
            late,
            late_by_working_days: late_by,
            working_days_left: left,
        }
    }
}

/// What a list of dossiers is narrowed to, as staff ask.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    /// Only this status.
    pub status: Option<DossierStatus>,
    /// Only this procedure.
    pub procedure_code: Option<String>,
    /// Only overdue dossiers (true) or only the others (false).
    pub overdue: Option<bool>,
    /// Only dossiers whose clock runs and that are due within this many working days from today.
    pub due_within_working_days: Option<u32>,
    /// Received (complete) on or after this Vietnamese date.
    pub received_from: Option<NaiveDate>,
    /// Received on or before this Vietnamese date.
    pub received_to: Option<NaiveDate>,
    /// Only this project's.
    pub project_id: Option<Uuid>,
    /// Only this channel.
    pub channel: Option<Channel>,
}

/// A dossier as the audit log records it: no identity number, birth date or address.
pub(crate) fn dossier_json(d: &Dossier) -> Value {
    json!({
        "id": d.id, "receipt_code": d.receipt_code, "procedure_code": d.procedure_code,
        "procedure_id": d.rule.map(|r| r.procedure_id), "channel": d.channel.as_str(),
        "status": d.status.as_str(), "applicant_name": d.applicant.name, "subject": d.subject,
        "investor_id": d.investor_id, "project_id": d.project_id,
        "provided": d.documents.iter().filter(|x| x.provided).map(|x| x.code.clone()).collect::<Vec<_>>(),
        "received_at": d.received_at, "due_date": d.due_date, "promised_date": d.promised_date,
        "supplement_request": d.supplement_request, "refusal_reason": d.refusal_reason,
        "result_certificate_id": d.result_certificate_id, "returned_at": d.returned_at,
        "rating": d.rating.as_ref().map(|r| r.level.score()), "version": d.version,
    })
}

// -- secrets -----------------------------------------------------------------------------------

/// A new tracking secret: 120 random bits in base32, in groups of four (`K7QM-4XPA-...`).
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 15];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = data_encoding::BASE32_NOPAD.encode(&bytes);
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a secret: SHA-256 of it without separators, in upper case. The secret has
/// 120 random bits, so a fast hash suffices (nothing to guess from a dictionary).
pub(crate) fn secret_hash(secret: &str) -> String {
    let canonical: String = secret
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

// -- reading -----------------------------------------------------------------------------------

async fn find_in(conn: &impl ConnectionTrait, id: Uuid) -> Result<Dossier, ServiceError> {
    db::dossiers::find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("dossier", id))
}

/// A dossier with its log, apologies and files.
pub async fn get(state: &AppState, ctx: &Context, id: Uuid) -> Result<Details, ServiceError> {
    require(ctx, DOSSIER_READERS)?;
    details(&state.db, find_in(&state.db, id).await?, ctx.now).await
}

pub(crate) async fn details(
    db: &Db,
    dossier: Dossier,
    now: DateTime<Utc>,
) -> Result<Details, ServiceError> {
    let calendar = procedures::calendar(db).await?;
    let procedure = match dossier.rule {
        Some(rule) => db::procedures::find(db, rule.procedure_id).await?,
        None => procedures::in_force_on(db, &dossier.procedure_code, vietnam_date(now)).await?,
    };
    let steps = db::dossiers::steps(db, dossier.id).await?;
    let apologies = db::dossiers::apologies(db, dossier.id).await?;
    let attachments = db::dossiers::attachments(db, dossier.id).await?;
    let today = Today::of(&dossier, &calendar, now);
    Ok(Details {
        dossier,
        procedure,
        steps,
        apologies,
        attachments,
        today,
    })
}

/// A page of dossiers, newest first, with what their dates mean today.
pub async fn list(
    state: &AppState,
    ctx: &Context,
    filter: DossierFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<(Dossier, Today)>, ServiceError> {
    require(ctx, DOSSIER_READERS)?;
    let today = vietnam_date(ctx.now);
    let calendar = procedures::calendar(&state.db).await?;
    if let (Some(f), Some(t)) = (filter.received_from, filter.received_to)
        && t < f
    {
        return Err(ServiceError::BadParameter {
            name: "received_to",
            message: "must not be before `received_from`".to_owned(),
        });
    }
    let instant = |d: NaiveDate| crate::domain::time::vietnam_day_start(d);
    let query = DossierQuery {
        status: filter.status,
        procedure_code: filter.procedure_code,
        overdue_before: filter.overdue.map(|o| (today, o)),
        due_by: filter
            .due_within_working_days
            .map(|n| calendar.add_working_days(today, n)),
        received_from: filter.received_from.and_then(instant),
        received_before: filter
            .received_to
            .and_then(|d| d.succ_opt())
            .and_then(instant),
        project_id: filter.project_id,
        channel: filter.channel,
    };
    let rows = db::dossiers::page(&state.db, &query, after, limit + 1).await?;
    let page = Page::from_overfetch(rows, limit, |d| d.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|d| {
                let t = Today::of(&d, &calendar, ctx.now);
                (d, t)
            })
            .collect(),
        next_after: page.next_after,
    })
}

// -- intake ------------------------------------------------------------------------------------

/// Checks text fields common to intake and submission, cleaning them.
fn check_new(new: &mut NewDossier, v: &mut Violations) {
    new.applicant.normalize();
    if let Err(e) = validator::Validate::validate(&new.applicant) {
        for mut f in violations_from(&e) {
            f.field = format!("applicant.{}", f.field);
            v.push(f);
        }
    }
    if let Some(b) = new.applicant.birth_date
        && (b.year_ce().1 < 1900 || b > chrono::Utc::now().date_naive())
    {
        v.push(FieldViolation::new(
            "applicant.birth_date",
            "out_of_range",
            "must be a date between 1900 and today",
        ));
    }
    new.subject = clean(&new.subject);
    check_text_field(v, "subject", &new.subject, 1, 500);
    new.note = clean_optional(new.note.as_deref());
    if let Some(n) = &new.note {
        check_text_field(v, "note", n, 0, MAX_STEP_TEXT);
    }
    new.supplement_request = clean_optional(new.supplement_request.as_deref());
    if let Some(s) = &new.supplement_request {
        check_text_field(v, "supplement_request", s, 0, MAX_STEP_TEXT);
    }
    new.procedure_code = new.procedure_code.trim().to_owned();
}

use chrono::Datelike as _;

fn check_text_field(v: &mut Violations, field: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min {
        v.push(FieldViolation::new(field, "required", "must not be empty"));
    } else if n > max {
        v.push(FieldViolation::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if let Some(f) = check_text(field, value) {
        v.push(f);
    }
}

/// The rule in force today for a procedure code, or a field violation.
async fn rule_for(
    conn: &impl ConnectionTrait,
    code: &str,
    day: NaiveDate,
) -> Result<Procedure, ServiceError> {
    procedures::in_force_on(conn, code, day).await?.ok_or_else(|| {
        ServiceError::invalid(
            "procedure_code",
            "unknown",
            "no procedure of the catalogue has this code in force today; see GET /api/v1/procedures",
        )
    })
}

/// A checked file, ready to store.
struct CheckedFile {
    attachment: Attachment,
    bytes: Vec<u8>,
}

/// At most this many uploads are inspected at once: a hostile PDF may cost a CPU for a second.
static INSPECTIONS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks uploads by content (on the blocking pool, a few at a time) and names the refused ones
/// (`files[i]`), before any transaction.
async fn check_files(
    state: &AppState,
    dossier_id: Uuid,
    uploads: Vec<Upload>,
    checklist: &[DocumentItem],
    uploaded_by: (&str, Option<Uuid>),
    now: DateTime<Utc>,
    field: &str,
) -> Result<Vec<CheckedFile>, ServiceError> {
    let limits = state.policy.attachment_limits;
    let mut v = Violations::default();
    let mut out = Vec::new();
    for (i, up) in uploads.into_iter().enumerate() {
        let name = if field == "file" {
            field.to_owned()
        } else {
            format!("{field}[{i}]")
        };
        if let Some(code) = &up.document_code
            && !checklist.iter().any(|d| &d.code == code)
        {
            v.push(FieldViolation::new(
                format!("{name}.document_code"),
                "unknown",
                format!(
                    "the procedure's checklist has no document `{code}`; it has: {}",
                    checklist
                        .iter()
                        .map(|d| d.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        }
        let _permit = INSPECTIONS
            .acquire()
            .await
            .map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
        let (up, verdict) = tokio::task::spawn_blocking(move || {
            let verdict = files::inspect(&up.bytes, &up.file_name, &limits);
            (up, verdict)
        })
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
        match verdict {
            Ok(found) => {
                let id = Uuid::now_v7();
                out.push(CheckedFile {
                    attachment: Attachment {
                        id,
                        dossier_id,
                        document_code: up.document_code.clone(),
                        file_name: files::sanitize_file_name(&up.file_name),
                        media_type: found.kind.media_type().to_owned(),
                        size_bytes: i64::try_from(up.bytes.len()).unwrap_or(i64::MAX),
                        sha256: hex::encode(Sha256::digest(&up.bytes)),
                        uploaded_by_kind: uploaded_by.0.to_owned(),
                        uploaded_by: uploaded_by.1,
                        created_at: now,
                    },
                    bytes: up.bytes,
                });
            }
            Err(refusal) => v.push(FieldViolation::new(name, refusal.code(), refusal.message())),
        }
    }
    v.finish().map_err(ServiceError::Validation)?;
    Ok(out)
}

/// Takes the next receipt code of the day, gapless on any number of instances: the day's
/// counter row is locked until the transaction ends, and a rolled-back intake gives its number
/// back.
async fn next_receipt_code(
    txn: &DatabaseTransaction,
    unit: &str,
    day: NaiveDate,
) -> Result<String, ServiceError> {
    let counter = receipt_counter(unit, day);
    db::projects::ensure_sequence(txn, &counter).await?;
    let n = db::projects::next_in_sequence(txn, &counter).await?;
    Ok(receipt_code(unit, day, n))
}

fn checklist(rule: &Procedure, provided: &[String], v: &mut Violations) -> Vec<DocumentItem> {
    for code in provided {
        if !rule.data.documents.iter().any(|d| &d.code == code) {
            v.push(FieldViolation::new(
                "provided",
                "unknown",
                format!("the procedure's checklist has no document `{code}`"),
            ));
        }
    }
    rule.data
        .documents
        .iter()
        .map(|d| DocumentItem {
            code: d.code.clone(),
            name_vi: d.name_vi.clone(),
            name_en: d.name_en.clone(),
            required: d.required,
            provided: provided.contains(&d.code),
        })
        .collect()
}

fn missing_required(items: &[DocumentItem]) -> Vec<&DocumentItem> {
    items.iter().filter(|d| d.required && !d.provided).collect()
}

fn actor_parts(actor: &Actor) -> (String, Option<Uuid>, String) {
    match actor {
        Actor::User { id, username, .. } => ("user".to_owned(), Some(*id), username.clone()),
        Actor::System { name } => ("system".to_owned(), None, name.clone()),
        Actor::Applicant { receipt_code } => (
            "applicant".to_owned(),
            None,
            format!("người nộp hồ sơ {receipt_code}"),
        ),
    }
}

fn step(
    ctx: &Context,
    action: &str,
    from: Option<DossierStatus>,
    d: &Dossier,
    note: Option<String>,
) -> Step {
    let (kind, id, name) = actor_parts(&ctx.actor);
    Step {
        at: ctx.now,
        action: action.to_owned(),
        from,
        to: d.status,
        actor_kind: kind,
        actor_id: id,
        actor_name: name,
        note,
        due_date: d.due_date,
    }
}

/// Starts (or restarts) the clock: fixes the rule the first time, and sets the due date.
fn start_clock(d: &mut Dossier, rule: &Procedure, calendar: &Calendar, now: DateTime<Utc>) {
    let fixed = *d.rule.get_or_insert(FixedRule {
        procedure_id: rule.id,
        deadline: rule.data.deadline,
    });
    d.status = DossierStatus::Received;
    d.received_at = Some(now);
    d.first_received_at.get_or_insert(now);
    d.due_date = Some(calendar.due_date(vietnam_date(now), fixed.deadline));
    d.supplement_request = None;
}

/// Checks the registry links of a new dossier.
async fn check_links(
    conn: &impl ConnectionTrait,
    new: &NewDossier,
    v: &mut Violations,
) -> Result<(), ServiceError> {
    if let Some(id) = new.investor_id
        && db::investors::find(conn, id).await?.is_none()
    {
        v.push(FieldViolation::new(
            "investor_id",
            "not_found",
            "no investor has this id",
        ));
    }
    if let Some(id) = new.project_id
        && db::projects::find(conn, id).await?.is_none()
    {
        v.push(FieldViolation::new(
            "project_id",
            "not_found",
            "no project has this id",
        ));
    }
    Ok(())
}

/// Takes a dossier in at the desk (clerk). A complete dossier is received at once and its clock
/// starts; an incomplete one is recorded with what is missing. Files may come with it.
pub async fn intake(
    state: &AppState,
    ctx: &Context,
    mut new: NewDossier,
    uploads: Vec<Upload>,
) -> Result<Created, ServiceError> {
    require(ctx, DESK)?;
    let mut v = Violations::default();
    check_new(&mut new, &mut v);
    if !new.complete && new.supplement_request.is_none() {
        v.push(FieldViolation::new(
            "supplement_request",
            "required",
            "say what is missing when the dossier is not complete",
        ));
    }
    let today = vietnam_date(ctx.now);
    let rule = rule_for(&state.db, &new.procedure_code, today).await?;
    let mut documents = checklist(&rule, &new.provided, &mut v);
    let id = Uuid::now_v7();
    let user_id = ctx.actor.id().and_then(|s| s.parse().ok());
    let files = check_files(
        state,
        id,
        uploads,
        &documents,
        ("user", user_id),
        ctx.now,
        "files",
    )
    .await?;
    for f in &files {
        if let Some(code) = &f.attachment.document_code
            && let Some(item) = documents.iter_mut().find(|d| &d.code == code)
        {
            item.provided = true;
        }
    }
    if new.complete {
        let missing = missing_required(&documents);
        if !missing.is_empty() {
            v.push(FieldViolation::new(
                "provided",
                "incomplete",
                format!(
                    "a complete dossier has every required document; missing: {}",
                    missing
                        .iter()
                        .map(|d| d.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    check_links(&state.db, &new, &mut v).await?;
    v.finish().map_err(ServiceError::Validation)?;
    let secret = new_secret();
    let calendar = procedures::calendar(&state.db).await?;
    let txn = db::begin_write(&state.db).await?;
    let code = next_receipt_code(&txn, &state.policy.receipt_unit_code, today).await?;
    let mut d = blank(id, code, &new, Channel::Desk, documents, ctx.now, user_id);
    d.status = DossierStatus::SupplementRequested;
    d.supplement_request = new.supplement_request.clone();
    db::dossiers::insert(&txn, &d, &secret_hash(&secret)).await?;
    db::dossiers::insert_step(&txn, id, &step(ctx, "intake", None, &d, new.note.clone())).await?;
    if new.complete {
        let before = d.status;
        start_clock(&mut d, &rule, &calendar, ctx.now);
        db::dossiers::update(&txn, &d, d.version).await?;
        db::dossiers::insert_step(&txn, id, &step(ctx, "receive", Some(before), &d, None)).await?;
    } else {
        db::dossiers::insert_step(
            &txn,
            id,
            &step(
                ctx,
                "request_supplement",
                None,
                &d,
                new.supplement_request.clone(),
            ),
        )
        .await?;
    }
    store_files(&txn, &files).await?;
    record(
        &txn,
        ctx,
        "dossier.intake",
        "dossier",
        id,
        None,
        dossier_json(&d),
    )
    .await?;
    txn.commit().await?;
    Ok(Created {
        dossier: d,
        tracking_secret: secret,
    })
}

fn blank(
    id: Uuid,
    receipt_code: String,
    new: &NewDossier,
    channel: Channel,
    documents: Vec<DocumentItem>,
    now: DateTime<Utc>,
    created_by: Option<Uuid>,
) -> Dossier {
    Dossier {
        id,
        receipt_code,
        procedure_code: new.procedure_code.clone(),
        rule: None,
        channel,
        status: DossierStatus::Submitted,
        applicant: new.applicant.clone(),
        subject: new.subject.clone(),
        investor_id: new.investor_id,
        project_id: new.project_id,
        documents,
        note: new.note.clone(),
        submitted_at: now,
        first_received_at: None,
        received_at: None,
        due_date: None,
        promised_date: None,
        supplement_request: None,
        decided_at: None,
        refusal_reason: None,
        result_certificate_id: None,
        returned_at: None,
        rating: None,
        created_by,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

async fn store_files(txn: &DatabaseTransaction, files: &[CheckedFile]) -> Result<(), ServiceError> {
    for f in files {
        db::dossiers::insert_attachment(txn, &f.attachment, &f.bytes).await?;
    }
    Ok(())
}

/// Submits a dossier online (no account). Every required document of the checklist must come
/// as a file; the dossier waits for the desk to check it, and its clock starts when the desk
/// receives it complete.
pub async fn submit_online(
    state: &AppState,
    now: DateTime<Utc>,
    request_id: Option<String>,
    mut new: NewDossier,
    uploads: Vec<Upload>,
) -> Result<Created, ServiceError> {
    let mut v = Violations::default();
    // What the desk decides is not the applicant's to say.
    new.complete = false;
    new.supplement_request = None;
    new.note = None;
    new.investor_id = None;
    new.project_id = None;
    new.provided.clear();
    check_new(&mut new, &mut v);
    let today = vietnam_date(now);
    let rule = rule_for(&state.db, &new.procedure_code, today).await?;
    if uploads.len() > state.policy.max_attachments {
        return Err(ServiceError::invalid(
            "files",
            "too_many",
            format!("at most {} files per dossier", state.policy.max_attachments),
        ));
    }
    let mut documents = checklist(&rule, &[], &mut v);
    for (i, up) in uploads.iter().enumerate() {
        if up.document_code.is_none() {
            v.push(FieldViolation::new(
                format!("files[{i}].document_code"),
                "required",
                "say which document of the checklist each file is",
            ));
        }
    }
    v.finish().map_err(ServiceError::Validation)?;
    let id = Uuid::now_v7();
    let files = check_files(
        state,
        id,
        uploads,
        &documents,
        ("applicant", None),
        now,
        "files",
    )
    .await?;
    for f in &files {
        if let Some(code) = &f.attachment.document_code
            && let Some(item) = documents.iter_mut().find(|d| &d.code == code)
        {
            item.provided = true;
        }
    }
    let missing = missing_required(&documents);
    if !missing.is_empty() {
        return Err(ServiceError::Validation(
            missing
                .iter()
                .map(|d| {
                    FieldViolation::new(
                        "files",
                        "missing_document",
                        format!("attach `{}`: {}", d.code, d.name_vi),
                    )
                })
                .collect(),
        ));
    }
    let secret = new_secret();
    let txn = db::begin_write(&state.db).await?;
    let code = next_receipt_code(&txn, &state.policy.receipt_unit_code, today).await?;
    let ctx = Context {
        actor: Actor::Applicant {
            receipt_code: code.clone(),
        },
        request_id,
        now,
    };
    let d = blank(id, code, &new, Channel::Online, documents, now, None);
    db::dossiers::insert(&txn, &d, &secret_hash(&secret)).await?;
    db::dossiers::insert_step(&txn, id, &step(&ctx, "submit", None, &d, None)).await?;
    store_files(&txn, &files).await?;
    record(
        &txn,
        &ctx,
        "dossier.submit",
        "dossier",
        id,
        None,
        dossier_json(&d),
    )
    .await?;
    txn.commit().await?;
    Ok(Created {
        dossier: d,
        tracking_secret: secret,
    })
}

// -- the flow ----------------------------------------------------------------------------------

/// What comes with a step.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// Free note for the log.
    pub note: Option<String>,
    /// On `receive`: the checklist's documents now handed in (replaces the list).
    pub provided: Option<Vec<String>>,
    /// On `request_supplement`: what is missing or must be corrected (required).
    pub missing: Option<String>,
    /// On `refuse`: the reasons (required).
    pub reason: Option<String>,
}

fn not_allowed(d: &Dossier, action: DossierAction) -> ServiceError {
    let next: Vec<&str> = next_actions(d.status).iter().map(|a| a.as_str()).collect();
    let allowed = if next.is_empty() {
        "none (the dossier is closed)".to_owned()
    } else {
        next.join(", ")
    };
    ServiceError::Conflict {
        detail: format!(
            "a dossier that is {} cannot take the step `{action}`; allowed next steps: {allowed}",
            d.status
        ),
        violations: vec![FieldViolation::new(
            "action",
            "not_allowed",
            format!("allowed next steps: {allowed}"),
        )],
        existing_id: None,
    }
}

/// Takes one step of the flow. Wrong roles get 403, steps the status does not allow 409 naming
/// the allowed ones; the step is logged with its actor and audited in the same transaction.
pub async fn act(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    action: DossierAction,
    input: StepInput,
) -> Result<Dossier, ServiceError> {
    require(ctx, action.roles())?;
    let mut v = Violations::default();
    let note = clean_optional(input.note.as_deref());
    if let Some(n) = &note {
        check_text_field(&mut v, "note", n, 0, MAX_STEP_TEXT);
    }
    let missing = clean_optional(input.missing.as_deref());
    let reason = clean_optional(input.reason.as_deref());
    match action {
        DossierAction::RequestSupplement => match &missing {
            Some(m) => check_text_field(&mut v, "missing", m, 1, MAX_STEP_TEXT),
            None => v.push(FieldViolation::new(
                "missing",
                "required",
                "say what is missing or must be corrected",
            )),
        },
        DossierAction::Refuse => match &reason {
            Some(r) => check_text_field(&mut v, "reason", r, 1, MAX_STEP_TEXT),
            None => v.push(FieldViolation::new(
                "reason",
                "required",
                "give the reasons for refusing",
            )),
        },
        _ => {}
    }
    v.finish().map_err(ServiceError::Validation)?;
    let calendar = procedures::calendar(&state.db).await?;
    let txn = db::begin_write(&state.db).await?;
    if !db::dossiers::lock(&txn, id).await? {
        return Err(ServiceError::not_found("dossier", id));
    }
    let before = find_in(&txn, id).await?;
    if !action.sources().contains(&before.status) {
        return Err(not_allowed(&before, action));
    }
    let mut d = before.clone();
    let today = vietnam_date(ctx.now);
    let mut log_note = note;
    match action {
        DossierAction::Receive => {
            let rule = match d.rule {
                Some(r) => db::procedures::find(&txn, r.procedure_id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("procedure", r.procedure_id))?,
                None => rule_for(&txn, &d.procedure_code, today).await?,
            };
            if let Some(provided) = &input.provided {
                let mut v = Violations::default();
                let mut items = checklist(&rule, provided, &mut v);
                // Documents already attached stay provided.
                for item in &mut items {
                    item.provided |= d
                        .documents
                        .iter()
                        .any(|x| x.code == item.code && x.provided);
                }
                v.finish().map_err(ServiceError::Validation)?;
                d.documents = items;
            }
            let missing = missing_required(&d.documents);
            if !missing.is_empty() {
                return Err(ServiceError::Conflict {
                    detail: format!(
                        "the dossier is not complete (missing: {}); request a supplement instead",
                        missing
                            .iter()
                            .map(|m| m.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    violations: vec![FieldViolation::new(
                        "provided",
                        "incomplete",
                        "every required document must be handed in",
                    )],
                    existing_id: None,
                });
            }
            start_clock(&mut d, &rule, &calendar, ctx.now);
        }
        DossierAction::RequestSupplement => {
            d.status = DossierStatus::SupplementRequested;
            d.supplement_request = missing.clone();
            d.due_date = None;
            d.promised_date = None;
            log_note = missing;
        }
        DossierAction::StartReview => d.status = DossierStatus::InReview,
        DossierAction::Approve => {
            let rule = d.rule.map(|r| r.procedure_id);
            let kind = match rule {
                Some(pid) => db::procedures::find(&txn, pid)
                    .await?
                    .map(|p| p.data.result),
                None => None,
            };
            if kind == Some(ResultKind::Certificate) {
                return Err(ServiceError::conflict(
                    "this procedure's result is a certificate: issuing the certificate drafted for this dossier approves it",
                ));
            }
            d.status = DossierStatus::Approved;
            d.decided_at = Some(ctx.now);
        }
        DossierAction::Refuse => {
            d.status = DossierStatus::Refused;
            d.decided_at = Some(ctx.now);
            d.refusal_reason = reason.clone();
            log_note = reason;
        }
        DossierAction::ReturnResult => {
            if d.late_on(today) && db::dossiers::apologies(&txn, id).await?.is_empty() {
                return Err(ServiceError::Conflict {
                    detail: format!(
                        "the result is late (due {}); write an apology with a new date first (POST /api/v1/dossiers/{id}/apologies)",
                        d.due_date.map(|x| x.to_string()).unwrap_or_default()
                    ),
                    violations: vec![FieldViolation::new(
                        "apology",
                        "required",
                        "a late result needs an apology",
                    )],
                    existing_id: None,
                });
            }
            d.status = DossierStatus::ResultReturned;
            d.returned_at = Some(ctx.now);
        }
    }
    d.version = before.version + 1;
    d.updated_at = ctx.now;
    if !db::dossiers::update(&txn, &d, before.version).await? {
        return Err(ServiceError::conflict(
            "the dossier changed meanwhile; reload it",
        ));
    }
    db::dossiers::insert_step(
        &txn,
        id,
        &step(ctx, action.as_str(), Some(before.status), &d, log_note),
    )
    .await?;
    record(
        &txn,
        ctx,
        &format!("dossier.{action}"),
        "dossier",
        id,
        Some(dossier_json(&before)),
        dossier_json(&d),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

/// A certificate drafted for a dossier was issued: the dossier is approved, in the issuing
/// transaction, with the signed PDF as its electronic result.
pub(crate) async fn certificate_issued_in(
    txn: &DatabaseTransaction,
    ctx: &Context,
    dossier_id: Uuid,
    certificate_id: Uuid,
    version_label: &str,
) -> Result<(), ServiceError> {
    if !db::dossiers::lock(txn, dossier_id).await? {
        return Err(ServiceError::not_found("dossier", dossier_id));
    }
    let before = find_in(txn, dossier_id).await?;
    if !DossierAction::Approve.sources().contains(&before.status) {
        return Err(ServiceError::conflict(format!(
            "the certificate's dossier {} is {}; it can be approved only when received or in review",
            before.receipt_code, before.status
        )));
    }
    let mut d = before.clone();
    d.status = DossierStatus::Approved;
    d.decided_at = Some(ctx.now);
    d.result_certificate_id = Some(certificate_id);
    d.version += 1;
    d.updated_at = ctx.now;
    if !db::dossiers::update(txn, &d, before.version).await? {
        return Err(ServiceError::conflict(
            "the dossier changed meanwhile; approve again",
        ));
    }
    db::dossiers::insert_step(
        txn,
        dossier_id,
        &step(
            ctx,
            "approve",
            Some(before.status),
            &d,
            Some(format!(
                "Cấp Giấy chứng nhận đăng ký đầu tư ({version_label})"
            )),
        ),
    )
    .await?;
    record(
        txn,
        ctx,
        "dossier.approve",
        "dossier",
        dossier_id,
        Some(dossier_json(&before)),
        dossier_json(&d),
    )
    .await
}

/// Checks that a certificate may be drafted for a dossier: its procedure's result is a
/// certificate, its clock runs before a decision, and it belongs to this project (a dossier
/// without a project is linked to it).
pub(crate) async fn check_for_draft(
    txn: &DatabaseTransaction,
    ctx: &Context,
    dossier_id: Uuid,
    project_id: Uuid,
) -> Result<Dossier, ServiceError> {
    if !db::dossiers::lock(txn, dossier_id).await? {
        return Err(ServiceError::invalid(
            "dossier_id",
            "not_found",
            "no dossier has this id",
        ));
    }
    let before = find_in(txn, dossier_id).await?;
    if !DossierAction::Approve.sources().contains(&before.status) {
        return Err(ServiceError::conflict(format!(
            "dossier {} is {}; a certificate can be drafted for it only when it is received or in review",
            before.receipt_code, before.status
        )));
    }
    if let Some(rule) = before.rule
        && let Some(p) = db::procedures::find(txn, rule.procedure_id).await?
        && p.data.result != ResultKind::Certificate
    {
        return Err(ServiceError::invalid(
            "dossier_id",
            "wrong_procedure",
            format!(
                "the dossier's procedure `{}` does not end in a certificate",
                p.data.code
            ),
        ));
    }
    match before.project_id {
        Some(p) if p != project_id => Err(ServiceError::invalid(
            "dossier_id",
            "other_project",
            "the dossier belongs to another project",
        )),
        Some(_) => Ok(before),
        None => {
            let mut d = before.clone();
            d.project_id = Some(project_id);
            d.version += 1;
            d.updated_at = ctx.now;
            if !db::dossiers::update(txn, &d, before.version).await? {
                return Err(ServiceError::conflict("the dossier changed meanwhile"));
            }
            record(
                txn,
                ctx,
                "dossier.link_project",
                "dossier",
                dossier_id,
                Some(dossier_json(&before)),
                dossier_json(&d),
            )
            .await?;
            Ok(d)
        }
    }
}

/// Writes an apology for a (coming or past) late result, with a new date: a working day after
/// the due date, not before today. Returning a late result needs one.
pub async fn apologize(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    reason: String,
    new_date: NaiveDate,
) -> Result<Apology, ServiceError> {
    require(ctx, APOLOGISERS)?;
    let reason = clean(&reason);
    let mut v = Violations::default();
    check_text_field(&mut v, "reason", &reason, 1, MAX_STEP_TEXT);
    v.finish().map_err(ServiceError::Validation)?;
    let calendar = procedures::calendar(&state.db).await?;
    let today = vietnam_date(ctx.now);
    let txn = db::begin_write(&state.db).await?;
    if !db::dossiers::lock(&txn, id).await? {
        return Err(ServiceError::not_found("dossier", id));
    }
    let before = find_in(&txn, id).await?;
    let Some(due) = before.due_date.filter(|_| before.status.clock_runs()) else {
        return Err(ServiceError::conflict(format!(
            "a dossier that is {} has no running deadline to apologise for",
            before.status
        )));
    };
    let mut v = Violations::default();
    if new_date <= due {
        v.push(FieldViolation::new(
            "new_date",
            "not_later",
            format!("must be after the due date {due}"),
        ));
    }
    if new_date < today {
        v.push(FieldViolation::new(
            "new_date",
            "in_the_past",
            "must not be before today",
        ));
    }
    if !calendar.is_working_day(new_date) {
        v.push(FieldViolation::new(
            "new_date",
            "not_a_working_day",
            format!(
                "must be a working day; the next is {}",
                calendar.on_or_after(new_date)
            ),
        ));
    }
    v.finish().map_err(ServiceError::Validation)?;
    let (_, user_id, name) = actor_parts(&ctx.actor);
    let signer = match user_id {
        Some(uid) => db::users::find(&txn, uid)
            .await?
            .map(|u| u.display_name)
            .unwrap_or(name),
        None => name,
    };
    let apology = Apology {
        id: Uuid::now_v7(),
        dossier_id: id,
        issued_at: ctx.now,
        reason: reason.clone(),
        new_date,
        issued_by: user_id,
        issued_by_name: signer,
    };
    db::dossiers::insert_apology(&txn, &apology).await?;
    let mut d = before.clone();
    d.promised_date = Some(new_date);
    d.version += 1;
    d.updated_at = ctx.now;
    if !db::dossiers::update(&txn, &d, before.version).await? {
        return Err(ServiceError::conflict(
            "the dossier changed meanwhile; reload it",
        ));
    }
    db::dossiers::insert_step(
        &txn,
        id,
        &step(
            ctx,
            "apology",
            Some(before.status),
            &d,
            Some(format!("{reason} (hẹn lại ngày {new_date})")),
        ),
    )
    .await?;
    record(
        &txn,
        ctx,
        "dossier.apology",
        "dossier",
        id,
        Some(dossier_json(&before)),
        json!({"apology_id": apology.id, "reason": reason, "new_date": new_date, "dossier": dossier_json(&d)}),
    )
    .await?;
    txn.commit().await?;
    Ok(apology)
}

/// Gives the applicant a new tracking secret (the old one stops working), e.g. when it was lost.
pub async fn reissue_secret(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
) -> Result<(Dossier, String), ServiceError> {
    require(ctx, DESK)?;
    let txn = db::begin_write(&state.db).await?;
    if !db::dossiers::lock(&txn, id).await? {
        return Err(ServiceError::not_found("dossier", id));
    }
    let d = find_in(&txn, id).await?;
    let secret = new_secret();
    db::dossiers::set_secret_hash(&txn, id, &secret_hash(&secret)).await?;
    record(
        &txn,
        ctx,
        "dossier.reissue_secret",
        "dossier",
        id,
        None,
        json!({"receipt_code": d.receipt_code}),
    )
    .await?;
    txn.commit().await?;
    Ok((d, secret))
}

// -- attachments -------------------------------------------------------------------------------

/// Adds files to a dossier as staff (any time before the result is returned).
pub async fn attach(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    upload: Upload,
) -> Result<Attachment, ServiceError> {
    require(ctx, DESK_AND_OFFICERS)?;
    let d = find_in(&state.db, id).await?;
    if !d.status.is_open() {
        return Err(ServiceError::conflict(
            "the dossier is closed: its result was returned",
        ));
    }
    let user = ctx.actor.id().and_then(|s| s.parse().ok());
    store_one(state, ctx, d, upload, ("user", user)).await
}

async fn store_one(
    state: &AppState,
    ctx: &Context,
    d: Dossier,
    upload: Upload,
    by: (&str, Option<Uuid>),
) -> Result<Attachment, ServiceError> {
    let mut files =
        check_files(state, d.id, vec![upload], &d.documents, by, ctx.now, "file").await?;
    let Some(file) = files.pop() else {
        return Err(ServiceError::invalid("file", "required", "send one file"));
    };
    let txn = db::begin_write(&state.db).await?;
    if !db::dossiers::lock(&txn, d.id).await? {
        return Err(ServiceError::not_found("dossier", d.id));
    }
    let before = find_in(&txn, d.id).await?;
    if db::dossiers::attachments(&txn, d.id).await?.len() >= state.policy.max_attachments {
        return Err(ServiceError::conflict(format!(
            "the dossier already has {} files, the most it may have",
            state.policy.max_attachments
        )));
    }
    db::dossiers::insert_attachment(&txn, &file.attachment, &file.bytes).await?;
    let mut after = before.clone();
    if let Some(code) = &file.attachment.document_code
        && let Some(item) = after.documents.iter_mut().find(|x| &x.code == code)
        && !item.provided
    {
        item.provided = true;
        after.version += 1;
        after.updated_at = ctx.now;
        if !db::dossiers::update(&txn, &after, before.version).await? {
            return Err(ServiceError::conflict(
                "the dossier changed meanwhile; send the file again",
            ));
        }
    }
    db::dossiers::insert_step(
        &txn,
        d.id,
        &step(
            ctx,
            "attach",
            Some(before.status),
            &after,
            Some(file.attachment.file_name.clone()),
        ),
    )
    .await?;
    record(
        &txn,
        ctx,
        "dossier.attach",
        "dossier",
        d.id,
        None,
        json!({"attachment_id": file.attachment.id, "file_name": file.attachment.file_name,
               "media_type": file.attachment.media_type, "sha256": file.attachment.sha256,
               "document_code": file.attachment.document_code, "dossier": dossier_json(&after)}),
    )
    .await?;
    txn.commit().await?;
    Ok(file.attachment)
}

/// One file of a dossier with its bytes, for staff.
pub async fn attachment(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    attachment_id: Uuid,
) -> Result<(Attachment, Vec<u8>), ServiceError> {
    require(ctx, DOSSIER_READERS)?;
    find_in(&state.db, id).await?;
    db::dossiers::attachment(&state.db, id, attachment_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("attachment", attachment_id))
}

// -- the applicant -----------------------------------------------------------------------------

/// A dossier found by its receipt code, and whether the caller proved the secret.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Everything about it; the API shows only the public part without the secret.
    pub details: Details,
    /// True when the caller gave the right tracking secret.
    pub holder: bool,
}

/// Looks a dossier up by receipt code. Without a secret the caller sees the public part; a wrong
/// secret is refused (403) rather than silently treated as none.
pub async fn lookup(
    state: &AppState,
    code: &str,
    secret: Option<&str>,
) -> Result<Tracked, ServiceError> {
    let (d, hash) = find_code(state, code).await?;
    let holder = match secret {
        None => false,
        Some(s) if secret_hash(s) == hash => true,
        Some(_) => {
            return Err(ServiceError::Forbidden(
                "the tracking secret does not match this receipt code".to_owned(),
            ));
        }
    };
    let now = state.clock.now();
    Ok(Tracked {
        details: details(&state.db, d, now).await?,
        holder,
    })
}

async fn find_code(state: &AppState, code: &str) -> Result<(Dossier, String), ServiceError> {
    let code = code.trim();
    if !crate::domain::dossier::looks_like_receipt_code(code) {
        return Err(ServiceError::not_found("dossier", code));
    }
    db::dossiers::find_by_code(&state.db, code)
        .await?
        .ok_or_else(|| ServiceError::not_found("dossier", code))
}

/// The dossier of a receipt code, for the holder of its secret only.
async fn holder(state: &AppState, code: &str, secret: &str) -> Result<Dossier, ServiceError> {
    let (d, hash) = find_code(state, code).await?;
    if secret_hash(secret) != hash {
        return Err(ServiceError::Forbidden(
            "the tracking secret does not match this receipt code".to_owned(),
        ));
    }
    Ok(d)
}

/// The signed certificate issued as the dossier's result, for the holder of the secret, once
/// the result is returned.
pub async fn result_pdf(
    state: &AppState,
    code: &str,
    secret: &str,
) -> Result<(String, Vec<u8>), ServiceError> {
    let d = holder(state, code, secret).await?;
    let Some(cert) = d
        .result_certificate_id
        .filter(|_| d.status == DossierStatus::ResultReturned)
    else {
        return Err(ServiceError::conflict(
            "there is no electronic result to download: the result is not returned yet, or it is not a certificate",
        ));
    };
    let (c, bytes) = super::certificates::pdf(&state.db, cert).await?;
    Ok((
        format!("{}-v{}.pdf", c.project_code, c.version_no.unwrap_or(0)),
        bytes,
    ))
}

/// Leaves the one satisfaction rating of a dossier, after its result was returned.
pub async fn rate(
    state: &AppState,
    code: &str,
    secret: &str,
    level: Satisfaction,
    comment: Option<String>,
    request_id: Option<String>,
) -> Result<Dossier, ServiceError> {
    let comment = clean_optional(comment.as_deref());
    let mut v = Violations::default();
    if let Some(c) = &comment {
        check_text_field(&mut v, "comment", c, 0, MAX_STEP_TEXT);
    }
    v.finish().map_err(ServiceError::Validation)?;
    let d = holder(state, code, secret).await?;
    let now = state.clock.now();
    let ctx = Context {
        actor: Actor::Applicant {
            receipt_code: d.receipt_code.clone(),
        },
        request_id,
        now,
    };
    let txn = db::begin_write(&state.db).await?;
    db::dossiers::lock(&txn, d.id).await?;
    let before = find_in(&txn, d.id).await?;
    if before.status != DossierStatus::ResultReturned {
        return Err(ServiceError::conflict(
            "a dossier is rated after its result is returned",
        ));
    }
    if before.rating.is_some() {
        return Err(ServiceError::conflict(
            "this dossier was already rated; a rating is left once",
        ));
    }
    let mut after = before.clone();
    after.rating = Some(Rating {
        level,
        comment: comment.clone(),
        at: now,
    });
    after.version += 1;
    after.updated_at = now;
    if !db::dossiers::update(&txn, &after, before.version).await? {
        return Err(ServiceError::conflict(
            "the dossier changed meanwhile; rate again",
        ));
    }
    db::dossiers::insert_step(
        &txn,
        d.id,
        &step(
            &ctx,
            "rate",
            Some(before.status),
            &after,
            Some(level.label_vi().to_owned()),
        ),
    )
    .await?;
    record(
        &txn,
        &ctx,
        "dossier.rate",
        "dossier",
        d.id,
        Some(dossier_json(&before)),
        dossier_json(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Adds a file as the applicant, while the dossier awaits the desk or a supplement.
pub async fn attach_as_applicant(
    state: &AppState,
    code: &str,
    secret: &str,
    upload: Upload,
    request_id: Option<String>,
) -> Result<Attachment, ServiceError> {
    let d = holder(state, code, secret).await?;
    if !matches!(
        d.status,
        DossierStatus::Submitted | DossierStatus::SupplementRequested
    ) {
        return Err(ServiceError::conflict(
            "files can be added online only while the dossier awaits the desk or a supplement",
        ));
    }
    if upload.document_code.is_none() {
        return Err(ServiceError::invalid(
            "document_code",
            "required",
            "say which document of the checklist the file is",
        ));
    }
    let ctx = Context {
        actor: Actor::Applicant {
            receipt_code: d.receipt_code.clone(),
        },
        request_id,
        now: state.clock.now(),
    };
    store_one(state, &ctx, d, upload, ("applicant", None)).await
}

/// One file of a dossier, for the holder of its secret.
pub async fn attachment_as_applicant(
    state: &AppState,
    code: &str,
    secret: &str,
    attachment_id: Uuid,
) -> Result<(Attachment, Vec<u8>), ServiceError> {
    let d = holder(state, code, secret).await?;
    db::dossiers::attachment(&state.db, d.id, attachment_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("attachment", attachment_id))
}

/// Roles that see every dossier; used by the console.
pub const READERS: &[Role] = DOSSIER_READERS;

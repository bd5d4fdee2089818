//! `/api/v1/procedures` and `/api/v1/calendar`: the procedure catalogue (dated rules with their
//! deadlines and checklists) and the working-day calendar. Public to read, admins edit.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::MaybeUndefined,
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{CreateError, UpdateError, problem_responses},
    resource::{Created, Found, resource},
    security::{Admins, Authorized},
    types::{Date, Lenient, json_example, take_patch},
};
use crate::{
    domain::{
        Violations,
        calendar::{CalendarDay, DayKind, Deadline, DeadlineUnit},
        procedure::{
            MAX_DEADLINE, Procedure, ProcedureData, ProcedurePatch, RequiredDocument, ResultKind,
        },
    },
    service::{self, AppState, ServiceError},
};

/// The catalogue and the calendar.
#[derive(Default)]
pub struct ProceduresApi;

/// How a deadline counts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "DeadlineUnit", rename_all = "snake_case")]
pub enum UnitView {
    /// Calendar days ("ngày"); a last day on a day off moves to the next working day.
    CalendarDays,
    /// Working days ("ngày làm việc"): weekends, holidays and days off skipped, swapped working
    /// Saturdays counted.
    WorkingDays,
}

impl From<DeadlineUnit> for UnitView {
    fn from(u: DeadlineUnit) -> Self {
        match u {
            DeadlineUnit::CalendarDays => Self::CalendarDays,
            DeadlineUnit::WorkingDays => Self::WorkingDays,
        }
    }
}

impl From<UnitView> for DeadlineUnit {
    fn from(u: UnitView) -> Self {
        match u {
            UnitView::CalendarDays => Self::CalendarDays,
            UnitView::WorkingDays => Self::WorkingDays,
        }
    }
}

/// What a procedure produces.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ProcedureResult", rename_all = "snake_case")]
pub enum ResultView {
    /// An Investment Registration Certificate: issuing the certificate drafted for the dossier
    /// approves it.
    Certificate,
    /// A notice or confirmation.
    Notice,
    /// A decision.
    Decision,
}

impl From<ResultKind> for ResultView {
    fn from(r: ResultKind) -> Self {
        match r {
            ResultKind::Certificate => Self::Certificate,
            ResultKind::Notice => Self::Notice,
            ResultKind::Decision => Self::Decision,
        }
    }
}

impl From<ResultView> for ResultKind {
    fn from(r: ResultView) -> Self {
        match r {
            ResultView::Certificate => Self::Certificate,
            ResultView::Notice => Self::Notice,
            ResultView::Decision => Self::Decision,
        }
    }
}

/// One document of a checklist.
#[derive(Object, Debug, Clone)]
#[oai(
    rename = "ChecklistDocument",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct DocumentView {
    /// Stable code within the procedure (lower case, digits, `_`), e.g. `request`.
    code: String,
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English.
    name_en: String,
    /// False for documents needed only in some cases ("nếu có").
    required: bool,
}

impl From<RequiredDocument> for DocumentView {
    fn from(d: RequiredDocument) -> Self {
        Self {
            code: d.code,
            name_vi: d.name_vi,
            name_en: d.name_en,
            required: d.required,
        }
    }
}

impl From<DocumentView> for RequiredDocument {
    fn from(d: DocumentView) -> Self {
        Self {
            code: d.code,
            name_vi: d.name_vi,
            name_en: d.name_en,
            required: d.required,
        }
    }
}

/// A rule of the procedure catalogue: a procedure's deadline, legal basis and checklist from
/// the day it takes effect. A dossier keeps the rule in force on the day it first became
/// complete.
#[derive(Object, Debug)]
#[oai(rename = "Procedure", example, skip_serializing_if_is_none)]
pub struct ProcedureView {
    /// Identifier of the rule.
    id: Uuid,
    /// Code of the procedure, shared by its rules over time.
    code: String,
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English.
    name_en: String,
    /// The processing deadline, counted from the day after a complete dossier is received.
    deadline_value: u16,
    /// How the deadline counts.
    deadline_unit: UnitView,
    /// The deadline in words, e.g. "7 ngày làm việc".
    deadline_text: String,
    /// What the deadline runs from, when not simply the receipt of a complete dossier.
    deadline_note: Option<String>,
    /// The legal basis.
    legal_basis: String,
    /// The document checklist.
    documents: Vec<DocumentView>,
    /// True when it can be done fully online ("toàn trình").
    fully_online: bool,
    /// What it produces.
    result: ResultView,
    /// The first day the rule applies.
    effective_from: Date,
    /// Row version; the ETag is this number in quotes.
    version: i32,
    /// When recorded.
    created_at: DateTime<Utc>,
    /// When last changed.
    updated_at: DateTime<Utc>,
}

impl From<Procedure> for ProcedureView {
    fn from(p: Procedure) -> Self {
        let d = p.data;
        Self {
            id: p.id,
            deadline_text: crate::domain::procedure::deadline_vi(d.deadline),
            code: d.code,
            name_vi: d.name_vi,
            name_en: d.name_en,
            deadline_value: d.deadline.value,
            deadline_unit: d.deadline.unit.into(),
            deadline_note: d.deadline_note,
            legal_basis: d.legal_basis,
            documents: d.documents.into_iter().map(Into::into).collect(),
            fully_online: d.fully_online,
            result: d.result.into(),
            effective_from: Date(d.effective_from),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

resource!(
    ProcedureView,
    collection = "/api/v1/procedures",
    found = "The rule.",
    created = "The rule was added.",
    location = "Address of the new rule."
);

/// The catalogue.
#[derive(Object, Debug)]
#[oai(rename = "ProcedureList")]
pub struct ProcedureList {
    /// Rules by procedure code, then by the day they take effect.
    items: Vec<ProcedureView>,
}

/// A new rule: a new procedure, or a procedure's rule from a new day.
#[derive(Object, Debug)]
#[oai(
    rename = "ProcedureCreate",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct ProcedureCreate {
    /// Code of the procedure: 2-64 lower-case letters, digits or `_`, starting with a letter.
    code: String,
    /// Name in Vietnamese.
    name_vi: String,
    /// Name in English.
    name_en: String,
    /// The deadline, 0 to 365.
    deadline_value: Lenient<u16>,
    /// How it counts.
    deadline_unit: Lenient<UnitView>,
    /// What the deadline runs from, when not simply the receipt of a complete dossier.
    deadline_note: Option<String>,
    /// The legal basis.
    legal_basis: String,
    /// The checklist (1 to 40 documents, codes unique).
    documents: Vec<DocumentView>,
    /// True when it can be done fully online.
    fully_online: bool,
    /// What it produces.
    result: Lenient<ResultView>,
    /// The first day the rule applies.
    effective_from: Lenient<Date>,
}

/// Changes to a rule. Names, checklist and online availability may always change; the
/// deadline, legal basis, result and first day only while no dossier has been decided by the
/// rule.
#[derive(Object, Debug)]
#[oai(
    rename = "ProcedurePatch",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct ProcedurePatchBody {
    /// New Vietnamese name.
    #[oai(default)]
    name_vi: MaybeUndefined<String>,
    /// New English name.
    #[oai(default)]
    name_en: MaybeUndefined<String>,
    /// New deadline value.
    #[oai(default)]
    deadline_value: MaybeUndefined<Lenient<u16>>,
    /// New deadline unit.
    #[oai(default)]
    deadline_unit: MaybeUndefined<Lenient<UnitView>>,
    /// New note on the deadline; `null` clears it.
    #[oai(default)]
    deadline_note: MaybeUndefined<String>,
    /// New legal basis.
    #[oai(default)]
    legal_basis: MaybeUndefined<String>,
    /// New checklist.
    #[oai(default)]
    documents: MaybeUndefined<Vec<DocumentView>>,
    /// New online availability.
    #[oai(default)]
    fully_online: MaybeUndefined<bool>,
    /// New result.
    #[oai(default)]
    result: MaybeUndefined<Lenient<ResultView>>,
    /// New first day.
    #[oai(default)]
    effective_from: MaybeUndefined<Lenient<Date>>,
}

json_example!(ProcedureView, {
    "id": "019ad000-0000-7000-8000-000000000003",
    "code": "irc_issue",
    "name_vi": "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
    "name_en": "Issue an Investment Registration Certificate for a project without investment-policy approval",
    "deadline_value": 10,
    "deadline_unit": "calendar_days",
    "deadline_text": "10 ngày",
    "legal_basis": "Luật Đầu tư số 61/2020/QH14, Điều 37, Điều 38; Nghị định số 31/2021/NĐ-CP; Nghị định số 239/2025/NĐ-CP",
    "documents": [{"code": "request", "name_vi": "Văn bản đề nghị thực hiện dự án đầu tư", "name_en": "Request to implement the investment project", "required": true}],
    "fully_online": false,
    "result": "certificate",
    "effective_from": "2025-09-03",
    "version": 1,
    "created_at": "2026-12-03T00:00:00Z",
    "updated_at": "2026-12-03T00:00:00Z"
});

json_example!(ProcedureCreate, {
    "code": "irc_adjust",
    "name_vi": "Điều chỉnh Giấy chứng nhận đăng ký đầu tư: các nội dung khác",
    "name_en": "Adjust the certificate: other contents",
    "deadline_value": 7,
    "deadline_unit": "working_days",
    "legal_basis": "Luật Đầu tư số 143/2025/QH15",
    "documents": [{"code": "request", "name_vi": "Văn bản đề nghị điều chỉnh dự án đầu tư", "name_en": "Request to adjust the investment project", "required": true}],
    "fully_online": true,
    "result": "certificate",
    "effective_from": "2026-03-01"
});

json_example!(ProcedurePatchBody, {"fully_online": true});

#[derive(ApiResponse)]
enum ProcedureListed {
    /// The catalogue.
    #[oai(status = 200)]
    Ok(Json<ProcedureList>),
}

problem_responses! {
    /// Errors of reading the catalogue.
    CatalogueError: public {
        404 NotFound "No rule has this id.",
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

/// Kind of a special day of the calendar.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "CalendarDayKind", rename_all = "snake_case")]
pub enum DayKindView {
    /// A public holiday on a weekday (Labour Code 2019, Art. 112).
    Holiday,
    /// A weekday off in compensation for a holiday on a weekend.
    Compensatory,
    /// A weekday off by a government swap.
    DayOff,
    /// A weekend day made a working day by a swap.
    Working,
}

impl From<DayKind> for DayKindView {
    fn from(k: DayKind) -> Self {
        match k {
            DayKind::Holiday => Self::Holiday,
            DayKind::Compensatory => Self::Compensatory,
            DayKind::DayOff => Self::DayOff,
            DayKind::Working => Self::Working,
        }
    }
}

impl From<DayKindView> for DayKind {
    fn from(k: DayKindView) -> Self {
        match k {
            DayKindView::Holiday => Self::Holiday,
            DayKindView::Compensatory => Self::Compensatory,
            DayKindView::DayOff => Self::DayOff,
            DayKindView::Working => Self::Working,
        }
    }
}

/// A day that breaks the Monday-to-Friday week.
#[derive(Object, Debug)]
#[oai(rename = "CalendarDay", example)]
pub struct CalendarDayView {
    /// The date.
    date: Date,
    /// What kind of day it is.
    kind: DayKindView,
    /// True when it is a working day.
    working: bool,
    /// Its name, e.g. "Tết Nguyên đán Bính Ngọ (mùng 1)".
    name: String,
    /// Its legal basis or publication.
    source: String,
}

impl From<CalendarDay> for CalendarDayView {
    fn from(d: CalendarDay) -> Self {
        Self {
            date: Date(d.date),
            working: d.kind.is_working(),
            kind: d.kind.into(),
            name: d.name,
            source: d.source,
        }
    }
}

/// Special days of a period.
#[derive(Object, Debug)]
#[oai(rename = "CalendarDayList")]
pub struct CalendarDayList {
    /// The days, in order. Every other Saturday and Sunday is a day off and every other weekday
    /// a working day.
    items: Vec<CalendarDayView>,
}

/// A special day to record.
#[derive(Object, Debug)]
#[oai(
    rename = "CalendarDayPut",
    deny_unknown_fields,
    skip_serializing_if_is_none,
    example
)]
pub struct CalendarDayPut {
    /// What kind of day it is: `working` only on a Saturday or Sunday, the others only on a
    /// weekday.
    kind: Lenient<DayKindView>,
    /// Its name.
    name: String,
    /// Its legal basis or publication (e.g. the Government Office's letter).
    source: String,
}

json_example!(CalendarDayView, {
    "date": "2026-02-17", "kind": "holiday", "working": false,
    "name": "Tết Nguyên đán Bính Ngọ (mùng 1)",
    "source": "Bộ luật Lao động 2019, Điều 112"
});
json_example!(CalendarDayPut, {
    "kind": "compensatory", "name": "Nghỉ bù Giỗ Tổ Hùng Vương",
    "source": "Bộ luật Lao động 2019, Điều 111, 112"
});

#[derive(ApiResponse)]
enum DaysListed {
    /// The special days.
    #[oai(status = 200)]
    Ok(Json<CalendarDayList>),
}

#[derive(ApiResponse)]
enum DayPut {
    /// The day was changed.
    #[oai(status = 200)]
    Ok(Json<CalendarDayView>),
    /// The day was added.
    #[oai(status = 201)]
    Created(Json<CalendarDayView>),
}

#[derive(ApiResponse)]
enum DayDeleted {
    /// The day follows the weekly pattern again.
    #[oai(status = 204)]
    Deleted,
}

problem_responses! {
    /// Errors of reading the calendar.
    CalendarReadError: public {
        429 TooManyRequests "Too many requests from this address; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of recording a special day.
    CalendarWriteError {
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "The kind does not fit the weekday, or a name or source is missing or too long.",
    }
}

problem_responses! {
    /// Errors of removing a special day.
    CalendarDeleteError {
        404 NotFound "The calendar has no special day on this date.",
    }
}

fn date_param(p: Lenient<Date>) -> Result<chrono::NaiveDate, ServiceError> {
    p.param("date").map(|d| d.0)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Dossiers")]
impl ProceduresApi {
    /// The procedure catalogue (public)
    ///
    /// Every rule, by procedure code and the day it takes effect; with `on`, only the rules in
    /// force on that day. No credentials needed: the online submission page reads it.
    #[oai(path = "/procedures", method = "get", operation_id = "list_procedures")]
    async fn list(
        &self,
        state: Data<&AppState>,
        /// Only the rules in force on this day (`YYYY-MM-DD`).
        on: Query<Option<Lenient<Date>>>,
    ) -> Result<ProcedureListed, CatalogueError> {
        let on = on.0.map(|d| d.param("on")).transpose()?;
        let rules = service::procedures::list(&state.db).await?;
        let items = match on {
            Some(day) => {
                let mut codes: Vec<&str> = rules.iter().map(|r| r.data.code.as_str()).collect();
                codes.dedup();
                codes
                    .iter()
                    .filter_map(|c| crate::domain::procedure::in_force(&rules, c, day.0))
                    .cloned()
                    .collect()
            }
            None => rules,
        };
        Ok(ProcedureListed::Ok(Json(ProcedureList {
            items: items.into_iter().map(Into::into).collect(),
        })))
    }

    /// One rule of the catalogue (public)
    #[oai(
        path = "/procedures/:id",
        method = "get",
        operation_id = "get_procedure"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        /// Rule id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<Found<ProcedureView>, CatalogueError> {
        let p = service::procedures::get(&state.db, id.0.param("id")?).await?;
        let version = p.version;
        Ok(Found::new(p.into(), version))
    }

    /// Add a rule (admin)
    ///
    /// A new procedure, or the rule of a procedure from a new day: when the law changes, add
    /// the new rule with the day it takes effect; dossiers already complete keep theirs.
    #[oai(
        path = "/procedures",
        method = "post",
        operation_id = "create_procedure"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        body: super::body::Body<ProcedureCreate>,
    ) -> Result<Created<ProcedureView>, CreateError> {
        let b = body.0;
        let mut v = Violations::default();
        let value = b.deadline_value.take("deadline_value", &mut v);
        let unit = b.deadline_unit.take("deadline_unit", &mut v);
        let result = b.result.take("result", &mut v);
        let from = b.effective_from.take("effective_from", &mut v);
        let (Some(value), Some(unit), Some(result), Some(from)) = (value, unit, result, from)
        else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        let p = service::procedures::create(
            &state.db,
            &auth.context(),
            ProcedureData {
                code: b.code,
                name_vi: b.name_vi,
                name_en: b.name_en,
                deadline: Deadline {
                    value,
                    unit: unit.into(),
                },
                deadline_note: b.deadline_note,
                legal_basis: b.legal_basis,
                documents: b.documents.into_iter().map(Into::into).collect(),
                fully_online: b.fully_online,
                result: result.into(),
                effective_from: from.0,
            },
        )
        .await?;
        let (id, version) = (p.id, p.version);
        Ok(Created::new(p.into(), id, version))
    }

    /// Change a rule (admin)
    ///
    /// Needs the rule's `ETag` in `If-Match`. Once a dossier has been decided by the rule, its
    /// deadline, legal basis, result and first day are kept (409): add a new rule instead.
    #[oai(
        path = "/procedures/:id",
        method = "patch",
        operation_id = "update_procedure"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Rule id.
        id: Path<Lenient<Uuid>>,
        /// The rule's current `ETag`.
        #[oai(name = "If-Match")]
        if_match: Header<super::IfMatch>,
        body: super::body::Body<ProcedurePatchBody>,
    ) -> Result<Found<ProcedureView>, UpdateError> {
        let id = id.0.param("id")?;
        let precondition = if_match.0.0;
        let b = body.0;
        let mut v = Violations::default();
        let value = take_patch("deadline_value", b.deadline_value, &mut v);
        let unit = take_patch("deadline_unit", b.deadline_unit, &mut v);
        let result = take_patch("result", b.result, &mut v);
        let from = take_patch("effective_from", b.effective_from, &mut v);
        v.finish().map_err(ServiceError::Validation)?;
        let deadline = match (value.flatten(), unit.flatten()) {
            (None, None) => None,
            (value, unit) => {
                let current = service::procedures::get(&state.db, id).await?.data.deadline;
                Some(Deadline {
                    value: value.unwrap_or(current.value).min(MAX_DEADLINE + 1),
                    unit: unit.map(Into::into).unwrap_or(current.unit),
                })
            }
        };
        let required = |field: &'static str, m: MaybeUndefined<String>| match m {
            MaybeUndefined::Null => {
                Err(ServiceError::invalid(field, "required", "must not be null"))
            }
            MaybeUndefined::Value(s) => Ok(Some(s)),
            MaybeUndefined::Undefined => Ok(None),
        };
        let patch = ProcedurePatch {
            name_vi: required("name_vi", b.name_vi)?,
            name_en: required("name_en", b.name_en)?,
            deadline,
            deadline_note: match b.deadline_note {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(s) => Some(Some(s)),
            },
            legal_basis: required("legal_basis", b.legal_basis)?,
            documents: b
                .documents
                .take()
                .map(|d| d.into_iter().map(Into::into).collect()),
            fully_online: b.fully_online.take(),
            result: result.flatten().map(Into::into),
            effective_from: from.flatten().map(|d| d.0),
        };
        let p = service::procedures::update(&state.db, &auth.context(), id, precondition, patch)
            .await?;
        let version = p.version;
        Ok(Found::new(p.into(), version))
    }

    /// The working-day calendar (public)
    ///
    /// The days that break the Monday-to-Friday week between two dates: public holidays,
    /// compensatory and swapped days off, and weekend days made working days. Deadlines count
    /// with it.
    #[oai(
        path = "/calendar",
        method = "get",
        operation_id = "list_calendar_days"
    )]
    async fn days(
        &self,
        state: Data<&AppState>,
        /// First day (`YYYY-MM-DD`); all when absent.
        from: Query<Option<Lenient<Date>>>,
        /// Last day (`YYYY-MM-DD`).
        to: Query<Option<Lenient<Date>>>,
    ) -> Result<DaysListed, CalendarReadError> {
        let from = from.0.map(|d| d.param("from")).transpose()?.map(|d| d.0);
        let to = to.0.map(|d| d.param("to")).transpose()?.map(|d| d.0);
        let days = service::procedures::days(&state.db, from, to).await?;
        Ok(DaysListed::Ok(Json(CalendarDayList {
            items: days.into_iter().map(Into::into).collect(),
        })))
    }

    /// Record a special day (admin)
    ///
    /// Replaces what the calendar said of the date. Due dates already computed keep their
    /// dates; dossiers received later count with the new calendar.
    #[oai(
        path = "/calendar/:date",
        method = "put",
        operation_id = "put_calendar_day"
    )]
    async fn put_day(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// The date (`YYYY-MM-DD`).
        date: Path<Lenient<Date>>,
        body: super::body::Body<CalendarDayPut>,
    ) -> Result<DayPut, CalendarWriteError> {
        let date = date_param(date.0)?;
        let b = body.0;
        let mut v = Violations::default();
        let kind = b.kind.take("kind", &mut v);
        let Some(kind) = kind else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        let (day, created) = service::procedures::put_day(
            &state.db,
            &auth.context(),
            date,
            kind.into(),
            b.name,
            b.source,
        )
        .await?;
        Ok(if created {
            DayPut::Created(Json(day.into()))
        } else {
            DayPut::Ok(Json(day.into()))
        })
    }

    /// Remove a special day (admin)
    #[oai(
        path = "/calendar/:date",
        method = "delete",
        operation_id = "delete_calendar_day"
    )]
    async fn delete_day(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// The date (`YYYY-MM-DD`).
        date: Path<Lenient<Date>>,
    ) -> Result<DayDeleted, CalendarDeleteError> {
        service::procedures::delete_day(&state.db, &auth.context(), date_param(date.0)?).await?;
        Ok(DayDeleted::Deleted)
    }
}

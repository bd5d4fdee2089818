//! The procedure catalogue and the working-day calendar.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{calendar_day, dossier, procedure};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    calendar::{CalendarDay, DayKind, Deadline, DeadlineUnit},
    procedure::{Procedure, ProcedureData, RequiredDocument, ResultKind},
};

fn to_domain(m: procedure::Model) -> Result<Procedure, DbErr> {
    let unit = DeadlineUnit::parse(&m.deadline_unit)
        .ok_or_else(|| corrupt("procedures", "deadline_unit", &m.deadline_unit))?;
    let result: ResultKind = m
        .result_kind
        .parse()
        .map_err(|_| corrupt("procedures", "result_kind", &m.result_kind))?;
    let documents: Vec<RequiredDocument> = serde_json::from_str(&m.documents)
        .map_err(|_| corrupt("procedures", "documents", "unreadable JSON"))?;
    Ok(Procedure {
        id: m.id,
        data: ProcedureData {
            code: m.code,
            name_vi: m.name_vi,
            name_en: m.name_en,
            deadline: Deadline {
                value: u16::try_from(m.deadline_value)
                    .map_err(|_| corrupt("procedures", "deadline_value", "negative"))?,
                unit,
            },
            deadline_note: m.deadline_note,
            legal_basis: m.legal_basis,
            documents,
            fully_online: m.fully_online,
            result,
            effective_from: m.effective_from,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn documents_json(docs: &[RequiredDocument]) -> Result<String, DbErr> {
    serde_json::to_string(docs).map_err(|e| DbErr::Custom(e.to_string()))
}

/// Every rule, by code then first day.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Procedure>, DbErr> {
    procedure::Entity::find()
        .order_by_asc(procedure::Column::Code)
        .order_by_asc(procedure::Column::EffectiveFrom)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The rules of one procedure, oldest first.
pub async fn of_code(conn: &impl ConnectionTrait, code: &str) -> Result<Vec<Procedure>, DbErr> {
    procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code))
        .order_by_asc(procedure::Column::EffectiveFrom)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// One rule.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Procedure>, DbErr> {
    procedure::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// Inserts a rule; a second rule of the same code from the same day is a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    data: &ProcedureData,
    now: DateTime<Utc>,
) -> Result<Procedure, DbErr> {
    let id = Uuid::now_v7();
    procedure::Entity::insert(procedure::ActiveModel {
        id: Set(id),
        code: Set(data.code.clone()),
        name_vi: Set(data.name_vi.clone()),
        name_en: Set(data.name_en.clone()),
        deadline_value: Set(i32::from(data.deadline.value)),
        deadline_unit: Set(data.deadline.unit.as_str().to_owned()),
        deadline_note: Set(data.deadline_note.clone()),
        legal_basis: Set(data.legal_basis.clone()),
        documents: Set(documents_json(&data.documents)?),
        fully_online: Set(data.fully_online),
        result_kind: Set(data.result.as_str().to_owned()),
        effective_from: Set(data.effective_from),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("procedure {id} vanished after insert")))
}

/// Writes a rule's data if its version is still `expected`; false when it changed meanwhile.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
    data: &ProcedureData,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = procedure::Entity::update_many()
        .set(procedure::ActiveModel {
            name_vi: Set(data.name_vi.clone()),
            name_en: Set(data.name_en.clone()),
            deadline_value: Set(i32::from(data.deadline.value)),
            deadline_unit: Set(data.deadline.unit.as_str().to_owned()),
            deadline_note: Set(data.deadline_note.clone()),
            legal_basis: Set(data.legal_basis.clone()),
            documents: Set(documents_json(&data.documents)?),
            fully_online: Set(data.fully_online),
            result_kind: Set(data.result.as_str().to_owned()),
            effective_from: Set(data.effective_from),
            version: Set(expected + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(procedure::Column::Id.eq(id))
        .filter(procedure::Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// How many dossiers were fixed to this rule.
pub async fn dossiers_using(conn: &impl ConnectionTrait, id: Uuid) -> Result<u64, DbErr> {
    dossier::Entity::find()
        .filter(dossier::Column::ProcedureId.eq(id))
        .count(conn)
        .await
}

fn day_to_domain(m: calendar_day::Model) -> Result<CalendarDay, DbErr> {
    Ok(CalendarDay {
        date: m.date,
        kind: DayKind::parse(&m.kind).ok_or_else(|| corrupt("calendar_days", "kind", &m.kind))?,
        name: m.name,
        source: m.source,
    })
}

/// The calendar's special days between two dates (inclusive), in order; all when unbounded.
pub async fn days(
    conn: &impl ConnectionTrait,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<CalendarDay>, DbErr> {
    let mut q = calendar_day::Entity::find().order_by_asc(calendar_day::Column::Date);
    if let Some(from) = from {
        q = q.filter(calendar_day::Column::Date.gte(from));
    }
    if let Some(to) = to {
        q = q.filter(calendar_day::Column::Date.lte(to));
    }
    q.all(conn).await?.into_iter().map(day_to_domain).collect()
}

/// One special day.
pub async fn day(
    conn: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Option<CalendarDay>, DbErr> {
    calendar_day::Entity::find_by_id(date)
        .one(conn)
        .await?
        .map(day_to_domain)
        .transpose()
}

/// Records a special day, replacing what the calendar said of that date.
pub async fn put_day(
    conn: &impl ConnectionTrait,
    day: &CalendarDay,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    calendar_day::Entity::delete_by_id(day.date)
        .exec(conn)
        .await?;
    calendar_day::Entity::insert(calendar_day::ActiveModel {
        date: Set(day.date),
        kind: Set(day.kind.as_str().to_owned()),
        name: Set(day.name.clone()),
        source: Set(day.source.clone()),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// Removes a special day; false when there was none.
pub async fn delete_day(conn: &impl ConnectionTrait, date: NaiveDate) -> Result<bool, DbErr> {
    Ok(calendar_day::Entity::delete_by_id(date)
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

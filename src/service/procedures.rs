//! The procedure catalogue (dated rules) and the working-day calendar: data an administrator
//! keeps, read by every dossier.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Db, Precondition, ServiceError, record, users::require};
use crate::{
    db,
    domain::{
        FieldViolation,
        auth::{ADMINS, Context},
        calendar::{Calendar, CalendarDay, DayKind, check_day},
        procedure::{Procedure, ProcedureData, ProcedurePatch, in_force},
        text::{check_text, clean},
        violations_from,
    },
};

/// A rule as the audit log records it.
fn procedure_json(p: &Procedure) -> Value {
    let d = &p.data;
    json!({
        "id": p.id, "code": d.code, "name_vi": d.name_vi, "name_en": d.name_en,
        "deadline_value": d.deadline.value, "deadline_unit": d.deadline.unit.as_str(),
        "deadline_note": d.deadline_note, "legal_basis": d.legal_basis,
        "documents": d.documents.iter().map(|x| json!({"code": x.code, "name_vi": x.name_vi, "required": x.required})).collect::<Vec<_>>(),
        "fully_online": d.fully_online, "result": d.result.as_str(),
        "effective_from": d.effective_from, "version": p.version,
    })
}

fn check(data: &ProcedureData) -> Result<(), ServiceError> {
    data.check()
        .map_err(|e| ServiceError::Validation(violations_from(&e)))
}

/// Every rule of the catalogue, by code then first day.
pub async fn list(db: &Db) -> Result<Vec<Procedure>, ServiceError> {
    Ok(db::procedures::all(db).await?)
}

/// One rule.
pub async fn get(db: &Db, id: Uuid) -> Result<Procedure, ServiceError> {
    db::procedures::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("procedure", id))
}

/// The rule of `code` in force on `day`, if the catalogue has one.
pub(crate) async fn in_force_on(
    conn: &impl ConnectionTrait,
    code: &str,
    day: NaiveDate,
) -> Result<Option<Procedure>, ServiceError> {
    let rules = db::procedures::of_code(conn, code).await?;
    Ok(in_force(&rules, code, day).cloned())
}

/// Adds a rule: a new procedure, or a procedure's rule from a new day (the earlier rule stays in
/// force for the days before, and for dossiers already fixed to it).
pub async fn create(
    db: &Db,
    ctx: &Context,
    mut data: ProcedureData,
) -> Result<Procedure, ServiceError> {
    require(ctx, ADMINS)?;
    data.normalize();
    check(&data)?;
    let txn = db::begin_write(db).await?;
    let p = match db::procedures::insert(&txn, &data, ctx.now).await {
        Ok(p) => p,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::Conflict {
                detail: format!(
                    "procedure {} already has a rule taking effect on {}",
                    data.code, data.effective_from
                ),
                violations: vec![FieldViolation::new(
                    "effective_from",
                    "duplicate",
                    "another rule of this procedure takes effect on this day",
                )],
                existing_id: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &txn,
        ctx,
        "procedure.create",
        "procedure",
        p.id,
        None,
        procedure_json(&p),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// Changes a rule. Names, checklist and online availability may always change; the deadline,
/// legal basis, result and first day only while no dossier has been fixed to the rule (after
/// that, a change of law is a new rule from a new day, so decided dossiers keep theirs).
pub async fn update(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    precondition: Precondition,
    patch: ProcedurePatch,
) -> Result<Procedure, ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let before = db::procedures::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("procedure", id))?;
    precondition.check(before.version)?;
    if patch.changes_the_rule() && db::procedures::dossiers_using(&txn, id).await? > 0 {
        return Err(ServiceError::conflict(
            "dossiers were already decided by this rule: its deadline, legal basis, result and first day are kept; add a new rule taking effect on a later day instead",
        ));
    }
    let mut data = before.data.clone();
    patch.apply(&mut data);
    data.normalize();
    check(&data)?;
    match db::procedures::update(&txn, id, before.version, &data, ctx.now).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ServiceError::PreconditionFailed {
                current: super::etag(before.version + 1),
            });
        }
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::invalid(
                "effective_from",
                "duplicate",
                "another rule of this procedure takes effect on this day",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let after = db::procedures::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("procedure", id))?;
    record(
        &txn,
        ctx,
        "procedure.update",
        "procedure",
        id,
        Some(procedure_json(&before)),
        procedure_json(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The working-day calendar as the deadline arithmetic sees it.
pub(crate) async fn calendar(conn: &impl ConnectionTrait) -> Result<Calendar, ServiceError> {
    let days = db::procedures::days(conn, None, None).await?;
    Ok(Calendar::new(days.into_iter().map(|d| (d.date, d.kind))))
}

/// The calendar's special days between two dates (inclusive).
pub async fn days(
    db: &Db,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<CalendarDay>, ServiceError> {
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ServiceError::BadParameter {
            name: "to",
            message: "must not be before `from`".to_owned(),
        });
    }
    Ok(db::procedures::days(db, from, to).await?)
}

fn day_json(d: &CalendarDay) -> Value {
    json!({"date": d.date, "kind": d.kind.as_str(), "name": d.name, "source": d.source})
}

/// Records a special day (a holiday, a compensatory or swapped day off, or a weekend day made a
/// working day), replacing what the calendar said of that date. Deadlines already computed keep
/// their dates; dossiers received later count with the new calendar.
pub async fn put_day(
    db: &Db,
    ctx: &Context,
    date: NaiveDate,
    kind: DayKind,
    name: String,
    source: String,
) -> Result<(CalendarDay, bool), ServiceError> {
    require(ctx, ADMINS)?;
    let mut violations = Vec::new();
    if let Err(message) = check_day(date, kind) {
        violations.push(FieldViolation::new("kind", "wrong_weekday", message));
    }
    let (name, source) = (clean(&name), clean(&source));
    for (field, value, max) in [("name", &name, 255), ("source", &source, 1000)] {
        if value.is_empty() {
            violations.push(FieldViolation::new(field, "required", "must not be empty"));
        } else if value.chars().count() > max {
            violations.push(FieldViolation::new(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
        violations.extend(check_text(field, value));
    }
    if !violations.is_empty() {
        return Err(ServiceError::Validation(violations));
    }
    let day = CalendarDay {
        date,
        kind,
        name,
        source,
    };
    let txn = db::begin_write(db).await?;
    let before = db::procedures::day(&txn, date).await?;
    db::procedures::put_day(&txn, &day, ctx.now).await?;
    record(
        &txn,
        ctx,
        "calendar.put",
        "calendar_day",
        date,
        before.as_ref().map(day_json),
        day_json(&day),
    )
    .await?;
    txn.commit().await?;
    Ok((day, before.is_none()))
}

/// Removes a special day: the date follows the weekly pattern again.
pub async fn delete_day(db: &Db, ctx: &Context, date: NaiveDate) -> Result<(), ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let before = db::procedures::day(&txn, date)
        .await?
        .ok_or_else(|| ServiceError::not_found("calendar day", date))?;
    db::procedures::delete_day(&txn, date).await?;
    record(
        &txn,
        ctx,
        "calendar.delete",
        "calendar_day",
        date,
        Some(day_json(&before)),
        json!(null),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

//! Investor use cases.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{Page, Precondition, users::require};
use crate::{
    db,
    domain::{
        FieldViolation,
        auth::{Context, REGISTRY_EDITORS},
        investor::{Investor, InvestorData, InvestorFilter, InvestorPatch},
        time::vietnam_date,
    },
    service::ServiceError,
};

pub(crate) fn investor_json(i: &Investor) -> serde_json::Value {
    let d = &i.data;
    serde_json::json!({
        "id": i.id,
        "kind": d.kind.as_str(),
        "name": d.name,
        "sex": d.sex.map(|s| s.as_str()),
        "date_of_birth": d.date_of_birth,
        "nationality": d.nationality,
        "document": {
            "type": d.document.doc_type.as_str(),
            "number": d.document.number,
            "issue_date": d.document.issue_date,
            "issuer": d.document.issuer,
        },
        "permanent_address": d.permanent_address,
        "current_address": d.current_address,
        "tax_code": d.tax_code,
        "head_office_address": d.head_office_address,
        "representative": d.representative.as_ref().map(|r| serde_json::json!({
            "name": r.name, "title": r.title,
            "doc_type": r.doc_type.map(|t| t.as_str()), "doc_number": r.doc_number,
        })),
        "foreign_ownership_bp": d.foreign_ownership_bp,
        "note": d.note,
        "version": i.version,
    })
}

async fn duplicate(
    conn: &impl sea_orm::ConnectionTrait,
    d: &InvestorData,
) -> Result<ServiceError, ServiceError> {
    let existing = db::investors::find_by_document(
        conn,
        d.document.doc_type.as_str(),
        &d.document.number,
        &d.nationality,
    )
    .await?
    .map(|i| i.id);
    Ok(ServiceError::Conflict {
        detail: match existing {
            Some(id) => format!("this identity document is already registered to investor {id}"),
            None => "this identity document is already registered".to_owned(),
        },
        violations: vec![FieldViolation::new(
            "document.number",
            "duplicate",
            "is already registered to another investor",
        )],
        existing_id: existing.map(|id| id.to_string()),
    })
}

/// The rules every new investor's data meets, whether entered or imported: text cleaned and
/// codes normalised, then every rule that needs no database. `today` is the Vietnamese date.
pub(crate) fn validate_new(
    data: &mut InvestorData,
    today: chrono::NaiveDate,
) -> Result<(), Vec<FieldViolation>> {
    data.normalize();
    data.check(today)
}

/// Registers an investor. The same document (type, number, country) cannot be registered twice.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    mut data: InvestorData,
) -> Result<Investor, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    validate_new(&mut data, vietnam_date(ctx.now)).map_err(ServiceError::Validation)?;
    let txn = db::begin_write(db).await?;
    let investor = match db::investors::insert(&txn, Uuid::now_v7(), &data, ctx.now).await {
        Ok(i) => i,
        Err(e) if db::is_unique_violation(&e) => {
            drop(txn);
            return Err(duplicate(db, &data).await?);
        }
        Err(e) => return Err(e.into()),
    };
    super::record(
        &txn,
        ctx,
        "investor.create",
        "investor",
        investor.id,
        None,
        investor_json(&investor),
    )
    .await?;
    txn.commit().await?;
    Ok(investor)
}

/// The investor registered with this document (type, number, country), if any.
pub async fn find_by_document(
    db: &DatabaseConnection,
    document: &crate::domain::investor::Document,
    nationality: &str,
) -> Result<Option<Investor>, ServiceError> {
    Ok(db::investors::find_by_document(
        db,
        document.doc_type.as_str(),
        &document.number,
        nationality,
    )
    .await?)
}

/// One investor.
pub async fn get(db: &DatabaseConnection, id: Uuid) -> Result<Investor, ServiceError> {
    db::investors::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("investor", id))
}

/// A page of investors.
pub async fn list(
    db: &DatabaseConnection,
    filter: &InvestorFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Investor>, ServiceError> {
    let rows = db::investors::list(db, filter, after, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |i| i.id))
}

/// Applies a change if the ETag is current; all rules are checked on the result.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
    precondition: &Precondition,
    patch: InvestorPatch,
) -> Result<Investor, ServiceError> {
    require(ctx, REGISTRY_EDITORS)?;
    let txn = db::begin_write(db).await?;
    let current = db::investors::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("investor", id))?;
    precondition.check(current.version)?;
    let mut data = current.data.clone();
    patch.apply(&mut data);
    data.normalize();
    data.check(vietnam_date(ctx.now))
        .map_err(ServiceError::Validation)?;
    if data == current.data {
        return Ok(current);
    }
    match db::investors::update(&txn, id, current.version, &data, ctx.now).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ServiceError::PreconditionFailed {
                current: super::etag(current.version + 1),
            });
        }
        Err(e) if db::is_unique_violation(&e) => {
            drop(txn);
            return Err(duplicate(db, &data).await?);
        }
        Err(e) => return Err(e.into()),
    }
    let investor = db::investors::find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("investor", id))?;
    super::record(
        &txn,
        ctx,
        "investor.update",
        "investor",
        id,
        Some(investor_json(&current)),
        investor_json(&investor),
    )
    .await?;
    txn.commit().await?;
    Ok(investor)
}

//! Investor queries.

use chrono::{DateTime, Utc};
use entity::investor;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    investor::{Document, Investor, InvestorData, InvestorFilter, Representative},
    text::fold,
};

fn to_domain(m: investor::Model) -> Result<Investor, DbErr> {
    let parse_doc = |v: &str, col: &str| v.parse().map_err(|_| corrupt("investors", col, v));
    let representative = match m.rep_name {
        Some(name) => Some(Representative {
            name,
            title: m.rep_title.unwrap_or_default(),
            doc_type: m
                .rep_doc_type
                .as_deref()
                .map(|t| parse_doc(t, "rep_doc_type"))
                .transpose()?,
            doc_number: m.rep_doc_number,
        }),
        None => None,
    };
    Ok(Investor {
        id: m.id,
        data: InvestorData {
            kind: m
                .kind
                .parse()
                .map_err(|_| corrupt("investors", "kind", &m.kind))?,
            name: m.name,
            sex: m
                .sex
                .as_deref()
                .map(|s| s.parse().map_err(|_| corrupt("investors", "sex", s)))
                .transpose()?,
            date_of_birth: m.date_of_birth,
            nationality: m.nationality,
            document: Document {
                doc_type: parse_doc(&m.doc_type, "doc_type")?,
                number: m.doc_number,
                issue_date: m.doc_issue_date,
                issuer: m.doc_issuer,
            },
            permanent_address: m.permanent_address,
            current_address: m.current_address,
            tax_code: m.tax_code,
            head_office_address: m.head_office_address,
            representative,
            foreign_ownership_bp: m.foreign_ownership_bp,
            note: m.note,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn data_columns(d: &InvestorData) -> investor::ActiveModel {
    let r = d.representative.as_ref();
    investor::ActiveModel {
        kind: Set(d.kind.as_str().to_owned()),
        name: Set(d.name.clone()),
        name_search: Set(fold(&d.name)),
        sex: Set(d.sex.map(|s| s.as_str().to_owned())),
        date_of_birth: Set(d.date_of_birth),
        nationality: Set(d.nationality.clone()),
        doc_type: Set(d.document.doc_type.as_str().to_owned()),
        doc_number: Set(d.document.number.clone()),
        doc_issue_date: Set(d.document.issue_date),
        doc_issuer: Set(d.document.issuer.clone()),
        permanent_address: Set(d.permanent_address.clone()),
        current_address: Set(d.current_address.clone()),
        tax_code: Set(d.tax_code.clone()),
        head_office_address: Set(d.head_office_address.clone()),
        rep_name: Set(r.map(|r| r.name.clone())),
        rep_title: Set(r.map(|r| r.title.clone())),
        rep_doc_type: Set(r.and_then(|r| r.doc_type).map(|t| t.as_str().to_owned())),
        rep_doc_number: Set(r.and_then(|r| r.doc_number.clone())),
        foreign_ownership_bp: Set(d.foreign_ownership_bp),
        note: Set(d.note.clone()),
        ..Default::default()
    }
}

/// Inserts an investor; a registered document surfaces as a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    id: Uuid,
    data: &InvestorData,
    now: DateTime<Utc>,
) -> Result<Investor, DbErr> {
    let mut am = data_columns(data);
    am.id = Set(id);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    investor::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("investor {id} vanished after insert")))
}

/// One investor.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Investor>, DbErr> {
    investor::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The investor holding a document, if any.
pub async fn find_by_document(
    conn: &impl ConnectionTrait,
    doc_type: &str,
    number: &str,
    nationality: &str,
) -> Result<Option<Investor>, DbErr> {
    investor::Entity::find()
        .filter(investor::Column::DocType.eq(doc_type))
        .filter(investor::Column::DocNumber.eq(number))
        .filter(investor::Column::Nationality.eq(nationality))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// Several investors by id.
pub async fn find_many(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Investor>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    investor::Entity::find()
        .filter(investor::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// A page of investors in creation order.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &InvestorFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Investor>, DbErr> {
    let mut q = investor::Entity::find()
        .order_by_asc(investor::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(investor::Column::Id.gt(after));
    }
    if let Some(words) = filter
        .q
        .as_deref()
        .and_then(|t| super::all_words_in(investor::Column::NameSearch, t))
    {
        q = q.filter(words);
    }
    if let Some(kind) = filter.kind {
        q = q.filter(investor::Column::Kind.eq(kind.as_str()));
    }
    if let Some(n) = &filter.nationality {
        q = q.filter(investor::Column::Nationality.eq(n.as_str()));
    }
    q.all(conn).await?.into_iter().map(to_domain).collect()
}

/// Writes new data if the row is still at `expected_version`.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    data: &InvestorData,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut am = data_columns(data);
    am.version = Set(expected_version + 1);
    am.updated_at = Set(now);
    let res = investor::Entity::update_many()
        .set(am)
        .filter(investor::Column::Id.eq(id))
        .filter(investor::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

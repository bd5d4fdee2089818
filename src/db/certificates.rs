//! Certificate versions, their PDFs, and idempotency keys.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{certificate, certificate_pdf, idempotency_key};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::corrupt;
use crate::{
    domain::certificate::content::CertificateContent,
    domain::certificate::{Certificate, CertificateStatus},
};

fn to_domain(m: certificate::Model) -> Result<Certificate, DbErr> {
    let status = m
        .status
        .parse()
        .map_err(|_| corrupt("certificates", "status", &m.status))?;
    let content: CertificateContent = serde_json::from_str(&m.content).map_err(|e| {
        DbErr::Custom(format!(
            "certificates.content of {} is not readable: {e}",
            m.id
        ))
    })?;
    Ok(Certificate {
        id: m.id,
        project_id: m.project_id,
        project_code: m.project_code,
        version_no: m.version_no,
        status,
        content,
        content_digest: m.content_digest,
        project_version: m.project_version,
        issued_on: m.issued_on,
        first_issued_on: m.first_issued_on,
        signed_at: m.signed_at,
        signer_name: m.signer_name,
        key_id: m.key_id,
        pdf_sha256: m.pdf_sha256,
        pdf_size: m.pdf_size,
        pages: m.pages,
        seal: m.seal,
        drafted_by: m.drafted_by,
        dossier_id: m.dossier_id,
        status_list_index: m.status_list_index,
        approved_by: m.approved_by,
        superseded_by: m.superseded_by,
        status_reason: m.status_reason,
        status_effective_on: m.status_effective_on,
        status_changed_at: m.status_changed_at,
        row_version: m.row_version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A draft to insert.
pub struct NewDraft<'a> {
    /// The project.
    pub project_id: Uuid,
    /// Its code.
    pub project_code: &'a str,
    /// The project row version the draft is made from.
    pub project_version: i32,
    /// The content.
    pub content: &'a CertificateContent,
    /// The officer drafting it.
    pub drafted_by: Option<Uuid>,
    /// The dossier it answers.
    pub dossier_id: Option<Uuid>,
}

/// Inserts a draft; a second open draft of the project surfaces as a unique violation.
pub async fn insert_draft(
    conn: &impl ConnectionTrait,
    draft: NewDraft<'_>,
    now: DateTime<Utc>,
) -> Result<Certificate, DbErr> {
    let NewDraft {
        project_id,
        project_code,
        project_version,
        content,
        drafted_by,
        dossier_id,
    } = draft;
    let id = Uuid::now_v7();
    let am = certificate::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        project_code: Set(project_code.to_owned()),
        version_no: Set(None),
        status: Set(CertificateStatus::Draft.as_str().to_owned()),
        template: Set(content.template.clone()),
        content: Set(String::from_utf8_lossy(&content.canonical_json()).into_owned()),
        content_digest: Set(None),
        project_version: Set(project_version),
        issued_on: Set(None),
        first_issued_on: Set(content.first_issued_on),
        signed_at: Set(None),
        signer_name: Set(None),
        key_id: Set(None),
        pdf_sha256: Set(None),
        pdf_size: Set(None),
        pages: Set(None),
        seal: Set(None),
        drafted_by: Set(drafted_by),
        approved_by: Set(None),
        superseded_by: Set(None),
        status_reason: Set(None),
        status_effective_on: Set(None),
        status_changed_at: Set(None),
        row_version: Set(1),
        dossier_id: Set(dossier_id),
        status_list_index: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    certificate::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("certificate {id} vanished after insert")))
}

/// What issuing writes onto a draft.
pub struct Issued<'a> {
    /// Version number.
    pub version_no: i32,
    /// The final content.
    pub content: &'a CertificateContent,
    /// Content digest, hex.
    pub content_digest: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// First-issue date.
    pub first_issued_on: NaiveDate,
    /// Signing time.
    pub signed_at: DateTime<Utc>,
    /// Signer name.
    pub signer_name: String,
    /// Key id, hex.
    pub key_id: String,
    /// The signed PDF.
    pub pdf: &'a [u8],
    /// Its SHA-256, hex.
    pub pdf_sha256: String,
    /// Pages.
    pub pages: i32,
    /// The seal.
    pub seal: String,
    /// Approver.
    pub approved_by: Option<Uuid>,
    /// Its index in the status lists.
    pub status_list_index: i32,
}

/// Turns a draft into an issued version and stores its PDF. False when the draft changed
/// meanwhile (another approver got there first).
pub async fn issue(
    conn: &impl ConnectionTrait,
    draft: &Certificate,
    issued: Issued<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = certificate::ActiveModel {
        version_no: Set(Some(issued.version_no)),
        status: Set(CertificateStatus::InForce.as_str().to_owned()),
        content: Set(String::from_utf8_lossy(&issued.content.canonical_json()).into_owned()),
        content_digest: Set(Some(issued.content_digest)),
        issued_on: Set(Some(issued.issued_on)),
        first_issued_on: Set(Some(issued.first_issued_on)),
        signed_at: Set(Some(issued.signed_at)),
        signer_name: Set(Some(issued.signer_name)),
        key_id: Set(Some(issued.key_id)),
        pdf_sha256: Set(Some(issued.pdf_sha256)),
        pdf_size: Set(Some(i32::try_from(issued.pdf.len()).unwrap_or(i32::MAX))),
        pages: Set(Some(issued.pages)),
        seal: Set(Some(issued.seal)),
        approved_by: Set(issued.approved_by),
        status_list_index: Set(Some(issued.status_list_index)),
        status_changed_at: Set(Some(now)),
        row_version: Set(draft.row_version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    let res = certificate::Entity::update_many()
        .set(am)
        .filter(certificate::Column::Id.eq(draft.id))
        .filter(certificate::Column::RowVersion.eq(draft.row_version))
        .filter(certificate::Column::Status.eq(CertificateStatus::Draft.as_str()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    certificate_pdf::Entity::insert(certificate_pdf::ActiveModel {
        certificate_id: Set(draft.id),
        pdf: Set(issued.pdf.to_vec()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(true)
}

/// Moves a certificate to another status, recording why and from when. False when it changed
/// meanwhile.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    cert: &Certificate,
    status: CertificateStatus,
    reason: Option<&str>,
    effective_on: Option<NaiveDate>,
    superseded_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = certificate::ActiveModel {
        status: Set(status.as_str().to_owned()),
        status_reason: Set(reason.map(str::to_owned)),
        status_effective_on: Set(effective_on),
        status_changed_at: Set(Some(now)),
        superseded_by: Set(superseded_by.or(cert.superseded_by)),
        row_version: Set(cert.row_version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    let res = certificate::Entity::update_many()
        .set(am)
        .filter(certificate::Column::Id.eq(cert.id))
        .filter(certificate::Column::RowVersion.eq(cert.row_version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// One certificate by id.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Certificate>, DbErr> {
    certificate::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The project's open draft, if any.
pub async fn open_draft(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Option<Certificate>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::ProjectId.eq(project_id))
        .filter(certificate::Column::Status.eq(CertificateStatus::Draft.as_str()))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The project's current certificate: in force or suspended.
pub async fn current(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Option<Certificate>, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::ProjectId.eq(project_id))
        .filter(certificate::Column::Status.is_in([
            CertificateStatus::InForce.as_str(),
            CertificateStatus::Suspended.as_str(),
        ]))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The number the project's next certificate version takes, and the first-issue date it carries.
///
/// Once the registry has issued a version, the next one follows the latest (`version_no + 1`)
/// with the first-issue date that version carries. A project imported with a paper certificate
/// history and no version issued here yet continues the paper numbering: change
/// `last_change_no + 1`, first issued on the paper first-issue date. Otherwise it is the first
/// issue (0), with no first-issue date yet.
pub async fn issued_summary(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<(i32, Option<NaiveDate>), DbErr> {
    let last: Option<(Option<i32>, Option<NaiveDate>, Option<NaiveDate>)> =
        certificate::Entity::find()
            .select_only()
            .column(certificate::Column::VersionNo)
            .column(certificate::Column::FirstIssuedOn)
            .column(certificate::Column::IssuedOn)
            .filter(certificate::Column::ProjectId.eq(project_id))
            .filter(certificate::Column::VersionNo.is_not_null())
            .order_by_desc(certificate::Column::VersionNo)
            .into_tuple()
            .one(conn)
            .await?;
    if let Some((Some(version_no), first_issued_on, issued_on)) = last {
        return Ok((version_no + 1, first_issued_on.or(issued_on)));
    }
    Ok(
        match super::projects::paper_history(conn, project_id).await? {
            Some(paper) => (paper.last_change_no + 1, Some(paper.first_issued_on)),
            None => (0, None),
        },
    )
}

/// How many certificate versions were issued on the days from `from` to `to` (inclusive).
pub async fn count_issued_between(
    conn: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<u64, DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::IssuedOn.gte(from))
        .filter(certificate::Column::IssuedOn.lte(to))
        .count(conn)
        .await
}

/// A page of a project's certificates, oldest first.
pub async fn page_for_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Certificate>, DbErr> {
    let mut q = certificate::Entity::find().filter(certificate::Column::ProjectId.eq(project_id));
    if let Some(after) = after {
        q = q.filter(certificate::Column::Id.gt(after));
    }
    q.order_by_asc(certificate::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The stored PDF bytes of an issued certificate.
pub async fn pdf(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Vec<u8>>, DbErr> {
    Ok(certificate_pdf::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|m| m.pdf))
}

/// Remembers which resource an `Idempotency-Key` produced; a concurrent twin surfaces as a unique
/// violation.
pub async fn remember_key(
    conn: &impl ConnectionTrait,
    scope: &str,
    actor: &str,
    key: &str,
    fingerprint: &str,
    resource_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        scope: Set(scope.to_owned()),
        actor: Set(actor.to_owned()),
        idem_key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        resource_id: Set(resource_id),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// What an `Idempotency-Key` produced before: (fingerprint of the request, resource id).
pub async fn recall_key(
    conn: &impl ConnectionTrait,
    scope: &str,
    actor: &str,
    key: &str,
) -> Result<Option<(String, Uuid)>, DbErr> {
    Ok(
        idempotency_key::Entity::find_by_id((scope.to_owned(), actor.to_owned(), key.to_owned()))
            .one(conn)
            .await?
            .map(|m| (m.fingerprint, m.resource_id)),
    )
}

/// An issued version that is not in force, as the status bundle lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInForce {
    /// Project code.
    pub project_code: String,
    /// Version number.
    pub version_no: i32,
    /// Superseded, suspended or revoked.
    pub status: CertificateStatus,
    /// Why, when recorded.
    pub status_reason: Option<String>,
    /// When the status took effect.
    pub status_effective_on: Option<NaiveDate>,
    /// The version that replaced a superseded one.
    pub superseded_by_version: Option<i32>,
}

/// Every issued version that is superseded, suspended or revoked, with the number of the version
/// that replaced a superseded one, ordered by project code then version: one query (the table
/// joined to itself on `superseded_by`).
pub async fn not_in_force(conn: &impl ConnectionTrait) -> Result<Vec<NotInForce>, DbErr> {
    use certificate::Column as C;
    use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
    let statuses = [
        CertificateStatus::Superseded.as_str(),
        CertificateStatus::Suspended.as_str(),
        CertificateStatus::Revoked.as_str(),
    ];
    let query = Query::select()
        .column(("c", C::ProjectCode))
        .column(("c", C::VersionNo))
        .column(("c", C::Status))
        .column(("c", C::StatusReason))
        .column(("c", C::StatusEffectiveOn))
        .expr_as(Expr::col(("n", C::VersionNo)), "superseded_by_version")
        .from_as(certificate::Entity, "c")
        .join_as(
            JoinType::LeftJoin,
            certificate::Entity,
            "n",
            Expr::col(("n", C::Id)).equals(("c", C::SupersededBy)),
        )
        .and_where(Expr::col(("c", C::VersionNo)).is_not_null())
        .and_where(Expr::col(("c", C::Status)).is_in(statuses))
        .order_by(("c", C::ProjectCode), Order::Asc)
        .order_by(("c", C::VersionNo), Order::Asc)
        .to_owned();
    conn.query_all(&query)
        .await?
        .into_iter()
        .map(|row| {
            let status: String = row.try_get("", "status")?;
            Ok(NotInForce {
                project_code: row.try_get("", "project_code")?,
                version_no: row.try_get("", "version_no")?,
                status: status
                    .parse()
                    .map_err(|_| corrupt("certificates", "status", &status))?,
                status_reason: row.try_get("", "status_reason")?,
                status_effective_on: row.try_get("", "status_effective_on")?,
                superseded_by_version: row.try_get("", "superseded_by_version")?,
            })
        })
        .collect()
}

/// Every issued version's status-list index and status, for building the lists.
pub async fn status_list_entries(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(i32, CertificateStatus)>, DbErr> {
    use certificate::Column as C;
    let rows: Vec<(i32, String)> = certificate::Entity::find()
        .select_only()
        .column(C::StatusListIndex)
        .column(C::Status)
        .filter(C::StatusListIndex.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(index, status)| {
            let s = status
                .parse()
                .map_err(|_| corrupt("certificates", "status", &status))?;
            Ok((index, s))
        })
        .collect()
}

/// Issued versions without a status-list index (issued before the lists existed).
pub async fn without_status_list_index(conn: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    use certificate::Column as C;
    certificate::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::VersionNo.is_not_null())
        .filter(C::StatusListIndex.is_null())
        .order_by_asc(C::CreatedAt)
        .into_tuple()
        .all(conn)
        .await
}

/// Gives an issued version its index, unless it has one already: false then.
pub async fn set_status_list_index(
    conn: &impl ConnectionTrait,
    id: Uuid,
    index: i32,
) -> Result<bool, DbErr> {
    use certificate::Column as C;
    let res = certificate::Entity::update_many()
        .col_expr(C::StatusListIndex, sea_orm::sea_query::Expr::value(index))
        .filter(C::Id.eq(id))
        .filter(C::StatusListIndex.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// A page of every certificate (or only those of one project) in id order, after the given id: for
/// exports and snapshots, which walk the whole table.
pub async fn page_all(
    conn: &impl ConnectionTrait,
    project_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Certificate>, DbErr> {
    let mut q = certificate::Entity::find()
        .order_by_asc(certificate::Column::Id)
        .limit(limit);
    if let Some(owner) = project_id {
        q = q.filter(certificate::Column::ProjectId.eq(owner));
    }
    if let Some(after) = after {
        q = q.filter(certificate::Column::Id.gt(after));
    }
    q.all(conn).await?.into_iter().map(to_domain).collect()
}

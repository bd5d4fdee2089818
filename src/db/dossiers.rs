//! One-stop dossiers, their processing-control log, apologies and attachments.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    dossier, dossier_apology, dossier_attachment, dossier_attachment_content, dossier_step,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    calendar::{Deadline, DeadlineUnit},
    dossier::{
        Apology, Applicant, Attachment, Channel, Dossier, DossierStatus, FixedRule, Rating,
        Satisfaction, Step,
    },
};

/// What a list of dossiers is narrowed to. Dates are Vietnamese dates, already turned into
/// instants or compared as dates by the caller.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    /// Only this status.
    pub status: Option<DossierStatus>,
    /// Only this procedure.
    pub procedure_code: Option<String>,
    /// Only dossiers whose clock runs and whose due date is before this day (overdue), or
    /// (false) only the others.
    pub overdue_before: Option<(NaiveDate, bool)>,
    /// Only dossiers whose clock runs and that are due on or before this day.
    pub due_by: Option<NaiveDate>,
    /// Received (complete) at or after this instant.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub received_before: Option<DateTime<Utc>>,
    /// Only this project's.
    pub project_id: Option<Uuid>,
    /// Only this channel.
    pub channel: Option<Channel>,
}

const CLOCK_RUNS: [DossierStatus; 4] = [
    DossierStatus::Received,
    DossierStatus::InReview,
    DossierStatus::Approved,
    DossierStatus::Refused,
];

fn clock_runs() -> Condition {
    Condition::any().add(dossier::Column::Status.is_in(CLOCK_RUNS.iter().map(|s| s.as_str())))
}

fn to_domain(m: dossier::Model) -> Result<Dossier, DbErr> {
    let status: DossierStatus = m
        .status
        .parse()
        .map_err(|_| corrupt("dossiers", "status", &m.status))?;
    let channel: Channel = m
        .channel
        .parse()
        .map_err(|_| corrupt("dossiers", "channel", &m.channel))?;
    let kind = m
        .applicant_kind
        .parse()
        .map_err(|_| corrupt("dossiers", "applicant_kind", &m.applicant_kind))?;
    let rule = match (m.procedure_id, m.deadline_value, m.deadline_unit.as_deref()) {
        (Some(procedure_id), Some(value), Some(unit)) => Some(FixedRule {
            procedure_id,
            deadline: Deadline {
                value: u16::try_from(value)
                    .map_err(|_| corrupt("dossiers", "deadline_value", "negative"))?,
                unit: DeadlineUnit::parse(unit)
                    .ok_or_else(|| corrupt("dossiers", "deadline_unit", unit))?,
            },
        }),
        _ => None,
    };
    let rating = match (m.rating, m.rated_at) {
        (Some(score), Some(at)) => Some(Rating {
            level: Satisfaction::from_score(i64::from(score))
                .ok_or_else(|| corrupt("dossiers", "rating", &score.to_string()))?,
            comment: m.rating_comment,
            at,
        }),
        _ => None,
    };
    Ok(Dossier {
        id: m.id,
        receipt_code: m.receipt_code,
        procedure_code: m.procedure_code,
        rule,
        channel,
        status,
        applicant: Applicant {
            kind,
            name: m.applicant_name,
            id_number: m.applicant_id_number,
            birth_date: m.applicant_birth_date,
            address: m.applicant_address,
            phone: m.applicant_phone,
            email: m.applicant_email,
        },
        subject: m.subject,
        investor_id: m.investor_id,
        project_id: m.project_id,
        documents: serde_json::from_str(&m.documents)
            .map_err(|_| corrupt("dossiers", "documents", "unreadable JSON"))?,
        note: m.note,
        submitted_at: m.submitted_at,
        first_received_at: m.first_received_at,
        received_at: m.received_at,
        due_date: m.due_date,
        promised_date: m.promised_date,
        supplement_request: m.supplement_request,
        decided_at: m.decided_at,
        refusal_reason: m.refusal_reason,
        result_certificate_id: m.result_certificate_id,
        returned_at: m.returned_at,
        rating,
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_active(
    d: &Dossier,
    tracking_secret_hash: Option<String>,
) -> Result<dossier::ActiveModel, DbErr> {
    let documents =
        serde_json::to_string(&d.documents).map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut am = dossier::ActiveModel {
        id: Set(d.id),
        receipt_code: Set(d.receipt_code.clone()),
        procedure_code: Set(d.procedure_code.clone()),
        procedure_id: Set(d.rule.map(|r| r.procedure_id)),
        deadline_value: Set(d.rule.map(|r| i32::from(r.deadline.value))),
        deadline_unit: Set(d.rule.map(|r| r.deadline.unit.as_str().to_owned())),
        channel: Set(d.channel.as_str().to_owned()),
        status: Set(d.status.as_str().to_owned()),
        applicant_kind: Set(d.applicant.kind.as_str().to_owned()),
        applicant_name: Set(d.applicant.name.clone()),
        applicant_id_number: Set(d.applicant.id_number.clone()),
        applicant_birth_date: Set(d.applicant.birth_date),
        applicant_address: Set(d.applicant.address.clone()),
        applicant_phone: Set(d.applicant.phone.clone()),
        applicant_email: Set(d.applicant.email.clone()),
        subject: Set(d.subject.clone()),
        investor_id: Set(d.investor_id),
        project_id: Set(d.project_id),
        documents: Set(documents),
        note: Set(d.note.clone()),
        submitted_at: Set(d.submitted_at),
        first_received_at: Set(d.first_received_at),
        received_at: Set(d.received_at),
        due_date: Set(d.due_date),
        promised_date: Set(d.promised_date),
        supplement_request: Set(d.supplement_request.clone()),
        decided_at: Set(d.decided_at),
        refusal_reason: Set(d.refusal_reason.clone()),
        result_certificate_id: Set(d.result_certificate_id),
        returned_at: Set(d.returned_at),
        rating: Set(d.rating.as_ref().map(|r| i32::from(r.level.score()))),
        rating_comment: Set(d.rating.as_ref().and_then(|r| r.comment.clone())),
        rated_at: Set(d.rating.as_ref().map(|r| r.at)),
        created_by: Set(d.created_by),
        version: Set(d.version),
        created_at: Set(d.created_at),
        updated_at: Set(d.updated_at),
        ..Default::default()
    };
    if let Some(hash) = tracking_secret_hash {
        am.tracking_secret_hash = Set(hash);
    }
    Ok(am)
}

/// Inserts a new dossier with the hash of its tracking secret.
pub async fn insert(
    conn: &impl ConnectionTrait,
    d: &Dossier,
    tracking_secret_hash: &str,
) -> Result<(), DbErr> {
    dossier::Entity::insert(to_active(d, Some(tracking_secret_hash.to_owned()))?)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Writes a dossier over its row if the row is still at `expected`; the written dossier carries
/// its new version. False when another change got there first.
pub async fn update(
    conn: &impl ConnectionTrait,
    d: &Dossier,
    expected: i32,
) -> Result<bool, DbErr> {
    let mut am = to_active(d, None)?;
    am.id = sea_orm::ActiveValue::NotSet;
    am.created_at = sea_orm::ActiveValue::NotSet;
    let res = dossier::Entity::update_many()
        .set(am)
        .filter(dossier::Column::Id.eq(d.id))
        .filter(dossier::Column::Version.eq(expected))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// One dossier.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Dossier>, DbErr> {
    dossier::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// One dossier by receipt code, with the hash of its tracking secret.
pub async fn find_by_code(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<(Dossier, String)>, DbErr> {
    match dossier::Entity::find()
        .filter(dossier::Column::ReceiptCode.eq(code))
        .one(conn)
        .await?
    {
        Some(m) => {
            let hash = m.tracking_secret_hash.clone();
            Ok(Some((to_domain(m)?, hash)))
        }
        None => Ok(None),
    }
}

/// Replaces the hash of a dossier's tracking secret.
pub async fn set_secret_hash(
    conn: &impl ConnectionTrait,
    id: Uuid,
    hash: &str,
) -> Result<(), DbErr> {
    dossier::Entity::update_many()
        .set(dossier::ActiveModel {
            tracking_secret_hash: Set(hash.to_owned()),
            ..Default::default()
        })
        .filter(dossier::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Locks the dossier row until the transaction ends (PostgreSQL; SQLite's write transaction
/// already holds the database's write lock); false when there is no such dossier.
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT id FROM dossiers WHERE id = $1 FOR UPDATE",
        _ => "SELECT id FROM dossiers WHERE id = ?",
    };
    Ok(conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await?
        .is_some())
}

/// A page of dossiers, newest first (by id, which grows with time), after the given id.
pub async fn page(
    conn: &impl ConnectionTrait,
    q: &DossierQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Dossier>, DbErr> {
    let mut s = dossier::Entity::find()
        .order_by_desc(dossier::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        s = s.filter(dossier::Column::Id.lt(after));
    }
    if let Some(status) = q.status {
        s = s.filter(dossier::Column::Status.eq(status.as_str()));
    }
    if let Some(code) = &q.procedure_code {
        s = s.filter(dossier::Column::ProcedureCode.eq(code.as_str()));
    }
    if let Some(channel) = q.channel {
        s = s.filter(dossier::Column::Channel.eq(channel.as_str()));
    }
    if let Some(project) = q.project_id {
        s = s.filter(dossier::Column::ProjectId.eq(project));
    }
    if let Some((today, overdue)) = q.overdue_before {
        let late = Condition::all()
            .add(clock_runs())
            .add(dossier::Column::DueDate.lt(today));
        s = s.filter(if overdue { late } else { late.not() });
    }
    if let Some(by) = q.due_by {
        s = s
            .filter(clock_runs())
            .filter(dossier::Column::DueDate.lte(by));
    }
    if let Some(from) = q.received_from {
        s = s.filter(dossier::Column::ReceivedAt.gte(from));
    }
    if let Some(before) = q.received_before {
        s = s.filter(dossier::Column::ReceivedAt.lt(before));
    }
    s.all(conn).await?.into_iter().map(to_domain).collect()
}

/// Every dossier submitted, returned or rated in [from, to), for statistics, and every one whose
/// clock runs now.
pub async fn for_statistics(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Dossier>, DbErr> {
    dossier::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(dossier::Column::SubmittedAt.gte(from))
                        .add(dossier::Column::SubmittedAt.lt(to)),
                )
                .add(
                    Condition::all()
                        .add(dossier::Column::ReturnedAt.gte(from))
                        .add(dossier::Column::ReturnedAt.lt(to)),
                )
                .add(
                    Condition::all()
                        .add(dossier::Column::RatedAt.gte(from))
                        .add(dossier::Column::RatedAt.lt(to)),
                )
                .add(clock_runs()),
        )
        .order_by_asc(dossier::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Appends a step to the processing-control log.
pub async fn insert_step(
    conn: &impl ConnectionTrait,
    dossier_id: Uuid,
    s: &Step,
) -> Result<(), DbErr> {
    dossier_step::Entity::insert(dossier_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        dossier_id: Set(dossier_id),
        at: Set(s.at),
        action: Set(s.action.clone()),
        from_status: Set(s.from.map(|f| f.as_str().to_owned())),
        to_status: Set(s.to.as_str().to_owned()),
        actor_kind: Set(s.actor_kind.clone()),
        actor_id: Set(s.actor_id),
        actor_name: Set(s.actor_name.clone()),
        note: Set(s.note.clone()),
        due_date: Set(s.due_date),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// A dossier's processing-control log, oldest first.
pub async fn steps(conn: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<Step>, DbErr> {
    dossier_step::Entity::find()
        .filter(dossier_step::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_step::Column::At)
        .order_by_asc(dossier_step::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(Step {
                at: m.at,
                action: m.action,
                from: m
                    .from_status
                    .map(|f| {
                        f.parse()
                            .map_err(|_| corrupt("dossier_steps", "from_status", &f))
                    })
                    .transpose()?,
                to: m
                    .to_status
                    .parse()
                    .map_err(|_| corrupt("dossier_steps", "to_status", &m.to_status))?,
                actor_kind: m.actor_kind,
                actor_id: m.actor_id,
                actor_name: m.actor_name,
                note: m.note,
                due_date: m.due_date,
            })
        })
        .collect()
}

/// Records an apology.
pub async fn insert_apology(conn: &impl ConnectionTrait, a: &Apology) -> Result<(), DbErr> {
    dossier_apology::Entity::insert(dossier_apology::ActiveModel {
        id: Set(a.id),
        dossier_id: Set(a.dossier_id),
        issued_at: Set(a.issued_at),
        reason: Set(a.reason.clone()),
        new_date: Set(a.new_date),
        issued_by: Set(a.issued_by),
        issued_by_name: Set(a.issued_by_name.clone()),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// A dossier's apologies, oldest first.
pub async fn apologies(
    conn: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<Apology>, DbErr> {
    Ok(dossier_apology::Entity::find()
        .filter(dossier_apology::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_apology::Column::IssuedAt)
        .order_by_asc(dossier_apology::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Apology {
            id: m.id,
            dossier_id: m.dossier_id,
            issued_at: m.issued_at,
            reason: m.reason,
            new_date: m.new_date,
            issued_by: m.issued_by,
            issued_by_name: m.issued_by_name,
        })
        .collect())
}

fn attachment_to_domain(m: dossier_attachment::Model) -> Attachment {
    Attachment {
        id: m.id,
        dossier_id: m.dossier_id,
        document_code: m.document_code,
        file_name: m.file_name,
        media_type: m.media_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        uploaded_by_kind: m.uploaded_by_kind,
        uploaded_by: m.uploaded_by,
        created_at: m.created_at,
    }
}

/// Stores an attachment and its bytes.
pub async fn insert_attachment(
    conn: &impl ConnectionTrait,
    a: &Attachment,
    content: &[u8],
) -> Result<(), DbErr> {
    dossier_attachment::Entity::insert(dossier_attachment::ActiveModel {
        id: Set(a.id),
        dossier_id: Set(a.dossier_id),
        document_code: Set(a.document_code.clone()),
        file_name: Set(a.file_name.clone()),
        media_type: Set(a.media_type.clone()),
        size_bytes: Set(a.size_bytes),
        sha256: Set(a.sha256.clone()),
        uploaded_by_kind: Set(a.uploaded_by_kind.clone()),
        uploaded_by: Set(a.uploaded_by),
        created_at: Set(a.created_at),
    })
    .exec_without_returning(conn)
    .await?;
    dossier_attachment_content::Entity::insert(dossier_attachment_content::ActiveModel {
        attachment_id: Set(a.id),
        content: Set(content.to_vec()),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// A dossier's attachments (without bytes), oldest first.
pub async fn attachments(
    conn: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<Attachment>, DbErr> {
    Ok(dossier_attachment::Entity::find()
        .filter(dossier_attachment::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_attachment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(attachment_to_domain)
        .collect())
}

/// One attachment of a dossier with its bytes.
pub async fn attachment(
    conn: &impl ConnectionTrait,
    dossier_id: Uuid,
    id: Uuid,
) -> Result<Option<(Attachment, Vec<u8>)>, DbErr> {
    let Some(meta) = dossier_attachment::Entity::find_by_id(id)
        .filter(dossier_attachment::Column::DossierId.eq(dossier_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let content = dossier_attachment_content::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|c| c.content)
        .ok_or_else(|| DbErr::RecordNotFound(format!("content of attachment {id}")))?;
    Ok(Some((attachment_to_domain(meta), content)))
}

/// The dossier a certificate was issued as the result of, if any.
pub async fn with_result(
    conn: &impl ConnectionTrait,
    certificate_id: Uuid,
) -> Result<Option<Dossier>, DbErr> {
    dossier::Entity::find()
        .filter(dossier::Column::ResultCertificateId.eq(certificate_id))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

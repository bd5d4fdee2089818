//! Project queries, with the investors' contributions and the local code sequence.

use chrono::{DateTime, Utc};
use entity::{investor, project, project_investor, project_paper_history};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::corrupt;
use crate::domain::{
    project::{
        CodeSource, Contribution, PaperHistory, Project, ProjectData, ProjectFilter, ProjectStatus,
    },
    text::fold,
};

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, col: &str) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|_| corrupt("projects", col, text))
}

fn to_domain(
    m: project::Model,
    contributions: Vec<project_investor::Model>,
    paper: Option<project_paper_history::Model>,
) -> Result<Project, DbErr> {
    let mut contributions = contributions;
    contributions.sort_by_key(|c| c.position);
    let investors = contributions
        .into_iter()
        .map(|c| {
            Ok(Contribution {
                investor_id: c.investor_id,
                capital_vnd: c.capital_vnd,
                form: c
                    .form
                    .parse()
                    .map_err(|_| corrupt("project_investors", "form", &c.form))?,
                schedule: c.schedule,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Project {
        id: m.id,
        code_source: m
            .code_source
            .parse::<CodeSource>()
            .map_err(|_| corrupt("projects", "code_source", &m.code_source))?,
        status: m
            .status
            .parse()
            .map_err(|_| corrupt("projects", "status", &m.status))?,
        data: ProjectData {
            name_vi: m.name_vi,
            name_en: m.name_en,
            zone_id: m.zone_id,
            address: m.address,
            investors,
            objectives: parse_json(&m.objectives, "objectives")?,
            scale: m.scale,
            total_capital_vnd: m.total_capital_vnd,
            contributed_capital_vnd: m.contributed_capital_vnd,
            mobilized_capital_vnd: m.mobilized_capital_vnd,
            capital_usd: m.capital_usd,
            exchange_rate_vnd_per_usd: m.exchange_rate_vnd_per_usd,
            exchange_rate_date: m.exchange_rate_date,
            duration_years: m.duration_years,
            milestones: parse_json(&m.milestones, "milestones")?,
            incentives: parse_json(&m.incentives, "incentives")?,
            conditions: parse_json(&m.conditions, "conditions")?,
            note: m.note,
        },
        project_code: m.project_code,
        registered_at: m.registered_at,
        status_reason: m.status_reason,
        prepared_by: m.created_by.into_iter().chain(m.updated_by).collect(),
        paper_history: paper.map(|h| PaperHistory {
            first_issued_on: h.first_issued_on,
            last_change_no: h.last_change_no,
            last_change_on: h.last_change_on,
            import_id: h.import_id,
        }),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn data_columns(d: &ProjectData) -> project::ActiveModel {
    project::ActiveModel {
        name_vi: Set(d.name_vi.clone()),
        name_en: Set(d.name_en.clone()),
        name_search: Set(fold(&format!(
            "{} {}",
            d.name_vi,
            d.name_en.as_deref().unwrap_or_default()
        ))),
        zone_id: Set(d.zone_id),
        address: Set(d.address.clone()),
        total_capital_vnd: Set(d.total_capital_vnd),
        contributed_capital_vnd: Set(d.contributed_capital_vnd),
        mobilized_capital_vnd: Set(d.mobilized_capital_vnd),
        capital_usd: Set(d.capital_usd),
        exchange_rate_vnd_per_usd: Set(d.exchange_rate_vnd_per_usd),
        exchange_rate_date: Set(d.exchange_rate_date),
        duration_years: Set(d.duration_years),
        scale: Set(d.scale.clone()),
        objectives: Set(json(&d.objectives)),
        milestones: Set(json(&d.milestones)),
        incentives: Set(json(&d.incentives)),
        conditions: Set(json(&d.conditions)),
        note: Set(d.note.clone()),
        ..Default::default()
    }
}

async fn write_contributions(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    d: &ProjectData,
) -> Result<(), DbErr> {
    project_investor::Entity::delete_many()
        .filter(project_investor::Column::ProjectId.eq(project_id))
        .exec(conn)
        .await?;
    for (i, c) in d.investors.iter().enumerate() {
        let am = project_investor::ActiveModel {
            project_id: Set(project_id),
            investor_id: Set(c.investor_id),
            position: Set(i as i32),
            capital_vnd: Set(c.capital_vnd),
            form: Set(c.form.as_str().to_owned()),
            schedule: Set(c.schedule.clone()),
        };
        project_investor::Entity::insert(am)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Inserts a project in draft; a taken code surfaces as a unique violation.
pub async fn insert(
    conn: &impl ConnectionTrait,
    id: Uuid,
    code: &str,
    source: CodeSource,
    data: &ProjectData,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Project, DbErr> {
    insert_row(conn, id, code, source, data, by, now, None).await?;
    find(conn, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("project {id} vanished after insert")))
}

/// Inserts an imported project: in draft, or registered at `registered_at` when it already held
/// a paper certificate. Reads nothing back (imports write thousands of rows in one transaction).
pub async fn insert_imported(
    conn: &impl ConnectionTrait,
    id: Uuid,
    code: &str,
    data: &ProjectData,
    by: Option<Uuid>,
    now: DateTime<Utc>,
    registered_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    insert_row(
        conn,
        id,
        code,
        CodeSource::National,
        data,
        by,
        now,
        registered_at,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one column group each; a struct would only rename them"
)]
async fn insert_row(
    conn: &impl ConnectionTrait,
    id: Uuid,
    code: &str,
    source: CodeSource,
    data: &ProjectData,
    by: Option<Uuid>,
    now: DateTime<Utc>,
    registered_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let mut am = data_columns(data);
    am.created_by = Set(by);
    am.updated_by = Set(None);
    am.id = Set(id);
    am.project_code = Set(code.to_owned());
    am.code_source = Set(source.as_str().to_owned());
    am.status = Set(if registered_at.is_some() {
        ProjectStatus::Registered
    } else {
        ProjectStatus::Draft
    }
    .as_str()
    .to_owned());
    am.registered_at = Set(registered_at);
    am.status_reason = Set(None);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    project::Entity::insert(am)
        .exec_without_returning(conn)
        .await?;
    write_contributions(conn, id, data).await
}

/// Records an imported project's paper certificate history.
pub async fn insert_paper_history(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    history: &PaperHistory,
) -> Result<(), DbErr> {
    project_paper_history::Entity::insert(project_paper_history::ActiveModel {
        project_id: Set(project_id),
        import_id: Set(history.import_id),
        first_issued_on: Set(history.first_issued_on),
        last_change_no: Set(history.last_change_no),
        last_change_on: Set(history.last_change_on),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// The paper certificate history of a project, if it was imported with one.
pub async fn paper_history(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Option<PaperHistory>, DbErr> {
    Ok(project_paper_history::Entity::find_by_id(project_id)
        .one(conn)
        .await?
        .map(|h| PaperHistory {
            first_issued_on: h.first_issued_on,
            last_change_no: h.last_change_no,
            last_change_on: h.last_change_on,
            import_id: h.import_id,
        }))
}

/// Which of these project codes are already registered.
pub async fn existing_codes(
    conn: &impl ConnectionTrait,
    codes: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut found = std::collections::HashSet::new();
    // In chunks: a statement has a bounded number of parameters on both databases.
    for chunk in codes.chunks(500) {
        let rows: Vec<String> = project::Entity::find()
            .select_only()
            .column(project::Column::ProjectCode)
            .filter(project::Column::ProjectCode.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// One project with its contributions.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Project>, DbErr> {
    let Some(m) = project::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let contributions = project_investor::Entity::find()
        .filter(project_investor::Column::ProjectId.eq(id))
        .all(conn)
        .await?;
    let paper = project_paper_history::Entity::find_by_id(id)
        .one(conn)
        .await?;
    to_domain(m, contributions, paper).map(Some)
}

/// One project by code.
pub async fn find_by_code(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<Project>, DbErr> {
    match project::Entity::find()
        .filter(project::Column::ProjectCode.eq(code))
        .one(conn)
        .await?
    {
        Some(m) => find(conn, m.id).await,
        None => Ok(None),
    }
}

/// A page of projects in creation order.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &ProjectFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Project>, DbErr> {
    let mut q = project::Entity::find()
        .order_by_asc(project::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(project::Column::Id.gt(after));
    }
    if let Some(words) = filter
        .q
        .as_deref()
        .and_then(|t| super::all_words_in(project::Column::NameSearch, t))
    {
        q = q.filter(words);
    }
    if let Some(z) = filter.zone_id {
        q = q.filter(project::Column::ZoneId.eq(z));
    }
    if let Some(s) = filter.status {
        q = q.filter(project::Column::Status.eq(s.as_str()));
    }
    if let Some(min) = filter.min_capital_vnd {
        q = q.filter(project::Column::TotalCapitalVnd.gte(min));
    }
    if let Some(max) = filter.max_capital_vnd {
        q = q.filter(project::Column::TotalCapitalVnd.lte(max));
    }
    if let Some(year) = filter.registration_year
        && let (Some(from), Some(to)) = (
            crate::domain::time::vietnam_year_start(year),
            crate::domain::time::vietnam_year_start(year + 1),
        )
    {
        q = q
            .filter(project::Column::RegisteredAt.gte(from))
            .filter(project::Column::RegisteredAt.lt(to));
    }
    if let Some(inv) = filter.investor_id {
        q = q.filter(
            Expr::col(project::Column::Id).in_subquery(
                Query::select()
                    .column(project_investor::Column::ProjectId)
                    .from(project_investor::Entity)
                    .and_where(Expr::col(project_investor::Column::InvestorId).eq(inv))
                    .to_owned(),
            ),
        );
    }
    if let Some(n) = &filter.nationality {
        q = q.filter(
            Expr::col(project::Column::Id).in_subquery(
                Query::select()
                    .column((
                        project_investor::Entity,
                        project_investor::Column::ProjectId,
                    ))
                    .from(project_investor::Entity)
                    .inner_join(
                        investor::Entity,
                        Expr::col((investor::Entity, investor::Column::Id)).equals((
                            project_investor::Entity,
                            project_investor::Column::InvestorId,
                        )),
                    )
                    .and_where(
                        Expr::col((investor::Entity, investor::Column::Nationality)).eq(n.as_str()),
                    )
                    .to_owned(),
            ),
        );
    }
    let rows = q.all(conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let (mut contributions, mut papers) = if ids.is_empty() {
        (Vec::new(), std::collections::HashMap::new())
    } else {
        (
            project_investor::Entity::find()
                .filter(project_investor::Column::ProjectId.is_in(ids.clone()))
                .all(conn)
                .await?,
            project_paper_history::Entity::find()
                .filter(project_paper_history::Column::ProjectId.is_in(ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|h| (h.project_id, h))
                .collect(),
        )
    };
    rows.into_iter()
        .map(|m| {
            let mine: Vec<_> = contributions
                .extract_if(.., |c| c.project_id == m.id)
                .collect();
            let paper = papers.remove(&m.id);
            to_domain(m, mine, paper)
        })
        .collect()
}

/// Writes new data if the row is still at `expected_version`.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    data: &ProjectData,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut am = data_columns(data);
    am.updated_by = Set(by);
    am.version = Set(expected_version + 1);
    am.updated_at = Set(now);
    let res = project::Entity::update_many()
        .set(am)
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    write_contributions(conn, id, data).await?;
    Ok(true)
}

/// Moves a project to a status if it is still at `expected_version`.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    project: &Project,
    status: ProjectStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let am = project::ActiveModel {
        status: Set(status.as_str().to_owned()),
        status_reason: Set(reason.map(str::to_owned)),
        registered_at: Set(
            if status == ProjectStatus::Registered && project.registered_at.is_none() {
                Some(now)
            } else {
                project.registered_at
            },
        ),
        version: Set(project.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    let res = project::Entity::update_many()
        .set(am)
        .filter(project::Column::Id.eq(project.id))
        .filter(project::Column::Version.eq(project.version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Locks the project row until the transaction ends, so work on one project (status changes,
/// certificate versions) is serialised across every instance. On SQLite the write transaction (`BEGIN IMMEDIATE`) already
/// holds the database's single write lock.
pub async fn lock(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<bool, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT id FROM projects WHERE id = $1 FOR UPDATE",
        _ => "SELECT id FROM projects WHERE id = ?",
    };
    Ok(conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [project_id.into()],
        ))
        .await?
        .is_some())
}

/// Takes the next number of a named sequence. The row update locks it until the transaction ends,
/// so concurrent callers on any instance get distinct numbers, and a rolled-back caller's number
/// is reused (no gaps).
pub async fn next_in_sequence(conn: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE code_counters SET next_value = next_value + 1 WHERE name = $1 RETURNING next_value - 1 AS taken"
        }
        _ => {
            "UPDATE code_counters SET next_value = next_value + 1 WHERE name = ? RETURNING next_value - 1 AS taken"
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [name.into()]))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("sequence {name}")))?;
    row.try_get("", "taken")
}

/// Creates a named sequence starting at 1 unless it exists. Two callers creating the same
/// sequence at once both succeed: the second waits for the first's row and keeps it.
pub async fn ensure_sequence(conn: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO code_counters (name, next_value) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING"
        }
        _ => {
            "INSERT INTO code_counters (name, next_value) VALUES (?, 1) ON CONFLICT (name) DO NOTHING"
        }
    };
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, [name.into()]))
        .await
        .map(|_| ())
}

/// Ids of investors that exist, of those asked for.
pub async fn existing_investors(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    investor::Entity::find()
        .select_only()
        .column(investor::Column::Id)
        .filter(investor::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
}

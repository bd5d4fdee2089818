//! The one query public verification makes: an issued certificate by its seal or by its PDF's
//! SHA-256, with its signing key's status and the version that replaced it, in one round trip.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{certificate, signing_key};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};

/// How the certificate is looked up.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// By its QR seal (upper-case Base32, as stored).
    Seal(&'a str),
    /// By the SHA-256 of its signed PDF (lower-case hex, as stored).
    PdfSha256(&'a str),
}

/// An issued certificate as public verification sees it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RegisteredCertificate {
    /// Lifecycle status.
    pub status: String,
    /// The frozen content (JSON).
    pub content: String,
    /// Project code.
    pub project_code: String,
    /// Version (0 = first issue).
    pub version_no: Option<i32>,
    /// Date of issue.
    pub issued_on: Option<NaiveDate>,
    /// Date of first issue.
    pub first_issued_on: Option<NaiveDate>,
    /// Signing time.
    pub signed_at: Option<DateTime<Utc>>,
    /// The QR seal.
    pub seal: Option<String>,
    /// Reason of the last status change (suspension, revocation).
    pub status_reason: Option<String>,
    /// Date the last status change took effect.
    pub status_effective_on: Option<NaiveDate>,
    /// Signing key id.
    pub key_id: Option<String>,
    /// Signing key status now.
    pub key_status: Option<String>,
    /// True for a development key.
    pub key_development: Option<bool>,
    /// When the key was marked compromised.
    pub key_compromised_at: Option<DateTime<Utc>>,
    /// The replacing version's number, when superseded.
    pub next_version_no: Option<i32>,
    /// The replacing version's date of issue.
    pub next_issued_on: Option<NaiveDate>,
    /// The replacing version's seal.
    pub next_seal: Option<String>,
}

/// Finds an issued certificate; drafts have neither seal nor PDF, so they are never found.
pub async fn find(
    conn: &impl ConnectionTrait,
    lookup: Lookup<'_>,
) -> Result<Option<RegisteredCertificate>, DbErr> {
    RegisteredCertificate::find_by_statement(statement(conn.get_database_backend(), lookup))
        .one(conn)
        .await
}

/// The statement [`find`] runs, so a benchmark or an operator can ask the database for its plan
/// (`EXPLAIN`): the seal lookup must use `ux_certificates_seal`. The SQL is built once per
/// backend and kind of lookup (building it took a twentieth of a verification's CPU); only the
/// bound key changes.
pub fn statement(backend: DbBackend, lookup: Lookup<'_>) -> Statement {
    static SQL: [[OnceLock<String>; 2]; 3] = [const { [const { OnceLock::new() }; 2] }; 3];
    let (kind, key) = match lookup {
        Lookup::Seal(key) => (0, key),
        Lookup::PdfSha256(key) => (1, key),
    };
    let dialect = match backend {
        DbBackend::Sqlite => 0,
        DbBackend::Postgres => 1,
        _ => 2,
    };
    let sql = SQL[dialect][kind].get_or_init(|| build(backend, lookup).sql);
    Statement::from_sql_and_values(backend, sql.clone(), [key.into()])
}

fn build(backend: DbBackend, lookup: Lookup<'_>) -> Statement {
    let c = Alias::new("c");
    let n = Alias::new("n");
    let k = Alias::new("k");
    let col = |t: &Alias, name: certificate::Column| Expr::col((t.clone(), name));
    let mut q = Query::select();
    for (column, name) in [
        (certificate::Column::Status, "status"),
        (certificate::Column::Content, "content"),
        (certificate::Column::ProjectCode, "project_code"),
        (certificate::Column::VersionNo, "version_no"),
        (certificate::Column::IssuedOn, "issued_on"),
        (certificate::Column::FirstIssuedOn, "first_issued_on"),
        (certificate::Column::SignedAt, "signed_at"),
        (certificate::Column::Seal, "seal"),
        (certificate::Column::StatusReason, "status_reason"),
        (
            certificate::Column::StatusEffectiveOn,
            "status_effective_on",
        ),
        (certificate::Column::KeyId, "key_id"),
    ] {
        q.expr_as(col(&c, column), Alias::new(name));
    }
    q.expr_as(
        Expr::col((k.clone(), signing_key::Column::Status)),
        Alias::new("key_status"),
    )
    .expr_as(
        Expr::col((k.clone(), signing_key::Column::Development)),
        Alias::new("key_development"),
    )
    .expr_as(
        Expr::col((k.clone(), signing_key::Column::CompromisedAt)),
        Alias::new("key_compromised_at"),
    )
    .expr_as(
        col(&n, certificate::Column::VersionNo),
        Alias::new("next_version_no"),
    )
    .expr_as(
        col(&n, certificate::Column::IssuedOn),
        Alias::new("next_issued_on"),
    )
    .expr_as(col(&n, certificate::Column::Seal), Alias::new("next_seal"))
    .from_as(certificate::Entity, c.clone())
    .join_as(
        JoinType::LeftJoin,
        signing_key::Entity,
        k.clone(),
        Expr::col((k.clone(), signing_key::Column::KeyId))
            .equals((c.clone(), certificate::Column::KeyId)),
    )
    .join_as(
        JoinType::LeftJoin,
        certificate::Entity,
        n.clone(),
        Expr::col((n.clone(), certificate::Column::Id))
            .equals((c.clone(), certificate::Column::SupersededBy)),
    );
    match lookup {
        Lookup::Seal(seal) => q.and_where(col(&c, certificate::Column::Seal).eq(seal)),
        Lookup::PdfSha256(sha) => q.and_where(col(&c, certificate::Column::PdfSha256).eq(sha)),
    };
    // No `LIMIT`: the seal is unique, a PDF's SHA-256 is too in practice, and `find` reads one
    // row. sea-query binds a limit as a parameter, and SQLite (3.51) re-prepares a statement
    // whose `LIMIT ?` was rebound on every execution: a fifth of the CPU of a verification.
    backend.build(&q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_sql_is_the_built_sql_with_this_lookups_key() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for (first, second) in [
                (Lookup::Seal("A"), Lookup::Seal("B")),
                (Lookup::PdfSha256("00"), Lookup::PdfSha256("ff")),
            ] {
                assert_eq!(statement(backend, first), build(backend, first));
                assert_eq!(statement(backend, second), build(backend, second));
            }
        }
        assert_ne!(
            statement(DbBackend::Sqlite, Lookup::Seal("A")).sql,
            statement(DbBackend::Sqlite, Lookup::PdfSha256("A")).sql
        );
    }

    #[test]
    fn the_lookup_binds_only_its_key_and_no_limit_that_sqlite_would_re_prepare_for() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for lookup in [Lookup::Seal("SEAL"), Lookup::PdfSha256("00ff")] {
                let stmt = statement(backend, lookup);
                assert!(!stmt.sql.contains("LIMIT"), "{}", stmt.sql);
                assert_eq!(stmt.values.map(|v| v.0.len()), Some(1), "{}", stmt.sql);
            }
        }
    }
}

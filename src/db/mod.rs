//! The only code that speaks sea-orm. Functions take `&impl ConnectionTrait` so they work inside a
//! transaction; database errors are classified here, by kind, never by message text.

pub mod api_keys;
pub mod audit;
pub mod certificates;
pub mod dossiers;
pub mod imports;
pub mod investors;
pub mod leases;
pub mod parcels;
pub mod procedures;
pub mod projects;
pub mod sign_in;
pub mod signing_keys;
pub mod users;
pub mod verification;
pub mod webhooks;
pub mod zones;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqlErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Opens the pool. SQLite gets the settings that make it a real embedded database: WAL, a busy
/// timeout (concurrent writers wait instead of failing), foreign keys, `synchronous = NORMAL`.
/// A request waits at most `acquire_timeout` for a connection; then the database counts as
/// unavailable for it ([`is_unavailable`]).
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
        });
    // A brand-new SQLite file is switched to WAL by whichever instance opens it first; another
    // opening it at that moment is told "database is locked" without waiting. Retry briefly.
    let mut attempt = 0;
    loop {
        match Database::connect(opts.clone()).await {
            Err(e) if attempt < 20 && is_sqlite_busy(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// True when the error says the database cannot answer now (no connection within the acquire
/// timeout, a connection refused or lost, the server shutting down, SQLite still locked after
/// its busy timeout) rather than that the request or the code is wrong: callers answer 503 and
/// the client may retry.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
            Sqlx::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or_default();
                // PostgreSQL: connection exceptions (08…), shutting down or not yet accepting
                // (57P01-57P03); SQLite: busy or locked after the busy timeout.
                code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "5" | "6")
            }
            _ => false,
        },
        _ => false,
    }
}

/// SQLITE_BUSY (5) or SQLITE_LOCKED (6), classified by the driver's error code.
fn is_sqlite_busy(err: &DbErr) -> bool {
    let sqlx = match err {
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_database_error() {
        Some(db) => matches!(db.code().as_deref(), Some("5" | "6")),
        None => false,
    }
}

/// The file path inside a `sqlite:` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Arbitrary constant naming the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x1A7E_5EED_2026;

/// Applies pending migrations. On PostgreSQL several instances may start at once: a transaction-
/// scoped advisory lock lets one migrate while the others wait, then find nothing pending.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK.into()],
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => {
            let txn = begin_write(db).await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing when a read
/// transaction cannot be upgraded; on PostgreSQL it is an ordinary transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Begins a read-only transaction that sees one moment of the database throughout, for exports
/// and snapshots that must agree with a feed cursor: `REPEATABLE READ` on PostgreSQL; on SQLite
/// (WAL) a deferred transaction, whose first read fixes what it sees and which never blocks
/// writers.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let pg = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    db.begin_with_options(TransactionOptions {
        isolation_level: pg.then_some(sea_orm::IsolationLevel::RepeatableRead),
        access_mode: pg.then_some(sea_orm::AccessMode::ReadOnly),
        ..Default::default()
    })
    .await
}

/// Rolls back `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
    Migrator::down(db, steps).await
}

/// Every migration with whether it is applied, oldest first.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    let applied: Vec<String> = Migrator::get_applied_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|m| {
            let name = m.name().to_owned();
            let done = applied.contains(&name);
            (name, done)
        })
        .collect())
}

/// Checks that the database answers.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// True when the error is a unique-constraint violation (same on SQLite and PostgreSQL).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A row that holds a value the domain does not know: the database was edited by hand.
pub(crate) fn corrupt(table: &str, column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("{table}.{column} holds an unknown value '{value}'"))
}

/// A condition that every word of a search text appears in a folded search column (diacritics
/// and case ignored); LIKE wildcards typed by the user are matched literally.
pub(crate) fn all_words_in(
    column: impl sea_orm::sea_query::IntoColumnRef + Copy,
    text: &str,
) -> Option<sea_orm::Condition> {
    let text = crate::domain::text::fold(text);
    if text.is_empty() {
        return None;
    }
    let mut all = sea_orm::Condition::all();
    for word in text.split(' ') {
        let escaped = word
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        all = all.add(sea_orm::sea_query::ExprTrait::like(
            sea_orm::sea_query::Expr::col(column),
            sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'),
        ));
    }
    Some(all)
}

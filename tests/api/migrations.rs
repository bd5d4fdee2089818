use invest_registry::db;
use migration::{Migrator, MigratorTrait};

use crate::helpers::{TestDb, test_settings};

#[tokio::test]
async fn all_migrations_run_up_down_and_up_again() {
    let test_db = TestDb::create().await;
    let settings = test_settings(&test_db);
    let conn = db::connect(&settings.database_url, 2, std::time::Duration::from_secs(5))
        .await
        .unwrap();

    db::migrate_up(&conn).await.unwrap();
    let status = db::migration_status(&conn).await.unwrap();
    assert!(!status.is_empty());
    assert!(status.iter().all(|(_, applied)| *applied));
    assert_eq!(status.len(), Migrator::migrations().len());

    db::migrate_down(&conn, None).await.unwrap();
    assert!(
        db::migration_status(&conn)
            .await
            .unwrap()
            .iter()
            .all(|(_, applied)| !*applied)
    );

    db::migrate_up(&conn).await.unwrap();
    assert!(
        db::migration_status(&conn)
            .await
            .unwrap()
            .iter()
            .all(|(_, applied)| *applied)
    );
    // Applying again finds nothing to do.
    db::migrate_up(&conn).await.unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn two_instances_starting_at_once_both_come_up() {
    let test_db = TestDb::create().await;
    let (a, b) = tokio::join!(
        invest_registry::startup::Application::build(test_settings(&test_db)),
        invest_registry::startup::Application::build(test_settings(&test_db)),
    );
    a.unwrap();
    b.unwrap();
}

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, test_settings_for};

async fn verify(app: &TestApp) -> Value {
    app.as_admin().get_json("/api/v1/audit/verify").await
}

#[tokio::test]
async fn every_mutation_leaves_an_event_with_actor_before_after_and_request_id() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let id = zone["id"].as_str().unwrap();
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/zones/{id}")))
        .bearer_auth(&app.token)
        .header("If-Match", "\"1\"")
        .header("X-Request-Id", "req-audit-1")
        .json(&json!({"name": "Khu công nghiệp Nam Đông Hà mở rộng"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let events: Value = app
        .as_admin()
        .get_json(&format!("/api/v1/audit?entity_type=zone&entity_id={id}"))
        .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let update = &items[0];
    assert_eq!(update["action"], "zone.update");
    assert_eq!(update["actor_name"], "officer");
    assert_eq!(update["actor_type"], "user");
    assert_eq!(update["request_id"], "req-audit-1");
    assert_eq!(update["before"]["name"], "Khu công nghiệp Nam Đông Hà");
    assert_eq!(
        update["after"]["name"],
        "Khu công nghiệp Nam Đông Hà mở rộng"
    );
    assert_eq!(items[1]["action"], "zone.create");
    assert_eq!(items[1]["before"], Value::Null);
    assert_eq!(update["prev_hash"], items[1]["hash"]);

    let report = verify(&app).await;
    assert_eq!(report["intact"], true);
}

#[tokio::test]
async fn a_refused_request_writes_no_event() {
    let app = TestApp::spawn().await;
    app.create_zone("KCN-NDH").await;
    let count = |v: Value| v["checked"].as_u64().unwrap();
    let before = count(verify(&app).await);
    assert_eq!(
        app.post("/api/v1/zones", &crate::helpers::zone_body("KCN-NDH"))
            .await
            .status(),
        409
    );
    assert_eq!(
        app.post("/api/v1/zones", &json!({"code": "X"}))
            .await
            .status(),
        422
    );
    assert_eq!(count(verify(&app).await), before);
}

#[tokio::test]
async fn tampering_with_one_row_is_named_by_the_api_and_the_cli() {
    let app = TestApp::spawn().await;
    app.create_zone("KCN-A").await;
    app.create_zone("KCN-B").await;
    app.create_zone("KCN-C").await;
    let intact = verify(&app).await;
    assert_eq!(intact["intact"], true);
    let total = intact["checked"].as_u64().unwrap();
    assert!(total >= 6);

    // Someone with database access rewrites history: the event that created KCN-B.
    let target: Value = app
        .as_admin()
        .get_json("/api/v1/audit?entity_type=zone&limit=200")
        .await;
    let b_event = target["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["after"]["code"] == "KCN-B")
        .unwrap()
        .clone();
    let seq = b_event["seq"].as_i64().unwrap();
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE audit_events SET after = replace(after, 'KCN-B', 'KCN-Z') WHERE seq = $1"
        }
        _ => "UPDATE audit_events SET after = replace(after, 'KCN-B', 'KCN-Z') WHERE seq = ?",
    };
    app.db
        .execute_raw(Statement::from_sql_and_values(backend, sql, [seq.into()]))
        .await
        .unwrap();

    let report = verify(&app).await;
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken_seq"], seq);
    assert_eq!(report["first_broken_id"], b_event["id"]);
    assert_eq!(report["checked"], seq - 1);

    // The command line says the same, with a failing exit code.
    let settings = test_settings_for(&app);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_invest-registry"))
        .args(["audit", "verify"])
        .env_clear()
        .env("DATABASE_URL", &settings.database_url)
        .env("DATA_DIR", &settings.data_dir)
        .env("LOG_LEVEL", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("broken at event {seq}")),
        "{stderr}"
    );
    assert!(stderr.contains(b_event["id"].as_str().unwrap()), "{stderr}");
}

#[tokio::test]
async fn the_cli_reports_an_intact_chain() {
    let app = TestApp::spawn().await;
    app.create_zone("KCN-A").await;
    let settings = test_settings_for(&app);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_invest-registry"))
        .args(["audit", "verify"])
        .env_clear()
        .env("DATABASE_URL", &settings.database_url)
        .env("DATA_DIR", &settings.data_dir)
        .env("LOG_LEVEL", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain intact"));
}

#[tokio::test]
async fn no_operation_can_change_or_delete_an_event() {
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/audit") {
            let methods: Vec<&String> = ops.as_object().unwrap().keys().collect();
            assert_eq!(methods, ["get"], "{path}");
        }
    }
}

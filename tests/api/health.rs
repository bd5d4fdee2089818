use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PG_VAR, TestApp};

#[tokio::test]
async fn liveness_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn readiness_fails_with_a_problem_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.clone().close().await.unwrap();
    let resp = app.get("/readyz").await;
    crate::helpers::assert_problem(resp, 503, "unavailable").await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_valid_one_is_echoed() {
    let app = TestApp::spawn().await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "abc-123.req")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123.req");

    let forged = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "evil\" level=error")
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "evil\" level=error");
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let app = TestApp::spawn().await;
    let expected = if std::env::var(PG_VAR).is_ok_and(|v| !v.trim().is_empty()) {
        sea_orm::DatabaseBackend::Postgres
    } else {
        sea_orm::DatabaseBackend::Sqlite
    };
    assert_eq!(app.backend(), expected);
    eprintln!("database backend under test: {:?}", app.backend());
}

#[tokio::test]
async fn interactive_docs_are_served() {
    let app = TestApp::spawn().await;
    let resp = app.get("/docs").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("swagger"), "the docs page loads Swagger UI");
    assert!(html.contains("Investment Registry API"));
}

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields};

#[tokio::test]
async fn a_parcel_is_created_listed_and_read_back() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let zone_id = zone["id"].as_str().unwrap();
    let resp = app
        .post(
            &format!("/api/v1/zones/{zone_id}/parcels"),
            &json!({"lot_code": "cn-01", "area_m2": 52300.25, "land_use": "industrial", "note": "Lô góc"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["lot_code"], "CN-01");
    assert_eq!(created["area_m2"], 52300.25);
    assert_eq!(
        created["status"], "available",
        "new parcels are available unless said otherwise"
    );
    assert_eq!(created["zone_id"], zone["id"]);

    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, created);
    let list: Value = app
        .get(&format!("/api/v1/zones/{zone_id}/parcels"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([created]));
    assert_eq!(list["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_duplicate_lot_code_in_the_same_zone_gets_409_but_another_zone_may_reuse_it() {
    let app = TestApp::spawn().await;
    let a = app.create_zone("KCN-A").await;
    let b = app.create_zone("KCN-B").await;
    let a_id = a["id"].as_str().unwrap();
    app.create_parcel(a_id, "CN-01", 1000.0).await;
    let before = app.snapshot().await;

    let resp = app
        .post(
            &format!("/api/v1/zones/{a_id}/parcels"),
            &json!({"lot_code": "cn-01 ", "area_m2": 500, "land_use": "service"}),
        )
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["lot_code:duplicate"]);
    assert_eq!(app.snapshot().await, before);

    app.create_parcel(b["id"].as_str().unwrap(), "CN-01", 1000.0)
        .await;
}

#[tokio::test]
async fn renaming_a_parcel_onto_a_taken_lot_code_gets_409() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-A").await;
    let zone_id = zone["id"].as_str().unwrap();
    app.create_parcel(zone_id, "CN-01", 1000.0).await;
    let second = app.create_parcel(zone_id, "CN-02", 1000.0).await;
    let before = app.snapshot().await;
    let path = format!("/api/v1/parcels/{}", second["id"].as_str().unwrap());
    let resp = app
        .patch(&path, Some("\"1\""), &json!({"lot_code": "CN-01"}))
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["lot_code:duplicate"]);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn invalid_parcels_are_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-A").await;
    let zone_id = zone["id"].as_str().unwrap();
    let before = app.snapshot().await;
    for (body, expected) in [
        (
            json!({"lot_code": "CN-01", "area_m2": -10, "land_use": "industrial"}),
            vec!["area_m2:out_of_range"],
        ),
        (
            json!({"lot_code": "CN-01", "area_m2": 0, "land_use": "industrial"}),
            vec!["area_m2:out_of_range"],
        ),
        (
            json!({"lot_code": "CN-01", "area_m2": 987540.01, "land_use": "industrial"}),
            vec!["area_m2:exceeds_zone"],
        ),
        (
            json!({"lot_code": "CN-01", "area_m2": 100, "land_use": "farm"}),
            vec!["land_use:invalid_value"],
        ),
        (
            json!({"lot_code": "CN-01", "area_m2": 100, "land_use": "green", "status": "sold"}),
            vec!["status:invalid_value"],
        ),
        (
            json!({"lot_code": "", "area_m2": 100, "land_use": "green"}),
            vec!["lot_code:blank"],
        ),
        (
            json!({"area_m2": 100}),
            vec!["land_use:required", "lot_code:required"],
        ),
    ] {
        let resp = app
            .post(&format!("/api/v1/zones/{zone_id}/parcels"), &body)
            .await;
        let problem = assert_problem(resp, 422, "validation").await;
        assert_eq!(error_fields(&problem), expected, "{body}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn parcels_of_an_unknown_zone_get_404() {
    let app = TestApp::spawn().await;
    let zone = "01939a4e-0000-7000-8000-000000000000";
    assert_problem(
        app.get(&format!("/api/v1/zones/{zone}/parcels")).await,
        404,
        "not-found",
    )
    .await;
    let resp = app
        .post(
            &format!("/api/v1/zones/{zone}/parcels"),
            &json!({"lot_code": "CN-01", "area_m2": 100, "land_use": "industrial"}),
        )
        .await;
    assert_problem(resp, 404, "not-found").await;
    assert_problem(
        app.get(&format!("/api/v1/parcels/{zone}")).await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn parcel_patches_honour_if_match() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-A").await;
    let parcel = app
        .create_parcel(zone["id"].as_str().unwrap(), "CN-01", 1000.0)
        .await;
    let path = format!("/api/v1/parcels/{}", parcel["id"].as_str().unwrap());

    let resp = app
        .patch(
            &path,
            Some("\"1\""),
            &json!({"status": "reserved", "area_m2": 1200.5}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let patched: Value = resp.json().await.unwrap();
    assert_eq!(patched["status"], "reserved");
    assert_eq!(patched["area_m2"], 1200.5);

    let before = app.snapshot().await;
    assert_problem(
        app.patch(&path, Some("\"1\""), &json!({"status": "available"}))
            .await,
        412,
        "precondition-failed",
    )
    .await;
    assert_problem(
        app.patch(&path, None, &json!({"status": "available"}))
            .await,
        428,
        "precondition-required",
    )
    .await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_zone_cannot_shrink_below_its_largest_parcel() {
    let app = TestApp::spawn().await;
    let mut body = crate::helpers::zone_body("KCN-A");
    body["industrial_service_area_m2"] = json!(null);
    let zone = app.create_zone_with(body).await;
    app.create_parcel(zone["id"].as_str().unwrap(), "CN-01", 50_000.0)
        .await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    let resp = app
        .patch(&path, Some("\"1\""), &json!({"total_area_m2": 49_999}))
        .await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        ["total_area_m2:smaller_than_parcel"]
    );
}

#[tokio::test]
async fn parcel_lists_page_with_a_cursor_that_other_lists_refuse() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-A").await;
    let zone_id = zone["id"].as_str().unwrap();
    for i in 0..3 {
        app.create_parcel(zone_id, &format!("CN-0{i}"), 100.0).await;
    }
    let first: Value = app
        .get(&format!("/api/v1/zones/{zone_id}/parcels?limit=2"))
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!(
            "/api/v1/zones/{zone_id}/parcels?limit=2&cursor={cursor}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["lot_code"], "CN-02");

    let resp = app.get(&format!("/api/v1/zones?cursor={cursor}")).await;
    let problem = assert_problem(resp, 400, "bad-request").await;
    assert_eq!(error_fields(&problem), ["cursor:invalid_parameter"]);
}

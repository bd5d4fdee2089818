use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, zone_body};

#[tokio::test]
async fn a_created_zone_is_returned_as_stored_with_location_and_etag() {
    let app = TestApp::spawn().await;
    let resp = app.post("/api/v1/zones", &zone_body("kcn-ndh")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["code"], "KCN-NDH", "codes are stored in upper case");
    assert_eq!(created["name"], "Khu công nghiệp Nam Đông Hà");
    assert_eq!(created["total_area_m2"], 987540.0);
    assert_eq!(created["total_area_ha"], 98.754);
    assert_eq!(created["industrial_service_area_m2"], 700000.5);
    assert_eq!(created["figures_as_of"], "2022");
    assert_eq!(created["version"], 1);
    assert_eq!(
        location,
        format!("/api/v1/zones/{}", created["id"].as_str().unwrap())
    );

    let fetched = app.get(&location).await;
    assert_eq!(fetched.headers()["etag"], "\"1\"");
    let fetched: Value = fetched.json().await.unwrap();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn names_are_stored_composed_and_trimmed() {
    let app = TestApp::spawn().await;
    let mut body = zone_body("KCN-A");
    // "Đông Hà" typed with combining marks and stray spaces.
    body["name"] = json!("  Khu co\u{302}ng nghie\u{323}\u{302}p   \u{110}o\u{302}ng Ha\u{300} ");
    let created = app.create_zone_with(body).await;
    assert_eq!(created["name"], "Khu công nghiệp Đông Hà");
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor_in_creation_order() {
    let app = TestApp::spawn().await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let code = format!("KCN-{i}");
        app.create_zone(&code).await;
        codes.push(code);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/zones?limit=2&cursor={c}"),
            None => "/api/v1/zones?limit=2".to_owned(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|z| z["code"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, codes);
}

#[tokio::test]
async fn lists_filter_by_kind_status_and_parent() {
    let app = TestApp::spawn().await;
    let mut kkt = zone_body("KKT-DNQT");
    kkt["kind"] = json!("economic_zone");
    kkt["total_area_m2"] = json!(237_920_000);
    kkt["industrial_service_area_m2"] = json!(null);
    let kkt = app.create_zone_with(kkt).await;
    let mut park = zone_body("KCN-QT");
    park["parent_id"] = kkt["id"].clone();
    park["status"] = json!("under_construction");
    app.create_zone_with(park).await;
    app.create_zone("KCN-NDH").await;

    let codes = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|z| z["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_kind = app
        .get("/api/v1/zones?kind=economic_zone")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(by_kind), ["KKT-DNQT"]);
    let by_status = app
        .get("/api/v1/zones?status=under_construction")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(by_status), ["KCN-QT"]);
    let by_parent = app
        .get(&format!(
            "/api/v1/zones?parent_id={}",
            kkt["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(by_parent), ["KCN-QT"]);

    let unknown = app.get("/api/v1/zones?kind=castle").await;
    let problem = assert_problem(unknown, 400, "bad-request").await;
    assert_eq!(error_fields(&problem), ["kind:invalid_parameter"]);
}

#[tokio::test]
async fn a_patch_with_the_current_etag_changes_only_the_fields_sent() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());

    let resp = app
        .patch(
            &path,
            Some("\"1\""),
            &json!({"status": "under_construction", "developer": "Công ty CP Phát triển hạ tầng"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let patched: Value = resp.json().await.unwrap();
    assert_eq!(patched["status"], "under_construction");
    assert_eq!(patched["developer"], "Công ty CP Phát triển hạ tầng");
    assert_eq!(patched["name"], zone["name"]);
    assert_eq!(patched["version"], 2);

    // null clears an optional field; `*` overrides whatever is current.
    let cleared: Value = app
        .patch(&path, Some("*"), &json!({"developer": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["developer"], Value::Null);
    assert_eq!(cleared["version"], 3);
}

#[tokio::test]
async fn a_stale_etag_gets_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    assert_eq!(
        app.patch(&path, Some("\"1\""), &json!({"name": "Tên mới"}))
            .await
            .status(),
        200
    );
    let before = app.snapshot().await;

    let stale = app
        .patch(&path, Some("\"1\""), &json!({"name": "Tên cũ ghi đè"}))
        .await;
    let problem = assert_problem(stale, 412, "precondition-failed").await;
    assert!(problem["detail"].as_str().unwrap().contains("\"2\""));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_patch_without_if_match_gets_428_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let before = app.snapshot().await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    let resp = app.patch(&path, None, &json!({"name": "Khác"})).await;
    let problem = assert_problem(resp, 428, "precondition-required").await;
    assert_eq!(error_fields(&problem), ["If-Match:required"]);
    let malformed = app.patch(&path, Some("1"), &json!({"name": "Khác"})).await;
    let problem = assert_problem(malformed, 400, "bad-request").await;
    assert_eq!(error_fields(&problem), ["If-Match:invalid_parameter"]);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn invalid_fields_are_each_named_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"total_area_m2": -5}),
            vec!["total_area_m2:out_of_range"],
        ),
        (
            json!({"total_area_m2": 0}),
            vec!["total_area_m2:out_of_range"],
        ),
        (
            json!({"total_area_m2": 1e12}),
            vec!["total_area_m2:out_of_range"],
        ),
        (
            json!({"total_area_m2": 12.345}),
            vec!["total_area_m2:invalid_value"],
        ),
        (
            json!({"total_area_m2": "lots"}),
            vec!["total_area_m2:invalid_type"],
        ),
        (json!({"name": "   "}), vec!["name:blank"]),
        (json!({"name": "x".repeat(256)}), vec!["name:too_long"]),
        (json!({"kind": "castle"}), vec!["kind:invalid_value"]),
        (json!({"status": 3}), vec!["status:invalid_type"]),
        (json!({"code": "KCN NDH"}), vec!["code:invalid_format"]),
        (
            json!({"figures_as_of": "2022-13"}),
            vec!["figures_as_of:invalid_date"],
        ),
        (
            json!({"term_start": "2021-02-30"}),
            vec!["term_start:invalid_format"],
        ),
        (
            json!({"term_start": "2071-03-19", "term_end": "2021-03-19"}),
            vec!["term_end:before_start"],
        ),
        (
            json!({"industrial_service_area_m2": 987541}),
            vec!["industrial_service_area_m2:exceeds_total"],
        ),
        (
            json!({"parent_id": "00000000-0000-7000-8000-000000000000"}),
            vec!["parent_id:not_found"],
        ),
    ];
    for (overrides, expected) in cases {
        let mut body = zone_body("KCN-NDH");
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        let resp = app.post("/api/v1/zones", &body).await;
        let problem = assert_problem(resp, 422, "validation").await;
        assert_eq!(error_fields(&problem), expected, "{overrides}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn every_missing_required_field_is_named_at_once() {
    let app = TestApp::spawn().await;
    let resp = app.post("/api/v1/zones", &json!({"code": "KCN-X"})).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        [
            "kind:required",
            "name:required",
            "province:required",
            "status:required",
            "total_area_m2:required"
        ]
    );
}

#[tokio::test]
async fn an_invalid_patch_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    let before = app.snapshot().await;
    for (body, expected) in [
        (json!({"total_area_m2": -1}), "total_area_m2:out_of_range"),
        (json!({"name": null}), "name:required"),
        (
            json!({"total_area_m2": 1000}),
            "industrial_service_area_m2:exceeds_total",
        ),
        (json!({"kind": "palace"}), "kind:invalid_value"),
    ] {
        let resp = app.patch(&path, Some("\"1\""), &body).await;
        let problem = assert_problem(resp, 422, "validation").await;
        assert_eq!(error_fields(&problem), [expected], "{body}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_duplicate_code_gets_409_naming_the_field() {
    let app = TestApp::spawn().await;
    app.create_zone("KCN-NDH").await;
    let other = app.create_zone("KCN-QN").await;
    let before = app.snapshot().await;

    let resp = app.post("/api/v1/zones", &zone_body("kcn-ndh")).await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["code:duplicate"]);

    let path = format!("/api/v1/zones/{}", other["id"].as_str().unwrap());
    let resp = app
        .patch(&path, Some("\"1\""), &json!({"code": "KCN-NDH"}))
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["code:duplicate"]);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn parks_lie_only_inside_economic_zones() {
    let app = TestApp::spawn().await;
    let park = app.create_zone("KCN-NDH").await;
    let mut kkt = zone_body("KKT-DNQT");
    kkt["kind"] = json!("economic_zone");
    kkt["total_area_m2"] = json!(237_920_000);
    let kkt = app.create_zone_with(kkt).await;

    // A park inside a park.
    let mut body = zone_body("KCN-X");
    body["parent_id"] = park["id"].clone();
    let problem = assert_problem(app.post("/api/v1/zones", &body).await, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["parent_id:not_a_container"]);

    // An economic zone inside another.
    let mut body = zone_body("KKT-X");
    body["kind"] = json!("economic_zone");
    body["parent_id"] = kkt["id"].clone();
    let problem = assert_problem(app.post("/api/v1/zones", &body).await, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["parent_id:not_allowed"]);

    // A zone that contains parks cannot become a park.
    let mut child = zone_body("KCN-QT");
    child["parent_id"] = kkt["id"].clone();
    app.create_zone_with(child).await;
    let path = format!("/api/v1/zones/{}", kkt["id"].as_str().unwrap());
    let resp = app
        .patch(&path, Some("\"1\""), &json!({"kind": "industrial_park"}))
        .await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["kind:has_children"]);
}

#[tokio::test]
async fn unknown_zones_get_404_and_malformed_ids_400() {
    let app = TestApp::spawn().await;
    let missing = app
        .get("/api/v1/zones/01939a4e-0000-7000-8000-000000000000")
        .await;
    assert_problem(missing, 404, "not-found").await;
    let resp = app
        .patch(
            "/api/v1/zones/01939a4e-0000-7000-8000-000000000000",
            Some("\"1\""),
            &json!({"name": "X"}),
        )
        .await;
    assert_problem(resp, 404, "not-found").await;
    let bad = app.get("/api/v1/zones/not-a-uuid").await;
    let problem = assert_problem(bad, 400, "bad-request").await;
    assert_eq!(error_fields(&problem), ["id:invalid_parameter"]);
}

#[tokio::test]
async fn two_instances_patching_with_the_same_etag_let_exactly_one_win() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    let zone = a.create_zone("KCN-NDH").await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    for round in 1..=5 {
        let tag = format!("\"{round}\"");
        let (body_a, body_b) = (
            json!({"name": format!("Tên A {round}")}),
            json!({"name": format!("Tên B {round}")}),
        );
        let (ra, rb) = tokio::join!(
            a.patch(&path, Some(&tag), &body_a),
            b.patch(&path, Some(&tag), &body_b)
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
    }
    let last: Value = b.get(&path).await.json().await.unwrap();
    assert_eq!(last["version"], 6);
}

#[tokio::test]
async fn two_instances_creating_the_same_code_at_once_store_it_once() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    for i in 0..5 {
        let code = format!("KCN-R{i}");
        let body = zone_body(&code);
        let (ra, rb) = tokio::join!(
            a.post("/api/v1/zones", &body),
            b.post("/api/v1/zones", &body)
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{code}");
    }
    let all: Value = a.get("/api/v1/zones").await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
}

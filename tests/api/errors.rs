//! The framework's own failures come out as problem+json too, and change nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, error_fields, zone_body};

#[tokio::test]
async fn malformed_json_gets_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_zone("KCN-NDH").await;
    let before = app.snapshot().await;
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .header("content-type", "application/json")
        .body("{\"code\": \"KCN-X\", ")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "bad-request").await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn unknown_fields_are_refused_rather_than_ignored() {
    let app = TestApp::spawn().await;
    let mut body = zone_body("KCN-X");
    body["totl_area_m2"] = json!(5);
    let problem = assert_problem(app.post("/api/v1/zones", &body).await, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["totl_area_m2:unknown_field"]);
    assert_eq!(app.snapshot().await["zones"]["items"], json!([]));
}

#[tokio::test]
async fn a_wrong_content_type_gets_415() {
    let app = TestApp::spawn().await;
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .header("content-type", "text/plain")
        .body(zone_body("KCN-X").to_string())
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported-media-type").await;
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported-media-type").await;
    assert_eq!(app.snapshot().await["zones"]["items"], json!([]));
}

#[tokio::test]
async fn an_unknown_route_gets_404() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, "not-found").await;
    assert_problem(app.get("/favicon.php").await, 404, "not-found").await;
}

#[tokio::test]
async fn a_wrong_method_gets_405_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let before = app.snapshot().await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    let resp = app
        .authed(reqwest::Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["allow"], "GET, PATCH, HEAD");
    assert_problem(resp, 405, "method-not-allowed").await;
    let resp = app
        .client
        .put(app.url(&path))
        .json(&zone_body("KCN-NDH"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 405, "method-not-allowed").await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_whether_or_not_its_length_is_declared() {
    let app = TestApp::spawn().await;
    let mut body = zone_body("KCN-X");
    body["source"] = json!("x".repeat(70_000));
    let resp = app.post("/api/v1/zones", &body).await;
    assert_problem(resp, 413, "payload-too-large").await;

    // Chunked, with no Content-Length: the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 8192])).collect();
    let stream = futures_util::stream::iter(chunks);
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 413, "payload-too-large").await;
    assert_eq!(app.snapshot().await["zones"]["items"], json!([]));
}

#[tokio::test]
async fn a_chunked_body_under_the_limit_is_accepted() {
    let app = TestApp::spawn().await;
    let bytes = zone_body("KCN-X").to_string().into_bytes();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(16).map(|c| Ok(c.to_vec())).collect();
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=500", "limit"),
        ("limit=abc", "limit"),
        ("parent_id=x", "parent_id"),
    ] {
        let resp = app.get(&format!("/api/v1/zones?{query}")).await;
        let problem = assert_problem(resp, 400, "bad-request").await;
        assert_eq!(
            error_fields(&problem),
            [format!("{field}:invalid_parameter")],
            "{query}"
        );
    }
}

#[tokio::test]
async fn actions_on_rows_that_do_not_exist_get_404_and_change_nothing() {
    let app = TestApp::spawn().await;
    let approver = app.user_token("approver1", &["approver"]).await;
    let missing = "01939a4e-0000-7000-8000-000000000000";
    let before = app.registry_snapshot().await;
    let admin = Some(app.admin_token.as_str());
    let cases: Vec<(
        Option<&str>,
        reqwest::Method,
        String,
        Option<serde_json::Value>,
    )> = vec![
        (
            Some(&app.token),
            reqwest::Method::POST,
            format!("/api/v1/leases/{missing}/release"),
            Some(json!({"reason": "x"})),
        ),
        (
            Some(&app.token),
            reqwest::Method::GET,
            format!("/api/v1/projects/{missing}/leases"),
            None,
        ),
        (
            Some(&app.token),
            reqwest::Method::POST,
            format!("/api/v1/projects/{missing}/leases"),
            Some(
                json!({"parcel_id": missing, "area_m2": 1, "start_date": "2027-01-01", "end_date": "2030-01-01"}),
            ),
        ),
        (
            Some(&approver),
            reqwest::Method::POST,
            format!("/api/v1/projects/{missing}/status"),
            Some(json!({"status": "registered"})),
        ),
        (
            Some(&app.token),
            reqwest::Method::GET,
            format!("/api/v1/investors/{missing}"),
            None,
        ),
        (
            Some(&app.token),
            reqwest::Method::GET,
            format!("/api/v1/zones/{missing}/occupancy"),
            None,
        ),
        (
            admin,
            reqwest::Method::POST,
            format!("/api/v1/api-keys/{missing}/revoke"),
            None,
        ),
        (
            admin,
            reqwest::Method::POST,
            format!("/api/v1/users/{missing}/disable"),
            None,
        ),
        (
            admin,
            reqwest::Method::POST,
            format!("/api/v1/users/{missing}/reset-password"),
            Some(json!({"password": "a-long-new-password"})),
        ),
    ];
    for (token, method, path, body) in cases {
        let resp = app
            .caller(token)
            .send(method.clone(), &path, body.as_ref(), Some("*"))
            .await;
        assert_eq!(resp.status(), 404, "{method} {path}");
        crate::helpers::assert_problem(resp, 404, "not-found").await;
    }
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn an_admin_cannot_disable_their_own_account() {
    let app = TestApp::spawn().await;
    let me: serde_json::Value = app.as_admin().get_json("/api/v1/me").await;
    let path = format!("/api/v1/users/{}/disable", me["id"].as_str().unwrap());
    let resp = app.as_admin().post_empty(&path).await;
    crate::helpers::assert_problem(resp, 409, "conflict").await;
    let still: serde_json::Value = app.as_admin().get_json("/api/v1/me").await;
    assert_eq!(still["disabled"], false);
}

/// Every JSON body breaking its schema gets the same answer: 422 with `errors[]` naming each
/// field, whatever the operation (the shapes the contract review found answered 400 with a
/// parser message, or accepted). Nothing is stored.
#[tokio::test]
async fn every_invalid_body_gets_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let user = app.create_user("an.nguyen", &["clerk"]).await;
    let before = app.snapshot().await;
    let reset = format!(
        "/api/v1/users/{}/reset-password",
        user["id"].as_str().unwrap()
    );
    let release = "/api/v1/leases/019a4c5e-0000-7000-8000-0000000000aa/release";
    let cases: Vec<(&str, serde_json::Value, Vec<&str>)> = vec![
        // Strings must be strings: a zone is not named `true`.
        (
            "/api/v1/zones",
            json!({"code": false, "name": true, "province": 7}),
            vec![
                "code:invalid_type",
                "kind:required",
                "name:invalid_type",
                "province:invalid_type",
                "status:required",
                "total_area_m2:required",
            ],
        ),
        (
            "/api/v1/users",
            json!({}),
            vec![
                "display_name:required",
                "password:required",
                "roles:required",
                "username:required",
            ],
        ),
        (
            "/api/v1/api-keys",
            json!({}),
            vec!["agency:required", "scopes:required"],
        ),
        (&reset, json!({}), vec!["password:required"]),
        (
            &reset,
            json!({"password": 123456789012_i64}),
            vec!["password:invalid_type"],
        ),
        (
            release,
            json!({"reason": ["x"]}),
            vec!["reason:invalid_type"],
        ),
        (
            "/api/v1/api-keys",
            json!({"agency": "Cục Thuế", "scopes": ["registry:read"], "rate_limit_per_minute": 100001}),
            vec!["rate_limit_per_minute:out_of_range"],
        ),
        (
            "/api/v1/zones",
            json!({"code": "KCN NDH", "name": "Khu A", "kind": "industrial_park", "province": "Quảng Trị", "total_area_m2": 10, "status": "operating"}),
            vec!["code:invalid_format"],
        ),
    ];
    for (path, body, expected) in cases {
        let problem =
            assert_problem(app.as_admin().post(path, &body).await, 422, "validation").await;
        assert_eq!(error_fields(&problem), expected, "{path} {body}");
    }
    // Sign-in is public: its body gets the same answer.
    let problem = assert_problem(
        app.anonymous().post("/api/v1/auth/login", &json!({})).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["password:required", "username:required"]
    );
    // Only a body that is not JSON at all is a 400.
    let resp = app
        .authed(reqwest::Method::POST, "/api/v1/zones")
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "bad-request").await;
    assert_eq!(app.snapshot().await, before);
}

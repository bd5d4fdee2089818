use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, zone_body};

async fn create_key(app: &TestApp, scopes: &[&str], limit: i32) -> (Value, String) {
    let resp = app
        .as_admin().post("/api/v1/api-keys", &json!({"agency": "Cục Thống kê tỉnh Quảng Trị", "scopes": scopes, "rate_limit_per_minute": limit}))
        .await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap().to_owned();
    (body["key"].clone(), secret)
}

async fn with_key(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("X-Api-Key", key);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn an_agency_key_reads_the_registry_but_can_never_write() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let (_, secret) = create_key(&app, &["registry:read"], 100).await;

    let resp = with_key(&app, &secret, Method::GET, "/api/v1/zones", None).await;
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["items"][0]["code"], "KCN-NDH");

    let before = app.snapshot().await;
    let resp = with_key(
        &app,
        &secret,
        Method::POST,
        "/api/v1/zones",
        Some(&zone_body("KCN-X")),
    )
    .await;
    assert_problem(resp, 401, "unauthorized").await;
    let path = format!("/api/v1/zones/{}", zone["id"].as_str().unwrap());
    let resp = app
        .client
        .patch(app.url(&path))
        .header("X-Api-Key", &secret)
        .header("If-Match", "*")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthorized").await;
    assert_eq!(app.snapshot().await, before);

    // A bad bearer token next to a good key is refused, not ignored: the credentials sent are
    // the ones checked.
    for authorization in ["Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer"] {
        let resp = app
            .client
            .get(app.url("/api/v1/zones"))
            .header("X-Api-Key", &secret)
            .header("Authorization", authorization)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 401, "unauthorized").await;
    }
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403() {
    let app = TestApp::spawn().await;
    let (_, secret) = create_key(&app, &["stats:read"], 100).await;
    let resp = with_key(&app, &secret, Method::GET, "/api/v1/zones", None).await;
    let problem = assert_problem(resp, 403, "forbidden").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("registry:read")
    );
}

#[tokio::test]
async fn a_revoked_or_forged_key_gets_401_at_once() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let (key, secret) = create_key(&app, &["registry:read"], 100).await;
    assert_eq!(
        with_key(&other, &secret, Method::GET, "/api/v1/zones", None)
            .await
            .status(),
        200
    );
    let path = format!("/api/v1/api-keys/{}/revoke", key["id"].as_str().unwrap());
    let resp = app.as_admin().post_empty(&path).await;
    assert_eq!(resp.status(), 200);
    let revoked: Value = resp.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    // Revocation holds on the other instance too, with no cache to expire.
    assert_problem(
        with_key(&other, &secret, Method::GET, "/api/v1/zones", None).await,
        401,
        "unauthorized",
    )
    .await;

    let forged = format!("{}x", &secret[..secret.len() - 1]);
    let (_, live) = create_key(&app, &["registry:read"], 100).await;
    let forged_live = format!(
        "{}{}",
        &live[..live.len() - 2],
        if live.ends_with("AA") { "BB" } else { "AA" }
    );
    for bad in [
        forged.as_str(),
        forged_live.as_str(),
        "irk_nothing_here",
        "not-a-key",
    ] {
        assert_problem(
            with_key(&app, bad, Method::GET, "/api/v1/zones", None).await,
            401,
            "unauthorized",
        )
        .await;
    }
}

#[tokio::test]
async fn going_over_the_rate_limit_gets_429_with_retry_after_across_instances() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let (_, secret) = create_key(&app, &["registry:read"], 4).await;
    // Start at the beginning of a minute window, so the six requests share one.
    let second = app.now().timestamp().rem_euclid(60);
    app.advance(std::time::Duration::from_secs((60 - second) as u64));
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..6 {
        let target = if i % 2 == 0 { &app } else { &other };
        let resp = with_key(target, &secret, Method::GET, "/api/v1/zones", None).await;
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            assert_problem(resp, 429, "too-many-requests").await;
        }
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 429, 429],
        "the limit is shared by both instances"
    );
    let seconds = retry_after.expect("429 carries Retry-After");
    assert_eq!(seconds, 60, "the whole minute window is left to wait");
    // The next minute has a fresh budget, on both instances.
    app.advance(std::time::Duration::from_secs(seconds));
    for target in [&app, &other] {
        let resp = with_key(target, &secret, Method::GET, "/api/v1/zones", None).await;
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn the_secret_is_shown_once_and_keys_are_validated() {
    let app = TestApp::spawn().await;
    let (_, secret) = create_key(&app, &["registry:read"], 10).await;
    let list = app
        .as_admin()
        .get("/api/v1/api-keys")
        .await
        .text()
        .await
        .unwrap();
    let audit = app
        .as_admin()
        .get("/api/v1/audit?entity_type=api_key")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Cục Thống kê"));
    assert!(audit.contains("api_key.create"));
    for text in [&list, &audit] {
        assert!(!text.contains(&secret));
        assert!(!text.contains(secret.rsplit('_').next().unwrap()));
    }

    // What the published schema says is checked first, every field at once; then the rules a
    // schema cannot say (a blank name, a date in the past), again every field at once.
    let body = json!({"agency": "", "scopes": [], "rate_limit_per_minute": 0, "expires_at": "2020-01-01T00:00:00Z"});
    let resp = app.as_admin().post("/api/v1/api-keys", &body).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        [
            "agency:blank",
            "rate_limit_per_minute:out_of_range",
            "scopes:required"
        ]
    );
    let body =
        json!({"agency": " ", "scopes": ["registry:read"], "expires_at": "2020-01-01T00:00:00Z"});
    let resp = app.as_admin().post("/api/v1/api-keys", &body).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        ["agency:blank", "expires_at:in_the_past"]
    );
}

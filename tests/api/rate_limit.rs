//! Per-client rate limits of the public endpoints, as a client sees them.

use std::time::Duration;

use reqwest::{Response, StatusCode};

use crate::helpers::{TestApp, assert_problem};

const KEYS: &str = "/api/v1/trust/keys";

/// An app whose public limit is `burst` requests at once, then `per_minute` a minute.
async fn limited(per_minute: &str, burst: &str) -> TestApp {
    TestApp::spawn_with(&[
        ("PUBLIC_RATE_LIMIT_PER_MINUTE", per_minute),
        ("PUBLIC_RATE_LIMIT_BURST", burst),
    ])
    .await
}

async fn anonymous(app: &TestApp, path: &str) -> Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn forwarded(app: &TestApp, path: &str, xff: &str) -> StatusCode {
    app.client
        .get(app.url(path))
        .header("X-Forwarded-For", xff)
        .send()
        .await
        .unwrap()
        .status()
}

fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The `Retry-After` of a 429, which must be a positive whole number of seconds.
fn retry_after(resp: &Response) -> u64 {
    let value = header(resp, "retry-after").expect("a 429 carries Retry-After");
    let seconds: u64 = value
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After {value:?} is whole seconds"));
    assert!(seconds >= 1, "Retry-After is at least 1");
    seconds
}

#[tokio::test]
async fn the_trust_list_over_the_burst_answers_429_problem_with_retry_after() {
    let app = limited("6", "3").await;
    for _ in 0..3 {
        assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);
    }

    let resp = anonymous(&app, KEYS).await;

    let seconds = retry_after(&resp);
    assert!(seconds <= 10, "one request refills in 10 s, not {seconds}");
    assert_eq!(header(&resp, "cache-control"), Some("no-store"));
    let problem = assert_problem(resp, 429, "too-many-requests").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{seconds} seconds")),
        "{problem}"
    );
}

#[tokio::test]
async fn staff_endpoints_and_probes_are_not_limited() {
    let app = limited("1", "1").await;
    assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);
    assert_eq!(
        anonymous(&app, KEYS).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/zones").await.status(), StatusCode::OK);
        assert_eq!(anonymous(&app, "/healthz").await.status(), StatusCode::OK);
        assert_eq!(
            anonymous(&app, "/api/v1/openapi.json").await.status(),
            StatusCode::OK
        );
    }
    // A signed-in client is limited on the public paths like anyone else.
    assert_eq!(app.get(KEYS).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_qr_page_over_the_limit_answers_a_bilingual_html_page() {
    let app = limited("1", "1").await;
    // The page may not exist yet: the limit acts before routing either way.
    assert_ne!(
        anonymous(&app, "/v/ANYTHING").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // Upper case, as a QR code's alphanumeric mode writes it, shares the same budget.
    let resp = anonymous(&app, "/V/ANYTHING").await;

    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds = retry_after(&resp);
    assert!(
        header(&resp, "content-type").is_some_and(|ct| ct.starts_with("text/html")),
        "{:?}",
        header(&resp, "content-type")
    );
    assert_eq!(header(&resp, "cache-control"), Some("no-store"));
    let html = resp.text().await.unwrap();
    let vi = format!("Quá nhiều yêu cầu — vui lòng thử lại sau {seconds} giây");
    let en = format!("Too many requests — please try again in {seconds} seconds");
    assert!(html.contains(&vi), "{html}");
    assert!(html.contains(&en), "{html}");
    assert!(html.find(&vi) < html.find(&en), "Vietnamese comes first");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = TestApp::spawn_with(&[
        ("PUBLIC_RATE_LIMIT_PER_MINUTE", "1"),
        ("PUBLIC_RATE_LIMIT_BURST", "2"),
        ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
    ])
    .await;
    for _ in 0..2 {
        assert_eq!(forwarded(&app, KEYS, "198.51.100.1").await, StatusCode::OK);
    }
    assert_eq!(
        forwarded(&app, KEYS, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Another client, and the same client seen through a second trusted hop with a forged
    // entry on the left.
    assert_eq!(forwarded(&app, KEYS, "198.51.100.2").await, StatusCode::OK);
    assert_eq!(
        forwarded(&app, KEYS, "203.0.113.66, 198.51.100.2, 10.1.2.3").await,
        StatusCode::OK
    );
    assert_eq!(
        forwarded(&app, KEYS, "198.51.100.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        forwarded(&app, KEYS, "203.0.113.99, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "forging a left-hand entry gains nothing"
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_for_is_ignored() {
    let app = limited("1", "2").await;
    assert_eq!(forwarded(&app, KEYS, "198.51.100.1").await, StatusCode::OK);
    assert_eq!(forwarded(&app, KEYS, "198.51.100.2").await, StatusCode::OK);

    // Every forged address shares the TCP peer's spent budget.
    for xff in ["198.51.100.3", "2001:db8::1", "garbage"] {
        assert_eq!(
            forwarded(&app, KEYS, xff).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{xff}"
        );
    }
}

#[tokio::test]
async fn requests_pass_again_after_waiting_out_retry_after() {
    let app = limited("60", "1").await;
    assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);
    let refused = anonymous(&app, KEYS).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds = retry_after(&refused);
    assert!(seconds <= 2, "one request a second, not {seconds}");

    // Just short of the wait, still refused; once it is over, let through.
    app.advance(Duration::from_secs(seconds) - Duration::from_millis(100));
    assert_eq!(
        anonymous(&app, KEYS).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.advance(Duration::from_millis(100));
    assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn spelling_a_public_path_differently_does_not_escape_the_limit() {
    let app = limited("1", "1").await;
    assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);

    for path in [
        "/api/v1/trust/keys",
        "/api/v1/trust/keys?fresh=1",
        "/api/v1/trust/keys/",
        "//api/v1/trust/keys",
        "/api/v1//trust/keys",
        "/api/v1/trust//keys",
        "/api/v1/%74rust/keys",
        "/api/v1/trust/%6Beys",
        "/api/v1/x/../trust/keys",
    ] {
        assert_ne!(
            anonymous(&app, path).await.status(),
            StatusCode::OK,
            "{path} reached the trust list over the limit"
        );
    }
}

#[tokio::test]
async fn a_rate_of_zero_turns_the_limit_off() {
    let app = limited("0", "1").await;
    for _ in 0..20 {
        assert_eq!(anonymous(&app, KEYS).await.status(), StatusCode::OK);
    }
}

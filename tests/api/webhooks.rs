//! Webhooks, received as an agency's receiver receives them: every event at least once, signed,
//! through the receiver's own failures and a server restart, never from two instances at once.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use poem::{
    EndpointExt, Request, Route, Server, handler,
    http::StatusCode as PoemStatus,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{
    dossiers::desk,
    feed::{with_key, work},
    helpers::{TestApp, assert_problem},
};

/// Settings that make delivery quick to watch: frequent polls, short backoff and leases.
const QUICK: &[(&str, &str)] = &[
    ("WEBHOOK_ALLOW_HTTP", "true"),
    ("WEBHOOK_POLL_INTERVAL_MS", "50"),
    ("WEBHOOK_RETRY_BASE_MS", "40"),
    ("WEBHOOK_RETRY_MAX_SECONDS", "1"),
    ("WEBHOOK_TIMEOUT_SECONDS", "2"),
    ("WEBHOOK_LEASE_SECONDS", "4"),
];

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    signature_ok: bool,
    answered: u16,
    body: Value,
}

/// A receiver that checks each delivery's signature the way the Standard Webhooks libraries do
/// (written here from the specification, not with the service's code), fails every
/// `fail_every`-th request with a 500, and counts how many deliveries it is handling at once.
#[derive(Default)]
struct Receiver {
    secret: Mutex<Option<String>>,
    fail_every: usize,
    always_fail: bool,
    count: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    got: Mutex<Vec<Received>>,
}

fn signed_correctly(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|s| STANDARD.decode(s).ok())
    else {
        return false;
    };
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    // A receiver refuses timestamps far from its clock (replays).
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[handler]
async fn receive(req: &Request, body: poem::Body, Data(r): Data<&Arc<Receiver>>) -> PoemStatus {
    let now = r.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    r.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let body = body.into_vec().await.unwrap_or_default();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let id = header("webhook-id");
    let secret = r.secret.lock().unwrap().clone().unwrap_or_default();
    let signature_ok = signed_correctly(
        &secret,
        &id,
        &header("webhook-timestamp"),
        &body,
        &header("webhook-signature"),
    );
    // Hold the request a moment, so a second delivery at the same time would be seen.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let n = r.count.fetch_add(1, Ordering::SeqCst) + 1;
    let fail = r.always_fail || (r.fail_every > 0 && n % r.fail_every == 1);
    let answered = if fail { 500 } else { 204 };
    r.got.lock().unwrap().push(Received {
        id,
        signature_ok,
        answered,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    r.in_flight.fetch_sub(1, Ordering::SeqCst);
    PoemStatus::from_u16(answered).unwrap()
}

/// Starts a receiver; returns it and its URL.
async fn receiver(fail_every: usize, always_fail: bool) -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver {
        fail_every,
        always_fail,
        ..Default::default()
    });
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().cloned().unwrap();
    let app = Route::new().at("/hook", receive).data(r.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (r, format!("http://{addr}/hook"))
}

/// An agency key with these scopes: its id and secret.
async fn key(app: &TestApp, scopes: &[&str]) -> (String, String) {
    let resp = app
        .as_admin()
        .post(
            "/api/v1/api-keys",
            &json!({"agency": "Cục Hải quan tỉnh Quảng Trị", "scopes": scopes}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    (
        body["key"]["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Registers an endpoint; returns its id and secret.
async fn register(app: &TestApp, body: Value) -> (String, String) {
    let resp = app.as_admin().post("/api/v1/webhooks", &body).await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["secret"].as_str().unwrap().starts_with("whsec_"));
    (
        body["webhook"]["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Every feed event from the start: cursor and type.
async fn feed_events(app: &TestApp, key: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let p: Value = with_key(app, key, &format!("/api/v1/feed?after={cursor}&limit=1000"))
            .await
            .json()
            .await
            .unwrap();
        for e in p["events"].as_array().unwrap() {
            out.push((
                e["cursor"].as_str().unwrap().parse().unwrap(),
                e["type"].as_str().unwrap().to_owned(),
            ));
        }
        cursor = p["next_cursor"].as_str().unwrap().to_owned();
        if p["has_more"] == false {
            return out;
        }
    }
}

fn seq_of(id: &str) -> i64 {
    id.strip_prefix("msg_feed_").unwrap().parse().unwrap()
}

/// Waits until `done` holds of what the receiver got, for at most a minute.
async fn until(r: &Receiver, what: &str, done: impl Fn(&[Received]) -> bool) {
    for _ in 0..1200 {
        if done(&r.got.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn webhook(app: &TestApp, id: &str) -> Value {
    app.as_admin()
        .get_json(&format!("/api/v1/webhooks/{id}"))
        .await
}

#[tokio::test]
async fn a_receiver_gets_every_event_signed_through_its_own_500s_and_a_restart_never_twice_at_once()
{
    let first = TestApp::spawn_with(QUICK).await;
    let second = first.sibling().await;
    let (key_id, key_secret) = key(&first, &["feed:read", "personal:read"]).await;
    let (r, url) = receiver(3, false).await;
    let (hook, secret) = register(
        &first,
        json!({"api_key_id": key_id, "url": url, "after": "0", "description": "Hải quan: mọi thay đổi"}),
    )
    .await;
    *r.secret.lock().unwrap() = Some(secret);
    let d = desk(&first).await;

    // Both instances write while both deliver.
    tokio::join!(work(&first, &d, "W1"), work(&second, &d, "W2"));
    until(&r, "some deliveries were accepted", |got| {
        got.iter().filter(|g| g.answered == 204).count() >= 5
    })
    .await;

    // One instance stops in the middle (a crash: its task is aborted, a delivery may be cut
    // off), a new one starts, and the writing goes on.
    drop(first);
    let third = second.sibling().await;
    tokio::join!(work(&second, &d, "W3"), work(&third, &d, "W4"));

    let events = feed_events(&second, &key_secret).await;
    let wanted: BTreeSet<i64> = events.iter().map(|(s, _)| *s).collect();
    until(&r, "every feed event was accepted", |got| {
        let accepted: BTreeSet<i64> = got
            .iter()
            .filter(|g| g.answered == 204)
            .map(|g| seq_of(&g.id))
            .collect();
        wanted.is_subset(&accepted)
    })
    .await;

    let got = r.got.lock().unwrap().clone();
    assert!(
        got.iter().all(|g| g.signature_ok),
        "a delivery was not signed right"
    );
    assert_eq!(
        r.max_in_flight.load(Ordering::SeqCst),
        1,
        "two deliveries at once"
    );
    assert!(
        got.iter().any(|g| g.answered == 500),
        "the receiver never failed"
    );
    // First acceptances come in feed order, and carry what the feed carries.
    let mut first_accepted: Vec<i64> = Vec::new();
    for g in got.iter().filter(|g| g.answered == 204) {
        let seq = seq_of(&g.id);
        if !first_accepted.contains(&seq) {
            first_accepted.push(seq);
        }
    }
    assert!(
        first_accepted.windows(2).all(|w| w[0] < w[1]),
        "{first_accepted:?}"
    );
    let types: BTreeMap<i64, String> = events.into_iter().collect();
    for g in &got {
        let seq = seq_of(&g.id);
        assert_eq!(g.body["type"], types[&seq]);
        assert_eq!(g.body["data"]["cursor"], seq.to_string());
    }
    // The certificate-issued event links the signed PDF, absolutely.
    let issued = got
        .iter()
        .find(|g| g.body["type"] == "certificate.issue")
        .unwrap();
    let pdf = issued.body["data"]["pdf_href"].as_str().unwrap();
    let path = pdf.strip_prefix("http://verify.test").unwrap();
    let resp = second.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");

    // The delivery log has every attempt, failed ones with their status and attempt number.
    let log = second
        .as_admin()
        .get_json(&format!("/api/v1/webhooks/{hook}/deliveries?limit=200"))
        .await;
    let items = log["items"].as_array().unwrap();
    assert!(items.iter().any(|d| d["outcome"] == "failed"
        && d["status_code"] == 500
        && d["error"].as_str().unwrap().contains("500")));
    assert!(
        items
            .iter()
            .any(|d| d["outcome"] == "delivered" && d["attempt"].as_i64() > Some(1))
    );
    let w = webhook(&second, &hook).await;
    assert_eq!(w["status"], "active");
    assert_eq!(w["consecutive_failures"], 0);
    // The key's holder reads its endpoint and log with the key.
    let own = with_key(&second, &key_secret, "/api/v1/webhooks").await;
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["items"][0]["id"], hook.as_str());
}

#[tokio::test]
async fn an_endpoint_gets_only_the_event_types_it_asked_for() {
    let app = TestApp::spawn_with(QUICK).await;
    let (key_id, _) = key(&app, &["feed:read"]).await;
    let (r, url) = receiver(0, false).await;
    let (_, secret) = register(
        &app,
        json!({"api_key_id": key_id, "url": url, "event_types": ["certificate.*", "lease.create"]}),
    )
    .await;
    *r.secret.lock().unwrap() = Some(secret);
    let d = desk(&app).await;
    work(&app, &d, "F1").await;
    until(&r, "the revocation arrived", |got| {
        got.iter().any(|g| g.body["type"] == "certificate.revoke")
    })
    .await;
    let got = r.got.lock().unwrap().clone();
    let types: BTreeSet<&str> = got
        .iter()
        .map(|g| g.body["type"].as_str().unwrap())
        .collect();
    assert!(types.contains("certificate.issue"));
    assert!(types.contains("lease.create"));
    assert!(
        types
            .iter()
            .all(|t| t.starts_with("certificate.") || *t == "lease.create"),
        "{types:?}"
    );
    // Without personal:read, an individual's identity number is withheld in deliveries too.
    assert!(got.iter().all(|g| g.signature_ok));
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_paused_reported_and_resumed() {
    let mut settings = QUICK.to_vec();
    settings.push(("WEBHOOK_PAUSE_AFTER", "3"));
    let app = TestApp::spawn_with(&settings).await;
    let (key_id, _) = key(&app, &["feed:read"]).await;
    let (r, url) = receiver(0, true).await;
    let (hook, secret) = register(&app, json!({"api_key_id": key_id, "url": url})).await;
    *r.secret.lock().unwrap() = Some(secret);
    let resp = app
        .as_officer()
        .post("/api/v1/zones", &crate::helpers::zone_body("KCN-WH-1"))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mut w = Value::Null;
    for _ in 0..600 {
        w = webhook(&app, &hook).await;
        if w["status"] == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w["status"], "paused", "{w}");
    assert_eq!(w["consecutive_failures"], 3);
    assert!(
        w["pause_reason"]
            .as_str()
            .unwrap()
            .contains("3 deliveries in a row failed")
    );
    assert_eq!(
        r.count.load(Ordering::SeqCst),
        3,
        "no attempt after the pause"
    );
    let log = app
        .as_admin()
        .get_json(&format!("/api/v1/webhooks/{hook}/deliveries"))
        .await;
    let attempts: Vec<i64> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [3, 2, 1]);
    // The pause is in the audit log, by the service itself.
    let audit = app.as_admin().get_json("/api/v1/audit?limit=200").await;
    let pauses: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "webhook.pause")
        .collect();
    assert_eq!(pauses.len(), 1, "{audit}");
    assert_eq!(pauses[0]["actor_type"], "system");
    assert_eq!(pauses[0]["after"]["status"], "paused");

    // Resumed: the same event is tried again, now accepted.
    let r2 = r.clone();
    let resumed = app
        .as_admin()
        .post_empty(&format!("/api/v1/webhooks/{hook}/resume"))
        .await;
    assert_eq!(resumed.status(), StatusCode::OK);
    let resumed: Value = resumed.json().await.unwrap();
    assert_eq!(resumed["status"], "active");
    assert_eq!(resumed["consecutive_failures"], 0);
    until(&r2, "a fourth attempt", |got| got.len() >= 4).await;
    let got = r.got.lock().unwrap().clone();
    assert_eq!(got[3].id, got[0].id, "the failed event is the one retried");

    // Deleted: it is gone, with its log.
    let gone = app
        .as_admin()
        .request(Method::DELETE, &format!("/api/v1/webhooks/{hook}"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.as_admin()
            .get(&format!("/api/v1/webhooks/{hook}"))
            .await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn a_revoked_key_pauses_its_endpoints() {
    let app = TestApp::spawn_with(QUICK).await;
    let (key_id, _) = key(&app, &["feed:read"]).await;
    let (_r, url) = receiver(0, false).await;
    let (hook, _) = register(&app, json!({"api_key_id": key_id, "url": url})).await;
    let revoked = app
        .as_admin()
        .post_empty(&format!("/api/v1/api-keys/{key_id}/revoke"))
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    app.as_officer()
        .post("/api/v1/zones", &crate::helpers::zone_body("KCN-WH-2"))
        .await;
    let mut w = Value::Null;
    for _ in 0..600 {
        w = webhook(&app, &hook).await;
        if w["status"] == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w["status"], "paused");
    assert!(w["pause_reason"].as_str().unwrap().contains("revoked"));
    // It cannot be resumed for a revoked key.
    assert_problem(
        app.as_admin()
            .post_empty(&format!("/api/v1/webhooks/{hook}/resume"))
            .await,
        409,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn bad_registrations_name_every_fault_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (key_id, key_secret) = key(&app, &["feed:read"]).await;
    let (stats_key, _) = key(&app, &["stats:read"]).await;
    let before = app.as_admin().get_json("/api/v1/webhooks").await;

    // http is refused unless the operator allows it; every bad pattern is named.
    let body = assert_problem(
        app.as_admin()
            .post(
                "/api/v1/webhooks",
                &json!({"api_key_id": key_id, "url": "http://10.1.2.3/hook", "event_types": ["certificate.issue", "user.create", "zone"]}),
            )
            .await,
        422,
        "validation",
    )
    .await;
    let fields: BTreeSet<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["url", "event_types[1]", "event_types[2]"])
    );
    // A key without feed:read, an unknown key, a cursor beyond the feed.
    for (body, field) in [
        (
            json!({"api_key_id": stats_key, "url": "https://a.gov.vn/h"}),
            "api_key_id",
        ),
        (
            json!({"api_key_id": "0193a4b2-7c4d-7e00-8f00-0000000000a1", "url": "https://a.gov.vn/h"}),
            "api_key_id",
        ),
        (
            json!({"api_key_id": key_id, "url": "https://a.gov.vn/h", "after": "999999"}),
            "after",
        ),
        (
            json!({"api_key_id": key_id, "url": "ftp://a.gov.vn/h"}),
            "url",
        ),
        (
            json!({"api_key_id": key_id, "url": "https://u:p@a.gov.vn/h"}),
            "url",
        ),
    ] {
        let problem = assert_problem(
            app.as_admin().post("/api/v1/webhooks", &body).await,
            422,
            "validation",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    // Only administrators register; other staff may not even list.
    assert_problem(
        app.as_officer()
            .post(
                "/api/v1/webhooks",
                &json!({"api_key_id": key_id, "url": "https://a.gov.vn/h"}),
            )
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.as_officer().get("/api/v1/webhooks").await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.as_admin().get_json("/api/v1/webhooks").await, before);

    // A key sees only its own endpoints: another's is not found.
    let (other_key, _) = key(&app, &["feed:read"]).await;
    let (hook, _) = register(
        &app,
        json!({"api_key_id": other_key, "url": "https://b.gov.vn/h"}),
    )
    .await;
    assert_problem(
        with_key(&app, &key_secret, &format!("/api/v1/webhooks/{hook}")).await,
        404,
        "not-found",
    )
    .await;
    // Unknown and malformed ids: 404 and 400 for every operation on one endpoint.
    let unknown = "0193a4b2-7c4d-7e00-8f00-0000000000ff";
    for (method, path) in [
        (Method::GET, format!("/api/v1/webhooks/{unknown}")),
        (
            Method::GET,
            format!("/api/v1/webhooks/{unknown}/deliveries"),
        ),
        (Method::POST, format!("/api/v1/webhooks/{unknown}/resume")),
        (Method::DELETE, format!("/api/v1/webhooks/{unknown}")),
    ] {
        let resp = app
            .as_admin()
            .request(method.clone(), &path)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 404, "not-found").await;
        let bad = path.replace(unknown, "not-an-id");
        let resp = app.as_admin().request(method, &bad).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let own: Value = with_key(&app, &key_secret, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["items"], json!([]));
}

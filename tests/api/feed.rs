//! The change feed and the snapshot, read as a mirroring agency reads them.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    dossiers::{Desk, desk, intake},
    helpers::{TestApp, USER_PASSWORD, assert_problem, foreigner_body, zone_body},
    issuing::{act, issued},
};

/// An agency key with these scopes; returns its secret.
pub(crate) async fn agency_key(app: &TestApp, scopes: &[&str]) -> String {
    let resp = app
        .as_admin()
        .post(
            "/api/v1/api-keys",
            &json!({"agency": "Cục Thuế tỉnh Quảng Trị", "scopes": scopes, "rate_limit_per_minute": 100000}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["secret"].as_str().unwrap().to_owned()
}

/// GET with an agency key.
pub(crate) async fn with_key(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("X-Api-Key", key)
        .send()
        .await
        .unwrap()
}

/// One page of the feed after `after`.
async fn page(app: &TestApp, key: &str, after: &str, limit: u32) -> Value {
    let resp = with_key(
        app,
        key,
        &format!("/api/v1/feed?after={after}&limit={limit}"),
    )
    .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    resp.json().await.unwrap()
}

/// Reads the feed from `after` until caught up; returns the events and the last cursor.
pub(crate) async fn drain(
    app: &TestApp,
    key: &str,
    after: &str,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut cursor = after.to_owned();
    let mut events = Vec::new();
    loop {
        let p = page(app, key, &cursor, limit).await;
        events.extend(p["events"].as_array().unwrap().iter().cloned());
        cursor = p["next_cursor"].as_str().unwrap().to_owned();
        if p["has_more"] == false {
            return (events, cursor);
        }
    }
}

/// The state a consumer rebuilds: (entity type, id) → the record of its last event.
pub(crate) fn replay(events: &[Value]) -> BTreeMap<(String, String), Value> {
    let mut state = BTreeMap::new();
    for e in events {
        state.insert(
            (
                e["entity_type"].as_str().unwrap().to_owned(),
                e["entity_id"].as_str().unwrap().to_owned(),
            ),
            e["data"].clone(),
        );
    }
    state
}

/// A snapshot: its header, its records by (entity type, id), and its trailer.
pub(crate) async fn snapshot(
    app: &TestApp,
    key: &str,
) -> (Value, BTreeMap<(String, String), Value>, Value) {
    let resp = with_key(app, key, "/api/v1/exports/snapshot.ndjson").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let cursor = resp.headers()["x-feed-cursor"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let (head, rest) = lines.split_first().unwrap();
    let (end, records) = rest.split_last().unwrap();
    assert_eq!(head["kind"], "snapshot");
    assert_eq!(head["cursor"], cursor);
    assert_eq!(end["kind"], "end");
    assert_eq!(end["records"], records.len());
    let map = records
        .iter()
        .map(|r| {
            (
                (
                    r["entity_type"].as_str().unwrap().to_owned(),
                    r["entity_id"].as_str().unwrap().to_owned(),
                ),
                r["data"].clone(),
            )
        })
        .collect();
    (head.clone(), map, end.clone())
}

/// Registry work of every kind on one instance: a zone with a parcel, an investor and a project
/// with a lease and an issued certificate, a project change, a revoked certificate, a dossier.
pub(crate) async fn work(app: &TestApp, desk: &Desk, tag: &str) {
    let (project, cert, approver) = issued(app, &format!("KCN-FD-{tag}")).await;
    let pid = project["id"].as_str().unwrap();
    let p: Value = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .json()
        .await
        .unwrap();
    let resp = app
        .patch(
            &format!("/api/v1/projects/{pid}"),
            Some(&format!("\"{}\"", p["version"])),
            &json!({"scale": format!("Quy mô {tag}")}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    act(
        app,
        &approver,
        &cert,
        "revoke",
        json!({"reason": "Quyết định chấm dứt số 45/QĐ-BQLKKT"}),
    )
    .await;
    app.create_investor(foreigner_body(
        &format!("Kim {tag}"),
        &format!("M{tag}123456"),
        "KR",
    ))
    .await;
    intake(app, desk, "irc_issue", &app.now().date_naive().to_string()).await;
}

#[tokio::test]
async fn a_consumer_following_the_feed_while_two_instances_write_rebuilds_the_registry_exactly() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let key = agency_key(&app, &["feed:read", "personal:read"]).await;
    let d = desk(&app).await;

    // Two instances write at once while a consumer follows the feed in small pages.
    let writers = async {
        tokio::join!(
            async {
                for i in 0..2 {
                    work(&app, &d, &format!("A{i}")).await;
                }
            },
            async {
                for i in 0..2 {
                    work(&other, &d, &format!("B{i}")).await;
                }
            }
        )
    };
    let mut live = Vec::new();
    let mut cursor = "0".to_owned();
    let follow = async {
        for _ in 0..40 {
            let p = page(&other, &key, &cursor, 7).await;
            live.extend(p["events"].as_array().unwrap().iter().cloned());
            cursor = p["next_cursor"].as_str().unwrap().to_owned();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::join!(writers, follow);
    let (rest, last) = drain(&app, &key, &cursor, 7).await;
    live.extend(rest);

    // Each event once, in increasing order; and the same events a quiet replay from the start
    // reads afterwards: nothing missed while the writers raced.
    let seqs: Vec<i64> = live
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let (quiet, quiet_last) = drain(&app, &key, "0", 1000).await;
    assert_eq!(live, quiet);
    assert_eq!(last, quiet_last);
    for kind in [
        "zone",
        "parcel",
        "investor",
        "project",
        "lease",
        "certificate",
        "dossier",
    ] {
        assert!(
            live.iter().any(|e| e["entity_type"] == kind),
            "no {kind} event"
        );
    }
    for kind in [
        "certificate.issue",
        "certificate.revoke",
        "project.update",
        "lease.create",
        "dossier.intake",
    ] {
        assert!(live.iter().any(|e| e["type"] == kind), "no {kind} event");
    }
    // The issued certificate's event links its PDF.
    let issue = live
        .iter()
        .find(|e| e["type"] == "certificate.issue")
        .unwrap();
    let pdf = app.get(issue["pdf_href"].as_str().unwrap()).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");

    // The replayed state is exactly the snapshot taken at the cursor the consumer reached.
    let (head, snap, _) = snapshot(&app, &key).await;
    assert_eq!(head["cursor"], last);
    assert_eq!(head["personal"], true);
    let rebuilt = replay(&live);
    assert_eq!(rebuilt.len(), snap.len());
    for (k, v) in &snap {
        assert_eq!(rebuilt.get(k), Some(v), "{k:?}");
    }

    // The rebuilt projects say what the API says of them.
    for ((kind, id), data) in &rebuilt {
        if kind == "project" {
            let p: Value = app
                .get(&format!("/api/v1/projects/{id}"))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(data["name_vi"], p["name_vi"]);
            assert_eq!(data["scale"], p["scale"]);
            assert_eq!(data["status"], p["status"]);
            assert_eq!(data["version"], p["version"]);
        }
    }
}

#[tokio::test]
async fn identity_numbers_birth_dates_and_addresses_need_the_personal_scope() {
    let app = TestApp::spawn().await;
    let person = app
        .create_investor(foreigner_body("Park Ji-sung", "M98765432", "KR"))
        .await;
    let plain = agency_key(&app, &["feed:read"]).await;
    let personal = agency_key(&app, &["feed:read", "personal:read"]).await;
    let registry_only = agency_key(&app, &["registry:read"]).await;

    let of = |events: &[Value]| {
        events
            .iter()
            .find(|e| e["entity_id"] == person["id"])
            .unwrap()["data"]
            .clone()
    };
    let (events, _) = drain(&app, &plain, "0", 100).await;
    let hidden = of(&events);
    assert_eq!(hidden["name"], "Park Ji-sung");
    assert_eq!(hidden["nationality"], "KR");
    for field in ["date_of_birth", "permanent_address", "current_address"] {
        assert!(hidden[field].is_null(), "{field}: {hidden}");
    }
    assert!(hidden["document"]["number"].is_null());
    let text = serde_json::to_string(&events).unwrap();
    for secret in ["M98765432", "1980-07-21", "Seoul"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    let (_, snap, _) = snapshot(&app, &plain).await;
    let text = serde_json::to_string(&snap.values().collect::<Vec<_>>()).unwrap();
    assert!(!text.contains("M98765432") && !text.contains("1980-07-21"));

    let (events, _) = drain(&app, &personal, "0", 100).await;
    let shown = of(&events);
    assert_eq!(shown["document"]["number"], "M98765432");
    assert_eq!(shown["date_of_birth"], "1980-07-21");
    assert_eq!(shown["permanent_address"], "Seoul");

    // The investor list and record keep the same rule for agency keys.
    let id = person["id"].as_str().unwrap();
    let registry_personal = agency_key(&app, &["registry:read", "personal:read"]).await;
    for path in [
        format!("/api/v1/investors/{id}"),
        "/api/v1/investors".to_owned(),
    ] {
        let text = with_key(&app, &registry_only, &path)
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains("Park Ji-sung"), "{text}");
        for secret in ["M98765432", "1980-07-21", "Seoul"] {
            assert!(!text.contains(secret), "{secret} leaked by {path}");
        }
        let text = with_key(&app, &registry_personal, &path)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("M98765432") && text.contains("1980-07-21"),
            "{text}"
        );
    }

    // Without feed:read: 403, for the feed and the snapshot alike; without credentials: 401.
    let resp = with_key(&app, &registry_only, "/api/v1/feed").await;
    assert_problem(resp, 403, "forbidden").await;
    let resp = with_key(&app, &registry_only, "/api/v1/exports/snapshot.ndjson").await;
    assert_problem(resp, 403, "forbidden").await;
    let resp = app.anonymous().get("/api/v1/feed").await;
    assert_problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_cursor_older_than_the_retention_gets_410_and_bad_cursors_400() {
    let app = TestApp::spawn_with(&[("FEED_RETENTION_DAYS", "2")]).await;
    let key = agency_key(&app, &["feed:read"]).await;
    app.create_zone("KCN-OLD").await;
    let (_, before) = drain(&app, &key, "0", 100).await;

    app.advance(std::time::Duration::from_secs(3 * 86_400));
    let officer = app.login("officer", USER_PASSWORD).await;
    let resp = app
        .as_user(&officer)
        .post("/api/v1/zones", &zone_body("KCN-NEW"))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    // From the start: the first events are older than two days.
    let resp = with_key(&app, &key, "/api/v1/feed?after=0").await;
    let problem = assert_problem(resp, 410, "cursor-expired").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("snapshot"),
        "{problem}"
    );
    // A consumer that kept up is still served, and gets the new zone.
    let (events, _) = drain(&app, &key, &before, 100).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "zone.create");
    assert_eq!(events[0]["data"]["code"], "KCN-NEW");

    for bad in [
        "after=abc",
        "after=-1",
        "after=99999999",
        "limit=0",
        "limit=1001",
    ] {
        let resp = with_key(&app, &key, &format!("/api/v1/feed?{bad}")).await;
        assert_problem(resp, 400, "bad-request").await;
    }
}

//! Registry statistics and their charts, checked against a recomputation from the raw rows.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::{
    feed::{agency_key, with_key},
    helpers::{TestApp, assert_problem, company_body, foreigner_body, project_body},
    issuing::{act, issued},
};

/// (projects, registered capital, contributed capital) per key, recomputed from the tables.
type Groups = BTreeMap<String, (u64, i64, i64)>;

/// Recomputes the project statistics from the rows, without the service's code: projects that
/// hold a certificate (registered or suspended), their investors' rows.
async fn recompute(app: &TestApp) -> BTreeMap<&'static str, Groups> {
    let projects = entity::project::Entity::find().all(&app.db).await.unwrap();
    let shares = entity::project_investor::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let investors: BTreeMap<_, _> = entity::investor::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut out: BTreeMap<&'static str, Groups> = BTreeMap::new();
    for p in projects
        .iter()
        .filter(|p| p.status == "registered" || p.status == "suspended")
    {
        let mine: Vec<_> = shares.iter().filter(|s| s.project_id == p.id).collect();
        let all: i64 = mine.iter().map(|s| s.capital_vnd).sum();
        let mut add = |dim: &'static str, key: String, contributed: i64| {
            let e = out.entry(dim).or_default().entry(key).or_default();
            e.0 += 1;
            e.1 += p.total_capital_vnd;
            e.2 += contributed;
        };
        add(
            "zone",
            p.zone_id.map_or("outside".to_owned(), |z| z.to_string()),
            all,
        );
        let year = p
            .registered_at
            .map(|t| (t + chrono::Duration::hours(7)).format("%Y").to_string());
        add("year", year.unwrap_or("unknown".to_owned()), all);
        let mut by_nat: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
        for s in &mine {
            let i = &investors[&s.investor_id];
            *by_nat.entry(i.nationality.clone()).or_default() += s.capital_vnd;
            let kind = if i.kind.starts_with("foreign_") {
                "foreign"
            } else if i.foreign_ownership_bp.unwrap_or(0) > 0 {
                "foreign_invested"
            } else {
                "domestic"
            };
            *by_kind.entry(kind.to_owned()).or_default() += s.capital_vnd;
        }
        for (k, c) in by_nat {
            add("nationality", k, c);
        }
        for (k, c) in by_kind {
            add("investor_kind", k, c);
        }
    }
    out
}

fn groups_of(stats: &Value) -> Groups {
    stats["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_owned(),
                (
                    g["projects"].as_u64().unwrap(),
                    g["registered_capital_vnd"].as_i64().unwrap(),
                    g["contributed_capital_vnd"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn statistics_match_a_recomputation_from_the_rows_and_revalidate_by_etag() {
    let app = TestApp::spawn().await;
    // Three certified projects (each in its own zone, of a domestic company), one revoked and
    // one suspended; a joint venture of a foreign-invested company and a Korean, registered;
    // a draft, which does not count.
    let (_, a, approver) = issued(&app, "KCN-ST-A").await;
    let (_, b, approver_b) = issued(&app, "KCN-ST-B").await;
    let (_, _c, _) = issued(&app, "KCN-ST-C").await;
    act(
        &app,
        &approver,
        &a,
        "revoke",
        json!({"reason": "Quyết định chấm dứt số 1/QĐ"}),
    )
    .await;
    act(
        &app,
        &approver_b,
        &b,
        "suspend",
        json!({"reason": "Quyết định tạm ngừng số 2/QĐ"}),
    )
    .await;
    let mut fi = company_body("Công ty TNHH Liên doanh Việt Hàn", "3200777666");
    fi["foreign_ownership_percent"] = json!(30);
    let fi = app.create_investor(fi).await;
    let kr = app
        .create_investor(foreigner_body("Kim Min-jun", "M11223344", "KR"))
        .await;
    let jv = app
        .create_project(project_body(
            &[fi["id"].as_str().unwrap(), kr["id"].as_str().unwrap()],
            None,
        ))
        .await;
    let resp = app
        .set_status(&approver, jv["id"].as_str().unwrap(), "registered", None)
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    app.create_project(project_body(&[kr["id"].as_str().unwrap()], None))
        .await;

    let expected = recompute(&app).await;
    let key = agency_key(&app, &["stats:read"]).await;
    for by in ["zone", "year", "nationality", "investor_kind"] {
        let resp = with_key(&app, &key, &format!("/api/v1/stats/projects?by={by}")).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let stats: Value = resp.json().await.unwrap();
        assert_eq!(stats["by"], by);
        assert_eq!(groups_of(&stats), expected[by], "{by}: {stats}");
    }
    // The joint venture counts once as foreign and once as foreign-invested.
    let kinds = &expected["investor_kind"];
    assert_eq!(kinds["foreign"].0, 1);
    assert_eq!(kinds["foreign_invested"].0, 1);
    let outside = app.get("/api/v1/stats/projects?by=zone").await;
    let outside: Value = outside.json().await.unwrap();
    let labels: Vec<&str> = outside["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Ngoài khu kinh tế, khu công nghiệp"),
        "{labels:?}"
    );

    // Certificates this month, against the audit rows.
    let today = (app.now() + chrono::Duration::hours(7)).date_naive();
    let month = today.format("%Y-%m").to_string();
    let stats = app
        .as_admin()
        .get_json(&format!(
            "/api/v1/stats/certificates?from={today}&to={today}"
        ))
        .await;
    let months = stats["months"].as_array().unwrap();
    assert_eq!(months.len(), 1);
    assert_eq!(months[0]["month"], month);
    let events = entity::audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let count = |action: &str| events.iter().filter(|e| e.action == action).count() as u64;
    assert_eq!(months[0]["issued"], count("certificate.issue"));
    assert_eq!(months[0]["issued"], 3);
    assert_eq!(months[0]["adjusted"], 0);
    assert_eq!(months[0]["suspended"], count("certificate.suspend"));
    assert_eq!(months[0]["revoked"], count("certificate.revoke"));
    assert_eq!(
        (
            months[0]["suspended"].as_u64(),
            months[0]["revoked"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // The default window: the twelve months to today.
    let stats = app.as_admin().get_json("/api/v1/stats/certificates").await;
    let months = stats["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"], month);

    // Occupancy: each zone's one parcel is leased, but A's project ended with its revoked
    // certificate and its land came back.
    let occ = with_key(&app, &key, "/api/v1/stats/occupancy").await;
    let occ: Value = occ.json().await.unwrap();
    let zones = occ["zones"].as_array().unwrap();
    let codes: Vec<&str> = zones.iter().map(|z| z["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["KCN-ST-A", "KCN-ST-B", "KCN-ST-C"]);
    for (z, leased, rate) in [
        (&zones[0], 0.0, 0.0),
        (&zones[1], 5230.0, 5.23),
        (&zones[2], 5230.0, 5.23),
    ] {
        assert_eq!(z["land_m2"], 100_000.0, "{z}");
        assert_eq!(z["leased_m2"], leased, "{z}");
        assert_eq!(z["rate_percent"], rate, "{z}");
    }

    // ETag: the same question answers 304 until something changes.
    let resp = with_key(&app, &key, "/api/v1/stats/projects?by=year").await;
    let tag = resp.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(resp.headers()["cache-control"], "private, max-age=60");
    let again = app
        .client
        .get(app.url("/api/v1/stats/projects?by=year"))
        .header("X-Api-Key", &key)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    let other = app
        .client
        .get(app.url("/api/v1/stats/projects?by=zone"))
        .header("X-Api-Key", &key)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another question, another tag"
    );
    app.create_zone("KCN-ST-NEW").await;
    let changed = app
        .client
        .get(app.url("/api/v1/stats/projects?by=year"))
        .header("X-Api-Key", &key)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);

    // Unhappy paths.
    let registry = agency_key(&app, &["registry:read"]).await;
    let resp = with_key(&app, &registry, "/api/v1/stats/projects").await;
    assert_problem(resp, 403, "forbidden").await;
    for bad in [
        "/api/v1/stats/projects?by=colour",
        "/api/v1/stats/certificates?from=2026-13-01",
        "/api/v1/stats/certificates?from=2026-05-01&to=2026-01-01",
        "/api/v1/stats/certificates?from=1990-01-01&to=2026-01-01",
        "/api/v1/stats/projects/chart.svg?measure=weight",
    ] {
        let resp = with_key(&app, &key, bad).await;
        assert!(
            resp.status() == 400 || resp.status() == 422,
            "{bad}: {}",
            resp.status()
        );
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json", "{bad}");
    }
}

#[tokio::test]
async fn charts_are_svg_and_png_with_vietnamese_text() {
    let app = TestApp::spawn().await;
    issued(&app, "KCN-CH-A").await;
    let key = agency_key(&app, &["stats:read"]).await;
    for path in [
        "/api/v1/stats/projects/chart.svg?by=zone&measure=capital",
        "/api/v1/stats/occupancy/chart.svg",
        "/api/v1/stats/certificates/chart.svg",
    ] {
        let resp = with_key(&app, &key, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["content-type"], "image/svg+xml");
        let text = resp.text().await.unwrap();
        assert!(text.starts_with("<svg"), "{path}");
        assert!(
            text.contains("Vốn đầu tư đăng ký")
                || text.contains("Tỷ lệ lấp đầy")
                || text.contains("Giấy chứng nhận theo tháng"),
            "{path}"
        );
    }
    for (path, file) in [
        ("/api/v1/stats/projects/chart.png?by=zone", "projects"),
        ("/api/v1/stats/occupancy/chart.png", "occupancy"),
        ("/api/v1/stats/certificates/chart.png", "certificates"),
    ] {
        let resp = with_key(&app, &key, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["content-type"], "image/png");
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{path}");
        if let Ok(dir) = std::env::var("CHART_OUT") {
            std::fs::write(format!("{dir}/{file}.png"), &bytes).unwrap();
        }
    }
    let resp = app
        .anonymous()
        .get("/api/v1/stats/occupancy/chart.png")
        .await;
    assert_problem(resp, 401, "unauthorized").await;
}

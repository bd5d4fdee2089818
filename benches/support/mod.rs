//! What the benchmarks share: the settings of a bench server on a SQLite file in a temporary
//! folder.

use std::collections::HashMap;

use invest_registry::config::Settings;
use serde_json::{Value, json};

/// The bench admin's password.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// Settings for a server on `dir/bench.sqlite`, with a known admin password and only errors
/// logged.
pub fn settings(dir: &std::path::Path) -> Settings {
    let env: HashMap<String, String> = [
        ("DATA_DIR", dir.display().to_string()),
        (
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
        ),
        ("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("PUBLIC_BASE_URL", "https://dkdt.quangtri.gov.vn".to_owned()),
        ("LOG_LEVEL", "error".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Settings::from_sources(None, &env).expect("settings")
}

/// Signs the bench admin in on the server at `addr` and registers the bench zone; returns the
/// admin's token and the zone's id.
#[allow(
    dead_code,
    reason = "the issuance benchmark registers zones of its own"
)]
pub async fn admin_and_zone(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
) -> (String, uuid::Uuid) {
    let login: Value = client
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();
    let zone: Value = client
        .post(format!("http://{addr}/api/v1/zones"))
        .bearer_auth(&token)
        .json(&json!({
            "code": "KCN-BENCH", "name": "Khu công nghiệp Quán Ngang (đo hiệu năng)",
            "kind": "industrial_park", "province": "Quảng Trị", "total_area_m2": 987540000,
            "status": "operating", "figures_as_of": "2026", "source": "benchmark",
        }))
        .send()
        .await
        .expect("zone")
        .json()
        .await
        .expect("zone json");
    let zone_id: uuid::Uuid = zone["id"].as_str().expect("zone id").parse().expect("uuid");
    (token, zone_id)
}

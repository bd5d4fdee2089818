//! Export memory benchmark (issue 16): does a CSV export of a million rows keep the server's
//! memory flat?
//!
//! On the embedded SQLite database it registers one zone, then fills it with parcels (written
//! straight to the table in batches, as an import would), and at each size exports them through
//! the HTTP API (`GET /api/v1/exports/parcels.csv`, and the NDJSON snapshot of the registry),
//! reading the body as it streams and throwing it away. A sampler reads the process's resident
//! memory every 20 ms; before each export the kernel's peak counter is reset (`clear_refs`), so
//! the peak printed is the export's own. Server and client share the process, so the figure is
//! an upper bound for the server.
//!
//! Run: `cargo bench --bench export`. `EXPORT_ROWS` sets the largest size (1,000,000).

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use invest_registry::startup;
use sea_orm::{ActiveValue::Set, EntityTrait};

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the kernel's peak-RSS counter (VmHWM) to the current RSS.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Adds parcels to the zone until it holds `total`.
async fn fill(db: &sea_orm::DatabaseConnection, zone: uuid::Uuid, from: u64, total: u64) {
    let now = Utc::now();
    let mut n = from;
    while n < total {
        let end = (n + 2000).min(total);
        let rows: Vec<entity::parcel::ActiveModel> = (n..end)
            .map(|i| entity::parcel::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                zone_id: Set(zone),
                lot_code: Set(format!("CN-{i:07}")),
                area_dm2: Set(100_000 + (i as i64 % 5000)),
                land_use: Set("industrial".to_owned()),
                status: Set("available".to_owned()),
                note: Set(Some(format!("Lô đất số {i}, đường Hùng Vương, Quảng Trị"))),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        entity::parcel::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .expect("insert parcels");
        n = end;
    }
}

/// Downloads `path`, reading it as it streams; returns (bytes, lines, seconds, peak RSS MiB,
/// RSS before MiB).
async fn export(client: &reqwest::Client, url: &str, token: &str) -> (u64, u64, f64, f64, f64) {
    let before = status_kib("VmRSS:") as f64 / 1024.0;
    reset_peak();
    let peak = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib("VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let mut resp = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("export answers");
    assert_eq!(resp.status(), 200, "{url}");
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = resp.chunk().await.expect("body streams") {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    let hwm = status_kib("VmHWM:").max(peak.load(Ordering::Relaxed));
    (bytes, lines, seconds, hwm as f64 / 1024.0, before)
}

#[tokio::main]
async fn main() {
    let largest: u64 = std::env::var("EXPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let application = startup::Application::build(support::settings(dir.path()))
        .await
        .expect("app");
    let db = application.state.db.clone();
    let (addr, _handle) = startup::spawn(application).await.expect("listen");
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");
    let (token, zone_id) = support::admin_and_zone(&client, addr).await;

    println!("export benchmark: parcels on SQLite, body read as it streams and dropped");
    println!(
        "{:>9}  {:<22} {:>10} {:>10} {:>9} {:>12} {:>12}",
        "rows", "export", "MiB", "seconds", "rows/s", "RSS before", "peak RSS"
    );
    let mut have = 0;
    for size in [100_000u64, largest / 2, largest]
        .into_iter()
        .filter(|s| *s <= largest)
    {
        if size <= have {
            continue;
        }
        fill(&db, zone_id, have, size).await;
        have = size;
        for (name, path) in [
            ("parcels.csv", "/api/v1/exports/parcels.csv"),
            ("snapshot.ndjson", "/api/v1/exports/snapshot.ndjson"),
        ] {
            let (bytes, lines, seconds, peak, before) = export(&client, &url(path), &token).await;
            assert!(lines > size, "{name}: {lines} lines for {size} rows");
            println!(
                "{size:>9}  {name:<22} {:>10.1} {seconds:>10.2} {:>9.0} {before:>9.1} MiB {peak:>8.1} MiB",
                bytes as f64 / 1048576.0,
                size as f64 / seconds,
            );
        }
    }
}

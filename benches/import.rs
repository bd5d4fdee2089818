//! Bulk import benchmark (issue 16): how long do a dry run and a commit of 10,000 existing
//! projects with their investors, leases and paper certificate histories take?
//!
//! On the embedded SQLite database it registers one zone with a parcel per project (written
//! straight to the table, as the export bench does), generates an NDJSON file of 10,000
//! investors, 10,000 projects (every tenth with a second investor, every one with a paper
//! history of 0 to 4 changes) and 10,000 leases, and sends it through the HTTP API as an admin:
//! `POST /api/v1/imports?dry_run=true`, then `POST /api/v1/imports`. The target is under a
//! minute for the commit in a release build.
//!
//! Run: `cargo bench --bench import`. `IMPORT_PROJECTS` sets the number of projects (10,000);
//! `BENCH_DATABASE_URL` names an empty PostgreSQL database to use instead of a SQLite file.

mod support;

use std::time::Instant;

use chrono::Utc;
use invest_registry::startup;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

/// Adds `n` parcels of 10,000 m² (`CN-00000` ...) to the zone.
async fn parcels(db: &sea_orm::DatabaseConnection, zone: uuid::Uuid, n: u64) {
    let now = Utc::now();
    let mut i = 0;
    while i < n {
        let end = (i + 2000).min(n);
        let rows: Vec<entity::parcel::ActiveModel> = (i..end)
            .map(|i| entity::parcel::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                zone_id: Set(zone),
                lot_code: Set(format!("CN-{i:05}")),
                area_dm2: Set(1_000_000),
                land_use: Set("industrial".to_owned()),
                status: Set("available".to_owned()),
                note: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        entity::parcel::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .expect("insert parcels");
        i = end;
    }
}

/// The NDJSON file: investors, then projects, then leases.
fn file(n: u64) -> String {
    let mut out = String::new();
    for i in 0..n {
        let line = json!({
            "type": "investor", "ref": format!("NDT-{i}"), "kind": "domestic_organization",
            "name": format!("Công ty Cổ phần Sản xuất Thương mại Quảng Trị số {i}"),
            "nationality": "VN",
            "document": {"doc_type": "enterprise_code", "number": format!("32{i:08}"), "issue_date": "2012-05-04", "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
            "tax_code": format!("32{i:08}"),
            "head_office_address": format!("Số {i} Hùng Vương, phường Đông Hà, tỉnh Quảng Trị"),
            "representative": {"name": "Nguyễn Văn Hùng", "title": "Tổng Giám đốc", "doc_type": "cccd", "doc_number": format!("045{i:09}")},
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    for i in 0..n {
        let mut investors = vec![
            json!({"ref": format!("NDT-{i}"), "capital_vnd": 60_000_000_000i64, "form": "cash", "schedule": "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận đăng ký đầu tư"}),
        ];
        if i % 10 == 0 {
            investors.push(json!({"ref": format!("NDT-{}", (i + 1) % n), "capital_vnd": 40_000_000_000i64, "form": "in_kind"}));
        }
        let contributed: i64 = if i % 10 == 0 {
            100_000_000_000
        } else {
            60_000_000_000
        };
        let changes = i % 5;
        let line = json!({
            "type": "project", "project_code": format!("23{i:08}"), "zone_code": "KCN-BENCH",
            "name_vi": format!("Nhà máy sản xuất linh kiện điện tử Quảng Trị số {i}"),
            "name_en": format!("Quang Tri electronic components factory no. {i}"),
            "address": format!("Lô CN-{i:05}, Khu công nghiệp Quán Ngang, tỉnh Quảng Trị"),
            "investors": investors,
            "objectives": [{"description": "Sản xuất linh kiện điện tử", "vsic_code": "2610"}],
            "scale": "5 triệu sản phẩm/năm",
            "total_capital_vnd": contributed + 150_000_000_000,
            "contributed_capital_vnd": contributed,
            "mobilized_capital_vnd": 150_000_000_000i64,
            "duration_years": 50,
            "milestones": [{"description": "Đưa vào hoạt động", "due_date": "2018-06-30"}],
            "incentives": [{"description": "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định", "legal_basis": "Điều 15 Luật Đầu tư 2020"}],
            "conditions": ["Bảo vệ môi trường theo quy định"],
            "certificate_history": {
                "first_issued_on": "2016-03-02",
                "last_change_no": changes,
                "last_change_on": if changes == 0 { "2016-03-02" } else { "2022-08-16" },
            },
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    for i in 0..n {
        let line = json!({
            "type": "lease", "project_code": format!("23{i:08}"), "lot_code": format!("CN-{i:05}"),
            "area_m2": 8500.25, "start_date": "2016-04-01", "end_date": "2066-03-01",
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("IMPORT_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = support::settings(dir.path());
    let database = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => {
            settings.database_url = url;
            "PostgreSQL"
        }
        Err(_) => "SQLite",
    };
    let application = startup::Application::build(settings).await.expect("app");
    let db = application.state.db.clone();
    let (addr, _handle) = startup::spawn(application).await.expect("listen");
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");
    let (token, zone_id) = support::admin_and_zone(&client, addr).await;
    parcels(&db, zone_id, n).await;
    let body = file(n);
    println!(
        "import benchmark: {n} projects, {n} investors, {n} leases with paper histories; NDJSON of {:.1} MiB, {database}, through the HTTP API",
        body.len() as f64 / 1048576.0
    );
    for (what, query, status) in [
        ("dry run", "?dry_run=true", 200),
        ("commit", "?file_name=bench.ndjson", 201),
    ] {
        let started = Instant::now();
        let resp = client
            .post(url(&format!("/api/v1/imports{query}")))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(body.clone())
            .send()
            .await
            .expect("import");
        let got = resp.status().as_u16();
        let report: Value = resp.json().await.expect("report");
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(got, status, "{what}: {report}");
        println!(
            "{what:<8} {seconds:>7.2} s  {:>7.0} projects/s  counts {}",
            n as f64 / seconds,
            report["counts"]
        );
    }
}

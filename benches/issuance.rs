//! Certificate issuance benchmark: prints median and p90 for
//! - in-process issuance (render + QR seal + PAdES signature) of a short certificate (two
//!   investors; two pages) and a long one (sixteen investors; four pages), with a breakdown of
//!   where the time goes;
//! - the whole HTTP approval (`POST /api/v1/certificates/{id}/approve`: checks, render, seal,
//!   sign, database commit) on the embedded SQLite database.
//!
//! Run: `cargo bench --bench issuance` (release build). `ISSUANCE_ROUNDS` sets the iterations.

mod support;

use std::time::{Duration, Instant};

use invest_registry::{
    certificate::{
        issuer::Issuer,
        render::{RenderOptions, Renderer},
    },
    config::Settings,
    domain::certificate::content::CertificateContent,
    signing::{pades, seal},
    startup,
};
use serde_json::{Value, json};

fn stats(label: &str, mut samples: Vec<Duration>, extra: &str) {
    samples.sort_unstable();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<44} n={:<4} median {:>8.3} ms   p90 {:>8.3} ms   {extra}",
        samples.len(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.9).as_secs_f64() * 1e3,
    );
}

fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    for _ in 0..rounds.min(20) {
        std::hint::black_box(f());
    }
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

fn in_process(settings: &Settings, rounds: usize) {
    let identity = settings.signing_key.load().expect("signing key");
    let issuer = Issuer::new(startup::issuer_config(settings), identity).expect("issuer");
    let renderer = Renderer::new().expect("renderer");
    println!("-- in process (render + seal + sign), {rounds} rounds each");
    for (label, extra) in [("short certificate", 0usize), ("long certificate", 14)] {
        let content = CertificateContent::sample(extra);
        let doc = issuer.issue(&content).expect("issue");
        stats(
            &format!("issue, {label}"),
            time(rounds, || issuer.issue(&content).expect("issue")),
            &format!("{} pages, {} bytes signed", doc.pages, doc.pdf.len()),
        );
        // Where the time goes.
        let facts = seal::SealFacts {
            project_code: content.project_code.clone(),
            certificate_version: 1,
            issued_on: content.issued_on.unwrap_or_default(),
            total_capital_vnd: content.project.capital.total_vnd,
            content_digest: content.digest(),
        };
        let key = issuer.identity().signing_key().clone();
        stats(
            &format!("  seal (digest + ECDSA), {label}"),
            time(rounds, || {
                let f = seal::SealFacts {
                    content_digest: content.digest(),
                    ..facts.clone()
                };
                seal::make(&f, &key).expect("seal")
            }),
            "",
        );
        let s = seal::make(&facts, &key).expect("seal");
        let url = issuer.verification_url(&s);
        let qr = seal::qr_code(&url).expect("qr");
        stats(
            &format!("  QR encode, {label}"),
            time(rounds, || {
                seal::qr_code(&issuer.verification_url(&s)).expect("qr")
            }),
            &format!("QR version {:?}", qr.version()),
        );
        let opts = RenderOptions {
            draft: false,
            qr: Some(&qr),
            link: Some(&url),
            english: false,
        };
        let rendered = renderer.render(&content, &opts).expect("render");
        stats(
            &format!("  render, {label}"),
            time(rounds, || renderer.render(&content, &opts).expect("render")),
            &format!("{} bytes unsigned", rendered.bytes.len()),
        );
        let field = pades::SignatureField {
            page: rendered.signature_page,
            rect: rendered.signature_rect,
            name: "GCNDKDT".into(),
            reason: None,
            location: None,
            contact: None,
        };
        let at = content.signed_at.unwrap_or_default();
        stats(
            &format!("  PAdES sign, {label}"),
            time(rounds, || {
                pades::sign_pdf(&rendered.bytes, issuer.identity(), at, &field).expect("sign")
            }),
            "",
        );
    }
}

async fn http(settings: Settings, rounds: usize) {
    let application = startup::Application::build(settings).await.expect("app");
    let (addr, _handle) = startup::spawn(application).await.expect("listen");
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");
    let post = |token: &str, path: &str, body: Value| {
        client.post(url(path)).bearer_auth(token).json(&body).send()
    };
    let login = |user: &'static str, pw: &'static str| {
        let client = client.clone();
        let u = url("/api/v1/auth/login");
        async move {
            let r: Value = client
                .post(u)
                .json(&json!({"username": user, "password": pw}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            r["token"].as_str().expect("token").to_owned()
        }
    };
    let admin = login("admin", support::ADMIN_PASSWORD).await;
    for (u, roles, title) in [
        ("officer", json!(["officer"]), Value::Null),
        ("approver", json!(["approver"]), json!("PHÓ TRƯỞNG BAN")),
    ] {
        let r = post(
            &admin,
            "/api/v1/users",
            json!({"username": u, "display_name": "Trần Văn Phúc", "password": "bench-user-password",
                   "roles": roles, "signing_title": title, "signing_capacity": "KT. TRƯỞNG BAN"}),
        )
        .await
        .expect("user");
        assert!(
            r.status().is_success(),
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
    let officer = login("officer", "bench-user-password").await;
    let approver = login("approver", "bench-user-password").await;
    let zone: Value = post(
        &officer,
        "/api/v1/zones",
        json!({"code": "KCN-BENCH", "name": "Khu công nghiệp Nam Đông Hà", "kind": "industrial_park",
               "province": "Quảng Trị", "status": "operating", "total_area_m2": 987540}),
    )
    .await
    .expect("zone")
    .json()
    .await
    .expect("zone json");
    println!(
        "-- HTTP approve (checks + render + seal + sign + commit), SQLite, {rounds} rounds each"
    );
    for (label, investors) in [("short certificate", 1usize), ("long certificate", 16)] {
        let mut ids = Vec::new();
        for i in 0..investors {
            let code = format!("32{:08}", 10_000 * investors + i);
            let inv: Value = post(
                &officer,
                "/api/v1/investors",
                json!({"kind": "domestic_organization",
                       "name": format!("Công ty Cổ phần Thương mại và Dịch vụ Đông Trường Sơn số {}", i + 1),
                       "nationality": "VN",
                       "document": {"doc_type": "enterprise_code", "number": code, "issue_date": "2015-06-01", "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
                       "head_office_address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
                       "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc"}}),
            )
            .await
            .expect("investor")
            .json()
            .await
            .expect("investor json");
            ids.push(inv["id"].as_str().expect("investor id").to_owned());
        }
        let each = 100_000_000_000i64 / investors as i64;
        let contributions: Vec<Value> = ids
            .iter()
            .map(|id| json!({"investor_id": id, "capital_vnd": each, "form": "cash", "schedule": "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận"}))
            .collect();
        let mut samples = Vec::new();
        let mut size = 0;
        for _ in 0..rounds {
            let project: Value = post(
                &officer,
                "/api/v1/projects",
                json!({"name_vi": "Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị",
                       "zone_id": zone["id"], "investors": contributions,
                       "objectives": [{"description": "Sản xuất linh kiện điện tử, bảng mạch in và cụm lắp ráp cho thiết bị gia dụng", "vsic_code": "2610"}],
                       "scale": "12 triệu sản phẩm/năm",
                       "total_capital_vnd": each * investors as i64 + 150_000_000_000,
                       "contributed_capital_vnd": each * investors as i64,
                       "mobilized_capital_vnd": 150_000_000_000i64, "duration_years": 50,
                       "milestones": [{"description": "Đưa vào hoạt động", "due_date": "2028-06-30"}],
                       "incentives": [{"description": "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định", "legal_basis": "Điều 15 Luật Đầu tư 2020"}],
                       "conditions": ["Tuân thủ quy định về bảo vệ môi trường"]}),
            )
            .await
            .expect("project")
            .json()
            .await
            .expect("project json");
            let pid = project["id"].as_str().expect("project id");
            let draft: Value = post(
                &officer,
                &format!("/api/v1/projects/{pid}/certificates"),
                json!({}),
            )
            .await
            .expect("draft")
            .json()
            .await
            .expect("draft json");
            let did = draft["id"].as_str().expect("draft id");
            let t = Instant::now();
            let resp = client
                .post(url(&format!("/api/v1/certificates/{did}/approve")))
                .bearer_auth(&approver)
                .send()
                .await
                .expect("approve");
            let status = resp.status();
            let body: Value = resp.json().await.expect("approve json");
            samples.push(t.elapsed());
            assert!(status.is_success(), "{body}");
            size = body["pdf_size"].as_i64().unwrap_or_default();
        }
        stats(
            &format!("HTTP approve, {label}"),
            samples,
            &format!("{size} bytes"),
        );
    }
}

fn main() {
    let rounds: usize = std::env::var("ISSUANCE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = support::settings(dir.path());
    in_process(&settings, rounds);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(http(settings, (rounds / 3).max(10)));
}

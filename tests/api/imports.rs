//! Bulk import of existing projects: dry run, all-or-nothing commit, every error with its line,
//! CSV and NDJSON, the paper history carried into the next certificate, the feed, the CLI.

use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    feed::{agency_key, drain, replay, snapshot},
    helpers::{TestApp, TestDb, assert_problem, company_body, test_settings, zone_body},
    issuing::{approve, draft, issue_change, json_of},
};

/// A zone with a term (`code`) and two parcels, `CN-01` (10,000 m²) and `CN-02` (8,000 m²).
async fn zone_with_parcels(app: &TestApp, code: &str) -> Value {
    let mut zb = zone_body(code);
    zb["term_start"] = json!("2005-03-19");
    zb["term_end"] = json!("2071-03-19");
    let zone = app.create_zone_with(zb).await;
    let id = zone["id"].as_str().unwrap().to_owned();
    app.create_parcel(&id, "CN-01", 10_000.0).await;
    app.create_parcel(&id, "CN-02", 8_000.0).await;
    zone
}

fn investor_line(reference: &str, name: &str, code: &str) -> Value {
    json!({
        "type": "investor", "ref": reference, "kind": "domestic_organization", "name": name,
        "nationality": "VN",
        "document": {"doc_type": "enterprise_code", "number": code, "issue_date": "2010-05-04", "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
        "head_office_address": "Số 5 Hùng Vương, phường Đông Hà, tỉnh Quảng Trị",
        "representative": {"name": "Trần Thị Hương", "title": "Giám đốc"}
    })
}

fn project_line(code: &str, zone: &str, refs: &[&str], history: Option<Value>) -> Value {
    let each = 100_000_000_000i64 / refs.len() as i64;
    let investors: Vec<Value> = refs
        .iter()
        .map(|r| json!({"ref": r, "capital_vnd": each, "form": "cash"}))
        .collect();
    let mut p = json!({
        "type": "project", "project_code": code, "zone_code": zone,
        "name_vi": "Nhà máy chế biến gỗ Trường Sơn",
        "name_en": "Truong Son wood processing plant",
        "investors": investors,
        "objectives": [{"description": "Chế biến gỗ rừng trồng", "vsic_code": "1610"}],
        "total_capital_vnd": each * refs.len() as i64 + 50_000_000_000,
        "contributed_capital_vnd": each * refs.len() as i64,
        "mobilized_capital_vnd": 50_000_000_000i64,
        "duration_years": 50,
        "incentives": [{"description": "Miễn thuế nhập khẩu", "legal_basis": "Điều 15 Luật Đầu tư 2020"}]
    });
    if let Some(h) = history {
        p["certificate_history"] = h;
    }
    p
}

fn lease_line(code: &str, lot: &str, area: f64) -> Value {
    json!({"type": "lease", "project_code": code, "lot_code": lot, "area_m2": area, "start_date": "2015-04-01", "end_date": "2064-03-01"})
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Posts an import file as the admin.
async fn post_file(
    app: &TestApp,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.as_admin()
        .request(reqwest::Method::POST, &format!("/api/v1/imports{query}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Rows of every table an import writes, and the audit log.
async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "investors",
        "projects",
        "project_investors",
        "leases",
        "imports",
        "project_paper_histories",
        "audit_events",
    ] {
        out.push(count(app, t).await);
    }
    out
}

async fn project_by_code(app: &TestApp, code: &str) -> Value {
    let list = app.as_admin().get_json("/api/v1/projects?limit=200").await;
    let found: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["project_code"] == code)
        .collect();
    assert_eq!(found.len(), 1, "{list}");
    found[0].clone()
}

/// A file of two investors (one already registered, matched), a project with a paper history
/// of two changes, one without, and a lease.
async fn sample_file(app: &TestApp) -> String {
    zone_with_parcels(app, "KCN-IMP").await;
    app.create_investor(company_body("Công ty Cổ phần Đã Có", "3200777001"))
        .await;
    ndjson(&[
        investor_line("I1", "Công ty TNHH Gỗ Trường Sơn", "3200777002"),
        investor_line("I2", "Công ty Cổ phần Đã Có", "3200777001"),
        project_line(
            "2310001234",
            "KCN-IMP",
            &["I1", "I2"],
            Some(
                json!({"first_issued_on": "2015-03-02", "last_change_no": 2, "last_change_on": "2021-08-16"}),
            ),
        ),
        project_line("2310005678", "KCN-IMP", &["I1"], None),
        lease_line("2310001234", "CN-01", 6_000.5),
    ])
}

#[tokio::test]
async fn an_imported_projects_next_certificate_is_change_n_plus_one_with_the_paper_first_issue_date()
 {
    let app = TestApp::spawn().await;
    let file = sample_file(&app).await;
    let before = counts(&app).await;

    // Dry run: the report, and nothing changed.
    let resp = post_file(
        &app,
        "?dry_run=true",
        "application/x-ndjson",
        file.clone().into(),
    )
    .await;
    let report = json_of(resp, StatusCode::OK).await;
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["format"], "ndjson");
    assert_eq!(report["lines"], 5);
    assert_eq!(
        report["records"],
        json!({"investors": 2, "projects": 2, "leases": 1})
    );
    assert_eq!(
        report["counts"],
        json!({"investors_created": 1, "investors_matched": 1, "projects": 2, "projects_with_history": 1, "leases": 1})
    );
    assert!(report.get("import").is_none());
    assert_eq!(counts(&app).await, before, "a dry run changes nothing");

    // Commit.
    let resp = post_file(
        &app,
        "?file_name=du-an-cu.ndjson",
        "application/x-ndjson; charset=utf-8",
        file.into(),
    )
    .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let report = json_of(resp, StatusCode::CREATED).await;
    assert_eq!(report["dry_run"], false);
    let import_id = report["import"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/imports/{import_id}"));
    let batch = app.as_admin().get_json(&location).await;
    assert_eq!(batch["file_name"], "du-an-cu.ndjson");
    assert_eq!(batch["actor_name"], "admin");
    assert_eq!(batch["counts"]["projects_with_history"], 1);
    assert_eq!(
        batch["file_sha256"].as_str().unwrap().len(),
        64,
        "the file's SHA-256"
    );
    let list = app.as_admin().get_json("/api/v1/imports").await;
    assert_eq!(list["items"][0]["id"], import_id.as_str());

    // The project with a history is registered and shows its paper history, marked imported.
    let p = project_by_code(&app, "2310001234").await;
    assert_eq!(p["status"], "registered");
    assert_eq!(p["code_source"], "national");
    assert_eq!(
        p["paper_history"],
        json!({"first_issued_on": "2015-03-02", "last_change_no": 2, "last_change_on": "2021-08-16", "import_id": import_id})
    );
    assert_eq!(p["investors"].as_array().unwrap().len(), 2);
    let plain = project_by_code(&app, "2310005678").await;
    assert_eq!(plain["status"], "draft");
    assert!(plain.get("paper_history").is_none());
    let pid = p["id"].as_str().unwrap();
    // The console's project page says so too (its session cookie carries the API token).
    let html = app
        .client
        .get(app.url(&format!("/console/projects/{pid}")))
        .header("cookie", format!("irs_console={}", app.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Giấy chứng nhận bản giấy (nhập từ hồ sơ cũ)")
            && html.contains("cấp lần đầu ngày 02/03/2015; thay đổi lần thứ 2, ngày 16/08/2021"),
        "{html}"
    );
    let leases = app
        .as_admin()
        .get_json(&format!("/api/v1/projects/{pid}/leases"))
        .await;
    assert_eq!(leases["items"][0]["area_m2"], 6000.5);

    // The next certificate: change 3, first issued on the paper date.
    let approver = app.approver_token("imp-approver").await;
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    assert_eq!(d["first_issued_on"], "2015-03-02");
    let c = json_of(
        approve(&app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["version"], 3);
    assert_eq!(c["version_label"], "Chứng nhận thay đổi lần thứ 3");
    assert_eq!(c["first_issued_on"], "2015-03-02");
    // Then the registry's own versions continue from the last one.
    let next = issue_change(
        &app,
        &p,
        &approver,
        "Nhà máy chế biến gỗ Trường Sơn mở rộng",
    )
    .await;
    assert_eq!(next["version"], 4);
    assert_eq!(next["first_issued_on"], "2015-03-02");
}

#[tokio::test]
async fn a_file_with_errors_on_several_lines_reports_every_one_and_changes_nothing() {
    let app = TestApp::spawn().await;
    zone_with_parcels(&app, "KCN-ERR").await;
    app.create_project(crate::helpers::project_body(
        &[app
            .create_investor(company_body("Công ty Có Sẵn", "3200666001"))
            .await["id"]
            .as_str()
            .unwrap()],
        None,
    ))
    .await;
    let existing_code =
        app.as_admin().get_json("/api/v1/projects").await["items"][0]["project_code"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut future = project_line("2310000002", "KCN-ERR", &["I1"], None);
    future["certificate_history"] = json!({"first_issued_on": "2099-01-01", "last_change_no": 1, "last_change_on": "2015-01-01"});
    let file = ndjson(&[
        investor_line("I1", "Công ty TNHH Hợp Lệ", "3200666002"),
        // 2: unknown investor reference.
        project_line("2310000001", "KCN-ERR", &["I9"], None),
        // 3: a future first issue and a last change before it.
        future,
        // 4: a code already registered.
        project_line(&existing_code, "KCN-ERR", &["I1"], None),
        // 5: the same code as line 2.
        project_line("2310000001", "KCN-ERR", &["I1"], None),
        // 6: an unknown zone.
        project_line("2310000003", "KCN-NONE", &["I1"], None),
        // 7: more land than the parcel has.
        lease_line("2310000001", "CN-02", 9_000.0),
        // 8: an unknown parcel.
        lease_line("2310000001", "CN-99", 100.0),
    ]) + "{not json\n";
    let before = counts(&app).await;
    for query in ["?dry_run=true", ""] {
        let resp = post_file(&app, query, "application/x-ndjson", file.clone().into()).await;
        let problem = assert_problem(resp, 422, "validation").await;
        let got: Vec<(u64, String, String)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for expected in [
            (2, "investors[0].ref", "unknown_ref"),
            (3, "certificate_history.first_issued_on", "in_future"),
            (
                3,
                "certificate_history.last_change_on",
                "before_first_issue",
            ),
            (4, "project_code", "already_registered"),
            (5, "project_code", "duplicate"),
            (6, "zone_code", "not_found"),
            (8, "lot_code", "not_found"),
            (9, "", "invalid_json"),
        ] {
            assert!(
                got.contains(&(expected.0, expected.1.to_owned(), expected.2.to_owned())),
                "{expected:?} in {got:?}"
            );
        }
        // Line 7's lease names the project of line 2, whose own line is invalid: the lease is
        // not blamed for it (its area is checked once the project is valid, below).
        assert!(got.iter().all(|(line, _, _)| *line != 1), "line 1 is valid");
        let lines: Vec<u64> = got.iter().map(|g| g.0).collect();
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        assert_eq!(lines, sorted, "in line order");
        let first = &problem["errors"][0]["message"];
        assert!(
            first.as_str().unwrap().contains(" ("),
            "Vietnamese first, English in brackets: {first}"
        );
        assert!(
            problem["detail"].as_str().unwrap().starts_with("Tệp có"),
            "{problem}"
        );
        assert_eq!(counts(&app).await, before, "nothing changed ({query})");
    }

    // A lease over the parcel's area, with everything else valid, is reported on its line.
    let file = ndjson(&[
        investor_line("I1", "Công ty TNHH Hợp Lệ", "3200666002"),
        project_line("2310000001", "KCN-ERR", &["I1"], None),
        lease_line("2310000001", "CN-02", 9_000.0),
    ]);
    let resp = post_file(&app, "", "application/x-ndjson", file.into()).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["line"], 3);
    assert_eq!(problem["errors"][0]["field"], "area_m2");
    assert_eq!(problem["errors"][0]["code"], "exceeds_parcel");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn a_csv_file_with_a_byte_order_mark_keeps_its_vietnamese_text() {
    let app = TestApp::spawn().await;
    zone_with_parcels(&app, "KCN-CSV").await;
    let investors = r#"[{"ref":"NĐT-1","capital_vnd":100000000000,"form":"cash","schedule":"Góp đủ trong 90 ngày"}]"#;
    let objectives = r#"[{"description":"Sản xuất đồ gỗ nội thất xuất khẩu","vsic_code":"3100"}]"#;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "type",
        "ref",
        "kind",
        "name",
        "nationality",
        "document.doc_type",
        "document.number",
        "representative.name",
        "representative.title",
        "head_office_address",
        "project_code",
        "zone_code",
        "name_vi",
        "investors",
        "objectives",
        "total_capital_vnd",
        "contributed_capital_vnd",
        "mobilized_capital_vnd",
        "duration_years",
        "certificate_history.first_issued_on",
        "certificate_history.last_change_no",
        "lot_code",
        "area_m2",
        "start_date",
        "end_date",
    ])
    .unwrap();
    let blank = |n: usize| vec![""; n];
    let mut inv = vec![
        "investor",
        "NĐT-1",
        "domestic_organization",
        "Công ty Cổ phần Lâm sản Đường Chín",
        "VN",
        "enterprise_code",
        "3200555001",
        "Nguyễn Thị Ánh Tuyết",
        "Tổng Giám đốc",
        "Số 12 Quốc lộ 9, xã Cam Lộ, tỉnh Quảng Trị",
    ];
    inv.extend(blank(15));
    w.write_record(&inv).unwrap();
    let mut proj = vec!["project"];
    proj.extend(blank(9));
    proj.extend([
        "2310009876",
        "KCN-CSV",
        "Nhà máy đồ gỗ Đường Chín – Quảng Trị",
        investors,
        objectives,
        "150000000000",
        "100000000000",
        "50000000000",
        "50",
        "2018-07-09",
        "0",
    ]);
    proj.extend(blank(4));
    w.write_record(&proj).unwrap();
    let mut lease = vec!["lease"];
    lease.extend(blank(9));
    lease.push("2310009876");
    lease.extend(blank(10));
    lease.extend(["CN-01", "2500.25", "2018-08-01", "2068-07-08"]);
    w.write_record(&lease).unwrap();
    let bytes = w.into_inner().unwrap();

    let resp = post_file(
        &app,
        "?dry_run=true",
        "text/csv; charset=utf-8",
        bytes.clone(),
    )
    .await;
    let report = json_of(resp, StatusCode::OK).await;
    assert_eq!(report["format"], "csv");
    assert_eq!(report["counts"]["leases"], 1);
    let resp = post_file(&app, "", "text/csv", bytes).await;
    json_of(resp, StatusCode::CREATED).await;

    let p = project_by_code(&app, "2310009876").await;
    assert_eq!(p["name_vi"], "Nhà máy đồ gỗ Đường Chín – Quảng Trị");
    assert_eq!(
        p["investors"][0]["investor_name"],
        "Công ty Cổ phần Lâm sản Đường Chín"
    );
    assert_eq!(p["investors"][0]["schedule"], "Góp đủ trong 90 ngày");
    assert_eq!(
        p["objectives"][0]["description"],
        "Sản xuất đồ gỗ nội thất xuất khẩu"
    );
    assert_eq!(p["paper_history"]["first_issued_on"], "2018-07-09", "{p}");
    assert_eq!(p["paper_history"]["last_change_no"], 0);
    let inv = app
        .as_admin()
        .get_json("/api/v1/investors?q=duong%20chin")
        .await;
    assert_eq!(
        inv["items"][0]["representative"]["name"],
        "Nguyễn Thị Ánh Tuyết"
    );

    // A CSV error names the spreadsheet row (the header is row 1).
    let bad = "type,ref,kind\ninvestor,X,nobody\n";
    let resp = post_file(&app, "?dry_run=true", "text/csv", bad.into()).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["line"], 2);
}

#[tokio::test]
async fn bad_bodies_get_clear_problems_and_large_files_are_accepted() {
    let app = TestApp::spawn().await;
    let resp = post_file(
        &app,
        "",
        "application/x-ndjson",
        b"{\"a\":\"\xff\"}\n".to_vec(),
    )
    .await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["code"], "not_utf8");
    let resp = post_file(&app, "", "application/x-ndjson", Vec::new()).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["code"], "empty");
    let resp = post_file(&app, "", "application/json", b"{}".to_vec()).await;
    assert_problem(resp, 415, "unsupported-media-type").await;
    let resp = post_file(&app, "", "text/csv", b"ref,kind\nA,B\n".to_vec()).await;
    let problem = assert_problem(resp, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "type");

    // Larger than MAX_BODY_BYTES (64 KB in tests): import files get the upload limit.
    let lines: Vec<Value> = (0..400)
        .map(|i| {
            investor_line(
                &format!("I{i}"),
                "Công ty TNHH Nhập Khẩu Thử Nghiệm Quảng Trị",
                &format!("3201{i:06}"),
            )
        })
        .collect();
    let file = ndjson(&lines);
    assert!(file.len() > 65_536);
    let resp = post_file(&app, "?dry_run=true", "application/x-ndjson", file.into()).await;
    let report = json_of(resp, StatusCode::OK).await;
    assert_eq!(report["counts"]["investors_created"], 400);
}

#[tokio::test]
async fn only_admins_import() {
    let app = TestApp::spawn().await;
    let file = ndjson(&[investor_line("I1", "Công ty TNHH Thử", "3200444001")]);
    for role in ["clerk", "officer", "approver"] {
        let token = app.user_token(&format!("imp-{role}"), &[role]).await;
        let resp = app
            .as_user(&token)
            .request(reqwest::Method::POST, "/api/v1/imports?dry_run=true")
            .header("content-type", "application/x-ndjson")
            .body(file.clone())
            .send()
            .await
            .unwrap();
        assert_problem(resp, 403, "forbidden").await;
        let resp = app.as_user(&token).get("/api/v1/imports").await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role}");
    }
    let resp = app
        .anonymous()
        .request(reqwest::Method::POST, "/api/v1/imports")
        .header("content-type", "application/x-ndjson")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn imported_records_reach_the_feed_and_replaying_it_gives_the_snapshot() {
    let app = TestApp::spawn().await;
    let file = sample_file(&app).await;
    let resp = post_file(&app, "", "application/x-ndjson", file.into()).await;
    json_of(resp, StatusCode::CREATED).await;
    let key = agency_key(&app, &["feed:read", "personal:read"]).await;
    let (events, last) = drain(&app, &key, "0", 1000).await;
    let actions: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for action in ["investor.import", "project.import", "lease.import"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let (head, snap, _) = snapshot(&app, &key).await;
    assert_eq!(head["cursor"], last);
    let rebuilt = replay(&events);
    assert_eq!(rebuilt.len(), snap.len());
    for (k, v) in &snap {
        assert_eq!(rebuilt.get(k), Some(v), "{k:?}");
    }
    let imported = snap
        .iter()
        .find(|((kind, _), v)| kind == "project" && v["project_code"] == "2310001234")
        .unwrap();
    assert_eq!(imported.1["paper_history"]["last_change_no"], 2);
}

fn cli(db: &TestDb, args: &[&str]) -> Output {
    let settings = test_settings(db);
    Command::new(env!("CARGO_BIN_EXE_invest-registry"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", &settings.database_url)
        .env("DATA_DIR", &settings.data_dir)
        .env("LOG_LEVEL", "error")
        .env("BOOTSTRAP_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_command_line_checks_then_imports_a_file() {
    let db = TestDb::create().await;
    // The demo zones and parcels: KCN-NDH has CN-02 free.
    let out = cli(&db, &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("du-an.ndjson");
    std::fs::write(
        &file,
        ndjson(&[
            investor_line("I1", "Công ty TNHH Gỗ Trường Sơn", "3200888001"),
            project_line(
                "2310004321",
                "KCN-NDH",
                &["I1"],
                Some(json!({"first_issued_on": "2016-01-04", "last_change_no": 1, "last_change_on": "2019-02-01"})),
            ),
            lease_line("2310004321", "CN-02", 1_000.0),
        ]),
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let out = cli(&db, &["import", path, "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("would create: 1 nhà đầu tư mới / new investors"),
        "{stdout}"
    );
    // Standard error is not a terminal here: no progress line.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("records"));

    let out = cli(&db, &["import", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("đã nhập / imported"), "{stdout}");
    // Every row came with its event on the hash chain.
    let out = cli(&db, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Again: every project is now registered, so the file is refused line by line.
    let out = cli(&db, &["import", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("dòng / line 2: project_code:"), "{stdout}");
    assert!(stdout.contains("dòng / line 3: lot_code:"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"));

    // Unknown extension without --format.
    let other = dir.path().join("du-an.txt");
    std::fs::copy(&file, &other).unwrap();
    let out = cli(&db, &["import", other.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));
    let out = cli(
        &db,
        &[
            "import",
            other.to_str().unwrap(),
            "--format",
            "ndjson",
            "--dry-run",
        ],
    );
    assert!(!out.status.success(), "already imported");
}

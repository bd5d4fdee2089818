//! CSV exports, read as a spreadsheet program and an agency read them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    dossiers::{desk, intake},
    feed::{agency_key, with_key},
    helpers::{TestApp, assert_problem, company_body, foreigner_body},
    issuing::issued,
};

/// Reads a CSV export: checks the headers and the byte-order mark, returns the rows as maps
/// from the header's column names.
async fn csv_rows(resp: reqwest::Response) -> Vec<std::collections::BTreeMap<String, String>> {
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.url());
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.starts_with("attachment; filename=\"") && cd.ends_with(".csv\""),
        "{cd}"
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 byte-order mark first"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("well-formed CSV");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn investors_export_keeps_diacritics_neutralises_formulas_and_hides_personal_data() {
    let app = TestApp::spawn().await;
    let mut company = company_body("Công ty Cổ phần Đầu tư Hải Đăng Quảng Trị", "3200999888");
    company["note"] = json!("=HYPERLINK(\"http://evil.example\",\"Bấm\")");
    app.create_investor(company).await;
    let mut person = foreigner_body("Lê Thị Ánh Nguyệt", "045180001234", "VN");
    person["kind"] = json!("domestic_individual");
    person["sex"] = json!("female");
    person["document"] = json!({"doc_type": "cccd", "number": "045180001234", "issue_date": "2021-05-10", "issuer": "Cục Cảnh sát QLHC về TTXH"});
    person["permanent_address"] = json!("Số 5 Hùng Vương, phường Đông Hà, tỉnh Quảng Trị");
    app.create_investor(person).await;

    let rows = csv_rows(app.get("/api/v1/exports/investors.csv").await).await;
    assert_eq!(rows.len(), 2);
    let company = rows
        .iter()
        .find(|r| r["document.number"] == "3200999888")
        .expect("the company");
    assert_eq!(company["name"], "Công ty Cổ phần Đầu tư Hải Đăng Quảng Trị");
    assert_eq!(
        company["note"],
        "'=HYPERLINK(\"http://evil.example\",\"Bấm\")"
    );
    assert_eq!(company["representative.doc_number"], "045089001234");
    let person = rows
        .iter()
        .find(|r| r["name"] == "Lê Thị Ánh Nguyệt")
        .unwrap();
    assert_eq!(person["document.number"], "045180001234");
    assert_eq!(person["date_of_birth"], "1980-07-21");

    // The same filters as the list.
    let rows = csv_rows(
        app.get("/api/v1/exports/investors.csv?kind=domestic_organization")
            .await,
    )
    .await;
    assert_eq!(rows.len(), 1);
    let rows = csv_rows(app.get("/api/v1/exports/investors.csv?q=hai%20dang").await).await;
    assert_eq!(rows.len(), 1, "words without diacritics find the company");

    // An agency without personal:read gets empty cells where personal data would be.
    let key = agency_key(&app, &["registry:read"]).await;
    let rows = csv_rows(with_key(&app, &key, "/api/v1/exports/investors.csv").await).await;
    let person = rows
        .iter()
        .find(|r| r["name"] == "Lê Thị Ánh Nguyệt")
        .unwrap();
    for field in [
        "document.number",
        "date_of_birth",
        "permanent_address",
        "current_address",
    ] {
        assert_eq!(person[field], "", "{field}");
    }
    assert_eq!(person["nationality"], "VN");
    let company = rows.iter().find(|r| r["tax_code"] == "3200999888").unwrap();
    assert_eq!(
        company["document.number"], "3200999888",
        "a company's number is public"
    );
    assert_eq!(company["representative.doc_number"], "");
    let key = agency_key(&app, &["registry:read", "personal:read"]).await;
    let rows = csv_rows(with_key(&app, &key, "/api/v1/exports/investors.csv").await).await;
    assert!(rows.iter().any(|r| r["document.number"] == "045180001234"));

    // Without the scope: 403; unknown filters values: 400.
    let key = agency_key(&app, &["stats:read"]).await;
    let resp = with_key(&app, &key, "/api/v1/exports/investors.csv").await;
    assert_problem(resp, 403, "forbidden").await;
    let resp = app.get("/api/v1/exports/investors.csv?kind=alien").await;
    assert_problem(resp, 400, "bad-request").await;
}

#[tokio::test]
async fn every_list_exports_with_its_filters() {
    let app = TestApp::spawn().await;
    let (project, cert, _) = issued(&app, "KCN-EX").await;
    let pid = project["id"].as_str().unwrap();
    let zone_id = project["zone_id"].as_str().unwrap();
    let d = desk(&app).await;
    let dossier = intake(&app, &d, "irc_issue", &app.now().date_naive().to_string()).await;

    let rows = csv_rows(app.get("/api/v1/exports/projects.csv").await).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], pid);
    assert_eq!(rows[0]["name_vi"], "Nhà máy sản xuất linh kiện điện tử");
    assert_eq!(rows[0]["status"], "registered");
    let investors: Value = serde_json::from_str(&rows[0]["investors"]).unwrap();
    assert_eq!(investors.as_array().unwrap().len(), 1);
    let rows = csv_rows(app.get("/api/v1/exports/projects.csv?status=draft").await).await;
    assert!(rows.is_empty());

    let rows = csv_rows(
        app.get(&format!("/api/v1/exports/parcels.csv?zone_id={zone_id}"))
            .await,
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["lot_code"], "CN-01");
    assert_eq!(rows[0]["status"], "leased");
    let rows = csv_rows(
        app.get(&format!(
            "/api/v1/exports/parcels.csv?zone_id={zone_id}&status=available"
        ))
        .await,
    )
    .await;
    assert!(rows.is_empty());

    let rows = csv_rows(app.get("/api/v1/exports/leases.csv").await).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["project_id"], pid);
    assert_eq!(rows[0]["active"], "true");

    let rows = csv_rows(
        app.get(&format!(
            "/api/v1/exports/certificates.csv?project_id={pid}"
        ))
        .await,
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], cert["id"].as_str().unwrap());
    assert_eq!(rows[0]["status"], "in_force");
    assert_eq!(rows[0]["kind"], "issued");

    let rows = csv_rows(app.get("/api/v1/exports/dossiers.csv").await).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["receipt_code"],
        dossier["dossier"]["receipt_code"].as_str().unwrap()
    );
    assert_eq!(
        rows[0]["applicant.name"],
        "Công ty TNHH Điện tử Ánh Dương Quảng Trị"
    );
    assert_eq!(rows[0]["status"], "received");
    let rows = csv_rows(
        app.get("/api/v1/exports/dossiers.csv?status=result_returned")
            .await,
    )
    .await;
    assert!(rows.is_empty());

    // Wrong parents are 404 before the file starts.
    let nobody = uuid::Uuid::now_v7();
    for path in [
        format!("/api/v1/exports/parcels.csv?zone_id={nobody}"),
        format!("/api/v1/exports/leases.csv?project_id={nobody}"),
        format!("/api/v1/exports/certificates.csv?project_id={nobody}"),
    ] {
        assert_problem(app.get(&path).await, 404, "not-found").await;
    }
    let rows = csv_rows(app.get("/api/v1/exports/parcels.csv").await).await;
    assert_eq!(rows.len(), 1, "without a zone: every parcel");
    let resp = app
        .get("/api/v1/exports/dossiers.csv?received_from=2026-02-01&received_to=2026-01-01")
        .await;
    assert_problem(resp, 400, "bad-request").await;
}

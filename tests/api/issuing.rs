//! Shared steps for tests that need issued certificates: lease, draft, approve, download, and
//! the external tools a recipient would use.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// True when the tool can run. With `REQUIRE_PDF_VALIDATORS=1` (CI) a missing tool fails the
/// test instead of skipping the check.
pub fn have(tool: &str) -> bool {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("REQUIRE_PDF_VALIDATORS").as_deref() != Ok("1"),
            "{tool} is required (REQUIRE_PDF_VALIDATORS=1) but not installed"
        );
        eprintln!("note: {tool} not installed; that check is skipped");
    }
    ok
}

pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("tool runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text of a PDF, as `pdftotext -layout` extracts it.
pub fn pdftotext_of(dir: &std::path::Path, pdf: &[u8]) -> String {
    let f = dir.join("t.pdf");
    std::fs::write(&f, pdf).unwrap();
    run(Command::new("pdftotext").args(["-layout"]).arg(&f).arg("-"))
}

/// Leases the parcel to the project so the certificate states land.
pub async fn lease(app: &TestApp, project: &Value, parcel: &Value) {
    let resp = app
        .post(
            &format!("/api/v1/projects/{}/leases", project["id"].as_str().unwrap()),
            &json!({"parcel_id": parcel["id"], "area_m2": 5230, "start_date": "2026-12-01", "end_date": "2060-11-30"}),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{}",
        resp.text().await.unwrap()
    );
}

/// Drafts the project's next certificate as the default officer.
pub async fn draft(app: &TestApp, project_id: &str) -> reqwest::Response {
    app.as_officer()
        .post(
            &format!("/api/v1/projects/{project_id}/certificates"),
            &json!({"dossier_received_on": "2026-11-20"}),
        )
        .await
}

/// Approves a draft with an approver's token.
pub async fn approve(app: &TestApp, approver: &str, cert_id: &str) -> reqwest::Response {
    app.as_user(approver)
        .post_empty(&format!("/api/v1/certificates/{cert_id}/approve"))
        .await
}

/// Asserts the status and parses the JSON body.
pub async fn json_of(resp: reqwest::Response, status: StatusCode) -> Value {
    let got = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A registered project with version 0 issued: (project, certificate, approver token).
pub async fn issued(app: &TestApp, code: &str) -> (Value, Value, String) {
    let (_zone, parcel, project) = app.zone_parcel_project(code).await;
    lease(app, &project, &parcel).await;
    let approver = app
        .approver_token(&format!("ld-{}", code.to_lowercase()))
        .await;
    let pid = project["id"].as_str().unwrap();
    let d = json_of(draft(app, pid).await, StatusCode::CREATED).await;
    let c = json_of(
        approve(app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    (project, c, approver)
}

/// Downloads an issued version's PDF, checking its headers.
pub async fn pdf_bytes(app: &TestApp, cert_id: &str) -> Vec<u8> {
    let resp = app
        .get(&format!("/api/v1/certificates/{cert_id}/pdf"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cd.starts_with("attachment; filename=\"GCNDKDT-"), "{cd}");
    resp.bytes().await.unwrap().to_vec()
}

/// Runs a lifecycle action (`suspend`, `resume`, `revoke`) on a certificate as an approver and
/// returns the certificate as it is afterwards.
pub async fn act(app: &TestApp, approver: &str, cert: &Value, action: &str, body: Value) -> Value {
    let id = cert["id"].as_str().unwrap();
    let resp = app
        .as_user(approver)
        .post(&format!("/api/v1/certificates/{id}/{action}"), &body)
        .await;
    json_of(resp, StatusCode::OK).await
}

/// Renames the project, then drafts and approves the change: the next version, issued.
pub async fn issue_change(app: &TestApp, project: &Value, approver: &str, name_vi: &str) -> Value {
    let pid = project["id"].as_str().unwrap();
    let p = json_of(
        app.get(&format!("/api/v1/projects/{pid}")).await,
        StatusCode::OK,
    )
    .await;
    let resp = app
        .patch(
            &format!("/api/v1/projects/{pid}"),
            Some(&format!("\"{}\"", p["version"])),
            &json!({ "name_vi": name_vi }),
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let d = json_of(draft(app, pid).await, StatusCode::CREATED).await;
    json_of(
        approve(app, approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await
}

/// The seal of an issued certificate.
pub fn seal_of(cert: &Value) -> String {
    cert["seal"].as_str().unwrap().to_owned()
}

/// Identity numbers, addresses and birth dates (as stored and as a page would print them) of a
/// certificate's investors: what public answers must never show.
pub fn personal_data(cert: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for inv in cert["content"]["investors"].as_array().unwrap() {
        for key in [
            "permanent_address",
            "current_address",
            "head_office_address",
            "tax_code",
        ] {
            if let Some(v) = inv[key].as_str() {
                found.push(v.to_owned());
            }
        }
        if let Some(d) = inv["date_of_birth"].as_str() {
            found.push(d.to_owned());
            let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
            found.push(date.format("%d/%m/%Y").to_string());
        }
        for n in [
            &inv["document"]["number"],
            &inv["representative"]["document"]["number"],
        ] {
            if let Some(n) = n.as_str() {
                found.push(n.to_owned());
            }
        }
    }
    found
}

/// Fails when any of `personal` appears in `text`.
pub fn assert_no_personal_data(text: &str, personal: &[String]) {
    for p in personal {
        assert!(
            !text.contains(p.as_str()),
            "{p:?} leaked into a public answer"
        );
    }
}

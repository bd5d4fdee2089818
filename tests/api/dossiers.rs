//! One-stop dossiers: statutory deadlines worked through the API on the real calendar, the whole
//! flow from an online submission to the certificate issued as its result, what the public sees
//! without the secret, wrong roles and wrong steps, late results and apologies, receipt codes
//! under concurrency, hostile uploads, and statistics recomputed from the rows.

use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::{StatusCode, multipart};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, assert_problem, error_fields},
    issuing::{approve, issued, json_of},
};

/// Sets the app's clock to a time in Vietnam (UTC+7).
fn at(app: &TestApp, date: &str, hour: u32) {
    let d: NaiveDate = date.parse().unwrap();
    let local = d.and_hms_opt(hour, 0, 0).unwrap();
    app.clock
        .set(Utc.from_utc_datetime(&(local - chrono::Duration::hours(7))));
}

/// The desk's staff, signed in before the clock is moved back (their sessions then last
/// through every earlier date a test visits).
pub(crate) struct Desk {
    clerk: String,
    officer: String,
    approver: String,
}

pub(crate) async fn desk(app: &TestApp) -> Desk {
    Desk {
        clerk: app.user_token("clerk1", &["clerk"]).await,
        officer: app.token.clone(),
        approver: app.approver_token("leader1").await,
    }
}

/// The checklist codes of a procedure's rule in force on a day.
pub(crate) async fn required_docs(app: &TestApp, code: &str, on: &str) -> Vec<String> {
    let list = app
        .anonymous()
        .get_json(&format!("/api/v1/procedures?on={on}"))
        .await;
    let rule = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} in force on {on}"));
    rule["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["required"] == true)
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn applicant() -> Value {
    json!({
        "kind": "organization",
        "name": "Công ty TNHH Điện tử Ánh Dương Quảng Trị",
        "id_number": "3200712345",
        "address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
        "phone": "0233 3851 234",
        "email": "phaply@anhduong.vn"
    })
}

/// Takes a complete dossier in at the desk; returns the created answer.
pub(crate) async fn intake(app: &TestApp, d: &Desk, procedure: &str, on: &str) -> Value {
    let provided = required_docs(app, procedure, on).await;
    let resp = app
        .as_user(&d.clerk)
        .post(
            "/api/v1/dossiers",
            &json!({
                "procedure_code": procedure,
                "applicant": applicant(),
                "subject": "Dự án Nhà máy linh kiện điện tử Ánh Dương",
                "provided": provided,
                "complete": true
            }),
        )
        .await;
    json_of(resp, StatusCode::CREATED).await
}

async fn step(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.as_user(token)
        .post(&format!("/api/v1/dossiers/{id}/steps"), &body)
        .await
}

async fn step_ok(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    json_of(step(app, token, id, body).await, StatusCode::OK).await
}

/// A small, well-formed one-page PDF.
pub fn tiny_pdf(title: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Title ({title}) >>"),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A 1 x 1 PNG.
pub fn tiny_png() -> Vec<u8> {
    data_encoding::BASE64
        .decode(b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap()
}

/// A file to send: its checklist code, its name and its bytes.
type File<'a> = (&'a str, &'a str, Vec<u8>);

fn form(submission: &Value, files: Vec<File<'_>>) -> multipart::Form {
    let mut f = multipart::Form::new().part(
        "submission",
        multipart::Part::text(submission.to_string())
            .mime_str("application/json")
            .unwrap(),
    );
    for (code, name, bytes) in files {
        f = f
            .part(
                "files",
                multipart::Part::bytes(bytes).file_name(name.to_owned()),
            )
            .text("file_documents", code.to_owned());
    }
    f
}

async fn submit(app: &TestApp, submission: &Value, files: Vec<File<'_>>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/dossiers/submissions"))
        .multipart(form(submission, files))
        .send()
        .await
        .unwrap()
}

async fn dossier_count(app: &TestApp, token: &str) -> usize {
    let list = app
        .as_user(token)
        .get_json("/api/v1/dossiers?limit=200")
        .await;
    list["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn worked_deadlines_tet_a_swapped_saturday_a_holiday_and_the_rule_change_of_2025_09_03() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;

    // Received on Friday 13 February 2026, the last working day before Tết Bính Ngọ (no working
    // day from 14 to 22 February): 10 calendar days land on Monday 23 February; 7 working days
    // on Tuesday 3 March.
    at(&app, "2026-02-13", 9);
    let issue = intake(&app, &d, "irc_issue", "2026-02-13").await;
    assert_eq!(issue["dossier"]["status"], "received");
    assert_eq!(issue["dossier"]["deadline_value"], 10);
    assert_eq!(issue["dossier"]["deadline_unit"], "calendar_days");
    assert_eq!(issue["dossier"]["due_date"], "2026-02-23");
    let adjust = intake(&app, &d, "irc_adjust", "2026-02-13").await;
    assert_eq!(adjust["dossier"]["deadline_unit"], "working_days");
    assert_eq!(adjust["dossier"]["due_date"], "2026-03-03");
    assert!(
        issue["dossier"]["receipt_code"]
            .as_str()
            .unwrap()
            .starts_with("BQLKKT-260213-")
    );

    // A swapped Saturday: in 2025 Saturday 8 February was a working day (for Monday 27
    // January). Three working days from Wednesday 5 February end on it.
    at(&app, "2025-02-05", 10);
    let name = intake(&app, &d, "irc_adjust_name", "2025-02-05").await;
    assert_eq!(name["dossier"]["due_date"], "2025-02-08");

    // A last day on a holiday: 10 days from Monday 20 April 2026 is Thursday 30 April; 1 May
    // is a holiday too, then a weekend: the due date is Monday 4 May.
    at(&app, "2026-04-20", 9);
    let holiday = intake(&app, &d, "irc_issue", "2026-04-20").await;
    assert_eq!(holiday["dossier"]["due_date"], "2026-05-04");

    // The rule changed on 3 September 2025 (Decree 239/2025): other adjustments went from 10
    // calendar days to 7 working days. A dossier complete the day before keeps the old rule,
    // even when a supplement restarts its clock after the change.
    at(&app, "2025-09-02", 15);
    let before = intake(&app, &d, "irc_adjust", "2025-09-02").await;
    assert_eq!(before["dossier"]["deadline_value"], 10);
    assert_eq!(before["dossier"]["deadline_unit"], "calendar_days");
    assert_eq!(before["dossier"]["due_date"], "2025-09-12");
    at(&app, "2025-09-03", 9);
    let after = intake(&app, &d, "irc_adjust", "2025-09-03").await;
    assert_eq!(after["dossier"]["deadline_value"], 7);
    assert_eq!(after["dossier"]["deadline_unit"], "working_days");
    assert_ne!(
        after["dossier"]["procedure_id"],
        before["dossier"]["procedure_id"]
    );

    // A supplement stops the clock; the complete file restarts it from its own receipt.
    let id = before["dossier"]["id"].as_str().unwrap();
    at(&app, "2025-09-04", 10);
    let s = step_ok(
        &app,
        &d.officer,
        id,
        json!({"action": "request_supplement", "missing": "Bổ sung báo cáo tình hình triển khai dự án"}),
    )
    .await;
    assert_eq!(s["status"], "supplement_requested");
    assert!(s["due_date"].is_null(), "the clock is stopped: {s}");
    assert_eq!(
        s["supplement_request"],
        "Bổ sung báo cáo tình hình triển khai dự án"
    );
    at(&app, "2025-09-10", 14);
    let r = step_ok(&app, &d.clerk, id, json!({"action": "receive"})).await;
    assert_eq!(r["status"], "received");
    // Still the old rule (10 calendar days): 20 September is a Saturday, so Monday 22.
    assert_eq!(r["deadline_value"], 10);
    assert_eq!(r["procedure_id"], before["dossier"]["procedure_id"]);
    assert_eq!(r["due_date"], "2025-09-22");
    let log: Vec<(&str, Option<&str>)> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["action"].as_str().unwrap(), s["due_date"].as_str()))
        .collect();
    assert_eq!(
        log,
        [
            ("intake", None),
            ("receive", Some("2025-09-12")),
            ("request_supplement", None),
            ("receive", Some("2025-09-22")),
        ]
    );
}

#[tokio::test]
async fn an_online_submission_goes_through_every_step_to_a_certificate_the_applicant_downloads_and_rates()
 {
    let app = TestApp::spawn().await;
    let (project, _v0, approver) = issued(&app, "KCN-DOS").await;
    let pid = project["id"].as_str().unwrap();
    let clerk = app.user_token("clerk1", &["clerk"]).await;

    // The applicant submits online, no account: the two required documents as a PDF and a PNG.
    let docs = required_docs(
        &app,
        "irc_adjust_name",
        &app.now().format("%Y-%m-%d").to_string(),
    )
    .await;
    assert_eq!(docs, ["request", "name_change"]);
    let mut who = applicant();
    who["kind"] = json!("individual");
    who["name"] = json!("Nguyễn Văn An");
    who["id_number"] = json!("045089001234");
    who["birth_date"] = json!("1985-04-12");
    let submission = json!({
        "procedure_code": "irc_adjust_name",
        "applicant": who,
        "subject": "Đổi tên dự án Nhà máy linh kiện điện tử Ánh Dương"
    });
    let resp = submit(
        &app,
        &submission,
        vec![
            ("request", "Văn bản đề nghị.pdf", tiny_pdf("De nghi")),
            ("name_change", "quyet-dinh-doi-ten.png", tiny_png()),
        ],
    )
    .await;
    let created = json_of(resp, StatusCode::CREATED).await;
    let code = created["receipt_code"].as_str().unwrap().to_owned();
    let secret = created["tracking_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["dossier"]["status"], "submitted");
    assert!(
        created["tracking_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/d/{code}"))
    );
    assert!(created["dossier"].get("holder").is_none());

    // The desk finds it, with its files checked by content.
    let list = app
        .as_user(&clerk)
        .get_json("/api/v1/dossiers?status=submitted")
        .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let full = app
        .as_user(&clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    let files = full["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["media_type"], "application/pdf");
    assert_eq!(files[1]["media_type"], "image/png");
    assert!(
        full["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["required"] == true)
            .all(|d| d["provided"] == true)
    );
    let png = app
        .as_user(&clerk)
        .get(&format!(
            "/api/v1/dossiers/{id}/attachments/{}",
            files[1]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.bytes().await.unwrap().to_vec(), tiny_png());

    // Every step, each by the role it belongs to.
    let received = step_ok(&app, &clerk, &id, json!({"action": "receive"})).await;
    assert_eq!(received["status"], "received");
    assert!(received["due_date"].is_string());
    step_ok(&app, &app.token, &id, json!({"action": "start_review"})).await;
    // The officer changes the name, drafts the certificate for the dossier; the leader issues it.
    let p = app
        .as_officer()
        .get_json(&format!("/api/v1/projects/{pid}"))
        .await;
    let resp = app
        .as_officer()
        .patch(
            &format!("/api/v1/projects/{pid}"),
            Some(&format!("\"{}\"", p["version"])),
            &json!({"name_vi": "Nhà máy linh kiện điện tử Ánh Dương Quảng Trị"}),
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let draft = json_of(
        app.as_officer()
            .post(
                &format!("/api/v1/projects/{pid}/certificates"),
                &json!({"dossier_id": id}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(draft["dossier_id"], json!(id));
    let cert = json_of(
        approve(&app, &approver, draft["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cert["version"], 1);
    let approved = app
        .as_user(&clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["result_certificate_id"], cert["id"]);
    assert_eq!(approved["project_id"], json!(pid));
    step_ok(&app, &clerk, &id, json!({"action": "return_result"})).await;

    // The log names who did what.
    let done = app
        .as_user(&clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    let log: Vec<(&str, &str)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap(),
                s["actor_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        log,
        [
            ("submit", "applicant"),
            ("receive", "user"),
            ("start_review", "user"),
            ("approve", "user"),
            ("return_result", "user"),
        ]
    );
    let names: Vec<&str> = done["steps"].as_array().unwrap()[1..]
        .iter()
        .map(|s| s["actor_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["clerk1", "officer", "ld-kcn-dos", "clerk1"]);

    // Without the secret, the public sees the procedure, the status and dates, nothing personal.
    let public = app
        .anonymous()
        .get(&format!("/api/v1/dossiers/lookup/{code}"))
        .await;
    assert_eq!(public.status(), StatusCode::OK);
    let text = public.text().await.unwrap();
    for personal in [
        "045089001234",
        "1985-04-12",
        "Lê Duẩn",
        "0233 3851 234",
        "phaply@anhduong.vn",
        "Nguyễn Văn An",
    ] {
        assert!(
            !text.contains(personal),
            "the public lookup shows {personal}: {text}"
        );
    }
    let public: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(public["status"], "result_returned");
    assert!(public.get("holder").is_none());
    assert_eq!(
        public["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "submitted",
            "received",
            "in_review",
            "approved",
            "result_returned"
        ]
    );
    // A wrong secret is refused, not ignored.
    let wrong = app
        .anonymous()
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/lookup/{code}"),
        )
        .header("Tracking-Secret", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 403, "forbidden").await;

    // With the secret: details, the result to download (the signed certificate itself), a rating.
    let mine = app
        .anonymous()
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/lookup/{code}"),
        )
        .header("Tracking-Secret", secret.to_lowercase())
        .send()
        .await
        .unwrap();
    let mine = json_of(mine, StatusCode::OK).await;
    assert_eq!(mine["holder"]["applicant"]["id_number"], "045089001234");
    assert_eq!(mine["holder"]["result_available"], true);
    assert_eq!(mine["holder"]["can_rate"], true);
    let result = app
        .anonymous()
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/lookup/{code}/result"),
        )
        .header("Tracking-Secret", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(result.status(), StatusCode::OK);
    let pdf = result.bytes().await.unwrap();
    let signed = app
        .as_officer()
        .get(&format!(
            "/api/v1/certificates/{}/pdf",
            cert["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pdf, signed, "the result is the signed PDF");
    let rate = |score: u8| {
        app.anonymous()
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/dossiers/lookup/{code}/rating"),
            )
            .header("Tracking-Secret", &secret)
            .json(&json!({"score": score, "comment": "Cán bộ hướng dẫn tận tình."}))
            .send()
    };
    // A comment holding what is never stored is refused, naming it, and rates nothing.
    let hostile = app
        .anonymous()
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/dossiers/lookup/{code}/rating"),
        )
        .header("Tracking-Secret", &secret)
        .json(&json!({"score": 5, "comment": "tốt\u{202E}lắm"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(hostile, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["comment:forbidden_character"]);
    let rated = json_of(rate(5).await.unwrap(), StatusCode::OK).await;
    assert_eq!(rated["holder"]["rating"]["score"], 5);
    assert_eq!(rated["holder"]["rating"]["label"], "Rất hài lòng");
    assert_problem(rate(1).await.unwrap(), 409, "conflict").await;
    let audit = app
        .as_admin()
        .get_json("/api/v1/audit?entity_type=dossier&limit=200")
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "dossier.submit",
        "dossier.receive",
        "dossier.start_review",
        "dossier.approve",
        "dossier.return_result",
        "dossier.rate",
    ] {
        assert!(actions.contains(&a), "audited: {a} in {actions:?}");
    }
}

#[tokio::test]
async fn wrong_roles_get_403_and_wrong_steps_409_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let created = intake(
        &app,
        &d,
        "irc_issue",
        &app.now().format("%Y-%m-%d").to_string(),
    )
    .await;
    let id = created["dossier"]["id"].as_str().unwrap();
    let before = app
        .as_user(&d.clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    // The officer may not take a dossier in, nor approve; a clerk may not start a review.
    let p = assert_problem(
        app.as_officer().post("/api/v1/dossiers", &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("clerk"));
    assert_problem(
        step(&app, &d.clerk, id, json!({"action": "start_review"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        step(
            &app,
            &d.officer,
            id,
            json!({"action": "refuse", "reason": "Không"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // A received dossier cannot be returned: 409 with the allowed next steps.
    let p = assert_problem(
        step(&app, &d.clerk, id, json!({"action": "return_result"})).await,
        409,
        "conflict",
    )
    .await;
    let allowed = p["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        allowed,
        "allowed next steps: request_supplement, start_review, approve, refuse"
    );
    // A certificate procedure is approved by issuing its certificate, not by a bare step.
    step_ok(&app, &d.officer, id, json!({"action": "start_review"})).await;
    assert_problem(
        step(&app, &d.approver, id, json!({"action": "approve"})).await,
        409,
        "conflict",
    )
    .await;
    // Required texts and unknown steps are named.
    let p = assert_problem(
        step(
            &app,
            &d.officer,
            id,
            json!({"action": "request_supplement"}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p), ["missing:required"]);
    let p = assert_problem(
        step(
            &app,
            &d.approver,
            id,
            json!({"action": "refuse", "reason": "  "}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p), ["reason:required"]);
    let p = assert_problem(
        step(&app, &d.clerk, id, json!({"action": "teleport"})).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p).len(), 1);
    assert!(error_fields(&p)[0].starts_with("action:"), "{p}");
    assert_problem(
        step(
            &app,
            &d.clerk,
            "019ad001-0000-7000-8000-00000000dead",
            json!({"action": "receive"}),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    // Refusing needs reasons and is final once returned.
    let refused = step_ok(
        &app,
        &d.approver,
        id,
        json!({"action": "refuse", "reason": "Dự án không phù hợp quy hoạch khu công nghiệp."}),
    )
    .await;
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["next_actions"], json!(["return_result"]));
    step_ok(&app, &d.clerk, id, json!({"action": "return_result"})).await;
    let p = assert_problem(
        step(&app, &d.clerk, id, json!({"action": "receive"})).await,
        409,
        "conflict",
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("none (the dossier is closed)")
    );
    // Refused steps changed nothing: the log has exactly the steps that were taken.
    let after = app
        .as_user(&d.clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    assert_eq!(
        after["steps"].as_array().unwrap().len(),
        before["steps"].as_array().unwrap().len() + 3
    );
}

#[tokio::test]
async fn a_late_result_needs_an_apology_with_a_new_date_printed_as_a_letter() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    at(&app, "2026-06-01", 9);
    let created = intake(&app, &d, "irc_adjust_name", "2026-06-01").await;
    let id = created["dossier"]["id"].as_str().unwrap();
    assert_eq!(created["dossier"]["due_date"], "2026-06-04");
    assert_eq!(created["dossier"]["working_days_left"], 3);
    step_ok(&app, &d.officer, id, json!({"action": "start_review"})).await;
    // Past the due date: flagged overdue, and listed as such.
    at(&app, "2026-06-08", 9);
    let late = app
        .as_user(&d.clerk)
        .get_json(&format!("/api/v1/dossiers/{id}"))
        .await;
    assert_eq!(late["overdue"], true);
    assert_eq!(late["late_by_working_days"], 2);
    let overdue = app
        .as_user(&d.clerk)
        .get_json("/api/v1/dossiers?overdue=true")
        .await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    let fine = app
        .as_user(&d.clerk)
        .get_json("/api/v1/dossiers?overdue=false")
        .await;
    assert!(fine["items"].as_array().unwrap().is_empty());
    // The notice procedure is decided by a bare step; returning it late needs an apology.
    let notice = intake(&app, &d, "suspension_notice", "2026-06-08").await;
    let nid = notice["dossier"]["id"].as_str().unwrap();
    step_ok(&app, &d.approver, nid, json!({"action": "approve"})).await;
    at(&app, "2026-06-22", 9);
    let p = assert_problem(
        step(&app, &d.clerk, nid, json!({"action": "return_result"})).await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(error_fields(&p), ["apology:required"]);
    // The new date must be a later working day, not in the past.
    let path = format!("/api/v1/dossiers/{nid}/apologies");
    let p = assert_problem(
        app.as_user(&d.clerk)
            .post(
                &path,
                &json!({"reason": "Chờ ý kiến Sở Tài chính", "new_date": "2026-06-27"}),
            )
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p), ["new_date:not_a_working_day"]);
    let resp = app
        .as_user(&d.clerk)
        .post(&path, &json!({"reason": "Chờ ý kiến thẩm định của Sở Tài chính về vốn đầu tư.", "new_date": "2026-06-24"}))
        .await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let apology = json_of(resp, StatusCode::CREATED).await;
    assert_eq!(apology["new_date"], "2026-06-24");
    let letter = app.as_user(&d.clerk).get(&location).await;
    assert_eq!(letter.status(), StatusCode::OK);
    assert_eq!(letter.headers()["content-type"], "application/pdf");
    let pdf = letter.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if crate::issuing::have("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let text = crate::issuing::pdftotext_of(dir.path(), &pdf);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
            "{text}"
        );
        assert!(
            text.contains(notice["dossier"]["receipt_code"].as_str().unwrap()),
            "{text}"
        );
        assert!(
            text.contains("Chờ ý kiến thẩm định của Sở Tài chính về vốn đầu tư."),
            "{text}"
        );
        assert!(
            text.contains("thứ Hai, ngày 15 tháng 6 năm 2026"),
            "the due date: {text}"
        );
        assert!(
            text.contains("thứ Tư, ngày 24 tháng 6 năm 2026"),
            "the new date: {text}"
        );
    }
    let returned = step_ok(&app, &d.clerk, nid, json!({"action": "return_result"})).await;
    assert_eq!(returned["late"], true);
    assert_eq!(returned["promised_date"], "2026-06-24");
}

#[tokio::test]
async fn the_receipt_slip_carries_the_code_the_documents_the_due_date_the_secret_and_a_tracking_qr()
{
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    at(&app, "2026-02-13", 14);
    let created = intake(&app, &d, "irc_issue", "2026-02-13").await;
    let id = created["dossier"]["id"].as_str().unwrap();
    let code = created["dossier"]["receipt_code"].as_str().unwrap();
    let secret = created["tracking_secret"].as_str().unwrap();
    let slip = app
        .as_user(&d.clerk)
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/{id}/receipt"),
        )
        .header("Tracking-Secret", secret)
        .send()
        .await
        .unwrap();
    assert_eq!(slip.status(), StatusCode::OK);
    let pdf = slip.bytes().await.unwrap();
    // A wrong secret is not printed.
    let wrong = app
        .as_user(&d.clerk)
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/{id}/receipt"),
        )
        .header("Tracking-Secret", "NOPE")
        .send()
        .await
        .unwrap();
    assert_problem(wrong, 422, "validation").await;
    if !crate::issuing::have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = crate::issuing::pdftotext_of(dir.path(), &pdf);
    for needle in [
        code,
        secret,
        "GIẤY TIẾP NHẬN HỒ SƠ",
        "Văn bản đề nghị thực hiện dự án đầu tư",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the slip:\n{text}"
        );
    }
    assert!(
        text.contains("23 tháng 02 năm 2026") || text.contains("23/02/2026"),
        "due date:\n{text}"
    );
    if crate::issuing::have("pdftoppm") && crate::issuing::have("zbarimg") {
        std::fs::write(dir.path().join("slip.pdf"), &pdf).unwrap();
        crate::issuing::run(
            std::process::Command::new("pdftoppm")
                .args(["-r", "200", "-png", "-f", "1", "-l", "1"])
                .arg(dir.path().join("slip.pdf"))
                .arg(dir.path().join("slip")),
        );
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "png"))
            .unwrap();
        let out = crate::issuing::run(
            std::process::Command::new("zbarimg")
                .args(["-q", "--raw"])
                .arg(&png),
        );
        assert_eq!(
            out.lines().next().unwrap_or_default(),
            format!("http://verify.test/d/{code}")
        );
    }
}

#[tokio::test]
async fn concurrent_intake_on_two_instances_yields_unique_gapless_receipt_codes() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let clerk = app.user_token("clerk1", &["clerk"]).await;
    let provided = required_docs(
        &app,
        "irc_adjust_name",
        &app.now().format("%Y-%m-%d").to_string(),
    )
    .await;
    let body = json!({
        "procedure_code": "irc_adjust_name", "applicant": applicant(),
        "subject": "Đổi tên dự án", "provided": provided, "complete": true
    });
    let n = 12;
    let mut tasks = Vec::new();
    for i in 0..2 * n {
        let target = if i % 2 == 0 {
            app.url("/api/v1/dossiers")
        } else {
            other.url("/api/v1/dossiers")
        };
        let client = app.client.clone();
        let (clerk, body) = (clerk.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(target)
                .bearer_auth(clerk)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let v: Value = resp.json().await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{v}");
            v["dossier"]["receipt_code"].as_str().unwrap().to_owned()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    let day = invest_registry::domain::time::vietnam_date(app.now())
        .format("%y%m%d")
        .to_string();
    let expected: Vec<String> = (1..=2 * n)
        .map(|i| format!("BQLKKT-{day}-{i:04}"))
        .collect();
    assert_eq!(codes, expected);
}

#[tokio::test]
async fn hostile_submissions_are_refused_and_store_nothing() {
    let app = TestApp::spawn_with(&[("MAX_ATTACHMENT_BYTES", "65536")]).await;
    let clerk = app.user_token("clerk1", &["clerk"]).await;
    let submission = json!({
        "procedure_code": "irc_adjust_name", "applicant": applicant(), "subject": "Đổi tên dự án"
    });
    let good = || tiny_pdf("ok");
    let cases: Vec<(&str, Vec<File<'_>>, &str)> = vec![
        (
            "a PNG named .pdf",
            vec![
                ("request", "de-nghi.pdf", tiny_png()),
                ("name_change", "b.pdf", good()),
            ],
            "files[0]",
        ),
        (
            "a text named .pdf",
            vec![
                ("request", "de-nghi.pdf", b"Kinh gui Ban Quan ly".to_vec()),
                ("name_change", "b.pdf", good()),
            ],
            "files[0]",
        ),
        (
            "an oversized PDF",
            vec![
                ("request", "a.pdf", {
                    let mut p = good();
                    p.extend(std::iter::repeat_n(b' ', 70_000));
                    p
                }),
                ("name_change", "b.pdf", good()),
            ],
            "files[0]",
        ),
        (
            "a truncated PDF",
            vec![
                ("request", "a.pdf", good()),
                ("name_change", "b.pdf", good()[..40].to_vec()),
            ],
            "files[1]",
        ),
        (
            "a decompression bomb in a PDF",
            vec![
                ("request", "a.pdf", bomb_pdf()),
                ("name_change", "b.pdf", good()),
            ],
            "files[0]",
        ),
        (
            "a required document missing",
            vec![("request", "a.pdf", good())],
            "files",
        ),
        (
            "an unknown document code",
            vec![("request", "a.pdf", good()), ("nonsense", "b.pdf", good())],
            "files[1].document_code",
        ),
    ];
    for (what, files, field) in cases {
        let resp = submit(&app, &submission, files).await;
        let p = assert_problem(resp, 422, "validation").await;
        assert!(
            error_fields(&p)
                .iter()
                .any(|f| f.starts_with(&format!("{field}:"))),
            "{what}: {p}"
        );
    }
    // A body over the upload limit is a 413 before anything is read.
    assert_eq!(dossier_count(&app, &clerk).await, 0, "nothing was stored");
    let n: i64 = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.backend(),
                "SELECT COUNT(*) AS n FROM dossier_attachments",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "n").unwrap()
    };
    assert_eq!(n, 0);
}

/// A PDF whose one stream inflates to 256 MiB of zeros from a few hundred kilobytes.
fn bomb_pdf() -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        z.write_all(&zeros).unwrap();
    }
    let stream = z.finish().unwrap();
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    offsets.push(out.len());
    out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offsets.push(out.len());
    out.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    offsets.push(out.len());
    out.extend_from_slice(b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n");
    offsets.push(out.len());
    out.extend_from_slice(
        format!(
            "4 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            stream.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&stream);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[tokio::test]
async fn statistics_match_a_recomputation_from_the_rows() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    // Three dossiers in February 2026: one on time, one late (with an apology), one still open
    // and overdue; plus an online submission never received.
    at(&app, "2026-02-02", 9);
    let a = intake(&app, &d, "irc_adjust_name", "2026-02-02").await;
    let b = intake(&app, &d, "suspension_notice", "2026-02-02").await;
    let c = intake(&app, &d, "irc_adjust_name", "2026-02-02").await;
    let (a, b) = (
        a["dossier"]["id"].as_str().unwrap().to_owned(),
        b["dossier"]["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(c["dossier"]["due_date"], "2026-02-05");
    // A: refused on day 2 and returned on time.
    at(&app, "2026-02-04", 10);
    step_ok(
        &app,
        &d.approver,
        &a,
        json!({"action": "refuse", "reason": "Không đủ điều kiện đổi tên."}),
    )
    .await;
    step_ok(&app, &d.clerk, &a, json!({"action": "return_result"})).await;
    // B: approved, returned late after an apology.
    step_ok(&app, &d.approver, &b, json!({"action": "approve"})).await;
    at(&app, "2026-02-25", 9);
    let resp = app
        .as_user(&d.clerk)
        .post(
            &format!("/api/v1/dossiers/{b}/apologies"),
            &json!({"reason": "Chờ ý kiến", "new_date": "2026-02-26"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    at(&app, "2026-02-26", 9);
    step_ok(&app, &d.clerk, &b, json!({"action": "return_result"})).await;
    let submission = json!({"procedure_code": "irc_adjust_name", "applicant": applicant(), "subject": "Đổi tên"});
    let resp = submit(
        &app,
        &submission,
        vec![
            ("request", "a.pdf", tiny_pdf("a")),
            ("name_change", "b.pdf", tiny_pdf("b")),
        ],
    )
    .await;
    json_of(resp, StatusCode::CREATED).await;

    let api = app
        .as_user(&d.clerk)
        .get_json("/api/v1/stats/dossiers?from=2026-02-01&to=2026-02-28")
        .await;

    // Recompute from the rows and the calendar table, with plain date arithmetic.
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.backend(),
            "SELECT procedure_code, channel, status, submitted_at, received_at, returned_at, due_date FROM dossiers",
        ))
        .await
        .unwrap();
    let off: Vec<NaiveDate> = app
        .db
        .query_all_raw(Statement::from_string(
            app.backend(),
            "SELECT date, kind FROM calendar_days",
        ))
        .await
        .unwrap()
        .iter()
        .filter(|r| r.try_get::<String>("", "kind").unwrap() != "working")
        .map(|r| r.try_get::<NaiveDate>("", "date").unwrap())
        .collect();
    let on: Vec<NaiveDate> = app
        .db
        .query_all_raw(Statement::from_string(
            app.backend(),
            "SELECT date FROM calendar_days WHERE kind = 'working'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<NaiveDate>("", "date").unwrap())
        .collect();
    let working = |d: NaiveDate| {
        use chrono::Datelike;
        on.contains(&d) || (d.weekday().number_from_monday() <= 5 && !off.contains(&d))
    };
    let vn = |t: chrono::DateTime<Utc>| (t + chrono::Duration::hours(7)).date_naive();
    let (mut submitted, mut online_n, mut returned, mut on_time, mut days) =
        (0, 0, 0, 0, Vec::new());
    let mut overdue = 0;
    let today = vn(app.now());
    for r in &rows {
        let sub: chrono::DateTime<Utc> = r.try_get("", "submitted_at").unwrap();
        if vn(sub).format("%Y-%m").to_string() == "2026-02" {
            submitted += 1;
            if r.try_get::<String>("", "channel").unwrap() == "online" {
                online_n += 1;
            }
        }
        let due: Option<NaiveDate> = r.try_get("", "due_date").unwrap();
        let status: String = r.try_get("", "status").unwrap();
        if let Some(ret) = r
            .try_get::<Option<chrono::DateTime<Utc>>>("", "returned_at")
            .unwrap()
        {
            let rec: chrono::DateTime<Utc> = r
                .try_get::<Option<chrono::DateTime<Utc>>>("", "received_at")
                .unwrap()
                .unwrap();
            returned += 1;
            if vn(ret) <= due.unwrap() {
                on_time += 1;
            }
            let mut n = 0;
            let mut day = vn(rec);
            while day < vn(ret) {
                day = day.succ_opt().unwrap();
                if working(day) {
                    n += 1;
                }
            }
            days.push(n);
        } else if ["received", "in_review", "approved", "refused"].contains(&status.as_str())
            && due.is_some_and(|d| today > d)
        {
            overdue += 1;
        }
    }
    days.sort();
    assert_eq!(api["submitted"], submitted);
    assert_eq!(api["online"], online_n);
    assert_eq!(api["processing"]["returned"], returned);
    assert_eq!(api["processing"]["on_time"], on_time);
    assert_eq!(api["overdue_now"], overdue);
    let avg = days.iter().sum::<i64>() as f64 / days.len() as f64;
    assert_eq!(
        api["processing"]["avg_working_days"].as_f64().unwrap(),
        (avg * 100.0).round() / 100.0
    );
    let p90 = days[(days.len() * 9).div_ceil(10) - 1];
    assert_eq!(api["processing"]["p90_working_days"], p90);
    // The figures are the ones this story makes: A on time in 2 working days; B, due on
    // 9 February, returned on the 26th after 13 working days (Tết in between); C overdue.
    assert_eq!(
        (submitted, online_n, returned, on_time, overdue),
        (4, 1, 2, 1, 1)
    );
    assert_eq!(days, [2, 13]);
    let months: Vec<(&str, &str)> = api["by_procedure_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["procedure_code"].as_str().unwrap(),
                r["month"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("irc_adjust_name", "2026-02"),
            ("suspension_notice", "2026-02")
        ]
    );
    // An agency key with stats:read reads them; one without gets 403.
    let key = |scope: &str| {
        let app = &app;
        let scope = scope.to_owned();
        async move {
            let resp = app
                .as_admin()
                .post(
                    "/api/v1/api-keys",
                    &json!({"agency": "Cục Thống kê", "scopes": [scope]}),
                )
                .await;
            let v: Value = resp.json().await.unwrap();
            v["secret"].as_str().unwrap().to_owned()
        }
    };
    let stats_key = key("stats:read").await;
    let other_key = key("registry:read").await;
    let get = |k: String| {
        app.client
            .get(app.url("/api/v1/stats/dossiers"))
            .header("X-Api-Key", k)
            .send()
    };
    assert_eq!(get(stats_key).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get(other_key).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_catalogue_and_the_calendar_are_dated_data_an_admin_keeps() {
    let app = TestApp::spawn().await;
    // Both regimes are seeded; the rule in force depends on the day.
    let before = app
        .anonymous()
        .get_json("/api/v1/procedures?on=2025-09-02")
        .await;
    let after = app
        .anonymous()
        .get_json("/api/v1/procedures?on=2025-09-03")
        .await;
    let deadline = |list: &Value, code: &str| {
        let r = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()
            .clone();
        (
            r["deadline_value"].as_u64().unwrap(),
            r["deadline_unit"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(
        deadline(&before, "irc_issue"),
        (15, "calendar_days".to_owned())
    );
    assert_eq!(
        deadline(&after, "irc_issue"),
        (10, "calendar_days".to_owned())
    );
    assert_eq!(
        deadline(&before, "irc_adjust"),
        (10, "calendar_days".to_owned())
    );
    assert_eq!(
        deadline(&after, "irc_adjust"),
        (7, "working_days".to_owned())
    );
    assert_eq!(
        after["items"].as_array().unwrap().len(),
        8,
        "one rule per procedure in force"
    );
    // The calendar has Tết 2026 and the swapped Saturday of 2025.
    let days = app
        .anonymous()
        .get_json("/api/v1/calendar?from=2026-02-14&to=2026-02-22")
        .await;
    let dates: Vec<&str> = days["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20"
        ]
    );
    let swap = app
        .anonymous()
        .get_json("/api/v1/calendar?from=2025-02-08&to=2025-02-08")
        .await;
    assert_eq!(swap["items"][0]["kind"], "working");
    // An admin records a new day off; a kind that does not fit the weekday is refused.
    let put = async |date: &str, body: Value| {
        let path = format!("/api/v1/calendar/{date}");
        app.as_admin()
            .send(reqwest::Method::PUT, &path, Some(&body), None)
            .await
    };
    let p = assert_problem(
        put(
            "2026-11-28",
            json!({"kind": "holiday", "name": "Thử", "source": "Thử"}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p), ["kind:wrong_weekday"]);
    let resp = put("2026-11-24", json!({"kind": "holiday", "name": "Ngày Văn hóa Việt Nam", "source": "Kết luận của Bộ Chính trị (thử)"})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = put("2026-11-24", json!({"kind": "holiday", "name": "Ngày Văn hóa Việt Nam", "source": "Nghị quyết (đã đối chiếu)"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_problem(
        app.as_officer()
            .send(
                reqwest::Method::PUT,
                "/api/v1/calendar/2026-11-24",
                Some(&json!({"kind": "holiday", "name": "x", "source": "y"})),
                None,
            )
            .await,
        403,
        "forbidden",
    )
    .await;
    // A new rule from a new day; a rule that decided dossiers keeps its deadline.
    let resp = app
        .as_admin()
        .post(
            "/api/v1/procedures",
            &json!({
                "code": "irc_correct", "name_vi": "Hiệu đính thông tin trên Giấy chứng nhận đăng ký đầu tư",
                "name_en": "Correct an error on the certificate", "deadline_value": 2, "deadline_unit": "working_days",
                "legal_basis": "Luật Đầu tư số 143/2025/QH15", "documents": [{"code": "request", "name_vi": "Văn bản đề nghị hiệu đính", "name_en": "Request", "required": true}],
                "fully_online": true, "result": "certificate", "effective_from": "2026-03-01"
            }),
        )
        .await;
    let rule = json_of(resp, StatusCode::CREATED).await;
    let d = desk(&app).await;
    at(&app, "2026-03-02", 9);
    let dossier = intake(&app, &d, "irc_correct", "2026-03-02").await;
    assert_eq!(dossier["dossier"]["procedure_id"], rule["id"]);
    let path = format!("/api/v1/procedures/{}", rule["id"].as_str().unwrap());
    let p = assert_problem(
        app.as_admin()
            .patch(&path, Some("\"1\""), &json!({"deadline_value": 5}))
            .await,
        409,
        "conflict",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("new rule"));
    let renamed = app
        .as_admin()
        .patch(&path, Some("\"1\""), &json!({"fully_online": false}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_problem(
        app.as_admin()
            .patch(&path, Some("\"1\""), &json!({"fully_online": true}))
            .await,
        412,
        "precondition-failed",
    )
    .await;
}

#[tokio::test]
async fn lists_filter_by_status_procedure_due_date_receipt_date_and_channel() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    // Received on Monday 1 June 2026: 3 working days (due Thursday 4 June) and 7 (due Wednesday
    // 10 June); on Friday 5 June, 3 working days (due Wednesday 10 June).
    at(&app, "2026-06-01", 9);
    let a = intake(&app, &d, "irc_adjust_name", "2026-06-01").await;
    let b = intake(&app, &d, "irc_adjust", "2026-06-01").await;
    at(&app, "2026-06-05", 9);
    let c = intake(&app, &d, "irc_adjust_name", "2026-06-05").await;
    let id = |v: &Value| v["dossier"]["id"].as_str().unwrap().to_owned();
    let (a, b, c) = (id(&a), id(&b), id(&c));
    step_ok(&app, &d.officer, &b, json!({"action": "start_review"})).await;
    let ids = async |query: &str| -> Vec<String> {
        let list = app
            .as_user(&d.clerk)
            .get_json(&format!("/api/v1/dossiers?{query}"))
            .await;
        let mut v: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(ids("status=in_review").await, [b.as_str()]);
    assert_eq!(
        ids("procedure=irc_adjust_name").await,
        sorted(vec![a.clone(), c.clone()])
    );
    // Today is Friday 5 June: A is overdue (due the 4th).
    assert_eq!(ids("overdue=true").await, [a.as_str()]);
    // Due within 0 working days: due today or before; within 3: by Wednesday 10 June.
    assert_eq!(ids("due_within=0").await, [a.as_str()]);
    assert_eq!(
        ids("due_within=3").await,
        sorted(vec![a.clone(), b.clone(), c.clone()])
    );
    // Received on a Vietnamese date, inclusive.
    assert_eq!(ids("received_from=2026-06-02").await, [c.as_str()]);
    assert_eq!(
        ids("received_to=2026-06-01").await,
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(ids("channel=online").await, Vec::<String>::new());
    // Bad filters are named.
    for (q, name) in [
        ("status=lost", "status"),
        ("due_within=-1", "due_within"),
        ("received_from=2026-13-01", "received_from"),
        (
            "received_from=2026-06-05&received_to=2026-06-01",
            "received_to",
        ),
    ] {
        let p = assert_problem(
            app.as_user(&d.clerk)
                .get(&format!("/api/v1/dossiers?{q}"))
                .await,
            400,
            "bad-request",
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains(name), "{q}: {p}");
    }
}

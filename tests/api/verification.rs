//! Public verification: the QR page `/v/{seal}`, `GET /api/v1/verify/{seal}` and
//! `POST /api/v1/verify/pdf`, each verdict reached from real issued certificates, forged seals,
//! seals of unknown keys, and retired or compromised keys.

use chrono::NaiveDate;
use invest_registry::{
    domain::{auth::Context, certificate::KeyStatus},
    service,
    signing::{keys, pades, seal},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, assert_problem},
    issuing::{
        act, assert_no_personal_data, draft, issue_change, issued, json_of, pdf_bytes,
        personal_data, seal_of,
    },
};

fn field() -> pades::SignatureField {
    pades::SignatureField {
        page: 1,
        rect: [340.0, 60.0, 560.0, 140.0],
        name: "Signature".into(),
        reason: None,
        location: None,
        contact: None,
    }
}

async fn verify(app: &TestApp, seal: &str) -> (reqwest::header::HeaderMap, Value) {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/verify/{seal}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    (headers, resp.json().await.unwrap())
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

async fn upload(app: &TestApp, pdf: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/verify/pdf"))
        .header("content-type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .unwrap()
}

/// The certificate's personal data, which the fixture must hold for the checks to mean anything.
fn personal(cert: &Value) -> Vec<String> {
    let found = personal_data(cert);
    assert!(
        found.len() >= 3,
        "the fixture holds personal data: {found:?}"
    );
    found
}

#[tokio::test]
async fn a_genuine_certificate_is_confirmed_with_its_facts_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let (_project, c, _approver) = issued(&app, "KCN-VERIFY").await;
    let seal = seal_of(&c);
    let personal = personal(&c);

    let (headers, v) = verify(&app, &seal).await;
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["headline_vi"], "Hợp lệ — đang có hiệu lực");
    assert!(v.get("reason").is_none());
    assert_eq!(headers["cache-control"], "no-cache");
    let cert = &v["certificate"];
    assert_eq!(cert["project_code"], c["project_code"]);
    assert_eq!(cert["version"], 0);
    assert_eq!(cert["version_label"], "Chứng nhận lần đầu");
    assert_eq!(cert["issued_on"], c["issued_on"]);
    assert_eq!(cert["status"], "in_force");
    assert_eq!(cert["project_name"], c["content"]["project"]["name_vi"]);
    assert_eq!(
        cert["total_capital_vnd"],
        c["content"]["project"]["capital"]["total_vnd"]
    );
    let names: Vec<&str> = c["content"]["investors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(cert["investors"], json!(names));
    assert_eq!(cert["signer_name"], c["signer_name"]);
    assert_eq!(
        cert["verification_url"],
        format!("http://verify.test/v/{seal}")
    );
    assert_eq!(v["key"]["development"], true);
    assert_eq!(v["key"]["status"], "active");
    assert_no_personal_data(&v.to_string(), &personal);

    // Any letter case: a phone's scanner may lower-case the URL.
    let (_, lower) = verify(&app, &seal.to_lowercase()).await;
    assert_eq!(lower["verdict"], "genuine");

    // The page the QR opens, under /v/ and /V/.
    for path in [format!("/v/{seal}"), format!("/V/{}", seal.to_lowercase())] {
        let (status, headers, html) = page(&app, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(headers["cache-control"], "no-cache");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(html.contains("Hợp lệ — đang có hiệu lực"), "{html}");
        assert!(html.contains(c["project_code"].as_str().unwrap()));
        assert!(html.contains(names[0]));
        assert!(html.contains("KHÓA THỬ NGHIỆM"), "development key is said");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no external assets"
        );
        assert_no_personal_data(&html, &personal);
    }
    let (_, _, english) = page(&app, &format!("/v/{seal}?lang=en")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("Genuine — in force"));
    assert!(english.contains("Project code"));
    assert!(
        english.contains(&format!("href=\"/v/{seal}\"")),
        "toggle back to Vietnamese"
    );
}

#[tokio::test]
async fn a_superseded_version_points_to_the_version_that_replaced_it() {
    let app = TestApp::spawn().await;
    let (project, v0, approver) = issued(&app, "KCN-SUPER").await;
    let v1 = issue_change(&app, &project, &approver, "Nhà máy mở rộng giai đoạn 2").await;

    let (headers, v) = verify(&app, &seal_of(&v0)).await;
    assert_eq!(v["verdict"], "superseded", "{v}");
    assert_eq!(headers["cache-control"], "no-cache");
    let next = &v["certificate"]["superseded_by"];
    assert_eq!(next["version"], 1);
    assert_eq!(next["issued_on"], v1["issued_on"]);
    assert_eq!(
        next["verification_url"],
        format!("http://verify.test/v/{}", seal_of(&v1))
    );
    let (_, now) = verify(&app, &seal_of(&v1)).await;
    assert_eq!(now["verdict"], "genuine");
    assert_eq!(
        now["certificate"]["project_name"],
        "Nhà máy mở rộng giai đoạn 2"
    );

    let (_, _, html) = page(&app, &format!("/v/{}", seal_of(&v0))).await;
    assert!(html.contains("đã được thay thế"), "{html}");
    assert!(html.contains(&format!("href=\"/v/{}\"", seal_of(&v1))));
    assert!(html.contains("Xem bản thay đổi lần thứ 1"));
}

#[tokio::test]
async fn suspension_and_revocation_show_at_once_with_reason_and_date_on_every_instance() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let (_project, c, approver) = issued(&app, "KCN-REVOKE").await;
    let seal = seal_of(&c);
    // Warm both instances, so a stale cache would show.
    assert_eq!(verify(&other, &seal).await.1["verdict"], "genuine");

    act(
        &app,
        &approver,
        &c,
        "suspend",
        json!({"reason": "Vi phạm quy định về môi trường"}),
    )
    .await;
    let (_, v) = verify(&other, &seal).await;
    assert_eq!(v["verdict"], "suspended", "{v}");
    assert_eq!(
        v["certificate"]["status_reason"],
        "Vi phạm quy định về môi trường"
    );
    let (_, _, html) = page(&other, &format!("/v/{seal}")).await;
    assert!(html.contains("tạm ngừng"));
    assert!(html.contains("Vi phạm quy định về môi trường"));

    act(&app, &approver, &c, "resume", json!({})).await;
    assert_eq!(verify(&other, &seal).await.1["verdict"], "genuine");

    act(
        &app,
        &approver,
        &c,
        "revoke",
        json!({"reason": "Chấm dứt hoạt động dự án theo Quyết định 99/QĐ-BQLKKT", "revoked_on": "2026-12-05"}),
    )
    .await;
    let (_, v) = verify(&other, &seal).await;
    assert_eq!(v["verdict"], "revoked");
    assert_eq!(v["certificate"]["status_effective_on"], "2026-12-05");
    assert_eq!(
        v["certificate"]["status_reason"],
        "Chấm dứt hoạt động dự án theo Quyết định 99/QĐ-BQLKKT"
    );
    let (_, _, html) = page(&other, &format!("/v/{seal}")).await;
    assert!(html.contains("Đã bị thu hồi"));
    assert!(html.contains("05/12/2026"));
    assert!(html.contains("Quyết định 99/QĐ-BQLKKT"));
    let (_, _, html) = page(&other, &format!("/v/{seal}?lang=en")).await;
    assert!(html.contains("Revoked — no longer in force"));
}

#[tokio::test]
async fn forged_malformed_and_foreign_seals_are_not_genuine_and_reveal_nothing() {
    let app = TestApp::spawn().await;
    let (_project, c, _approver) = issued(&app, "KCN-FORGE").await;
    let seal = seal_of(&c);

    // One character of the signature changed.
    let mut forged = seal.clone().into_bytes();
    let last = forged.len() - 5;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    // The facts changed (another version number) but the signature kept.
    let facts = |code: &str, version: u16| seal::SealFacts {
        project_code: code.to_owned(),
        certificate_version: version,
        issued_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        total_capital_vnd: 1_000_000_000,
        content_digest: [7; 32],
    };
    // A seal signed by a key the registry never had.
    let stranger = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let unknown = seal::make(&facts(c["project_code"].as_str().unwrap(), 0), &stranger).unwrap();
    // A seal correctly signed with the registry's own key, but never issued.
    let own = keys::load_or_generate_development(&app.data_dir().join("keys")).unwrap();
    let unregistered = seal::make(&facts("9999999999", 3), own.signing_key()).unwrap();

    for (text, reason) in [
        (forged.as_str(), "bad_signature"),
        ("hello", "malformed"),
        ("A", "malformed"),
        (&"Z".repeat(170), "malformed"),
        (&"%E2%9C%93".repeat(30), "malformed"),
        (unknown.as_str(), "unknown_key"),
        (unregistered.as_str(), "not_registered"),
    ] {
        let (headers, v) = verify(&app, text).await;
        assert_eq!(v["verdict"], "not_genuine", "{text}: {v}");
        assert_eq!(v["reason"], reason, "{text}");
        assert!(v.get("certificate").is_none(), "{v}");
        assert_eq!(headers["cache-control"], "public, max-age=3600");
        let (status, _, html) = page(&app, &format!("/v/{text}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Không hợp lệ"), "{html}");
        assert!(!html.contains("Mã số dự án"), "no facts shown");
    }
    // A very long path is a malformed seal too, not a server error.
    let (status, _, _) = page(&app, &format!("/v/{}", "A".repeat(4000))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_retired_key_still_verifies_and_a_compromised_one_is_flagged() {
    let app = TestApp::spawn().await;
    let (_project, c, _approver) = issued(&app, "KCN-KEYSTATE").await;
    let seal = seal_of(&c);
    let key_id = c["key_id"].as_str().unwrap();
    let system = Context::system("test", app.now());
    let set = |status| {
        service::keys::set_status(
            &app.db,
            &system,
            key_id,
            status,
            Some("kiểm thử".to_owned()),
        )
    };

    set(KeyStatus::Retired).await.unwrap();
    let (_, v) = verify(&app, &seal).await;
    assert_eq!(
        v["verdict"], "genuine",
        "a retired key's certificates stay valid"
    );
    assert_eq!(v["key"]["status"], "retired");

    set(KeyStatus::Compromised).await.unwrap();
    let (_, v) = verify(&app, &seal).await;
    // The registry's own record still confirms the certificate; the key is flagged.
    assert_eq!(v["verdict"], "genuine");
    assert_eq!(v["key"]["status"], "compromised");
    assert!(v["key"]["compromised_at"].is_string());
    let (_, _, html) = page(&app, &format!("/v/{seal}")).await;
    assert!(html.contains("id=\"key-warning\""), "{html}");
    assert!(html.contains("đã bị báo lộ"));
}

#[tokio::test]
async fn an_uploaded_pdf_is_genuine_modified_unknown_or_not_ours() {
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-PDF").await;
    let pdf = pdf_bytes(&app, c["id"].as_str().unwrap()).await;

    let resp = upload(&app, pdf.clone()).await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let v = json_of(resp, StatusCode::OK).await;
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["certificate_verdict"], "genuine");
    assert_eq!(v["certificate"]["project_code"], c["project_code"]);
    assert_eq!(v["key"]["key_id"], c["key_id"]);
    assert!(v["signer"].as_str().unwrap().contains("DEVELOPMENT") || v["signer"].is_string());
    assert_no_personal_data(&v.to_string(), &personal(&c));

    // One byte changed inside the signed content.
    let mut changed = pdf.clone();
    let at = changed.len() / 3;
    changed[at] ^= 0x01;
    let v = json_of(upload(&app, changed).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "modified", "{v}");
    assert!(v.get("certificate").is_none());

    // An incremental update appended after signing.
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n1 0 obj\n<< /Extra true >>\nendobj\n%%EOF\n");
    let v = json_of(upload(&app, appended).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "modified");

    // An unsigned PDF: the draft preview of a new version.
    let d = json_of(
        draft(&app, project["id"].as_str().unwrap()).await,
        StatusCode::CREATED,
    )
    .await;
    let preview = app
        .get(&format!(
            "/api/v1/certificates/{}/preview",
            d["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(preview.starts_with(b"%PDF-"));
    let v = json_of(upload(&app, preview.clone()).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "not_signed_by_us");

    // Signed by someone else.
    let dir = tempfile::tempdir().unwrap();
    let stranger = keys::generate_development(dir.path(), "Stranger").unwrap();
    let foreign = pades::sign_pdf(&preview, &stranger, chrono::Utc::now(), &field()).unwrap();
    let v = json_of(upload(&app, foreign).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "not_signed_by_us", "{v}");

    // Signed with the registry's key, but never issued.
    let own = keys::load_or_generate_development(&app.data_dir().join("keys")).unwrap();
    let stray = pades::sign_pdf(&preview, &own, chrono::Utc::now(), &field()).unwrap();
    let v = json_of(upload(&app, stray).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "unknown", "{v}");

    // A genuine file of a revoked certificate says so.
    act(
        &app,
        &approver,
        &c,
        "revoke",
        json!({"reason": "Chấm dứt dự án", "revoked_on": "2026-12-05"}),
    )
    .await;
    let v = json_of(upload(&app, pdf).await, StatusCode::OK).await;
    assert_eq!(v["verdict"], "genuine");
    assert_eq!(v["certificate_verdict"], "revoked");
    assert_eq!(v["certificate"]["status"], "revoked");
}

#[tokio::test]
async fn bad_uploads_get_problems_and_never_a_crash() {
    let app = TestApp::spawn().await;
    let resp = upload(&app, b"hello, I am not a PDF".to_vec()).await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(p["errors"][0]["code"], "not_pdf", "{p}");
    assert_problem(upload(&app, Vec::new()).await, 422, "validation").await;

    // A PDF header, then hostile or broken signature structures: problems, not crashes.
    let (_project, c, _approver) = issued(&app, "KCN-HOSTILE").await;
    let pdf = pdf_bytes(&app, c["id"].as_str().unwrap()).await;
    let hostile: Vec<Vec<u8>> = vec![
        b"%PDF-1.7\n/ByteRange [0 99999999999999999999 5 5] /Contents <zz>\n%%EOF".to_vec(),
        b"%PDF-1.7\n/ByteRange [0 10 20 999999]\n%%EOF".to_vec(),
        b"%PDF-1.7\n/ByteRange [".to_vec(),
        pdf[..pdf.len() - 200].to_vec(),
    ];
    let before = app.registry_snapshot().await;
    for (i, body) in hostile.into_iter().enumerate() {
        let p = assert_problem(upload(&app, body).await, 422, "validation").await;
        assert_eq!(
            p["errors"][0]["code"], "unreadable_signature",
            "case {i}: {p}"
        );
    }

    let resp = app
        .client
        .post(app.url("/api/v1/verify/pdf"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported-media-type").await;

    let resp = upload(&app, vec![b'%'; 70_000]).await;
    assert_problem(resp, 413, "payload-too-large").await;
    assert_eq!(
        app.registry_snapshot().await,
        before,
        "checking changes nothing"
    );
}

#[tokio::test]
async fn an_outage_is_never_shown_as_not_genuine() {
    use invest_registry::startup;
    let app = TestApp::spawn().await;
    let (_project, c, _approver) = issued(&app, "KCN-OUTAGE").await;
    let seal = seal_of(&c);
    // A second instance whose database goes away.
    let second = app.second_instance().await;
    let db = second.state.db.clone();
    let (addr, _handle) = startup::spawn(second).await.unwrap();
    db.close_by_ref().await.unwrap();

    let resp = app
        .client
        .get(format!("http://{addr}/api/v1/verify/{seal}"))
        .send()
        .await
        .unwrap();
    let p = assert_problem(resp, 503, "unavailable").await;
    assert!(p["detail"].as_str().unwrap().contains("not a verdict"));
    let resp = app
        .client
        .get(format!("http://{addr}/v/{seal}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Chưa kiểm tra được"), "{html}");
    assert!(!html.contains("Không hợp lệ"));
}

#[tokio::test]
async fn the_start_page_takes_a_pasted_code_or_an_uploaded_pdf() {
    let app = TestApp::spawn().await;
    let (_project, c, _approver) = issued(&app, "KCN-FORM").await;
    let seal = seal_of(&c);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let (status, headers, html) = page(&app, "/v/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kiểm tra giấy chứng nhận"));
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("form-action 'self'")
    );

    // The whole URL from the QR, pasted (lower case, with spaces), leads to the seal's page.
    let pasted = format!(" http://verify.test/v/{} ", seal.to_lowercase());
    let resp = no_redirects
        .get(app.url("/v/check"))
        .query(&[("q", pasted.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], format!("/v/{seal}?lang=en"));
    let resp = no_redirects
        .get(app.url("/v/check"))
        .query(&[("q", "<script>")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Hãy nhập mã xác thực"));
    assert!(!html.contains("<script>"));

    // A PDF uploaded from the form.
    let pdf = pdf_bytes(&app, c["id"].as_str().unwrap()).await;
    let post = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "pdf",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("gcn.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
        app.client.post(app.url("/v/pdf")).multipart(form).send()
    };
    let resp = post(pdf.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Tệp PDF nguyên vẹn"), "{html}");
    assert!(html.contains("Giấy chứng nhận: Hợp lệ — đang có hiệu lực"));
    assert!(html.contains(c["project_code"].as_str().unwrap()));
    assert_no_personal_data(&html, &personal(&c));

    let mut changed = pdf;
    let at = changed.len() / 3;
    changed[at] ^= 0x01;
    let html = post(changed).await.unwrap().text().await.unwrap();
    assert!(html.contains("đã bị sửa đổi sau khi ký"), "{html}");

    let resp = post(b"not a pdf".to_vec()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("không phải là tệp PDF"));
    let resp = app
        .client
        .post(app.url("/v/pdf"))
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_seal_lookup_is_one_search_of_the_unique_seal_index() {
    use invest_registry::db::verification::{Lookup, statement};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let app = TestApp::spawn().await;
    let (_, cert, _) = issued(&app, "KCN-PLAN").await;
    let seal = seal_of(&cert);
    if app.db.get_database_backend() != DbBackend::Sqlite {
        // PostgreSQL plans a table this small with a sequential scan; the index matters at scale.
        return;
    }
    let stmt = statement(DbBackend::Sqlite, Lookup::Seal(&seal));
    let plan: Vec<String> = app
        .db
        .query_all_raw(Statement {
            sql: format!("EXPLAIN QUERY PLAN {}", stmt.sql),
            ..stmt
        })
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect();
    assert_eq!(
        plan.first().map(String::as_str),
        Some("SEARCH c USING INDEX ux_certificates_seal (seal=?)"),
        "{plan:?}"
    );
    assert!(
        plan.iter().all(|step| step.starts_with("SEARCH")),
        "{plan:?}"
    );
}

#[tokio::test]
async fn a_key_another_instance_registered_later_is_found_after_one_reload() {
    let app = TestApp::spawn().await;
    // Another instance starts with a new key after this one loaded its key list.
    let dir = tempfile::tempdir().unwrap();
    let newcomer = keys::generate_development(dir.path(), "Second instance").unwrap();
    invest_registry::service::keys::register(&app.db, &newcomer, app.now())
        .await
        .unwrap();
    let facts = seal::SealFacts {
        project_code: "9999999998".to_owned(),
        certificate_version: 0,
        issued_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        total_capital_vnd: 1_000_000_000,
        content_digest: [9; 32],
    };
    let by_newcomer = seal::make(&facts, newcomer.signing_key()).unwrap();
    // Reloads are at most one per interval, so wait one out: then the new key is known, and
    // its (never issued) seal is refused as not registered, not as signed by an unknown key.
    app.advance(invest_registry::service::verification::KEY_RELOAD_INTERVAL);
    let (_, v) = verify(&app, &by_newcomer).await;
    assert_eq!(v["reason"], "not_registered", "{v}");
    // A stranger's key right after that reload is not looked up again.
    let stranger = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let (_, v) = verify(&app, &seal::make(&facts, &stranger).unwrap()).await;
    assert_eq!(v["reason"], "unknown_key", "{v}");
}

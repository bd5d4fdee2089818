//! Certificates: draft, preview, approve (render + seal + sign), supersede, suspend, resume,
//! revoke; the PDF checked by the tools a bank or a court would use (pdfsig, pyHanko, pdftotext,
//! zbarimg); four eyes, idempotency and two instances racing.

use std::{path::Path, process::Command};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, assert_problem};
use crate::issuing::{approve, draft, have, issued, json_of, lease, pdf_bytes, run};

fn pdftotext(dir: &Path, pdf: &[u8]) -> String {
    let f = dir.join("t.pdf");
    std::fs::write(&f, pdf).unwrap();
    run(Command::new("pdftotext").args(["-layout"]).arg(&f).arg("-"))
}

fn dev_ca(app: &TestApp) -> std::path::PathBuf {
    app.data_dir().join("keys").join("dev-ca.pem")
}

/// pdfsig with an NSS database trusting the development CA.
fn pdfsig(dir: &Path, ca: &Path, pdf: &[u8]) -> String {
    let nss = dir.join("nss");
    if !nss.exists() {
        std::fs::create_dir_all(&nss).unwrap();
        let db = format!("sql:{}", nss.display());
        run(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]));
        run(Command::new("certutil")
            .args([
                "-A",
                "-d",
                &db,
                "-n",
                "registry-dev-ca",
                "-t",
                "CT,C,C",
                "-i",
            ])
            .arg(ca));
    }
    let f = dir.join("s.pdf");
    std::fs::write(&f, pdf).unwrap();
    run(Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", nss.display()))
        .arg(&f))
}

fn pyhanko(dir: &Path, ca: &Path, pdf: &[u8]) -> String {
    let f = dir.join("h.pdf");
    std::fs::write(&f, pdf).unwrap();
    run(Command::new("pyhanko")
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(ca)
        .arg(&f))
}

#[tokio::test]
async fn a_full_flow_yields_a_signed_pdf_that_validators_accept_and_whose_qr_opens_its_verification_url()
 {
    let app = TestApp::spawn().await;
    let (_zone, parcel, project) = app.zone_parcel_project("KCN-CERT").await;
    lease(&app, &project, &parcel).await;
    let approver = app.approver_token("truongban").await;
    let pid = project["id"].as_str().unwrap();

    // The officer drafts; the draft is not in force and has no version number yet.
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    assert_eq!(d["status"], "draft");
    assert_eq!(
        d["kind"], "draft",
        "drafts and issued versions are told apart by `kind`"
    );
    assert!(d.get("version").is_none());
    assert!(d.get("seal").is_none());
    assert_eq!(d["content"]["project_code"], project["project_code"]);
    assert_eq!(d["development_key"], true);
    let did = d["id"].as_str().unwrap();

    // The preview is an unsigned PDF watermarked as a draft; a draft has no signed PDF.
    let resp = app
        .get(&format!("/api/v1/certificates/{did}/preview"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let preview = resp.bytes().await.unwrap().to_vec();
    assert!(preview.starts_with(b"%PDF-"));
    let resp = app.get(&format!("/api/v1/certificates/{did}/pdf")).await;
    assert_problem(resp, 409, "conflict").await;

    // A different person approves: version 0, in force, project registered.
    let c = json_of(approve(&app, &approver, did).await, StatusCode::OK).await;
    assert_eq!(c["status"], "in_force");
    assert_eq!(c["kind"], "issued");
    assert_eq!(c["version"], 0);
    // The content is typed: the investors, the project's capital and the signer, as printed.
    assert_eq!(c["content"]["signer"]["full_name"], "Trần Văn Phúc");
    assert!(c["content"]["project"]["capital"]["total_vnd"].is_i64());
    assert_eq!(c["version_label"], "Chứng nhận lần đầu");
    assert_eq!(c["signer_name"], "Trần Văn Phúc");
    assert_eq!(c["first_issued_on"], c["issued_on"]);
    assert_eq!(c["key_status"], "active");
    let seal = c["seal"].as_str().unwrap();
    assert_eq!(
        c["verification_url"].as_str().unwrap(),
        format!("http://verify.test/v/{seal}")
    );
    let p: Value = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["status"], "registered");

    // The stored bytes come back exactly.
    let pdf = pdf_bytes(&app, did).await;
    assert_eq!(
        hex::encode(Sha256::digest(&pdf)),
        c["pdf_sha256"].as_str().unwrap()
    );
    assert_eq!(pdf.len() as i64, c["pdf_size"].as_i64().unwrap());
    assert!(
        pdf.len() <= 40_000,
        "a signed certificate stays under 40 KB, not {} bytes",
        pdf.len()
    );

    // `CERT_DUMP_DIR=/some/dir` keeps the files, to look at them (pdftoppm -r 100 -png).
    if let Ok(keep) = std::env::var("CERT_DUMP_DIR") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join("certificate.pdf"), &pdf).unwrap();
        std::fs::write(Path::new(&keep).join("draft-preview.pdf"), &preview).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    if have("pdftotext") {
        let text = pdftotext(dir.path(), &pdf);
        for want in [
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            &format!("Mã số dự án: {}", project["project_code"].as_str().unwrap()),
            "Chứng nhận lần đầu",
            "Căn cứ Luật Đầu tư",
            "Công ty TNHH Thử nghiệm",
            "KT. TRƯỞNG BAN",
            "PHÓ TRƯỞNG BAN",
            "Trần Văn Phúc",
            "BAN QUẢN LÝ KHU KINH TẾ",
        ] {
            assert!(text.contains(want), "PDF text lacks {want:?}:\n{text}");
        }
        let preview_text = pdftotext(dir.path(), &preview);
        assert!(preview_text.contains("BẢN NHÁP"), "{preview_text}");
    }
    let ca = dev_ca(&app);
    if have("pdfsig") && have("certutil") {
        let out = pdfsig(dir.path(), &ca, &pdf);
        assert!(out.contains("Signature is Valid."), "{out}");
        assert!(out.contains("Certificate is Trusted."), "{out}");
    }
    if have("pyhanko") {
        let out = pyhanko(dir.path(), &ca, &pdf);
        assert!(out.contains("The signature is judged VALID"), "{out}");
    }
    // One changed byte inside the signed range: both validators say so.
    let mut tampered = pdf.clone();
    let at = tampered
        .windows(9)
        .position(|w| w == b"/Producer" || w == b"/Contents")
        .map_or(200, |p| p.saturating_sub(40).max(20));
    tampered[at] ^= 0x01;
    if have("pdfsig") && have("certutil") {
        let out = pdfsig(dir.path(), &ca, &tampered);
        assert!(!out.contains("Signature is Valid."), "{out}");
    }
    if have("pyhanko") {
        let out = pyhanko(dir.path(), &ca, &tampered);
        assert!(!out.contains("judged VALID"), "{out}");
    }
    // The QR, read off a 150 dpi render of page 1, is the verification URL.
    if have("pdftoppm") && have("zbarimg") {
        let f = dir.path().join("q.pdf");
        std::fs::write(&f, &pdf).unwrap();
        run(Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
            .arg(&f)
            .arg(dir.path().join("page")));
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "png"))
            .expect("page rendered");
        let out = Command::new("zbarimg")
            .args(["--quiet", "--raw"])
            .arg(&png)
            .output()
            .expect("zbarimg runs");
        let out = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.trim().to_lowercase(),
            c["verification_url"].as_str().unwrap().to_lowercase(),
            "QR decodes to the verification URL"
        );
    }
}

#[tokio::test]
async fn adjusting_issues_version_1_that_restates_everything_and_supersedes_version_0() {
    let app = TestApp::spawn().await;
    let (project, v0, approver) = issued(&app, "KCN-ADJ").await;
    let pid = project["id"].as_str().unwrap();
    // Change the registry, then draft and approve the change.
    let p: Value = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .json()
        .await
        .unwrap();
    let tag = format!("\"{}\"", p["version"]);
    let resp = app
        .patch(
            &format!("/api/v1/projects/{pid}"),
            Some(&tag),
            &json!({"name_vi": "Nhà máy điện tử Ánh Dương mở rộng"}),
        )
        .await;
    let resp_status = resp.status();
    assert!(resp_status.is_success(), "{}", resp.text().await.unwrap());
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    let v1 = json_of(
        approve(&app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["version_label"], "Chứng nhận thay đổi lần thứ 1");
    assert_eq!(v1["first_issued_on"], v0["issued_on"]);
    assert_eq!(
        v1["content"]["project"]["name_vi"],
        "Nhà máy điện tử Ánh Dương mở rộng"
    );
    // Version 1 restates every content, not only the change.
    assert_eq!(v1["content"]["investors"], v0["content"]["investors"]);
    assert_eq!(
        v1["content"]["project"]["location"],
        v0["content"]["project"]["location"]
    );
    assert_ne!(v1["seal"], v0["seal"]);

    let old: Value = app
        .get(&format!(
            "/api/v1/certificates/{}",
            v0["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], v1["id"]);
    // The superseded version's PDF is still the exact bytes issued.
    let old_pdf = pdf_bytes(&app, v0["id"].as_str().unwrap()).await;
    assert_eq!(
        hex::encode(Sha256::digest(&old_pdf)),
        v0["pdf_sha256"].as_str().unwrap()
    );

    let list: Value = app
        .get(&format!("/api/v1/projects/{pid}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    let versions: Vec<(i64, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["version"].as_i64().unwrap(),
                c["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(0, "superseded"), (1, "in_force")]);

    let pdf = pdf_bytes(&app, v1["id"].as_str().unwrap()).await;
    if have("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let text = pdftotext(dir.path(), &pdf);
        assert!(text.contains("Chứng nhận thay đổi lần thứ 1"), "{text}");
        assert!(text.contains("Chứng nhận lần đầu"), "{text}");
        assert!(text.contains("Nhà máy điện tử Ánh Dương mở rộng"), "{text}");
    }
}

#[tokio::test]
async fn suspending_resuming_and_revoking_move_certificate_and_project_together() {
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-LIFE").await;
    let pid = project["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let act = |path: &'static str, body: Option<Value>| {
        let app = &app;
        let approver = approver.clone();
        async move {
            app.as_user(&approver)
                .send(
                    Method::POST,
                    &format!("/api/v1/certificates/{cid}/{path}"),
                    body.as_ref(),
                    None,
                )
                .await
        }
    };
    let project_status = || async {
        let p: Value = app
            .get(&format!("/api/v1/projects/{pid}"))
            .await
            .json()
            .await
            .unwrap();
        p["status"].as_str().unwrap().to_owned()
    };

    // Suspending needs a reason.
    let resp = act("suspend", Some(json!({}))).await;
    assert_problem(resp, 422, "validation").await;
    let s = json_of(
        act(
            "suspend",
            Some(json!({"reason": "Thông báo tạm ngừng số 12/TB-BQLKKT"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(s["status"], "suspended");
    assert_eq!(s["status_reason"], "Thông báo tạm ngừng số 12/TB-BQLKKT");
    assert_eq!(project_status().await, "suspended");
    // No new version while suspended.
    let resp = draft(&app, pid).await;
    assert_problem(resp, 409, "conflict").await;
    // Suspending twice is refused.
    let resp = act("suspend", Some(json!({"reason": "lại"}))).await;
    assert_problem(resp, 409, "conflict").await;

    let r = json_of(act("resume", None).await, StatusCode::OK).await;
    assert_eq!(r["status"], "in_force");
    assert_eq!(project_status().await, "registered");

    // An officer cannot revoke.
    let resp = app
        .as_officer()
        .post(
            &format!("/api/v1/certificates/{cid}/revoke"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_problem(resp, 403, "forbidden").await;
    let resp = act("revoke", Some(json!({"revoked_on": "2026-12-01"}))).await;
    assert_problem(resp, 422, "validation").await;
    let reason = "Quyết định chấm dứt hoạt động dự án số 45/QĐ-BQLKKT";
    let v = json_of(
        act(
            "revoke",
            Some(json!({"reason": reason, "revoked_on": "2026-12-01"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "revoked");
    assert_eq!(v["status_reason"], reason);
    assert_eq!(v["status_effective_on"], "2026-12-01");
    assert_eq!(project_status().await, "terminated");
    // The land is released with the project.
    let leases: Value = app
        .get(&format!("/api/v1/projects/{pid}/leases"))
        .await
        .json()
        .await
        .unwrap();
    assert!(leases["items"][0]["released_at"].is_string(), "{leases}");
    // Revoked is final; the PDF stays downloadable as issued.
    let resp = act("resume", None).await;
    assert_problem(resp, 409, "conflict").await;
    pdf_bytes(&app, cid).await;

    // Every step is in the audit log, with who did it.
    let events: Value = app
        .as_admin()
        .get_json(&format!(
            "/api/v1/audit?entity_type=certificate&entity_id={cid}&limit=200"
        ))
        .await;
    let mut actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "certificate.draft",
            "certificate.issue",
            "certificate.resume",
            "certificate.revoke",
            "certificate.suspend"
        ],
        "{events}"
    );
}

#[tokio::test]
async fn terminating_a_project_revokes_its_certificate_in_force() {
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-TERM").await;
    let pid = project["id"].as_str().unwrap();
    let resp = app
        .set_status(
            &approver,
            pid,
            "terminated",
            Some("Quyết định số 9/QĐ-BQLKKT"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let after: Value = app
        .get(&format!(
            "/api/v1/certificates/{}",
            c["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "revoked");
    assert_eq!(after["status_reason"], "Quyết định số 9/QĐ-BQLKKT");
}

#[tokio::test]
async fn four_eyes_roles_and_signing_titles_are_enforced() {
    let app = TestApp::spawn().await;
    let (_z, _p, project) = app.zone_parcel_project("KCN-EYES").await;
    let pid = project["id"].as_str().unwrap();
    let approver = app.approver_token("pho-truong-ban").await;
    // Approvals go through a second instance: the rules live in the database, not in a process.
    let other = app.sibling().await;

    // Approvers do not draft; officers do not approve.
    let resp = app
        .as_user(&approver)
        .post(&format!("/api/v1/projects/{pid}/certificates"), &json!({}))
        .await;
    assert_problem(resp, 403, "forbidden").await;
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    let did = d["id"].as_str().unwrap();
    let resp = approve(&other, &app.token, did).await;
    assert_problem(resp, 403, "forbidden").await;

    // Someone holding both roles cannot approve their own draft.
    let body = json!({"username": "both", "display_name": "Lê Hai Vai", "password": crate::helpers::USER_PASSWORD,
        "roles": ["officer", "approver"], "signing_title": "PHÓ TRƯỞNG BAN"});
    let resp = app.as_admin().post("/api/v1/users", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let both = app.login("both", crate::helpers::USER_PASSWORD).await;
    let resp = app
        .as_officer()
        .post(
            &format!("/api/v1/certificates/{did}/reject"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_problem(resp, 403, "forbidden").await;
    let resp = app
        .as_user(&approver)
        .post(
            &format!("/api/v1/certificates/{did}/reject"),
            &json!({"reason": "Thiếu thông tin tiến độ góp vốn"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mine = json_of(
        app.as_user(&both)
            .post(&format!("/api/v1/projects/{pid}/certificates"), &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let resp = approve(&other, &both, mine["id"].as_str().unwrap()).await;
    let p = assert_problem(resp, 403, "forbidden").await;
    assert!(p["detail"].as_str().unwrap().contains("four eyes"), "{p}");

    // An approver without a signing title cannot sign.
    let untitled = app.user_token("no-title", &["approver"]).await;
    let resp = approve(&other, &untitled, mine["id"].as_str().unwrap()).await;
    let p = assert_problem(resp, 409, "conflict").await;
    assert!(
        crate::helpers::error_fields(&p).contains(&"signing_title:required".to_owned()),
        "{p}"
    );

    // Nothing was issued by the refused attempts.
    let list: Value = app
        .get(&format!("/api/v1/projects/{pid}/certificates"))
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "draft"]);
    let p: Value = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["status"], "draft");
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retried_draft_or_approval_return_the_same_certificate() {
    let app = TestApp::spawn().await;
    let (_z, _p, project) = app.zone_parcel_project("KCN-IDEM").await;
    let pid = project["id"].as_str().unwrap();
    let approver = app.approver_token("idem-approver").await;
    // Retries go to a second instance sharing the database, as behind a load balancer.
    let other = app.sibling().await;
    let mut turn = 0usize;
    let mut send = |token: String, path: String, key: &'static str, body: Option<Value>| {
        turn += 1;
        let url = if turn.is_multiple_of(2) {
            other.url(&path)
        } else {
            app.url(&path)
        };
        let client = app.client.clone();
        async move {
            let mut req = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key);
            if let Some(b) = body {
                req = req.json(&b);
            }
            req.send().await.unwrap()
        }
    };
    let path = format!("/api/v1/projects/{pid}/certificates");
    let body = json!({"dossier_received_on": "2026-11-20"});
    let first = send(
        app.token.clone(),
        path.clone(),
        "draft-1",
        Some(body.clone()),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send(
        app.token.clone(),
        path.clone(),
        "draft-1",
        Some(body.clone()),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    // The same key with another body is refused; a malformed key is a bad request.
    let resp = send(
        app.token.clone(),
        path.clone(),
        "draft-1",
        Some(json!({"dossier_received_on": "2026-11-21"})),
    )
    .await;
    assert_problem(resp, 422, "validation").await;
    let resp = send(
        app.token.clone(),
        path.clone(),
        "bad key with spaces",
        Some(body.clone()),
    )
    .await;
    assert_problem(resp, 400, "bad-request").await;

    let cid = first["id"].as_str().unwrap();
    let apath = format!("/api/v1/certificates/{cid}/approve");
    let a1 = send(approver.clone(), apath.clone(), "approve-1", None).await;
    assert_eq!(a1.status(), StatusCode::OK);
    let a1: Value = a1.json().await.unwrap();
    let a2 = send(approver.clone(), apath.clone(), "approve-1", None).await;
    assert_eq!(a2.status(), StatusCode::OK);
    assert_eq!(a2.headers()["idempotent-replayed"], "true");
    let a2: Value = a2.json().await.unwrap();
    assert_eq!(a2["version"], 0);
    assert_eq!(a2["pdf_sha256"], a1["pdf_sha256"]);
    // Without the key, approving twice is a conflict, not a second version.
    let resp = approve(&app, &approver, cid).await;
    assert_problem(resp, 409, "conflict").await;
    let list: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The same key sent to both instances at the same moment: one draft, returned to both.
    let (_z2, _p2, second) = app.zone_parcel_project("KCN-IDEM2").await;
    let path2 = format!(
        "/api/v1/projects/{}/certificates",
        second["id"].as_str().unwrap()
    );
    let race = |inst: &TestApp| {
        inst.client
            .post(inst.url(&path2))
            .bearer_auth(&app.token)
            .header("Idempotency-Key", "race-1")
            .json(&json!({}))
            .send()
    };
    let (r1, r2) = tokio::join!(race(&app), race(&other));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(
        (r1.status(), r2.status()),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    let (r1, r2): (Value, Value) = (r1.json().await.unwrap(), r2.json().await.unwrap());
    assert_eq!(r1["id"], r2["id"], "one draft for one key");
}

#[tokio::test]
async fn two_instances_drafting_and_approving_at_once_keep_versions_unique_and_gapless() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    let (_z, _p, project) = a.zone_parcel_project("KCN-RACE").await;
    let pid = project["id"].as_str().unwrap().to_owned();
    let approver_a = a.approver_token("race-a").await;
    let approver_b = a.approver_token("race-b").await;

    // Two officers' drafts at the same moment on two instances: exactly one open draft.
    let (r1, r2) = tokio::join!(draft(&a, &pid), draft(&b, &pid));
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let d: Value = if r1.status() == StatusCode::CREATED {
        r1
    } else {
        r2
    }
    .json()
    .await
    .unwrap();
    let did = d["id"].as_str().unwrap().to_owned();

    // Two approvers approving the same draft on two instances: exactly one issues it.
    let (r1, r2) = tokio::join!(
        approve(&a, &approver_a, &did),
        approve(&b, &approver_b, &did)
    );
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);

    // Rounds of draft + approve racing across both instances.
    for round in 0..3 {
        let go = |app: &'static str| {
            let (inst, approver) = if app == "a" {
                (&a, &approver_a)
            } else {
                (&b, &approver_b)
            };
            let pid = pid.clone();
            async move {
                let resp = draft(inst, &pid).await;
                if resp.status() != StatusCode::CREATED {
                    return;
                }
                let d: Value = resp.json().await.unwrap();
                let _ = approve(inst, approver, d["id"].as_str().unwrap()).await;
            }
        };
        tokio::join!(go("a"), go("b"));
        // Whatever lost a race may have left a draft: approve it so the next round can draft.
        let list: Value = a
            .get(&format!("/api/v1/projects/{pid}/certificates?limit=200"))
            .await
            .json()
            .await
            .unwrap();
        for c in list["items"].as_array().unwrap() {
            if c["status"] == "draft" {
                let resp = approve(&a, &approver_a, c["id"].as_str().unwrap()).await;
                assert_eq!(resp.status(), StatusCode::OK, "round {round}");
            }
        }
    }
    let list: Value = a
        .get(&format!("/api/v1/projects/{pid}/certificates?limit=200"))
        .await
        .json()
        .await
        .unwrap();
    let mut versions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["version"].as_i64())
        .collect();
    versions.sort_unstable();
    let n = versions.len() as i64;
    assert!(n >= 4, "{versions:?}");
    assert_eq!(versions, (0..n).collect::<Vec<_>>(), "gapless and unique");
    let in_force = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "in_force")
        .count();
    assert_eq!(in_force, 1, "exactly one version in force");
}

#[tokio::test]
async fn refused_certificate_actions_answer_problems_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-ERR").await;
    let pid = project["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    // An open draft of the next version, for the refusals that concern drafts.
    let open = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    let did = open["id"].as_str().unwrap();
    // A second draft while one is open names the open one.
    let p = assert_problem(draft(&app, pid).await, 409, "conflict").await;
    assert_eq!(p["existing_id"], open["id"], "{p}");
    let before = app
        .get(&format!("/api/v1/projects/{pid}/certificates"))
        .await
        .text()
        .await
        .unwrap();
    let missing = uuid::Uuid::now_v7();
    for (token, method, path, body, status) in [
        (
            &app.token,
            Method::POST,
            format!("/api/v1/projects/{missing}/certificates"),
            Some(json!({})),
            404,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{missing}/approve"),
            None,
            404,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{missing}/revoke"),
            Some(json!({"reason": "x"})),
            404,
        ),
        (
            &app.token,
            Method::GET,
            format!("/api/v1/certificates/{missing}"),
            None,
            404,
        ),
        (
            &app.token,
            Method::GET,
            format!("/api/v1/certificates/{missing}/pdf"),
            None,
            404,
        ),
        (
            &app.token,
            Method::GET,
            "/api/v1/certificates/not-a-uuid".to_owned(),
            None,
            400,
        ),
        // Already issued: no second approval, no preview, no rejection.
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{cid}/approve"),
            None,
            409,
        ),
        (
            &app.token,
            Method::GET,
            format!("/api/v1/certificates/{cid}/preview"),
            None,
            409,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{cid}/reject"),
            Some(json!({"reason": "x"})),
            409,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{cid}/resume"),
            None,
            409,
        ),
        // A draft needs a reason to be rejected, and is not in force to suspend or revoke.
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{did}/reject"),
            Some(json!({})),
            422,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{did}/reject"),
            Some(json!({"reason": "   "})),
            422,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{did}/suspend"),
            Some(json!({"reason": "x"})),
            409,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{did}/revoke"),
            Some(json!({"reason": "x"})),
            409,
        ),
        (
            &app.token,
            Method::GET,
            format!("/api/v1/certificates/{missing}/preview"),
            None,
            404,
        ),
        (
            &approver,
            Method::POST,
            format!("/api/v1/certificates/{missing}/reject"),
            Some(json!({"reason": "x"})),
            404,
        ),
        // Unknown fields and bad dates: 422 naming the field, like every invalid body.
        (
            &app.token,
            Method::POST,
            format!("/api/v1/projects/{pid}/certificates"),
            Some(json!({"version": 7})),
            422,
        ),
        (
            &app.token,
            Method::POST,
            format!("/api/v1/projects/{pid}/certificates"),
            Some(json!({"dossier_received_on": "20/11/2026"})),
            422,
        ),
    ] {
        let resp = app
            .as_user(token)
            .send(method.clone(), &path, body.as_ref(), None)
            .await;
        let got = resp.status().as_u16();
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(
            got,
            status,
            "{method} {path}: {}",
            resp.text().await.unwrap()
        );
        assert_eq!(ct, "application/problem+json", "{method} {path}");
    }
    let after = app
        .get(&format!("/api/v1/projects/{pid}/certificates"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(before, after, "refused actions changed nothing");
}

#[tokio::test]
async fn signing_keys_are_public_and_a_retired_or_compromised_key_is_handled() {
    use invest_registry::{domain::auth::Context, domain::certificate::KeyStatus, service};
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-KEYS").await;

    let resp = app
        .client
        .get(app.url("/api/v1/trust/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("PRIVATE"),
        "no private key material is published"
    );
    let keys: Value = serde_json::from_str(&text).unwrap();
    let key = &keys["keys"][0];
    assert_eq!(key["key_id"], c["key_id"]);
    assert_eq!(key["status"], "active");
    assert_eq!(key["development"], true);
    assert!(
        key["public_key_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(
        key["chain_pem"]
            .as_str()
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count(),
        2
    );

    // Retired: what it signed stays valid, but it signs nothing new.
    let key_id = c["key_id"].as_str().unwrap();
    service::keys::set_status(
        &app.db,
        &Context::system("test", app.now()),
        key_id,
        KeyStatus::Retired,
        None,
    )
    .await
    .unwrap();
    let got: Value = app
        .get(&format!(
            "/api/v1/certificates/{}",
            c["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "in_force");
    assert_eq!(got["key_status"], "retired");
    let pid = project["id"].as_str().unwrap();
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    let resp = approve(&app, &approver, d["id"].as_str().unwrap()).await;
    let p = assert_problem(resp, 409, "conflict").await;
    assert!(p["detail"].as_str().unwrap().contains("signing key"), "{p}");

    // Compromised flags every certificate it signed, and stays compromised.
    service::keys::set_status(
        &app.db,
        &Context::system("test", app.now()),
        key_id,
        KeyStatus::Compromised,
        Some("lộ khóa".into()),
    )
    .await
    .unwrap();
    let got: Value = app
        .get(&format!(
            "/api/v1/certificates/{}",
            c["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["key_status"], "compromised");
    let again = service::keys::set_status(
        &app.db,
        &Context::system("test", app.now()),
        key_id,
        KeyStatus::Active,
        None,
    )
    .await;
    assert!(
        again.is_err(),
        "a compromised key cannot be made active again"
    );
}

#[tokio::test]
async fn a_draft_made_stale_by_a_registry_change_is_not_issued() {
    let app = TestApp::spawn().await;
    let (_zone, parcel, project) = app.zone_parcel_project("KCN-STALE").await;
    let approver = app.approver_token("stale-approver").await;
    let pid = project["id"].as_str().unwrap();
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    assert_eq!(d["content"]["project"]["location"]["land_area_dm2"], 0);
    // Land is leased after the draft was made: the draft no longer states the truth.
    lease(&app, &project, &parcel).await;
    let resp = approve(&app, &approver, d["id"].as_str().unwrap()).await;
    let p = assert_problem(resp, 409, "conflict").await;
    assert!(
        p["detail"].as_str().unwrap().contains("registry changed"),
        "{p}"
    );
    // Rejected and drafted again, it states the land and is issued.
    let resp = app
        .as_user(&approver)
        .post(
            &format!("/api/v1/certificates/{}/reject", d["id"].as_str().unwrap()),
            &json!({"reason": "Cập nhật diện tích đất thuê"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    assert_eq!(
        d["content"]["project"]["location"]["land_area_dm2"],
        523_000
    );
    let c = json_of(
        approve(&app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["status"], "in_force");
}

#[tokio::test]
async fn a_bilingual_certificate_prints_english_after_the_vietnamese() {
    let app = TestApp::spawn().await;
    let (_z, _p, project) = app.zone_parcel_project("KCN-BILINGUAL").await;
    let approver = app.approver_token("bilingual-approver").await;
    let pid = project["id"].as_str().unwrap();
    let d = json_of(
        app.as_officer()
            .post(
                &format!("/api/v1/projects/{pid}/certificates"),
                &json!({"bilingual": true}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["content"]["bilingual"], true);
    let c = json_of(
        approve(&app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["content"]["bilingual"], true);
    let pdf = pdf_bytes(&app, c["id"].as_str().unwrap()).await;
    if let Ok(keep) = std::env::var("CERT_DUMP_DIR") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join("bilingual.pdf"), &pdf).unwrap();
    }
    if have("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let text = pdftotext(dir.path(), &pdf);
        for want in [
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ",
            "INVESTMENT REGISTRATION CERTIFICATE",
            "Mã số dự án",
        ] {
            assert!(text.contains(want), "PDF text lacks {want:?}:\n{text}");
        }
    }
    // A certificate drafted without the flag stays Vietnamese only.
    let (_z, _p, other) = app.zone_parcel_project("KCN-VI").await;
    let d = json_of(
        draft(&app, other["id"].as_str().unwrap()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["content"]["bilingual"], false, "{}", d["content"]);
    assert_eq!(d["kind"], "draft");
}

#[tokio::test]
async fn two_instances_suspending_the_same_certificate_at_once_suspend_it_once() {
    let a = TestApp::spawn().await;
    let (_project, c, approver) = issued(&a, "KCN-TWICE").await;
    let b = a.sibling().await;
    let cid = c["id"].as_str().unwrap();
    let path = format!("/api/v1/certificates/{cid}/suspend");
    let body = json!({"reason": "Thông báo tạm ngừng số 7/TB"});
    let (r1, r2) = tokio::join!(
        a.as_user(&approver).post(&path, &body),
        b.as_user(&approver).post(&path, &body)
    );
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    // One suspension in the audit log, not two.
    let events: Value = a
        .as_user(&a.admin_token)
        .get_json(&format!(
            "/api/v1/audit?entity_type=certificate&entity_id={cid}&limit=200"
        ))
        .await;
    let suspensions = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "certificate.suspend")
        .count();
    assert_eq!(suspensions, 1, "{events}");
}

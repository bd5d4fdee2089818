//! Offline verification: the signed status bundle (`GET /api/v1/trust/status`) and the
//! `invest-registry verify` command run with no server at all.

use invest_registry::signing::{
    bundle::{self, SignedBundle, StatusBundle},
    seal::KeyId,
};
use p256::{ecdsa::VerifyingKey, pkcs8::DecodePublicKey};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};
use crate::issuing::{approve, draft, issued, json_of};

/// The public keys as published, by id.
async fn trust_keys(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/api/v1/trust/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

fn key_lookup(keys: &Value) -> impl Fn(KeyId) -> Option<VerifyingKey> + '_ {
    move |id| {
        keys["keys"].as_array()?.iter().find_map(|k| {
            (k["key_id"] == id.to_hex())
                .then(|| VerifyingKey::from_public_key_pem(k["public_key_pem"].as_str()?).ok())
                .flatten()
        })
    }
}

/// Downloads the status bundle anonymously, checking its headers.
async fn status_bundle(app: &TestApp) -> SignedBundle {
    let resp = app
        .client
        .get(app.url("/api/v1/trust/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    resp.json().await.unwrap()
}

/// Revokes a certificate as an approver.
pub async fn revoke(app: &TestApp, approver: &str, cert_id: &str, reason: &str) {
    let resp = app
        .as_user(approver)
        .post(
            &format!("/api/v1/certificates/{cert_id}/revoke"),
            &json!({"reason": reason, "revoked_on": "2026-12-05"}),
        )
        .await;
    json_of(resp, StatusCode::OK).await;
}

#[tokio::test]
async fn the_status_bundle_lists_every_version_not_in_force_signed_with_a_published_key() {
    let app = TestApp::spawn().await;
    // Project A: version 0 superseded by version 1, which is then revoked.
    let (project, v0, approver) = issued(&app, "KCN-BUNDLE").await;
    let pid = project["id"].as_str().unwrap();
    let d = json_of(draft(&app, pid).await, StatusCode::CREATED).await;
    let v1 = json_of(
        approve(&app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    revoke(
        &app,
        &approver,
        v1["id"].as_str().unwrap(),
        "Quyết định chấm dứt số 45/QĐ-BQLKKT",
    )
    .await;
    // Project B: in force, so not listed.
    let (other, _, _) = issued(&app, "KCN-BUNDLE2").await;

    let signed = status_bundle(&app).await;
    assert_eq!(signed.algorithm, "ES256");
    assert_eq!(signed.key_id, v0["key_id"].as_str().unwrap());
    let keys = trust_keys(&app).await;
    let b: StatusBundle = bundle::open(&signed, key_lookup(&keys)).expect("verifies");
    assert_eq!(b.format, 1);
    assert_eq!(b.issuer, "BAN QUẢN LÝ KHU KINH TẾ");
    assert_eq!(b.expires_at - b.generated_at, chrono::Duration::hours(24));
    assert!(!b.is_expired(chrono::Utc::now()));
    let code = project["project_code"].as_str().unwrap();
    assert_eq!(b.entries.len(), 2, "{:?}", b.entries);
    let e0 = b.find(code, 0).expect("version 0 listed");
    assert_eq!(e0.status, "superseded");
    assert_eq!(e0.superseded_by_version, Some(1));
    assert_eq!(
        e0.effective_on,
        v1["issued_on"].as_str().map(|d| d.parse().unwrap())
    );
    let e1 = b.find(code, 1).expect("version 1 listed");
    assert_eq!(e1.status, "revoked");
    assert_eq!(
        e1.reason.as_deref(),
        Some("Quyết định chấm dứt số 45/QĐ-BQLKKT")
    );
    assert_eq!(e1.effective_on, "2026-12-05".parse().ok());
    assert_eq!(e1.superseded_by_version, None);
    assert!(
        b.find(other["project_code"].as_str().unwrap(), 0).is_none(),
        "a version in force is not listed"
    );
}

#[tokio::test]
async fn no_status_bundle_is_signed_while_the_signing_key_is_retired() {
    use invest_registry::{domain::auth::Context, domain::certificate::KeyStatus, service};
    let app = TestApp::spawn().await;
    let keys = trust_keys(&app).await;
    let key_id = keys["keys"][0]["key_id"].as_str().unwrap().to_owned();
    service::keys::set_status(
        &app.db,
        &Context::system("test", app.now()),
        &key_id,
        KeyStatus::Retired,
        None,
    )
    .await
    .unwrap();
    let resp = app
        .client
        .get(app.url("/api/v1/trust/status"))
        .send()
        .await
        .unwrap();
    let p = assert_problem(resp, 503, "unavailable").await;
    assert!(p["detail"].as_str().unwrap().contains(&key_id), "{p}");
    // Nor the W3C status lists: a retired key signs nothing new.
    for purpose in ["revocation", "suspension"] {
        let resp = app
            .client
            .get(app.url(&format!("/api/v1/status-lists/{purpose}")))
            .send()
            .await
            .unwrap();
        let p = assert_problem(resp, 503, "unavailable").await;
        assert!(p["detail"].as_str().unwrap().contains(&key_id), "{p}");
    }
}

/// Runs the built binary (off the async runtime, which may be serving an app); returns the exit
/// code and stdout + stderr. No environment: no proxy, no settings, no database.
async fn cli(args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_invest-registry"))
            .args(&args)
            .env_clear()
            .output()
            .expect("the binary runs");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .unwrap()
}

/// A closed local port: nothing listens there.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// What a recipient saved while online: the PDF, and what `trust fetch` downloaded.
struct Saved {
    dir: tempfile::TempDir,
    code: String,
    seal: String,
    url: String,
}

impl Saved {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs `verify INPUT --keys keys.json` with more arguments.
    async fn verify(&self, input: &str, more: &[&str]) -> (i32, String) {
        let keys = self.path("keys.json");
        let mut args = vec!["verify", input, "--keys", &keys];
        args.extend_from_slice(more);
        cli(&args).await
    }
}

/// Saves the certificate's PDF and fetches the trust files with `trust fetch`.
async fn save(app: &TestApp, c: &Value, code: &str) -> Saved {
    let dir = tempfile::tempdir().unwrap();
    let pdf = crate::issuing::pdf_bytes(app, c["id"].as_str().unwrap()).await;
    std::fs::write(dir.path().join("cert.pdf"), &pdf).unwrap();
    let (keys, status) = (dir.path().join("keys.json"), dir.path().join("status.json"));
    let (exit, out) = cli(&[
        "trust",
        "fetch",
        &app.url(""),
        "--keys-out",
        keys.to_str().unwrap(),
        "--status-out",
        status.to_str().unwrap(),
    ])
    .await;
    assert_eq!(exit, 0, "{out}");
    assert!(out.contains("saved 1 key(s)"), "{out}");
    assert!(out.contains("saved the status bundle"), "{out}");
    Saved {
        dir,
        code: code.to_owned(),
        seal: c["seal"].as_str().unwrap().to_owned(),
        url: c["verification_url"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn a_downloaded_pdf_verifies_with_no_server_running() {
    let app = TestApp::spawn().await;
    let (project, c, _approver) = issued(&app, "KCN-OFFLINE").await;
    let code = project["project_code"].as_str().unwrap();
    let saved = save(&app, &c, code).await;
    drop(app);

    let pdf = std::fs::read(saved.path("cert.pdf")).unwrap();
    assert!(
        pdf.windows(saved.url.len())
            .any(|w| w == saved.url.as_bytes()),
        "the verification URL is a plain string in the PDF"
    );

    // The PDF, with the keys alone: genuine, the status not checked, and said so.
    let (exit, out) = saved.verify(&saved.path("cert.pdf"), &[]).await;
    assert_eq!(exit, 0, "{out}");
    assert!(out.contains("KẾT QUẢ: ĐÚNG BẢN GỐC"), "{out}");
    assert!(out.contains(&saved.code), "{out}");
    assert!(out.contains("was not checked"), "{out}");
    assert!(out.contains("Signer:"), "{out}");
    assert!(out.contains("development key"), "{out}");
    // With the status bundle: in force as of the bundle's date.
    let status = saved.path("status.json");
    let (exit, out) = saved
        .verify(&saved.path("cert.pdf"), &["--status", &status])
        .await;
    assert_eq!(exit, 0, "{out}");
    assert!(out.contains("Genuine and in force"), "{out}");
    assert!(out.contains("status bundle"), "{out}");
    // The seal in any case, and the URL.
    for input in [saved.seal.to_ascii_lowercase(), saved.url.clone()] {
        let (exit, out) = saved.verify(&input, &["--status", &status]).await;
        assert_eq!(exit, 0, "{input}: {out}");
        assert!(out.contains(&saved.code), "{out}");
    }
    // JSON for programs.
    let (exit, out) = saved
        .verify(&saved.path("cert.pdf"), &["--status", &status, "--json"])
        .await;
    assert_eq!(exit, 0, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["verdict"], "genuine");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["certificate"]["project_code"], saved.code.as_str());
    assert_eq!(report["certificate"]["version"], 0);
    assert_eq!(report["status"]["status"], "in_force");
    assert_eq!(report["key"]["key_id"], c["key_id"]);
    assert!(report["pdf"]["signing_time"].is_string());

    // One byte changed inside the signed bytes.
    let mut changed = pdf.clone();
    let at = changed
        .windows(9)
        .position(|w| w == b"/Producer")
        .expect("metadata")
        + 12;
    changed[at] ^= 0x01;
    let file = saved.path("changed.pdf");
    std::fs::write(&file, &changed).unwrap();
    let (exit, out) = saved.verify(&file, &[]).await;
    assert_eq!(exit, 2, "{out}");
    assert!(out.contains("modified"), "{out}");
    // Bytes appended after the signature.
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% a later revision\n");
    let file = saved.path("appended.pdf");
    std::fs::write(&file, &appended).unwrap();
    let (exit, out) = saved.verify(&file, &[]).await;
    assert_eq!(exit, 2, "{out}");
    assert!(out.contains("modified"), "{out}");
    // Not a PDF at all.
    let file = saved.path("notes.txt");
    std::fs::write(&file, "not a certificate").unwrap();
    let (exit, out) = saved.verify(&file, &[]).await;
    assert_eq!(exit, 3, "{out}");
    assert!(out.contains("not a PDF"), "{out}");
    // A seal with one character changed.
    let mut chars: Vec<char> = saved.seal.chars().collect();
    chars[80] = if chars[80] == 'A' { 'B' } else { 'A' };
    let forged: String = chars.into_iter().collect();
    let (exit, out) = saved.verify(&forged, &[]).await;
    assert_eq!(exit, 2, "{out}");
    assert!(out.contains("not valid"), "{out}");
    // A keys file without the signing key (another registry's): unknown key.
    let other = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let other_keys = json!({"keys": [{
        "key_id": KeyId::of(other.verifying_key()).to_hex(),
        "status": "active",
        "public_key_pem": p256::pkcs8::EncodePublicKey::to_public_key_pem(
            other.verifying_key(),
            p256::pkcs8::LineEnding::LF,
        ).unwrap(),
    }]});
    let other_file = saved.path("other-keys.json");
    std::fs::write(&other_file, other_keys.to_string()).unwrap();
    for input in [saved.path("cert.pdf"), saved.seal.clone()] {
        let (exit, out) = cli(&["verify", &input, "--keys", &other_file]).await;
        assert_eq!(exit, 2, "{out}");
        assert!(out.contains("not signed by a published key"), "{out}");
    }
    // An unreadable keys file, a missing argument: could not check.
    let (exit, out) = cli(&["verify", &saved.seal, "--keys", &saved.path("none.json")]).await;
    assert_eq!(exit, 3, "{out}");
    assert!(out.contains("cannot read the keys file"), "{out}");
    let (exit, _) = cli(&["verify", &saved.seal]).await;
    assert_eq!(exit, 3, "a usage error is not 'not genuine'");
    // Online, with nothing listening: could not check, never "not genuine".
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let (exit, out) = saved
        .verify(&saved.path("cert.pdf"), &["--online", &closed])
        .await;
    assert_eq!(exit, 3, "{out}");
    assert!(out.contains("Could not check online"), "{out}");
    assert!(!out.contains("Not genuine"), "{out}");
}

#[tokio::test]
async fn a_revoked_certificate_is_reported_with_its_reason_and_an_expired_bundle_as_expired() {
    let app = TestApp::spawn().await;
    let (project, c, approver) = issued(&app, "KCN-REVOKED").await;
    let reason = "Quyết định chấm dứt hoạt động dự án số 45/QĐ-BQLKKT";
    revoke(&app, &approver, c["id"].as_str().unwrap(), reason).await;
    let code = project["project_code"].as_str().unwrap();
    let saved = save(&app, &c, code).await;

    // Online against the running registry: revoked, with the reason.
    let (exit, out) = saved.verify(&saved.seal, &["--online", &app.url("")]).await;
    assert_eq!(exit, 1, "{out}");
    assert!(out.contains(reason), "{out}");
    // And the PDF, offline and online at once.
    let (exit, out) = saved
        .verify(&saved.path("cert.pdf"), &["--online", &app.url("")])
        .await;
    assert_eq!(exit, 1, "{out}");
    assert!(!out.contains("Not genuine"), "{out}");
    // An expired bundle, signed with the registry's own key.
    let identity =
        invest_registry::signing::keys::load_or_generate_development(&app.data_dir().join("keys"))
            .unwrap();
    let made = chrono::Utc::now() - chrono::Duration::hours(48);
    let expired = bundle::sign(
        &StatusBundle {
            format: bundle::FORMAT_V1,
            issuer: "BAN QUẢN LÝ KHU KINH TẾ".to_owned(),
            generated_at: made,
            expires_at: made + chrono::Duration::hours(24),
            entries: Vec::new(),
        },
        identity.signing_key(),
    );
    std::fs::write(
        saved.path("expired.json"),
        serde_json::to_string(&expired).unwrap(),
    )
    .unwrap();
    drop(app);

    let status = saved.path("status.json");
    let (exit, out) = saved
        .verify(&saved.path("cert.pdf"), &["--status", &status])
        .await;
    assert_eq!(exit, 1, "{out}");
    assert!(out.contains("ĐÃ BỊ THU HỒI"), "{out}");
    assert!(out.contains("revoked"), "{out}");
    assert!(out.contains(reason), "{out}");
    assert!(out.contains("05/12/2026"), "{out}");

    let (exit, out) = saved
        .verify(
            &saved.path("cert.pdf"),
            &["--status", &saved.path("expired.json")],
        )
        .await;
    assert_eq!(exit, 3, "{out}");
    assert!(out.contains("EXPIRED"), "{out}");
    assert!(!out.contains("Not genuine"), "{out}");
}

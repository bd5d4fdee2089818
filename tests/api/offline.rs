//! Offline verification: the signed status bundle (`GET /api/v1/trust/status`) and the
//! `invest-registry verify` command run with no server at all.

use invest_registry::signing::{
    bundle::{self, SignedBundle, StatusBundle},
    seal::KeyId,
};
use p256::{ecdsa::VerifyingKey, pkcs8::DecodePublicKey};
use reqwest::{Method, StatusCode};
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
                .then(|| {
                    VerifyingKey::from_public_key_pem(k["public_key_pem"].as_str()?).ok()
                })
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
        .send_as(
            Some(approver),
            Method::POST,
            &format!("/api/v1/certificates/{cert_id}/revoke"),
            Some(&json!({"reason": reason, "revoked_on": "2026-12-05"})),
            None,
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
    assert_eq!(e0.effective_on, v1["issued_on"].as_str().map(|d| d.parse().unwrap()));
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
    service::certificates::set_key_status(
        &app.db,
        &Context::system("test"),
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
}

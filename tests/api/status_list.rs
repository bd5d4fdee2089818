//! The W3C Bitstring Status Lists, read as a verifier outside the project reads them: by
//! `status_list_check.py`, written from the specification with no code of this project.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::TestApp,
    issuing::{act, issued},
};

/// The purpose and bit the outside check reads for an index, or `None` when python3 with the
/// `cryptography` package is missing (required in CI, where pyHanko brings it). It runs on the
/// blocking pool: it calls back into the server this test's runtime serves.
async fn outside_check(app: &TestApp, purpose: &str, index: i64) -> Option<String> {
    let list = app.url(&format!("/api/v1/status-lists/{purpose}"));
    let keys = app.url("/api/v1/trust/keys");
    tokio::task::spawn_blocking(move || run_check(&list, index, &keys))
        .await
        .expect("the check runs")
}

fn run_check(list: &str, index: i64, keys: &str) -> Option<String> {
    let available = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var("REQUIRE_PDF_VALIDATORS").as_deref() != Ok("1"),
            "python3 with cryptography is required (REQUIRE_PDF_VALIDATORS=1)"
        );
        eprintln!("note: python3 with cryptography missing; the outside check is skipped");
        return None;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/status_list_check.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(list)
        .arg(index.to_string())
        .arg(keys)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The index a certificate gives for a purpose, checking its entry.
fn index_of(cert: &Value, purpose: &str) -> i64 {
    let entries = cert["credential_status"]
        .as_array()
        .expect("issued: entries");
    let entry = entries
        .iter()
        .find(|e| e["status_purpose"] == purpose)
        .unwrap_or_else(|| panic!("no {purpose} entry: {cert}"));
    // The list's address under the registry's public base URL (the tests' is verify.test).
    assert_eq!(
        entry["status_list_credential"],
        format!("http://verify.test/api/v1/status-lists/{purpose}")
    );
    entry["status_list_index"].as_i64().unwrap()
}

#[tokio::test]
async fn an_outside_verifier_reads_revoked_suspended_and_in_force_as_the_api_says() {
    let app = TestApp::spawn().await;
    let (_, in_force, _) = issued(&app, "KCN-SL-A").await;
    let (_, suspended, approver_b) = issued(&app, "KCN-SL-B").await;
    let (_, revoked, approver_c) = issued(&app, "KCN-SL-C").await;
    let suspended = act(
        &app,
        &approver_b,
        &suspended,
        "suspend",
        json!({"reason": "Quyết định tạm ngừng số 12/QĐ-BQLKKT"}),
    )
    .await;
    let revoked = act(
        &app,
        &approver_c,
        &revoked,
        "revoke",
        json!({"reason": "Quyết định chấm dứt số 45/QĐ-BQLKKT"}),
    )
    .await;
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(revoked["status"], "revoked");

    let indices: Vec<i64> = [&in_force, &suspended, &revoked]
        .iter()
        .map(|c| index_of(c, "revocation"))
        .collect();
    for c in [&in_force, &suspended, &revoked] {
        assert_eq!(
            index_of(c, "revocation"),
            index_of(c, "suspension"),
            "one index in both lists"
        );
    }
    let mut distinct = indices.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "each version its own index: {indices:?}");

    for (cert, revocation, suspension) in [
        (&in_force, "0", "0"),
        (&suspended, "0", "1"),
        (&revoked, "1", "0"),
    ] {
        let index = index_of(cert, "revocation");
        for (purpose, want) in [("revocation", revocation), ("suspension", suspension)] {
            if let Some(got) = outside_check(&app, purpose, index).await {
                assert_eq!(
                    got,
                    format!("{purpose} {want}"),
                    "{} ({}) in the {purpose} list",
                    cert["project_code"],
                    cert["status"]
                );
            }
        }
    }

    // Resumed, the suspended version's bit clears.
    let resumed = act(&app, &approver_b, &suspended, "resume", json!({})).await;
    assert_eq!(resumed["status"], "in_force");
    if let Some(got) = outside_check(&app, "suspension", indices[1]).await {
        assert_eq!(got, "suspension 0");
    }

    // Drafts have no entry; an unknown purpose is a 400 naming it.
    let resp = app.anonymous().get("/api/v1/status-lists/expiry").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

/// Versions issued before the lists existed get an index when an instance starts, each its own,
/// and one already given is kept.
#[tokio::test]
async fn versions_issued_before_the_lists_get_their_index_at_start() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = TestApp::spawn().await;
    let (_, first, _) = issued(&app, "KCN-SL-OLD").await;
    let (_, second, _) = issued(&app, "KCN-SL-NEW").await;
    let kept = index_of(&second, "revocation");
    let id = first["id"].as_str().unwrap();
    // As a database from before the lists: the first version has no index.
    let cleared = entity::certificate::Entity::update_many()
        .col_expr(
            entity::certificate::Column::StatusListIndex,
            Expr::value(Option::<i32>::None),
        )
        .filter(entity::certificate::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(cleared.rows_affected, 1);
    let c: Value = app
        .get(&format!("/api/v1/certificates/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["credential_status"], json!([]), "no index yet: no entry");

    let _restarted = app.second_instance().await;
    let c: Value = app
        .get(&format!("/api/v1/certificates/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let given = index_of(&c, "revocation");
    assert_ne!(given, kept, "its own index");
    let s: Value = app
        .get(&format!(
            "/api/v1/certificates/{}",
            second["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        index_of(&s, "revocation"),
        kept,
        "an index once given is kept"
    );
}

use chrono::{Duration, TimeZone};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::*;
use crate::signing::bundle::{StatusBundle, StatusEntry};
use crate::signing::seal::SealFacts;

fn key() -> SigningKey {
    SigningKey::random(&mut rand::rngs::OsRng)
}

fn key_json(k: &SigningKey, status: &str) -> serde_json::Value {
    json!({
        "key_id": KeyId::of(k.verifying_key()).to_hex(),
        "status": status,
        "development": true,
        "subject": "Investment Registry Development Signer",
        "public_key_pem": k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap(),
        "retired_at": if status == "retired" { json!("2026-06-01T00:00:00Z") } else { json!(null) },
    })
}

fn trust(keys: &[(&SigningKey, &str)]) -> TrustList {
    let list = json!({"keys": keys.iter().map(|(k, s)| key_json(k, s)).collect::<Vec<_>>()});
    TrustList::from_json(&list.to_string()).unwrap()
}

fn issued_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn a_seal(k: &SigningKey) -> String {
    seal::make(
        &SealFacts {
            project_code: "2310001234".to_owned(),
            certificate_version: 1,
            issued_on: issued_on(),
            total_capital_vnd: 1_250_000_000_000,
            content_digest: Sha256::digest(b"content").into(),
        },
        k,
    )
    .unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap()
}

fn bundle_text(k: &SigningKey, generated_at: DateTime<Utc>, entries: Vec<StatusEntry>) -> String {
    let b = StatusBundle {
        format: bundle::FORMAT_V1,
        issuer: "BAN QUẢN LÝ KHU KINH TẾ".to_owned(),
        generated_at,
        expires_at: generated_at + Duration::hours(24),
        entries,
    };
    serde_json::to_string(&bundle::sign(&b, k)).unwrap()
}

fn revoked_v1() -> StatusEntry {
    StatusEntry {
        project_code: "2310001234".to_owned(),
        version: 1,
        status: "revoked".to_owned(),
        reason: Some("Quyết định số 45/QĐ-BQLKKT".to_owned()),
        effective_on: NaiveDate::from_ymd_opt(2026, 11, 30),
        superseded_by_version: None,
    }
}

/// Checks a seal, then a bundle and an online answer when given.
fn check(
    seal_text: &str,
    keys: &TrustList,
    bundle: Option<&str>,
    online: Option<OnlineAnswer>,
) -> Report {
    let mut st = State::new("seal");
    check_seal_text(seal_text, keys, &mut st);
    if st.genuine_so_far() {
        if let Some(b) = bundle {
            apply_bundle(b, keys, now(), &mut st);
        }
        if let Some(a) = online {
            apply_online(&a, now(), &mut st);
        }
    }
    st.finish()
}

#[test]
fn inputs_are_told_apart_as_file_url_or_seal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cert.pdf");
    std::fs::write(&file, b"%PDF-").unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(Input::classify(path), Input::Pdf(file.clone()));
    assert_eq!(
        Input::classify("https://dautu.example.gov.vn/v/ABC234?utm=x#top"),
        Input::Url("ABC234".into())
    );
    assert_eq!(
        Input::classify(" HTTP://VERIFY.TEST/V/ABC234/ "),
        Input::Url("ABC234".into())
    );
    assert_eq!(Input::classify("abc234"), Input::Seal("abc234".into()));
    assert_eq!(
        Input::classify("missing.PDF"),
        Input::MissingFile("missing.PDF".into())
    );
}

#[test]
fn seals_are_found_after_v_in_any_case_once_each() {
    let s = a_seal(&key());
    let mut pdf = b"%PDF-1.7\n<</URI(http://verify.test/v/".to_vec();
    pdf.extend_from_slice(s.as_bytes());
    pdf.extend_from_slice(b")>>\nlater <</URI(HTTP://VERIFY.TEST/V/");
    pdf.extend_from_slice(s.to_ascii_lowercase().as_bytes());
    pdf.extend_from_slice(b")>> /v/");
    pdf.extend_from_slice(s.as_bytes());
    pdf.extend_from_slice(b"A too long /v/SHORT");
    assert_eq!(seals_in(&pdf), vec![s]);
    assert!(seals_in(b"").is_empty());
    assert!(seals_in(b"/v/").is_empty());
}

#[test]
fn a_genuine_seal_without_a_status_check_exits_0_and_says_the_status_was_not_checked() {
    let k = key();
    let r = check(
        &a_seal(&k).to_ascii_lowercase(),
        &trust(&[(&k, "active")]),
        None,
        None,
    );
    assert_eq!(r.exit_code, 0);
    assert_eq!(r.verdict, Verdict::GenuineStatusNotChecked);
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(
        (
            c.project_code.as_str(),
            c.version,
            c.issued_on,
            c.total_capital_vnd
        ),
        ("2310001234", 1, issued_on(), 1_250_000_000_000)
    );
    let text = r.to_text();
    assert!(
        text.contains("ĐÚNG BẢN GỐC; CHƯA KIỂM TRA HIỆU LỰC"),
        "{text}"
    );
    assert!(text.contains("1.250.000.000.000 đồng"), "{text}");
    assert!(text.contains("was not checked"), "{text}");
    assert!(text.contains("development key"), "{text}");
}

#[test]
fn a_changed_seal_an_unknown_key_or_a_compromised_key_exit_2_and_garbage_exits_3() {
    let (k, other) = (key(), key());
    let seal = a_seal(&k);
    let mut chars: Vec<char> = seal.chars().collect();
    chars[100] = if chars[100] == 'A' { 'B' } else { 'A' };
    let changed: String = chars.into_iter().collect();
    let r = check(&changed, &trust(&[(&k, "active")]), None, None);
    assert_eq!((r.exit_code, r.reason.as_deref()), (2, Some("bad_seal")));
    let r = check(&seal, &trust(&[(&other, "active")]), None, None);
    assert_eq!((r.exit_code, r.reason.as_deref()), (2, Some("unknown_key")));
    let r = check(&seal, &trust(&[(&k, "compromised")]), None, None);
    assert_eq!(
        (r.exit_code, r.reason.as_deref()),
        (2, Some("compromised_key"))
    );
    assert!(
        r.headline.contains("Not trustworthy offline"),
        "{}",
        r.headline
    );
    for garbage in ["", "hello", &seal[..169], &"0".repeat(170)] {
        let r = check(garbage, &trust(&[(&k, "active")]), None, None);
        assert_eq!((r.exit_code, r.reason.as_deref()), (3, Some("bad_input")));
    }
}

#[test]
fn a_seal_dated_after_its_key_was_retired_is_not_genuine_but_one_dated_before_is() {
    let k = key();
    // The key was retired on 2026-06-01; the seal says 2026-11-29.
    let r = check(&a_seal(&k), &trust(&[(&k, "retired")]), None, None);
    assert_eq!(r.exit_code, 2);
    assert_eq!(r.reason.as_deref(), Some("signed_after_retirement"));
    let mut list = key_json(&k, "retired");
    list["retired_at"] = json!("2026-12-31T00:00:00Z");
    let keys = TrustList::from_json(&json!({"keys": [list]}).to_string()).unwrap();
    assert_eq!(check(&a_seal(&k), &keys, None, None).exit_code, 0);
}

#[test]
fn a_fresh_bundle_tells_revoked_and_in_force_apart() {
    let k = key();
    let keys = trust(&[(&k, "active")]);
    let made = now() - Duration::hours(2);
    let r = check(
        &a_seal(&k),
        &keys,
        Some(&bundle_text(&k, made, vec![revoked_v1()])),
        None,
    );
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.verdict, Verdict::NotInForce);
    let text = r.to_text();
    assert!(text.contains("ĐÃ BỊ THU HỒI"), "{text}");
    assert!(text.contains("Quyết định số 45/QĐ-BQLKKT"), "{text}");
    assert!(text.contains("30/11/2026"), "{text}");

    let r = check(
        &a_seal(&k),
        &keys,
        Some(&bundle_text(&k, made, vec![])),
        None,
    );
    assert_eq!(r.exit_code, 0);
    assert_eq!(r.verdict, Verdict::Genuine);
    let s = r.status.as_ref().unwrap();
    assert_eq!(
        (s.status.as_str(), s.source, s.as_of),
        ("in_force", "bundle", made)
    );
    assert!(r.to_text().contains("Genuine and in force"));
}

#[test]
fn an_expired_stale_forged_or_unreadable_bundle_is_not_used_and_exits_3() {
    let (k, other) = (key(), key());
    let keys = trust(&[(&k, "active")]);
    let seal = a_seal(&k);
    // Expired: made 30 hours ago with a 24-hour life.
    let expired = bundle_text(&k, now() - Duration::hours(30), vec![revoked_v1()]);
    let r = check(&seal, &keys, Some(&expired), None);
    assert_eq!(
        (r.exit_code, r.reason.as_deref()),
        (3, Some("status_unavailable"))
    );
    assert!(r.status.is_none(), "an expired bundle gives no verdict");
    let text = r.to_text();
    assert!(
        text.contains("HẾT HẠN") && text.contains("EXPIRED"),
        "{text}"
    );
    assert!(!text.contains("Not genuine"), "{text}");
    // Made (and checked, still fresh) before the certificate was issued.
    let old = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
    let mut st = State::new("seal");
    check_seal_text(&seal, &keys, &mut st);
    apply_bundle(
        &bundle_text(&k, old, vec![]),
        &keys,
        old + Duration::hours(1),
        &mut st,
    );
    let r = st.finish();
    assert_eq!(r.exit_code, 3);
    assert!(r.to_text().contains("before this certificate was issued"));
    // Signed by another key, or by a compromised one, or not a bundle at all.
    let forged = bundle_text(&other, now(), vec![]);
    assert!(
        check(&seal, &keys, Some(&forged), None)
            .to_text()
            .contains("not valid")
    );
    let both = trust(&[(&k, "active"), (&other, "compromised")]);
    assert_eq!(check(&seal, &both, Some(&forged), None).exit_code, 3);
    assert_eq!(check(&seal, &keys, Some("{}"), None).exit_code, 3);
    assert_eq!(check(&seal, &keys, Some("garbage"), None).exit_code, 3);
}

#[test]
fn online_answers_are_read_tolerantly_and_a_failure_is_never_not_genuine() {
    let k = key();
    let keys = trust(&[(&k, "active")]);
    let seal = a_seal(&k);
    let answer =
        |code: u16, body: serde_json::Value| Some(OnlineAnswer::Answered(code, body.to_string()));
    let r = check(
        &seal,
        &keys,
        None,
        answer(200, json!({"verdict": "genuine"})),
    );
    assert_eq!((r.exit_code, r.verdict), (0, Verdict::Genuine));
    let r = check(
        &seal,
        &keys,
        None,
        answer(
            200,
            json!({"verdict": "revoked", "certificate": {"status": "revoked", "status_reason": "lý do", "status_effective_on": "2026-11-30"}}),
        ),
    );
    assert_eq!(r.exit_code, 1);
    let s = r.status.as_ref().unwrap();
    assert_eq!(
        (
            s.status.as_str(),
            s.source,
            s.reason.as_deref(),
            s.effective_on
        ),
        (
            "revoked",
            "online",
            Some("lý do"),
            NaiveDate::from_ymd_opt(2026, 11, 30)
        )
    );
    let r = check(
        &seal,
        &keys,
        None,
        answer(
            404,
            json!({"verdict": "not_genuine", "reason": "unknown seal"}),
        ),
    );
    assert_eq!(
        (r.exit_code, r.reason.as_deref()),
        (2, Some("registry_not_genuine"))
    );
    // Failures: unreachable, 5xx, a body that says nothing.
    for a in [
        Some(OnlineAnswer::Unreachable("connection refused".into())),
        answer(503, json!({"verdict": "not_genuine"})),
        answer(200, json!({"hello": 1})),
        Some(OnlineAnswer::Answered(404, "<html>".into())),
    ] {
        let r = check(&seal, &keys, None, a.clone());
        assert_eq!(r.exit_code, 3, "{a:?}");
        let text = r.to_text();
        assert!(text.contains("Could not check online"), "{text}");
        assert!(
            !text.contains("Not genuine") && !text.contains("KHÔNG HỢP LỆ"),
            "{text}"
        );
    }
    // Online, when it answers, is fresher than a bundle; when it fails, the bundle stands.
    let fresh = bundle_text(&k, now() - Duration::hours(1), vec![]);
    let r = check(
        &seal,
        &keys,
        Some(&fresh),
        answer(200, json!({"verdict": "suspended"})),
    );
    assert_eq!(r.exit_code, 1);
    let r = check(
        &seal,
        &keys,
        Some(&fresh),
        Some(OnlineAnswer::Unreachable("timeout".into())),
    );
    assert_eq!(r.exit_code, 0);
    assert!(r.to_text().contains("Could not check online"));
}

#[test]
fn a_keys_file_must_be_the_trust_list_with_matching_ids() {
    let (k, other) = (key(), key());
    assert!(TrustList::from_json("not json").is_err());
    assert!(TrustList::from_json(r#"{"keys": []}"#).is_err());
    let mut wrong = key_json(&k, "active");
    wrong["key_id"] = json!(KeyId::of(other.verifying_key()).to_hex());
    let err = TrustList::from_json(&json!({"keys": [wrong]}).to_string()).unwrap_err();
    assert!(err.contains("its public key has the id"), "{err}");
    let mut bad = key_json(&k, "active");
    bad["public_key_pem"] = json!("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    assert!(TrustList::from_json(&json!({"keys": [bad]}).to_string()).is_err());
}

#[test]
fn a_non_pdf_or_an_unsigned_pdf_is_reported_plainly() {
    let k = key();
    let keys = trust(&[(&k, "active")]);
    let mut st = State::new("pdf");
    check_pdf(b"hello, not a pdf", &keys, &mut st);
    let r = st.finish();
    assert_eq!((r.exit_code, r.reason.as_deref()), (3, Some("not_a_pdf")));
    assert!(r.headline.contains("not a PDF"), "{}", r.headline);
    let mut st = State::new("pdf");
    check_pdf(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", &keys, &mut st);
    let r = st.finish();
    assert_eq!((r.exit_code, r.reason.as_deref()), (2, Some("not_signed")));
}

//! The signed status bundle: a dated list of the certificate versions that are not in force
//! (superseded, suspended, revoked), signed with an issuing key, so a verifier without network
//! can tell whether a genuine certificate was still in force when the bundle was made.
//!
//! Wire form ([`SignedBundle`], JSON): the bundle's JSON bytes in base64url without padding, the
//! signing key's id, the algorithm (`ES256`) and the ECDSA P-256 signature (`r ‖ s`, base64url)
//! over a domain-separation prefix and the payload bytes exactly as sent. The signature is
//! checked before the payload is parsed, so nothing unauthenticated is interpreted.
//!
//! Reading the list: every issued version that is not in force is listed; a version that is
//! absent and was issued before `generated_at` was in force at `generated_at`. A bundle past
//! `expires_at` must not be used for a verdict.

#![warn(missing_docs)]

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use p256::ecdsa::{
    Signature, SigningKey, VerifyingKey,
    signature::{Signer, Verifier},
};
use serde::{Deserialize, Serialize};

use super::seal::KeyId;

/// The format written in [`StatusBundle::format`].
pub const FORMAT_V1: u32 = 1;
/// The only algorithm: ECDSA P-256 with SHA-256 (JOSE name).
pub const ALGORITHM: &str = "ES256";
/// Prefix of every signed message, so a bundle signature can never be taken for a seal or a PDF
/// signature made by the same key, nor the other way round.
const DOMAIN: &[u8] = b"invest-registry/status-bundle/v1\n";
/// Largest payload [`open`] decodes (base64 characters): far above any registry's list, small
/// enough that a hostile file cannot make the verifier allocate without bound.
pub const MAX_PAYLOAD_CHARS: usize = 64 * 1024 * 1024;

/// The list of certificate versions not in force, as of `generated_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBundle {
    /// Format version ([`FORMAT_V1`]).
    pub format: u32,
    /// Who made it: the issuing body's name, for people.
    pub issuer: String,
    /// When the list was read from the registry.
    pub generated_at: DateTime<Utc>,
    /// After this instant the bundle must not be used for a verdict.
    pub expires_at: DateTime<Utc>,
    /// Every issued version not in force, ordered by project code then version.
    pub entries: Vec<StatusEntry>,
}

/// One certificate version that is not in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// Project code, 10 digits.
    pub project_code: String,
    /// Certificate version (0 = first issue).
    pub version: u32,
    /// `superseded`, `suspended` or `revoked`.
    pub status: String,
    /// Why (the decision's number and date), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Date the status took effect (Vietnamese calendar), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_on: Option<NaiveDate>,
    /// For a superseded version, the version that replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by_version: Option<u32>,
}

/// A bundle as published: payload, key id, algorithm, signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedBundle {
    /// The JSON of a [`StatusBundle`], base64url without padding.
    pub payload: String,
    /// The signing key's id, lower-case hex (as in the trust list).
    pub key_id: String,
    /// [`ALGORITHM`].
    pub algorithm: String,
    /// ECDSA P-256 signature `r ‖ s` (64 bytes), base64url without padding.
    pub signature: String,
}

/// Why a bundle was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle: bad encoding, an unknown algorithm or format, unreadable JSON.
    #[error("not a status bundle: {0}")]
    Malformed(&'static str),
    /// Signed by a key the verifier does not know.
    #[error("the status bundle is signed by an unknown key")]
    UnknownKey,
    /// The signature does not match the payload: changed, or signed by another key.
    #[error("the status bundle's signature does not match")]
    BadSignature,
}

impl StatusBundle {
    /// True when `now` is at or past `expires_at`: the bundle must not be used for a verdict.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// The entry of a certificate version, if that version is not in force.
    pub fn find(&self, project_code: &str, version: u32) -> Option<&StatusEntry> {
        self.entries
            .iter()
            .find(|e| e.project_code == project_code && e.version == version)
    }
}

fn signed_message(payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + payload.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(payload);
    m
}

/// Signs a bundle with an issuing key.
pub fn sign(bundle: &StatusBundle, key: &SigningKey) -> SignedBundle {
    // Serialising plain structs of strings, numbers and dates cannot fail; an empty payload would
    // only make `open` answer Malformed.
    let json = serde_json::to_vec(bundle).unwrap_or_default();
    let signature: Signature = key.sign(&signed_message(&json));
    SignedBundle {
        payload: URL_SAFE_NO_PAD.encode(&json),
        key_id: KeyId::of(key.verifying_key()).to_hex(),
        algorithm: ALGORITHM.to_owned(),
        signature: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
    }
}

/// Checks a bundle's signature with the key `key` finds by id, then reads it. Expiry is the
/// caller's decision ([`StatusBundle::is_expired`]). Safe on hostile input: never panics, and
/// its work is linear in the input's size.
pub fn open(
    signed: &SignedBundle,
    key: impl Fn(KeyId) -> Option<VerifyingKey>,
) -> Result<StatusBundle, BundleError> {
    if signed.algorithm != ALGORITHM {
        return Err(BundleError::Malformed("unsupported algorithm"));
    }
    let mut id = [0u8; 8];
    hex::decode_to_slice(signed.key_id.trim(), &mut id)
        .map_err(|_| BundleError::Malformed("key id is not 16 hex digits"))?;
    if signed.payload.len() > MAX_PAYLOAD_CHARS {
        return Err(BundleError::Malformed("payload too large"));
    }
    let payload = URL_SAFE_NO_PAD
        .decode(signed.payload.as_bytes())
        .map_err(|_| BundleError::Malformed("payload is not base64url"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signed.signature.as_bytes())
        .map_err(|_| BundleError::Malformed("signature is not base64url"))?;
    let verifying = key(KeyId(id)).ok_or(BundleError::UnknownKey)?;
    let signature = Signature::from_slice(&signature).map_err(|_| BundleError::BadSignature)?;
    verifying
        .verify(&signed_message(&payload), &signature)
        .map_err(|_| BundleError::BadSignature)?;
    let bundle: StatusBundle = serde_json::from_slice(&payload)
        .map_err(|_| BundleError::Malformed("payload is not a status bundle"))?;
    if bundle.format != FORMAT_V1 {
        return Err(BundleError::Malformed("unsupported format"));
    }
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key() -> SigningKey {
        SigningKey::random(&mut rand::rngs::OsRng)
    }

    fn bundle() -> StatusBundle {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        StatusBundle {
            format: FORMAT_V1,
            issuer: "BAN QUẢN LÝ KHU KINH TẾ".to_owned(),
            generated_at: at,
            expires_at: at + chrono::Duration::hours(24),
            entries: vec![
                StatusEntry {
                    project_code: "2310001234".to_owned(),
                    version: 0,
                    status: "superseded".to_owned(),
                    reason: None,
                    effective_on: NaiveDate::from_ymd_opt(2026, 11, 29),
                    superseded_by_version: Some(1),
                },
                StatusEntry {
                    project_code: "2310005678".to_owned(),
                    version: 2,
                    status: "revoked".to_owned(),
                    reason: Some("Quyết định số 45/QĐ-BQLKKT".to_owned()),
                    effective_on: NaiveDate::from_ymd_opt(2026, 11, 30),
                    superseded_by_version: None,
                },
            ],
        }
    }

    fn lookup(k: &SigningKey) -> impl Fn(KeyId) -> Option<VerifyingKey> + '_ {
        move |id| (id == KeyId::of(k.verifying_key())).then(|| *k.verifying_key())
    }

    #[test]
    fn a_signed_bundle_round_trips_through_json() {
        let k = key();
        let signed = sign(&bundle(), &k);
        assert_eq!(signed.algorithm, "ES256");
        assert_eq!(signed.key_id, KeyId::of(k.verifying_key()).to_hex());
        let text = serde_json::to_string(&signed).unwrap();
        let back: SignedBundle = serde_json::from_str(&text).unwrap();
        let opened = open(&back, lookup(&k)).unwrap();
        assert_eq!(opened, bundle());
        assert_eq!(opened.find("2310005678", 2).unwrap().status, "revoked");
        assert!(opened.find("2310005678", 1).is_none());
        assert!(opened.find("2310001234", 1).is_none());
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let k = key();
        let mut changed = bundle();
        changed.entries.pop();
        let mut signed = sign(&bundle(), &k);
        // The revocation removed from the list, the signature kept.
        signed.payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&changed).unwrap());
        assert_eq!(open(&signed, lookup(&k)), Err(BundleError::BadSignature));
        // One character changed in place.
        let mut signed = sign(&bundle(), &k);
        let mut chars: Vec<char> = signed.payload.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        signed.payload = chars.into_iter().collect();
        assert_eq!(open(&signed, lookup(&k)), Err(BundleError::BadSignature));
    }

    #[test]
    fn a_bundle_checked_with_another_key_or_an_unknown_key_is_refused() {
        let (k, other) = (key(), key());
        let signed = sign(&bundle(), &k);
        assert_eq!(
            open(&signed, |_| Some(*other.verifying_key())),
            Err(BundleError::BadSignature)
        );
        assert_eq!(open(&signed, lookup(&other)), Err(BundleError::UnknownKey));
        assert_eq!(open(&signed, |_| None), Err(BundleError::UnknownKey));
    }

    #[test]
    fn a_bundle_is_expired_from_its_expiry_instant() {
        let b = bundle();
        assert!(!b.is_expired(b.generated_at));
        assert!(!b.is_expired(b.expires_at - chrono::Duration::seconds(1)));
        assert!(b.is_expired(b.expires_at));
        assert!(b.is_expired(b.expires_at + chrono::Duration::days(3)));
    }

    #[test]
    fn a_seal_signature_cannot_pass_for_a_bundle_signature() {
        // The same key signing the same bytes without the bundle prefix does not verify.
        let k = key();
        let mut signed = sign(&bundle(), &k);
        let payload = URL_SAFE_NO_PAD.decode(&signed.payload).unwrap();
        let raw: Signature = k.sign(&payload);
        signed.signature = URL_SAFE_NO_PAD.encode(raw.to_bytes());
        assert_eq!(open(&signed, lookup(&k)), Err(BundleError::BadSignature));
    }

    #[test]
    fn garbage_input_is_refused_without_panicking() {
        let k = key();
        let good = sign(&bundle(), &k);
        let signed_json = |json: &[u8]| {
            let sig: Signature = k.sign(&signed_message(json));
            SignedBundle {
                payload: URL_SAFE_NO_PAD.encode(json),
                signature: URL_SAFE_NO_PAD.encode(sig.to_bytes()),
                ..good.clone()
            }
        };
        let cases = [
            SignedBundle {
                algorithm: "RS256".into(),
                ..good.clone()
            },
            SignedBundle {
                key_id: "xyz".into(),
                ..good.clone()
            },
            SignedBundle {
                key_id: String::new(),
                ..good.clone()
            },
            SignedBundle {
                payload: "not base64 !!".into(),
                ..good.clone()
            },
            SignedBundle {
                signature: "%%%".into(),
                ..good.clone()
            },
            SignedBundle {
                signature: URL_SAFE_NO_PAD.encode([0u8; 64]),
                ..good.clone()
            },
            SignedBundle {
                signature: URL_SAFE_NO_PAD.encode([1u8; 3]),
                ..good.clone()
            },
            SignedBundle {
                payload: String::new(),
                ..good.clone()
            },
            // Signed, but not a bundle, or a future format.
            signed_json(b"[1,2,3]"),
            signed_json(b"\xff\xfe"),
            signed_json(
                br#"{"format":2,"issuer":"x","generated_at":"2026-12-01T00:00:00Z","expires_at":"2026-12-02T00:00:00Z","entries":[]}"#,
            ),
        ];
        for case in cases {
            assert!(open(&case, lookup(&k)).is_err(), "{case:?}");
        }
        // Arbitrary bytes never panic.
        let mut seed = 7u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let case = SignedBundle {
                payload: URL_SAFE_NO_PAD.encode(&bytes),
                key_id: text.clone(),
                algorithm: ALGORITHM.into(),
                signature: text,
            };
            assert!(open(&case, |_| Some(*k.verifying_key())).is_err());
            assert!(open(&signed_json(&bytes), lookup(&k)).is_err());
        }
    }
}

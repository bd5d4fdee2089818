//! Public verification: is this QR seal, or this PDF, a certificate the registry issued, and is it
//! in force? Answers are computed fresh on every request from one indexed read, so a revocation
//! shows on every instance at its next request; only the keys' public parts, which never change
//! for a key id, are kept in memory.
//!
//! Cost is bounded before the database is reached: a malformed seal is refused after decoding, a
//! forged one after one signature check, and a seal naming an unknown key triggers at most one key
//! reload per [`KEY_RELOAD_INTERVAL`] across all requests. Only a seal the registry's own key signed
//! reaches the database, so neither the answer nor its timing tells whether a project code exists.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use chrono::{DateTime, NaiveDate, Utc};
use p256::{ecdsa::VerifyingKey, pkcs8::DecodePublicKey};
use sea_orm::{DatabaseConnection, DbErr};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{AppState, clock::SharedClock};
use crate::{
    db::{
        self,
        verification::{Lookup, RegisteredCertificate},
    },
    domain::{
        certificate::{CertificateStatus, KeyStatus},
        verification::{PdfVerdict, Rejection, Verdict},
    },
    service::ServiceError,
    signing::{
        bundle,
        pades::{self, VerifyError},
        seal::{self, KeyId, SealError},
    },
};

/// The shortest time between two reloads of the key list caused by seals naming unknown keys.
pub const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// The public parts of the signing keys, by id. A key id is a hash of the public key, so an
/// entry never goes stale; statuses are not kept here but read with each certificate.
#[derive(Clone)]
pub struct KeyRing {
    inner: Arc<RwLock<Ring>>,
    clock: SharedClock,
}

#[derive(Default)]
struct Ring {
    keys: HashMap<KeyId, VerifyingKey>,
    loaded_at: Option<Duration>,
}

impl KeyRing {
    /// An empty ring that times its reloads with `clock`.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            inner: Arc::default(),
            clock,
        }
    }

    /// Loads every registered key.
    pub async fn load(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let records = db::signing_keys::list(db).await?;
        let mut keys = HashMap::with_capacity(records.len());
        for rec in records {
            match VerifyingKey::from_public_key_pem(&rec.public_key_pem) {
                Ok(key) if KeyId::of(&key).to_hex() == rec.key_id => {
                    keys.insert(KeyId::of(&key), key);
                }
                _ => tracing::error!(
                    key.id = %rec.key_id,
                    "signing_keys holds a public key that does not match its id; ignored"
                ),
            }
        }
        let mut ring = self.inner.write().unwrap_or_else(|e| e.into_inner());
        ring.keys.extend(keys);
        ring.loaded_at = Some(self.clock.elapsed());
        Ok(())
    }

    /// The key with this id, if loaded.
    pub fn get(&self, id: KeyId) -> Option<VerifyingKey> {
        let ring = self.inner.read().unwrap_or_else(|e| e.into_inner());
        ring.keys.get(&id).cloned()
    }

    /// Reloads the key list when a key is unknown and no reload happened lately; true when this
    /// call reloaded. Concurrent callers do not pile up: the first one claims the reload.
    async fn reload_if_due(&self, db: &DatabaseConnection) -> Result<bool, DbErr> {
        {
            let mut ring = self.inner.write().unwrap_or_else(|e| e.into_inner());
            let now = self.clock.elapsed();
            if ring
                .loaded_at
                .is_some_and(|at| now.saturating_sub(at) < KEY_RELOAD_INTERVAL)
            {
                return Ok(false);
            }
            ring.loaded_at = Some(now);
        }
        self.load(db).await?;
        Ok(true)
    }

    /// The key with this id, reloading once if it is unknown and a reload is due.
    async fn find(
        &self,
        db: &DatabaseConnection,
        id: KeyId,
    ) -> Result<Option<VerifyingKey>, DbErr> {
        if let Some(key) = self.get(id) {
            return Ok(Some(key));
        }
        if self.reload_if_due(db).await? {
            return Ok(self.get(id));
        }
        Ok(None)
    }
}

/// The facts of an issued certificate a person compares with the paper. By design it holds no
/// identity numbers, birth dates or addresses: only what the public may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Project code.
    pub project_code: String,
    /// Version (0 = first issue).
    pub version: u32,
    /// Date of issue of this version.
    pub issued_on: Option<NaiveDate>,
    /// Date of first issue.
    pub first_issued_on: Option<NaiveDate>,
    /// Project name (Vietnamese).
    pub project_name: String,
    /// Project name (English), when registered.
    pub project_name_en: Option<String>,
    /// Investor names, as printed.
    pub investors: Vec<String>,
    /// Industrial or economic zone.
    pub zone: Option<String>,
    /// Total investment capital, VND.
    pub total_capital_vnd: i64,
    /// Issuing body.
    pub issuing_body: String,
    /// Who signed.
    pub signer_name: Option<String>,
    /// The signer's title, as printed.
    pub signer_title: Option<String>,
    /// When it was signed.
    pub signed_at: Option<DateTime<Utc>>,
    /// Lifecycle status now.
    pub status: CertificateStatus,
    /// Reason of the suspension or revocation.
    pub status_reason: Option<String>,
    /// Date the suspension or revocation took effect.
    pub status_effective_on: Option<NaiveDate>,
    /// The version that replaced this one.
    pub superseded_by: Option<Successor>,
    /// The seal of this version.
    pub seal: String,
}

/// The version that replaced a superseded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    /// Its version number.
    pub version: u32,
    /// Its date of issue.
    pub issued_on: Option<NaiveDate>,
    /// Its seal, for the link to its own verification page.
    pub seal: String,
}

/// The signing key of a certificate, as public verification shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// Key id (hex).
    pub key_id: String,
    /// Status now; `None` when the key is not registered.
    pub status: Option<KeyStatus>,
    /// True for a generated development key: the certificate has no legal value.
    pub development: bool,
    /// When the key was marked compromised.
    pub compromised_at: Option<DateTime<Utc>>,
}

/// The answer about a seal.
#[derive(Debug, Clone)]
pub struct SealCheck {
    /// The verdict.
    pub verdict: Verdict,
    /// Why it is not genuine.
    pub rejection: Option<Rejection>,
    /// The certificate, when the seal is one the registry issued.
    pub certificate: Option<CertificateFacts>,
    /// The signing key, when known.
    pub key: Option<KeyFacts>,
    /// When the answer was computed.
    pub checked_at: DateTime<Utc>,
}

impl SealCheck {
    fn rejected(rejection: Rejection, key: Option<KeyFacts>, now: DateTime<Utc>) -> Self {
        Self {
            verdict: Verdict::NotGenuine,
            rejection: Some(rejection),
            certificate: None,
            key,
            checked_at: now,
        }
    }
}

/// Checks a seal (any letter case) and, when the registry issued it, reads its status now.
#[tracing::instrument(skip_all)]
pub async fn check_seal(state: &AppState, text: &str) -> Result<SealCheck, ServiceError> {
    let (db, keys) = (&state.db, &state.keys);
    let now = state.clock.now();
    let opened = match seal::open(text, |id| keys.get(id)) {
        Err(SealError::UnknownKey) => {
            // A key registered since the last load (another instance's new key) is found after
            // one reload; the reload is rate-limited, so unknown keys cannot flood the database.
            let id = seal::key_id_of(text);
            let known = match id {
                Some(id) => keys.find(db, id).await.map_err(unavailable)?.is_some(),
                None => false,
            };
            if known {
                seal::open(text, |id| keys.get(id))
            } else {
                Err(SealError::UnknownKey)
            }
        }
        other => other,
    };
    let opened = match opened {
        Ok(opened) => opened,
        Err(SealError::Malformed | SealError::UnsupportedFormat | SealError::Unsealable(_)) => {
            return Ok(SealCheck::rejected(Rejection::Malformed, None, now));
        }
        Err(SealError::UnknownKey) => {
            return Ok(SealCheck::rejected(Rejection::UnknownKey, None, now));
        }
        Err(SealError::BadSignature) => {
            return Ok(SealCheck::rejected(Rejection::BadSignature, None, now));
        }
    };
    let canonical = text.trim().to_ascii_uppercase();
    let row = db::verification::find(db, Lookup::Seal(&canonical))
        .await
        .map_err(unavailable)?;
    let Some(row) = row else {
        // Signed by a registry key, yet never issued: a stolen key or a restored database.
        tracing::warn!(key.id = %opened.key_id.to_hex(), "a validly signed seal is not registered");
        return Ok(SealCheck::rejected(Rejection::NotRegistered, None, now));
    };
    let (facts, key) = facts_of(row)?;
    let Some(verdict) = Verdict::of_status(facts.status) else {
        return Ok(SealCheck::rejected(
            Rejection::NotRegistered,
            Some(key),
            now,
        ));
    };
    Ok(SealCheck {
        verdict,
        rejection: None,
        certificate: Some(facts),
        key: Some(key),
        checked_at: now,
    })
}

/// The answer about an uploaded PDF.
#[derive(Debug, Clone)]
pub struct PdfCheck {
    /// The verdict about the file.
    pub verdict: PdfVerdict,
    /// What was found, in a sentence (English), for the record.
    pub detail: &'static str,
    /// The signer's name in the signing certificate, when the signature could be read.
    pub signer: Option<String>,
    /// The signing time the PDF claims.
    pub signed_at: Option<DateTime<Utc>>,
    /// The signing key, when it is a registry key.
    pub key: Option<KeyFacts>,
    /// The registered certificate the file is, with its status now.
    pub certificate: Option<CertificateFacts>,
    /// The certificate's own verdict (in force, superseded, ...), when the file is genuine.
    pub status_verdict: Option<Verdict>,
    /// When the answer was computed.
    pub checked_at: DateTime<Utc>,
}

impl PdfCheck {
    fn new(verdict: PdfVerdict, detail: &'static str, now: DateTime<Utc>) -> Self {
        Self {
            verdict,
            detail,
            signer: None,
            signed_at: None,
            key: None,
            certificate: None,
            status_verdict: None,
            checked_at: now,
        }
    }
}

/// How far into a file its `%PDF-` header may start (readers tolerate leading bytes).
const HEADER_WINDOW: usize = 1024;

/// Checks an uploaded PDF: its embedded signature, the signer against the registry's keys, and
/// the file's SHA-256 against the certificates issued. Not a PDF, or a signature that cannot be
/// parsed, is a validation error; every other outcome is a verdict.
#[tracing::instrument(skip_all, fields(pdf.len = pdf.len()))]
pub async fn check_pdf(state: &AppState, pdf: Vec<u8>) -> Result<PdfCheck, ServiceError> {
    let (db, keys) = (&state.db, &state.keys);
    let now = state.clock.now();
    let head = &pdf[..pdf.len().min(HEADER_WINDOW)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(ServiceError::invalid(
            "body",
            "not_pdf",
            "the file is not a PDF (no %PDF- header)",
        ));
    }
    // Hashing and signature checking are CPU work proportional to the upload.
    let (pdf, verified) = tokio::task::spawn_blocking(move || {
        let verified = pades::verify_pdf_signatures(&pdf);
        (pdf, verified)
    })
    .await
    .map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
    let signatures = match verified {
        Ok(all) => all,
        Err(VerifyError::NotSigned) => {
            return Ok(PdfCheck::new(
                PdfVerdict::NotSignedByUs,
                "the PDF carries no signature",
                now,
            ));
        }
        Err(e) => {
            return Err(ServiceError::invalid(
                "body",
                "unreadable_signature",
                format!("the PDF's signatures cannot be read: {e}"),
            ));
        }
    };
    // The registry's signature is the one by a registry key whose certificate carries that key;
    // others (a countersignature added later, a signature by another authority) are not ours.
    let mut ours = None;
    let mut foreign = None;
    for sig in signatures.iter().flatten() {
        let registry_key = keys.find(db, sig.key_id).await.map_err(unavailable)?;
        let signer_key = sig
            .signer_chain
            .first()
            .and_then(|c| VerifyingKey::from_public_key_der(&der_spki(c)?).ok());
        if registry_key.is_some() && registry_key == signer_key {
            ours = Some(sig);
            break;
        }
        foreign.get_or_insert(sig);
    }
    let Some(sig) = ours else {
        let broken = signatures.iter().any(|r| {
            matches!(
                r,
                Err(VerifyError::DigestMismatch
                    | VerifyError::BadSignature
                    | VerifyError::NotCoveringWholeFile)
            )
        });
        let unreadable = signatures
            .iter()
            .all(|r| matches!(r, Err(VerifyError::Malformed(_))));
        if broken {
            let detail = if signatures
                .iter()
                .any(|r| matches!(r, Err(VerifyError::NotCoveringWholeFile)))
            {
                "the signature does not cover the whole file"
            } else {
                "the signature does not match the content: the file was changed after signing"
            };
            return Ok(PdfCheck::new(PdfVerdict::Modified, detail, now));
        }
        if unreadable {
            let why = signatures
                .iter()
                .find_map(|r| r.as_ref().err())
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(ServiceError::invalid(
                "body",
                "unreadable_signature",
                format!("the PDF's signature cannot be read: {why}"),
            ));
        }
        let mut c = PdfCheck::new(
            PdfVerdict::NotSignedByUs,
            "the PDF is signed, but not with a key of this registry",
            now,
        );
        if let Some(sig) = foreign {
            c.signer = sig
                .signer_chain
                .first()
                .and_then(crate::signing::keys::subject_common_name);
            c.signed_at = sig.signing_time;
        }
        return Ok(c);
    };
    let check = |verdict, detail| {
        let mut c = PdfCheck::new(verdict, detail, now);
        c.signer = sig
            .signer_chain
            .first()
            .and_then(crate::signing::keys::subject_common_name);
        c.signed_at = sig.signing_time;
        c
    };
    let key_id = sig.key_id.to_hex();
    // The revision the registry signed is the file it issued; later revisions appended to it
    // (another signature, or anything else) make the file as a whole not the one issued.
    let issued = &pdf[..sig.signed_len.min(pdf.len())];
    let issued_sha256 = hex::encode(Sha256::digest(issued));
    let row = db::verification::find(db, Lookup::PdfSha256(&issued_sha256))
        .await
        .map_err(unavailable)?;
    let Some(row) = row else {
        let mut c = if sig.covers_whole_file {
            check(
                PdfVerdict::Unknown,
                "signed with a registry key, but the registry issued no PDF with these bytes",
            )
        } else {
            check(
                PdfVerdict::Modified,
                "content was added to the file after it was signed",
            )
        };
        c.key = db_key(db, &key_id).await?;
        return Ok(c);
    };
    let (facts, key) = facts_of(row)?;
    let mut c = if sig.covers_whole_file {
        check(
            PdfVerdict::Genuine,
            "the PDF is exactly as the registry issued it",
        )
    } else {
        check(
            PdfVerdict::Modified,
            "the certificate the registry issued is intact inside this file, but later revisions were added after its signature (for example another party's signature); what a viewer shows may differ from the original: ask for the original file",
        )
    };
    c.status_verdict = Verdict::of_status(facts.status);
    c.certificate = Some(facts);
    c.key = Some(key);
    Ok(c)
}

fn der_spki(cert: &x509_cert::Certificate) -> Option<Vec<u8>> {
    use der::Encode;
    cert.tbs_certificate.subject_public_key_info.to_der().ok()
}

async fn db_key(db: &DatabaseConnection, key_id: &str) -> Result<Option<KeyFacts>, ServiceError> {
    Ok(db::signing_keys::find(db, key_id)
        .await
        .map_err(unavailable)?
        .map(|k| KeyFacts {
            key_id: k.key_id,
            status: Some(k.status),
            development: k.development,
            compromised_at: k.compromised_at,
        }))
}

fn unavailable(e: DbErr) -> ServiceError {
    ServiceError::DatabaseDown(Box::new(e))
}

/// The public part of the frozen content: serde skips everything else without building it.
#[derive(Deserialize)]
struct PublicContent {
    issuing_body: PublicBody,
    investors: Vec<PublicName>,
    project: PublicProject,
    signer: Option<PublicSigner>,
}

#[derive(Deserialize)]
struct PublicBody {
    name: String,
}

#[derive(Deserialize)]
struct PublicName {
    name: String,
}

#[derive(Deserialize)]
struct PublicProject {
    name_vi: String,
    name_en: Option<String>,
    location: PublicLocation,
    capital: PublicCapital,
}

#[derive(Deserialize)]
struct PublicLocation {
    zone_name: Option<String>,
}

#[derive(Deserialize)]
struct PublicCapital {
    total_vnd: i64,
}

#[derive(Deserialize)]
struct PublicSigner {
    full_name: String,
    title: String,
}

fn facts_of(row: RegisteredCertificate) -> Result<(CertificateFacts, KeyFacts), ServiceError> {
    let corrupt = |what: String| ServiceError::Unexpected(what.into());
    let content: PublicContent = serde_json::from_str(&row.content)
        .map_err(|e| corrupt(format!("certificate content unreadable: {e}")))?;
    let status: CertificateStatus = row
        .status
        .parse()
        .map_err(|_| corrupt(format!("unknown certificate status {}", row.status)))?;
    let key_status = row
        .key_status
        .as_deref()
        .map(str::parse::<KeyStatus>)
        .transpose()
        .map_err(|_| corrupt("unknown key status".to_owned()))?;
    let version = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    let superseded_by = match (row.next_version_no, row.next_seal) {
        (Some(v), Some(seal)) => Some(Successor {
            version: version(Some(v)),
            issued_on: row.next_issued_on,
            seal,
        }),
        _ => None,
    };
    let facts = CertificateFacts {
        project_code: row.project_code,
        version: version(row.version_no),
        issued_on: row.issued_on,
        first_issued_on: row.first_issued_on,
        project_name: content.project.name_vi,
        project_name_en: content.project.name_en,
        investors: content.investors.into_iter().map(|i| i.name).collect(),
        zone: content.project.location.zone_name,
        total_capital_vnd: content.project.capital.total_vnd,
        issuing_body: content.issuing_body.name,
        signer_name: content.signer.as_ref().map(|s| s.full_name.clone()),
        signer_title: content.signer.map(|s| s.title),
        signed_at: row.signed_at,
        status,
        status_reason: row.status_reason,
        status_effective_on: row.status_effective_on,
        superseded_by,
        seal: row.seal.unwrap_or_default(),
    };
    let key = KeyFacts {
        key_id: row.key_id.unwrap_or_default(),
        status: key_status,
        development: row.key_development.unwrap_or(false),
        compromised_at: row.key_compromised_at,
    };
    Ok((facts, key))
}

/// The signed status bundle for offline verifiers: every issued version that is not in force,
/// dated now, usable for `max_age_hours`, signed with this instance's issuing key. Unavailable
/// when that key is not active and valid in the registry: a verifier would rightly refuse a
/// bundle signed with a retired or compromised key.
pub async fn status_bundle(state: &AppState) -> Result<bundle::SignedBundle, ServiceError> {
    let (db, issuer) = (&state.db, &state.issuer);
    let max_age_hours = state.policy.status_bundle_max_age_hours;
    // Dated before the list is read: a change committed meanwhile is then listed early, never
    // missed (absent from the list means "in force at generated_at").
    let now = state.clock.now();
    let generated_at = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    if let Some(why) = super::keys::unusable(db, &issuer.key_id_hex(), now).await? {
        return Err(ServiceError::Unavailable(why));
    }
    let entries = db::certificates::not_in_force(db)
        .await?
        .into_iter()
        .map(|r| bundle::StatusEntry {
            project_code: r.project_code,
            version: u32::try_from(r.version_no).unwrap_or(0),
            status: r.status.as_str().to_owned(),
            reason: r.status_reason,
            effective_on: r.status_effective_on,
            superseded_by_version: r.superseded_by_version.and_then(|v| u32::try_from(v).ok()),
        })
        .collect();
    let status = bundle::StatusBundle {
        format: bundle::FORMAT_V1,
        issuer: issuer.issuing_body().name,
        generated_at,
        expires_at: generated_at + chrono::Duration::hours(i64::from(max_age_hours)),
        entries,
    };
    let issuer = issuer.clone();
    tokio::task::spawn_blocking(move || bundle::sign(&status, issuer.identity().signing_key()))
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))
}

//! `/api/v1/trust/...` and `/api/v1/status-lists/...`: what verifiers outside the registry need,
//! without credentials: the signing keys, the signed status bundle and the W3C Bitstring Status
//! Lists.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Json, PlainText},
};

use super::{ApiTags, problem::problem_responses};
use crate::{
    domain::{certificate::KeyStatus, status_list::Purpose},
    service::{self, AppState},
};

/// The public trust material.
#[derive(Default)]
pub struct TrustApi;

/// A signing key, public part.
#[derive(Object, Debug)]
#[oai(rename = "TrustKey", skip_serializing_if_is_none)]
pub struct TrustKeyView {
    /// Key id: the first 8 bytes of SHA-256 of the compressed public key, hex. QR seals name it.
    key_id: String,
    /// Status.
    status: KeyStatus,
    /// True for a generated development key (no legal value).
    development: bool,
    /// Subject common name of the signing certificate.
    subject: String,
    /// Start of validity.
    not_before: DateTime<Utc>,
    /// End of validity.
    not_after: DateTime<Utc>,
    /// The public key (SubjectPublicKeyInfo, PEM), for checking QR seals.
    public_key_pem: String,
    /// The certificate chain (PEM, signing certificate first), for checking PDF signatures.
    chain_pem: String,
    /// Why it was retired or marked compromised.
    status_reason: Option<String>,
    /// When it was retired.
    retired_at: Option<DateTime<Utc>>,
    /// When it was marked compromised.
    compromised_at: Option<DateTime<Utc>>,
}

/// The keys that sign certificates.
#[derive(Object, Debug)]
#[oai(rename = "TrustKeys")]
pub struct TrustKeys {
    /// Every key known, oldest first.
    keys: Vec<TrustKeyView>,
}

/// The signed status bundle: which certificate versions are not in force, for offline verifiers.
#[derive(Object, Debug)]
#[oai(rename = "StatusBundle")]
pub struct StatusBundleView {
    /// The bundle, JSON in base64url without padding: `format` (1), `issuer`, `generated_at`,
    /// `expires_at` and `entries`, each entry with `project_code`, `version`, `status`
    /// (`superseded`, `suspended` or `revoked`) and, when recorded, `reason`, `effective_on` and
    /// `superseded_by_version`. A version absent from `entries` and issued before
    /// `generated_at` was in force at `generated_at`. Do not use it after `expires_at`.
    payload: String,
    /// Id of the signing key (see `/api/v1/trust/keys`), hex.
    key_id: String,
    /// `ES256`: ECDSA P-256 with SHA-256.
    algorithm: String,
    /// Signature (`r ‖ s`, base64url without padding) over the bytes
    /// `invest-registry/status-bundle/v1\n` followed by the payload's decoded bytes.
    signature: String,
}

#[derive(ApiResponse)]
enum KeysListed {
    /// The signing keys.
    #[oai(status = 200)]
    Ok(
        Json<TrustKeys>,
        /// Caching rule: keys change rarely.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum StatusBundleFound {
    /// The signed status bundle; save the body as a file for `invest-registry verify --status`.
    #[oai(status = 200)]
    Ok(
        Json<StatusBundleView>,
        /// Caching rule: a few minutes; the bundle itself says until when it may be used.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of reading the status bundle.
    StatusBundleError: public, unavailable = "This instance's signing key is not active (retired, compromised, expired or not registered), so it signs no bundle." {
        429 TooManyRequests "Too many requests; retry after `Retry-After` seconds.",
    }
}

#[derive(ApiResponse)]
enum StatusListFound {
    /// The list credential: a compact JWS (VC-JOSE) whose payload is a
    /// `BitstringStatusListCredential`.
    #[oai(status = 200, content_type = "application/vc+jwt")]
    Ok(
        PlainText<String>,
        /// Caching rule: a few minutes; the credential's `validUntil` says until when it may be
        /// used.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of reading a status list.
    StatusListError: public, unavailable = "This instance's signing key is not active (retired, compromised, expired or not registered), so it signs no list." {
        404 NotFound "No such list.",
        429 TooManyRequests "Too many requests; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of reading the trust list.
    TrustError: public {
        429 TooManyRequests "Too many requests; retry after `Retry-After` seconds.",
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Certificates")]
impl TrustApi {
    /// Signing keys (public)
    ///
    /// Every key that signs or signed certificates: public key (for QR seals), certificate chain
    /// (for PDF signatures), validity and status. Needs no credentials; offline verifiers keep a
    /// copy.
    #[oai(path = "/trust/keys", method = "get", operation_id = "list_trust_keys")]
    async fn trust_keys(&self, state: Data<&AppState>) -> Result<KeysListed, TrustError> {
        let keys = service::keys::list(&state.db)
            .await?
            .into_iter()
            .map(|k| TrustKeyView {
                key_id: k.key_id,
                status: k.status,
                development: k.development,
                subject: k.subject,
                not_before: k.not_before,
                not_after: k.not_after,
                public_key_pem: k.public_key_pem,
                chain_pem: k.chain_pem,
                status_reason: k.status_reason,
                retired_at: k.retired_at,
                compromised_at: k.compromised_at,
            })
            .collect();
        Ok(KeysListed::Ok(
            Json(TrustKeys { keys }),
            "public, max-age=300".to_owned(),
        ))
    }

    /// Status bundle (public)
    ///
    /// A signed, dated list of every issued certificate version that is not in force
    /// (superseded, suspended, revoked), for verifiers without network: download it, then
    /// `invest-registry verify --keys keys.json --status bundle.json cert.pdf`. It may be used
    /// until its `expires_at` (`STATUS_BUNDLE_MAX_AGE_HOURS` after it was made). Signed with this
    /// instance's issuing key, checkable with `/api/v1/trust/keys`. Needs no credentials.
    #[oai(
        path = "/trust/status",
        method = "get",
        operation_id = "get_status_bundle"
    )]
    async fn status_bundle(
        &self,
        state: Data<&AppState>,
    ) -> Result<StatusBundleFound, StatusBundleError> {
        let signed = service::verification::status_bundle(&state).await?;
        Ok(StatusBundleFound::Ok(
            Json(StatusBundleView {
                payload: signed.payload,
                key_id: signed.key_id,
                algorithm: signed.algorithm,
                signature: signed.signature,
            }),
            "public, max-age=300".to_owned(),
        ))
    }

    /// Status list (W3C Bitstring Status List, public)
    ///
    /// The registry's status of every issued certificate version as a W3C Bitstring Status List
    /// v1.0 credential, for verifiers outside this project: `revocation` sets the bit of each
    /// revoked version, `suspension` of each suspended one (a superseded version is neither: a
    /// later version replaced it). Each issued certificate gives its index in
    /// `credential_status`. The answer is a VC-JOSE credential (`application/vc+jwt`): a compact
    /// JWS, ES256, whose header names the signing key (`kid`, see `/api/v1/trust/keys`) and whose
    /// payload is the `BitstringStatusListCredential`; `encodedList` is the GZIP-compressed list
    /// of 131,072 bits, Multibase base64url (`u`), index 0 the left-most bit. It may be used
    /// until its `validUntil`. The signed status bundle (`/api/v1/trust/status`) says the same
    /// for this project's offline verifier, with reasons and dates. Needs no credentials.
    #[oai(
        path = "/status-lists/:purpose",
        method = "get",
        operation_id = "get_status_list"
    )]
    async fn status_list(
        &self,
        state: Data<&AppState>,
        /// `revocation` or `suspension`.
        purpose: Path<Purpose>,
    ) -> Result<StatusListFound, StatusListError> {
        let jwt = service::status_list::credential(&state, purpose.0).await?;
        Ok(StatusListFound::Ok(
            PlainText(jwt),
            "public, max-age=300".to_owned(),
        ))
    }
}

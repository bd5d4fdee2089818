//! Signing identities: an ECDSA P-256 key with its X.509 certificate chain, loaded from PEM files
//! or a PKCS#12 file, or made on the spot as a development PKI.
//!
//! The key id everywhere is [`KeyId`] (the first 8 bytes of SHA-256 of the compressed SEC1 public
//! key), the same id the QR seal carries.
//!
//! A development identity is marked in its certificates' subject (organisation
//! [`DEVELOPMENT_MARKER`]), so [`SigningIdentity::is_development`] still holds after the files
//! are loaded again, and anyone reading the certificate in a PDF viewer sees it.

#![warn(missing_docs)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Months, Utc};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519::{CN, O, OU};
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, SECP_256_R_1};
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Any, Decode, Encode, EncodePem, Tag, Tagged, pem::LineEnding};
use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey, PrivateKeyInfo};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::name::Name;

use super::seal::KeyId;

/// Organisation (O) written in the subject of every development certificate; its presence in the
/// leaf's subject (as O or OU) is what makes an identity a development one.
pub const DEVELOPMENT_MARKER: &str = "DEVELOPMENT KEY – NOT FOR PRODUCTION";
/// Common name of the development CA.
pub const DEVELOPMENT_CA_NAME: &str = "Investment Registry Development CA";
/// Common name given to a development signing certificate made by
/// [`load_or_generate_development`].
pub const DEVELOPMENT_SIGNER_NAME: &str = "Investment Registry Development Signer";

/// File names inside a development key directory.
const DEV_CA_CERT: &str = "dev-ca.pem";
const DEV_CA_KEY: &str = "dev-ca-key.pem";
const SIGNING_KEY: &str = "signing-key.pem";
const SIGNING_CHAIN: &str = "signing-chain.pem";

/// Why a signing identity could not be loaded or made. The messages are written for the operator
/// who runs the CLI: they say which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// "read", "write", "create" …
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The private key file is not a usable private key.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The certificate chain is not usable.
    #[error("invalid certificate chain: {0}")]
    InvalidCertificate(String),
    /// The key or certificate uses an algorithm other than ECDSA P-256.
    #[error("unsupported key algorithm: {0}; only ECDSA on curve P-256 (prime256v1) is supported")]
    UnsupportedAlgorithm(String),
    /// The private key is not the one certified by the leaf certificate.
    #[error(
        "the private key does not match the first certificate of the chain (key id {key}, \
         certificate key id {certificate}); the chain must start with the signing certificate"
    )]
    KeyMismatch {
        /// Key id of the private key.
        key: String,
        /// Key id of the leaf certificate's public key.
        certificate: String,
    },
    /// The PKCS#12 file could not be opened.
    #[error("cannot open PKCS#12 file {path}: {reason}")]
    Pkcs12 {
        /// The file.
        path: PathBuf,
        /// What went wrong (wrong password, unsupported encryption, no key …).
        reason: String,
    },
    /// Making development keys or certificates failed.
    #[error("cannot make development keys: {0}")]
    Generate(String),
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> KeyError {
    let path = path.to_path_buf();
    move |source| KeyError::Io {
        action,
        path,
        source,
    }
}

/// A signing key with its certificate chain.
#[derive(Clone)]
pub struct SigningIdentity {
    key: SigningKey,
    /// Leaf first, then intermediates, then (optionally) the root.
    chain: Vec<Certificate>,
    key_id: KeyId,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("key_id", &self.key_id.to_hex())
            .field("subject", &self.subject_common_name())
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl SigningIdentity {
    /// Puts a key and its chain (leaf first) together, checking that the key is the leaf's.
    pub fn new(key: SigningKey, chain: Vec<Certificate>) -> Result<Self, KeyError> {
        let leaf = chain.first().ok_or_else(|| {
            KeyError::InvalidCertificate("the certificate file contains no certificate".into())
        })?;
        let certified = leaf_verifying_key(leaf)?;
        let key_id = KeyId::of(key.verifying_key());
        if certified != *key.verifying_key() {
            return Err(KeyError::KeyMismatch {
                key: key_id.to_hex(),
                certificate: KeyId::of(&certified).to_hex(),
            });
        }
        check_chain_order(&chain)?;
        Ok(Self { key, chain, key_id })
    }

    /// The key id of the signing key.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The private key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        self.key.verifying_key()
    }

    /// The certificate chain: leaf first, then intermediates, then the root if it was given.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The signing certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.chain[0]
    }

    /// Start of the signing certificate's validity.
    pub fn not_before(&self) -> DateTime<Utc> {
        x509_time(&self.leaf().tbs_certificate.validity.not_before)
    }

    /// End of the signing certificate's validity.
    pub fn not_after(&self) -> DateTime<Utc> {
        x509_time(&self.leaf().tbs_certificate.validity.not_after)
    }

    /// The common name (CN) of the signing certificate's subject, or "" when it has none.
    pub fn subject_common_name(&self) -> String {
        subject_common_name(self.leaf()).unwrap_or_default()
    }

    /// True for an identity made by [`generate_development`] (its leaf's subject carries
    /// [`DEVELOPMENT_MARKER`] as O or OU).
    pub fn is_development(&self) -> bool {
        name_values(&self.leaf().tbs_certificate.subject, &[O, OU]).any(|v| v == DEVELOPMENT_MARKER)
    }

    /// The whole chain as PEM, leaf first.
    pub fn chain_pem(&self) -> String {
        self.chain
            .iter()
            .filter_map(|c| c.to_pem(LineEnding::LF).ok())
            .collect()
    }

    /// The public key as a SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    pub fn public_key_pem(&self) -> String {
        self.verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }
}

/// SHA-256 of a certificate's DER encoding (its usual fingerprint).
pub fn certificate_der_sha256(cert: &Certificate) -> [u8; 32] {
    let der = cert.to_der().unwrap_or_default();
    Sha256::digest(der).into()
}

/// The common name (CN) of a certificate's subject, if it has one.
pub fn subject_common_name(cert: &Certificate) -> Option<String> {
    name_values(&cert.tbs_certificate.subject, &[CN]).next()
}

fn name_values<'a>(
    name: &'a Name,
    types: &'a [ObjectIdentifier],
) -> impl Iterator<Item = String> + 'a {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| types.contains(&atv.oid))
        .filter_map(|atv| directory_string(&atv.value))
}

fn directory_string(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.to_string()),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.to_string()),
        Tag::TeletexString => TeletexStringRef::try_from(value)
            .ok()
            .map(|s| s.to_string()),
        _ => None,
    }
}

fn x509_time(time: &x509_cert::time::Time) -> DateTime<Utc> {
    let secs = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The P-256 public key certified by a certificate.
pub(crate) fn leaf_verifying_key(cert: &Certificate) -> Result<VerifyingKey, KeyError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "the signing certificate's key has algorithm {}",
            algorithm_name(&spki.algorithm.oid)
        )));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if curve != Some(SECP_256_R_1) {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "the signing certificate's EC key is on curve {}",
            curve.map_or_else(|| "(unknown)".to_string(), |c| algorithm_name(&c))
        )));
    }
    let der = spki
        .to_der()
        .map_err(|e| KeyError::InvalidCertificate(format!("public key: {e}")))?;
    p256::ecdsa::VerifyingKey::from_public_key_der(&der).map_err(|e| {
        KeyError::InvalidCertificate(format!("the signing certificate's public key: {e}"))
    })
}

use p256::pkcs8::DecodePublicKey;

fn algorithm_name(oid: &ObjectIdentifier) -> String {
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_string(),
    }
}

/// Each certificate must be issued by the next one: a chain given in the wrong order (root
/// first) is the most common operator mistake.
fn check_chain_order(chain: &[Certificate]) -> Result<(), KeyError> {
    for (i, pair) in chain.windows(2).enumerate() {
        if pair[0].tbs_certificate.issuer != pair[1].tbs_certificate.subject {
            return Err(KeyError::InvalidCertificate(format!(
                "certificate {} (subject \"{}\") was not issued by certificate {} (subject \"{}\"); \
                 list the signing certificate first, then its issuer, up to the root",
                i + 1,
                pair[0].tbs_certificate.subject,
                i + 2,
                pair[1].tbs_certificate.subject,
            )));
        }
    }
    Ok(())
}

/// Decodes a private key from PEM: PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY").
fn parse_private_key_pem(text: &str) -> Result<SigningKey, KeyError> {
    let label = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|l| l.strip_suffix("-----"))
        })
        .ok_or_else(|| {
            KeyError::InvalidKey("the file is not PEM (no \"-----BEGIN\" line)".into())
        })?;
    match label {
        "PRIVATE KEY" => {
            let (_, doc) = der::Document::from_pem(text)
                .map_err(|e| KeyError::InvalidKey(format!("bad PEM: {e}")))?;
            parse_pkcs8_der(doc.as_bytes())
        }
        "EC PRIVATE KEY" => {
            let key = p256::SecretKey::from_sec1_pem(text).map_err(|_| {
                KeyError::InvalidKey(
                    "not a P-256 SEC1 EC private key (is it on another curve?)".into(),
                )
            })?;
            Ok(SigningKey::from(key))
        }
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::InvalidKey(
            "the key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -out plain.pem) \
             or use a PKCS#12 file with its password"
                .into(),
        )),
        "RSA PRIVATE KEY" | "DSA PRIVATE KEY" => Err(KeyError::UnsupportedAlgorithm(format!(
            "the file holds an {label}"
        ))),
        "CERTIFICATE" => Err(KeyError::InvalidKey(
            "the file holds a certificate, not a private key (key and chain swapped?)".into(),
        )),
        other => Err(KeyError::InvalidKey(format!(
            "unexpected PEM block \"{other}\"; expected PRIVATE KEY or EC PRIVATE KEY"
        ))),
    }
}

fn parse_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
    let info = PrivateKeyInfo::try_from(der)
        .map_err(|e| KeyError::InvalidKey(format!("not a PKCS#8 private key: {e}")))?;
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "the private key has algorithm {}",
            algorithm_name(&info.algorithm.oid)
        )));
    }
    let curve = info.algorithm.parameters_oid().ok();
    if curve != Some(SECP_256_R_1) {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "the private EC key is on curve {}",
            curve.map_or_else(|| "(unknown)".to_string(), |c| algorithm_name(&c))
        )));
    }
    SigningKey::from_pkcs8_der(der).map_err(|e| KeyError::InvalidKey(format!("{e}")))
}

fn parse_chain_pem(text: &[u8]) -> Result<Vec<Certificate>, KeyError> {
    let chain = Certificate::load_pem_chain(text)
        .map_err(|e| KeyError::InvalidCertificate(format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(KeyError::InvalidCertificate(
            "the file contains no certificate".into(),
        ));
    }
    Ok(chain)
}

/// Loads a signing identity from a PEM private key (PKCS#8 or SEC1, ECDSA P-256) and a PEM
/// Where the instance's signing key and its certificate chain come from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Generated on first start in `dir` (a development CA and key); what it signs says
    /// "development key".
    Development {
        /// The folder of the development keys.
        dir: PathBuf,
    },
    /// A PEM private key and its certificate chain, leaf first.
    Pem {
        /// The key file.
        key: PathBuf,
        /// The chain file.
        chain: PathBuf,
    },
    /// A PKCS#12 file and its password.
    Pkcs12 {
        /// The file.
        file: PathBuf,
        /// Its password; never printed.
        password: String,
    },
}

impl KeySource {
    /// Loads the identity (generating the development one on first use).
    pub fn load(&self) -> Result<SigningIdentity, KeyError> {
        match self {
            Self::Development { dir } => load_or_generate_development(dir),
            Self::Pem { key, chain } => load_pem(key, chain),
            Self::Pkcs12 { file, password } => load_pkcs12(file, password),
        }
    }
}

/// The folder of the development keys under a data folder.
pub fn development_key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Development { dir } => f.debug_struct("Development").field("dir", dir).finish(),
            Self::Pem { key, chain } => f
                .debug_struct("Pem")
                .field("key", key)
                .field("chain", chain)
                .finish(),
            Self::Pkcs12 { file, .. } => f
                .debug_struct("Pkcs12")
                .field("file", file)
                .finish_non_exhaustive(),
        }
    }
}

/// certificate chain (signing certificate first, then its issuers).
pub fn load_pem(key_path: &Path, chain_path: &Path) -> Result<SigningIdentity, KeyError> {
    let key_text = fs::read_to_string(key_path).map_err(io_error("read", key_path))?;
    let key = parse_private_key_pem(&key_text).map_err(|e| in_file(e, key_path))?;
    let chain_text = fs::read(chain_path).map_err(io_error("read", chain_path))?;
    let chain = parse_chain_pem(&chain_text).map_err(|e| in_file(e, chain_path))?;
    SigningIdentity::new(key, chain)
}

/// Adds the file name to a parse error, so the operator knows which file is wrong.
fn in_file(error: KeyError, path: &Path) -> KeyError {
    let at = path.display();
    match error {
        KeyError::InvalidKey(m) => KeyError::InvalidKey(format!("{at}: {m}")),
        KeyError::InvalidCertificate(m) => KeyError::InvalidCertificate(format!("{at}: {m}")),
        KeyError::UnsupportedAlgorithm(m) => KeyError::UnsupportedAlgorithm(format!("{at}: {m}")),
        other => other,
    }
}

/// Loads a signing identity from a PKCS#12 (.p12 / .pfx) file: the first private key with its
/// certificate chain. Files made by `openssl pkcs12 -export` (AES-256-CBC with PBKDF2, or the
/// legacy 3DES/RC2 schemes) are supported.
pub fn load_pkcs12(path: &Path, password: &str) -> Result<SigningIdentity, KeyError> {
    let data = fs::read(path).map_err(io_error("read", path))?;
    let p12_error = |reason: String| KeyError::Pkcs12 {
        path: path.to_path_buf(),
        reason,
    };
    let store = p12_keystore::KeyStore::from_pkcs12(&data, password).map_err(|e| {
        p12_error(match e {
            p12_keystore::error::Error::MacError(_) => "wrong password".to_string(),
            other => format!("{other} (wrong password, or not a PKCS#12 file?)"),
        })
    })?;
    let (_, entry) = store
        .private_key_chain()
        .ok_or_else(|| p12_error("it holds no private key with a certificate".into()))?;
    let key = parse_pkcs8_der(entry.key()).map_err(|e| p12_error(e.to_string()))?;
    let chain = entry
        .chain()
        .iter()
        .map(|c| Certificate::from_der(c.as_der()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| p12_error(format!("bad certificate: {e}")))?;
    SigningIdentity::new(key, chain)
}

/// Writes a file readable by its owner only (mode 0600), replacing it atomically.
fn write_private(path: &Path, contents: &str) -> Result<(), KeyError> {
    let tmp = path.with_extension("pem.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io_error("create", &tmp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode passed to open() is filtered by the umask, and does nothing if the file
        // already existed.
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))
            .map_err(io_error("set permissions of", &tmp))?;
    }
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io_error("write", path))
}

fn make_private_dir(dir: &Path) -> Result<(), KeyError> {
    fs::create_dir_all(dir).map_err(io_error("create", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io_error("set permissions of", dir))?;
    }
    Ok(())
}

fn gen_err(e: impl std::fmt::Display) -> KeyError {
    KeyError::Generate(e.to_string())
}

/// Sets a validity window from the start of yesterday (UTC, to tolerate clock skew) for `years`.
fn set_validity(params: &mut rcgen::CertificateParams, years: u32) {
    let start = Utc::now().date_naive().pred_opt().unwrap_or_default();
    let end = start
        .checked_add_months(Months::new(years * 12))
        .unwrap_or(start);
    let ymd = |d: chrono::NaiveDate| {
        // Month and day always fit in a u8.
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    params.not_before = ymd(start);
    params.not_after = ymd(end);
}

fn dev_name(common_name: &str) -> rcgen::DistinguishedName {
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CountryName, "VN");
    name.push(rcgen::DnType::OrganizationName, DEVELOPMENT_MARKER);
    name.push(rcgen::DnType::CommonName, common_name);
    name
}

/// Makes a development signing identity in `dir`: a development CA (self-signed, P-256, 10
/// years) unless `dir` already has one, and a new signing key with a 3-year certificate issued by
/// it. Writes `dev-ca.pem`, `dev-ca-key.pem`, `signing-key.pem` and `signing-chain.pem` (signing
/// certificate, then the CA), readable by the owner only. Calling it again on the same directory
/// rotates the signing key under the same CA (the previous signing key file is replaced).
pub fn generate_development(dir: &Path, common_name: &str) -> Result<SigningIdentity, KeyError> {
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };

    make_private_dir(dir)?;
    let ca_cert_path = dir.join(DEV_CA_CERT);
    let ca_key_path = dir.join(DEV_CA_KEY);

    let (ca_key_pem, ca_cert_pem) = if ca_cert_path.exists() && ca_key_path.exists() {
        (
            fs::read_to_string(&ca_key_path).map_err(io_error("read", &ca_key_path))?,
            fs::read_to_string(&ca_cert_path).map_err(io_error("read", &ca_cert_path))?,
        )
    } else {
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dev_name(DEVELOPMENT_CA_NAME);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params, 10);
        let ca_cert = params.self_signed(&ca_key).map_err(gen_err)?;
        let (key_pem, cert_pem) = (ca_key.serialize_pem(), ca_cert.pem());
        write_private(&ca_key_path, &key_pem)?;
        write_private(&ca_cert_path, &cert_pem)?;
        (key_pem, cert_pem)
    };
    let ca_key = KeyPair::from_pem(&ca_key_pem)
        .map_err(|e| in_file(KeyError::InvalidKey(e.to_string()), &ca_key_path))?;
    let issuer = Issuer::from_ca_cert_pem(&ca_cert_pem, ca_key)
        .map_err(|e| in_file(KeyError::InvalidCertificate(e.to_string()), &ca_cert_path))?;

    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = dev_name(common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, 3);
    let cert = params.signed_by(&key, &issuer).map_err(gen_err)?;

    let key_path = dir.join(SIGNING_KEY);
    let chain_path = dir.join(SIGNING_CHAIN);
    write_private(&key_path, &key.serialize_pem())?;
    write_private(&chain_path, &format!("{}{}", cert.pem(), ca_cert_pem))?;
    load_pem(&key_path, &chain_path)
}

/// Loads the development identity in `dir` (`signing-key.pem` and `signing-chain.pem`), or makes
/// one with [`generate_development`] when there is none.
pub fn load_or_generate_development(dir: &Path) -> Result<SigningIdentity, KeyError> {
    let key_path = dir.join(SIGNING_KEY);
    let chain_path = dir.join(SIGNING_CHAIN);
    if key_path.exists() && chain_path.exists() {
        load_pem(&key_path, &chain_path)
    } else {
        generate_development(dir, DEVELOPMENT_SIGNER_NAME)
    }
}

/// The development CA certificate (PEM) in `dir`, if there is one: what a verifier must trust to
/// accept development signatures.
pub fn dev_ca_pem(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join(DEV_CA_CERT)).ok()
}

#[cfg(test)]
#[path = "tests_keys.rs"]
mod tests;

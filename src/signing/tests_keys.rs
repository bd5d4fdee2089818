use super::*;
use p256::pkcs8::{EncodePrivateKey, LineEnding as Pkcs8LineEnding};
use std::process::Command;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generate_development_writes_private_files_and_a_marked_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let id = generate_development(&dir, "Ban Quản lý KKT Thử nghiệm").unwrap();

    assert!(id.is_development());
    assert_eq!(id.subject_common_name(), "Ban Quản lý KKT Thử nghiệm");
    assert_eq!(id.chain().len(), 2);
    assert_eq!(
        subject_common_name(&id.chain()[1]).as_deref(),
        Some(DEVELOPMENT_CA_NAME)
    );
    assert_eq!(
        id.leaf().tbs_certificate.issuer,
        id.chain()[1].tbs_certificate.subject
    );
    assert_eq!(id.key_id(), KeyId::of(id.verifying_key()));
    assert_eq!(id.key_id(), KeyId::of(id.signing_key().verifying_key()));
    let now = Utc::now();
    assert!(id.not_before() < now);
    let years = (id.not_after() - now).num_days() / 365;
    assert!((2..=3).contains(&years), "{years}");
    let ca_years =
        (x509_time(&id.chain()[1].tbs_certificate.validity.not_after) - now).num_days() / 365;
    assert!((9..=10).contains(&ca_years), "{ca_years}");

    for f in [DEV_CA_CERT, DEV_CA_KEY, SIGNING_KEY, SIGNING_CHAIN] {
        let path = dir.join(f);
        assert!(path.exists(), "{f}");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600, "{f}");
    }
    #[cfg(unix)]
    assert_eq!(mode(&dir), 0o700);
    assert!(!dir.join("signing-key.pem.tmp").exists());

    let ca = dev_ca_pem(&dir).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        Certificate::load_pem_chain(ca.as_bytes()).unwrap()[0],
        id.chain()[1]
    );
    assert!(dev_ca_pem(tmp.path()).is_none());

    // PEM exports read back.
    assert_eq!(
        Certificate::load_pem_chain(id.chain_pem().as_bytes()).unwrap(),
        id.chain()
    );
    assert_eq!(
        &VerifyingKey::from_public_key_pem(&id.public_key_pem()).unwrap(),
        id.verifying_key()
    );
    assert_eq!(certificate_der_sha256(id.leaf()).len(), 32);
    assert!(format!("{id:?}").contains(&id.key_id().to_hex()));
}

#[test]
fn a_second_generation_rotates_the_key_under_the_same_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let first = generate_development(tmp.path(), "Signer A").unwrap();
    let ca_before = dev_ca_pem(tmp.path()).unwrap();
    let second = generate_development(tmp.path(), "Signer B").unwrap();
    assert_ne!(first.key_id(), second.key_id());
    assert_eq!(dev_ca_pem(tmp.path()).unwrap(), ca_before);
    assert_eq!(first.chain()[1], second.chain()[1]);
    assert_eq!(second.subject_common_name(), "Signer B");
    assert_ne!(
        first.leaf().tbs_certificate.serial_number,
        second.leaf().tbs_certificate.serial_number
    );
}

#[test]
fn load_or_generate_development_loads_what_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let made = load_or_generate_development(tmp.path()).unwrap();
    assert_eq!(made.subject_common_name(), DEVELOPMENT_SIGNER_NAME);
    let loaded = load_or_generate_development(tmp.path()).unwrap();
    assert_eq!(made.key_id(), loaded.key_id());
    assert_eq!(made.chain(), loaded.chain());
    assert!(loaded.is_development());
}

#[test]
fn load_pem_accepts_sec1_and_rejects_mismatches_with_clear_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let a = generate_development(&tmp.path().join("a"), "A").unwrap();
    let b = generate_development(&tmp.path().join("b"), "B").unwrap();
    let chain_a = tmp.path().join("a").join(SIGNING_CHAIN);
    let key_a = tmp.path().join("a").join(SIGNING_KEY);

    // SEC1 "EC PRIVATE KEY".
    let sec1 = tmp.path().join("sec1.pem");
    let secret = p256::SecretKey::from(a.signing_key());
    fs::write(
        &sec1,
        secret.to_sec1_pem(Pkcs8LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    assert_eq!(load_pem(&sec1, &chain_a).unwrap().key_id(), a.key_id());

    // Somebody else's key.
    let other = tmp.path().join("other.pem");
    let pem = p256::SecretKey::from(b.signing_key())
        .to_pkcs8_pem(Pkcs8LineEnding::LF)
        .unwrap();
    fs::write(&other, pem.as_bytes()).unwrap();
    let err = load_pem(&other, &chain_a).unwrap_err();
    assert!(matches!(err, KeyError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&b.key_id().to_hex()), "{err}");

    // Files swapped.
    let err = load_pem(&chain_a, &key_a).unwrap_err();
    assert!(
        err.to_string().contains("certificate, not a private key"),
        "{err}"
    );

    // Chain root first.
    let reversed = tmp.path().join("reversed.pem");
    let certs: String = a
        .chain()
        .iter()
        .rev()
        .map(|c| c.to_pem(LineEnding::LF).unwrap())
        .collect();
    fs::write(&reversed, certs).unwrap();
    let err = load_pem(&key_a, &reversed).unwrap_err();
    assert!(matches!(err, KeyError::KeyMismatch { .. }), "{err}");
    let leaf_first_then_wrong = tmp.path().join("wrong-issuer.pem");
    fs::write(
        &leaf_first_then_wrong,
        format!(
            "{}{}",
            a.leaf().to_pem(LineEnding::LF).unwrap(),
            b.leaf().to_pem(LineEnding::LF).unwrap()
        ),
    )
    .unwrap();
    let err = load_pem(&key_a, &leaf_first_then_wrong).unwrap_err();
    assert!(matches!(err, KeyError::InvalidCertificate(_)), "{err}");
    assert!(err.to_string().contains("was not issued by"), "{err}");

    // Missing files and garbage.
    let err = load_pem(&tmp.path().join("nope.pem"), &chain_a).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
    let garbage = tmp.path().join("garbage.pem");
    fs::write(&garbage, "hello").unwrap();
    let err = load_pem(&garbage, &chain_a).unwrap_err();
    assert!(err.to_string().contains("not PEM"), "{err}");
    let err = load_pem(&key_a, &garbage).unwrap_err();
    assert!(matches!(err, KeyError::InvalidCertificate(_)), "{err}");
    assert!(err.to_string().contains("garbage.pem"), "{err}");
}

#[test]
fn load_pem_rejects_other_algorithms() {
    if !openssl_available() {
        eprintln!("note: openssl not found, skipping");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let a = generate_development(&dir.join("a"), "A").unwrap();
    let chain_a = dir.join("a").join(SIGNING_CHAIN);

    let p384 = dir.join("p384.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        p384.to_str().unwrap(),
    ]);
    let err = load_pem(&p384, &chain_a).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)), "{err}");
    assert!(err.to_string().contains("secp384r1"), "{err}");

    let rsa = dir.join("rsa.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        rsa.to_str().unwrap(),
    ]);
    let err = load_pem(&rsa, &chain_a).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)), "{err}");
    assert!(err.to_string().contains("rsaEncryption"), "{err}");

    // An RSA certificate with its key.
    let rsa_cert = dir.join("rsa-cert.pem");
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        rsa.to_str().unwrap(),
        "-subj",
        "/CN=rsa",
        "-days",
        "1",
        "-out",
        rsa_cert.to_str().unwrap(),
    ]);
    let key_a = dir.join("a").join(SIGNING_KEY);
    let err = load_pem(&key_a, &rsa_cert).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)), "{err}");
    assert_eq!(load_pem(&key_a, &chain_a).unwrap().key_id(), a.key_id());
}

#[test]
fn load_pkcs12_reads_openssl_exports() {
    if !openssl_available() {
        eprintln!("note: openssl not found, skipping the PKCS#12 test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let id = generate_development(dir, "P12 Signer").unwrap();
    let key = dir.join(SIGNING_KEY);
    let leaf = dir.join("leaf.pem");
    fs::write(&leaf, id.leaf().to_pem(LineEnding::LF).unwrap()).unwrap();
    let ca = dir.join(DEV_CA_CERT);

    // OpenSSL 3 defaults: AES-256-CBC, PBKDF2, HMAC-SHA256 MAC.
    let modern = dir.join("modern.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        key.to_str().unwrap(),
        "-in",
        leaf.to_str().unwrap(),
        "-certfile",
        ca.to_str().unwrap(),
        "-passout",
        "pass:s3cret",
        "-out",
        modern.to_str().unwrap(),
    ]);
    let loaded = load_pkcs12(&modern, "s3cret").unwrap();
    assert_eq!(loaded.key_id(), id.key_id());
    assert_eq!(loaded.chain(), id.chain());
    assert!(loaded.is_development());

    let err = load_pkcs12(&modern, "wrong").unwrap_err();
    assert!(matches!(err, KeyError::Pkcs12 { .. }), "{err}");
    assert!(err.to_string().contains("wrong password"), "{err}");

    let err = load_pkcs12(&key, "s3cret").unwrap_err();
    assert!(matches!(err, KeyError::Pkcs12 { .. }), "{err}");

    // Explicit AES-256 with a SHA-256 MAC, as some CAs ship them.
    let explicit = dir.join("explicit.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        key.to_str().unwrap(),
        "-in",
        leaf.to_str().unwrap(),
        "-certfile",
        ca.to_str().unwrap(),
        "-passout",
        "pass:x",
        "-keypbe",
        "AES-256-CBC",
        "-certpbe",
        "AES-256-CBC",
        "-macalg",
        "sha256",
        "-out",
        explicit.to_str().unwrap(),
    ]);
    assert_eq!(load_pkcs12(&explicit, "x").unwrap().key_id(), id.key_id());
}

use super::*;
use crate::signing::keys::generate_development;
use printpdf::{
    BuiltinFont, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    Pt, TextItem,
};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const NOTO_SERIF: &str = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf";

fn line(font: &PdfFontHandle, y: f32, text: &str) -> Vec<Op> {
    vec![
        Op::StartTextSection,
        Op::SetFont {
            font: font.clone(),
            size: Pt(12.0),
        },
        Op::SetTextCursor {
            pos: Point::new(Mm(20.0), Mm(y)),
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_string())],
        },
        Op::EndTextSection,
    ]
}

/// A two-page certificate-like PDF made with printpdf 0.12, with an embedded subset font when
/// Noto Serif is installed and a built-in font otherwise.
fn sample_pdf() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| make_pdf(30))
}

/// A PDF of `lines` lines of text on page 1 and one on page 2.
fn make_pdf(lines: usize) -> Vec<u8> {
    let mut doc = PdfDocument::new("GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ");
    let font = match std::fs::read(NOTO_SERIF) {
        Ok(bytes) => {
            let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).unwrap();
            PdfFontHandle::External(doc.add_font(&parsed))
        }
        Err(_) => PdfFontHandle::Builtin(BuiltinFont::TimesRoman),
    };
    let vietnamese = "ĂÂĐÊÔƠƯăâđêôơư àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ \
                      ùúủũụ ừứửữự ỳýỷỹỵ ÀÁẢÃẠ ẰẮẲẴẶ ẦẤẨẪẬ ÈÉẺẼẸ ỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ỒỐỔỖỘ \
                      ỜỚỞỠỢ ÙÚỦŨỤ ỪỨỬỮỰ ỲÝỶỸỴ";
    let mut ops = Vec::new();
    for i in 0..lines {
        let text = if matches!(font, PdfFontHandle::External(_)) {
            let words: Vec<&str> = vietnamese.split_whitespace().collect();
            format!(
                "Dòng {i}: Giấy chứng nhận đăng ký đầu tư – {}",
                words[i % words.len()]
            )
        } else {
            format!("Line {i}: Investment registration certificate")
        };
        ops.extend(line(&font, 285.0 - 4.0 * (i % 70) as f32, &text));
    }
    let page1 = PdfPage::new(Mm(210.0), Mm(297.0), ops);
    let page2 = PdfPage::new(Mm(210.0), Mm(297.0), line(&font, 250.0, "Trang 2"));
    doc.with_pages(vec![page1, page2])
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

fn identity() -> &'static (tempfile::TempDir, SigningIdentity) {
    static ID: OnceLock<(tempfile::TempDir, SigningIdentity)> = OnceLock::new();
    ID.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let id = generate_development(dir.path(), "Ban Quản lý KKT Vân Phong").unwrap();
        (dir, id)
    })
}

fn field() -> SignatureField {
    SignatureField {
        page: 1,
        rect: [340.0, 60.0, 560.0, 140.0],
        name: "Chữ ký Ban Quản lý".into(),
        reason: Some("Cấp Giấy chứng nhận đăng ký đầu tư".into()),
        location: Some("Khánh Hòa, Việt Nam".into()),
        contact: Some("bql@example.vn".into()),
    }
}

fn signing_time() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap()
}

fn signed() -> &'static [u8] {
    static SIGNED: OnceLock<Vec<u8>> = OnceLock::new();
    SIGNED.get_or_init(|| sign_pdf(sample_pdf(), &identity().1, signing_time(), &field()).unwrap())
}

#[test]
fn a_signed_pdf_verifies_and_keeps_the_original_bytes() {
    let (_, id) = identity();
    let pdf = sample_pdf();
    let time = signing_time();
    let out = sign_pdf(pdf, id, time, &field()).unwrap();
    assert!(
        out.starts_with(pdf),
        "incremental update keeps the original"
    );
    assert!(out.len() < pdf.len() + 2 * contents_reserved(id.chain()) + 4096);

    let sig = verify_pdf(&out).unwrap();
    assert_eq!(sig.key_id, id.key_id());
    assert_eq!(sig.signing_time, Some(time));
    assert!(sig.covers_whole_file);
    assert_eq!(sig.signer_chain, id.chain());

    // lopdf reads the result, and finds the field, the widget on page 1 and the dictionary.
    let doc = Document::load_mem(&out).unwrap();
    let root = doc.catalog().unwrap();
    let acroform = doc
        .dereference(root.get(b"AcroForm").unwrap())
        .unwrap()
        .1
        .as_dict()
        .unwrap();
    assert_eq!(acroform.get(b"SigFlags").unwrap().as_i64().unwrap(), 3);
    let fields = acroform.get(b"Fields").unwrap().as_array().unwrap();
    assert_eq!(fields.len(), 1);
    let widget = doc
        .get_dictionary(fields[0].as_reference().unwrap())
        .unwrap();
    assert_eq!(widget.get(b"FT").unwrap().as_name().unwrap(), b"Sig");
    let page1 = doc.get_pages()[&1];
    assert_eq!(widget.get(b"P").unwrap().as_reference().unwrap(), page1);
    let annots = doc
        .get_dictionary(page1)
        .unwrap()
        .get(b"Annots")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(annots, &vec![fields[0].clone()]);
    let sig_dict = doc
        .get_dictionary(widget.get(b"V").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        sig_dict.get(b"SubFilter").unwrap().as_name().unwrap(),
        b"ETSI.CAdES.detached"
    );
    assert_eq!(
        lopdf::decode_text_string(sig_dict.get(b"Location").unwrap()).unwrap(),
        "Khánh Hòa, Việt Nam"
    );
    assert_eq!(
        sig_dict.get(b"M").unwrap().as_str().unwrap(),
        pdf_date(time).as_bytes()
    );
}

#[test]
fn the_cms_has_the_pades_signed_attributes() {
    let out = signed();
    let at = rfind(out, b"/ByteRange").unwrap();
    let [_, len0, start1, _] = parse_byte_range(&out[at + 10..]).unwrap();
    let contents = hex::decode(&out[len0 + 1..start1 - 1]).unwrap();
    let mut reader = SliceReader::new(&contents).unwrap();
    let info = ContentInfo::decode(&mut reader).unwrap();
    let signed: SignedData = info.content.decode_as().unwrap();
    assert_eq!(signed.version, CmsVersion::V1);
    assert_eq!(signed.certificates.as_ref().unwrap().0.len(), 2);
    let signer = signed.signer_infos.0.get(0).unwrap();
    let oids: Vec<_> = signer
        .signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.oid)
        .collect();
    for oid in [
        ID_CONTENT_TYPE,
        ID_MESSAGE_DIGEST,
        ID_AA_SIGNING_CERTIFICATE_V_2,
    ] {
        assert!(oids.contains(&oid), "{oid}");
    }
    // PAdES baseline forbids signing-time in the CMS; the time is the dictionary's /M.
    assert!(!oids.contains(&ID_SIGNING_TIME));
    let ess: SigningCertificateV2 = signer
        .signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid == ID_AA_SIGNING_CERTIFICATE_V_2)
        .unwrap()
        .values
        .get(0)
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(
        ess.certs[0].cert_hash.as_bytes(),
        super::super::keys::certificate_der_sha256(identity().1.leaf())
    );
    assert_eq!(ess.certs[0].hash_algorithm, None);
}

#[test]
fn a_changed_byte_is_a_digest_mismatch() {
    let mut out = signed().to_vec();
    // Inside the original document (first range) and inside the appended section.
    for at in [100, out.len() - 40] {
        let mut copy = out.clone();
        copy[at] ^= 0x01;
        assert_eq!(
            verify_pdf(&copy),
            Err(VerifyError::DigestMismatch),
            "at {at}"
        );
    }
    // A different signature value.
    let at = rfind(&out, b"/ByteRange").unwrap();
    let [_, len0, _, _] = parse_byte_range(&out[at + 10..]).unwrap();
    // The ECDSA signature is at the end of the DER; the leaf's signature bytes are elsewhere,
    // so flip a digit in the middle of the final signature value.
    let der_len = {
        let contents =
            hex::decode(&out[len0 + 1..len0 + 1 + 2 * contents_reserved(identity().1.chain())])
                .unwrap();
        let mut reader = SliceReader::new(&contents).unwrap();
        ContentInfo::decode(&mut reader).unwrap();
        usize::try_from(reader.position()).unwrap()
    };
    let digit = len0 + 1 + 2 * der_len - 10;
    out[digit] = if out[digit] == b'1' { b'2' } else { b'1' };
    assert_eq!(verify_pdf(&out), Err(VerifyError::BadSignature));
}

#[test]
fn unsigned_appended_and_gapped_files_are_told_apart() {
    assert_eq!(verify_pdf(sample_pdf()), Err(VerifyError::NotSigned));
    assert_eq!(verify_pdf(b""), Err(VerifyError::NotSigned));

    // An update appended after signing keeps the signature valid for what it covers.
    let mut appended = signed().to_vec();
    appended.extend_from_slice(b"\n% a later revision\n");
    let sig = verify_pdf(&appended).unwrap();
    assert!(!sig.covers_whole_file);

    // A byte range that leaves out more than the signature value.
    let out = signed();
    let at = rfind(out, b"/ByteRange").unwrap();
    let [_, len0, start1, len1] = parse_byte_range(&out[at + 10..]).unwrap();
    let text = |a: usize, b: usize, c: usize, d: usize| {
        let mut copy = out.to_vec();
        let range = format!("[{a} {b} {c} {d}]");
        let end = at + 10 + BYTE_RANGE_PLACEHOLDER.len() + 1;
        let inner = &mut copy[at + 10..end];
        inner.fill(b' ');
        inner[1..=range.len()].copy_from_slice(range.as_bytes());
        copy
    };
    assert_eq!(
        verify_pdf(&text(0, len0 - 1, start1, len1)),
        Err(VerifyError::NotCoveringWholeFile)
    );
    assert_eq!(
        verify_pdf(&text(1, len0 - 1, start1, len1)),
        Err(VerifyError::NotCoveringWholeFile)
    );
    assert!(matches!(
        verify_pdf(&text(0, len0, start1, len1 + 1)),
        Err(VerifyError::Malformed(_))
    ));
    assert!(matches!(
        verify_pdf(b"%PDF-1.7 /ByteRange [0 1 2"),
        Err(VerifyError::Malformed(_))
    ));
}

/// Cheap deterministic pseudo-random numbers for the fuzz loop.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn verify_survives_flips_and_truncations() {
    let out = signed();
    let at = rfind(out, b"/ByteRange").unwrap();
    let [_, len0, start1, _] = parse_byte_range(&out[at + 10..]).unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 {
        let mut copy = out.to_vec();
        let pos = rng.below(copy.len());
        copy[pos] ^= 1 << rng.below(8);
        let result = verify_pdf(&copy);
        // Outside the signature value every change must be caught; inside it a change of hex
        // letter case leaves the same bytes.
        if pos < len0 || pos >= start1 {
            assert!(result.is_err(), "flip at {pos} accepted");
        }
    }
    // Flips concentrated in the CMS (hex digits of the DER).
    for _ in 0..300 {
        let mut copy = out.to_vec();
        let pos = len0 + 1 + rng.below(1200);
        copy[pos] = b"0123456789ABCDEF"[rng.below(16)];
        let _ = verify_pdf(&copy);
    }
    for _ in 0..100 {
        let len = rng.below(out.len());
        assert!(verify_pdf(&out[..len]).is_err(), "truncated to {len}");
        let _ = verify_pdf(&out[len..]);
    }
    // Garbage and near-misses.
    let _ = verify_pdf(b"/ByteRange");
    let _ = verify_pdf(b"/ByteRange[0 0 0 0]");
    let _ = verify_pdf(b"/ByteRange[0 1 3 0]x<>");
    let _ = verify_pdf(b"/ByteRange[0 1 3 0]<0>");
    let _ = verify_pdf(b"/ByteRange[0 99999999999999999999 3 0]");
    let _ = verify_pdf(b"/ByteRange[0 10 12 0]<3080>");
}

#[test]
fn sign_rejects_bad_requests() {
    let (_, id) = identity();
    let mut f = field();
    f.page = 3;
    assert!(matches!(
        sign_pdf(sample_pdf(), id, signing_time(), &f),
        Err(SignError::NoSuchPage { page: 3, pages: 2 })
    ));
    assert!(matches!(
        sign_pdf(b"not a pdf", id, signing_time(), &field()),
        Err(SignError::Pdf(_))
    ));
    // Page 2, with a field whose name and reason are plain ASCII.
    f.page = 2;
    f.name = "Signature2".into();
    f.reason = None;
    f.contact = None;
    let out = sign_pdf(sample_pdf(), id, signing_time(), &f).unwrap();
    assert_eq!(verify_pdf(&out).unwrap().key_id, id.key_id());
}

#[test]
fn a_signed_pdf_can_be_signed_again() {
    let (dir, id) = identity();
    let first = signed();
    let second_id = generate_development(&dir.path().join("second"), "Second signer").unwrap();
    let mut f = field();
    f.name = "Second".into();
    let twice = sign_pdf(first, &second_id, signing_time(), &f).unwrap();
    assert!(twice.starts_with(first));
    let sig = verify_pdf(&twice).unwrap();
    assert_eq!(sig.key_id, second_id.key_id());
    assert_ne!(sig.key_id, id.key_id());
    // Both fields are listed in the AcroForm.
    let doc = Document::load_mem(&twice).unwrap();
    let acroform = doc
        .dereference(doc.catalog().unwrap().get(b"AcroForm").unwrap())
        .unwrap()
        .1
        .as_dict()
        .unwrap();
    assert_eq!(
        acroform.get(b"Fields").unwrap().as_array().unwrap().len(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// External validators

fn tool(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn pdfsig(nss: &Path, file: &Path) -> String {
    run(Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", nss.display()))
        .arg(file))
}

fn pyhanko(ca: &Path, file: &Path) -> String {
    run(Command::new("pyhanko")
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(ca)
        .arg(file))
}

/// pdfsig (poppler, trusting the development CA through an NSS database) and pyHanko must accept
/// the signature, and reject it after one changed byte. With `REQUIRE_PDF_VALIDATORS=1` (CI) a
/// missing tool fails the test; otherwise the test notes it and passes.
#[test]
fn external_validators_accept_the_signature() {
    let required = std::env::var("REQUIRE_PDF_VALIDATORS").is_ok_and(|v| v == "1");
    let missing: Vec<_> = ["pdfsig", "certutil", "pyhanko"]
        .into_iter()
        .filter(|t| !tool(t))
        .collect();
    if !missing.is_empty() {
        assert!(
            !required,
            "REQUIRE_PDF_VALIDATORS=1 but not installed: {missing:?}"
        );
        eprintln!("note: skipping the external validator test, missing {missing:?}");
        return;
    }
    let (dir, _) = identity();
    let work = tempfile::tempdir().unwrap();
    let ca = work.path().join("ca.pem");
    std::fs::write(&ca, crate::signing::keys::dev_ca_pem(dir.path()).unwrap()).unwrap();
    let good = work.path().join("signed.pdf");
    std::fs::write(&good, signed()).unwrap();
    let mut tampered_bytes = signed().to_vec();
    // A byte of the original page content.
    tampered_bytes[200] ^= 0x01;
    let bad = work.path().join("tampered.pdf");
    std::fs::write(&bad, &tampered_bytes).unwrap();

    let nss = work.path().join("nss");
    std::fs::create_dir(&nss).unwrap();
    let nss_arg = format!("sql:{}", nss.display());
    let out = run(Command::new("certutil").args(["-N", "-d", &nss_arg, "--empty-password"]));
    assert!(nss.join("cert9.db").exists(), "certutil -N: {out}");
    let out = run(Command::new("certutil")
        .args(["-A", "-d", &nss_arg, "-n", "ca", "-t", "CT,C,C", "-i"])
        .arg(&ca));
    assert!(out.trim().is_empty(), "certutil -A: {out}");

    let out = pdfsig(&nss, &good);
    println!("pdfsig (signed):\n{out}");
    assert!(out.contains("Signature is Valid."), "{out}");
    assert!(out.contains("Certificate is Trusted."), "{out}");
    assert!(out.contains("ETSI.CAdES.detached"), "{out}");
    let out = pdfsig(&nss, &bad);
    println!("pdfsig (tampered):\n{out}");
    assert!(!out.contains("Signature is Valid."), "{out}");

    let out = pyhanko(&ca, &good);
    println!("pyhanko (signed):\n{out}");
    assert!(out.contains("The signature is judged VALID"), "{out}");
    let out = pyhanko(&ca, &bad);
    println!("pyhanko (tampered):\n{out}");
    assert!(!out.contains("The signature is judged VALID"), "{out}");
    assert!(out.contains("INVALID"), "{out}");
}

/// Release-mode timing: `cargo test --release --lib signing::pades::tests::timing -- --ignored
/// --nocapture`.
#[test]
#[ignore = "timing, run in release mode by hand"]
fn timing() {
    let (_, id) = identity();
    // About the size of a real certificate (35 KB) when Noto Serif is installed.
    let pdf = &make_pdf(1400);
    let time = signing_time();
    let n = 1000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(sign_pdf(pdf, id, time, &field()).unwrap());
    }
    let sign = start.elapsed() / n;
    let out = sign_pdf(pdf, id, time, &field()).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(verify_pdf(&out).unwrap());
    }
    let verify = start.elapsed() / n;
    // Where the signing time goes: parsing and writing the update, then digest, CMS and ECDSA.
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            prepare(pdf, &field(), "x", time, contents_reserved(id.chain())).unwrap(),
        );
    }
    let update = start.elapsed() / n;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let digest: [u8; 32] = Sha256::digest(&out).into();
        std::hint::black_box(build_cms(id.signing_key(), id.chain(), &digest).unwrap());
    }
    let crypto = start.elapsed() / n;
    println!(
        "PDF {} bytes, signed {} bytes: sign_pdf {sign:?} (incremental update {update:?}, \
         digest + CMS + ECDSA {crypto:?}), verify_pdf {verify:?} per call",
        pdf.len(),
        out.len()
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any bytes: an answer, never a panic, and never a signature that verifies.
        #[test]
        fn any_bytes_are_answered_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(all) = verify_pdf_signatures(&bytes) {
                prop_assert!(all.iter().all(Result::is_err));
            }
        }

        /// A signed file with anything appended: the registry's signature still verifies for
        /// what it covers, and never for the whole file.
        #[test]
        fn appended_bytes_never_pass_for_the_signed_file(extra in proptest::collection::vec(any::<u8>(), 1..512)) {
            let mut copy = signed().to_vec();
            copy.extend_from_slice(&extra);
            let all = verify_pdf_signatures(&copy).unwrap();
            let first = all[0].as_ref().unwrap();
            prop_assert!(!first.covers_whole_file);
            prop_assert_eq!(first.signed_len, signed().len());
        }

        /// A changed byte outside the signature value: no signature verifies.
        #[test]
        fn a_flip_outside_the_signature_value_is_caught(pos in 0usize..1_000_000, bit in 0u8..8) {
            let out = signed();
            let at = rfind(out, b"/ByteRange").unwrap();
            let [_, len0, start1, _] = parse_byte_range(&out[at + 10..]).unwrap();
            let pos = pos % out.len();
            prop_assume!(pos < len0 || pos >= start1);
            let mut copy = out.to_vec();
            copy[pos] ^= 1 << bit;
            if let Ok(all) = verify_pdf_signatures(&copy) {
                prop_assert!(all.iter().all(Result::is_err), "flip at {} accepted", pos);
            }
        }
    }
}

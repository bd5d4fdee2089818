//! PAdES baseline B-B signatures on PDFs (ETSI EN 319 142-1, `ETSI.CAdES.detached`).
//!
//! [`sign_pdf`] appends an incremental update to the PDF (the original bytes are kept as they
//! are): a signature field and its widget on the page where the renderer drew the visible
//! signature block, and the signature dictionary with a fixed-size `/ByteRange` and `/Contents`
//! placeholder. The detached CMS SignedData over the byte ranges is then written into the
//! placeholder: SHA-256, ECDSA P-256, signed attributes content-type, message-digest,
//! signing-time and ESS signing-certificate-v2, and the whole certificate chain.
//!
//! [`verify_pdf`] checks the last signature of a PDF that may be hostile: it never parses the
//! document's object graph (no decompression, no recursion), only the last `/ByteRange` array,
//! the hex `/Contents` string that the range must leave out, and the CMS structure, all with
//! bounded work.

#![warn(missing_docs)]

use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA,
    ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_256};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Reader, SliceReader};
use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::keys::{SigningIdentity, leaf_verifying_key, subject_common_name};
use super::seal::KeyId;

/// Bytes reserved for the DER CMS signature in `/Contents` (written as twice as many hex digits)
/// besides the certificate chain: signed attributes, signer info and the ECDSA value take about
/// 400 bytes; the rest is headroom. See [`contents_reserved`].
pub const CONTENTS_OVERHEAD: usize = 1536;

/// Bytes reserved for the signature of a chain: its certificates plus [`CONTENTS_OVERHEAD`],
/// rounded up to 512. Sized to the chain rather than a fixed 8 KB, which would add 16 KB of hex
/// zeros to every certificate.
pub fn contents_reserved(chain: &[Certificate]) -> usize {
    let certs: usize = chain
        .iter()
        .map(|c| c.to_der().map_or(4096, |d| d.len()))
        .sum();
    (certs + CONTENTS_OVERHEAD).div_ceil(512) * 512
}
/// Largest PDF [`verify_pdf`] looks at.
pub const MAX_VERIFY_LEN: usize = 64 * 1024 * 1024;
/// Largest `/Contents` [`verify_pdf`] decodes, in bytes.
const MAX_CONTENTS: usize = 256 * 1024;
/// Most certificates [`verify_pdf`] accepts in one signature.
const MAX_CERTIFICATES: usize = 32;
/// Written in the placeholder `/ByteRange`; wide enough for any offset below 10 GB.
const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 9999999999 9999999999 9999999999]";

/// Where the signature field goes. The visible signature block itself is drawn by the renderer;
/// the widget made here only marks its place (its appearance is empty).
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureField {
    /// Page number, 1-based.
    pub page: u32,
    /// The widget's rectangle `[x1, y1, x2, y2]` in PDF points, over the visible signature block.
    pub rect: [f32; 4],
    /// The field's name (`/T`), unique in the document.
    pub name: String,
    /// Why the document is signed (`/Reason`).
    pub reason: Option<String>,
    /// Where it is signed (`/Location`).
    pub location: Option<String>,
    /// How to reach the signer (`/ContactInfo`).
    pub contact: Option<String>,
}

/// Why a PDF could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The input is not a PDF lopdf can read.
    #[error("cannot read the PDF: {0}")]
    Pdf(String),
    /// The PDF is encrypted; this signer does not sign encrypted PDFs.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The field names a page the document does not have.
    #[error("the PDF has {pages} page(s), no page {page}")]
    NoSuchPage {
        /// The page asked for.
        page: u32,
        /// How many pages there are.
        pages: usize,
    },
    /// The signer or the CMS encoding failed.
    #[error("cannot make the signature: {0}")]
    Cms(String),
    /// The signature does not fit the space reserved for it.
    #[error("the signature ({size} bytes) does not fit the {reserved} bytes reserved")]
    TooLarge {
        /// DER size of the signature.
        size: usize,
        /// Bytes reserved.
        reserved: usize,
    },
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The PDF has no signature.
    #[error("the PDF is not signed")]
    NotSigned,
    /// The signature or its byte range is not well-formed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signed bytes were changed after signing.
    #[error("the document was changed after signing (digest mismatch)")]
    DigestMismatch,
    /// The signature value does not match the signed attributes and the signer's key.
    #[error("the signature value is not valid")]
    BadSignature,
    /// The byte range leaves out more of the signed revision than the signature value itself.
    #[error("the signature does not cover the whole document")]
    NotCoveringWholeFile,
    /// A well-formed signature by an algorithm this registry never signs with (RSA, SHA-1, ...):
    /// someone else's signature, not checked further.
    #[error("signed with an algorithm this registry does not use: {0}")]
    UnsupportedAlgorithm(String),
}

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSignature {
    /// The signer's certificate first, then the issuers found in the signature, in order.
    /// Whether the chain ends at a trusted root is for the caller to decide.
    pub signer_chain: Vec<Certificate>,
    /// The id of the signing key.
    pub key_id: KeyId,
    /// The signing-time signed attribute (the signer's claim, not a trusted timestamp).
    pub signing_time: Option<DateTime<Utc>>,
    /// False when bytes were appended after the signed revision (a later incremental update):
    /// the signature is valid for what it covers, but the file as a whole is not what was
    /// signed. A checker that accepts only the document as issued must require `true`.
    pub covers_whole_file: bool,
    /// SHA-256 of the bytes the byte range covers.
    pub byte_range_digest: [u8; 32],
    /// Where the signed revision ends: the file as it was when signed is `pdf[..signed_len]`.
    pub signed_len: usize,
}

// ---------------------------------------------------------------------------------------------
// CMS

/// ESS `SigningCertificateV2` (RFC 5035), without policies.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// ESS `ESSCertIDv2`. The hash algorithm is `DEFAULT sha256`: DER leaves it out for SHA-256,
/// which is what `None` encodes.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// ESS `IssuerSerial`.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::from_der(&value.to_der()?)?])?,
    })
}

/// The detached CMS SignedData (DER) over a SHA-256 digest.
///
/// PAdES baseline (ETSI EN 319 142-1) forbids the CMS signing-time attribute: the claimed signing
/// time is the signature dictionary's `/M`.
fn build_cms<S: Signer<DerSignature>>(
    signer: &S,
    chain: &[Certificate],
    digest: &[u8; 32],
) -> der::Result<Vec<u8>> {
    let leaf = chain.first().ok_or(der::ErrorKind::Failed)?;
    let leaf_der = leaf.to_der()?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(&leaf_der).to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    leaf.tbs_certificate.issuer.clone(),
                )],
                serial_number: leaf.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let signed_attrs: SignedAttributes = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, &ID_DATA)?,
        attribute(ID_MESSAGE_DIGEST, &OctetString::new(digest.to_vec())?)?,
        attribute(ID_AA_SIGNING_CERTIFICATE_V_2, &ess)?,
    ])?;
    // The signature is over the DER of the attributes as a SET OF (RFC 5652 section 5.4).
    let signature: DerSignature = signer
        .try_sign(&signed_attrs.to_der()?)
        .map_err(|_| der::ErrorKind::Failed)?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA_256,
            parameters: None,
        },
        signature: OctetString::new(signature.as_bytes())?,
        unsigned_attrs: None,
    };
    let certificates = chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()
}

// ---------------------------------------------------------------------------------------------
// Signing

/// PDF date string (`D:YYYYMMDDHHmmSS+00'00'`).
fn pdf_date(time: DateTime<Utc>) -> String {
    time.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

fn pdf_err(e: lopdf::Error) -> SignError {
    SignError::Pdf(e.to_string())
}

/// Signs a PDF with a signing identity: see the module documentation.
pub fn sign_pdf(
    pdf: &[u8],
    id: &SigningIdentity,
    signing_time: DateTime<Utc>,
    field: &SignatureField,
) -> Result<Vec<u8>, SignError> {
    sign_pdf_with::<SigningKey>(pdf, id.signing_key(), id.chain(), signing_time, field)
}

/// Signs a PDF with any ECDSA P-256 signer (a key file, or later an HSM or token behind
/// [`Signer`]) whose certificate is `chain[0]`, followed by its issuers.
pub fn sign_pdf_with<S: Signer<DerSignature>>(
    pdf: &[u8],
    signer: &S,
    chain: &[Certificate],
    signing_time: DateTime<Utc>,
    field: &SignatureField,
) -> Result<Vec<u8>, SignError> {
    let leaf = chain
        .first()
        .ok_or_else(|| SignError::Cms("empty certificate chain".into()))?;
    let signer_name = subject_common_name(leaf).unwrap_or_default();
    let reserved = contents_reserved(chain);
    let (mut out, contents_start) = prepare(pdf, field, &signer_name, signing_time, reserved)?;

    // The byte range: everything but the `<…>` hex string.
    let contents_end = contents_start + 2 * reserved + 2;
    let range = format!(
        "0 {} {} {}",
        contents_start,
        contents_end,
        out.len() - contents_end
    );
    let br_start = find(&out[pdf.len()..], BYTE_RANGE_PLACEHOLDER)
        .map(|p| p + pdf.len())
        .ok_or_else(|| SignError::Pdf("the /ByteRange placeholder was not written".into()))?;
    let inner = &mut out[br_start + 1..br_start + BYTE_RANGE_PLACEHOLDER.len() - 1];
    if range.len() > inner.len() {
        return Err(SignError::Pdf("the PDF is too large to sign".into()));
    }
    inner.fill(b' ');
    inner[..range.len()].copy_from_slice(range.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&out[..contents_start]);
    hasher.update(&out[contents_end..]);
    let digest: [u8; 32] = hasher.finalize().into();

    let cms = build_cms(signer, chain, &digest).map_err(|e| SignError::Cms(e.to_string()))?;
    if cms.len() > reserved {
        return Err(SignError::TooLarge {
            size: cms.len(),
            reserved,
        });
    }
    let hex = hex::encode_upper(&cms);
    out[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Writes the incremental update with placeholders; returns the new file and the offset of the
/// `<` that opens the `/Contents` placeholder.
fn prepare(
    pdf: &[u8],
    field: &SignatureField,
    signer_name: &str,
    signing_time: DateTime<Utc>,
    reserved: usize,
) -> Result<(Vec<u8>, usize), SignError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    let pages = doc.get_pages();
    let page_id = *pages.get(&field.page).ok_or(SignError::NoSuchPage {
        page: field.page,
        pages: pages.len(),
    })?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(pdf_err)?;

    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);
    let new = &mut inc.new_document;

    let mut sig = Dictionary::new();
    sig.set("Type", name("Sig"));
    sig.set("Filter", name("Adobe.PPKLite"));
    sig.set("SubFilter", name("ETSI.CAdES.detached"));
    sig.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(9_999_999_999),
            Object::Integer(9_999_999_999),
            Object::Integer(9_999_999_999),
        ]),
    );
    sig.set(
        "Contents",
        Object::String(vec![0; reserved], StringFormat::Hexadecimal),
    );
    sig.set(
        "M",
        Object::String(pdf_date(signing_time).into_bytes(), StringFormat::Literal),
    );
    if !signer_name.is_empty() {
        sig.set("Name", lopdf::text_string(signer_name));
    }
    for (key, value) in [
        ("Reason", &field.reason),
        ("Location", &field.location),
        ("ContactInfo", &field.contact),
    ] {
        if let Some(value) = value {
            sig.set(key, lopdf::text_string(value));
        }
    }
    let sig_id = new.add_object(sig);

    let [x1, y1, x2, y2] = field.rect;
    let (width, height) = ((x2 - x1).abs(), (y2 - y1).abs());
    let mut ap = Dictionary::new();
    ap.set("Type", name("XObject"));
    ap.set("Subtype", name("Form"));
    ap.set(
        "BBox",
        Object::Array(vec![0.into(), 0.into(), width.into(), height.into()]),
    );
    ap.set("Resources", Dictionary::new());
    let ap_id = new.add_object(Stream::new(ap, Vec::new()));

    let mut widget = Dictionary::new();
    widget.set("Type", name("Annot"));
    widget.set("Subtype", name("Widget"));
    widget.set("FT", name("Sig"));
    widget.set("T", lopdf::text_string(&field.name));
    widget.set("V", Object::Reference(sig_id));
    // Print (4) + Locked (128).
    widget.set("F", 132);
    widget.set(
        "Rect",
        Object::Array(field.rect.iter().map(|&v| v.into()).collect()),
    );
    widget.set("P", Object::Reference(page_id));
    let mut ap_dict = Dictionary::new();
    ap_dict.set("N", Object::Reference(ap_id));
    widget.set("AP", ap_dict);
    let widget_id = new.add_object(widget);

    // The page lists the widget among its annotations.
    inc.opt_clone_object_to_new_document(page_id)
        .map_err(pdf_err)?;
    let annots = inc
        .new_document
        .get_dictionary(page_id)
        .map_err(pdf_err)?
        .get(b"Annots")
        .ok()
        .cloned();
    append_reference(&mut inc, page_id, b"Annots", annots, widget_id)?;

    // The catalog's AcroForm lists the field; SigFlags 3 = SignaturesExist | AppendOnly.
    inc.opt_clone_object_to_new_document(root_id)
        .map_err(pdf_err)?;
    let acroform = inc
        .new_document
        .get_dictionary(root_id)
        .map_err(pdf_err)?
        .get(b"AcroForm")
        .ok()
        .cloned();
    let acroform_id = match acroform {
        Some(Object::Reference(id)) => {
            inc.opt_clone_object_to_new_document(id).map_err(pdf_err)?;
            id
        }
        Some(Object::Dictionary(dict)) => inc.new_document.add_object(dict),
        None => inc.new_document.add_object(Dictionary::new()),
        Some(_) => return Err(SignError::Pdf("/AcroForm is not a dictionary".into())),
    };
    inc.new_document
        .get_dictionary_mut(root_id)
        .map_err(pdf_err)?
        .set("AcroForm", Object::Reference(acroform_id));
    let fields = inc
        .new_document
        .get_dictionary(acroform_id)
        .map_err(pdf_err)?
        .get(b"Fields")
        .ok()
        .cloned();
    append_reference(&mut inc, acroform_id, b"Fields", fields, widget_id)?;
    inc.new_document
        .get_dictionary_mut(acroform_id)
        .map_err(pdf_err)?
        .set("SigFlags", 3);

    let mut out = Vec::with_capacity(pdf.len() + 2 * reserved + 4096);
    inc.save_to(&mut out)
        .map_err(|e| SignError::Pdf(e.to_string()))?;

    // The placeholder is the only run of that many zeros in the appended section.
    let mut needle = vec![b'0'; 2 * reserved + 2];
    needle[0] = b'<';
    *needle.last_mut().unwrap_or(&mut 0) = b'>';
    let start = find(&out[pdf.len()..], &needle)
        .map(|p| p + pdf.len())
        .ok_or_else(|| SignError::Pdf("the /Contents placeholder was not written".into()))?;
    Ok((out, start))
}

/// Adds `reference` to the array `key` of the (new) dictionary `holder`, whether the array is
/// missing, inline or an indirect object.
fn append_reference(
    inc: &mut IncrementalDocument,
    holder: ObjectId,
    key: &[u8],
    current: Option<Object>,
    reference: ObjectId,
) -> Result<(), SignError> {
    match current {
        None | Some(Object::Null) => {
            inc.new_document
                .get_dictionary_mut(holder)
                .map_err(pdf_err)?
                .set(key, Object::Array(vec![Object::Reference(reference)]));
        }
        Some(Object::Array(mut items)) => {
            items.push(Object::Reference(reference));
            inc.new_document
                .get_dictionary_mut(holder)
                .map_err(pdf_err)?
                .set(key, Object::Array(items));
        }
        Some(Object::Reference(array_id)) => {
            inc.opt_clone_object_to_new_document(array_id)
                .map_err(pdf_err)?;
            inc.new_document
                .get_object_mut(array_id)
                .and_then(Object::as_array_mut)
                .map_err(pdf_err)?
                .push(Object::Reference(reference));
        }
        Some(_) => {
            return Err(SignError::Pdf(format!(
                "/{} is not an array",
                String::from_utf8_lossy(key)
            )));
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(p) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + p;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .rev()
        .find(|&i| haystack[i..].starts_with(needle))
}

// ---------------------------------------------------------------------------------------------
// Verification

fn malformed(what: impl Into<String>) -> VerifyError {
    VerifyError::Malformed(what.into())
}

fn is_pdf_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Reads `[a b c d]` (non-negative integers) at the start of `bytes`.
fn parse_byte_range(bytes: &[u8]) -> Result<[usize; 4], VerifyError> {
    let bad = || malformed("/ByteRange is not an array of four non-negative integers");
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < bytes.len() && is_pdf_whitespace(bytes[*i]) {
            *i += 1;
        }
    };
    skip(&mut i);
    if bytes.get(i) != Some(&b'[') {
        return Err(bad());
    }
    i += 1;
    let mut values = [0usize; 4];
    for value in &mut values {
        skip(&mut i);
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() && i - start < 15 {
            i += 1;
        }
        *value = std::str::from_utf8(&bytes[start..i])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
    }
    skip(&mut i);
    if bytes.get(i) != Some(&b']') {
        return Err(bad());
    }
    Ok(values)
}

/// Most signatures [`verify_pdf_signatures`] looks at in one file.
pub const MAX_SIGNATURES: usize = 16;

/// Verifies the last signature of a PDF: see [`PdfSignature`] and [`VerifyError`]. Safe on
/// hostile input: it does not panic, and its work is linear in the input's size (at most
/// [`MAX_VERIFY_LEN`] bytes are accepted).
pub fn verify_pdf(pdf: &[u8]) -> Result<PdfSignature, VerifyError> {
    if pdf.len() > MAX_VERIFY_LEN {
        return Err(malformed("the file is too large"));
    }
    let at = rfind(pdf, b"/ByteRange").ok_or(VerifyError::NotSigned)?;
    verify_at(pdf, at)
}

/// Verifies every signature of a PDF, in file order: the registry's own and any others added
/// later (a countersignature in an incremental update). `Err` only when there is none, or the
/// file is too large or holds too many; each signature's own outcome is in the list.
pub fn verify_pdf_signatures(
    pdf: &[u8],
) -> Result<Vec<Result<PdfSignature, VerifyError>>, VerifyError> {
    if pdf.len() > MAX_VERIFY_LEN {
        return Err(malformed("the file is too large"));
    }
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&pdf[from..], b"/ByteRange") {
        let at = from + pos;
        if found.len() == MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        found.push(verify_at(pdf, at));
        from = at + b"/ByteRange".len();
    }
    if found.is_empty() {
        return Err(VerifyError::NotSigned);
    }
    Ok(found)
}

/// Verifies the signature whose `/ByteRange` starts at `at`.
fn verify_at(pdf: &[u8], at: usize) -> Result<PdfSignature, VerifyError> {
    let [start0, len0, start1, len1] = parse_byte_range(&pdf[at + b"/ByteRange".len()..])?;
    let end1 = start1
        .checked_add(len1)
        .filter(|&end| end <= pdf.len())
        .ok_or_else(|| malformed("/ByteRange goes past the end of the file"))?;
    // The signed revision must be covered from its first byte to its last, except exactly the
    // `<hex>` string that holds the signature.
    if start0 != 0 || len0 >= start1 {
        return Err(VerifyError::NotCoveringWholeFile);
    }
    let gap = &pdf[len0..start1];
    let hex_digits = match gap {
        [b'<', inner @ .., b'>'] if inner.iter().all(u8::is_ascii_hexdigit) => inner,
        _ => return Err(VerifyError::NotCoveringWholeFile),
    };
    if hex_digits.len() > 2 * MAX_CONTENTS {
        return Err(malformed("/Contents is too large"));
    }
    let contents = hex::decode(hex_digits).map_err(|_| malformed("/Contents is not hex"))?;

    let mut hasher = Sha256::new();
    hasher.update(&pdf[..len0]);
    hasher.update(&pdf[start1..end1]);
    let digest: [u8; 32] = hasher.finalize().into();

    let (signer_chain, cms_time, verifying_key) = verify_cms(&contents, &digest)?;
    // PAdES puts the claimed signing time in the signature dictionary's `/M`, which lies in the
    // signed revision near `/ByteRange`.
    let signing_time = cms_time.or_else(|| {
        let after = &pdf[start1..end1.min(start1.saturating_add(4096))];
        sig_dict_time(&after[..find(after, b">>").unwrap_or(after.len())])
            .or_else(|| sig_dict_time(&pdf[at.saturating_sub(4096)..len0]))
    });
    Ok(PdfSignature {
        signer_chain,
        key_id: KeyId::of(&verifying_key),
        signing_time,
        covers_whole_file: end1 == pdf.len(),
        byte_range_digest: digest,
        signed_len: end1,
    })
}

/// Reads the last `/M (D:YYYYMMDDHHmmSS...)` in `bytes` as a UTC time.
fn sig_dict_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let at = rfind(bytes, b"/M(").or_else(|| rfind(bytes, b"/M "))?;
    let rest = &bytes[at + 2..];
    let open = rest.iter().position(|&b| b == b'(')?;
    if rest[..open].iter().any(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    let text = rest.get(open + 1..)?;
    let close = text.iter().position(|&b| b == b')')?;
    let text = std::str::from_utf8(&text[..close]).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let naive = chrono::NaiveDateTime::parse_from_str(text.get(..14)?, "%Y%m%d%H%M%S").ok()?;
    let offset = match text.get(14..15) {
        Some(sign @ ("+" | "-")) => {
            let h: i64 = text.get(15..17)?.parse().ok()?;
            let m: i64 = text.get(18..20).and_then(|m| m.parse().ok()).unwrap_or(0);
            if sign == "+" {
                h * 3600 + m * 60
            } else {
                -(h * 3600 + m * 60)
            }
        }
        _ => 0,
    };
    Some(naive.and_utc() - chrono::Duration::seconds(offset))
}

type VerifiedCms = (
    Vec<Certificate>,
    Option<DateTime<Utc>>,
    p256::ecdsa::VerifyingKey,
);

fn verify_cms(contents: &[u8], digest: &[u8; 32]) -> Result<VerifiedCms, VerifyError> {
    let der_err = |e: der::Error| malformed(format!("CMS: {e}"));
    let mut reader = SliceReader::new(contents).map_err(der_err)?;
    let info = ContentInfo::decode(&mut reader).map_err(der_err)?;
    let used = usize::try_from(reader.position()).map_err(|_| malformed("CMS length"))?;
    if !contents
        .get(used..)
        .unwrap_or_default()
        .iter()
        .all(|&b| b == 0)
    {
        return Err(malformed("data after the CMS signature in /Contents"));
    }
    if info.content_type != ID_SIGNED_DATA {
        return Err(malformed("CMS content is not SignedData"));
    }
    let signed: SignedData = info.content.decode_as().map_err(der_err)?;
    if signed.encap_content_info.econtent.is_some() {
        return Err(malformed("the CMS signature is not detached"));
    }
    let mut infos = signed.signer_infos.0.iter();
    let info = match (infos.next(), infos.next()) {
        (Some(info), None) => info,
        _ => return Err(malformed("expected exactly one SignerInfo")),
    };
    if info.digest_alg.oid != ID_SHA_256 {
        return Err(VerifyError::UnsupportedAlgorithm(format!(
            "digest {}",
            info.digest_alg.oid
        )));
    }
    // The registry signs with ECDSA P-256 and SHA-256 only; anything else (RSA, ...) is
    // someone else's signature.
    if info.signature_algorithm.oid != ECDSA_WITH_SHA_256 {
        return Err(VerifyError::UnsupportedAlgorithm(format!(
            "signature {}",
            info.signature_algorithm.oid
        )));
    }
    let attrs = info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| malformed("no signed attributes"))?;
    let single = |oid: ObjectIdentifier| -> Option<&Any> {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => a.values.get(0),
            _ => None,
        }
    };
    let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as().ok())
        .ok_or_else(|| malformed("no content-type attribute"))?;
    if content_type != ID_DATA {
        return Err(malformed("content-type attribute is not id-data"));
    }
    let message_digest: OctetString = single(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as().ok())
        .ok_or_else(|| malformed("no message-digest attribute"))?;
    if message_digest.as_bytes() != digest {
        return Err(VerifyError::DigestMismatch);
    }
    let signing_time = single(ID_SIGNING_TIME)
        .and_then(|v| v.to_der().ok())
        .and_then(|der| Time::from_der(&der).ok())
        .and_then(|t| i64::try_from(t.to_unix_duration().as_secs()).ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0));

    let certificates: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if certificates.len() > MAX_CERTIFICATES {
        return Err(malformed("too many certificates"));
    }
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &info.sid else {
        return Err(malformed(
            "the signer is not identified by issuer and serial",
        ));
    };
    let leaf = *certificates
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer == sid.issuer
                && c.tbs_certificate.serial_number == sid.serial_number
        })
        .ok_or_else(|| malformed("the signer's certificate is not in the signature"))?;
    let key = leaf_verifying_key(leaf)
        .map_err(|e| VerifyError::UnsupportedAlgorithm(format!("the signer's key: {e}")))?;
    let signature = DerSignature::from_bytes(info.signature.as_bytes())
        .map_err(|_| VerifyError::BadSignature)?;
    let signed_attrs_der = attrs.to_der().map_err(der_err)?;
    key.verify(&signed_attrs_der, &signature)
        .map_err(|_| VerifyError::BadSignature)?;

    // The chain: follow issuers through the certificates given, without loops.
    let mut chain = vec![leaf.clone()];
    while chain.len() < certificates.len() {
        let Some(current) = chain.last() else { break };
        if current.tbs_certificate.issuer == current.tbs_certificate.subject {
            break;
        }
        match certificates.iter().find(|c| {
            c.tbs_certificate.subject == current.tbs_certificate.issuer && !chain.contains(*c)
        }) {
            Some(issuer) => chain.push((*issuer).clone()),
            None => break,
        }
    }
    Ok((chain, signing_time, key))
}

#[cfg(test)]
#[path = "tests_pades.rs"]
mod tests;

//! Offline verification, the logic behind `invest-registry verify` and `invest-registry trust
//! fetch`: a certificate PDF, a verification URL or a bare seal is checked against a saved trust
//! list (the JSON of `GET /api/v1/trust/keys`) with no network; a saved status bundle (`GET
//! /api/v1/trust/status`) says whether it was still in force; `--online` asks the registry.
//!
//! What is checked:
//! - a PDF: its PAdES signature covers the whole file and verifies, the signer's public key is a
//!   published key, and the seal in the signed bytes (the verification link over the QR code)
//!   verifies too;
//! - a seal (or the seal at the end of a URL): its ECDSA signature by a published key.
//!
//! A network failure or a server error is never reported as "not genuine": only a check that
//! ran and failed is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};

use crate::domain::{
    format::{date_short, group_thousands},
    time::{iso_vietnam, vietnam_date},
};
use crate::signing::{
    bundle::{self, SignedBundle},
    keys::{leaf_verifying_key, subject_common_name},
    pades,
    seal::{self, KeyId, SealError},
};

/// Exit code: genuine and in force, or genuine with the status not checked (the output says so).
pub const EXIT_GENUINE: u8 = 0;
/// Exit code: genuine but not in force (superseded, suspended or revoked).
pub const EXIT_NOT_IN_FORCE: u8 = 1;
/// Exit code: not genuine: modified, not signed, forged, or not signed by a trustworthy known key.
pub const EXIT_NOT_GENUINE: u8 = 2;
/// Exit code: could not check (bad input, unreadable files, a status asked for but unavailable).
pub const EXIT_CANNOT_CHECK: u8 = 3;

/// Length of a seal in Base32 characters.
const SEAL_CHARS: usize = 170;
/// Largest answer read from a registry (keys, bundle, verification).
const MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;
/// Timeout of each request to a registry.
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Trust list

/// A published signing key, from the trust list.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Key id, lower-case hex.
    pub key_id: String,
    /// `active`, `retired` or `compromised`.
    pub status: String,
    /// A generated development key (no legal value).
    pub development: bool,
    /// Subject common name of its certificate.
    pub subject: String,
    /// When it was retired, if it was.
    pub retired_at: Option<DateTime<Utc>>,
    /// The public key.
    pub key: VerifyingKey,
}

/// The keys of a saved trust list.
#[derive(Debug, Clone)]
pub struct TrustList {
    keys: Vec<TrustedKey>,
}

#[derive(Deserialize)]
struct RawTrustList {
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    key_id: String,
    status: String,
    #[serde(default)]
    development: bool,
    #[serde(default)]
    subject: String,
    public_key_pem: String,
    #[serde(default)]
    retired_at: Option<DateTime<Utc>>,
}

impl TrustList {
    /// Reads the JSON of `GET /api/v1/trust/keys`. Every key's id must be the id of its public
    /// key, so a list edited by hand cannot lend one key's name to another.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let raw: RawTrustList = serde_json::from_str(text)
            .map_err(|e| format!("not the JSON of /api/v1/trust/keys: {e}"))?;
        let mut keys = Vec::with_capacity(raw.keys.len());
        for k in raw.keys {
            let key = VerifyingKey::from_public_key_pem(&k.public_key_pem)
                .map_err(|e| format!("key {}: unreadable public key: {e}", k.key_id))?;
            let actual = KeyId::of(&key).to_hex();
            if actual != k.key_id.trim().to_ascii_lowercase() {
                return Err(format!(
                    "key {}: its public key has the id {actual}",
                    k.key_id
                ));
            }
            keys.push(TrustedKey {
                key_id: actual,
                status: k.status,
                development: k.development,
                subject: k.subject,
                retired_at: k.retired_at,
                key,
            });
        }
        if keys.is_empty() {
            return Err("the list holds no key".to_owned());
        }
        Ok(Self { keys })
    }

    /// The key with this id.
    pub fn get(&self, id: KeyId) -> Option<&TrustedKey> {
        let hex = id.to_hex();
        self.keys.iter().find(|k| k.key_id == hex)
    }

    fn lookup(&self) -> impl Fn(KeyId) -> Option<VerifyingKey> + '_ {
        |id| self.get(id).map(|k| k.key)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when it holds no key (never, once read).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Input

/// What the command line's INPUT names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An existing file: a PDF.
    Pdf(PathBuf),
    /// A verification URL; the seal after `/v/`.
    Url(String),
    /// A bare seal.
    Seal(String),
    /// A name ending in `.pdf` that is not a file.
    MissingFile(PathBuf),
}

impl Input {
    /// An existing file is a PDF; text with `/v/` is a URL (the seal follows it, without query
    /// or fragment); anything else is a seal.
    pub fn classify(arg: &str) -> Self {
        let path = Path::new(arg);
        if path.is_file() {
            return Input::Pdf(path.to_path_buf());
        }
        let text = arg.trim();
        if let Some(at) = rfind_v(text.as_bytes()) {
            let rest = &text[at + 3..];
            let end = rest.find(['?', '#']).unwrap_or(rest.len());
            return Input::Url(rest[..end].trim_end_matches('/').to_owned());
        }
        if text.to_ascii_lowercase().ends_with(".pdf") {
            return Input::MissingFile(path.to_path_buf());
        }
        Input::Seal(text.to_owned())
    }

    fn kind(&self) -> &'static str {
        match self {
            Input::Pdf(_) | Input::MissingFile(_) => "pdf",
            Input::Url(_) => "url",
            Input::Seal(_) => "seal",
        }
    }
}

/// The last `/v/` or `/V/`.
fn rfind_v(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(3)
        .rposition(|w| w[0] == b'/' && (w[1] | 0x20) == b'v' && w[2] == b'/')
}

fn is_base32(b: u8) -> bool {
    b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b)
}

/// Every distinct seal that follows a `/v/` in the bytes (upper-cased, in order of appearance).
pub fn seals_in(bytes: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i + 3 + SEAL_CHARS <= bytes.len() {
        let w = &bytes[i..i + 3];
        if w[0] == b'/' && (w[1] | 0x20) == b'v' && w[2] == b'/' {
            let start = i + 3;
            let end = start + SEAL_CHARS;
            let candidate = &bytes[start..end];
            if candidate.iter().all(|&b| is_base32(b))
                && bytes.get(end).is_none_or(|&b| !is_base32(b))
            {
                let text = String::from_utf8_lossy(candidate).to_ascii_uppercase();
                if !found.contains(&text) {
                    found.push(text);
                }
            }
        }
        i += 1;
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Report

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Genuine and in force.
    Genuine,
    /// Genuine; whether it is in force was not checked (no `--status`, no `--online`).
    GenuineStatusNotChecked,
    /// Genuine but superseded, suspended or revoked.
    NotInForce,
    /// Not genuine, or not trustworthy.
    NotGenuine,
    /// Could not be checked.
    CannotCheck,
}

/// What the seal states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateFacts {
    /// Project code.
    pub project_code: String,
    /// Certificate version (0 = first issue).
    pub version: u16,
    /// Date of issue.
    pub issued_on: NaiveDate,
    /// Total investment capital, VND.
    pub total_capital_vnd: i64,
    /// The seal, upper case.
    pub seal: String,
}

/// What the PDF signature states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PdfFacts {
    /// Common name of the signing certificate.
    pub signer: String,
    /// Signing time claimed by the signature.
    pub signing_time: Option<DateTime<Utc>>,
    /// True when the PDF carries the verification link (a seal).
    pub seal_found: bool,
}

/// The key that signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFacts {
    /// Key id, hex.
    pub key_id: String,
    /// Its status in the trust list.
    pub status: String,
    /// A development key (no legal value).
    pub development: bool,
    /// Subject of its certificate.
    pub subject: String,
}

/// Where the status came from, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusFacts {
    /// `in_force`, `superseded`, `suspended` or `revoked`.
    pub status: String,
    /// `bundle` or `online`.
    pub source: &'static str,
    /// The instant the status holds for.
    pub as_of: DateTime<Utc>,
    /// Why, when recorded.
    pub reason: Option<String>,
    /// When the status took effect.
    pub effective_on: Option<NaiveDate>,
    /// The version that replaced a superseded one.
    pub superseded_by_version: Option<u32>,
}

/// The result of a verification, for people ([`Report::to_text`]) and programs (JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The process exit code.
    pub exit_code: u8,
    /// The overall answer.
    pub verdict: Verdict,
    /// A stable code for why it is not genuine or could not be checked (`modified`,
    /// `not_signed`, `unknown_key`, `bad_seal`, `compromised_key`, `bad_input`, `status_unavailable`…).
    pub reason: Option<String>,
    /// The answer in one line, Vietnamese then English.
    pub headline: String,
    /// `pdf`, `url` or `seal`.
    pub input: &'static str,
    /// The facts of the seal.
    pub certificate: Option<CertificateFacts>,
    /// The PDF signature.
    pub pdf: Option<PdfFacts>,
    /// The signing key.
    pub key: Option<KeyFacts>,
    /// The status, when checked.
    pub status: Option<StatusFacts>,
    /// Further lines, Vietnamese then English.
    pub notes: Vec<String>,
}

/// The verification in progress.
struct State {
    input: &'static str,
    certificate: Option<CertificateFacts>,
    pdf: Option<PdfFacts>,
    key: Option<KeyFacts>,
    /// A failed check: verdict (not genuine or cannot check), reason code, line vi / en.
    failure: Option<(Verdict, &'static str, String)>,
    compromised: bool,
    status: Option<StatusFacts>,
    status_requested: bool,
    status_problems: Vec<String>,
    notes: Vec<String>,
}

impl State {
    fn new(input: &'static str) -> Self {
        Self {
            input,
            certificate: None,
            pdf: None,
            key: None,
            failure: None,
            compromised: false,
            status: None,
            status_requested: false,
            status_problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn fail(&mut self, verdict: Verdict, code: &'static str, line: impl Into<String>) {
        if self.failure.is_none() {
            self.failure = Some((verdict, code, line.into()));
        }
    }

    fn not_genuine(&mut self, code: &'static str, line: impl Into<String>) {
        self.fail(Verdict::NotGenuine, code, line);
    }

    fn cannot_check(&mut self, code: &'static str, line: impl Into<String>) {
        self.fail(Verdict::CannotCheck, code, line);
    }

    fn genuine_so_far(&self) -> bool {
        self.failure.is_none()
    }

    /// Records the signing key; flags a compromised key, and a certificate dated after its key
    /// was retired.
    fn signed_by(&mut self, key: &TrustedKey, signed_on: Option<NaiveDate>) {
        self.key = Some(KeyFacts {
            key_id: key.key_id.clone(),
            status: key.status.clone(),
            development: key.development,
            subject: key.subject.clone(),
        });
        if key.status == "compromised" {
            self.compromised = true;
        }
        if key.status == "retired"
            && let (Some(retired), Some(signed_on)) = (key.retired_at, signed_on)
            && signed_on > vietnam_date(retired)
        {
            self.not_genuine(
                "signed_after_retirement",
                format!(
                    "Ký ngày {} bằng khóa đã ngừng sử dụng từ {} / Dated {} with a key retired on {}",
                    date_short(signed_on),
                    date_short(vietnam_date(retired)),
                    signed_on,
                    vietnam_date(retired)
                ),
            );
        }
    }

    fn finish(self) -> Report {
        let (verdict, reason, headline) = if let Some((verdict, code, line)) = &self.failure {
            let headline = match verdict {
                Verdict::NotGenuine => format!("KẾT QUẢ: KHÔNG HỢP LỆ / Not genuine: {line}"),
                _ => format!("KẾT QUẢ: KHÔNG KIỂM TRA ĐƯỢC / Could not check: {line}"),
            };
            (*verdict, Some((*code).to_owned()), headline)
        } else if self.compromised && self.status.as_ref().is_none_or(|s| s.source != "online") {
            (
                Verdict::NotGenuine,
                Some("compromised_key".to_owned()),
                "KẾT QUẢ: KHÔNG ĐÁNG TIN CẬY KHI KIỂM TRA NGOẠI TUYẾN: khóa ký đã bị lộ / Not trustworthy offline: the signing key is marked compromised".to_owned(),
            )
        } else if let Some(s) = &self.status {
            match s.status.as_str() {
                "in_force" => (
                    Verdict::Genuine,
                    None,
                    "KẾT QUẢ: ĐÚNG BẢN GỐC, CÒN HIỆU LỰC / Genuine and in force".to_owned(),
                ),
                other => (
                    Verdict::NotInForce,
                    None,
                    format!(
                        "KẾT QUẢ: ĐÚNG BẢN GỐC NHƯNG KHÔNG CÒN HIỆU LỰC: {} / Genuine but not in force: {}",
                        status_vi(other).to_uppercase(),
                        status_en(other)
                    ),
                ),
            }
        } else if self.status_requested {
            (
                Verdict::CannotCheck,
                Some("status_unavailable".to_owned()),
                "KẾT QUẢ: ĐÚNG BẢN GỐC, NHƯNG KHÔNG KIỂM TRA ĐƯỢC HIỆU LỰC / Genuine, but whether it is in force could not be checked".to_owned(),
            )
        } else {
            (
                Verdict::GenuineStatusNotChecked,
                None,
                "KẾT QUẢ: ĐÚNG BẢN GỐC; CHƯA KIỂM TRA HIỆU LỰC / Genuine; whether it is still in force was not checked".to_owned(),
            )
        };
        let exit_code = match verdict {
            Verdict::Genuine | Verdict::GenuineStatusNotChecked => EXIT_GENUINE,
            Verdict::NotInForce => EXIT_NOT_IN_FORCE,
            Verdict::NotGenuine => EXIT_NOT_GENUINE,
            Verdict::CannotCheck => EXIT_CANNOT_CHECK,
        };
        let mut notes = self.status_problems;
        notes.extend(self.notes);
        if verdict == Verdict::GenuineStatusNotChecked {
            notes.push(
                "Hiệu lực chưa được kiểm tra: dùng --status (danh sách trạng thái) hoặc --online / Whether it is in force was not checked: use --status (a status bundle) or --online".to_owned(),
            );
        }
        Report {
            exit_code,
            verdict,
            reason,
            headline,
            input: self.input,
            certificate: self.certificate,
            pdf: self.pdf,
            key: self.key,
            status: self.status,
            notes,
        }
    }
}

fn status_vi(status: &str) -> &'static str {
    match status {
        "in_force" => "còn hiệu lực",
        "superseded" => "đã được thay thế",
        "suspended" => "đang bị tạm ngừng",
        "revoked" => "đã bị thu hồi",
        _ => "không rõ",
    }
}

fn status_en(status: &str) -> &'static str {
    match status {
        "in_force" => "in force",
        "superseded" => "superseded",
        "suspended" => "suspended",
        "revoked" => "revoked",
        _ => "unknown",
    }
}

impl Report {
    /// The report for people: the headline, then one fact per line, Vietnamese then English.
    pub fn to_text(&self) -> String {
        let mut out = vec![self.headline.clone()];
        let mut line = |label: &str, value: String| out.push(format!("  {label:<36} {value}"));
        if let Some(c) = &self.certificate {
            line("Mã số dự án / Project code:", c.project_code.clone());
            line(
                "Lần cấp / Version:",
                if c.version == 0 {
                    "0 (Chứng nhận lần đầu / first issue)".to_owned()
                } else {
                    format!(
                        "{v} (Chứng nhận thay đổi lần thứ {v} / change no. {v})",
                        v = c.version
                    )
                },
            );
            line("Ngày cấp / Issued on:", date_short(c.issued_on));
            line(
                "Tổng vốn đầu tư / Total capital:",
                format!("{} đồng (VND)", group_thousands(c.total_capital_vnd)),
            );
        }
        if let Some(p) = &self.pdf {
            line(
                "Chữ ký số PDF / PDF signature:",
                "hợp lệ, bao trùm toàn bộ tệp / valid, covers the whole file".to_owned(),
            );
            line("Người ký / Signer:", p.signer.clone());
            if let Some(t) = p.signing_time {
                line("Thời điểm ký / Signed at:", iso_vietnam(t));
            }
        }
        if let Some(k) = &self.key {
            line(
                "Khóa ký / Signing key:",
                format!("{} ({}) – {}", k.key_id, k.status, k.subject),
            );
        }
        if let Some(s) = &self.status {
            let source = if s.source == "online" {
                "trực tuyến / online"
            } else {
                "danh sách trạng thái / status bundle"
            };
            line(
                "Hiệu lực / Status:",
                format!(
                    "{} / {} (tại / as of {}; {source})",
                    status_vi(&s.status),
                    status_en(&s.status),
                    iso_vietnam(s.as_of)
                ),
            );
            if let Some(v) = s.superseded_by_version {
                line(
                    "Thay thế bởi / Superseded by:",
                    format!("lần cấp / version {v}"),
                );
            }
            if let Some(r) = &s.reason {
                line("Lý do / Reason:", r.clone());
            }
            if let Some(d) = s.effective_on {
                line("Ngày hiệu lực / Effective on:", date_short(d));
            }
        }
        if self.key.as_ref().is_some_and(|k| k.development) {
            out.push(
                "CẢNH BÁO: ký bằng khóa phát triển, không có giá trị pháp lý / WARNING: signed with a development key, no legal value".to_owned(),
            );
        }
        for n in &self.notes {
            out.push(format!("Ghi chú / Note: {n}"));
        }
        out.join("\n") + "\n"
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

fn check_pdf(bytes: &[u8], keys: &TrustList, st: &mut State) {
    if !bytes.starts_with(b"%PDF-") {
        st.cannot_check(
            "not_a_pdf",
            "tệp không phải là tệp PDF / the file is not a PDF",
        );
        return;
    }
    if bytes.len() > pades::MAX_VERIFY_LEN {
        st.cannot_check("bad_input", "tệp quá lớn / the file is too large");
        return;
    }
    let modified = "TÀI LIỆU ĐÃ BỊ SỬA ĐỔI SAU KHI KÝ / the document was modified after signing";
    let unknown = "KHÔNG ĐƯỢC KÝ BẰNG KHÓA ĐÃ CÔNG BỐ / not signed by a published key";
    let signatures = match pades::verify_pdf_signatures(bytes) {
        Ok(all) => all,
        Err(pades::VerifyError::NotSigned) => {
            st.not_genuine(
                "not_signed",
                "TÀI LIỆU KHÔNG CÓ CHỮ KÝ SỐ / the document is not signed",
            );
            return;
        }
        Err(e) => {
            st.not_genuine(
                "modified",
                format!("{modified} (chữ ký bị hỏng / damaged signature: {e})"),
            );
            return;
        }
    };
    // The registry's signature is the one by a published key whose certificate carries it;
    // another party's signature added later is not a reason to doubt it.
    let ours = signatures.iter().flatten().find_map(|sig| {
        let key = keys.get(sig.key_id)?;
        let leaf = sig.signer_chain.first()?;
        (leaf_verifying_key(leaf).ok() == Some(key.key)).then_some((sig, key))
    });
    let Some((sig, key)) = ours else {
        let broken = signatures.iter().find_map(|r| match r {
            Err(pades::VerifyError::DigestMismatch) => {
                Some("mã băm không khớp / digest mismatch".to_owned())
            }
            Err(pades::VerifyError::BadSignature) => {
                Some("giá trị chữ ký không khớp / the signature value does not match".to_owned())
            }
            Err(pades::VerifyError::NotCoveringWholeFile) => Some(
                "chữ ký không bao trùm toàn bộ tệp / the signature does not cover the whole file"
                    .to_owned(),
            ),
            Err(pades::VerifyError::Malformed(why)) => {
                Some(format!("chữ ký bị hỏng / damaged signature: {why}"))
            }
            _ => None,
        });
        match broken {
            Some(why) => st.not_genuine("modified", format!("{modified} ({why})")),
            None => {
                let named = signatures
                    .iter()
                    .flatten()
                    .next()
                    .map(|s| format!(" ({})", s.key_id.to_hex()))
                    .unwrap_or_default();
                st.not_genuine("unknown_key", format!("{unknown}{named}"));
            }
        }
        return;
    };
    if !sig.covers_whole_file {
        st.not_genuine(
            "modified",
            format!("{modified} (nội dung được thêm vào sau chữ ký của cơ quan cấp, ví dụ chữ ký của bên khác; bản gốc bên trong vẫn nguyên vẹn, hãy đề nghị xuất trình tệp gốc / content was added after the registry's signature, for example another party's signature; the original inside is intact: ask for the original file)"),
        );
        return;
    }
    let leaf = sig.signer_chain.first();
    st.signed_by(key, sig.signing_time.map(vietnam_date));
    // The signature covers the whole file but its own hex value, which holds no `/v/`: every
    // seal found is in the signed bytes, written there by the issuer.
    let seals = seals_in(bytes);
    st.pdf = Some(PdfFacts {
        signer: leaf.and_then(subject_common_name).unwrap_or_default(),
        signing_time: sig.signing_time,
        seal_found: !seals.is_empty(),
    });
    match seals.first() {
        Some(text) => check_seal_text(text, keys, st),
        None => st.notes.push(
            "PDF này không có đường dẫn xác minh (cấp trước khi có tính năng này), nên không tra được hiệu lực ngoại tuyến / This PDF carries no verification link (issued before it was added), so its status cannot be looked up offline".to_owned(),
        ),
    }
}

/// Checks a seal; `st` records the facts or the failure.
fn check_seal_text(text: &str, keys: &TrustList, st: &mut State) {
    let text = text.trim();
    if text.len() != SEAL_CHARS || !text.bytes().all(is_base32) {
        st.cannot_check(
            "bad_input",
            "không phải tệp PDF, đường dẫn xác minh hay mã niêm phong / not a PDF file, a verification URL or a seal",
        );
        return;
    }
    match seal::open(text, keys.lookup()) {
        Ok(o) => {
            st.certificate = Some(CertificateFacts {
                project_code: o.project_code.clone(),
                version: o.certificate_version,
                issued_on: o.issued_on,
                total_capital_vnd: o.total_capital_vnd,
                seal: text.to_ascii_uppercase(),
            });
            if let Some(key) = keys.get(o.key_id) {
                // A PDF's key was recorded first; the seal's is the same issuer's.
                if st.key.is_none() {
                    st.signed_by(key, Some(o.issued_on));
                } else if key.status == "compromised" {
                    st.compromised = true;
                }
            }
        }
        Err(SealError::UnknownKey) => {
            st.not_genuine(
                "unknown_key",
                "MÃ NIÊM PHONG KHÔNG ĐƯỢC KÝ BẰNG KHÓA ĐÃ CÔNG BỐ / the seal is not signed by a published key",
            );
            st.notes.push(
                "Nếu tệp khóa đã cũ, hãy tải lại: invest-registry trust fetch URL / If the keys file is old, fetch it again: invest-registry trust fetch URL".to_owned(),
            );
        }
        Err(SealError::UnsupportedFormat) => st.cannot_check(
            "unsupported_format",
            "mã niêm phong theo định dạng mới hơn; hãy cập nhật phần mềm / the seal has a newer format; update this software",
        ),
        Err(_) => st.not_genuine(
            "bad_seal",
            "MÃ NIÊM PHONG KHÔNG HỢP LỆ (đã bị sửa đổi hoặc giả mạo) / the seal is not valid (altered or forged)",
        ),
    }
}

/// Applies a saved status bundle (its JSON text).
fn apply_bundle(text: &str, keys: &TrustList, now: DateTime<Utc>, st: &mut State) {
    st.status_requested = true;
    let problem = |p: String| format!("Danh sách trạng thái / Status bundle: {p}");
    let signed: SignedBundle = match serde_json::from_str(text) {
        Ok(s) => s,
        Err(_) => {
            st.status_problems.push(problem(
                "không đọc được (không phải JSON của /api/v1/trust/status) / unreadable (not the JSON of /api/v1/trust/status)".to_owned(),
            ));
            return;
        }
    };
    let usable = |id: KeyId| {
        keys.get(id)
            .filter(|k| k.status != "compromised")
            .map(|k| k.key)
    };
    let b = match bundle::open(&signed, usable) {
        Ok(b) => b,
        Err(e) => {
            st.status_problems.push(problem(format!(
                "không hợp lệ, không được dùng / not valid, not used: {e}"
            )));
            return;
        }
    };
    if b.is_expired(now) {
        st.status_problems.push(problem(format!(
            "ĐÃ HẾT HẠN, không được dùng; hãy tải bản mới / EXPIRED, not used; download a fresh one: hết hạn / expired {}, lập / made {}",
            iso_vietnam(b.expires_at),
            iso_vietnam(b.generated_at),
        )));
        return;
    }
    let Some(c) = st.certificate.clone() else {
        st.status_problems.push(problem(
            "không tra được: không có mã niêm phong / cannot be looked up without a seal"
                .to_owned(),
        ));
        return;
    };
    if let Some(e) = b.find(&c.project_code, u32::from(c.version)) {
        st.status = Some(StatusFacts {
            status: e.status.clone(),
            source: "bundle",
            as_of: b.generated_at,
            reason: e.reason.clone(),
            effective_on: e.effective_on,
            superseded_by_version: e.superseded_by_version,
        });
    } else if issued_after(st, &c, b.generated_at) {
        st.status_problems.push(problem(format!(
            "lập trước khi giấy chứng nhận được cấp; hãy tải bản mới / made before this certificate was issued; download a fresh one: lập / made {}",
            iso_vietnam(b.generated_at),
        )));
    } else {
        st.status = Some(StatusFacts {
            status: "in_force".to_owned(),
            source: "bundle",
            as_of: b.generated_at,
            reason: None,
            effective_on: None,
            superseded_by_version: None,
        });
    }
}

/// True when the certificate was issued after `at`, so a list made at `at` cannot speak for it:
/// by the PDF's signing time when there is one, else by the seal's issue date.
fn issued_after(st: &State, c: &CertificateFacts, at: DateTime<Utc>) -> bool {
    match st.pdf.as_ref().and_then(|p| p.signing_time) {
        Some(signed) => signed > at,
        None => c.issued_on > vietnam_date(at),
    }
}

/// What asking a registry online gave.
#[derive(Debug, Clone, PartialEq)]
pub enum OnlineAnswer {
    /// No answer: network failure, timeout, or a bad base URL.
    Unreachable(String),
    /// An HTTP answer: status code and body.
    Answered(u16, String),
}

/// Applies the answer of `GET {URL}/api/v1/verify/{SEAL}`, read tolerantly: a `verdict` of
/// `genuine`, `superseded`, `suspended`, `revoked` or `not_genuine`. Anything else (a network
/// failure, a 5xx, an unexpected body) is "could not check online", never "not genuine".
fn apply_online(answer: &OnlineAnswer, now: DateTime<Utc>, st: &mut State) {
    st.status_requested = true;
    let failed =
        |why: String| format!("Không kiểm tra trực tuyến được / Could not check online: {why}");
    let (code, body) = match answer {
        OnlineAnswer::Unreachable(why) => {
            st.status_problems.push(failed(why.clone()));
            return;
        }
        OnlineAnswer::Answered(code, body) => (*code, body),
    };
    if code >= 500 {
        st.status_problems
            .push(failed(format!("the registry answered HTTP {code}")));
        return;
    }
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let verdict = json
        .get("verdict")
        .and_then(|v| v.as_str())
        .map(str::to_ascii_lowercase);
    let cert = json.get("certificate");
    let text_of = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
    let reason =
        text_of(json.get("reason")).or_else(|| text_of(cert.and_then(|c| c.get("status_reason"))));
    match verdict.as_deref() {
        Some(v @ ("genuine" | "superseded" | "suspended" | "revoked")) => {
            st.status = Some(StatusFacts {
                status: if v == "genuine" { "in_force" } else { v }.to_owned(),
                source: "online",
                as_of: now,
                reason: if v == "genuine" { None } else { reason },
                effective_on: text_of(cert.and_then(|c| c.get("status_effective_on")))
                    .and_then(|d| d.parse().ok()),
                superseded_by_version: cert
                    .and_then(|c| c.get("superseded_by_version"))
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok()),
            });
        }
        Some("not_genuine") => st.not_genuine(
            "registry_not_genuine",
            format!(
                "CƠ QUAN ĐĂNG KÝ XÁC NHẬN KHÔNG HỢP LỆ / the registry says it is not genuine{}",
                reason.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
        ),
        _ => st.status_problems.push(failed(format!(
            "unexpected answer (HTTP {code}) from the registry"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Running

/// What `invest-registry verify` was asked.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// A PDF file, a verification URL or a seal.
    pub input: String,
    /// The saved trust list.
    pub keys: PathBuf,
    /// A saved status bundle.
    pub status: Option<PathBuf>,
    /// A registry to ask for the live status.
    pub online: Option<String>,
}

/// Verifies with the files named; the network is used only for `online`.
pub fn verify(req: &VerifyRequest, now: DateTime<Utc>) -> Report {
    let input = Input::classify(&req.input);
    let mut st = State::new(input.kind());
    let keys = match std::fs::read_to_string(&req.keys)
        .map_err(|e| e.to_string())
        .and_then(|t| TrustList::from_json(&t))
    {
        Ok(k) => k,
        Err(e) => {
            st.cannot_check(
                "keys_file",
                format!(
                    "không đọc được tệp khóa / cannot read the keys file {}: {e}",
                    req.keys.display()
                ),
            );
            return st.finish();
        }
    };
    match &input {
        Input::Pdf(path) => match read_limited(path) {
            Ok(bytes) => check_pdf(&bytes, &keys, &mut st),
            Err(e) => st.cannot_check(
                "bad_input",
                format!("không đọc được tệp / cannot read {}: {e}", path.display()),
            ),
        },
        Input::MissingFile(path) => st.cannot_check(
            "bad_input",
            format!("không tìm thấy tệp / no such file: {}", path.display()),
        ),
        Input::Url(text) | Input::Seal(text) => check_seal_text(text, &keys, &mut st),
    }
    if !st.genuine_so_far() {
        return st.finish();
    }
    if let Some(path) = &req.status {
        match std::fs::read_to_string(path) {
            Ok(text) => apply_bundle(&text, &keys, now, &mut st),
            Err(e) => {
                st.status_requested = true;
                st.status_problems.push(format!(
                    "không đọc được tệp trạng thái / cannot read the status file {}: {e}",
                    path.display()
                ));
            }
        }
    }
    if let Some(base) = &req.online {
        match st.certificate.as_ref().map(|c| c.seal.clone()) {
            Some(seal) => {
                let answer = ask_online(base, &seal);
                apply_online(&answer, Utc::now(), &mut st);
            }
            None => {
                st.status_requested = true;
                st.status_problems.push(
                    "Không kiểm tra trực tuyến được: không có mã niêm phong / Could not check online: no seal to look up".to_owned(),
                );
            }
        }
    }
    st.finish()
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > pades::MAX_VERIFY_LEN as u64 {
        return Err("the file is too large".to_owned());
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("invest-registry/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn base_url(base: &str) -> Result<String, String> {
    let base = base.trim().trim_end_matches('/');
    let url = url::Url::parse(base).map_err(|e| format!("{base} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{base} is not an http(s) URL"));
    }
    Ok(base.to_owned())
}

/// GET a URL: status code and body (at most [`MAX_ANSWER_BYTES`]).
fn get(agent: &ureq::Agent, url: &str) -> Result<(u16, String), String> {
    let mut resp = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| e.to_string())?;
    let code = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((code, body))
}

/// Asks `GET {base}/api/v1/verify/{seal}`.
pub fn ask_online(base: &str, seal: &str) -> OnlineAnswer {
    let base = match base_url(base) {
        Ok(b) => b,
        Err(e) => return OnlineAnswer::Unreachable(e),
    };
    match get(&agent(), &format!("{base}/api/v1/verify/{seal}")) {
        Ok((code, body)) => OnlineAnswer::Answered(code, body),
        Err(e) => OnlineAnswer::Unreachable(e),
    }
}

/// Downloads the trust list and the status bundle once, checks them, and saves them; returns
/// lines to print. The bundle's signature is checked with the keys just downloaded.
pub fn fetch_trust(base: &str, keys_out: &Path, status_out: &Path) -> Result<Vec<String>, String> {
    let base = base_url(base)?;
    let agent = agent();
    let url = format!("{base}/api/v1/trust/keys");
    let (code, keys_json) = get(&agent, &url).map_err(|e| format!("{url}: {e}"))?;
    if code != 200 {
        return Err(format!("{url}: HTTP {code}"));
    }
    let keys = TrustList::from_json(&keys_json).map_err(|e| format!("{url}: {e}"))?;
    std::fs::write(keys_out, &keys_json)
        .map_err(|e| format!("cannot write {}: {e}", keys_out.display()))?;
    let mut lines = vec![format!(
        "Đã lưu {} khóa vào / saved {} key(s) to {}",
        keys.len(),
        keys.len(),
        keys_out.display()
    )];
    let url = format!("{base}/api/v1/trust/status");
    let (code, status_json) = get(&agent, &url).map_err(|e| format!("{url}: {e}"))?;
    if code != 200 {
        let detail = serde_json::from_str::<serde_json::Value>(&status_json)
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("{url}: HTTP {code} {detail}"));
    }
    let signed: SignedBundle =
        serde_json::from_str(&status_json).map_err(|e| format!("{url}: {e}"))?;
    let b = bundle::open(&signed, keys.lookup()).map_err(|e| format!("{url}: {e}"))?;
    std::fs::write(status_out, &status_json)
        .map_err(|e| format!("cannot write {}: {e}", status_out.display()))?;
    lines.push(format!(
        "Đã lưu danh sách trạng thái vào / saved the status bundle to {}: {} mục / entries, lập / made {}, dùng được đến / usable until {}",
        status_out.display(),
        b.entries.len(),
        iso_vietnam(b.generated_at),
        iso_vietnam(b.expires_at),
    ));
    Ok(lines)
}

#[cfg(test)]
mod tests;

//! What public verification answers: one verdict per question, never ambiguous.

use super::{certificate::CertificateStatus, string_enum};

string_enum! {
    /// The answer about a QR seal (or the certificate it names).
    Verdict {
        /// Issued by the registry and in force.
        Genuine = "genuine",
        /// Issued, but replaced by a later version.
        Superseded = "superseded",
        /// Issued, but suspended for now.
        Suspended = "suspended",
        /// Issued, then revoked.
        Revoked = "revoked",
        /// Not issued by this registry: malformed, forged, or signed by a key it does not know.
        NotGenuine = "not_genuine",
    }
}

string_enum! {
    /// Why a seal is not genuine.
    Rejection {
        /// Not a seal at all (wrong characters or length, unknown format).
        Malformed = "malformed",
        /// The signature does not match the facts: the seal was altered or forged.
        BadSignature = "bad_signature",
        /// Signed by a key the registry does not know.
        UnknownKey = "unknown_key",
        /// Correctly signed, yet the registry has no certificate with this seal.
        NotRegistered = "not_registered",
    }
}

string_enum! {
    /// The answer about an uploaded PDF.
    PdfVerdict {
        /// Exactly the PDF the registry issued, signed by a registry key.
        Genuine = "genuine",
        /// Signed, but changed after signing (or its signature is broken).
        Modified = "modified",
        /// Validly signed by a registry key, yet not a PDF the registry issued.
        Unknown = "unknown",
        /// Not signed, or signed by someone else.
        NotSignedByUs = "not_signed_by_us",
    }
}

impl Verdict {
    /// The verdict for an issued certificate in this status; `None` for drafts and rejected
    /// drafts, which are never public.
    pub fn of_status(status: CertificateStatus) -> Option<Self> {
        match status {
            CertificateStatus::InForce => Some(Verdict::Genuine),
            CertificateStatus::Superseded => Some(Verdict::Superseded),
            CertificateStatus::Suspended => Some(Verdict::Suspended),
            CertificateStatus::Revoked => Some(Verdict::Revoked),
            CertificateStatus::Draft | CertificateStatus::Rejected => None,
        }
    }
}

impl Verdict {
    /// The sentence a person reads first (Vietnamese).
    pub fn headline_vi(self) -> &'static str {
        match self {
            Verdict::Genuine => "Hợp lệ — đang có hiệu lực",
            Verdict::Superseded => "Hợp lệ nhưng đã được thay thế bằng bản mới hơn",
            Verdict::Suspended => "Hợp lệ nhưng đang bị tạm ngừng hiệu lực",
            Verdict::Revoked => "Đã bị thu hồi — không còn hiệu lực",
            Verdict::NotGenuine => "Không hợp lệ — không phải giấy chứng nhận do cơ quan này cấp",
        }
    }

    /// The same sentence in English.
    pub fn headline_en(self) -> &'static str {
        match self {
            Verdict::Genuine => "Genuine — in force",
            Verdict::Superseded => "Genuine, but superseded by a newer version",
            Verdict::Suspended => "Genuine, but suspended",
            Verdict::Revoked => "Revoked — no longer in force",
            Verdict::NotGenuine => "Not genuine — not issued by this registry",
        }
    }
}

impl PdfVerdict {
    /// The sentence a person reads first (Vietnamese).
    pub fn headline_vi(self) -> &'static str {
        match self {
            PdfVerdict::Genuine => "Tệp PDF nguyên vẹn, đúng bản do cơ quan cấp",
            PdfVerdict::Modified => "Tệp PDF đã bị sửa đổi sau khi ký",
            PdfVerdict::Unknown => {
                "Có chữ ký của cơ quan nhưng không khớp giấy chứng nhận nào đã cấp"
            }
            PdfVerdict::NotSignedByUs => "Không có chữ ký số của cơ quan này",
        }
    }

    /// The same sentence in English.
    pub fn headline_en(self) -> &'static str {
        match self {
            PdfVerdict::Genuine => "Genuine: exactly the PDF the registry issued",
            PdfVerdict::Modified => "Modified after it was signed",
            PdfVerdict::Unknown => "Signed with a registry key, but not a certificate it issued",
            PdfVerdict::NotSignedByUs => "Not signed by this registry",
        }
    }
}

/// How long an answer about a seal may be cached: a seal that is not genuine stays so (an hour,
/// shared caches allowed); any other answer can change at any moment (revalidate every time).
pub fn cache_control(verdict: Verdict) -> &'static str {
    if verdict == Verdict::NotGenuine {
        "public, max-age=3600"
    } else {
        "no-cache"
    }
}

/// The verification URL a QR code opens: `{base}/v/{SEAL}` (with an empty base, the path).
pub fn verification_url(public_base_url: &str, seal: &str) -> String {
    format!("{}/v/{seal}", public_base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_statuses_have_a_verdict() {
        assert_eq!(
            Verdict::of_status(CertificateStatus::InForce),
            Some(Verdict::Genuine)
        );
        assert_eq!(
            Verdict::of_status(CertificateStatus::Revoked),
            Some(Verdict::Revoked)
        );
        assert_eq!(Verdict::of_status(CertificateStatus::Draft), None);
        assert_eq!(Verdict::of_status(CertificateStatus::Rejected), None);
    }
}

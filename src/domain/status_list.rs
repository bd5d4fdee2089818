//! The registry's W3C Bitstring Status Lists (Bitstring Status List v1.0): one list per status
//! purpose, `revocation` and `suspension`, where each issued certificate version has one index,
//! the same in both lists. A set bit means the version is revoked (respectively suspended).
//!
//! Indices are handed out from a counter through a fixed permutation of the list, so
//! consecutive issues do not sit side by side in the list and an index says nothing about when
//! a certificate was issued, and no two versions ever share one.

use std::io::Write;

use base64::Engine;

use super::certificate::CertificateStatus;

/// Entries per list: 2^17 bits, the 16 KiB the specification asks for at least, so that one
/// certificate's index is lost among many.
pub const LIST_SIZE: u32 = 1 << 17;

super::string_enum! {
    /// What a list says about each certificate: its `statusPurpose`.
    Purpose {
        /// A set bit: revoked, for good.
        Revocation = "revocation",
        /// A set bit: suspended, for now.
        Suspension = "suspension",
    }
}

impl Purpose {
    /// Whether a certificate in `status` has its bit set in this list. A superseded version is
    /// neither revoked nor suspended: it was replaced by a later one (the status bundle and the
    /// verification answers say so).
    pub fn is_set(self, status: CertificateStatus) -> bool {
        matches!(
            (self, status),
            (Purpose::Revocation, CertificateStatus::Revoked)
                | (Purpose::Suspension, CertificateStatus::Suspended)
        )
    }
}

/// The list index of the `n`-th issued version (`n` from 0): a bijection of `0..LIST_SIZE`, so
/// indices never repeat, built from steps that are each invertible on 17-bit numbers.
pub fn index_of(n: u32) -> Option<u32> {
    if n >= LIST_SIZE {
        return None;
    }
    let mask = LIST_SIZE - 1;
    let mut x = n;
    x ^= x >> 7;
    x = x.wrapping_mul(0x9E37) & mask; // odd: invertible modulo 2^17
    x ^= x >> 9;
    x = x.wrapping_mul(0x2C1B) & mask; // odd
    x ^= x >> 6;
    Some(x)
}

/// The bit string with the given indices set: index 0 is the left-most bit of the first byte.
pub fn bits(set: impl IntoIterator<Item = u32>) -> Vec<u8> {
    let mut bytes = vec![0u8; (LIST_SIZE / 8) as usize];
    for i in set {
        if i < LIST_SIZE {
            bytes[(i / 8) as usize] |= 0x80 >> (i % 8);
        }
    }
    bytes
}

/// `encodedList`: the bit string GZIP-compressed, as Multibase base64url without padding (the
/// `u` prefix).
pub fn encode(bits: &[u8]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to memory cannot fail.
    let compressed = gz
        .write_all(bits)
        .and_then(|()| gz.finish())
        .unwrap_or_default();
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::io::Read;

    use super::*;

    #[test]
    fn every_issue_gets_its_own_index_and_neighbours_are_scattered() {
        let indices: Vec<u32> = (0..LIST_SIZE).map(|n| index_of(n).unwrap()).collect();
        let distinct: HashSet<u32> = indices.iter().copied().collect();
        assert_eq!(distinct.len(), LIST_SIZE as usize, "a permutation");
        assert!(indices.iter().all(|&i| i < LIST_SIZE));
        assert_eq!(index_of(LIST_SIZE), None, "the list is full");
        let gaps = indices[..1000]
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) < 64)
            .count();
        assert!(
            gaps < 20,
            "consecutive issues sit apart ({gaps} close pairs)"
        );
    }

    #[test]
    fn the_list_decodes_as_a_verifier_reads_it() {
        let encoded = encode(&bits([0, 9, LIST_SIZE - 1]));
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded.strip_prefix('u').unwrap())
            .unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes.len() * 8, LIST_SIZE as usize, "16 KiB");
        let bit = |i: u32| bytes[(i / 8) as usize] & (0x80 >> (i % 8)) != 0;
        assert!(bit(0) && bit(9) && bit(LIST_SIZE - 1));
        assert!(!bit(1) && !bit(8) && !bit(10));
        assert_eq!(bytes.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    }

    #[test]
    fn only_revoked_and_suspended_versions_set_bits() {
        use CertificateStatus as S;
        for s in [S::InForce, S::Superseded, S::Draft, S::Rejected] {
            assert!(!Purpose::Revocation.is_set(s) && !Purpose::Suspension.is_set(s));
        }
        assert!(Purpose::Revocation.is_set(S::Revoked));
        assert!(!Purpose::Suspension.is_set(S::Revoked));
        assert!(Purpose::Suspension.is_set(S::Suspended));
    }
}

//! Keys and signatures: signing identities (key files, a generated development CA), the QR seal
//! (the offline proof a certificate carries), the PAdES signature of the PDF (the document
//! proof) and the signed status bundle (which versions are not in force, for offline
//! verifiers); design.md section 4.

pub mod bundle;
pub mod keys;
pub mod pades;
pub mod seal;

//! Keys and signatures: signing identities (key files, a generated development CA), the QR seal
//! (the offline proof a certificate carries) and the PAdES signature of the PDF (the document
//! proof); design.md section 4.

pub mod keys;
pub mod pades;
pub mod seal;

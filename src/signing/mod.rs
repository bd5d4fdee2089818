//! Keys and seals: pure functions over bytes, no I/O. The QR seal is the offline proof a
//! certificate carries (design.md section 4); the PDF signature follows with the certificates work.

pub mod keys;
pub mod pades;
pub mod seal;

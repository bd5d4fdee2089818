//! Investment Registration Certificates: the frozen content of a version, its rendering to PDF
//! from versioned templates, and the two proofs it carries (design.md section 4).

pub mod content;
pub mod issuer;
pub mod render;
pub mod templates;

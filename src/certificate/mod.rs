//! Investment Registration Certificates on paper and in PDF: the rendering of a frozen content
//! (`domain::certificate::content`) with its versioned template, and the issuer that renders,
//! seals (QR) and signs (PAdES) it.

pub mod issuer;
pub mod render;
pub mod templates;

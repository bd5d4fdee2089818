//! sea-orm entities of the investment registry. Entities only: rules live in the service crate's
//! `domain` module, queries in its `db` module.

pub mod api_key;
pub mod audit_event;
pub mod calendar_day;
pub mod certificate;
pub mod certificate_pdf;
pub mod dossier;
pub mod dossier_apology;
pub mod dossier_attachment;
pub mod dossier_attachment_content;
pub mod dossier_step;
pub mod idempotency_key;
pub mod import;
pub mod investor;
pub mod lease;
pub mod parcel;
pub mod procedure;
pub mod project;
pub mod project_investor;
pub mod project_paper_history;
pub mod session;
pub mod sign_in_attempt;
pub mod signing_key;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod zone;

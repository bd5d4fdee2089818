//! Investment Registry: the registry of investors, projects, zones and parcels of an Economic Zone
//! Management Board, with its one-stop-shop workflow and signed Investment Registration
//! Certificates.
//!
//! Modules point one way (checked by `tests/layers.rs`):
//!
//! ```text
//! main -> startup -> api / web / cli / demo -> service -> db -> entity
//!                                               \-> certificate (render), signing, files -> domain
//! ```
//!
//! - [`domain`]: validated values and pure rules: zones, parcels, investors, projects, leases,
//!   certificates and their frozen content, the project and certificate lifecycle, roles,
//!   Vietnamese formatting and legal time. No I/O.
//! - [`signing`]: keys, the QR seal, PAdES PDF signatures and the signed status bundle; pure
//!   functions over bytes.
//! - [`certificate`]: renders a frozen content to PDF with its template; the issuer renders,
//!   seals and signs. The one-stop desk's receipt slips and apology letters are rendered in the
//!   same typographic family.
//! - [`files`]: what an uploaded file is, by its content, and whether it is safe to keep
//!   (PDF, PNG, JPEG; truncation, decompression bombs, encryption); pure functions over bytes.
//! - [`db`]: the only code that speaks sea-orm: queries, and rows mapped to domain values.
//! - [`service`]: the use cases, each in its own transaction with its audit event; the
//!   application state ([`service::AppState`]), the clock and the error every caller sees.
//! - [`api`]: the HTTP API (poem-openapi): extract, call one use case, answer; RFC 9457
//!   problems; the edge middleware and the public rate limit.
//! - [`web`]: the server-rendered pages: public verification, dossier tracking and submission, the
//!   landing page and the staff console.
//! - [`cli`]: the command line's grammar and the commands that act through the use cases.
//! - [`demo`]: the sample data `serve --demo` loads, through the use cases.
//! - [`config`]: settings from the environment and an optional TOML file.
//! - [`telemetry`]: structured logging.
//! - [`startup`]: builds the application from its settings, serves HTTP and dispatches commands.

pub mod api;
pub mod certificate;
pub mod charts;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod files;
pub mod service;
pub mod signing;
pub mod startup;
pub mod telemetry;
pub mod web;

//! Integration tests: one binary, one module per resource. Each test starts the real app on its
//! own database: SQLite by default, PostgreSQL when `TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers unwrap what a test needs; a failure there is a failed test"
)]

mod api_keys;
mod audit;
mod auth;
mod authorization;
mod browser;
mod certificates;
mod cli;
mod console;
mod demo;
mod dossiers;
mod errors;
mod exports;
mod feed;
mod hardening;
mod health;
mod helpers;
mod hostile;
mod imports;
mod investors;
mod issuing;
mod leases;
mod logs;
mod migrations;
mod offline;
mod openapi;
mod parcels;
mod projects;
mod rate_limit;
mod stats;
mod status_list;
mod verification;
mod webhooks;
mod zones;

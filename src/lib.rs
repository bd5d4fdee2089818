//! Investment Registry: the registry of investors, projects, zones and parcels of an Economic Zone
//! Management Board, with its one-stop-shop workflow and signed Investment Registration
//! Certificates.
//!
//! Layers: `api` -> `service` -> (`db`, `domain`). See `../shared/design.md` for the whole picture.

pub mod api;
pub mod certificate;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod offline;
pub mod service;
pub mod signing;
pub mod startup;
pub mod telemetry;
pub mod web;

//! Database migrations. A merged migration is never edited: add a new one.
//!
//! Tables and columns are named by string, so editing an entity never rewrites history.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_zones_and_parcels;
mod m20261129_000002_users_sessions_audit;
mod m20261129_000003_api_keys;
mod m20261129_000004_investors_projects_leases;
mod m20261129_000005_project_preparers;
mod m20261130_000006_certificates;
mod m20261201_000007_verification;
mod m20261202_000008_sign_in_attempts;
mod m20261203_000009_dossiers;
mod m20261204_000010_status_list;
mod m20261205_000011_feed;
mod m20261206_000012_webhooks;
mod m20261207_000013_imports;
pub mod seed_calendar;

/// Every migration of the registry, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_zones_and_parcels::Migration),
            Box::new(m20261129_000002_users_sessions_audit::Migration),
            Box::new(m20261129_000003_api_keys::Migration),
            Box::new(m20261129_000004_investors_projects_leases::Migration),
            Box::new(m20261129_000005_project_preparers::Migration),
            Box::new(m20261130_000006_certificates::Migration),
            Box::new(m20261201_000007_verification::Migration),
            Box::new(m20261202_000008_sign_in_attempts::Migration),
            Box::new(m20261203_000009_dossiers::Migration),
            Box::new(m20261204_000010_status_list::Migration),
            Box::new(m20261205_000011_feed::Migration),
            Box::new(m20261206_000012_webhooks::Migration),
            Box::new(m20261207_000013_imports::Migration),
        ]
    }
}

//! A committed bulk import: who ran it, when, from which file, and what it created.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub file_name: Option<String>,
    pub file_sha256: String,
    pub format: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub investors_created: i32,
    pub investors_matched: i32,
    pub projects: i32,
    pub leases: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

//! A signing key known to the registry: its public part, chain and status.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: String,
    pub status: String,
    pub development: bool,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    pub not_before: DateTimeUtc,
    pub not_after: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub public_key_pem: String,
    #[sea_orm(column_type = "Text")]
    pub chain_pem: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub status_reason: Option<String>,
    pub retired_at: Option<DateTimeUtc>,
    pub compromised_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

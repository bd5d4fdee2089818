//! An investment project.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub project_code: String,
    pub code_source: String,
    #[sea_orm(column_type = "Text")]
    pub name_vi: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub name_en: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub name_search: String,
    pub zone_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub total_capital_vnd: i64,
    pub contributed_capital_vnd: i64,
    pub mobilized_capital_vnd: i64,
    pub capital_usd: Option<i64>,
    pub exchange_rate_vnd_per_usd: Option<i64>,
    pub exchange_rate_date: Option<Date>,
    pub duration_years: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub scale: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub objectives: String,
    #[sea_orm(column_type = "Text")]
    pub milestones: String,
    #[sea_orm(column_type = "Text")]
    pub incentives: String,
    #[sea_orm(column_type = "Text")]
    pub conditions: String,
    pub status: String,
    pub registered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub status_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub version: i32,
    /// The user who created the project, if a user did.
    pub created_by: Option<Uuid>,
    /// The user who last changed its data, if a user did.
    pub updated_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

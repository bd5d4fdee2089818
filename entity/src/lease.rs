//! A parcel leased to a project.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub parcel_id: Uuid,
    pub area_dm2: i64,
    pub start_date: Date,
    pub end_date: Date,
    pub released_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub release_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

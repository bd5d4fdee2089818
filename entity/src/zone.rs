//! An industrial park (KCN) or economic zone (KKT).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: String,
    pub province: String,
    pub parent_id: Option<Uuid>,
    /// Square decimetres (0.01 m²).
    pub total_area_dm2: i64,
    /// Square decimetres (0.01 m²).
    pub industrial_service_area_dm2: Option<i64>,
    pub developer: Option<String>,
    pub term_start: Option<Date>,
    pub term_end: Option<Date>,
    pub status: String,
    pub figures_as_of: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub parcels: HasMany<super::parcel::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

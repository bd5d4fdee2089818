//! A land parcel (lot) inside a zone.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parcels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub zone_id: Uuid,
    pub lot_code: String,
    /// Square decimetres (0.01 m²).
    pub area_dm2: i64,
    pub land_use: String,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "zone_id", to = "id")]
    pub zone: BelongsTo<super::zone::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

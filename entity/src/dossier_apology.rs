//! An apology for a late result, with the new date promised (Circular 01/2018/TT-VPCP).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_apologies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub issued_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub new_date: Date,
    pub issued_by: Option<Uuid>,
    pub issued_by_name: String,
}

impl ActiveModelBehavior for ActiveModel {}

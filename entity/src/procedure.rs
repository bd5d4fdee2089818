//! One dated rule of the procedure catalogue: a procedure's deadline, legal basis and document
//! checklist from the day it takes effect.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name_vi: String,
    #[sea_orm(column_type = "Text")]
    pub name_en: String,
    pub deadline_value: i32,
    pub deadline_unit: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub deadline_note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub legal_basis: String,
    #[sea_orm(column_type = "Text")]
    pub documents: String,
    pub fully_online: bool,
    pub result_kind: String,
    pub effective_from: Date,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

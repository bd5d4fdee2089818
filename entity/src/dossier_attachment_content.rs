//! The bytes of a dossier attachment, kept apart so lists never load them.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_attachment_contents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: Uuid,
    #[sea_orm(column_type = "Blob")]
    pub content: Vec<u8>,
}

impl ActiveModelBehavior for ActiveModel {}

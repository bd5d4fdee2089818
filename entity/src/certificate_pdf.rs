//! The exact bytes of an issued certificate's signed PDF, kept apart so lists never load them.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_pdfs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub certificate_id: Uuid,
    #[sea_orm(column_type = "Blob")]
    pub pdf: Vec<u8>,
}

impl ActiveModelBehavior for ActiveModel {}

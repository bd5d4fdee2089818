//! One investor's capital contribution to a project.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_investors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub investor_id: Uuid,
    pub position: i32,
    pub capital_vnd: i64,
    pub form: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub schedule: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

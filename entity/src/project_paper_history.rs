//! The paper certificate history of an imported project: first issue, and the number and date of
//! the last change before the registry took over.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_paper_histories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    pub import_id: Uuid,
    pub first_issued_on: Date,
    pub last_change_no: i32,
    pub last_change_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}

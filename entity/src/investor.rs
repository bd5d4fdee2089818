//! An investor: an individual or an organisation, domestic or foreign.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "investors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub name_search: String,
    pub sex: Option<String>,
    pub date_of_birth: Option<Date>,
    pub nationality: String,
    pub doc_type: String,
    pub doc_number: String,
    pub doc_issue_date: Option<Date>,
    pub doc_issuer: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub permanent_address: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub current_address: Option<String>,
    pub tax_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub head_office_address: Option<String>,
    pub rep_name: Option<String>,
    pub rep_title: Option<String>,
    pub rep_doc_type: Option<String>,
    pub rep_doc_number: Option<String>,
    pub foreign_ownership_bp: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

//! A certificate version: a draft, or an issued, immutable version with its lifecycle status.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub project_code: String,
    pub version_no: Option<i32>,
    pub status: String,
    pub template: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub content_digest: Option<String>,
    pub project_version: i32,
    pub issued_on: Option<Date>,
    pub first_issued_on: Option<Date>,
    pub signed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub signer_name: Option<String>,
    pub key_id: Option<String>,
    pub pdf_sha256: Option<String>,
    pub pdf_size: Option<i32>,
    pub pages: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub seal: Option<String>,
    pub drafted_by: Option<Uuid>,
    pub approved_by: Option<Uuid>,
    pub superseded_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub status_reason: Option<String>,
    pub status_effective_on: Option<Date>,
    pub status_changed_at: Option<DateTimeUtc>,
    pub row_version: i32,
    /// The dossier the certificate was drafted for, if any.
    pub dossier_id: Option<Uuid>,
    /// Index in the registry's Bitstring Status Lists, once issued.
    pub status_list_index: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

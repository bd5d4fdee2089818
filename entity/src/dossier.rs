//! A one-stop dossier (hồ sơ): an applicant's file for one procedure.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub receipt_code: String,
    pub procedure_code: String,
    pub procedure_id: Option<Uuid>,
    pub deadline_value: Option<i32>,
    pub deadline_unit: Option<String>,
    pub channel: String,
    pub status: String,
    pub applicant_kind: String,
    #[sea_orm(column_type = "Text")]
    pub applicant_name: String,
    pub applicant_id_number: Option<String>,
    pub applicant_birth_date: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub applicant_address: Option<String>,
    pub applicant_phone: Option<String>,
    pub applicant_email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    pub investor_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub documents: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub submitted_at: DateTimeUtc,
    pub first_received_at: Option<DateTimeUtc>,
    pub received_at: Option<DateTimeUtc>,
    pub due_date: Option<Date>,
    pub promised_date: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub supplement_request: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub refusal_reason: Option<String>,
    pub result_certificate_id: Option<Uuid>,
    pub returned_at: Option<DateTimeUtc>,
    pub tracking_secret_hash: String,
    pub rating: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

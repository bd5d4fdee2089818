//! One step of a dossier's processing-control log: who moved it, when, from what to what.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub at: DateTimeUtc,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub due_date: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}

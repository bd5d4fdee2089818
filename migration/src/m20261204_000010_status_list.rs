//! Each issued certificate version's place in the registry's W3C Bitstring Status Lists: one
//! index, the same in the revocation list and in the suspension list, never reused.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("certificates")
                    .add_column(ColumnDef::new("status_list_index").integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("certificates_status_list_index")
                    .table("certificates")
                    .col("status_list_index")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("certificates_status_list_index")
                    .table("certificates")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("certificates")
                    .drop_column("status_list_index")
                    .to_owned(),
            )
            .await
    }
}

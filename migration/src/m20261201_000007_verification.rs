//! Verification of an uploaded PDF finds the certificate by the SHA-256 of its bytes.

use sea_orm_migration::prelude::*;

/// Adds the index that `POST /api/v1/verify/pdf` looks certificates up by.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_certificates_pdf_sha256")
                    .table("certificates")
                    .col("pdf_sha256")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_certificates_pdf_sha256")
                    .table("certificates")
                    .to_owned(),
            )
            .await
    }
}

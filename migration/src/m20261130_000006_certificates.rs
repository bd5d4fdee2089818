//! Certificates (immutable issued versions, their PDFs), signing keys, idempotency keys, and the
//! approvers' signing title and capacity.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Decree 30/2020 signature block: title ("PHÓ TRƯỞNG BAN") and capacity ("KT. TRƯỞNG BAN").
        for column in ["signing_title", "signing_capacity"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("users")
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("signing_keys")
                    // First 8 bytes of SHA-256 of the compressed public key, lower-case hex.
                    .col(string("key_id").primary_key())
                    .col(string("status"))
                    .col(boolean("development"))
                    .col(text("subject"))
                    .col(timestamp_with_time_zone("not_before"))
                    .col(timestamp_with_time_zone("not_after"))
                    .col(text("public_key_pem"))
                    .col(text("chain_pem"))
                    .col(text_null("status_reason"))
                    .col(timestamp_with_time_zone_null("retired_at"))
                    .col(timestamp_with_time_zone_null("compromised_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("certificates")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(string("project_code"))
                    // Issued versions only: 0 = first issue, N = N-th change. Drafts have none.
                    .col(integer_null("version_no"))
                    .col(string("status"))
                    .col(string("template"))
                    // The frozen snapshot (JSON) and, once issued, its SHA-256.
                    .col(text("content"))
                    .col(string_null("content_digest"))
                    // The project row version the draft was made from.
                    .col(integer("project_version"))
                    .col(date_null("issued_on"))
                    .col(date_null("first_issued_on"))
                    .col(timestamp_with_time_zone_null("signed_at"))
                    .col(text_null("signer_name"))
                    .col(string_null("key_id"))
                    .col(string_null("pdf_sha256"))
                    .col(integer_null("pdf_size"))
                    .col(integer_null("pages"))
                    .col(text_null("seal"))
                    .col(uuid_null("drafted_by"))
                    .col(uuid_null("approved_by"))
                    .col(uuid_null("superseded_by"))
                    .col(text_null("status_reason"))
                    .col(date_null("status_effective_on"))
                    .col(timestamp_with_time_zone_null("status_changed_at"))
                    .col(integer("row_version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_project")
                            .from("certificates", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        // Versions per project are unique; with the project-row lock they are also gapless.
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_certificates_version ON certificates (project_id, version_no)",
        )
        .await?;
        // One open draft per project, and one current (in force or suspended) certificate.
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_certificates_open_draft ON certificates (project_id) WHERE status = 'draft'",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_certificates_current ON certificates (project_id) WHERE status IN ('in_force', 'suspended')",
        )
        .await?;
        conn.execute_unprepared("CREATE UNIQUE INDEX ux_certificates_seal ON certificates (seal)")
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("certificate_pdfs")
                    .col(uuid("certificate_id").primary_key())
                    .col(blob("pdf"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificate_pdfs_certificate")
                            .from("certificate_pdfs", "certificate_id")
                            .to("certificates", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(string("scope"))
                    .col(string("actor"))
                    .col(string("idem_key"))
                    .col(string("fingerprint"))
                    .col(uuid("resource_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("scope").col("actor").col("idem_key"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "idempotency_keys",
            "certificate_pdfs",
            "certificates",
            "signing_keys",
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        for column in ["signing_capacity", "signing_title"] {
            manager
                .alter_table(Table::alter().table("users").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

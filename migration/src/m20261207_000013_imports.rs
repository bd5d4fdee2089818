//! Bulk imports of existing projects: one row per committed batch (who, when, which file, what it
//! held), and the paper certificate history each imported project brought with it, so the next
//! certificate continues the paper numbering and everyone can see the history was imported.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("imports")
                    .col(pk_uuid("id"))
                    .col(string_null("file_name"))
                    // SHA-256 of the file's bytes, hex.
                    .col(string("file_sha256"))
                    .col(string("format"))
                    .col(string("actor_type"))
                    .col(string_null("actor_id"))
                    .col(string("actor_name"))
                    .col(integer("investors_created"))
                    .col(integer("investors_matched"))
                    .col(integer("projects"))
                    .col(integer("leases"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("project_paper_histories")
                    .col(pk_uuid("project_id"))
                    .col(uuid("import_id"))
                    .col(date("first_issued_on"))
                    .col(integer("last_change_no").check(Expr::col("last_change_no").gte(0)))
                    .col(date_null("last_change_on"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_paper_histories_project")
                            .from("project_paper_histories", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_paper_histories_import")
                            .from("project_paper_histories", "import_id")
                            .to("imports", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_paper_histories_import")
                    .table("project_paper_histories")
                    .col("import_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["project_paper_histories", "imports"] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Investors, investment projects (with their investors' contributions) and parcel leases.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("investors")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(string("name"))
                    // Name folded for search: no diacritics, đ -> d, lower case.
                    .col(string("name_search"))
                    .col(string_null("sex"))
                    .col(date_null("date_of_birth"))
                    .col(string("nationality"))
                    .col(string("doc_type"))
                    .col(string("doc_number"))
                    .col(date_null("doc_issue_date"))
                    .col(string_null("doc_issuer"))
                    .col(text_null("permanent_address"))
                    .col(text_null("current_address"))
                    .col(string_null("tax_code"))
                    .col(text_null("head_office_address"))
                    .col(string_null("rep_name"))
                    .col(string_null("rep_title"))
                    .col(string_null("rep_doc_type"))
                    .col(string_null("rep_doc_number"))
                    // Foreign ownership in basis points (0.01 %), organisations only.
                    .col(integer_null("foreign_ownership_bp"))
                    .col(text_null("note"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_investors_document")
                    .table("investors")
                    .col("doc_type")
                    .col("doc_number")
                    .col("nationality")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_investors_name_search")
                    .table("investors")
                    .col("name_search")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("projects")
                    .col(pk_uuid("id"))
                    .col(string("project_code").unique_key())
                    .col(string("code_source"))
                    .col(text("name_vi"))
                    .col(text_null("name_en"))
                    .col(text("name_search"))
                    .col(uuid_null("zone_id"))
                    .col(text_null("address"))
                    .col(
                        big_integer("total_capital_vnd")
                            .check(Expr::col("total_capital_vnd").gt(0)),
                    )
                    .col(big_integer("contributed_capital_vnd"))
                    .col(big_integer("mobilized_capital_vnd"))
                    .col(big_integer_null("capital_usd"))
                    .col(big_integer_null("exchange_rate_vnd_per_usd"))
                    .col(date_null("exchange_rate_date"))
                    .col(integer("duration_years"))
                    .col(text_null("scale"))
                    // JSON arrays, read and written whole with the project.
                    .col(text("objectives"))
                    .col(text("milestones"))
                    .col(text("incentives"))
                    .col(text("conditions"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone_null("registered_at"))
                    .col(text_null("status_reason"))
                    .col(text_null("note"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_zone")
                            .from("projects", "zone_id")
                            .to("zones", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_projects_zone", "zone_id"),
            ("ix_projects_status", "status"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("projects")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("project_investors")
                    .col(uuid("project_id"))
                    .col(uuid("investor_id"))
                    .col(integer("position"))
                    .col(big_integer("capital_vnd").check(Expr::col("capital_vnd").gt(0)))
                    .col(string("form"))
                    .col(text_null("schedule"))
                    .primary_key(Index::create().col("project_id").col("investor_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_investors_project")
                            .from("project_investors", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_investors_investor")
                            .from("project_investors", "investor_id")
                            .to("investors", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_project_investors_investor")
                    .table("project_investors")
                    .col("investor_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("leases")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(uuid("parcel_id"))
                    .col(big_integer("area_dm2").check(Expr::col("area_dm2").gt(0)))
                    .col(date("start_date"))
                    .col(date("end_date"))
                    .col(timestamp_with_time_zone_null("released_at"))
                    .col(text_null("release_reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leases_project")
                            .from("leases", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leases_parcel")
                            .from("leases", "parcel_id")
                            .to("parcels", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one active lease per parcel, enforced by the database on every instance.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_leases_active_parcel ON leases (parcel_id) WHERE released_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_leases_project")
                    .table("leases")
                    .col("project_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("code_counters")
                    .col(string("name").primary_key())
                    .col(big_integer("next_value"))
                    .to_owned(),
            )
            .await?;
        // The local project-code sequence; allocation updates this row under its lock.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO code_counters (name, next_value) VALUES ('project_code', 1)",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "code_counters",
            "leases",
            "project_investors",
            "projects",
            "investors",
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

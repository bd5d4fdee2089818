//! Industrial zones (KCN, KKT) and their land parcels.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("zones")
                    .col(pk_uuid("id"))
                    .col(string("code").unique_key())
                    .col(string("name"))
                    .col(string("kind"))
                    .col(string("province"))
                    .col(uuid_null("parent_id"))
                    // Areas are whole square decimetres (0.01 m²): exact, and the same on every database.
                    .col(big_integer("total_area_dm2").check(Expr::col("total_area_dm2").gt(0)))
                    .col(
                        big_integer_null("industrial_service_area_dm2")
                            .check(Expr::col("industrial_service_area_dm2").gte(0)),
                    )
                    .col(string_null("developer"))
                    .col(date_null("term_start"))
                    .col(date_null("term_end"))
                    .col(string("status"))
                    .col(string_null("figures_as_of"))
                    .col(text_null("source"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_zones_parent")
                            .from("zones", "parent_id")
                            .to("zones", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("parcels")
                    .col(pk_uuid("id"))
                    .col(uuid("zone_id"))
                    .col(string("lot_code"))
                    .col(big_integer("area_dm2").check(Expr::col("area_dm2").gt(0)))
                    .col(string("land_use"))
                    .col(string("status"))
                    .col(text_null("note"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parcels_zone")
                            .from("parcels", "zone_id")
                            .to("zones", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("ux_parcels_zone_lot_code")
                    .table("parcels")
                    .col("zone_id")
                    .col("lot_code")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_zones_parent")
                    .table("zones")
                    .col("parent_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("parcels").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("zones").to_owned())
            .await
    }
}

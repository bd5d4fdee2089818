//! Agency API keys (read-only, scoped, rate limited) and their per-minute usage counters.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(pk_uuid("id"))
                    // Public part of the key, shown in lists: `irk_<prefix>_...`.
                    .col(string("prefix").unique_key())
                    // SHA-256 of the whole key, hex; the key itself is never stored.
                    .col(string("secret_hash"))
                    .col(string("agency"))
                    .col(string("scopes"))
                    .col(integer("rate_limit_per_minute"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_key_usage")
                    .col(uuid("key_id"))
                    // Minutes since the Unix epoch.
                    .col(big_integer("window_minute"))
                    .col(integer("count"))
                    .primary_key(Index::create().col("key_id").col("window_minute"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_usage_key")
                            .from("api_key_usage", "key_id")
                            .to("api_keys", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["api_key_usage", "api_keys"] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Webhooks: the endpoints agencies receive the change feed at, each with its own cursor into
//! the feed and a lease that keeps two instances from delivering to it at once, and the log of
//! every delivery attempt.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(uuid("id").primary_key())
                    // The agency key the endpoint delivers for: its scopes decide what the
                    // deliveries carry, and its revocation stops them.
                    .col(uuid("api_key_id"))
                    .col(text("url"))
                    .col(text_null("description"))
                    // Comma-separated event-type patterns (`certificate.issue`, `lease.*`);
                    // empty for every event.
                    .col(text("event_types"))
                    // The signing secret (`whsec_…`): HMAC needs it in clear.
                    .col(text("secret"))
                    // `active` or `paused`.
                    .col(string("status"))
                    // The sequence number of the last feed event delivered or passed over.
                    .col(big_integer("cursor"))
                    .col(integer("consecutive_failures"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    // Held by the instance delivering to the endpoint now, until then.
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(string_null("leased_by"))
                    .col(timestamp_with_time_zone_null("paused_at"))
                    .col(text_null("pause_reason"))
                    .col(timestamp_with_time_zone_null("last_success_at"))
                    .col(timestamp_with_time_zone_null("last_failure_at"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_api_key")
                            .from("webhook_endpoints", "api_key_id")
                            .to("api_keys", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_endpoints_due")
                    .table("webhook_endpoints")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(uuid("id").primary_key())
                    .col(uuid("endpoint_id"))
                    // The feed event delivered: its cursor, type and message id.
                    .col(big_integer("event_seq"))
                    .col(string("event_type"))
                    .col(string("message_id"))
                    // 1 for the first attempt at this event, then 2, 3, …
                    .col(integer("attempt"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    // `delivered` (2xx) or `failed`.
                    .col(string("outcome"))
                    .col(integer_null("status_code"))
                    .col(text_null("error"))
                    .col(integer("duration_ms"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from("webhook_deliveries", "endpoint_id")
                            .to("webhook_endpoints", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint")
                    .table("webhook_deliveries")
                    .col("endpoint_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("webhook_deliveries").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("webhook_endpoints").to_owned())
            .await
    }
}

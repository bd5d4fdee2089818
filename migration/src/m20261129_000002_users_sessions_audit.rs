//! Staff accounts, bearer sessions, and the hash-chained audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string("username").unique_key())
                    .col(string("display_name"))
                    .col(string("password_hash"))
                    // Comma-separated role names, e.g. "officer,approver".
                    .col(string("roles"))
                    .col(boolean("disabled"))
                    .col(integer("failed_logins"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    // SHA-256 of the bearer token, hex; the token itself is never stored.
                    .col(string("token_hash").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from("sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    // Gapless sequence number, assigned under a lock: the chain order.
                    .col(big_integer("seq").primary_key())
                    .col(uuid("id").unique_key())
                    // UTC, RFC 3339 with microseconds, exactly as hashed.
                    .col(string("at"))
                    .col(string("actor_type"))
                    .col(string_null("actor_id"))
                    .col(string("actor_name"))
                    .col(string("action"))
                    .col(string("entity_type"))
                    .col(string("entity_id"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(string_null("request_id"))
                    .col(string("prev_hash"))
                    .col(string("hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entity")
                    .table("audit_events")
                    .col("entity_type")
                    .col("entity_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_actor")
                    .table("audit_events")
                    .col("actor_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_events", "sessions", "users"] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Sign-in failures counted per account name and client, so a client that guesses passwords is
//! locked out of that account while the account's owner, elsewhere, can still sign in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sign_in_attempts")
                    // SHA-256 (hex) of the lower-cased name tried, whether or not an account has
                    // it: names that do not exist are counted the same way, and not stored.
                    .col(string("username_key"))
                    // The client: an IPv4 address or an IPv6 /64.
                    .col(string("client_key"))
                    .col(integer("failures"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("username_key").col("client_key"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sign_in_attempts").to_owned())
            .await
    }
}

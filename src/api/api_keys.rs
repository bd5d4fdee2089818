//! `/api/v1/api-keys`: agency API keys (admin only).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags, pagination,
    problem::{CreateError, ListError, problem_responses},
    security::StaffAuth,
    types::Lenient,
};
use crate::{
    db::api_keys::ApiKey,
    domain::auth::{Role, Scope},
    service,
    startup::AppState,
};

/// Agency API keys.
pub struct ApiKeysApi;

/// An agency API key (never its secret).
#[derive(Object, Debug)]
#[oai(rename = "ApiKey", skip_serializing_if_is_none)]
pub struct ApiKeyView {
    /// Key id.
    id: Uuid,
    /// Public prefix: the key reads `irk_<prefix>_…`.
    prefix: String,
    /// The agency that holds it.
    agency: String,
    /// What it may read.
    scopes: Vec<Scope>,
    /// Requests allowed per minute; above it, 429 with `Retry-After`.
    rate_limit_per_minute: i32,
    /// When it stops working, if ever.
    expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    revoked_at: Option<DateTime<Utc>>,
    /// When it was created.
    created_at: DateTime<Utc>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            prefix: k.prefix,
            agency: k.agency,
            scopes: k.scopes,
            rate_limit_per_minute: k.rate_limit_per_minute,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            created_at: k.created_at,
        }
    }
}

/// A key to create.
#[derive(Object, Debug)]
#[oai(
    rename = "ApiKeyCreate",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ApiKeyCreate {
    /// The agency that will hold it, e.g. "Cục Thống kê tỉnh Quảng Trị".
    agency: String,
    /// What it may read: `registry:read`, `certificates:read`, `feed:read`, `stats:read`.
    scopes: Vec<Scope>,
    /// Requests allowed per minute (default 600).
    rate_limit_per_minute: Option<i32>,
    /// When it stops working; never when omitted.
    expires_at: Option<DateTime<Utc>>,
}

/// A new key. The secret is shown only in this response.
#[derive(Object)]
#[oai(rename = "ApiKeyCreated", skip_serializing_if_is_none)]
pub struct ApiKeyCreated {
    /// Send as the `X-Api-Key` header. Shown once; only its hash is stored.
    secret: String,
    /// The key.
    key: ApiKeyView,
}

/// A page of keys.
#[derive(Object, Debug)]
#[oai(rename = "ApiKeyList", skip_serializing_if_is_none)]
pub struct ApiKeyList {
    /// Keys, oldest first.
    items: Vec<ApiKeyView>,
    /// Pass as `cursor` for the next page; absent on the last.
    next_cursor: Option<String>,
}

#[derive(ApiResponse)]
enum KeysListed {
    /// A page of keys.
    #[oai(status = 200)]
    Ok(Json<ApiKeyList>),
}

#[derive(ApiResponse)]
enum KeyCreated {
    /// The key was created; copy the secret now.
    #[oai(status = 201)]
    Created(Json<ApiKeyCreated>),
}

#[derive(ApiResponse)]
enum KeyRevoked {
    /// The key as it is now: revoked, on every instance at once.
    #[oai(status = 200)]
    Ok(Json<ApiKeyView>),
}

problem_responses! {
    /// Errors of revoking a key.
    RevokeError {
        404 NotFound "No key has this id.",
    }
}

const SCOPE: &str = "api-keys";

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ApiKeys")]
impl ApiKeysApi {
    /// List agency API keys
    #[oai(path = "/api-keys", method = "get", operation_id = "list_api_keys")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// Page size, 1 to 200 (default 50).
        #[oai(
            default = "super::pagination::default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<u32>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<KeysListed, ListError> {
        let ctx = auth.context_for(&[Role::Admin])?;
        let after = pagination::decode(SCOPE, cursor.0.as_deref())?;
        let page = service::api_keys::list(&state.db, &ctx, after, u64::from(limit.0)).await?;
        Ok(KeysListed::Ok(Json(ApiKeyList {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_after.map(|id| pagination::encode(SCOPE, id)),
        })))
    }

    /// Create an agency API key
    ///
    /// Keys only read, within their scopes. The secret is in this response only.
    #[oai(path = "/api-keys", method = "post", operation_id = "create_api_key")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<ApiKeyCreate>,
    ) -> Result<KeyCreated, CreateError> {
        let ctx = auth.context_for(&[Role::Admin])?;
        let b = body.0;
        let (key, secret) = service::api_keys::create(
            &state.db,
            &ctx,
            service::api_keys::NewKey {
                agency: b.agency,
                scopes: b.scopes,
                rate_limit_per_minute: b.rate_limit_per_minute.unwrap_or(600),
                expires_at: b.expires_at,
            },
        )
        .await?;
        Ok(KeyCreated::Created(Json(ApiKeyCreated {
            secret,
            key: key.into(),
        })))
    }

    /// Revoke an agency API key
    ///
    /// The key stops working at once, on every instance.
    #[oai(
        path = "/api-keys/:id/revoke",
        method = "post",
        operation_id = "revoke_api_key"
    )]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// Key id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<KeyRevoked, RevokeError> {
        let ctx = auth.context_for(&[Role::Admin])?;
        let key = service::api_keys::revoke(&state.db, &ctx, id.0.param("id")?).await?;
        Ok(KeyRevoked::Ok(Json(key.into())))
    }
}

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
    ApiTags,
    problem::{CreateError, ListError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{Admins, Authorized},
    types::{Lenient, take_optional},
};
use crate::{
    domain::{
        FieldViolation, Violations,
        auth::{ApiKey, Scope},
    },
    service::{self, AppState, ServiceError},
};

/// Agency API keys.
#[derive(Default)]
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
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ApiKeyCreate {
    /// The agency that will hold it, e.g. "Cục Thống kê tỉnh Quảng Trị".
    #[oai(validator(min_length = 1, max_length = 255))]
    agency: Lenient<String>,
    /// What it may read: `registry:read`, `certificates:read`, `feed:read`, `stats:read`.
    #[oai(validator(min_items = 1))]
    scopes: Lenient<Vec<Scope>>,
    /// Requests allowed per minute (default 600).
    #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
    rate_limit_per_minute: Option<Lenient<i32>>,
    /// When it stops working; never when omitted.
    expires_at: Option<Lenient<DateTime<Utc>>>,
}

super::types::json_example!(ApiKeyCreate, {"agency": "Cục Thống kê tỉnh Quảng Trị", "scopes": ["registry:read", "certificates:read"], "rate_limit_per_minute": 600, "expires_at": "2027-12-31T17:00:00Z"});

impl ApiKeyCreate {
    /// The key to create, or every field at fault (422), like every other body.
    fn into_new_key(self) -> Result<service::api_keys::NewKey, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let agency = self.agency.take("agency", &mut v);
        let scopes = self.scopes.take("scopes", &mut v);
        let rate = take_optional("rate_limit_per_minute", self.rate_limit_per_minute, &mut v);
        let expires_at = take_optional("expires_at", self.expires_at, &mut v);
        match (agency, scopes) {
            (Some(agency), Some(scopes)) if v.is_empty() => Ok(service::api_keys::NewKey {
                agency,
                scopes,
                rate_limit_per_minute: rate.unwrap_or(600),
                expires_at,
            }),
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
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

listed!(
    ApiKeyView,
    name = "ApiKeyList",
    list = "A page of keys.",
    items = "Keys, oldest first.",
    cursor = "api-keys"
);

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

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ApiKeys")]
impl ApiKeysApi {
    /// List agency API keys
    #[oai(path = "/api-keys", method = "get", operation_id = "list_api_keys")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<ApiKeyView>, ListError> {
        let ctx = auth.context();
        let after = ListPage::<ApiKeyView>::after(cursor.0.as_deref())?;
        let page = service::api_keys::list(&state.db, &ctx, after, limit.0.get()).await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Create an agency API key
    ///
    /// Keys only read, within their scopes. The secret is in this response only.
    #[oai(path = "/api-keys", method = "post", operation_id = "create_api_key")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        body: super::body::Body<ApiKeyCreate>,
    ) -> Result<KeyCreated, CreateError> {
        let ctx = auth.context();
        let new = body.0.into_new_key().map_err(ServiceError::Validation)?;
        let (key, secret) = service::api_keys::create(&state.db, &ctx, new).await?;
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
        auth: Authorized<Admins>,
        /// Key id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<KeyRevoked, RevokeError> {
        let ctx = auth.context();
        let key = service::api_keys::revoke(&state.db, &ctx, id.0.param("id")?).await?;
        Ok(KeyRevoked::Ok(Json(key.into())))
    }
}

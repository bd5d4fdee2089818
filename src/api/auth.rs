//! `/api/v1/auth` and `/api/v1/me`: staff sign-in, sign-out, and who am I.

use std::time::Duration;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use uuid::Uuid;

use super::{
    ApiTags, problem::problem_responses, rate_limit::ClientKey,
    request_context::current_request_id, security::StaffAuth,
};
use crate::{
    domain::auth::{Role, User},
    service::{self, AppState},
};

/// Sign-in and the current user.
#[derive(Default)]
pub struct AuthApi;

/// Credentials.
#[derive(Object)]
#[oai(rename = "LoginRequest", example, skip_serializing_if_is_none)]
pub struct LoginRequest {
    /// Login name.
    #[oai(validator(max_length = 64))]
    username: String,
    /// Password.
    #[oai(validator(max_length = 256))]
    password: String,
}

super::types::json_example!(LoginRequest, {"username": "nguyen.an", "password": "doi-mat-khau-ngay-2026"});

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A new session. The token is shown only in this response.
#[derive(Object)]
#[oai(rename = "LoginResponse", skip_serializing_if_is_none)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// When the token stops working.
    expires_at: DateTime<Utc>,
    /// Who signed in.
    user: UserView,
}

/// A staff account.
#[derive(Object, Debug)]
#[oai(rename = "User", skip_serializing_if_is_none)]
pub struct UserView {
    /// Account id.
    id: Uuid,
    /// Login name.
    username: String,
    /// Full name.
    display_name: String,
    /// Roles held.
    roles: Vec<Role>,
    /// A disabled account cannot sign in.
    disabled: bool,
    /// Sign-in is refused until then (after repeated failures).
    locked_until: Option<DateTime<Utc>>,
    /// Title printed in certificates' signature block, e.g. "PHÓ TRƯỞNG BAN".
    signing_title: Option<String>,
    /// Capacity printed above the title, e.g. "KT. TRƯỞNG BAN".
    signing_capacity: Option<String>,
    /// When the account was created.
    created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            roles: u.roles,
            disabled: u.disabled,
            locked_until: u.locked_until,
            signing_title: u.signing_title,
            signing_capacity: u.signing_capacity,
            created_at: u.created_at,
        }
    }
}

#[derive(ApiResponse)]
enum LoginOk {
    /// Signed in.
    #[oai(status = 200)]
    Ok(Json<LoginResponse>),
}

problem_responses! {
    /// Errors of signing in.
    LoginError: public {
        401 Unauthorized "Wrong username or password, or the account is disabled.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "A name or text in the body holds a character the registry never accepts (a control, bidirectional or invisible character); `errors` names it.",
        429 TooManyRequests "Too many attempts from this client (for this account, or in all); retry after `Retry-After` seconds.",
    }
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The session is closed; the token no longer works.
    #[oai(status = 204)]
    Ok,
}

problem_responses! {
    /// Errors of operations that only need a signed-in user.
    SessionError {}
}

#[derive(ApiResponse)]
enum Me {
    /// The signed-in user.
    #[oai(status = 200)]
    Ok(Json<UserView>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in
    ///
    /// Exchanges a username and password for a bearer token. Wrong credentials get 401; after
    /// repeated failures answers slow down and the account is locked for a while (429).
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &poem::Request,
        body: super::body::Body<LoginRequest>,
    ) -> Result<LoginOk, LoginError> {
        let ttl = Duration::from_secs(state.policy.token_ttl_minutes * 60);
        let client = req
            .extensions()
            .get::<ClientKey>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.to_string());
        let session = service::users::login(
            &state.db,
            &body.0.username,
            &body.0.password,
            ttl,
            &client,
            current_request_id(),
            state.clock.now(),
        )
        .await?;
        Ok(LoginOk::Ok(Json(LoginResponse {
            token: session.token,
            expires_at: session.expires_at,
            user: session.user.into(),
        })))
    }

    /// Sign out
    ///
    /// Revokes the token used for this request.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> Result<LoggedOut, SessionError> {
        service::users::logout(&state.db, &auth.context(), &auth.0.token).await?;
        Ok(LoggedOut::Ok)
    }

    /// Who am I
    ///
    /// The signed-in user and their roles.
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: StaffAuth) -> Result<Me, SessionError> {
        Ok(Me::Ok(Json(auth.0.user.into())))
    }
}

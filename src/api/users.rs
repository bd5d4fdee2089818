//! `/api/v1/users`: staff accounts (admin only).

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags,
    auth::UserView,
    problem::{CreateError, ListError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{Admins, Authorized},
    types::Lenient,
};
use crate::{
    domain::auth::Role,
    service::{self, AppState},
};

/// Staff accounts.
#[derive(Default)]
pub struct UsersApi;

/// A new staff account.
#[derive(Object)]
#[oai(
    rename = "UserCreate",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct UserCreate {
    /// Login name: 3-64 lower-case letters, digits, `.`, `_`, `-`.
    #[oai(validator(min_length = 3, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$"))]
    username: String,
    /// Full name, e.g. "Nguyễn Văn An".
    #[oai(validator(min_length = 1, max_length = 255))]
    display_name: String,
    /// Initial password, at least 12 characters.
    #[oai(validator(min_length = 12, max_length = 256))]
    password: String,
    /// Roles: `clerk`, `officer`, `approver`, `admin`.
    #[oai(validator(min_items = 1))]
    roles: Vec<Role>,
    /// Approvers: the title printed in certificates' signature block, e.g. "PHÓ TRƯỞNG BAN"
    /// (stored in capitals). An approver without one cannot issue certificates.
    #[oai(validator(max_length = 100))]
    signing_title: Option<String>,
    /// Approvers: the capacity printed above the title when signing for someone else
    /// (Decree 30/2020), e.g. "KT. TRƯỞNG BAN"; omit when the head signs.
    #[oai(validator(max_length = 100))]
    signing_capacity: Option<String>,
}

super::types::json_example!(UserCreate, {"username": "nguyen.an", "display_name": "Nguyễn Văn An", "password": "doi-mat-khau-ngay-2026", "roles": ["approver"], "signing_title": "PHÓ TRƯỞNG BAN", "signing_capacity": "KT. TRƯỞNG BAN"});

/// A new password.
#[derive(Object)]
#[oai(
    rename = "PasswordReset",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct PasswordReset {
    /// The new password, at least 12 characters. All the user's sessions end.
    #[oai(validator(min_length = 12, max_length = 256))]
    password: String,
}

super::types::json_example!(PasswordReset, {"password": "mat-khau-moi-rat-dai-2026"});

listed!(
    UserView,
    name = "UserList",
    list = "A page of accounts.",
    items = "Accounts, oldest first.",
    cursor = "users"
);

#[derive(ApiResponse)]
enum UserCreated {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(ApiResponse)]
enum UserChanged {
    /// The account as it is now.
    #[oai(status = 200)]
    Ok(Json<UserView>),
}

problem_responses! {
    /// Errors of changing an account.
    UserActionError {
        404 NotFound "No account has this id.",
        409 Conflict "The change is not allowed (for example disabling yourself).",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "The password is too short.",
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// List staff accounts
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<UserView>, ListError> {
        let ctx = auth.context();
        let after = ListPage::<UserView>::after(cursor.0.as_deref())?;
        let page = service::users::list(&state.db, &ctx, after, limit.0.get()).await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Create a staff account
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        body: super::body::Body<UserCreate>,
    ) -> Result<UserCreated, CreateError> {
        let b = body.0;
        let user = service::users::create(
            &state.db,
            &auth.context(),
            service::users::NewUser {
                username: b.username,
                display_name: b.display_name,
                password: b.password,
                roles: b.roles,
                signing_title: b.signing_title,
                signing_capacity: b.signing_capacity,
            },
        )
        .await?;
        Ok(UserCreated::Created(Json(user.into())))
    }

    /// Disable a staff account
    ///
    /// The user can no longer sign in and every session of theirs ends at once.
    #[oai(
        path = "/users/:id/disable",
        method = "post",
        operation_id = "disable_user"
    )]
    async fn disable(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Account id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<UserChanged, UserActionError> {
        let user =
            service::users::set_disabled(&state.db, &auth.context(), id.0.param("id")?, true)
                .await?;
        Ok(UserChanged::Ok(Json(user.into())))
    }

    /// Enable a staff account
    #[oai(
        path = "/users/:id/enable",
        method = "post",
        operation_id = "enable_user"
    )]
    async fn enable(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Account id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<UserChanged, UserActionError> {
        let user =
            service::users::set_disabled(&state.db, &auth.context(), id.0.param("id")?, false)
                .await?;
        Ok(UserChanged::Ok(Json(user.into())))
    }

    /// Reset a staff member's password
    ///
    /// Sets a new password, clears a lock-out and ends every session of the user.
    #[oai(
        path = "/users/:id/reset-password",
        method = "post",
        operation_id = "reset_user_password"
    )]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Account id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<PasswordReset>,
    ) -> Result<UserChanged, UserActionError> {
        let user = service::users::reset_password(
            &state.db,
            &auth.context(),
            id.0.param("id")?,
            body.0.password,
        )
        .await?;
        Ok(UserChanged::Ok(Json(user.into())))
    }
}

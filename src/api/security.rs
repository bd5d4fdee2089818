//! Security schemes: staff bearer tokens. A handler is protected by taking `StaffAuth` as a
//! parameter, so the spec and the enforcement cannot drift apart.

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme,
    auth::{ApiKey, Bearer},
    registry::Registry,
};

use super::{problem::Problem, request_context::current_request_id};
use crate::{
    domain::auth::{Actor, Context, Role, Scope},
    domain::auth::{ApiKey as AgencyKey, User},
    service::AppState,
    service::ServiceError,
};

/// A staff member's bearer token, from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "opaque token",
    checker = "check_staff_token"
)]
pub struct StaffAuth(pub StaffPrincipal);

/// The signed-in staff member and the token used.
pub struct StaffPrincipal {
    /// The account.
    pub user: User,
    /// The bearer token (kept only to revoke this session on logout; never logged).
    pub token: String,
    /// When the request was authenticated: the time of everything it changes.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl StaffAuth {
    /// The context a mutation records in the audit log.
    pub fn context(&self) -> Context {
        Context {
            actor: Actor::User {
                id: self.0.user.id,
                username: self.0.user.username.clone(),
                roles: self.0.user.roles.clone(),
            },
            request_id: current_request_id(),
            now: self.0.now,
        }
    }
}

/// A set of roles an operation needs, as a type, so the role is checked while the request's
/// credentials are: before the body is read or parsed, a caller without the role gets 403 and
/// learns nothing about the operation's validation rules.
pub trait RoleSet: Send + Sync + 'static {
    /// The roles, any one of which is enough.
    const ROLES: &'static [Role];
}

macro_rules! role_set {
    ($(#[$meta:meta])* $name:ident = $roles:path) => {
        $(#[$meta])*
        pub struct $name;
        impl RoleSet for $name {
            const ROLES: &'static [Role] = $roles;
        }
    };
}

role_set!(
    /// Who changes registry data.
    Editors = crate::domain::auth::REGISTRY_EDITORS
);
role_set!(
    /// Who drafts certificates.
    Drafters = crate::domain::auth::DRAFTERS
);
role_set!(
    /// Who issues certificates and decides on a project's status.
    Approvers = crate::domain::auth::APPROVERS
);
role_set!(
    /// Who administers accounts, keys and the audit log.
    Admins = crate::domain::auth::ADMINS
);
role_set!(
    /// Every staff member.
    AnyStaff = crate::domain::auth::ANY_STAFF
);
role_set!(
    /// The one-stop desk (dossier intake and return).
    Desk = crate::domain::dossier::DESK
);
role_set!(
    /// The desk and officers (files, supplement requests).
    DeskAndOfficers = crate::domain::dossier::DESK_AND_OFFICERS
);
role_set!(
    /// Who may write an apology for a late result.
    Apologisers = crate::domain::dossier::APOLOGISERS
);

/// A staff bearer token whose user holds one of the roles of `R`: 401 without a valid token,
/// 403 without the role, both before the body is read. In the spec it is the `StaffAuth`
/// scheme.
pub struct Authorized<R: RoleSet> {
    auth: StaffAuth,
    roles: std::marker::PhantomData<R>,
}

impl<R: RoleSet> Authorized<R> {
    /// The context a mutation records in the audit log.
    pub fn context(&self) -> Context {
        self.auth.context()
    }

    /// The signed-in staff member and the token used.
    pub fn principal(&self) -> &StaffPrincipal {
        &self.auth.0
    }
}

impl<'a, R: RoleSet> ApiExtractor<'a> for Authorized<R> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        StaffAuth::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        StaffAuth::security_schemes()
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let auth = StaffAuth::from_request(req, body, param_opts).await?;
        crate::service::users::require(&auth.context(), R::ROLES)
            .map_err(|e| poem::Error::from_response(Problem::from(e).into_poem_response()))?;
        Ok(Self {
            auth,
            roles: std::marker::PhantomData,
        })
    }
}

async fn check_staff_token(req: &Request, bearer: Bearer) -> poem::Result<StaffPrincipal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_response(Problem::internal().into_poem_response()))?;
    let now = state.clock.now();
    match crate::service::users::authenticate(&state.db, &bearer.token, now).await {
        Ok(Some(user)) => Ok(StaffPrincipal {
            user,
            token: bearer.token,
            now,
        }),
        Ok(None) => Err(poem::Error::from_response(
            Problem::new(
                "unauthorized",
                "the token is unknown, expired or revoked; sign in again",
            )
            .into_poem_response(),
        )),
        Err(e) => Err(poem::Error::from_response(
            Problem::from(e).into_poem_response(),
        )),
    }
}

/// An agency's API key, created by an admin. Keys can only read, within their scopes, and each
/// has its own per-minute rate limit (429 with `Retry-After` above it).
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "X-Api-Key",
    key_in = "header",
    checker = "check_agency_key"
)]
pub struct AgencyAuth(pub AgencyKey);

async fn check_agency_key(req: &Request, key: ApiKey) -> poem::Result<AgencyKey> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_response(Problem::internal().into_poem_response()))?;
    crate::service::api_keys::authenticate(&state.db, &key.key, state.clock.now())
        .await
        .map_err(|e| poem::Error::from_response(Problem::from(e).into_poem_response()))
}

/// Who may read the registry: a signed-in staff member, or an agency key with the right scope.
///
/// The credentials sent choose the scheme: a bearer token is checked as a staff token (and
/// nothing else, so a bad token next to a good key is refused, not ignored), otherwise an
/// `X-Api-Key` as an agency key. A check that fails because the database does not answer is
/// that failure (503), never "sign in first".
pub enum ReaderAuth {
    /// A staff bearer token.
    Staff(StaffAuth),
    /// An agency API key.
    Agency(AgencyAuth),
}

impl<'a> ApiExtractor<'a> for ReaderAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        StaffAuth::register(registry);
        AgencyAuth::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        let mut schemes = StaffAuth::security_schemes();
        schemes.extend(AgencyAuth::security_schemes());
        schemes
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if req
            .headers()
            .contains_key(poem::http::header::AUTHORIZATION)
        {
            StaffAuth::from_request(req, body, param_opts)
                .await
                .map(ReaderAuth::Staff)
        } else {
            AgencyAuth::from_request(req, body, param_opts)
                .await
                .map(ReaderAuth::Agency)
        }
    }
}

impl ReaderAuth {
    /// Staff, and keys with `personal:read`, see individuals' identity numbers, birth dates and
    /// addresses; other keys get `null` in their place.
    pub fn may_read_personal(&self) -> bool {
        match self {
            ReaderAuth::Staff(_) => true,
            ReaderAuth::Agency(key) => key.0.scopes.contains(&Scope::PersonalRead),
        }
    }

    /// Staff may read everything; a key needs `scope`.
    pub fn require_scope(&self, scope: Scope) -> Result<(), ServiceError> {
        match self {
            ReaderAuth::Staff(_) => Ok(()),
            ReaderAuth::Agency(key) if key.0.scopes.contains(&scope) => Ok(()),
            ReaderAuth::Agency(_) => Err(ServiceError::Forbidden(format!(
                "this API key lacks the scope {scope}"
            ))),
        }
    }
}

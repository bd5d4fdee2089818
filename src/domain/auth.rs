//! Who acts: staff roles, actors, and the context every mutation carries into the audit log.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::string_enum;

string_enum! {
    /// What a staff member may do. A user may hold several roles.
    Role {
        /// Receiving clerk: dossier intake.
        Clerk = "clerk",
        /// Officer: registry data and certificate drafts.
        Officer = "officer",
        /// Approving leader: issues, adjusts, suspends and revokes certificates.
        Approver = "approver",
        /// Administrator: users, API keys, catalogues.
        Admin = "admin",
    }
}

string_enum! {
    /// What an agency API key may read. Keys never write.
    Scope {
        /// Zones, parcels, investors, projects.
        RegistryRead = "registry:read",
        /// Certificates and their status.
        CertificatesRead = "certificates:read",
        /// The change feed.
        FeedRead = "feed:read",
        /// Statistics.
        StatsRead = "stats:read",
        /// Personal data of individuals (identity numbers, birth dates, addresses) wherever the
        /// key reads investors: lists, the change feed, exports. Without it they are `null`.
        PersonalRead = "personal:read",
    }
}

/// The client a request comes from (an IPv4 address, an IPv6 /64), as the rate limits and the
/// sign-in lock-out count it; the edge puts it in every request for the handlers that count per
/// client (the API's sign-in and the console's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKey(pub std::net::IpAddr);

/// Every staff role: what any signed-in staff member may do.
pub const ANY_STAFF: &[Role] = Role::ALL;
/// Who may change registry data: zones, parcels, investors, projects and their land.
pub const REGISTRY_EDITORS: &[Role] = &[Role::Officer, Role::Admin];
/// Who may draft certificates.
pub const DRAFTERS: &[Role] = &[Role::Officer];
/// Who may issue certificates and decide on a project's status (register, suspend, resume,
/// terminate), and so on its certificate's.
pub const APPROVERS: &[Role] = &[Role::Approver];
/// Who may manage accounts, API keys, signing keys and read the audit log.
pub const ADMINS: &[Role] = &[Role::Admin];

/// Parses a stored comma-separated scope list; unknown names are an error.
pub fn parse_scopes(text: &str) -> Result<Vec<Scope>, super::UnknownValue> {
    let mut scopes: Vec<Scope> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    Ok(scopes)
}

/// The stored form of a scope list.
pub fn format_scopes(scopes: &[Scope]) -> String {
    let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// Parses a stored comma-separated role list; unknown names are an error.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, super::UnknownValue> {
    let mut roles: Vec<Role> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    roles.sort_by_key(|r| r.as_str());
    roles.dedup();
    Ok(roles)
}

/// The stored form of a role list.
pub fn format_roles(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// A staff account as the service sees it (the password hash never leaves the
/// database layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Account id.
    pub id: Uuid,
    /// Login name.
    pub username: String,
    /// Full name, for the audit log and certificates.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// A disabled account cannot sign in; its sessions stop working.
    pub disabled: bool,
    /// Consecutive failed sign-ins.
    pub failed_logins: i32,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTime<Utc>>,
    /// Title printed in a signature block, e.g. "PHÓ TRƯỞNG BAN".
    pub signing_title: Option<String>,
    /// Capacity printed above the title, e.g. "KT. TRƯỞNG BAN".
    pub signing_capacity: Option<String>,
    /// Row version.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// An agency key as the service sees it (without its secret hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Key id.
    pub id: Uuid,
    /// Public prefix, shown in lists and logs.
    pub prefix: String,
    /// The agency that holds it.
    pub agency: String,
    /// What it may read.
    pub scopes: Vec<Scope>,
    /// Requests allowed per minute.
    pub rate_limit_per_minute: i32,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The admin who created it.
    pub created_by: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Who performs an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in staff member.
    User {
        /// Account id.
        id: Uuid,
        /// Login name.
        username: String,
        /// Roles held.
        roles: Vec<Role>,
    },
    /// The service itself or an operator at the command line (bootstrap, demo data, CLI).
    System {
        /// What acted, e.g. `cli`, `bootstrap`, `demo`.
        name: String,
    },
    /// The applicant of a dossier, without an account: proven by the dossier's tracking secret
    /// (or submitting it). Holds no role.
    Applicant {
        /// The dossier's receipt code.
        receipt_code: String,
    },
}

impl Actor {
    /// The system acting under a name.
    pub fn system(name: &str) -> Self {
        Actor::System {
            name: name.to_owned(),
        }
    }

    /// `user` or `system`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::System { .. } => "system",
            Actor::Applicant { .. } => "applicant",
        }
    }

    /// The account id, for users.
    pub fn id(&self) -> Option<String> {
        match self {
            Actor::User { id, .. } => Some(id.to_string()),
            Actor::System { .. } | Actor::Applicant { .. } => None,
        }
    }

    /// A readable name.
    pub fn name(&self) -> &str {
        match self {
            Actor::User { username, .. } => username,
            Actor::System { name } => name,
            Actor::Applicant { receipt_code } => receipt_code,
        }
    }

    /// True when the actor holds one of the roles (the system holds them all).
    pub fn has_any(&self, wanted: &[Role]) -> bool {
        match self {
            Actor::User { roles, .. } => roles.iter().any(|r| wanted.contains(r)),
            Actor::System { .. } => true,
            Actor::Applicant { .. } => false,
        }
    }
}

/// What a mutation knows about its origin: the actor, the request id and the time, all written to
/// the audit event in the same transaction as the change. Every row one action writes carries the
/// same `now`.
#[derive(Debug, Clone)]
pub struct Context {
    /// Who acts.
    pub actor: Actor,
    /// The HTTP request id, when the change came through the API.
    pub request_id: Option<String>,
    /// When the action happens, read once from the application's clock.
    pub now: DateTime<Utc>,
}

impl Context {
    /// A context for work the service does by itself or at the command line.
    pub fn system(name: &str, now: DateTime<Utc>) -> Self {
        Self {
            actor: Actor::system(name),
            request_id: None,
            now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_sorted_and_deduplicated() {
        let roles = parse_roles("officer, approver,officer").unwrap();
        assert_eq!(roles, [Role::Approver, Role::Officer]);
        assert_eq!(format_roles(&roles), "approver,officer");
        assert!(parse_roles("officer,king").is_err());
    }
}

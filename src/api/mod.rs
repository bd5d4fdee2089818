//! The HTTP API (poem-openapi): one file per tag. Handlers extract, convert to domain values, call
//! one service function and map the result; they hold no business rules.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod dossiers;
pub mod health;
pub mod investors;
pub mod leases;
pub mod middleware;
pub mod pagination;
pub mod parcels;
pub mod problem;
pub mod procedures;
pub mod projects;
pub mod rate_limit;
pub mod request_context;
pub mod resource;
pub mod security;
pub mod trust;
pub mod types;
pub mod users;
pub mod verify;
pub mod zones;

use poem_openapi::{OpenApiService, Tags};

use crate::service::{Precondition, ServiceError};

/// Groups of operations in the spec.
#[derive(Tags)]
pub enum ApiTags {
    /// Liveness and readiness probes.
    Health,
    /// Industrial parks (KCN) and economic zones (KKT).
    Zones,
    /// Land parcels (lots) inside zones.
    Parcels,
    /// Staff sign-in, sign-out and the current user.
    Auth,
    /// Investors: individuals and organisations.
    Investors,
    /// Investment projects, their status and their land.
    Projects,
    /// Staff accounts (admin).
    Users,
    /// The hash-chained audit log (admin).
    Audit,
    /// Agency API keys (admin).
    ApiKeys,
    /// Investment Registration Certificates: drafts, issued versions, PDFs, lifecycle, and the
    /// public signing keys.
    Certificates,
    /// Public verification of a certificate's QR seal or PDF: genuine, and in force?
    Verification,
    /// The one-stop desk: dossiers with their statutory deadlines, public tracking, the
    /// procedure catalogue, the working-day calendar and the desk's statistics.
    Dossiers,
}

/// Every API of the service, for serving and for generating the spec, in the order of the spec:
/// the registry, then certificates and verification, then administration.
pub type Apis = (
    (
        health::HealthApi,
        auth::AuthApi,
        zones::ZonesApi,
        parcels::ParcelsApi,
        investors::InvestorsApi,
        projects::ProjectsApi,
        leases::LeasesApi,
    ),
    (
        certificates::CertificatesApi,
        trust::TrustApi,
        verify::VerifyApi,
        dossiers::DossiersApi,
        procedures::ProceduresApi,
    ),
    (users::UsersApi, api_keys::ApiKeysApi, audit::AuditApi),
);

/// The OpenAPI service: the same value serves requests and writes `openapi/openapi.json`.
pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        Apis::default(),
        "Investment Registry API",
        env!("CARGO_PKG_VERSION"),
    )
    .summary("Đăng ký đầu tư — registry of zones, parcels, investors, projects and certificates")
    .description(include_str!("description.md"))
    .license(poem_openapi::LicenseObject::new("Apache-2.0"))
}

/// The spec as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut s = service().spec();
    s.push('\n');
    s
}

/// Parses `If-Match`: `*`, or one or more strong ETags (`"3"`); weak tags never match updates.
pub fn parse_if_match(value: Option<&str>) -> Result<Precondition, ServiceError> {
    let Some(value) = value.map(str::trim) else {
        return Ok(Precondition::Missing);
    };
    if value == "*" {
        return Ok(Precondition::Any);
    }
    let mut versions = Vec::new();
    for tag in value.split(',').map(str::trim) {
        if tag.starts_with("W/") {
            continue;
        }
        let inner = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .ok_or_else(|| ServiceError::BadParameter {
                name: "If-Match",
                message: "must be an ETag in quotes, e.g. \"3\", or *".to_owned(),
            })?;
        if let Ok(v) = inner.parse::<i32>() {
            versions.push(v);
        }
    }
    Ok(Precondition::Versions(versions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        assert_eq!(parse_if_match(None).unwrap(), Precondition::Missing);
        assert_eq!(parse_if_match(Some("*")).unwrap(), Precondition::Any);
        assert_eq!(
            parse_if_match(Some("\"3\"")).unwrap(),
            Precondition::Versions(vec![3])
        );
        assert_eq!(
            parse_if_match(Some("\"2\", W/\"3\", \"x\"")).unwrap(),
            Precondition::Versions(vec![2])
        );
        assert!(parse_if_match(Some("3")).is_err());
    }
}

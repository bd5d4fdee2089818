//! The HTTP API (poem-openapi): one file per tag. Handlers extract, convert to domain values, call
//! one service function and map the result; they hold no business rules.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod body;
pub mod certificates;
pub mod content;
pub mod docs;
pub mod dossiers;
pub mod exports;
pub mod feed;
pub mod health;
pub mod imports;
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
pub mod spec;
pub mod stats;
pub mod trust;
pub mod types;
pub mod users;
pub mod verify;
pub mod webhooks;
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
    /// For the systems that mirror the registry (tax, statistics, land, customs, the national
    /// investment system): the change feed in commit order and the snapshot it continues from.
    Feed,
    /// Webhooks: the change feed pushed to agencies' endpoints, signed, retried, logged
    /// (administrators register them for an agency key).
    Webhooks,
    /// Bulk import of existing projects with their investors, leases and paper certificate
    /// histories, from CSV or NDJSON (admin).
    Imports,
    /// Registry statistics (projects and capital by zone, year, nationality and kind of
    /// investor; occupancy; certificates by month) as JSON and as charts.
    Stats,
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
    (
        feed::FeedApi,
        exports::ExportsApi,
        stats::StatsApi,
        webhooks::WebhooksApi,
    ),
    (
        users::UsersApi,
        api_keys::ApiKeysApi,
        audit::AuditApi,
        imports::ImportsApi,
    ),
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

/// The OpenAPI 3.0 spec as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    spec::pretty(spec::Edition::V30).to_owned()
}

/// The OpenAPI 3.1 spec as pretty JSON, exactly as committed in `openapi/openapi-3.1.json`.
pub fn spec_json_31() -> String {
    spec::pretty(spec::Edition::V31).to_owned()
}

/// The pattern of an `If-Match` value: `*`, or ETags in quotes (weak ones with `W/`), separated
/// by commas. The spec publishes it; [`parse_if_match`] accepts exactly it.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-+\--~]*"( *, *(W/)?"[!#-+\--~]*")*)$"#;

/// Parses `If-Match`: `*`, or one or more strong ETags (`"3"`); weak tags never match updates.
pub fn parse_if_match(value: Option<&str>) -> Result<Precondition, ServiceError> {
    let Some(value) = value.map(str::trim) else {
        return Ok(Precondition::Missing);
    };
    if value == "*" {
        return Ok(Precondition::Any);
    }
    let bad = || ServiceError::BadParameter {
        name: "If-Match",
        message: "must be an ETag in quotes, e.g. \"3\", several separated by commas, or *"
            .to_owned(),
    };
    let mut versions = Vec::new();
    for tag in value.split(',').map(str::trim) {
        let (weak, tag) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let inner = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|t| {
                t.bytes()
                    .all(|b| b == b'!' || ((0x23..=0x7e).contains(&b) && b != b','))
            })
            .ok_or_else(bad)?;
        if !weak && let Ok(v) = inner.parse::<i32>() {
            versions.push(v);
        }
    }
    Ok(Precondition::Versions(versions))
}

/// The `If-Match` header of an update: required in the spec, with its pattern. When it is
/// absent the operation answers 428 (Precondition Required), not 400, so a client learns to
/// read before it writes.
pub struct IfMatch(pub Precondition);

impl poem_openapi::types::Type for IfMatch {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        "IfMatch".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(
            poem_openapi::registry::MetaSchema {
                pattern: Some(IF_MATCH_PATTERN.to_owned()),
                example: Some(serde_json::Value::from("\"3\"")),
                ..poem_openapi::registry::MetaSchema::new("string")
            },
        ))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl poem_openapi::types::ParseFromParameter for IfMatch {
    fn parse_from_parameter(value: &str) -> poem_openapi::types::ParseResult<Self> {
        parse_if_match(Some(value)).map(IfMatch).map_err(|_| {
            poem_openapi::types::ParseError::custom(
                "must be an ETag in quotes, e.g. \"3\", several separated by commas, or *",
            )
        })
    }

    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        iter: I,
    ) -> poem_openapi::types::ParseResult<Self> {
        match iter.into_iter().next() {
            Some(value) => Self::parse_from_parameter(value.as_ref()),
            None => Ok(IfMatch(Precondition::Missing)),
        }
    }
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
        assert!(parse_if_match(Some("W/3")).is_err());
        assert!(parse_if_match(Some("\"a b\"")).is_err());
        // The published pattern accepts exactly what the parser accepts.
        let pattern = regex::Regex::new(IF_MATCH_PATTERN).unwrap();
        for value in [
            "*",
            "\"3\"",
            "W/\"3\"",
            "\"2\", W/\"3\", \"x\"",
            "3",
            "W/3",
            "\"a b\"",
            "\"3\",",
            "**",
            "",
        ] {
            assert_eq!(
                pattern.is_match(value),
                parse_if_match(Some(value)).is_ok() && !value.is_empty(),
                "{value:?}"
            );
        }
    }
}

//! `/api/v1/stats/...`: registry statistics for agencies and reports, as JSON and as charts (SVG
//! and PNG drawn by `plotters`).
//!
//! Every answer carries a strong ETag built from the audit chain's newest sequence number (every
//! figure changes only with a new audit event), the question and today's date; a client that
//! sends it back in `If-None-Match` gets 304 after one indexed lookup, so polling is cheap.

use chrono::{Datelike, NaiveDate};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Query},
    payload::{Binary, Json},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::problem_responses,
    security::ReaderAuth,
    types::{Date, Lenient},
};
use crate::{
    charts,
    domain::{
        auth::Scope,
        stats::{MonthCounts, ProjectDimension},
        time::vietnam_date,
    },
    service::{self, AppState, ServiceError},
};

/// The statistics.
#[derive(Default)]
pub struct StatsApi;

/// Caching rule of every statistic: kept a minute, then revalidated with the ETag.
const CACHE: &str = "private, max-age=60";

/// One group of projects.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ProjectGroupStats")]
pub struct ProjectGroupView {
    /// The group: a zone id (`outside` for projects outside every zone), a year (`unknown`
    /// when not recorded), a nationality (ISO 3166-1 alpha-2) or a kind of investor
    /// (`domestic`, `foreign`, `foreign_invested`).
    key: String,
    /// For people: the zone's name, the year, the country code or the kind's Vietnamese name.
    label: String,
    /// Projects in the group. By nationality and kind, a project with investors of several
    /// groups counts in each.
    projects: u64,
    /// The registered total capital of those projects, in đồng.
    registered_capital_vnd: i64,
    /// The capital the group's investors contribute, in đồng (by zone and year: all the
    /// projects' contributed capital).
    contributed_capital_vnd: i64,
}

/// Projects that hold a certificate (registered or suspended), grouped.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ProjectStats")]
pub struct ProjectStatsView {
    /// How they are grouped.
    by: String,
    /// The groups, in key order.
    groups: Vec<ProjectGroupView>,
}

/// One zone's occupancy.
#[derive(Object, Debug, Clone)]
#[oai(rename = "ZoneOccupancyStats")]
pub struct ZoneOccupancyView {
    /// The zone.
    zone_id: Uuid,
    /// Its code.
    code: String,
    /// Its name.
    name: String,
    /// Industrial and service land in m² (the planned figure, or the parcels' sum when none is
    /// recorded); absent when neither is known.
    #[oai(skip_serializing_if_is_none)]
    land_m2: Option<f64>,
    /// Land leased to projects that hold a certificate, in m².
    leased_m2: f64,
    /// Leased over land, in percent with two decimals.
    #[oai(skip_serializing_if_is_none)]
    rate_percent: Option<f64>,
}

/// Occupancy of every zone.
#[derive(Object, Debug, Clone)]
#[oai(rename = "OccupancyStats")]
pub struct OccupancyStatsView {
    /// The zones, in code order.
    zones: Vec<ZoneOccupancyView>,
}

/// What happened to certificates in one month.
#[derive(Object, Debug, Clone)]
#[oai(rename = "CertificateMonthStats")]
pub struct MonthView {
    /// The month, `YYYY-MM` (Vietnamese calendar).
    month: String,
    /// First certificates issued (version 0).
    issued: u64,
    /// Adjusted certificates issued (versions 1 and later).
    adjusted: u64,
    /// Certificates suspended.
    suspended: u64,
    /// Certificates revoked.
    revoked: u64,
}

/// Certificate events by month.
#[derive(Object, Debug, Clone)]
#[oai(rename = "CertificateStats")]
pub struct CertificateStatsView {
    /// Every month of the window, oldest first (months without events included).
    months: Vec<MonthView>,
}

macro_rules! json_answer {
    ($name:ident, $payload:ty, $doc:literal) => {
        #[derive(ApiResponse)]
        enum $name {
            #[doc = $doc]
            #[oai(status = 200)]
            Ok(
                Json<$payload>,
                /// Strong ETag of this answer: send it in `If-None-Match` to revalidate.
                #[oai(header = "ETag")]
                String,
                /// Caching rule.
                #[oai(header = "Cache-Control")]
                String,
            ),
            /// Unchanged since the ETag sent in `If-None-Match`.
            #[oai(status = 304)]
            NotModified(
                /// The ETag.
                #[oai(header = "ETag")]
                String,
                /// Caching rule.
                #[oai(header = "Cache-Control")]
                String,
            ),
        }

        impl $name {
            /// 200 with the figures, or 304 when there are none to send.
            fn of(tag: String, stats: Option<$payload>) -> Self {
                match stats {
                    Some(s) => Self::Ok(Json(s), tag, CACHE.to_owned()),
                    None => Self::NotModified(tag, CACHE.to_owned()),
                }
            }
        }
    };
}

json_answer!(ProjectStatsFound, ProjectStatsView, "Projects grouped.");
json_answer!(OccupancyFound, OccupancyStatsView, "Occupancy by zone.");
json_answer!(
    CertificateStatsFound,
    CertificateStatsView,
    "Events by month."
);

macro_rules! chart_answer {
    ($name:ident, $ct:literal, $doc:literal) => {
        #[derive(ApiResponse)]
        enum $name {
            #[doc = $doc]
            #[oai(status = 200, content_type = $ct)]
            Ok(
                Binary<Vec<u8>>,
                /// Strong ETag of this answer: send it in `If-None-Match` to revalidate.
                #[oai(header = "ETag")]
                String,
                /// Caching rule.
                #[oai(header = "Cache-Control")]
                String,
            ),
            /// Unchanged since the ETag sent in `If-None-Match`.
            #[oai(status = 304)]
            NotModified(
                /// The ETag.
                #[oai(header = "ETag")]
                String,
                /// Caching rule.
                #[oai(header = "Cache-Control")]
                String,
            ),
        }
    };
}

chart_answer!(SvgChart, "image/svg+xml", "The chart as SVG.");
chart_answer!(
    PngChart,
    "image/png",
    "The chart as PNG (1200 × 675 pixels)."
);

problem_responses! {
    /// Errors of reading statistics.
    StatsError {
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

/// The strong ETag of a question asked when the audit chain's newest event is `seq`.
fn etag(seq: i64, question: &str, today: NaiveDate) -> String {
    let digest = Sha256::digest(format!("{question}\n{today}").as_bytes());
    format!("\"s{seq}-{}\"", hex::encode(&digest[..8]))
}

/// True when `If-None-Match` names the ETag (or is `*`).
fn matches(if_none_match: Option<&str>, tag: &str) -> bool {
    if_none_match.is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
    })
}

/// The ETag of a question, and the answer computed by `compute` unless the client already has
/// it (`None`: answer 304).
async fn unless_fresh<T, F>(
    state: &AppState,
    question: &str,
    if_none_match: Option<&str>,
    compute: impl FnOnce() -> F,
) -> Result<(String, Option<T>), ServiceError>
where
    F: std::future::Future<Output = Result<T, ServiceError>>,
{
    let seq = service::stats::version(&state.db).await?;
    let tag = etag(seq, question, vietnam_date(state.clock.now()));
    if matches(if_none_match, &tag) {
        return Ok((tag, None));
    }
    Ok((tag, Some(compute().await?)))
}

async fn project_stats(
    state: &AppState,
    by: ProjectDimension,
) -> Result<ProjectStatsView, ServiceError> {
    let groups = service::stats::projects(&state.db, by).await?;
    Ok(ProjectStatsView {
        by: by.as_str().to_owned(),
        groups: groups
            .into_iter()
            .map(|g| ProjectGroupView {
                key: g.group.key,
                label: g.label,
                projects: g.group.projects,
                registered_capital_vnd: g.group.registered_capital_vnd,
                contributed_capital_vnd: g.group.contributed_capital_vnd,
            })
            .collect(),
    })
}

async fn occupancy_stats(state: &AppState) -> Result<OccupancyStatsView, ServiceError> {
    let zones = service::stats::occupancy(&state.db).await?;
    Ok(OccupancyStatsView {
        zones: zones
            .into_iter()
            .map(|(z, o)| ZoneOccupancyView {
                zone_id: z.id,
                code: z.data.code,
                name: z.data.name,
                land_m2: o.land.map(|a| a.m2_f64()),
                leased_m2: o.leased.m2_f64(),
                rate_percent: o.rate_percent,
            })
            .collect(),
    })
}

/// The window of the certificate statistics: `from` and `to`, or the twelve months to today.
fn window(
    today: NaiveDate,
    from: Option<Lenient<Date>>,
    to: Option<Lenient<Date>>,
) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let to = match to {
        Some(d) => d.param("to")?.0,
        None => today,
    };
    let from = match from {
        Some(d) => d.param("from")?.0,
        None => NaiveDate::from_ymd_opt(to.year() - 1, to.month(), 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(to),
    };
    Ok((from, to))
}

async fn certificate_stats(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CertificateStatsView, ServiceError> {
    let months = service::stats::certificates(&state.db, from, to).await?;
    Ok(CertificateStatsView {
        months: months
            .into_iter()
            .map(|(m, c): (NaiveDate, MonthCounts)| MonthView {
                month: m.format("%Y-%m").to_string(),
                issued: c.issued,
                adjusted: c.adjusted,
                suspended: c.suspended,
                revoked: c.revoked,
            })
            .collect(),
    })
}

fn project_chart(s: &ProjectStatsView, measure: Measure) -> charts::Bars {
    let groups: Vec<charts::ProjectBar> = s
        .groups
        .iter()
        .map(|g| (g.label.clone(), g.projects, g.registered_capital_vnd))
        .collect();
    let measure = match measure {
        Measure::Projects => charts::Measure::Projects,
        Measure::Capital => charts::Measure::Capital,
    };
    charts::projects(&s.by, measure, &groups)
}

fn occupancy_chart(s: &OccupancyStatsView) -> charts::Bars {
    let zones: Vec<(String, Option<f64>)> = s
        .zones
        .iter()
        .map(|z| (z.code.clone(), z.rate_percent))
        .collect();
    charts::occupancy(&zones)
}

fn certificate_chart(s: &CertificateStatsView) -> charts::Bars {
    let months: Vec<charts::MonthBars> = s
        .months
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                [m.issued, m.adjusted, m.suspended, m.revoked],
            )
        })
        .collect();
    charts::certificates(&months)
}

/// What a project chart measures.
#[derive(poem_openapi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ChartMeasure", rename_all = "snake_case")]
pub enum Measure {
    /// The number of projects.
    Projects,
    /// The registered capital, in billions of đồng.
    Capital,
}

/// The SVG answer: 304 when the client has it (`stats` is then `None`), else the chart drawn.
fn svg_of<T>(
    tag: String,
    stats: Option<T>,
    chart: impl FnOnce(&T) -> charts::Bars,
) -> Result<SvgChart, ServiceError> {
    Ok(match stats {
        None => SvgChart::NotModified(tag, CACHE.to_owned()),
        Some(s) => SvgChart::Ok(
            Binary(drawn(charts::svg(&chart(&s)))?.into_bytes()),
            tag,
            CACHE.to_owned(),
        ),
    })
}

/// The PNG answer: 304 when the client has it (`stats` is then `None`), else the chart drawn.
fn png_of<T>(
    tag: String,
    stats: Option<T>,
    chart: impl FnOnce(&T) -> charts::Bars,
) -> Result<PngChart, ServiceError> {
    Ok(match stats {
        None => PngChart::NotModified(tag, CACHE.to_owned()),
        Some(s) => PngChart::Ok(
            Binary(drawn(charts::png(&chart(&s)))?),
            tag,
            CACHE.to_owned(),
        ),
    })
}

fn drawn<T>(r: Result<T, charts::ChartError>) -> Result<T, ServiceError> {
    r.map_err(|e| ServiceError::Unexpected(Box::new(e)))
}

#[OpenApi(prefix_path = "/api/v1/stats", tag = "ApiTags::Stats")]
impl StatsApi {
    /// Projects and capital by zone, year, nationality or kind of investor
    ///
    /// Projects that hold a certificate (registered or suspended). Needs `stats:read` (or staff).
    #[oai(path = "/projects", method = "get", operation_id = "get_project_stats")]
    async fn projects(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// How to group: `zone` (default), `year`, `nationality`, `investor_kind`.
        by: Query<Option<ProjectDimension>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<ProjectStatsFound, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let by = by.0.unwrap_or(ProjectDimension::Zone);
        let question = format!("projects {by}");
        let (tag, stats) = unless_fresh(&state, &question, if_none_match.0.as_deref(), || {
            project_stats(&state, by)
        })
        .await?;
        Ok(ProjectStatsFound::of(tag, stats))
    }

    /// Occupancy by zone
    ///
    /// Leased industrial and service land over the zone's, for every zone. Needs `stats:read`
    /// (or staff).
    #[oai(
        path = "/occupancy",
        method = "get",
        operation_id = "get_occupancy_stats"
    )]
    async fn occupancy(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<OccupancyFound, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (tag, stats) = unless_fresh(&state, "occupancy", if_none_match.0.as_deref(), || {
            occupancy_stats(&state)
        })
        .await?;
        Ok(OccupancyFound::of(tag, stats))
    }

    /// Certificates issued, adjusted, suspended and revoked by month
    ///
    /// Read off the audit log (a certificate suspended, then revoked, counts in both months).
    /// The window is `from`'s month to `to`'s, by default the twelve months to today; at most 240
    /// months. Needs `stats:read` (or staff).
    #[oai(
        path = "/certificates",
        method = "get",
        operation_id = "get_certificate_stats"
    )]
    async fn certificates(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// First day of the window (its month counts whole).
        from: Query<Option<Lenient<Date>>>,
        /// Last day of the window (its month counts whole).
        to: Query<Option<Lenient<Date>>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<CertificateStatsFound, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (from, to) = window(vietnam_date(state.clock.now()), from.0, to.0)?;
        let question = format!("certificates {from} {to}");
        let (tag, stats) = unless_fresh(&state, &question, if_none_match.0.as_deref(), || {
            certificate_stats(&state, from, to)
        })
        .await?;
        Ok(CertificateStatsFound::of(tag, stats))
    }

    /// Chart of projects (SVG)
    ///
    /// The project statistics as a bar chart: `measure` is the number of projects (default) or
    /// the registered capital in billions of đồng. Needs `stats:read` (or staff).
    #[oai(
        path = "/projects/chart.svg",
        method = "get",
        operation_id = "get_project_chart_svg"
    )]
    async fn projects_svg(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// How to group: `zone` (default), `year`, `nationality`, `investor_kind`.
        by: Query<Option<ProjectDimension>>,
        /// What the bars measure: `projects` (default) or `capital`.
        measure: Query<Option<Measure>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<SvgChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let by = by.0.unwrap_or(ProjectDimension::Zone);
        let measure = measure.0.unwrap_or(Measure::Projects);
        let q = format!("projects.svg {by} {measure:?}");
        let (tag, stats) = unless_fresh(&state, &q, if_none_match.0.as_deref(), || {
            project_stats(&state, by)
        })
        .await?;
        Ok(svg_of(tag, stats, |s| project_chart(s, measure))?)
    }

    /// Chart of projects (PNG)
    ///
    /// The same chart as `/stats/projects/chart.svg`, as a PNG image.
    #[oai(
        path = "/projects/chart.png",
        method = "get",
        operation_id = "get_project_chart_png"
    )]
    async fn projects_png(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// How to group: `zone` (default), `year`, `nationality`, `investor_kind`.
        by: Query<Option<ProjectDimension>>,
        /// What the bars measure: `projects` (default) or `capital`.
        measure: Query<Option<Measure>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<PngChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let by = by.0.unwrap_or(ProjectDimension::Zone);
        let measure = measure.0.unwrap_or(Measure::Projects);
        let q = format!("projects.png {by} {measure:?}");
        let (tag, stats) = unless_fresh(&state, &q, if_none_match.0.as_deref(), || {
            project_stats(&state, by)
        })
        .await?;
        Ok(png_of(tag, stats, |s| project_chart(s, measure))?)
    }

    /// Chart of occupancy (SVG)
    ///
    /// The occupancy rate of every zone as a bar chart. Needs `stats:read` (or staff).
    #[oai(
        path = "/occupancy/chart.svg",
        method = "get",
        operation_id = "get_occupancy_chart_svg"
    )]
    async fn occupancy_svg(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<SvgChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (tag, stats) =
            unless_fresh(&state, "occupancy.svg", if_none_match.0.as_deref(), || {
                occupancy_stats(&state)
            })
            .await?;
        Ok(svg_of(tag, stats, occupancy_chart)?)
    }

    /// Chart of occupancy (PNG)
    ///
    /// The same chart as `/stats/occupancy/chart.svg`, as a PNG image.
    #[oai(
        path = "/occupancy/chart.png",
        method = "get",
        operation_id = "get_occupancy_chart_png"
    )]
    async fn occupancy_png(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<PngChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (tag, stats) =
            unless_fresh(&state, "occupancy.png", if_none_match.0.as_deref(), || {
                occupancy_stats(&state)
            })
            .await?;
        Ok(png_of(tag, stats, occupancy_chart)?)
    }

    /// Chart of certificates by month (SVG)
    ///
    /// Certificates issued, adjusted, suspended and revoked each month, as grouped bars. Needs
    /// `stats:read` (or staff).
    #[oai(
        path = "/certificates/chart.svg",
        method = "get",
        operation_id = "get_certificate_chart_svg"
    )]
    async fn certificates_svg(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// First day of the window (its month counts whole).
        from: Query<Option<Lenient<Date>>>,
        /// Last day of the window (its month counts whole).
        to: Query<Option<Lenient<Date>>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<SvgChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (from, to) = window(vietnam_date(state.clock.now()), from.0, to.0)?;
        let q = format!("certificates.svg {from} {to}");
        let (tag, stats) = unless_fresh(&state, &q, if_none_match.0.as_deref(), || {
            certificate_stats(&state, from, to)
        })
        .await?;
        Ok(svg_of(tag, stats, certificate_chart)?)
    }

    /// Chart of certificates by month (PNG)
    ///
    /// The same chart as `/stats/certificates/chart.svg`, as a PNG image.
    #[oai(
        path = "/certificates/chart.png",
        method = "get",
        operation_id = "get_certificate_chart_png"
    )]
    async fn certificates_png(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// First day of the window (its month counts whole).
        from: Query<Option<Lenient<Date>>>,
        /// Last day of the window (its month counts whole).
        to: Query<Option<Lenient<Date>>>,
        /// An ETag of an earlier answer: 304 when nothing changed.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<PngChart, StatsError> {
        auth.require_scope(Scope::StatsRead)?;
        let (from, to) = window(vietnam_date(state.clock.now()), from.0, to.0)?;
        let q = format!("certificates.png {from} {to}");
        let (tag, stats) = unless_fresh(&state, &q, if_none_match.0.as_deref(), || {
            certificate_stats(&state, from, to)
        })
        .await?;
        Ok(png_of(tag, stats, certificate_chart)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_takes_the_tag_a_list_a_weak_copy_or_a_star_and_nothing_else() {
        let tag = etag(
            7,
            "occupancy",
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        assert!(matches(Some(&tag), &tag));
        assert!(matches(Some(&format!("\"x\", {tag}")), &tag));
        assert!(matches(Some(&format!("W/{tag}")), &tag));
        assert!(matches(Some("*"), &tag));
        assert!(!matches(None, &tag));
        assert!(!matches(Some("\"s6-0000000000000000\""), &tag));
        // The same question another day, or after another event, is another answer.
        assert_ne!(
            tag,
            etag(
                7,
                "occupancy",
                NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
            )
        );
        assert_ne!(
            tag,
            etag(
                8,
                "occupancy",
                NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
            )
        );
    }
}

//! Statistics in the console: the registry's charts (projects and registered capital by zone,
//! year, nationality or kind of investor; occupancy by zone; certificates by month), drawn by the
//! same `charts` module as the API's charts, shown on one page and downloadable as PNG for
//! reports.

use askama::Template;
use chrono::Datelike;
use poem::{
    Request, Response, Route, get, handler,
    http::StatusCode,
    web::{Data, Path},
};

use super::{Chrome, Fields, Staff, file, page};
use crate::{
    charts,
    domain::{stats::ProjectDimension, time::vietnam_date},
    service::{AppState, ServiceError, stats},
};

pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/stats", get(stats_page))
        .at("/console/stats/:chart", get(chart))
}

#[derive(Template)]
#[template(path = "console/stats.html")]
struct StatsPage {
    c: Chrome,
    /// The grouping shown: `zone`, `year`, `nationality`, `investor_kind`.
    by: &'static str,
    /// `(value, label, selected)`.
    groupings: Vec<(&'static str, &'static str, bool)>,
    /// `(file stem, title, grouped by `by`)`.
    charts: Vec<(&'static str, &'static str, bool)>,
}

fn grouping_label(by: ProjectDimension, en: bool) -> &'static str {
    match (by, en) {
        (ProjectDimension::Zone, false) => "Theo khu",
        (ProjectDimension::Zone, true) => "By zone",
        (ProjectDimension::Year, false) => "Theo năm đăng ký",
        (ProjectDimension::Year, true) => "By year of registration",
        (ProjectDimension::Nationality, false) => "Theo quốc tịch nhà đầu tư",
        (ProjectDimension::Nationality, true) => "By investor nationality",
        (ProjectDimension::InvestorKind, false) => "Theo loại nhà đầu tư",
        (ProjectDimension::InvestorKind, true) => "By kind of investor",
    }
}

/// The grouping asked for in `?by=`; by zone when absent or unknown.
fn grouping(req: &Request) -> ProjectDimension {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    Fields::new(query)
        .opt("by")
        .and_then(|b| b.parse().ok())
        .unwrap_or(ProjectDimension::Zone)
}

#[handler]
async fn stats_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let by = grouping(req);
    let c = staff.chrome(&state, "stats");
    let charts = vec![
        ("projects", c.t("Số dự án", "Projects"), true),
        (
            "capital",
            c.t(
                "Vốn đầu tư đăng ký (tỷ đồng)",
                "Registered capital (billion đồng)",
            ),
            true,
        ),
        (
            "occupancy",
            c.t("Tỷ lệ lấp đầy theo khu", "Occupancy by zone"),
            false,
        ),
        (
            "certificates",
            c.t(
                "Giấy chứng nhận 12 tháng gần nhất",
                "Certificates, last twelve months",
            ),
            false,
        ),
    ];
    let p = StatsPage {
        c,
        charts,
        by: by.as_str(),
        groupings: ProjectDimension::ALL
            .iter()
            .map(|d| (d.as_str(), grouping_label(*d, staff.en), *d == by))
            .collect(),
    };
    page(StatusCode::OK, &p)
}

/// `projects.svg`, `capital.png`, `occupancy.svg`, `certificates.png`, …
#[handler]
async fn chart(
    req: &Request,
    staff: Staff,
    state: Data<&AppState>,
    Path(name): Path<String>,
) -> Response {
    match draw(&state, &name, grouping(req)).await {
        Ok((media_type, bytes)) => file(media_type, "inline", &name, bytes),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn draw(
    state: &AppState,
    name: &str,
    by: ProjectDimension,
) -> Result<(&'static str, Vec<u8>), ServiceError> {
    let not_found = || ServiceError::not_found("chart", name);
    let (stem, png) = match name.rsplit_once('.') {
        Some((stem, "svg")) => (stem, false),
        Some((stem, "png")) => (stem, true),
        _ => return Err(not_found()),
    };
    let bars = match stem {
        "projects" | "capital" => {
            let groups: Vec<charts::ProjectBar> = stats::projects(&state.db, by)
                .await?
                .into_iter()
                .map(|g| (g.label, g.group.projects, g.group.registered_capital_vnd))
                .collect();
            let measure = if stem == "capital" {
                charts::Measure::Capital
            } else {
                charts::Measure::Projects
            };
            charts::projects(by.as_str(), measure, &groups)
        }
        "occupancy" => {
            let zones: Vec<(String, Option<f64>)> = stats::occupancy(&state.db)
                .await?
                .into_iter()
                .map(|(z, o)| (z.data.code, o.rate_percent))
                .collect();
            charts::occupancy(&zones)
        }
        "certificates" => {
            // The twelve months to this one.
            let today = vietnam_date(state.clock.now());
            let from = chrono::NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .unwrap_or(today);
            let months: Vec<charts::MonthBars> = stats::certificates(&state.db, from, today)
                .await?
                .into_iter()
                .map(|(m, c)| {
                    (
                        m.format("%Y-%m").to_string(),
                        [c.issued, c.adjusted, c.suspended, c.revoked],
                    )
                })
                .collect();
            charts::certificates(&months)
        }
        _ => return Err(not_found()),
    };
    let drawn = if png {
        charts::png(&bars).map(|b| ("image/png", b))
    } else {
        charts::svg(&bars).map(|s| ("image/svg+xml", s.into_bytes()))
    };
    drawn.map_err(|e| ServiceError::Unexpected(Box::new(e)))
}

//! Registry statistics for agencies and the console: projects and capital by zone, year,
//! nationality and kind of investor; occupancy by zone; certificate events by month.
//!
//! Projects count while they hold a certificate (registered or suspended). Every figure derives
//! from rows that change only with an audit event, so the audit chain's newest sequence number
//! versions them all: [`version`] is what a cached answer's ETag is built from.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{ServiceError, leases::Occupancy};
use crate::{
    db,
    domain::{
        project::{ProjectFilter, ProjectStatus},
        stats::{
            CertificateEvent, InvestorClass, MonthCounts, ProjectDimension, ProjectFacts,
            ProjectGroup, Share, count_by_month, group_projects,
        },
        time::{vietnam_date, vietnam_day_start},
        zone::{Zone, ZoneFilter},
    },
};

/// Rows read per query.
const BATCH: u64 = 500;

/// The audit chain's newest sequence number: every statistic changes only with a new event.
pub async fn version(db: &DatabaseConnection) -> Result<i64, ServiceError> {
    Ok(db::audit::last_seq(db).await?)
}

/// A group of projects with a label for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledGroup {
    /// The figures.
    pub group: ProjectGroup,
    /// The zone's name, the year, the country code, or the kind's Vietnamese name.
    pub label: String,
}

async fn all_zones(db: &DatabaseConnection) -> Result<Vec<Zone>, ServiceError> {
    let filter = ZoneFilter::default();
    let mut zones = Vec::new();
    let mut after = None;
    loop {
        let page = db::zones::list(db, &filter, after, BATCH).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let more = page.len() as u64 == BATCH;
        zones.extend(page);
        if !more {
            break;
        }
    }
    Ok(zones)
}

/// The facts of every project that holds a certificate.
async fn project_facts(db: &DatabaseConnection) -> Result<Vec<ProjectFacts>, ServiceError> {
    let mut facts = Vec::new();
    for status in [ProjectStatus::Registered, ProjectStatus::Suspended] {
        let filter = ProjectFilter {
            status: Some(status),
            ..Default::default()
        };
        let mut after = None;
        loop {
            let page = db::projects::list(db, &filter, after, BATCH).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page
                .iter()
                .flat_map(|p| p.data.investors.iter().map(|c| c.investor_id))
                .collect();
            let investors: HashMap<Uuid, _> = db::investors::find_many(db, &ids)
                .await?
                .into_iter()
                .map(|i| (i.id, i.data))
                .collect();
            for p in &page {
                let shares = p
                    .data
                    .investors
                    .iter()
                    .filter_map(|c| {
                        let i = investors.get(&c.investor_id)?;
                        Some(Share {
                            nationality: i.nationality.clone(),
                            class: InvestorClass::of(i.kind, i.foreign_ownership_bp),
                            capital_vnd: c.capital_vnd,
                        })
                    })
                    .collect();
                facts.push(ProjectFacts {
                    zone_id: p.data.zone_id,
                    year: p
                        .registered_at
                        .map(|t| chrono::Datelike::year(&vietnam_date(t))),
                    total_capital_vnd: p.data.total_capital_vnd,
                    shares,
                });
            }
            if (page.len() as u64) < BATCH {
                break;
            }
        }
    }
    Ok(facts)
}

/// Projects that hold a certificate, grouped by `by`, with labels.
pub async fn projects(
    db: &DatabaseConnection,
    by: ProjectDimension,
) -> Result<Vec<LabelledGroup>, ServiceError> {
    let facts = project_facts(db).await?;
    let names: HashMap<String, String> = if by == ProjectDimension::Zone {
        all_zones(db)
            .await?
            .into_iter()
            .map(|z| (z.id.to_string(), z.data.name))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(group_projects(&facts, by)
        .into_iter()
        .map(|group| {
            let label = match by {
                ProjectDimension::Zone => names
                    .get(&group.key)
                    .cloned()
                    .unwrap_or_else(|| "Ngoài khu kinh tế, khu công nghiệp".to_owned()),
                ProjectDimension::InvestorKind => group
                    .key
                    .parse::<InvestorClass>()
                    .map(|c| c.label_vi().to_owned())
                    .unwrap_or_else(|_| group.key.clone()),
                ProjectDimension::Year | ProjectDimension::Nationality => group.key.clone(),
            };
            LabelledGroup { group, label }
        })
        .collect())
}

/// Every zone with its occupancy, in code order.
pub async fn occupancy(db: &DatabaseConnection) -> Result<Vec<(Zone, Occupancy)>, ServiceError> {
    let mut zones = all_zones(db).await?;
    zones.sort_by(|a, b| a.data.code.cmp(&b.data.code));
    let refs: Vec<&Zone> = zones.iter().collect();
    let mut occ = super::leases::occupancy(db, &refs).await?;
    Ok(zones
        .into_iter()
        .filter_map(|z| occ.remove(&z.id).map(|o| (z, o)))
        .collect())
}

/// Certificates issued, adjusted, suspended and revoked in each month from `from`'s to `to`'s
/// (Vietnamese dates), read off the audit log, so a certificate suspended and later revoked
/// counts in both months.
pub async fn certificates(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, MonthCounts)>, ServiceError> {
    if to < from {
        return Err(ServiceError::BadParameter {
            name: "to",
            message: "must not be before `from`".to_owned(),
        });
    }
    let months = crate::domain::stats::months(from, to);
    if months.len() > 240 {
        return Err(ServiceError::BadParameter {
            name: "to",
            message: "at most 240 months at once".to_owned(),
        });
    }
    let bounds = months.first().copied().and_then(vietnam_day_start).zip(
        months
            .last()
            .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
            .and_then(vietnam_day_start),
    );
    let Some((start, end)) = bounds else {
        return Err(ServiceError::BadParameter {
            name: "from",
            message: "is out of range".to_owned(),
        });
    };
    let rows = db::audit::certificate_events(
        db,
        &[
            "certificate.issue",
            "certificate.suspend",
            "certificate.revoke",
        ],
        &db::audit::format_time(start),
        &db::audit::format_time(end),
    )
    .await?;
    let events: Vec<(NaiveDate, CertificateEvent)> = rows
        .into_iter()
        .filter_map(|(at, action, after)| {
            let day = vietnam_date(chrono::DateTime::parse_from_rfc3339(&at).ok()?.to_utc());
            let event = match action.as_str() {
                "certificate.issue" => {
                    let after: serde_json::Value = serde_json::from_str(after.as_deref()?).ok()?;
                    CertificateEvent::Issued {
                        version: after.get("version")?.as_i64()?,
                    }
                }
                "certificate.suspend" => CertificateEvent::Suspended,
                _ => CertificateEvent::Revoked,
            };
            Some((day, event))
        })
        .collect();
    Ok(count_by_month(&events, from, to))
}

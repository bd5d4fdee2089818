//! Registry statistics: projects and capital by zone, year, nationality and kind of investor, and
//! certificate events by month. Pure functions over facts the service reads.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::{investor::InvestorKind, string_enum};

string_enum! {
    /// How projects are grouped.
    ProjectDimension {
        /// By the zone the project is in (`outside` for projects outside every zone).
        Zone = "zone",
        /// By the year of first registration (Vietnamese calendar).
        Year = "year",
        /// By the nationality of the investors.
        Nationality = "nationality",
        /// By the kind of investor: domestic, foreign, or foreign-invested (a Vietnamese
        /// organisation with foreign ownership).
        InvestorKind = "investor_kind",
    }
}

string_enum! {
    /// The three kinds of investor the Investment Law counts.
    InvestorClass {
        /// Vietnamese individuals and organisations without foreign ownership.
        Domestic = "domestic",
        /// Foreign individuals and organisations.
        Foreign = "foreign",
        /// Organisations established in Viet Nam with foreign ownership (tổ chức kinh tế có vốn
        /// đầu tư nước ngoài).
        ForeignInvested = "foreign_invested",
    }
}

impl InvestorClass {
    /// The class of an investor of `kind` with `foreign_ownership_bp` basis points of foreign
    /// ownership.
    pub fn of(kind: InvestorKind, foreign_ownership_bp: Option<i32>) -> Self {
        match kind {
            InvestorKind::ForeignIndividual | InvestorKind::ForeignOrganization => Self::Foreign,
            InvestorKind::DomesticOrganization if foreign_ownership_bp.unwrap_or(0) > 0 => {
                Self::ForeignInvested
            }
            InvestorKind::DomesticIndividual | InvestorKind::DomesticOrganization => Self::Domestic,
        }
    }

    /// The Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Domestic => "Trong nước",
            Self::Foreign => "Nước ngoài",
            Self::ForeignInvested => "Có vốn đầu tư nước ngoài",
        }
    }
}

/// One investor's part in a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The investor's nationality (ISO 3166-1 alpha-2).
    pub nationality: String,
    /// The investor's class.
    pub class: InvestorClass,
    /// The capital the investor contributes, in đồng.
    pub capital_vnd: i64,
}

/// What the statistics need of a registered project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    /// The zone it is in.
    pub zone_id: Option<Uuid>,
    /// The year of its first registration (Vietnamese calendar).
    pub year: Option<i32>,
    /// Its registered total capital, in đồng.
    pub total_capital_vnd: i64,
    /// Its investors' parts.
    pub shares: Vec<Share>,
}

/// One group of projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectGroup {
    /// The group: a zone id (or `outside`), a year (or `unknown`), a nationality, a class.
    pub key: String,
    /// Projects in the group. By nationality and kind a project with investors of several
    /// groups counts in each.
    pub projects: u64,
    /// The registered total capital of those projects, in đồng.
    pub registered_capital_vnd: i64,
    /// The capital the group's investors contribute, in đồng (by zone and year: all the
    /// projects' contributions). Summed over the groups, this is the contributed capital of all
    /// projects.
    pub contributed_capital_vnd: i64,
}

/// Groups projects by a dimension, groups in key order.
pub fn group_projects(facts: &[ProjectFacts], by: ProjectDimension) -> Vec<ProjectGroup> {
    let mut groups: BTreeMap<String, ProjectGroup> = BTreeMap::new();
    let mut add = |key: String, total: i64, contributed: i64| {
        let g = groups.entry(key.clone()).or_insert(ProjectGroup {
            key,
            projects: 0,
            registered_capital_vnd: 0,
            contributed_capital_vnd: 0,
        });
        g.projects += 1;
        g.registered_capital_vnd += total;
        g.contributed_capital_vnd += contributed;
    };
    for p in facts {
        let all: i64 = p.shares.iter().map(|s| s.capital_vnd).sum();
        match by {
            ProjectDimension::Zone => add(
                p.zone_id.map_or("outside".to_owned(), |z| z.to_string()),
                p.total_capital_vnd,
                all,
            ),
            ProjectDimension::Year => add(
                p.year.map_or("unknown".to_owned(), |y| y.to_string()),
                p.total_capital_vnd,
                all,
            ),
            ProjectDimension::Nationality | ProjectDimension::InvestorKind => {
                let mut parts: BTreeMap<String, i64> = BTreeMap::new();
                for s in &p.shares {
                    let key = if by == ProjectDimension::Nationality {
                        s.nationality.clone()
                    } else {
                        s.class.as_str().to_owned()
                    };
                    *parts.entry(key).or_default() += s.capital_vnd;
                }
                for (key, capital) in parts {
                    add(key, p.total_capital_vnd, capital);
                }
            }
        }
    }
    groups.into_values().collect()
}

/// What happened to certificates in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthCounts {
    /// First certificates issued (version 0).
    pub issued: u64,
    /// Adjusted certificates issued (versions 1 and later).
    pub adjusted: u64,
    /// Certificates suspended.
    pub suspended: u64,
    /// Certificates revoked.
    pub revoked: u64,
}

/// A certificate event for the monthly counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateEvent {
    /// A version was issued; 0 is the first certificate.
    Issued {
        /// The version number.
        version: i64,
    },
    /// A certificate was suspended.
    Suspended,
    /// A certificate was revoked.
    Revoked,
}

/// The first day of each month from `from`'s to `to`'s, inclusive.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = NaiveDate::from_ymd_opt(from.year(), from.month(), 1);
    while let Some(day) = m.filter(|d| *d <= to) {
        out.push(day);
        m = day.checked_add_months(chrono::Months::new(1));
    }
    out
}

/// Counts events (on Vietnamese dates) by month, every month from `from` to `to` present.
pub fn count_by_month(
    events: &[(NaiveDate, CertificateEvent)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, MonthCounts)> {
    let mut counts: BTreeMap<NaiveDate, MonthCounts> = months(from, to)
        .into_iter()
        .map(|m| (m, MonthCounts::default()))
        .collect();
    for (day, event) in events {
        let Some(month) = NaiveDate::from_ymd_opt(day.year(), day.month(), 1) else {
            continue;
        };
        let Some(c) = counts.get_mut(&month) else {
            continue;
        };
        match event {
            CertificateEvent::Issued { version: 0 } => c.issued += 1,
            CertificateEvent::Issued { .. } => c.adjusted += 1,
            CertificateEvent::Suspended => c.suspended += 1,
            CertificateEvent::Revoked => c.revoked += 1,
        }
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(n: &str, class: InvestorClass, capital: i64) -> Share {
        Share {
            nationality: n.to_owned(),
            class,
            capital_vnd: capital,
        }
    }

    #[test]
    fn a_joint_venture_counts_once_per_group_with_its_own_contribution() {
        let zone = Uuid::now_v7();
        let facts = vec![
            ProjectFacts {
                zone_id: Some(zone),
                year: Some(2025),
                total_capital_vnd: 300,
                shares: vec![
                    share("VN", InvestorClass::Domestic, 100),
                    share("KR", InvestorClass::Foreign, 100),
                ],
            },
            ProjectFacts {
                zone_id: None,
                year: Some(2026),
                total_capital_vnd: 50,
                shares: vec![share("VN", InvestorClass::ForeignInvested, 40)],
            },
        ];
        let by_nat = group_projects(&facts, ProjectDimension::Nationality);
        assert_eq!(
            by_nat,
            vec![
                ProjectGroup {
                    key: "KR".into(),
                    projects: 1,
                    registered_capital_vnd: 300,
                    contributed_capital_vnd: 100
                },
                ProjectGroup {
                    key: "VN".into(),
                    projects: 2,
                    registered_capital_vnd: 350,
                    contributed_capital_vnd: 140
                },
            ]
        );
        let by_kind = group_projects(&facts, ProjectDimension::InvestorKind);
        assert_eq!(
            by_kind.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
            ["domestic", "foreign", "foreign_invested"]
        );
        let by_zone = group_projects(&facts, ProjectDimension::Zone);
        assert_eq!(by_zone.len(), 2);
        assert_eq!(
            by_zone
                .iter()
                .map(|g| g.contributed_capital_vnd)
                .sum::<i64>(),
            240
        );
        let by_year = group_projects(&facts, ProjectDimension::Year);
        assert_eq!(by_year[0].key, "2025");
    }

    #[test]
    fn classes_follow_the_investment_law() {
        use InvestorKind::*;
        assert_eq!(
            InvestorClass::of(DomesticIndividual, None),
            InvestorClass::Domestic
        );
        assert_eq!(
            InvestorClass::of(DomesticOrganization, Some(0)),
            InvestorClass::Domestic
        );
        assert_eq!(
            InvestorClass::of(DomesticOrganization, Some(1)),
            InvestorClass::ForeignInvested
        );
        assert_eq!(
            InvestorClass::of(ForeignOrganization, None),
            InvestorClass::Foreign
        );
    }

    #[test]
    fn months_are_counted_in_the_window_with_empty_months_kept() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let events = [
            (d(2026, 1, 31), CertificateEvent::Issued { version: 0 }),
            (d(2026, 3, 1), CertificateEvent::Issued { version: 2 }),
            (d(2026, 3, 2), CertificateEvent::Revoked),
            (d(2026, 3, 3), CertificateEvent::Suspended),
            (d(2025, 12, 31), CertificateEvent::Revoked),
        ];
        let counts = count_by_month(&events, d(2026, 1, 15), d(2026, 3, 31));
        assert_eq!(counts.len(), 3);
        assert_eq!(counts[0].1.issued, 1);
        assert_eq!(counts[1].1, MonthCounts::default());
        assert_eq!(
            counts[2].1,
            MonthCounts {
                issued: 0,
                adjusted: 1,
                suspended: 1,
                revoked: 1
            }
        );
    }
}

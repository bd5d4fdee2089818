//! Bulk import of existing projects: investors, projects with their national codes and paper
//! certificate histories, and their leases, from one NDJSON or CSV file.
//!
//! Every record goes through the rules the create operations apply
//! ([`super::investors::validate_new`], [`super::projects::validate_new`],
//! [`super::leases::check_new_lease`]), plus the rules only a file has (references between its
//! lines, codes repeated in it). Every error of every line is reported, with its line number.
//! A dry run stops there and changes nothing. A commit checks again and writes everything in one
//! transaction, each entity with its audit event (`investor.import`, `project.import`,
//! `lease.import`, so the change feed carries them), or nothing at all.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    Page, ServiceError,
    audit::{lease_json, project_json},
    investors::investor_json,
    leases::{NewLease, check_new_lease, parcel_status},
    record,
    users::require,
};
use crate::{
    db,
    domain::{
        FieldViolation,
        area::Area,
        auth::{ADMINS, Context},
        import::{
            ImportBatch, ImportCounts, ImportFormat, InvestorRecord, LeaseRecord, LineError,
            Located, ProjectRecord, Record, date, optional_date, parse,
        },
        investor::{Document, InvestorData, Representative},
        parcel::{Parcel, ParcelStatus},
        project::{
            Contribution, DurationLimits, Incentive, Milestone, Objective, PaperHistory,
            ProjectData,
        },
        time::{vietnam_date, vietnam_day_start},
        zone::Zone,
    },
};

/// A file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// Its encoding.
    pub format: ImportFormat,
    /// Its name, when known (kept with the batch).
    pub file_name: Option<String>,
    /// Check only; change nothing.
    pub dry_run: bool,
}

/// The stage an import is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Checking records against the rules and the registry.
    Checking,
    /// Writing the records.
    Writing,
}

/// How far an import has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage.
    pub phase: Phase,
    /// Records done in this stage.
    pub done: u64,
    /// Records in this stage.
    pub total: u64,
}

/// Progress is reported every this many records.
const PROGRESS_EVERY: u64 = 500;

/// Records read from the file, by type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    /// Investor records.
    pub investors: u32,
    /// Project records.
    pub projects: u32,
    /// Lease records.
    pub leases: u32,
}

/// What an import found, and did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// True for a dry run.
    pub dry_run: bool,
    /// The file's encoding.
    pub format: ImportFormat,
    /// SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
    /// Lines (NDJSON) or data rows (CSV) read.
    pub lines: u64,
    /// Records read, by type.
    pub records: RecordCounts,
    /// What the import creates (a dry run: would create) when the file is valid.
    pub counts: ImportCounts,
    /// Every error, in line order; empty when the file is valid.
    pub errors: Vec<LineError>,
    /// The committed batch; `None` for a dry run and for a file with errors.
    pub batch: Option<ImportBatch>,
}

impl ImportReport {
    /// True when the file has no error.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Imports a file (admins only): checks every line and reports every error; unless it is a dry
/// run and when nothing is wrong, writes everything in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    ctx: &Context,
    limits: DurationLimits,
    request: ImportRequest<'_>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, ServiceError> {
    require(ctx, ADMINS)?;
    let parsed = parse(request.bytes, request.format);
    let mut report = ImportReport {
        dry_run: request.dry_run,
        format: request.format,
        file_sha256: hex::encode(Sha256::digest(request.bytes)),
        lines: parsed.lines,
        records: RecordCounts::default(),
        counts: ImportCounts::default(),
        errors: parsed.errors,
        batch: None,
    };
    if parsed.records.is_empty() && report.errors.is_empty() {
        report.errors.push(LineError::new(
            1,
            "",
            "empty",
            "Tệp không có bản ghi nào",
            "the file holds no record",
        ));
    }
    for r in &parsed.records {
        match r.record {
            Record::Investor(_) => report.records.investors += 1,
            Record::Project(_) => report.records.projects += 1,
            Record::Lease(_) => report.records.leases += 1,
        }
    }
    let today = vietnam_date(ctx.now);
    if request.dry_run {
        let plan = plan(db, today, limits, &parsed.records, progress).await?;
        finish_report(&mut report, &plan);
        return Ok(report);
    }
    let txn = db::begin_write(db).await?;
    // Checked again inside the transaction that writes, so what was checked is what is written.
    let plan = plan(&txn, today, limits, &parsed.records, progress).await?;
    finish_report(&mut report, &plan);
    if !report.is_valid() {
        return Ok(report);
    }
    let batch = ImportBatch {
        id: Uuid::now_v7(),
        file_name: request.file_name,
        file_sha256: report.file_sha256.clone(),
        format: request.format,
        actor_type: ctx.actor.kind().to_owned(),
        actor_id: ctx.actor.id(),
        actor_name: ctx.actor.name().to_owned(),
        counts: report.counts,
        created_at: ctx.now,
    };
    write(&txn, ctx, &batch, plan, progress).await?;
    txn.commit().await?;
    report.batch = Some(batch);
    Ok(report)
}

fn finish_report(report: &mut ImportReport, plan: &Plan) {
    report.errors.extend(plan.errors.iter().cloned());
    report.errors.sort_by_key(|e| e.line);
    report.counts = ImportCounts {
        investors_created: count(plan.investors.len()),
        investors_matched: plan.matched,
        projects: count(plan.projects.len()),
        projects_with_history: count(plan.projects.iter().filter(|p| p.history.is_some()).count()),
        leases: count(plan.leases.len()),
    };
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One committed import (admins only).
pub async fn get(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
) -> Result<ImportBatch, ServiceError> {
    require(ctx, ADMINS)?;
    db::imports::find(db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("import", id))
}

/// A page of committed imports, newest first (admins only).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Context,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Page<ImportBatch>, ServiceError> {
    require(ctx, ADMINS)?;
    let rows = db::imports::list(db, before, limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |b| b.id))
}

/// An import batch as the audit log records it.
fn import_json(b: &ImportBatch) -> serde_json::Value {
    json!({
        "id": b.id,
        "file_name": b.file_name,
        "file_sha256": b.file_sha256,
        "format": b.format.as_str(),
        "investors_created": b.counts.investors_created,
        "investors_matched": b.counts.investors_matched,
        "projects": b.counts.projects,
        "projects_with_history": b.counts.projects_with_history,
        "leases": b.counts.leases,
    })
}

struct NewInvestor {
    id: Uuid,
    data: InvestorData,
}

struct NewProject {
    id: Uuid,
    code: String,
    data: ProjectData,
    history: Option<(NaiveDate, i32, Option<NaiveDate>)>,
}

struct NewLeaseRow {
    project_id: Uuid,
    parcel_id: Uuid,
    lease: NewLease,
}

/// What a valid file writes, and what is wrong with the file.
#[derive(Default)]
struct Plan {
    investors: Vec<NewInvestor>,
    matched: u32,
    projects: Vec<NewProject>,
    leases: Vec<NewLeaseRow>,
    errors: Vec<LineError>,
}

impl Plan {
    fn reject(&mut self, line: u64, violations: impl IntoIterator<Item = FieldViolation>) {
        self.errors.extend(
            violations
                .into_iter()
                .map(|v| LineError::from_violation(line, v)),
        );
    }
}

/// What a reference of the file stands for.
#[derive(Clone, Copy)]
enum Ref {
    /// An investor (new or matched) with this id.
    Investor(Uuid),
    /// A record whose own line has errors: whatever names it is not reported again.
    Invalid,
}

/// A project of the file, for its leases.
#[derive(Clone)]
struct FileProject {
    /// The project, when its line is valid.
    valid: Option<(Uuid, ProjectData)>,
    /// The zone code its line names.
    zone_code: Option<String>,
}

fn tick(progress: &(dyn Fn(Progress) + Send + Sync), phase: Phase, done: u64, total: u64) {
    if done.is_multiple_of(PROGRESS_EVERY) || done == total {
        progress(Progress { phase, done, total });
    }
}

/// Checks every record against the rules and the registry.
async fn plan(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    limits: DurationLimits,
    records: &[Located],
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Plan, ServiceError> {
    let total = records.len() as u64;
    let mut done = 0;
    let mut plan = Plan::default();

    // Investors first: projects name them.
    let mut refs: HashMap<String, (u64, Ref)> = HashMap::new();
    let mut documents: HashMap<(String, String, String), u64> = HashMap::new();
    for located in records {
        let Record::Investor(r) = &located.record else {
            continue;
        };
        done += 1;
        tick(progress, Phase::Checking, done, total);
        let line = located.line;
        let reference = r.reference.trim().to_owned();
        let mut v = Vec::new();
        if reference.is_empty() {
            v.push(FieldViolation::new(
                "ref",
                "required",
                "give the investor a reference for the projects to name it by",
            ));
        } else if let Some((first, _)) = refs.get(&reference) {
            v.push(FieldViolation::new(
                "ref",
                "duplicate",
                format!("is already used on line {first}"),
            ));
        }
        let data = match investor_data(r) {
            Ok(mut data) => match super::investors::validate_new(&mut data, today) {
                Ok(()) => Some(data),
                Err(errors) => {
                    v.extend(errors);
                    None
                }
            },
            Err(errors) => {
                v.extend(errors);
                None
            }
        };
        let mut state = Ref::Invalid;
        if let Some(data) = data {
            let key = (
                data.document.doc_type.as_str().to_owned(),
                data.document.number.clone(),
                data.nationality.clone(),
            );
            if let Some(first) = documents.get(&key) {
                v.push(FieldViolation::new(
                    "document.number",
                    "duplicate",
                    format!("the same document is the investor of line {first}"),
                ));
            } else {
                documents.insert(key, line);
            }
            if v.is_empty() {
                let existing = db::investors::find_by_document(
                    conn,
                    data.document.doc_type.as_str(),
                    &data.document.number,
                    &data.nationality,
                )
                .await?;
                state = match existing {
                    Some(found) => {
                        plan.matched += 1;
                        Ref::Investor(found.id)
                    }
                    None => {
                        let id = Uuid::now_v7();
                        plan.investors.push(NewInvestor { id, data });
                        Ref::Investor(id)
                    }
                };
            }
        }
        plan.reject(line, v);
        if !reference.is_empty() && !refs.contains_key(&reference) {
            refs.insert(reference, (line, state));
        }
    }

    // Projects.
    let codes: Vec<String> = records
        .iter()
        .filter_map(|l| match &l.record {
            Record::Project(p) => Some(p.project_code.trim().to_owned()),
            _ => None,
        })
        .collect();
    let registered = db::projects::existing_codes(conn, &codes).await?;
    let mut zones: HashMap<String, Option<Zone>> = HashMap::new();
    let mut projects: HashMap<String, (u64, FileProject)> = HashMap::new();
    for located in records {
        let Record::Project(p) = &located.record else {
            continue;
        };
        done += 1;
        tick(progress, Phase::Checking, done, total);
        let line = located.line;
        let code = p.project_code.trim().to_owned();
        let mut v = Vec::new();
        if let Some((first, _)) = projects.get(&code) {
            v.push(FieldViolation::new(
                "project_code",
                "duplicate",
                format!("is already the code of the project on line {first}"),
            ));
        } else if registered.contains(&code) {
            v.push(FieldViolation::new(
                "project_code",
                "already_registered",
                "a project with this code is already in the registry",
            ));
        }
        let zone_code = p.zone_code.as_deref().map(str::trim).map(str::to_owned);
        let zone_id = match &zone_code {
            Some(z) => match zone(conn, &mut zones, z).await? {
                Some(zone) => Some(zone.id),
                None => {
                    v.push(FieldViolation::new(
                        "zone_code",
                        "not_found",
                        format!("no zone has the code {z}"),
                    ));
                    // The duration rule still knows the project is meant to be in a zone.
                    Some(Uuid::nil())
                }
            },
            None => None,
        };
        let mut unresolved = false;
        let data = match project_data(p, zone_id, &refs, &mut unresolved, &mut v) {
            Ok(mut data) => match super::projects::validate_new(Some(&code), &mut data, limits) {
                Ok(()) => Some(data),
                Err(errors) => {
                    v.extend(errors.into_iter().map(|mut e| {
                        // The file names investors by reference, not by id.
                        e.field = e.field.replace(".investor_id", ".ref");
                        e
                    }));
                    None
                }
            },
            Err(errors) => {
                v.extend(errors);
                None
            }
        };
        let history = match &p.certificate_history {
            None => None,
            Some(h) => match paper_history(h, today) {
                Ok(h) => Some(h),
                Err(errors) => {
                    v.extend(errors);
                    None
                }
            },
        };
        let valid = if v.is_empty() && !unresolved {
            data.map(|data| {
                let id = Uuid::now_v7();
                plan.projects.push(NewProject {
                    id,
                    code: code.clone(),
                    data: data.clone(),
                    history,
                });
                (id, data)
            })
        } else {
            None
        };
        plan.reject(line, v);
        projects
            .entry(code)
            .or_insert((line, FileProject { valid, zone_code }));
    }

    // Leases.
    let mut taken: HashMap<Uuid, u64> = HashMap::new();
    for located in records {
        let Record::Lease(l) = &located.record else {
            continue;
        };
        done += 1;
        tick(progress, Phase::Checking, done, total);
        let line = located.line;
        let mut v = Vec::new();
        let code = l.project_code.trim();
        let project = projects.get(code).map(|(_, p)| p.clone());
        if project.is_none() {
            v.push(if registered.contains(code) {
                FieldViolation::new(
                    "project_code",
                    "not_in_file",
                    "the project is already in the registry: lease its land through /api/v1/projects/{id}/leases",
                )
            } else {
                FieldViolation::new(
                    "project_code",
                    "not_found",
                    "no project of this file has this code",
                )
            });
        }
        let zone_code = l
            .zone_code
            .as_deref()
            .map(str::trim)
            .map(str::to_owned)
            .or_else(|| project.as_ref().and_then(|p| p.zone_code.clone()));
        let parcel = match &zone_code {
            None => {
                if project.is_some() {
                    v.push(FieldViolation::new(
                        "zone_code",
                        "required",
                        "give the parcel's zone: the project names none",
                    ));
                }
                None
            }
            Some(z) => match zone(conn, &mut zones, z).await? {
                None => {
                    v.push(FieldViolation::new(
                        "zone_code",
                        "not_found",
                        format!("no zone has the code {z}"),
                    ));
                    None
                }
                Some(zone) => {
                    let lot = l.lot_code.trim();
                    match db::parcels::find_by_lot(conn, zone.id, lot).await? {
                        None => {
                            v.push(FieldViolation::new(
                                "lot_code",
                                "not_found",
                                format!("zone {z} has no parcel {lot}"),
                            ));
                            None
                        }
                        Some(parcel) => Some((zone, parcel)),
                    }
                }
            },
        };
        let new = lease_terms(l).map_err(|errors| v.extend(errors)).ok();
        if let Some((_, parcel)) = &parcel {
            if let Some(first) = taken.get(&parcel.id) {
                v.push(FieldViolation::new(
                    "lot_code",
                    "already_leased",
                    format!("the parcel is already leased on line {first}"),
                ));
            } else {
                taken.insert(parcel.id, line);
                if db::leases::active_for_parcel(conn, parcel.id)
                    .await?
                    .is_some()
                {
                    v.push(FieldViolation::new(
                        "lot_code",
                        "already_leased",
                        "the parcel is leased to another project",
                    ));
                }
            }
        }
        if let (
            Some(FileProject {
                valid: Some((project_id, data)),
                ..
            }),
            Some((zone, parcel)),
            Some(terms),
        ) = (&project, &parcel, new)
        {
            let terms = NewLease {
                parcel_id: parcel.id,
                ..terms
            };
            match lease_rules(data, parcel, zone, &terms) {
                Ok(()) if v.is_empty() => plan.leases.push(NewLeaseRow {
                    project_id: *project_id,
                    parcel_id: parcel.id,
                    lease: terms,
                }),
                Ok(()) => {}
                Err(errors) => v.extend(errors?),
            }
        }
        plan.reject(line, v);
    }
    Ok(plan)
}

/// The lease rules of [`check_new_lease`], with the file's field names.
fn lease_rules(
    data: &ProjectData,
    parcel: &Parcel,
    zone: &Zone,
    terms: &NewLease,
) -> Result<(), Result<Vec<FieldViolation>, ServiceError>> {
    let violations = match check_new_lease(data, parcel, zone, terms) {
        Ok(()) => return Ok(()),
        Err(ServiceError::Validation(v)) => v,
        Err(ServiceError::Conflict { violations, .. }) => violations,
        Err(other) => return Err(Err(other)),
    };
    Err(Ok(violations
        .into_iter()
        .map(|mut v| {
            if v.field == "parcel_id" {
                v.field = "lot_code".to_owned();
            }
            v
        })
        .collect()))
}

async fn zone(
    conn: &impl ConnectionTrait,
    cache: &mut HashMap<String, Option<Zone>>,
    code: &str,
) -> Result<Option<Zone>, ServiceError> {
    if let Some(z) = cache.get(code) {
        return Ok(z.clone());
    }
    let z = db::zones::find_by_code(conn, code).await?;
    cache.insert(code.to_owned(), z.clone());
    Ok(z)
}

fn parse_enum<T: std::str::FromStr<Err = crate::domain::UnknownValue>>(
    field: &str,
    text: &str,
    v: &mut Vec<FieldViolation>,
) -> Option<T> {
    text.trim()
        .parse()
        .map_err(|e: crate::domain::UnknownValue| {
            v.push(FieldViolation::new(field, "invalid_value", e.to_string()));
        })
        .ok()
}

fn ok<T>(result: Result<T, FieldViolation>, v: &mut Vec<FieldViolation>) -> Option<T> {
    result.map_err(|e| v.push(e)).ok()
}

/// Percent with up to two decimals, as basis points.
fn percent_bp(field: &str, text: &str) -> Result<i32, FieldViolation> {
    let percent: f64 = text.trim().parse().map_err(|_| {
        FieldViolation::new(field, "out_of_range", "must be a percentage from 0 to 100")
    })?;
    crate::domain::investor::percent_to_bp(percent)
        .map_err(|why| FieldViolation::new(field, "out_of_range", why))
}

fn investor_data(r: &InvestorRecord) -> Result<InvestorData, Vec<FieldViolation>> {
    let mut v = Vec::new();
    let kind = parse_enum("kind", &r.kind, &mut v);
    let sex = r.sex.as_deref().and_then(|s| parse_enum("sex", s, &mut v));
    let date_of_birth = ok(
        optional_date("date_of_birth", r.date_of_birth.as_ref()),
        &mut v,
    )
    .flatten();
    let doc_type = parse_enum("document.doc_type", &r.document.doc_type, &mut v);
    let issue_date = ok(
        optional_date("document.issue_date", r.document.issue_date.as_ref()),
        &mut v,
    )
    .flatten();
    let representative = match &r.representative {
        None => None,
        Some(rep) => {
            let doc_type = rep
                .doc_type
                .as_deref()
                .and_then(|t| parse_enum("representative.doc_type", t, &mut v));
            Some(Representative {
                name: rep.name.clone(),
                title: rep.title.clone(),
                doc_type,
                doc_number: rep.doc_number.clone(),
            })
        }
    };
    let ownership = r
        .foreign_ownership_percent
        .as_ref()
        .and_then(|p| ok(percent_bp("foreign_ownership_percent", &p.0), &mut v));
    match (kind, doc_type) {
        (Some(kind), Some(doc_type)) if v.is_empty() => Ok(InvestorData {
            kind,
            name: r.name.clone(),
            sex,
            date_of_birth,
            nationality: r.nationality.clone(),
            document: Document {
                doc_type,
                number: r.document.number.clone(),
                issue_date,
                issuer: r.document.issuer.clone(),
            },
            permanent_address: r.permanent_address.clone(),
            current_address: r.current_address.clone(),
            tax_code: r.tax_code.clone(),
            head_office_address: r.head_office_address.clone(),
            representative,
            foreign_ownership_bp: ownership,
            note: r.note.clone(),
        }),
        _ => Err(v),
    }
}

/// The project's data, its investors resolved through the file's references. A reference to an
/// investor whose own line is invalid sets `unresolved` without another error; an unknown one
/// is reported in `ref_errors` and does not keep the rest of the record from being checked.
fn project_data(
    p: &ProjectRecord,
    zone_id: Option<Uuid>,
    refs: &HashMap<String, (u64, Ref)>,
    unresolved: &mut bool,
    ref_errors: &mut Vec<FieldViolation>,
) -> Result<ProjectData, Vec<FieldViolation>> {
    let mut v = Vec::new();
    let mut investors = Vec::new();
    for (i, c) in p.investors.iter().enumerate() {
        let investor_id = match refs.get(c.reference.trim()) {
            Some((_, Ref::Investor(id))) => *id,
            Some((_, Ref::Invalid)) => {
                *unresolved = true;
                Uuid::now_v7()
            }
            None => {
                ref_errors.push(FieldViolation::new(
                    format!("investors[{i}].ref"),
                    "unknown_ref",
                    format!(
                        "no investor of this file has the ref {}",
                        c.reference.trim()
                    ),
                ));
                Uuid::now_v7()
            }
        };
        let capital = ok(
            c.capital_vnd
                .integer(&format!("investors[{i}].capital_vnd")),
            &mut v,
        );
        let form = parse_enum(&format!("investors[{i}].form"), &c.form, &mut v);
        if let (Some(capital_vnd), Some(form)) = (capital, form) {
            investors.push(Contribution {
                investor_id,
                capital_vnd,
                form,
                schedule: c.schedule.clone(),
            });
        }
    }
    let objectives = p
        .objectives
        .iter()
        .map(|o| Objective {
            description: o.description.clone(),
            vsic_code: o.vsic_code.0.clone(),
        })
        .collect();
    let mut milestones = Vec::new();
    for (i, m) in p.milestones.iter().enumerate() {
        if let Some(due_date) = ok(
            date(&format!("milestones[{i}].due_date"), &m.due_date),
            &mut v,
        ) {
            milestones.push(Milestone {
                description: m.description.clone(),
                due_date,
            });
        }
    }
    let incentives = p
        .incentives
        .iter()
        .map(|i| Incentive {
            description: i.description.clone(),
            legal_basis: i.legal_basis.clone(),
            conditions: i.conditions.clone(),
        })
        .collect();
    let total = ok(p.total_capital_vnd.integer("total_capital_vnd"), &mut v);
    let contributed = ok(
        p.contributed_capital_vnd.integer("contributed_capital_vnd"),
        &mut v,
    );
    let mobilized = ok(
        p.mobilized_capital_vnd.integer("mobilized_capital_vnd"),
        &mut v,
    );
    let capital_usd = p
        .capital_usd
        .as_ref()
        .and_then(|n| ok(n.integer("capital_usd"), &mut v));
    let rate = p
        .exchange_rate_vnd_per_usd
        .as_ref()
        .and_then(|n| ok(n.integer("exchange_rate_vnd_per_usd"), &mut v));
    let rate_date = ok(
        optional_date("exchange_rate_date", p.exchange_rate_date.as_ref()),
        &mut v,
    )
    .flatten();
    let duration = ok(p.duration_years.integer("duration_years"), &mut v).and_then(|d| {
        i32::try_from(d)
            .map_err(|_| {
                v.push(FieldViolation::new(
                    "duration_years",
                    "out_of_range",
                    "is not a number of years",
                ))
            })
            .ok()
    });
    match (total, contributed, mobilized, duration) {
        (Some(total), Some(contributed), Some(mobilized), Some(duration)) if v.is_empty() => {
            Ok(ProjectData {
                name_vi: p.name_vi.clone(),
                name_en: p.name_en.clone(),
                zone_id,
                address: p.address.clone(),
                investors,
                objectives,
                scale: p.scale.clone(),
                total_capital_vnd: total,
                contributed_capital_vnd: contributed,
                mobilized_capital_vnd: mobilized,
                capital_usd,
                exchange_rate_vnd_per_usd: rate,
                exchange_rate_date: rate_date,
                duration_years: duration,
                milestones,
                incentives,
                conditions: p.conditions.clone(),
                note: p.note.clone(),
            })
        }
        _ => Err(v),
    }
}

fn paper_history(
    h: &crate::domain::import::HistoryRecord,
    today: NaiveDate,
) -> Result<(NaiveDate, i32, Option<NaiveDate>), Vec<FieldViolation>> {
    let mut v = Vec::new();
    let first = ok(
        date("certificate_history.first_issued_on", &h.first_issued_on),
        &mut v,
    );
    let no = match &h.last_change_no {
        Some(n) => ok(n.integer("certificate_history.last_change_no"), &mut v),
        None => Some(0),
    };
    let last_on = ok(
        optional_date(
            "certificate_history.last_change_on",
            h.last_change_on.as_ref(),
        ),
        &mut v,
    );
    match (first, no, last_on) {
        (Some(first), Some(no), Some(last_on)) if v.is_empty() => {
            PaperHistory::check(first, no, last_on, today)
        }
        _ => Err(v),
    }
}

fn lease_terms(l: &LeaseRecord) -> Result<NewLease, Vec<FieldViolation>> {
    let mut v = Vec::new();
    let area = Area::parse_m2(&l.area_m2.0)
        .map_err(|e| {
            v.push(FieldViolation::new(
                "area_m2",
                "out_of_range",
                e.to_string(),
            ))
        })
        .ok();
    let start = ok(date("start_date", &l.start_date), &mut v);
    let end = ok(date("end_date", &l.end_date), &mut v);
    match (area, start, end) {
        (Some(area), Some(start_date), Some(end_date)) => Ok(NewLease {
            parcel_id: Uuid::nil(),
            area,
            start_date,
            end_date,
        }),
        _ => Err(v),
    }
}

/// Writes a valid plan in the caller's transaction, each entity with its audit event.
async fn write(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    batch: &ImportBatch,
    plan: Plan,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), ServiceError> {
    let total = (plan.investors.len() + plan.projects.len() + plan.leases.len()) as u64;
    let mut done = 0;
    let by: Option<Uuid> = ctx.actor.id().and_then(|s| s.parse().ok());
    let raced = |e: sea_orm::DbErr| {
        if db::is_unique_violation(&e) {
            ServiceError::conflict(
                "the registry changed while the file was being imported (a code, document or parcel was taken meanwhile); nothing was imported: check the file again",
            )
        } else {
            e.into()
        }
    };
    db::imports::insert(conn, batch).await?;
    record(
        conn,
        ctx,
        "import.create",
        "import",
        batch.id,
        None,
        import_json(batch),
    )
    .await?;
    for new in &plan.investors {
        let investor = db::investors::insert(conn, new.id, &new.data, ctx.now)
            .await
            .map_err(raced)?;
        record(
            conn,
            ctx,
            "investor.import",
            "investor",
            investor.id,
            None,
            investor_json(&investor),
        )
        .await?;
        done += 1;
        tick(progress, Phase::Writing, done, total);
    }
    for new in &plan.projects {
        let registered_at = new
            .history
            .and_then(|(first, _, _)| vietnam_day_start(first));
        db::projects::insert_imported(
            conn,
            new.id,
            &new.code,
            &new.data,
            by,
            ctx.now,
            registered_at,
        )
        .await
        .map_err(raced)?;
        if let Some((first_issued_on, last_change_no, last_change_on)) = new.history {
            db::projects::insert_paper_history(
                conn,
                new.id,
                &PaperHistory {
                    first_issued_on,
                    last_change_no,
                    last_change_on,
                    import_id: batch.id,
                },
            )
            .await?;
        }
        let project = db::projects::find(conn, new.id)
            .await?
            .ok_or_else(|| ServiceError::not_found("project", new.id))?;
        record(
            conn,
            ctx,
            "project.import",
            "project",
            project.id,
            None,
            project_json(&project),
        )
        .await?;
        done += 1;
        tick(progress, Phase::Writing, done, total);
    }
    for new in &plan.leases {
        let lease = db::leases::insert(
            conn,
            new.project_id,
            new.parcel_id,
            new.lease.area,
            new.lease.start_date,
            new.lease.end_date,
            ctx.now,
        )
        .await
        .map_err(raced)?;
        parcel_status(conn, ctx, new.parcel_id, ParcelStatus::Leased).await?;
        record(
            conn,
            ctx,
            "lease.import",
            "lease",
            lease.id,
            None,
            lease_json(&lease),
        )
        .await?;
        done += 1;
        tick(progress, Phase::Writing, done, total);
    }
    Ok(())
}

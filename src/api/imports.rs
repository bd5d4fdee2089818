//! `/api/v1/imports`: bulk import of existing projects with their investors, leases and paper
//! certificate histories, from a CSV or NDJSON file (admin only).

use chrono::{DateTime, Utc};
use poem::{FromRequest, Request, RequestBody, web::Data};
use poem_openapi::{
    ApiRequest, ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json, ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{ListError, Problem, ProblemField, ReadError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{Admins, Authorized},
    types::Lenient,
};
use crate::{
    domain::import::{ImportBatch, ImportCounts, ImportFormat},
    service::{
        self, AppState,
        imports::{ImportReport, ImportRequest, RecordCounts},
    },
};

/// Bulk imports.
#[derive(Default)]
pub struct ImportsApi;

/// A request body of raw file bytes of one media type (any parameters, such as `charset`, are
/// accepted): the file is read as UTF-8 by the import itself, which reports a wrong encoding.
macro_rules! file_payload {
    ($(#[$meta:meta])* $name:ident, $media:literal) => {
        $(#[$meta])*
        pub struct $name(pub Vec<u8>);

        impl Payload for $name {
            const CONTENT_TYPE: &'static str = $media;

            fn check_content_type(content_type: &str) -> bool {
                content_type
                    .parse::<mime::Mime>()
                    .is_ok_and(|m| m.essence_str() == $media)
            }

            fn schema_ref() -> MetaSchemaRef {
                <Binary<Vec<u8>> as Payload>::schema_ref()
            }

            fn register(registry: &mut Registry) {
                <Binary<Vec<u8>> as Payload>::register(registry);
            }
        }

        impl ParsePayload for $name {
            const IS_REQUIRED: bool = true;

            async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
                Ok(Self(Vec::<u8>::from_request(request, body).await?))
            }
        }
    };
}

file_payload!(
    /// A CSV file.
    CsvFile,
    "text/csv"
);
file_payload!(
    /// An NDJSON file.
    NdjsonFile,
    "application/x-ndjson"
);

/// The file to import, UTF-8.
#[derive(ApiRequest)]
enum ImportFile {
    /// CSV (RFC 4180): a header row with a `type` column (`investor`, `project`, `lease`) and
    /// the fields of the records as columns, nested ones dotted (`document.number`,
    /// `certificate_history.first_issued_on`), lists as JSON in their cell (`investors`,
    /// `objectives`, `milestones`, `incentives`, `conditions`); empty cells are absent; a
    /// byte-order mark is accepted. Errors name the spreadsheet row (the header is row 1).
    Csv(CsvFile),
    /// NDJSON: one JSON object per line, with `type` and the record's fields. Errors name the
    /// line.
    Ndjson(NdjsonFile),
}

/// Records of the file, by type.
#[derive(Object, Debug)]
#[oai(rename = "ImportRecords")]
pub struct RecordsView {
    /// Investor records.
    investors: u32,
    /// Project records.
    projects: u32,
    /// Lease records.
    leases: u32,
}

impl From<RecordCounts> for RecordsView {
    fn from(c: RecordCounts) -> Self {
        Self {
            investors: c.investors,
            projects: c.projects,
            leases: c.leases,
        }
    }
}

/// What an import creates.
#[derive(Object, Debug)]
#[oai(rename = "ImportCounts")]
pub struct CountsView {
    /// Investors created.
    investors_created: u32,
    /// Investors of the file matched to investors already registered with the same document
    /// (type, number, country): not created again, their projects name them.
    investors_matched: u32,
    /// Projects created.
    projects: u32,
    /// Of them, projects with a paper certificate history: registered, their history kept.
    projects_with_history: u32,
    /// Leases created (their parcels become `leased`).
    leases: u32,
}

impl From<ImportCounts> for CountsView {
    fn from(c: ImportCounts) -> Self {
        Self {
            investors_created: c.investors_created,
            investors_matched: c.investors_matched,
            projects: c.projects,
            projects_with_history: c.projects_with_history,
            leases: c.leases,
        }
    }
}

/// A committed import (đợt nhập dữ liệu).
#[derive(Object, Debug)]
#[oai(rename = "Import", skip_serializing_if_is_none)]
pub struct ImportView {
    /// Identifier; imported projects' `paper_history.import_id` names it.
    id: Uuid,
    /// The file's name, when it was given (`file_name` parameter, or the CLI's file).
    file_name: Option<String>,
    /// SHA-256 of the file's bytes, hex: which file exactly was imported.
    file_sha256: String,
    /// The file's encoding.
    format: ImportFormat,
    /// Who imported it: `user` or `system` (the command line).
    actor_type: String,
    /// The user's id, for users.
    actor_id: Option<String>,
    /// The user's name, or the system's.
    actor_name: String,
    /// What it created.
    counts: CountsView,
    /// When it was committed.
    created_at: DateTime<Utc>,
}

impl From<ImportBatch> for ImportView {
    fn from(b: ImportBatch) -> Self {
        Self {
            id: b.id,
            file_name: b.file_name,
            file_sha256: b.file_sha256,
            format: b.format,
            actor_type: b.actor_type,
            actor_id: b.actor_id,
            actor_name: b.actor_name,
            counts: b.counts.into(),
            created_at: b.created_at,
        }
    }
}

/// The result of checking (and, unless a dry run, importing) a valid file.
#[derive(Object, Debug)]
#[oai(rename = "ImportReport", skip_serializing_if_is_none)]
pub struct ReportView {
    /// True for a dry run: nothing was changed.
    dry_run: bool,
    /// The file's encoding.
    format: ImportFormat,
    /// SHA-256 of the file's bytes, hex.
    file_sha256: String,
    /// Lines (NDJSON) or data rows (CSV) of the file.
    lines: u64,
    /// Records of the file, by type.
    records: RecordsView,
    /// What the import created (a dry run: would create).
    counts: CountsView,
    /// The committed import; absent for a dry run.
    import: Option<ImportView>,
}

impl From<ImportReport> for ReportView {
    fn from(r: ImportReport) -> Self {
        Self {
            dry_run: r.dry_run,
            format: r.format,
            file_sha256: r.file_sha256,
            lines: r.lines,
            records: r.records.into(),
            counts: r.counts.into(),
            import: r.batch.map(Into::into),
        }
    }
}

listed!(
    ImportView,
    name = "ImportList",
    list = "A page of imports.",
    items = "Imports, newest first.",
    cursor = "imports"
);

#[derive(ApiResponse)]
enum Imported {
    /// Dry run: the file is valid; this is what importing it would create. Nothing was changed.
    #[oai(status = 200)]
    Checked(Json<ReportView>),
    /// The file was imported, all of it, in one transaction.
    #[oai(status = 201)]
    Created(
        Json<ReportView>,
        /// Address of the import (`/api/v1/imports/{id}`).
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum ImportFound {
    /// The import.
    #[oai(status = 200)]
    Ok(Json<ImportView>),
}

problem_responses! {
    /// Errors of an import.
    ImportError {
        409 Conflict "The registry changed while the file was being imported (a code, document or parcel was taken meanwhile); nothing was imported: check the file again.",
        413 PayloadTooLarge "The file is larger than the upload limit (`MAX_UPLOAD_BYTES`).",
        415 UnsupportedMediaType "The body is not sent as `text/csv` or `application/x-ndjson`.",
        422 Unprocessable "The file has errors; nothing was changed. `errors` lists every one: its `line` (NDJSON) or spreadsheet row (CSV), `field`, `code` and a message in Vietnamese then English.",
    }
}

/// The problem of a file with errors: every error with its line.
fn invalid_file(report: ImportReport) -> Problem {
    let lines = {
        let mut lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    let mut problem = Problem::new(
        "validation",
        format!(
            "Tệp có {} lỗi trên {lines} dòng; không có gì được thay đổi ({} error(s) on {lines} line(s); nothing was changed)",
            report.errors.len(),
            report.errors.len(),
        ),
    );
    problem.errors = report
        .errors
        .into_iter()
        .map(|e| ProblemField {
            field: e.field,
            code: e.code,
            message: e.message,
            line: Some(e.line),
        })
        .collect();
    problem
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Imports")]
impl ImportsApi {
    /// Import projects from a file (admin)
    ///
    /// Brings existing projects into the registry from one UTF-8 file, CSV (`text/csv`) or NDJSON
    /// (`application/x-ndjson`): investors (`"type": "investor"`, each with a file-local `ref`;
    /// an investor already registered with the same document is matched, not created again),
    /// projects (`"type": "project"`, with their national `project_code`, `zone_code`, the fields
    /// of `POST /projects`, `investors` by `ref`, and `certificate_history`: `first_issued_on`,
    /// `last_change_no`, `last_change_on`) and leases (`"type": "lease"`: `project_code` of a
    /// project of the file, `lot_code` of an existing parcel, optional `zone_code`, `area_m2`,
    /// `start_date`, `end_date`). Every record meets the rules of the create operations.
    ///
    /// With `dry_run=true` the file is only checked. Otherwise it is checked again and imported
    /// in one transaction, all or nothing, each investor, project and lease with its audit event
    /// (`investor.import`, `project.import`, `lease.import`), so the change feed carries them.
    /// A project with a certificate history is imported as registered, its paper history kept
    /// and shown (`paper_history`); its next certificate is change `last_change_no + 1` with the
    /// paper first-issue date. A file with errors changes nothing and is answered 422 with every
    /// error and its line. The body may be as large as `MAX_UPLOAD_BYTES`.
    #[oai(path = "/imports", method = "post", operation_id = "create_import")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Only check the file and report; change nothing.
        #[oai(default)]
        dry_run: Query<bool>,
        /// The file's name, kept with the import (at most 255 characters).
        #[oai(validator(max_length = 255))]
        file_name: Query<Option<String>>,
        body: ImportFile,
    ) -> Result<Imported, ImportError> {
        let ctx = auth.context();
        let (format, bytes) = match body {
            ImportFile::Csv(f) => (ImportFormat::Csv, f.0),
            ImportFile::Ndjson(f) => (ImportFormat::Ndjson, f.0),
        };
        let report = service::imports::import(
            &state.db,
            &ctx,
            state.policy.duration_limits,
            ImportRequest {
                bytes: &bytes,
                format,
                file_name: file_name.0,
                dry_run: dry_run.0,
            },
            &|_| {},
        )
        .await?;
        if !report.is_valid() {
            return Err(invalid_file(report).into());
        }
        match &report.batch {
            Some(batch) => {
                let location = format!("/api/v1/imports/{}", batch.id);
                Ok(Imported::Created(Json(report.into()), location))
            }
            None => Ok(Imported::Checked(Json(report.into()))),
        }
    }

    /// List imports (admin)
    ///
    /// The committed imports, newest first: who, when, which file (name and SHA-256), what they
    /// created.
    #[oai(path = "/imports", method = "get", operation_id = "list_imports")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<ImportView>, ListError> {
        let ctx = auth.context();
        let before = ListPage::<ImportView>::after(cursor.0.as_deref())?;
        let page = service::imports::list(&state.db, &ctx, before, limit.0.get()).await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Read one import (admin)
    #[oai(path = "/imports/:id", method = "get", operation_id = "get_import")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Import id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<ImportFound, ReadError> {
        let ctx = auth.context();
        let batch = service::imports::get(&state.db, &ctx, id.0.param("id")?).await?;
        Ok(ImportFound::Ok(Json(batch.into())))
    }
}

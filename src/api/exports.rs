//! `/api/v1/exports/*.csv`: the lists as spreadsheets, with the lists' filters, streamed page by
//! page as they are read, so an export of any size keeps the server's memory flat.
//!
//! The files are UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese
//! correctly), comma-separated, quoted per RFC 4180, one header row of the JSON field names
//! (nested ones dotted, e.g. `document.number`). A text cell that a spreadsheet would take for a
//! formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a
//! leading apostrophe.

use std::future::Future;

use bytes::Bytes;
use poem::{Body, web::Data};
use poem_openapi::{ApiResponse, OpenApi, param::Query, payload::Binary, types::ToJSON};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    ApiTags,
    dossiers::{ChannelView, StatusView, dossier_filter},
    problem::problem_responses,
    security::{AnyStaff, Authorized, ReaderAuth},
    types::{Date, Lenient},
};
use crate::{
    domain::{
        auth::Scope,
        feed::{FeedEntity, withhold_personal},
        investor::InvestorKind,
        parcel::{LandUse, ParcelFilter, ParcelStatus},
        project::ProjectStatus,
    },
    service::{self, AppState, ServiceError},
};

/// The CSV exports.
#[derive(Default)]
pub struct ExportsApi;

/// Rows read per query.
const BATCH: u64 = 500;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(ApiResponse)]
enum CsvFile {
    /// The CSV file (UTF-8 with a byte-order mark, RFC 4180), streamed as it is read.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<Body>,
        /// `attachment` with a file name.
        #[oai(header = "Content-Disposition")]
        String,
        /// `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of an export.
    ExportError {
        404 NotFound "The zone or project named in the filter does not exist.",
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

/// A text cell as written: neutralised when a spreadsheet would read it as a formula.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The value at a dotted path of a JSON object, as CSV text: strings neutralised, numbers and
/// booleans as JSON writes them, arrays and objects as compact JSON, `null` as an empty cell.
fn field(row: &Value, path: &str) -> String {
    let value = path.split('.').try_fold(row, |v, key| v.get(key));
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => cell(s),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        Some(v) => cell(&v.to_string()),
    }
}

/// Streams a CSV file: the header, then the rows of each page `fetch` reads (the view of each
/// row as JSON, and the id to continue after), until a page says there is no more. A page that
/// fails ends the stream with an error, so the client sees a broken transfer, never a file
/// that merely looks short.
fn stream<F, Fut>(columns: &'static [&'static str], mut fetch: F) -> Body
where
    F: FnMut(Option<Uuid>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<Value>, Option<Uuid>), ServiceError>> + Send,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut out = csv::Writer::from_writer(BOM.to_vec());
        if out.write_record(columns).is_err() {
            return;
        }
        let mut after = None;
        loop {
            let (rows, next) = match fetch(after).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export cut short");
                    let _ = tx
                        .send(Err(std::io::Error::other("export cut short")))
                        .await;
                    return;
                }
            };
            for row in &rows {
                let record: Vec<String> = columns.iter().map(|c| field(row, c)).collect();
                if out.write_record(&record).is_err() {
                    return;
                }
            }
            let chunk = match out.into_inner() {
                Ok(bytes) => bytes,
                Err(_) => return,
            };
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
            out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            match next {
                Some(n) => after = Some(n),
                None => return,
            }
        }
    });
    Body::from_bytes_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

fn file(name: &str, body: Body) -> CsvFile {
    CsvFile::Ok(
        Binary(body),
        format!("attachment; filename=\"{name}\""),
        "no-store".to_owned(),
    )
}

fn json_of<T: ToJSON>(view: &T) -> Value {
    view.to_json().unwrap_or(Value::Null)
}

const INVESTOR_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "name",
    "sex",
    "date_of_birth",
    "nationality",
    "document.doc_type",
    "document.number",
    "document.issue_date",
    "document.issuer",
    "permanent_address",
    "current_address",
    "tax_code",
    "head_office_address",
    "representative.name",
    "representative.title",
    "representative.doc_type",
    "representative.doc_number",
    "foreign_ownership_percent",
    "note",
    "version",
    "created_at",
    "updated_at",
];

const PROJECT_COLUMNS: &[&str] = &[
    "id",
    "project_code",
    "code_source",
    "name_vi",
    "name_en",
    "zone_id",
    "address",
    "investors",
    "total_capital_vnd",
    "contributed_capital_vnd",
    "mobilized_capital_vnd",
    "capital_usd",
    "duration_years",
    "status",
    "registered_at",
    "status_reason",
    "note",
    "version",
    "created_at",
    "updated_at",
];

const PARCEL_COLUMNS: &[&str] = &[
    "id",
    "zone_id",
    "lot_code",
    "area_m2",
    "land_use",
    "status",
    "note",
    "version",
    "created_at",
    "updated_at",
];

const LEASE_COLUMNS: &[&str] = &[
    "id",
    "project_id",
    "parcel_id",
    "area_m2",
    "start_date",
    "end_date",
    "active",
    "released_at",
    "release_reason",
    "created_at",
];

const CERTIFICATE_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "project_id",
    "project_code",
    "version",
    "version_label",
    "status",
    "issued_on",
    "first_issued_on",
    "signer_name",
    "key_id",
    "pdf_sha256",
    "status_reason",
    "status_effective_on",
    "superseded_by",
    "dossier_id",
    "created_at",
];

const DOSSIER_COLUMNS: &[&str] = &[
    "id",
    "receipt_code",
    "procedure_code",
    "channel",
    "status",
    "status_label_vi",
    "applicant.kind",
    "applicant.name",
    "subject",
    "investor_id",
    "project_id",
    "submitted_at",
    "received_at",
    "due_date",
    "promised_date",
    "decided_at",
    "returned_at",
    "overdue",
    "late",
    "late_by_working_days",
    "working_days_left",
    "result_certificate_id",
    "created_at",
];

#[OpenApi(prefix_path = "/api/v1/exports", tag = "ApiTags::Feed")]
impl ExportsApi {
    /// Export investors (CSV)
    ///
    /// The investor list as a spreadsheet, with its filters. Needs `registry:read` (or staff);
    /// individuals' identity numbers, birth dates and addresses, and representatives' identity
    /// numbers, only with `personal:read` (empty cells otherwise).
    #[oai(
        path = "/investors.csv",
        method = "get",
        operation_id = "export_investors"
    )]
    async fn investors(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Words of the name, with or without diacritics.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<InvestorKind>>,
        /// Only this nationality (ISO 3166-1 alpha-2).
        #[oai(validator(max_length = 2))]
        nationality: Query<Option<String>>,
    ) -> Result<CsvFile, ExportError> {
        auth.require_scope(Scope::RegistryRead)?;
        let personal = auth.may_read_personal();
        let filter = super::investors::investor_filter(q.0, kind.0, nationality.0);
        let db = state.db.clone();
        let body = stream(INVESTOR_COLUMNS, move |after| {
            let (db, filter) = (db.clone(), filter.clone());
            async move {
                let page = service::investors::list(&db, &filter, after, BATCH).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|i| {
                        let mut row = json_of(&super::investors::InvestorView::from(i));
                        if !personal {
                            withhold_personal(FeedEntity::Investor, &mut row);
                        }
                        row
                    })
                    .collect();
                Ok((rows, page.next_after))
            }
        });
        Ok(file("nha-dau-tu.csv", body))
    }

    /// Export projects (CSV)
    ///
    /// The project list as a spreadsheet, with its filters; `investors` is the contributions as
    /// JSON. Needs `registry:read` (or staff).
    #[oai(
        path = "/projects.csv",
        method = "get",
        operation_id = "export_projects"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn projects(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Only projects in this zone.
        zone_id: Query<Option<Uuid>>,
        /// Only projects in this status.
        status: Query<Option<ProjectStatus>>,
        /// Only projects of this investor.
        investor_id: Query<Option<Uuid>>,
        /// Only projects with an investor of this nationality (ISO 3166-1 alpha-2).
        #[oai(validator(max_length = 2))]
        nationality: Query<Option<String>>,
        /// Only projects of at least this total capital (VND).
        #[oai(validator(minimum(value = "0")))]
        min_capital_vnd: Query<Option<i64>>,
        /// Only projects of at most this total capital (VND).
        #[oai(validator(minimum(value = "0")))]
        max_capital_vnd: Query<Option<i64>>,
        /// Only projects first registered in this year.
        #[oai(validator(minimum(value = "1990"), maximum(value = "2200")))]
        registration_year: Query<Option<i32>>,
    ) -> Result<CsvFile, ExportError> {
        auth.require_scope(Scope::RegistryRead)?;
        let filter = super::projects::project_filter(
            zone_id.0,
            status.0,
            investor_id.0,
            nationality.0,
            min_capital_vnd.0,
            max_capital_vnd.0,
            registration_year.0,
        );
        let state = (*state).clone();
        let body = stream(PROJECT_COLUMNS, move |after| {
            let (state, filter) = (state.clone(), filter.clone());
            async move {
                let page = service::projects::list(&state.db, &filter, after, BATCH).await?;
                let views = super::projects::views(&state, page.items).await?;
                Ok((views.iter().map(json_of).collect(), page.next_after))
            }
        });
        Ok(file("du-an.csv", body))
    }

    /// Export parcels (CSV)
    ///
    /// Every parcel, or one zone's, as a spreadsheet, with the parcel list's filters; 404 when the
    /// zone does not exist. Needs `registry:read` (or staff).
    #[oai(path = "/parcels.csv", method = "get", operation_id = "export_parcels")]
    async fn parcels(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Only this zone's parcels.
        zone_id: Query<Option<Uuid>>,
        /// Only parcels with this land use.
        land_use: Query<Option<LandUse>>,
        /// Only parcels in this status.
        status: Query<Option<ParcelStatus>>,
    ) -> Result<CsvFile, ExportError> {
        auth.require_scope(Scope::RegistryRead)?;
        let filter = ParcelFilter {
            land_use: land_use.0,
            status: status.0,
        };
        let zone = zone_id.0;
        // The zone is checked before the file starts, so a wrong one is a 404, not an empty file.
        if let Some(z) = zone {
            service::zones::get(&state.db, z).await?;
        }
        let db = state.db.clone();
        let body = stream(PARCEL_COLUMNS, move |after| {
            let (db, filter) = (db.clone(), filter.clone());
            async move {
                let page = service::parcels::page_all(&db, zone, &filter, after, BATCH).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|p| json_of(&super::parcels::ParcelView::from(p)))
                    .collect();
                Ok((rows, page.next_after))
            }
        });
        Ok(file("lo-dat.csv", body))
    }

    /// Export leases (CSV)
    ///
    /// Every lease of land to a project, or one project's. Needs `registry:read` (or staff).
    #[oai(path = "/leases.csv", method = "get", operation_id = "export_leases")]
    async fn leases(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Only this project's leases.
        project_id: Query<Option<Uuid>>,
    ) -> Result<CsvFile, ExportError> {
        auth.require_scope(Scope::RegistryRead)?;
        let project = project_id.0;
        if let Some(p) = project {
            service::projects::get(&state.db, p).await?;
        }
        let db = state.db.clone();
        let body = stream(LEASE_COLUMNS, move |after| {
            let db = db.clone();
            async move {
                let page = service::leases::page_all(&db, project, after, BATCH).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|l| json_of(&super::leases::LeaseView::from(l)))
                    .collect();
                Ok((rows, page.next_after))
            }
        });
        Ok(file("thue-dat.csv", body))
    }

    /// Export certificates (CSV)
    ///
    /// Every certificate version and draft, or one project's, oldest first. Needs
    /// `certificates:read` (or staff).
    #[oai(
        path = "/certificates.csv",
        method = "get",
        operation_id = "export_certificates"
    )]
    async fn certificates(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Only this project's certificates.
        project_id: Query<Option<Uuid>>,
    ) -> Result<CsvFile, ExportError> {
        auth.require_scope(Scope::CertificatesRead)?;
        let project = project_id.0;
        if let Some(p) = project {
            service::projects::get(&state.db, p).await?;
        }
        let state = (*state).clone();
        let body = stream(CERTIFICATE_COLUMNS, move |after| {
            let state = state.clone();
            async move {
                let page =
                    service::certificates::page_all(&state.db, project, after, BATCH).await?;
                let keys = service::keys::statuses(&state.db).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|c| super::certificates::view_with(&state, c, &keys).map(|v| json_of(&v)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((rows, page.next_after))
            }
        });
        Ok(file("giay-chung-nhan.csv", body))
    }

    /// Export dossiers (CSV, staff)
    ///
    /// The dossier list as a spreadsheet, newest first, with its filters and what the dates mean
    /// today.
    #[oai(
        path = "/dossiers.csv",
        method = "get",
        operation_id = "export_dossiers"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn dossiers(
        &self,
        state: Data<&AppState>,
        auth: Authorized<AnyStaff>,
        /// Only this status.
        status: Query<Option<Lenient<StatusView>>>,
        /// Only this procedure.
        #[oai(validator(max_length = 100))]
        procedure: Query<Option<String>>,
        /// `true`: only overdue dossiers; `false`: only the others.
        overdue: Query<Option<bool>>,
        /// Only dossiers whose clock runs and that are due within this many working days
        /// (0: due today or overdue).
        due_within: Query<Option<Lenient<u32>>>,
        /// Received complete on or after this day.
        received_from: Query<Option<Lenient<Date>>>,
        /// Received complete on or before this day.
        received_to: Query<Option<Lenient<Date>>>,
        /// Only this project's.
        project_id: Query<Option<Lenient<Uuid>>>,
        /// Only this channel.
        channel: Query<Option<Lenient<ChannelView>>>,
    ) -> Result<CsvFile, ExportError> {
        let filter = dossier_filter(
            status.0,
            procedure.0,
            overdue.0,
            due_within.0,
            received_from.0,
            received_to.0,
            project_id.0,
            channel.0,
        )?;
        let ctx = auth.context();
        // The filter is checked before the file starts, so a wrong one is a 400, not a cut file.
        service::dossiers::list(&state, &ctx, filter.clone(), None, 1).await?;
        let state = (*state).clone();
        let body = stream(DOSSIER_COLUMNS, move |after| {
            let (state, ctx, filter) = (state.clone(), ctx.clone(), filter.clone());
            async move {
                let page = service::dossiers::list(&state, &ctx, filter, after, BATCH).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|(d, t)| json_of(&super::dossiers::DossierView::build(d, t)))
                    .collect();
                Ok((rows, page.next_after))
            }
        });
        Ok(file("ho-so.csv", body))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formulas_are_neutralised_and_other_text_kept() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("+84 233"), "'+84 233");
        assert_eq!(cell("-1+2"), "'-1+2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("Công ty Ánh Dương"), "Công ty Ánh Dương");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn fields_read_dotted_paths_and_keep_numbers_as_numbers() {
        let row = json!({"a": {"b": "=1"}, "n": -5, "t": true, "z": null, "l": [1, 2]});
        assert_eq!(field(&row, "a.b"), "'=1");
        assert_eq!(field(&row, "n"), "-5");
        assert_eq!(field(&row, "t"), "true");
        assert_eq!(field(&row, "z"), "");
        assert_eq!(field(&row, "missing.x"), "");
        assert_eq!(field(&row, "l"), "[1,2]");
    }
}

#[cfg(test)]
mod stream_tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn pages_are_streamed_in_order_after_one_header_and_a_failure_breaks_the_body() {
        // Three pages of two rows, continuing after the last id of each.
        let ids: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        let pages = ids.clone();
        let body = stream(&["id", "name"], move |after| {
            let pages = pages.clone();
            async move {
                let start = after.map_or(0, |a| pages.iter().position(|x| *x == a).unwrap() + 1);
                let rows: Vec<Value> = pages[start..start + 2]
                    .iter()
                    .map(|id| json!({"id": id, "name": "Nguyễn Thị Ánh"}))
                    .collect();
                let next = (start + 2 < pages.len()).then(|| pages[start + 1]);
                Ok((rows, next))
            }
        });
        let bytes = body.into_vec().await.unwrap();
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id,name");
        assert_eq!(lines.len(), 7);
        for (line, id) in lines[1..].iter().zip(&ids) {
            assert_eq!(*line, format!("{id},Nguyễn Thị Ánh"));
        }

        let failing = stream(&["id"], |_| async {
            Err(ServiceError::Unavailable("gone".to_owned()))
        });
        assert!(failing.into_vec().await.is_err());
    }
}

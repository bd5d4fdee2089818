//! Bulk import files: one record format, two encodings (NDJSON and CSV), read into the same
//! records with the line each came from. Pure: bytes in, records and line errors out; the
//! registry's rules are applied by the service through the same checks the create operations use.
//!
//! A record is an investor, a project (with its national code, zone code, investors by the
//! file's references and its paper certificate history) or a lease (project code, zone and lot
//! code, area, dates):
//!
//! ```text
//! {"type":"investor","ref":"I1","kind":"domestic_organization","name":"Công ty ...", ...}
//! {"type":"project","project_code":"2310001234","zone_code":"KCN-NDH","investors":[{"ref":"I1","capital_vnd":100000000000,"form":"cash"}], ...,
//!  "certificate_history":{"first_issued_on":"2015-03-02","last_change_no":2,"last_change_on":"2021-08-16"}}
//! {"type":"lease","project_code":"2310001234","lot_code":"CN-01","area_m2":5000,"start_date":"2015-04-01","end_date":"2065-03-01"}
//! ```
//!
//! In CSV each record is a row with a `type` column and the union of the fields as columns,
//! nested ones dotted (`document.number`, `certificate_history.first_issued_on`), lists as JSON
//! in their cell (`investors`, `objectives`, ...), as the CSV exports write them. Empty cells are
//! absent; a UTF-8 byte-order mark is accepted, and the apostrophe the exports put before a cell
//! a spreadsheet would read as a formula is removed.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{FieldViolation, string_enum};

string_enum! {
    /// How an import file is encoded.
    ImportFormat {
        /// Comma-separated values with a header row (RFC 4180).
        Csv = "csv",
        /// One JSON object per line.
        Ndjson = "ndjson",
    }
}

impl ImportFormat {
    /// The format a file name's extension names (`.csv`, `.ndjson`, `.jsonl`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "ndjson" | "jsonl" => Some(Self::Ndjson),
            _ => None,
        }
    }

    /// The media type of the format.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Ndjson => "application/x-ndjson",
        }
    }
}

/// A number given as a JSON number or as text (CSV cells are text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Num(pub String);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(Num(n.to_string())),
            Value::String(s) => Ok(Num(s.trim().to_owned())),
            other => Err(serde::de::Error::custom(format!(
                "expected a number, found {other}"
            ))),
        }
    }
}

impl Num {
    /// The whole number, or a violation of `field`.
    pub fn integer(&self, field: &str) -> Result<i64, FieldViolation> {
        self.0
            .parse::<i64>()
            .map_err(|_| FieldViolation::new(field, "not_a_number", "must be a whole number"))
    }
}

/// An identity or establishment document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRecord {
    /// `cccd`, `passport`, `enterprise_code`, ...
    pub doc_type: String,
    /// The number.
    pub number: String,
    /// Date of issue, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    /// Place of issue or issuing body.
    pub issuer: Option<String>,
}

/// An organisation's legal representative.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeRecord {
    /// Full name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Identity document kind.
    pub doc_type: Option<String>,
    /// Identity document number.
    pub doc_number: Option<String>,
}

/// An investor: created, or matched to the investor already registered with the same document
/// (type, number, country). Projects of the file name it by `ref`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestorRecord {
    /// The file's own name for the investor, unique in the file.
    #[serde(rename = "ref")]
    pub reference: String,
    /// `domestic_individual`, `domestic_organization`, `foreign_individual`,
    /// `foreign_organization`.
    pub kind: String,
    /// Full or registered name.
    pub name: String,
    /// Individuals: `male` or `female`.
    pub sex: Option<String>,
    /// Individuals: date of birth.
    pub date_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: String,
    /// The identity or establishment document.
    pub document: DocumentRecord,
    /// Individuals: permanent address.
    pub permanent_address: Option<String>,
    /// Individuals: current address.
    pub current_address: Option<String>,
    /// Tax code.
    pub tax_code: Option<String>,
    /// Organisations: head office.
    pub head_office_address: Option<String>,
    /// Organisations: legal representative.
    pub representative: Option<RepresentativeRecord>,
    /// Organisations: foreign ownership in percent, up to 2 decimals.
    pub foreign_ownership_percent: Option<Num>,
    /// Free note.
    pub note: Option<String>,
}

/// One investor's contribution to a project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionRecord {
    /// The investor's `ref` in the file.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Amount in VND.
    pub capital_vnd: Num,
    /// `cash`, `in_kind` or `cash_and_in_kind`.
    pub form: String,
    /// Schedule of contribution.
    pub schedule: Option<String>,
}

/// An objective.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveRecord {
    /// What the project does.
    pub description: String,
    /// VSIC 2018 code.
    pub vsic_code: Num,
}

/// A milestone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRecord {
    /// What is done by then.
    pub description: String,
    /// By when.
    pub due_date: String,
}

/// An incentive.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncentiveRecord {
    /// The incentive.
    pub description: String,
    /// Its legal basis.
    pub legal_basis: String,
    /// Conditions, if any.
    pub conditions: Option<String>,
}

/// The paper certificate history of a project registered before the registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryRecord {
    /// Date of the first issue.
    pub first_issued_on: String,
    /// Number of the last change; 0 when never changed.
    pub last_change_no: Option<Num>,
    /// Date of the last change.
    pub last_change_on: Option<String>,
}

/// A project with its national code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRecord {
    /// The national project code, 10 digits.
    pub project_code: String,
    /// The code of the zone it lies in (an existing zone), if any.
    pub zone_code: Option<String>,
    /// Name in Vietnamese.
    pub name_vi: String,
    /// Name in English.
    pub name_en: Option<String>,
    /// Address of the site.
    pub address: Option<String>,
    /// Investors by their `ref`, with their contributions.
    pub investors: Vec<ContributionRecord>,
    /// Objectives.
    pub objectives: Vec<ObjectiveRecord>,
    /// Scale.
    pub scale: Option<String>,
    /// Total capital, VND.
    pub total_capital_vnd: Num,
    /// Contributed capital, VND.
    pub contributed_capital_vnd: Num,
    /// Mobilised capital, VND.
    pub mobilized_capital_vnd: Num,
    /// USD equivalent.
    pub capital_usd: Option<Num>,
    /// VND per USD.
    pub exchange_rate_vnd_per_usd: Option<Num>,
    /// Date of the rate.
    pub exchange_rate_date: Option<String>,
    /// Operating duration, years.
    pub duration_years: Num,
    /// Milestones.
    #[serde(default)]
    pub milestones: Vec<MilestoneRecord>,
    /// Incentives.
    #[serde(default)]
    pub incentives: Vec<IncentiveRecord>,
    /// Conditions.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Free note.
    pub note: Option<String>,
    /// The paper certificate history; without it the project is imported in draft.
    pub certificate_history: Option<HistoryRecord>,
}

/// A lease of an existing parcel to a project of the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRecord {
    /// The project's code (a project of the same file).
    pub project_code: String,
    /// The parcel's zone; the project's zone when absent.
    pub zone_code: Option<String>,
    /// The parcel's lot code in its zone.
    pub lot_code: String,
    /// Area leased, m², up to 2 decimals.
    pub area_m2: Num,
    /// First day.
    pub start_date: String,
    /// Last day.
    pub end_date: String,
}

/// One record of a file.
#[derive(Debug, Clone)]
pub enum Record {
    /// An investor.
    Investor(Box<InvestorRecord>),
    /// A project.
    Project(Box<ProjectRecord>),
    /// A lease.
    Lease(LeaseRecord),
}

impl Record {
    /// The record's type as written in the file.
    pub fn type_name(&self) -> &'static str {
        match self {
            Record::Investor(_) => "investor",
            Record::Project(_) => "project",
            Record::Lease(_) => "lease",
        }
    }
}

/// A record and the line it came from (NDJSON: the line; CSV: the spreadsheet row, the header
/// being row 1).
#[derive(Debug, Clone)]
pub struct Located {
    /// Line or row number, from 1.
    pub line: u64,
    /// The record.
    pub record: Record,
}

/// Something wrong on one line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Line (NDJSON) or spreadsheet row (CSV), from 1.
    pub line: u64,
    /// The field at fault, as the file names it (dotted, with list indexes); empty when the
    /// whole line is at fault.
    pub field: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Vietnamese first, then English in brackets.
    pub message: String,
}

impl LineError {
    /// An error of `line` from a field violation, its message put in Vietnamese first.
    pub fn from_violation(line: u64, v: FieldViolation) -> Self {
        let message = bilingual(&v.code, &v.message);
        Self {
            line,
            field: v.field,
            code: v.code,
            message,
        }
    }

    /// An error of `line` with a Vietnamese and an English message.
    pub fn new(line: u64, field: &str, code: &str, vi: &str, en: &str) -> Self {
        Self {
            line,
            field: field.to_owned(),
            code: code.to_owned(),
            message: format!("{vi} ({en})"),
        }
    }
}

/// "Vietnamese (English)": the Vietnamese gist of a violation code before the English message
/// the shared rules give.
pub fn bilingual(code: &str, english: &str) -> String {
    let vi = match code {
        "blank" | "required" => "Thiếu hoặc để trống",
        "too_long" => "Quá dài",
        "control_characters" => "Chứa ký tự điều khiển hoặc ký tự ẩn",
        "out_of_range" => "Giá trị ngoài khoảng cho phép",
        "invalid_format" => "Sai định dạng",
        "invalid_value" => "Giá trị không hợp lệ",
        "not_a_number" => "Không phải là số",
        "not_a_date" => "Không phải ngày hợp lệ (YYYY-MM-DD)",
        "duplicate" => "Bị trùng",
        "sum_mismatch" => "Tổng không khớp",
        "rate_mismatch" => "Quy đổi theo tỷ giá không khớp",
        "incomplete" => "Thiếu thông tin đi kèm",
        "in_future" => "Ngày ở tương lai",
        "before_first_issue" => "Trước ngày cấp lần đầu",
        "without_change" => "Không có lần thay đổi nào",
        "not_found" | "unknown_ref" => "Không tìm thấy",
        "already_registered" => "Đã có trong hệ thống",
        "exceeds_parcel" => "Vượt diện tích lô đất",
        "before_start" => "Ngày kết thúc trước ngày bắt đầu",
        "after_zone_term" => "Vượt thời hạn của khu",
        "exceeds_project_duration" => "Vượt thời hạn hoạt động của dự án",
        "other_zone" => "Lô đất thuộc khu khác",
        "recovered" => "Lô đất đã bị thu hồi",
        "already_leased" => "Lô đất đang được cho thuê",
        "invalid_json" => "Dòng không phải JSON hợp lệ",
        "invalid_record" => "Bản ghi không đúng cấu trúc",
        "unknown_type" => "Loại bản ghi không hợp lệ",
        "unknown_field" => "Trường không được hỗ trợ",
        "not_in_file" => "Không có trong tệp",
        _ => "Không hợp lệ",
    };
    format!("{vi} ({english})")
}

/// Parses a date `YYYY-MM-DD` of `field`.
pub fn date(field: &str, text: &str) -> Result<NaiveDate, FieldViolation> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldViolation::new(field, "not_a_date", "must be a date YYYY-MM-DD"))
}

/// Parses an optional date of `field`.
pub fn optional_date(
    field: &str,
    text: Option<&String>,
) -> Result<Option<NaiveDate>, FieldViolation> {
    text.map(|t| date(field, t)).transpose()
}

/// The records of a file and the errors of the lines that could not be read. Every line is
/// read, so every unreadable line is reported, not only the first.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The records read.
    pub records: Vec<Located>,
    /// The lines that could not be read.
    pub errors: Vec<LineError>,
    /// How many lines (NDJSON) or data rows (CSV) the file holds.
    pub lines: u64,
}

/// Reads a file. The file must be UTF-8; a byte-order mark is accepted.
pub fn parse(bytes: &[u8], format: ImportFormat) -> Parsed {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            return Parsed {
                errors: vec![LineError::new(
                    line,
                    "",
                    "not_utf8",
                    "Tệp không được mã hóa UTF-8",
                    "the file is not UTF-8: save it as UTF-8 (CSV UTF-8 in spreadsheet programs)",
                )],
                ..Parsed::default()
            };
        }
    };
    match format {
        ImportFormat::Ndjson => parse_ndjson(text),
        ImportFormat::Csv => parse_csv(text),
    }
}

fn parse_ndjson(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        out.lines = n;
        match serde_json::from_str::<Value>(line) {
            Ok(value) => push_record(&mut out, n, value),
            Err(e) => out.errors.push(LineError::new(
                n,
                "",
                "invalid_json",
                "Dòng không phải JSON hợp lệ",
                &format!("not a JSON object: {}", strip_position(&e.to_string())),
            )),
        }
    }
    out
}

fn parse_csv(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => {
            out.errors.push(LineError::new(
                1,
                "",
                "invalid_csv",
                "Không đọc được dòng tiêu đề",
                &format!("the header row cannot be read: {e}"),
            ));
            return out;
        }
    };
    if !headers.iter().any(|h| h == "type") {
        out.errors.push(LineError::new(
            1,
            "type",
            "required",
            "Thiếu cột type",
            "the header row has no `type` column",
        ));
        return out;
    }
    for (i, row) in reader.records().enumerate() {
        // The header is row 1 of the spreadsheet.
        let n = i as u64 + 2;
        out.lines = n - 1;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(LineError::new(
                    n,
                    "",
                    "invalid_csv",
                    "Dòng CSV không đọc được",
                    &format!("the row cannot be read: {e}"),
                ));
                continue;
            }
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() > headers.len() {
            out.errors.push(LineError::new(
                n,
                "",
                "invalid_csv",
                "Dòng có nhiều ô hơn dòng tiêu đề",
                &format!(
                    "the row has {} cells, the header {}",
                    row.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let mut object = Map::new();
        let mut bad = false;
        for (column, cell) in headers.iter().zip(row.iter()) {
            if cell.trim().is_empty() {
                continue;
            }
            let value = match cell_value(cell) {
                Ok(v) => v,
                Err(e) => {
                    out.errors.push(LineError::new(
                        n,
                        column,
                        "invalid_json",
                        "Ô danh sách phải là JSON hợp lệ",
                        &format!("a list cell must hold JSON: {}", strip_position(&e)),
                    ));
                    bad = true;
                    continue;
                }
            };
            insert_dotted(&mut object, column, value);
        }
        if !bad {
            push_record(&mut out, n, Value::Object(object));
        }
    }
    out
}

/// A CSV cell as JSON: lists and objects (`[`, `{`) are JSON text, anything else text; the
/// apostrophe an export puts before a would-be formula is removed.
fn cell_value(cell: &str) -> Result<Value, String> {
    let trimmed = cell.trim();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| e.to_string());
    }
    let unquoted = match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    };
    Ok(Value::String(unquoted.to_owned()))
}

/// Puts `value` at a dotted path (`document.number`) of `object`.
fn insert_dotted(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(map) = inner {
                insert_dotted(map, rest, value);
            }
        }
    }
}

/// serde_json's messages end with "at line 1 column 40"; the line is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn push_record(out: &mut Parsed, line: u64, value: Value) {
    let Value::Object(mut object) = value else {
        out.errors.push(LineError::new(
            line,
            "",
            "invalid_json",
            "Dòng phải là một đối tượng JSON",
            "each line must be a JSON object",
        ));
        return;
    };
    let kind = match object.remove("type") {
        Some(Value::String(t)) => t.trim().to_owned(),
        _ => {
            out.errors.push(LineError::new(
                line,
                "type",
                "required",
                "Thiếu loại bản ghi",
                "`type` is required: investor, project or lease",
            ));
            return;
        }
    };
    let value = Value::Object(object);
    let record = match kind.as_str() {
        "investor" => serde_json::from_value(value).map(|i| Record::Investor(Box::new(i))),
        "project" => serde_json::from_value(value).map(|p| Record::Project(Box::new(p))),
        "lease" => serde_json::from_value(value).map(Record::Lease),
        other => {
            out.errors.push(LineError::new(
                line,
                "type",
                "unknown_type",
                "Loại bản ghi không hợp lệ",
                &format!("`{other}` is not investor, project or lease"),
            ));
            return;
        }
    };
    match record {
        Ok(record) => out.records.push(Located { line, record }),
        Err(e) => out.errors.push(shape_error(line, &e.to_string())),
    }
}

/// A record whose shape is wrong: serde names a missing or unknown field in backquotes.
fn shape_error(line: u64, message: &str) -> LineError {
    let message = strip_position(message);
    let field = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"))
        .unwrap_or_default();
    if message.starts_with("missing field") {
        LineError::new(line, field, "required", "Thiếu trường bắt buộc", &message)
    } else if message.starts_with("unknown field") {
        LineError::new(
            line,
            field,
            "unknown_field",
            "Trường không được hỗ trợ",
            &message,
        )
    } else {
        LineError::new(
            line,
            field,
            "invalid_record",
            "Bản ghi không đúng cấu trúc",
            &message,
        )
    }
}

/// What an import holds or created, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Investors created.
    pub investors_created: u32,
    /// Investors of the file matched to investors already registered (same document).
    pub investors_matched: u32,
    /// Projects created.
    pub projects: u32,
    /// Of them, projects with a paper certificate history (imported as registered).
    pub projects_with_history: u32,
    /// Leases created.
    pub leases: u32,
}

/// A committed import, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatch {
    /// Identifier; the paper histories it brought name it.
    pub id: uuid::Uuid,
    /// The file's name, when known.
    pub file_name: Option<String>,
    /// SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
    /// Its encoding.
    pub format: ImportFormat,
    /// `user` or `system`.
    pub actor_type: String,
    /// The user's id, for users.
    pub actor_id: Option<String>,
    /// The user's or system's name.
    pub actor_name: String,
    /// What it created.
    pub counts: ImportCounts,
    /// When it was committed.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_and_csv_read_into_the_same_records() {
        let ndjson = r#"{"type":"investor","ref":"I1","kind":"domestic_organization","name":"Công ty Ánh Dương","nationality":"VN","document":{"doc_type":"enterprise_code","number":"3200123456"}}

{"type":"lease","project_code":"2310001234","lot_code":"CN-01","area_m2":5000.5,"start_date":"2020-01-01","end_date":"2060-01-01"}"#;
        let csv = "\u{feff}type,ref,kind,name,nationality,document.doc_type,document.number,project_code,lot_code,area_m2,start_date,end_date\n\
investor,I1,domestic_organization,Công ty Ánh Dương,VN,enterprise_code,3200123456,,,,,\n\
lease,,,,,,,2310001234,CN-01,5000.5,2020-01-01,2060-01-01\n";
        let a = parse(ndjson.as_bytes(), ImportFormat::Ndjson);
        let b = parse(csv.as_bytes(), ImportFormat::Csv);
        assert!(a.errors.is_empty() && b.errors.is_empty(), "{a:?} {b:?}");
        assert_eq!(a.records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
        for parsed in [a, b] {
            let Record::Investor(i) = &parsed.records[0].record else {
                panic!("not an investor")
            };
            assert_eq!(i.name, "Công ty Ánh Dương");
            assert_eq!(i.document.number, "3200123456");
            let Record::Lease(l) = &parsed.records[1].record else {
                panic!("not a lease")
            };
            assert_eq!(l.area_m2, Num("5000.5".into()));
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "{\"type\":\"investor\"}\nnot json\n{\"type\":\"parcel\"}\n{\"type\":\"lease\",\"project_code\":\"1\",\"lot_code\":\"A\",\"area_m2\":1,\"start_date\":\"x\",\"end_date\":\"y\",\"colour\":\"red\"}\n";
        let parsed = parse(text.as_bytes(), ImportFormat::Ndjson);
        let got: Vec<(u64, &str, &str)> = parsed
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "ref", "required"),
                (2, "", "invalid_json"),
                (3, "type", "unknown_type"),
                (4, "colour", "unknown_field"),
            ]
        );
        assert!(parsed.errors[0].message.starts_with("Thiếu"));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_its_line() {
        let parsed = parse(b"{}\n{\"a\":\"\xff\"}", ImportFormat::Ndjson);
        assert_eq!(parsed.errors[0].line, 2);
        assert_eq!(parsed.errors[0].code, "not_utf8");
    }

    #[test]
    fn the_format_follows_the_extension() {
        assert_eq!(
            ImportFormat::from_file_name("du-an.CSV"),
            Some(ImportFormat::Csv)
        );
        assert_eq!(
            ImportFormat::from_file_name("a.jsonl"),
            Some(ImportFormat::Ndjson)
        );
        assert_eq!(ImportFormat::from_file_name("a.xlsx"), None);
    }
}

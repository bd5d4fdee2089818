//! `/api/v1/investors`: individuals and organisations that invest.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    types::{Example, MaybeUndefined},
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{CreateError, ListError, ReadError, UpdateError},
    resource::{Created, Found, ListPage, Listing, PageSize, listed, resource},
    security::{Authorized, Editors, ReaderAuth},
    types::{Clearable, Date, Lenient, Percent, json_example, take_optional, take_patch},
};
use crate::{
    domain::{
        FieldViolation, Violations,
        auth::Scope,
        investor::{
            DocType, Document, Investor, InvestorData, InvestorFilter, InvestorKind, InvestorPatch,
            Representative, Sex,
        },
    },
    service::{self, AppState, ServiceError},
};

/// Investors.
#[derive(Default)]
pub struct InvestorsApi;

/// An identity document (individuals) or establishment document (organisations).
#[derive(Object, Debug, Clone)]
#[oai(rename = "InvestorDocument", skip_serializing_if_is_none)]
pub struct DocumentView {
    /// Kind of document.
    doc_type: DocType,
    /// Number: CCCD 12 digits; enterprise code 10 digits or 10-3. An individual's is absent for
    /// an agency key without `personal:read`.
    number: Option<String>,
    /// Date of issue.
    issue_date: Option<Date>,
    /// Place of issue or issuing body.
    issuer: Option<String>,
}

/// An organisation's legal representative.
#[derive(Object, Debug, Clone)]
#[oai(rename = "LegalRepresentative", skip_serializing_if_is_none)]
pub struct RepresentativeView {
    /// Full name.
    name: String,
    /// Title, e.g. "Tổng Giám đốc".
    title: String,
    /// Identity document kind.
    doc_type: Option<DocType>,
    /// Identity document number.
    doc_number: Option<String>,
}

/// An investor (nhà đầu tư).
#[derive(Object, Debug)]
#[oai(rename = "Investor", example, skip_serializing_if_is_none)]
pub struct InvestorView {
    /// Identifier.
    id: Uuid,
    /// Kind of investor.
    kind: InvestorKind,
    /// Full name (individuals) or registered name (organisations).
    name: String,
    /// Individuals: sex.
    sex: Option<Sex>,
    /// Individuals: date of birth.
    date_of_birth: Option<Date>,
    /// Nationality or country of establishment, ISO 3166-1 alpha-2.
    nationality: String,
    /// Identity or establishment document.
    document: DocumentView,
    /// Individuals: permanent address.
    permanent_address: Option<String>,
    /// Individuals: current address.
    current_address: Option<String>,
    /// Tax code.
    tax_code: Option<String>,
    /// Organisations: head office address.
    head_office_address: Option<String>,
    /// Organisations: legal representative.
    representative: Option<RepresentativeView>,
    /// Organisations established in Viet Nam: foreign ownership in percent.
    foreign_ownership_percent: Option<Percent>,
    /// Derived: the investor follows the foreign-investor procedure (Law on Investment Art. 23:
    /// foreign investors, and organisations more than 50 % foreign-owned).
    foreign_investor_procedure: bool,
    /// Free note.
    note: Option<String>,
    /// Row version; the ETag is this number in quotes.
    version: i32,
    /// When registered here.
    created_at: DateTime<Utc>,
    /// When last changed.
    updated_at: DateTime<Utc>,
}

/// The filter of the investor list and its export, from their query parameters.
pub(crate) fn investor_filter(
    q: Option<String>,
    kind: Option<InvestorKind>,
    nationality: Option<String>,
) -> InvestorFilter {
    InvestorFilter {
        q,
        kind,
        nationality: nationality.map(|n| n.to_ascii_uppercase()),
    }
}

impl From<Investor> for InvestorView {
    fn from(i: Investor) -> Self {
        let procedure = i.data.foreign_investor_procedure();
        let d = i.data;
        Self {
            id: i.id,
            kind: d.kind,
            name: d.name,
            sex: d.sex,
            date_of_birth: d.date_of_birth.map(Date),
            nationality: d.nationality,
            document: DocumentView {
                doc_type: d.document.doc_type,
                number: Some(d.document.number),
                issue_date: d.document.issue_date.map(Date),
                issuer: d.document.issuer,
            },
            permanent_address: d.permanent_address,
            current_address: d.current_address,
            tax_code: d.tax_code,
            head_office_address: d.head_office_address,
            representative: d.representative.map(|r| RepresentativeView {
                name: r.name,
                title: r.title,
                doc_type: r.doc_type,
                doc_number: r.doc_number,
            }),
            foreign_ownership_percent: d.foreign_ownership_bp.map(Percent),
            foreign_investor_procedure: procedure,
            note: d.note,
            version: i.version,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

impl InvestorView {
    /// What an agency key without `personal:read` may see: an individual's birth date, identity
    /// document (number, date and place of issue) and addresses, and an organisation's
    /// representative's identity number, are left out, as in the feed and the exports.
    fn for_reader(mut self, personal: bool) -> Self {
        if personal {
            return self;
        }
        if self.kind.is_individual() {
            self.date_of_birth = None;
            self.permanent_address = None;
            self.current_address = None;
            self.document.number = None;
            self.document.issue_date = None;
            self.document.issuer = None;
        }
        if let Some(r) = &mut self.representative {
            r.doc_number = None;
        }
        self
    }
}

impl Example for InvestorView {
    fn example() -> Self {
        let now = DateTime::parse_from_rfc3339("2026-11-02T03:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        Investor {
            id: Uuid::from_u128(0x019a_4c5e_0000_7000_8000_0000_0000_0001),
            data: example_company(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
        .into()
    }
}

fn example_company() -> InvestorData {
    InvestorData {
        kind: InvestorKind::DomesticOrganization,
        name: "Công ty Cổ phần Điện tử Ánh Dương".to_owned(),
        sex: None,
        date_of_birth: None,
        nationality: "VN".to_owned(),
        document: Document {
            doc_type: DocType::EnterpriseCode,
            number: "3200123456".to_owned(),
            issue_date: chrono::NaiveDate::from_ymd_opt(2015, 6, 1),
            issuer: Some("Sở Kế hoạch và Đầu tư tỉnh Quảng Trị".to_owned()),
        },
        permanent_address: None,
        current_address: None,
        tax_code: Some("3200123456".to_owned()),
        head_office_address: Some("Số 10 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị".to_owned()),
        representative: Some(Representative {
            name: "Nguyễn Văn An".to_owned(),
            title: "Giám đốc".to_owned(),
            doc_type: Some(DocType::Cccd),
            doc_number: Some("045089001234".to_owned()),
        }),
        foreign_ownership_bp: Some(0),
        note: None,
    }
}

/// An identity or establishment document, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "InvestorDocumentInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct DocumentBody {
    /// Kind of document.
    doc_type: Lenient<DocType>,
    /// Number: CCCD 12 digits; enterprise code 10 digits, or 13 (10-3) for a dependent unit.
    number: Lenient<String>,
    /// Date of issue.
    issue_date: Option<Lenient<Date>>,
    /// Place of issue or issuing body.
    issuer: Option<Lenient<String>>,
}

impl DocumentBody {
    fn take(self, prefix: &str, v: &mut Violations) -> Option<Document> {
        let doc_type = self.doc_type.take(&format!("{prefix}.doc_type"), v);
        let number = self.number.take(&format!("{prefix}.number"), v);
        let issue_date = take_optional(&format!("{prefix}.issue_date"), self.issue_date, v);
        let issuer = take_optional(&format!("{prefix}.issuer"), self.issuer, v);
        Some(Document {
            doc_type: doc_type?,
            number: number?,
            issue_date: issue_date.map(|d| d.0),
            issuer,
        })
    }
}

/// A legal representative, as sent.
#[derive(Object, Debug)]
#[oai(
    rename = "LegalRepresentativeInput",
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct RepresentativeBody {
    /// Full name.
    name: Lenient<String>,
    /// Title, e.g. "Tổng Giám đốc".
    title: Lenient<String>,
    /// Identity document kind.
    doc_type: Option<Lenient<DocType>>,
    /// Identity document number.
    doc_number: Option<Lenient<String>>,
}

impl RepresentativeBody {
    fn take(self, v: &mut Violations) -> Option<Representative> {
        let name = self.name.take("representative.name", v);
        let title = self.title.take("representative.title", v);
        let doc_type = take_optional("representative.doc_type", self.doc_type, v);
        let doc_number = take_optional("representative.doc_number", self.doc_number, v);
        Some(Representative {
            name: name?,
            title: title?,
            doc_type,
            doc_number,
        })
    }
}

/// A new investor. Individuals give sex, date of birth, addresses and an identity document;
/// organisations give an establishment document, head office, legal representative and foreign
/// ownership.
#[derive(Object, Debug)]
#[oai(
    rename = "InvestorCreate",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct InvestorCreate {
    /// Kind of investor.
    kind: Lenient<InvestorKind>,
    /// Full name or registered name.
    #[oai(validator(min_length = 1, max_length = 255))]
    name: Lenient<String>,
    /// Individuals: sex.
    sex: Option<Lenient<Sex>>,
    /// Individuals: date of birth.
    date_of_birth: Option<Lenient<Date>>,
    /// Nationality or country of establishment, ISO 3166-1 alpha-2 (e.g. VN, JP, KR).
    nationality: Lenient<String>,
    /// Identity or establishment document.
    document: Lenient<DocumentBody>,
    /// Individuals: permanent address.
    permanent_address: Option<Lenient<String>>,
    /// Individuals: current address.
    current_address: Option<Lenient<String>>,
    /// Tax code (10 digits or 10-3).
    tax_code: Option<Lenient<String>>,
    /// Organisations: head office address.
    head_office_address: Option<Lenient<String>>,
    /// Organisations: legal representative.
    representative: Option<Lenient<RepresentativeBody>>,
    /// Organisations established in Viet Nam: foreign ownership in percent (0-100).
    foreign_ownership_percent: Option<Lenient<Percent>>,
    /// Free note.
    note: Option<Lenient<String>>,
}

impl InvestorCreate {
    fn into_domain(self) -> Result<InvestorData, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let kind = self.kind.take("kind", &mut v);
        let name = self.name.take("name", &mut v);
        let sex = take_optional("sex", self.sex, &mut v);
        let dob = take_optional("date_of_birth", self.date_of_birth, &mut v);
        let nationality = self.nationality.take("nationality", &mut v);
        let document = self
            .document
            .take("document", &mut v)
            .and_then(|d| d.take("document", &mut v));
        let permanent_address = take_optional("permanent_address", self.permanent_address, &mut v);
        let current_address = take_optional("current_address", self.current_address, &mut v);
        let tax_code = take_optional("tax_code", self.tax_code, &mut v);
        let head_office_address =
            take_optional("head_office_address", self.head_office_address, &mut v);
        let representative = take_optional("representative", self.representative, &mut v)
            .and_then(|r| r.take(&mut v));
        let ownership = take_optional(
            "foreign_ownership_percent",
            self.foreign_ownership_percent,
            &mut v,
        );
        let note = take_optional("note", self.note, &mut v);
        match (kind, name, nationality, document) {
            (Some(kind), Some(name), Some(nationality), Some(document)) if v.is_empty() => {
                Ok(InvestorData {
                    kind,
                    name,
                    sex,
                    date_of_birth: dob.map(|d| d.0),
                    nationality,
                    document,
                    permanent_address,
                    current_address,
                    tax_code,
                    head_office_address,
                    representative,
                    foreign_ownership_bp: ownership.map(|p| p.0),
                    note,
                })
            }
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
}

json_example!(InvestorCreate, {
    "kind": "domestic_organization",
    "name": "Công ty Cổ phần Điện tử Ánh Dương",
    "sex": null,
    "date_of_birth": null,
    "nationality": "VN",
    "document": {
        "doc_type": "enterprise_code",
        "number": "3200123456",
        "issue_date": "2015-06-01",
        "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"
    },
    "permanent_address": null,
    "current_address": null,
    "tax_code": "3200123456",
    "head_office_address": "Số 10 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
    "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc", "doc_type": "cccd", "doc_number": "045089001234"},
    "foreign_ownership_percent": 0,
    "note": "Hồ sơ số 12/2026"
});

/// Changes to an investor: send only what changes; `null` clears an optional field. `document`
/// and `representative` are replaced whole.
#[derive(Object, Debug)]
#[oai(
    rename = "InvestorPatch",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct InvestorPatchBody {
    /// New kind.
    kind: MaybeUndefined<Lenient<InvestorKind>>,
    /// New name.
    #[oai(validator(min_length = 1, max_length = 255))]
    name: MaybeUndefined<Lenient<String>>,
    /// New sex, or `null`.
    sex: Clearable<Sex>,
    /// New date of birth, or `null`.
    date_of_birth: Clearable<Date>,
    /// New nationality.
    nationality: MaybeUndefined<Lenient<String>>,
    /// New document (whole).
    document: MaybeUndefined<Lenient<DocumentBody>>,
    /// New permanent address, or `null`.
    permanent_address: Clearable<String>,
    /// New current address, or `null`.
    current_address: Clearable<String>,
    /// New tax code, or `null`.
    tax_code: Clearable<String>,
    /// New head office address, or `null`.
    head_office_address: Clearable<String>,
    /// New legal representative (whole), or `null`.
    representative: Clearable<RepresentativeBody>,
    /// New foreign ownership percent, or `null`.
    foreign_ownership_percent: Clearable<Percent>,
    /// New note, or `null`.
    note: Clearable<String>,
}

super::types::json_example!(InvestorPatchBody, {"head_office_address": "Số 12 đường Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị", "note": null});

impl InvestorPatchBody {
    fn into_domain(self) -> Result<InvestorPatch, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let kind = take_patch("kind", self.kind, &mut v).flatten();
        let name = take_patch("name", self.name, &mut v).flatten();
        let sex = take_patch("sex", self.sex, &mut v);
        let dob = take_patch("date_of_birth", self.date_of_birth, &mut v);
        let nationality = take_patch("nationality", self.nationality, &mut v).flatten();
        let document = take_patch("document", self.document, &mut v)
            .flatten()
            .and_then(|d| d.take("document", &mut v));
        let permanent_address = take_patch("permanent_address", self.permanent_address, &mut v);
        let current_address = take_patch("current_address", self.current_address, &mut v);
        let tax_code = take_patch("tax_code", self.tax_code, &mut v);
        let head_office_address =
            take_patch("head_office_address", self.head_office_address, &mut v);
        let representative = match take_patch("representative", self.representative, &mut v) {
            Some(Some(r)) => r.take(&mut v).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let ownership = take_patch(
            "foreign_ownership_percent",
            self.foreign_ownership_percent,
            &mut v,
        );
        let note = take_patch("note", self.note, &mut v);
        v.finish()?;
        Ok(InvestorPatch {
            kind,
            name,
            sex,
            date_of_birth: dob.map(|o| o.map(|d| d.0)),
            nationality,
            document,
            permanent_address,
            current_address,
            tax_code,
            head_office_address,
            representative,
            foreign_ownership_bp: ownership.map(|o| o.map(|p| p.0)),
            note,
        })
    }
}

resource!(
    InvestorView,
    collection = "/api/v1/investors",
    found = "The investor.",
    created = "The investor was registered.",
    location = "Address of the new investor."
);
listed!(
    InvestorView,
    name = "InvestorList",
    list = "A page of investors.",
    items = "Investors, oldest first.",
    cursor = "investors"
);

fn found(investor: Investor) -> Found<InvestorView> {
    let version = investor.version;
    Found::new(investor.into(), version)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Investors")]
impl InvestorsApi {
    /// List investors
    ///
    /// Search by name ignores Vietnamese diacritics and case: `q=cong ty dien tu anh duong` finds
    /// "Công ty Điện tử Ánh Dương". Filter by kind and nationality.
    #[oai(path = "/investors", method = "get", operation_id = "list_investors")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
        /// Words of the name, with or without diacritics.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<InvestorKind>>,
        /// Only this nationality (ISO 3166-1 alpha-2).
        #[oai(validator(max_length = 2))]
        nationality: Query<Option<String>>,
    ) -> Result<Listing<InvestorView>, ListError> {
        auth.require_scope(Scope::RegistryRead)?;
        let after = ListPage::<InvestorView>::after(cursor.0.as_deref())?;
        let filter = investor_filter(q.0, kind.0, nationality.0);
        let page = service::investors::list(&state.db, &filter, after, limit.0.get()).await?;
        let personal = auth.may_read_personal();
        Ok(Listing(ListPage::of(page, |i| {
            InvestorView::from(i).for_reader(personal)
        })))
    }

    /// Register an investor
    ///
    /// The same document (type, number, country) cannot be registered twice: 409 with the existing
    /// investor's id in `existing_id`.
    #[oai(path = "/investors", method = "post", operation_id = "create_investor")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        body: super::body::Body<InvestorCreate>,
    ) -> Result<Created<InvestorView>, CreateError> {
        let ctx = auth.context();
        let data = body.0.into_domain().map_err(ServiceError::Validation)?;
        let investor = service::investors::create(&state.db, &ctx, data).await?;
        let (id, version) = (investor.id, investor.version);
        Ok(Created::new(investor.into(), id, version))
    }

    /// Get an investor
    #[oai(path = "/investors/:id", method = "get", operation_id = "get_investor")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Investor id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<Found<InvestorView>, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        let investor = service::investors::get(&state.db, id.0.param("id")?).await?;
        let version = investor.version;
        Ok(Found::new(
            InvestorView::from(investor).for_reader(auth.may_read_personal()),
            version,
        ))
    }

    /// Change an investor
    ///
    /// Send the ETag you read in `If-Match`; a stale one gets 412 and changes nothing.
    #[oai(
        path = "/investors/:id",
        method = "patch",
        operation_id = "update_investor"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Investor id.
        id: Path<Lenient<Uuid>>,
        /// The ETag of the version you read (or `*`).
        #[oai(name = "If-Match")]
        if_match: Header<super::IfMatch>,
        body: super::body::Body<InvestorPatchBody>,
    ) -> Result<Found<InvestorView>, UpdateError> {
        let ctx = auth.context();
        let precondition = if_match.0.0;
        let patch = body.0.into_domain().map_err(ServiceError::Validation)?;
        let investor =
            service::investors::update(&state.db, &ctx, id.0.param("id")?, &precondition, patch)
                .await?;
        Ok(found(investor))
    }
}

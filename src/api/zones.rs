//! `/api/v1/zones`: industrial parks and economic zones.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
    types::MaybeUndefined,
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{CreateError, ListError, ReadError, UpdateError},
    resource::{Created, Found, ListPage, Listing, PageSize, listed, resource},
    security::{Authorized, Editors, ReaderAuth},
    types::{AreaM2, Clearable, Date, Lenient, take_optional, take_patch},
};
use crate::{
    domain::{
        Violations,
        auth::Scope,
        zone::{Zone, ZoneData, ZoneFilter, ZoneKind, ZonePatch, ZoneStatus},
    },
    service::{self, AppState, ServiceError, leases::Occupancy},
};

/// Zones (KCN, KKT) of the management board.
#[derive(Default)]
pub struct ZonesApi;

/// An industrial park (khu công nghiệp) or economic zone (khu kinh tế).
#[derive(Object, Debug)]
#[oai(rename = "Zone", example, skip_serializing_if_is_none)]
pub struct ZoneView {
    /// Identifier.
    id: Uuid,
    /// Short stable code, upper case, e.g. `KCN-NDH`.
    code: String,
    /// Official name in Vietnamese, e.g. "Khu công nghiệp Nam Đông Hà".
    name: String,
    /// Kind of zone.
    kind: ZoneKind,
    /// Province, e.g. "Quảng Trị".
    province: String,
    /// The economic zone this park lies in, if any.
    parent_id: Option<Uuid>,
    /// Total planned area in m².
    total_area_m2: AreaM2,
    /// Total planned area in hectares (derived from `total_area_m2`).
    total_area_ha: f64,
    /// Industrial plus service land in m², the denominator of the occupancy rate.
    industrial_service_area_m2: Option<AreaM2>,
    /// Infrastructure developer (chủ đầu tư hạ tầng).
    developer: Option<String>,
    /// First day of the operating term.
    term_start: Option<Date>,
    /// Last day of the operating term.
    term_end: Option<Date>,
    /// Life-cycle status.
    status: ZoneStatus,
    /// When the published figures were true: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    figures_as_of: Option<String>,
    /// Where the figures come from (decision number, publication).
    source: Option<String>,
    /// Occupancy rate (Decree 35/2022), computed live from leases.
    occupancy: OccupancyView,
    /// Row version; the ETag is this number in quotes.
    version: i32,
    /// When the zone was registered here.
    created_at: DateTime<Utc>,
    /// When it last changed.
    updated_at: DateTime<Utc>,
}

/// Occupancy of a zone's industrial and service land (Decree 35/2022).
#[derive(Object, Debug, Clone)]
#[oai(rename = "ZoneOccupancy", example, skip_serializing_if_is_none)]
pub struct OccupancyView {
    /// Industrial + service land leased to projects that hold a certificate (registered or
    /// suspended), m².
    leased_m2: f64,
    /// Industrial + service land, m²: the zone's planned figure when recorded, otherwise the sum
    /// of its industrial and service parcels.
    land_m2: Option<f64>,
    /// True when `land_m2` is the zone's planned figure, false when summed from parcels.
    land_is_planned: bool,
    /// `leased_m2 / land_m2` in percent, two decimals; absent when the land is unknown.
    rate_percent: Option<f64>,
}

super::types::json_example!(OccupancyView, {"leased_m2": 52300, "land_m2": 700000, "land_is_planned": true, "rate_percent": 7.47});

impl From<Occupancy> for OccupancyView {
    fn from(o: Occupancy) -> Self {
        Self {
            leased_m2: o.leased.m2_f64(),
            land_m2: o.land.map(|a| a.m2_f64()),
            land_is_planned: o.land_is_planned,
            rate_percent: o.rate_percent,
        }
    }
}

#[derive(ApiResponse)]
enum OccupancyFound {
    /// The zone's occupancy.
    #[oai(status = 200)]
    Ok(Json<OccupancyView>),
}

resource!(
    ZoneView,
    collection = "/api/v1/zones",
    found = "The zone.",
    created = "The zone was registered.",
    location = "Address of the new zone."
);
listed!(
    ZoneView,
    name = "ZoneList",
    list = "A page of zones.",
    items = "The zones of this page, oldest first.",
    cursor = "zones",
    next = "Pass as `cursor` to get the next page; absent on the last page."
);

/// Builds views with each zone's occupancy, in one grouped query for the whole page.
async fn views(state: &AppState, zones: Vec<Zone>) -> Result<Vec<ZoneView>, ServiceError> {
    let refs: Vec<&Zone> = zones.iter().collect();
    let occ = service::leases::occupancy(&state.db, &refs).await?;
    Ok(zones
        .into_iter()
        .map(|z| {
            let o = occ.get(&z.id).copied();
            ZoneView::build(z, o)
        })
        .collect())
}

/// One zone's view with its occupancy.
async fn view(state: &AppState, zone: Zone) -> Result<ZoneView, ServiceError> {
    let occupancy = service::leases::occupancy_of(&state.db, &zone).await?;
    Ok(ZoneView::build(zone, Some(occupancy)))
}

/// One zone with its ETag.
async fn found(state: &AppState, zone: Zone) -> Result<Found<ZoneView>, ServiceError> {
    let version = zone.version;
    Ok(Found::new(view(state, zone).await?, version))
}

impl ZoneView {
    fn build(z: Zone, occupancy: Option<Occupancy>) -> Self {
        let d = z.data;
        Self {
            id: z.id,
            code: d.code,
            name: d.name,
            kind: d.kind,
            province: d.province,
            parent_id: d.parent_id,
            total_area_ha: d.total_area_m2.ha_f64(),
            total_area_m2: AreaM2(d.total_area_m2),
            industrial_service_area_m2: d.industrial_service_area_m2.map(AreaM2),
            developer: d.developer,
            term_start: d.term_start.map(Date),
            term_end: d.term_end.map(Date),
            status: d.status,
            figures_as_of: d.figures_as_of,
            source: d.source,
            occupancy: occupancy.map(Into::into).unwrap_or(OccupancyView {
                leased_m2: 0.0,
                land_m2: None,
                land_is_planned: false,
                rate_percent: None,
            }),
            version: z.version,
            created_at: z.created_at,
            updated_at: z.updated_at,
        }
    }
}

/// A new zone.
#[derive(Object, Debug)]
#[oai(
    rename = "ZoneCreate",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct ZoneCreate {
    /// Short stable code: letters A-Z, digits and hyphens, e.g. `KCN-NDH` (stored in upper case).
    #[oai(validator(
        min_length = 2,
        max_length = 32,
        pattern = r"^\s*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*\s*$"
    ))]
    code: Lenient<String>,
    /// Official name in Vietnamese.
    #[oai(validator(min_length = 1, max_length = 255))]
    name: Lenient<String>,
    /// Kind of zone.
    kind: Lenient<ZoneKind>,
    /// Province.
    #[oai(validator(min_length = 1, max_length = 100))]
    province: Lenient<String>,
    /// The economic zone this park lies in (parks and export processing zones only).
    parent_id: Option<Lenient<Uuid>>,
    /// Total planned area in m².
    total_area_m2: Lenient<AreaM2>,
    /// Industrial plus service land in m²; not more than the total.
    industrial_service_area_m2: Option<Lenient<AreaM2>>,
    /// Infrastructure developer.
    #[oai(validator(max_length = 255))]
    developer: Option<Lenient<String>>,
    /// First day of the operating term.
    term_start: Option<Lenient<Date>>,
    /// Last day of the operating term; after `term_start`.
    term_end: Option<Lenient<Date>>,
    /// Life-cycle status.
    status: Lenient<ZoneStatus>,
    /// When the figures were true: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    figures_as_of: Option<Lenient<String>>,
    /// Where the figures come from.
    #[oai(validator(max_length = 1000))]
    source: Option<Lenient<String>>,
}

impl ZoneCreate {
    fn into_domain(self) -> Result<ZoneData, Vec<crate::domain::FieldViolation>> {
        let mut v = Violations::default();
        let code = self.code.take("code", &mut v);
        let name = self.name.take("name", &mut v);
        let kind = self.kind.take("kind", &mut v);
        let province = self.province.take("province", &mut v);
        let parent_id = take_optional("parent_id", self.parent_id, &mut v);
        let total = self.total_area_m2.take("total_area_m2", &mut v);
        let land = take_optional(
            "industrial_service_area_m2",
            self.industrial_service_area_m2,
            &mut v,
        );
        let developer = take_optional("developer", self.developer, &mut v);
        let term_start = take_optional("term_start", self.term_start, &mut v);
        let term_end = take_optional("term_end", self.term_end, &mut v);
        let status = self.status.take("status", &mut v);
        let figures_as_of = take_optional("figures_as_of", self.figures_as_of, &mut v);
        let source = take_optional("source", self.source, &mut v);
        match (code, name, kind, province, total, status) {
            (Some(code), Some(name), Some(kind), Some(province), Some(total), Some(status))
                if v.is_empty() =>
            {
                Ok(ZoneData {
                    code,
                    name,
                    kind,
                    province,
                    parent_id,
                    total_area_m2: total.0,
                    industrial_service_area_m2: land.map(|a| a.0),
                    developer,
                    term_start: term_start.map(|d| d.0),
                    term_end: term_end.map(|d| d.0),
                    status,
                    figures_as_of,
                    source,
                })
            }
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
}

super::types::json_example!(ZoneCreate, {
    "code": "KCN-NDH",
    "name": "Khu công nghiệp Nam Đông Hà",
    "kind": "industrial_park",
    "province": "Quảng Trị",
    "parent_id": null,
    "total_area_m2": 987540,
    "industrial_service_area_m2": 700000,
    "developer": "Công ty Phát triển hạ tầng khu công nghiệp Quảng Trị",
    "term_start": "2021-03-19",
    "term_end": "2071-03-19",
    "status": "operating",
    "figures_as_of": "2022",
    "source": "iipvietnam.com/cac-khu-cong-nghiep-tinh-quang-tri.html"
});

super::types::json_example!(ZoneView, {
    "id": "019a4c5e-0000-7000-8000-000000000003",
    "code": "KCN-NDH",
    "name": "Khu công nghiệp Nam Đông Hà",
    "kind": "industrial_park",
    "province": "Quảng Trị",
    "parent_id": null,
    "total_area_m2": 987540,
    "total_area_ha": 98.754,
    "industrial_service_area_m2": 700000,
    "developer": "Công ty Phát triển hạ tầng khu công nghiệp Quảng Trị",
    "term_start": "2021-03-19",
    "term_end": "2071-03-19",
    "status": "operating",
    "figures_as_of": "2022",
    "source": "iipvietnam.com/cac-khu-cong-nghiep-tinh-quang-tri.html",
    "occupancy": {"leased_m2": 52300, "land_m2": 700000, "land_is_planned": true, "rate_percent": 7.47},
    "version": 3,
    "created_at": "2026-11-02T03:00:00Z",
    "updated_at": "2026-11-20T08:30:00Z"
});

/// Changes to a zone: send only the fields that change; `null` clears an optional field.
#[derive(Object, Debug)]
#[oai(
    rename = "ZonePatch",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ZonePatchBody {
    /// New code.
    #[oai(validator(
        min_length = 2,
        max_length = 32,
        pattern = r"^\s*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*\s*$"
    ))]
    code: MaybeUndefined<Lenient<String>>,
    /// New name.
    #[oai(validator(min_length = 1, max_length = 255))]
    name: MaybeUndefined<Lenient<String>>,
    /// New kind.
    kind: MaybeUndefined<Lenient<ZoneKind>>,
    /// New province.
    #[oai(validator(min_length = 1, max_length = 100))]
    province: MaybeUndefined<Lenient<String>>,
    /// New parent economic zone, or `null` for none.
    parent_id: Clearable<Uuid>,
    /// New total area in m².
    total_area_m2: MaybeUndefined<Lenient<AreaM2>>,
    /// New industrial plus service land in m², or `null`.
    industrial_service_area_m2: Clearable<AreaM2>,
    /// New developer, or `null`.
    #[oai(validator(max_length = 255))]
    developer: Clearable<String>,
    /// New term start, or `null`.
    term_start: Clearable<Date>,
    /// New term end, or `null`.
    term_end: Clearable<Date>,
    /// New status.
    status: MaybeUndefined<Lenient<ZoneStatus>>,
    /// New as-of date of the figures, or `null`.
    figures_as_of: Clearable<String>,
    /// New source, or `null`.
    #[oai(validator(max_length = 1000))]
    source: Clearable<String>,
}

super::types::json_example!(ZonePatchBody, {"name": "Khu công nghiệp Nam Đông Hà (giai đoạn 2)", "developer": null, "status": "operating"});

impl ZonePatchBody {
    fn into_domain(self) -> Result<ZonePatch, Vec<crate::domain::FieldViolation>> {
        let mut v = Violations::default();
        let patch = ZonePatch {
            code: take_patch("code", self.code, &mut v).flatten(),
            name: take_patch("name", self.name, &mut v).flatten(),
            kind: take_patch("kind", self.kind, &mut v).flatten(),
            province: take_patch("province", self.province, &mut v).flatten(),
            parent_id: take_patch("parent_id", self.parent_id, &mut v),
            total_area_m2: take_patch("total_area_m2", self.total_area_m2, &mut v)
                .flatten()
                .map(|a| a.0),
            industrial_service_area_m2: take_patch(
                "industrial_service_area_m2",
                self.industrial_service_area_m2,
                &mut v,
            )
            .map(|o| o.map(|a| a.0)),
            developer: take_patch("developer", self.developer, &mut v),
            term_start: take_patch("term_start", self.term_start, &mut v).map(|o| o.map(|d| d.0)),
            term_end: take_patch("term_end", self.term_end, &mut v).map(|o| o.map(|d| d.0)),
            status: take_patch("status", self.status, &mut v).flatten(),
            figures_as_of: take_patch("figures_as_of", self.figures_as_of, &mut v),
            source: take_patch("source", self.source, &mut v),
        };
        v.finish().map(|()| patch)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Zones")]
impl ZonesApi {
    /// List zones
    ///
    /// Zones in the order they were registered, a page at a time. Filter by kind, status or the
    /// economic zone they lie in.
    #[oai(path = "/zones", method = "get", operation_id = "list_zones")]
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
        /// Only zones of this kind.
        kind: Query<Option<ZoneKind>>,
        /// Only zones in this status.
        status: Query<Option<ZoneStatus>>,
        /// Only zones inside this economic zone.
        parent_id: Query<Option<Uuid>>,
    ) -> Result<Listing<ZoneView>, ListError> {
        auth.require_scope(Scope::RegistryRead)?;
        let after = ListPage::<ZoneView>::after(cursor.0.as_deref())?;
        let filter = ZoneFilter {
            kind: kind.0,
            status: status.0,
            parent_id: parent_id.0,
        };
        let page = service::zones::list(&state.db, &filter, after, limit.0.get()).await?;
        let items = views(&state, page.items).await?;
        Ok(Listing(ListPage::with_items(items, page.next_after)))
    }

    /// Register a zone
    ///
    /// Codes are unique (409 names `code` when taken). Areas are in m² with at most two decimals.
    #[oai(path = "/zones", method = "post", operation_id = "create_zone")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        body: super::body::Body<ZoneCreate>,
    ) -> Result<Created<ZoneView>, CreateError> {
        let ctx = auth.context();
        let data = body.0.into_domain().map_err(ServiceError::Validation)?;
        let zone = service::zones::create(&state.db, &ctx, data).await?;
        let (id, version) = (zone.id, zone.version);
        Ok(Created::new(view(&state, zone).await?, id, version))
    }

    /// Get a zone
    #[oai(path = "/zones/:id", method = "get", operation_id = "get_zone")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Zone id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<Found<ZoneView>, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        let zone = service::zones::get(&state.db, id.0.param("id")?).await?;
        Ok(found(&state, zone).await?)
    }

    /// A zone's occupancy rate
    ///
    /// Leased industrial + service land over total industrial + service land (Decree 35/2022),
    /// counting leases of projects that hold a certificate.
    #[oai(
        path = "/zones/:id/occupancy",
        method = "get",
        operation_id = "get_zone_occupancy"
    )]
    async fn occupancy(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Zone id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<OccupancyFound, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        let zone = service::zones::get(&state.db, id.0.param("id")?).await?;
        let occupancy = service::leases::occupancy_of(&state.db, &zone).await?;
        Ok(OccupancyFound::Ok(Json(occupancy.into())))
    }

    /// Change a zone
    ///
    /// Send the ETag you read in `If-Match`; a stale one gets 412 and changes nothing. Every rule
    /// is checked on the zone as it would be after the change.
    #[oai(path = "/zones/:id", method = "patch", operation_id = "update_zone")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Zone id.
        id: Path<Lenient<Uuid>>,
        /// The ETag of the version you read (or `*` to overwrite whatever is current).
        #[oai(name = "If-Match")]
        if_match: Header<super::IfMatch>,
        body: super::body::Body<ZonePatchBody>,
    ) -> Result<Found<ZoneView>, UpdateError> {
        let ctx = auth.context();
        let precondition = if_match.0.0;
        let patch = body.0.into_domain().map_err(ServiceError::Validation)?;
        let zone = service::zones::update(&state.db, &ctx, id.0.param("id")?, &precondition, patch)
            .await?;
        Ok(found(&state, zone).await?)
    }
}

//! `/api/v1/zones/{id}/parcels` and `/api/v1/parcels/{id}`: land parcels (lots) of a zone.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    types::MaybeUndefined,
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{CreateError, ListError, ReadError, UpdateError},
    resource::{Created, Found, ListPage, Listing, PageSize, listed, resource},
    security::{Authorized, Editors, ReaderAuth},
    types::{AreaM2, Clearable, Lenient, take_optional, take_patch},
};
use crate::{
    domain::{
        FieldViolation, Violations,
        auth::Scope,
        parcel::{LandUse, Parcel, ParcelData, ParcelFilter, ParcelPatch, ParcelStatus},
    },
    service::{self, AppState, ServiceError},
};

/// Land parcels of the zones.
#[derive(Default)]
pub struct ParcelsApi;

/// A land parcel (lô đất) inside a zone.
#[derive(Object, Debug)]
#[oai(rename = "Parcel", example, skip_serializing_if_is_none)]
pub struct ParcelView {
    /// Identifier.
    id: Uuid,
    /// The zone it lies in.
    zone_id: Uuid,
    /// Lot code, unique in its zone, e.g. `CN-01`.
    lot_code: String,
    /// Area in m².
    area_m2: AreaM2,
    /// Planned land use.
    land_use: LandUse,
    /// Lease status.
    status: ParcelStatus,
    /// Free note.
    note: Option<String>,
    /// Row version; the ETag is this number in quotes.
    version: i32,
    /// When the parcel was registered here.
    created_at: DateTime<Utc>,
    /// When it last changed.
    updated_at: DateTime<Utc>,
}

impl From<Parcel> for ParcelView {
    fn from(p: Parcel) -> Self {
        Self {
            id: p.id,
            zone_id: p.zone_id,
            lot_code: p.data.lot_code,
            area_m2: AreaM2(p.data.area_m2),
            land_use: p.data.land_use,
            status: p.data.status,
            note: p.data.note,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A new parcel.
#[derive(Object, Debug)]
#[oai(
    rename = "ParcelCreate",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct ParcelCreate {
    /// Lot code, unique in the zone: letters A-Z, digits, `-`, `.`, `/` (stored in upper case).
    #[oai(validator(
        min_length = 1,
        max_length = 32,
        pattern = r"^\s*[A-Za-z0-9][A-Za-z0-9./-]*\s*$"
    ))]
    lot_code: Lenient<String>,
    /// Area in m², at most the zone's total area.
    area_m2: Lenient<AreaM2>,
    /// Planned land use.
    land_use: Lenient<LandUse>,
    /// Lease status; `available` when omitted.
    status: Option<Lenient<ParcelStatus>>,
    /// Free note.
    #[oai(validator(max_length = 2000))]
    note: Option<Lenient<String>>,
}

impl ParcelCreate {
    fn into_domain(self) -> Result<ParcelData, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let lot_code = self.lot_code.take("lot_code", &mut v);
        let area = self.area_m2.take("area_m2", &mut v);
        let land_use = self.land_use.take("land_use", &mut v);
        let status =
            take_optional("status", self.status, &mut v).unwrap_or(ParcelStatus::Available);
        let note = take_optional("note", self.note, &mut v);
        match (lot_code, area, land_use) {
            (Some(lot_code), Some(area), Some(land_use)) if v.is_empty() => Ok(ParcelData {
                lot_code,
                area_m2: area.0,
                land_use,
                status,
                note,
            }),
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
}

super::types::json_example!(ParcelCreate, {
    "lot_code": "CN-01",
    "area_m2": 52300,
    "land_use": "industrial",
    "status": "available",
    "note": "Lô góc, giáp đường trục chính"
});

super::types::json_example!(ParcelView, {
    "id": "019a4c5e-0000-7000-8000-000000000005",
    "zone_id": "019a4c5e-0000-7000-8000-000000000003",
    "lot_code": "CN-01",
    "area_m2": 52300,
    "land_use": "industrial",
    "status": "leased",
    "note": "Lô góc, giáp đường trục chính",
    "version": 2,
    "created_at": "2026-11-02T03:00:00Z",
    "updated_at": "2026-12-01T02:00:00Z"
});

/// Changes to a parcel: send only the fields that change; `null` clears the note.
#[derive(Object, Debug)]
#[oai(
    rename = "ParcelPatch",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct ParcelPatchBody {
    /// New lot code.
    #[oai(validator(
        min_length = 1,
        max_length = 32,
        pattern = r"^\s*[A-Za-z0-9][A-Za-z0-9./-]*\s*$"
    ))]
    lot_code: MaybeUndefined<Lenient<String>>,
    /// New area in m².
    area_m2: MaybeUndefined<Lenient<AreaM2>>,
    /// New land use.
    land_use: MaybeUndefined<Lenient<LandUse>>,
    /// New status.
    status: MaybeUndefined<Lenient<ParcelStatus>>,
    /// New note, or `null`.
    #[oai(validator(max_length = 2000))]
    note: Clearable<String>,
}

super::types::json_example!(ParcelPatchBody, {"area_m2": 52300, "status": "available", "note": null});

impl ParcelPatchBody {
    fn into_domain(self) -> Result<ParcelPatch, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let patch = ParcelPatch {
            lot_code: take_patch("lot_code", self.lot_code, &mut v).flatten(),
            area_m2: take_patch("area_m2", self.area_m2, &mut v)
                .flatten()
                .map(|a| a.0),
            land_use: take_patch("land_use", self.land_use, &mut v).flatten(),
            status: take_patch("status", self.status, &mut v).flatten(),
            note: take_patch("note", self.note, &mut v),
        };
        v.finish().map(|()| patch)
    }
}

resource!(
    ParcelView,
    collection = "/api/v1/parcels",
    found = "The parcel.",
    created = "The parcel was registered.",
    location = "Address of the new parcel."
);
listed!(
    ParcelView,
    name = "ParcelList",
    list = "A page of parcels.",
    items = "The parcels of this page, oldest first.",
    cursor = "parcels",
    listed = "A page of the zone's parcels.",
    next = "Pass as `cursor` to get the next page; absent on the last page."
);

fn found(parcel: Parcel) -> Found<ParcelView> {
    let version = parcel.version;
    Found::new(parcel.into(), version)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Parcels")]
impl ParcelsApi {
    /// List a zone's parcels
    ///
    /// Parcels in the order they were registered, a page at a time; 404 when the zone does not exist.
    #[oai(
        path = "/zones/:id/parcels",
        method = "get",
        operation_id = "list_parcels"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Zone id.
        id: Path<Lenient<Uuid>>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
        /// Only parcels with this land use.
        land_use: Query<Option<LandUse>>,
        /// Only parcels in this status.
        status: Query<Option<ParcelStatus>>,
    ) -> Result<Listing<ParcelView>, ListError> {
        auth.require_scope(Scope::RegistryRead)?;
        let after = ListPage::<ParcelView>::after(cursor.0.as_deref())?;
        let filter = ParcelFilter {
            land_use: land_use.0,
            status: status.0,
        };
        let page =
            service::parcels::list(&state.db, id.0.param("id")?, &filter, after, limit.0.get())
                .await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Register a parcel in a zone
    ///
    /// Lot codes are unique within a zone (409 names `lot_code` when taken); the area must be
    /// positive and not larger than the zone.
    #[oai(
        path = "/zones/:id/parcels",
        method = "post",
        operation_id = "create_parcel"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Zone id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<ParcelCreate>,
    ) -> Result<Created<ParcelView>, CreateError> {
        let ctx = auth.context();
        let data = body.0.into_domain().map_err(ServiceError::Validation)?;
        let parcel = service::parcels::create(&state.db, &ctx, id.0.param("id")?, data).await?;
        let (id, version) = (parcel.id, parcel.version);
        Ok(Created::new(parcel.into(), id, version))
    }

    /// Get a parcel
    #[oai(path = "/parcels/:id", method = "get", operation_id = "get_parcel")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Parcel id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<Found<ParcelView>, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        Ok(found(
            service::parcels::get(&state.db, id.0.param("id")?).await?,
        ))
    }

    /// Change a parcel
    ///
    /// Send the ETag you read in `If-Match`; a stale one gets 412 and changes nothing.
    #[oai(
        path = "/parcels/:id",
        method = "patch",
        operation_id = "update_parcel"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Parcel id.
        id: Path<Lenient<Uuid>>,
        /// The ETag of the version you read (or `*` to overwrite whatever is current).
        #[oai(name = "If-Match")]
        if_match: Header<super::IfMatch>,
        body: super::body::Body<ParcelPatchBody>,
    ) -> Result<Found<ParcelView>, UpdateError> {
        let ctx = auth.context();
        let precondition = if_match.0.0;
        let patch = body.0.into_domain().map_err(ServiceError::Validation)?;
        let parcel =
            service::parcels::update(&state.db, &ctx, id.0.param("id")?, &precondition, patch)
                .await?;
        Ok(found(parcel))
    }
}

//! `/api/v1/projects/{id}/leases` and `/api/v1/leases/{id}/release`: parcels leased to projects.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::{ReadError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{Authorized, Editors, ReaderAuth},
    types::{AreaM2, Date, Lenient, json_example},
};
use crate::{
    domain::{Violations, auth::Scope, lease::Lease},
    service::{self, AppState, ServiceError},
};

/// Land leased to projects.
#[derive(Default)]
pub struct LeasesApi;

/// A parcel leased to a project.
#[derive(Object, Debug)]
#[oai(rename = "Lease", example, skip_serializing_if_is_none)]
pub struct LeaseView {
    /// Identifier.
    id: Uuid,
    /// The tenant project.
    project_id: Uuid,
    /// The parcel.
    parcel_id: Uuid,
    /// Area leased, m².
    area_m2: AreaM2,
    /// First day of the lease.
    start_date: Date,
    /// Last day of the lease.
    end_date: Date,
    /// True while the lease holds the land.
    active: bool,
    /// When it was released.
    released_at: Option<DateTime<Utc>>,
    /// Why it was released.
    release_reason: Option<String>,
    /// When it was recorded.
    created_at: DateTime<Utc>,
}

impl From<Lease> for LeaseView {
    fn from(l: Lease) -> Self {
        Self {
            id: l.id,
            project_id: l.project_id,
            parcel_id: l.parcel_id,
            area_m2: AreaM2(l.area),
            start_date: Date(l.start_date),
            end_date: Date(l.end_date),
            active: l.released_at.is_none(),
            released_at: l.released_at,
            release_reason: l.release_reason,
            created_at: l.created_at,
        }
    }
}

listed!(
    LeaseView,
    name = "LeaseList",
    list = "The project's leases.",
    items = "Leases, oldest first, active and released.",
    cursor = "leases"
);

/// A parcel to lease.
#[derive(Object, Debug)]
#[oai(
    rename = "LeaseCreate",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct LeaseCreate {
    /// The parcel; in the project's zone, not leased to another active project.
    parcel_id: Lenient<Uuid>,
    /// Area leased in m², at most the parcel's area.
    area_m2: Lenient<AreaM2>,
    /// First day of the lease.
    start_date: Lenient<Date>,
    /// Last day: not after the zone's term, and within the project's duration.
    end_date: Lenient<Date>,
}

/// Ending a lease.
#[derive(Object, Debug)]
#[oai(
    rename = "LeaseRelease",
    deny_unknown_fields,
    example,
    skip_serializing_if_is_none
)]
pub struct LeaseRelease {
    /// Why the land is released, e.g. the decision number.
    reason: String,
}

json_example!(LeaseCreate, {
    "parcel_id": "019a4c5e-0000-7000-8000-000000000005",
    "area_m2": 52300,
    "start_date": "2026-12-01",
    "end_date": "2071-03-19"
});

json_example!(LeaseRelease, {"reason": "Quyết định thu hồi đất số 45/QĐ-UBND ngày 20/11/2026"});

json_example!(LeaseView, {
    "id": "019a4c5e-0000-7000-8000-000000000006",
    "project_id": "019a4c5e-0000-7000-8000-000000000002",
    "parcel_id": "019a4c5e-0000-7000-8000-000000000005",
    "area_m2": 52300,
    "start_date": "2026-12-01",
    "end_date": "2071-03-19",
    "active": true,
    "released_at": null,
    "release_reason": null,
    "created_at": "2026-11-02T03:00:00Z"
});

#[derive(ApiResponse)]
enum LeaseCreated {
    /// The parcel is leased to the project.
    #[oai(status = 201)]
    Created(Json<LeaseView>),
}

#[derive(ApiResponse)]
enum LeaseDone {
    /// The lease as it is now.
    #[oai(status = 200)]
    Ok(Json<LeaseView>),
}

problem_responses! {
    /// Errors of leasing and releasing land.
    LeaseError {
        404 NotFound "No project or lease has this id.",
        409 Conflict "The parcel already has an active lease (exactly one of racing requests wins), the project is terminated, or the lease was already released.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "The area or the term does not fit the parcel, the zone or the project; `errors[]` names each field.",
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Projects")]
impl LeasesApi {
    /// List a project's leases
    #[oai(
        path = "/projects/:id/leases",
        method = "get",
        operation_id = "list_project_leases"
    )]
    async fn leases(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<LeaseView>, ReadError> {
        auth.require_scope(Scope::RegistryRead)?;
        let after = ListPage::<LeaseView>::after(cursor.0.as_deref())?;
        let page = service::leases::for_project(&state.db, id.0.param("id")?, after, limit.0.get())
            .await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Lease a parcel to a project
    ///
    /// A parcel is leased to at most one active project; of two racing requests, on any
    /// instances, exactly one wins and the other gets 409.
    #[oai(
        path = "/projects/:id/leases",
        method = "post",
        operation_id = "create_lease"
    )]
    async fn lease(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Project id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<LeaseCreate>,
    ) -> Result<LeaseCreated, LeaseError> {
        let ctx = auth.context();
        let mut v = Violations::default();
        let b = body.0;
        let parcel_id = b.parcel_id.take("parcel_id", &mut v);
        let area = b.area_m2.take("area_m2", &mut v);
        let start = b.start_date.take("start_date", &mut v);
        let end = b.end_date.take("end_date", &mut v);
        let (Some(parcel_id), Some(area), Some(start), Some(end)) = (parcel_id, area, start, end)
        else {
            return Err(ServiceError::Validation(v.finish().err().unwrap_or_default()).into());
        };
        let lease = service::leases::lease(
            &state.db,
            &ctx,
            id.0.param("id")?,
            service::leases::NewLease {
                parcel_id,
                area: area.0,
                start_date: start.0,
                end_date: end.0,
            },
        )
        .await?;
        Ok(LeaseCreated::Created(Json(lease.into())))
    }

    /// Release a lease
    ///
    /// The parcel becomes available again.
    #[oai(
        path = "/leases/:id/release",
        method = "post",
        operation_id = "release_lease"
    )]
    async fn release(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Editors>,
        /// Lease id.
        id: Path<Lenient<Uuid>>,
        body: super::body::Body<LeaseRelease>,
    ) -> Result<LeaseDone, LeaseError> {
        let ctx = auth.context();
        let lease =
            service::leases::release(&state.db, &ctx, id.0.param("id")?, body.0.reason).await?;
        Ok(LeaseDone::Ok(Json(lease.into())))
    }
}

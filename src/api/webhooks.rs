//! `/api/v1/webhooks`: the endpoints an agency receives the change feed at, and their delivery
//! log. Administrators register them for an agency key (keys only read); the key's holder reads
//! its own endpoints and their log.

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
    problem::{CreateError, ReadError, problem_responses},
    resource::{ListPage, Listing, PageSize, listed},
    security::{Admins, Authorized, ReaderAuth},
    types::{Lenient, take_optional},
};
use crate::{
    domain::{
        FieldViolation, Violations,
        auth::{ADMINS, Scope},
        webhook::{Delivery, DeliveryOutcome, Endpoint, WebhookStatus},
    },
    service::{
        self, AppState, ServiceError,
        webhooks::{NewEndpoint, Viewer},
    },
};

/// Webhook endpoints.
#[derive(Default)]
pub struct WebhooksApi;

/// An endpoint an agency receives the change feed at (never its secret).
#[derive(Object, Debug)]
#[oai(rename = "Webhook", skip_serializing_if_is_none)]
pub struct WebhookView {
    /// Its id.
    id: Uuid,
    /// The agency key it delivers for: deliveries carry what the key may read (individuals'
    /// identity numbers, birth dates and addresses only with `personal:read`), and stop when the
    /// key is revoked.
    api_key_id: Uuid,
    /// Where each event is POSTed.
    url: String,
    /// What it is for.
    description: Option<String>,
    /// The event types delivered (`certificate.issue`, `lease.*`); empty for every event.
    event_types: Vec<String>,
    /// `active`, or `paused` (after repeated failures, or a revoked key) until an administrator
    /// resumes it.
    status: WebhookStatus,
    /// The feed cursor of the last event delivered or passed over.
    cursor: String,
    /// Failed attempts at the event now due, since the last success.
    consecutive_failures: i32,
    /// When the next attempt is due.
    next_attempt_at: DateTime<Utc>,
    /// When it was paused.
    paused_at: Option<DateTime<Utc>>,
    /// Why it was paused.
    pause_reason: Option<String>,
    /// The last delivery it accepted.
    last_success_at: Option<DateTime<Utc>>,
    /// The last delivery that failed.
    last_failure_at: Option<DateTime<Utc>>,
    /// When it was registered.
    created_at: DateTime<Utc>,
}

impl From<Endpoint> for WebhookView {
    fn from(e: Endpoint) -> Self {
        Self {
            id: e.id,
            api_key_id: e.api_key_id,
            url: e.url,
            description: e.description,
            event_types: e.event_types.patterns().to_vec(),
            status: e.status,
            cursor: e.cursor.to_string(),
            consecutive_failures: e.consecutive_failures,
            next_attempt_at: e.next_attempt_at,
            paused_at: e.paused_at,
            pause_reason: e.pause_reason,
            last_success_at: e.last_success_at,
            last_failure_at: e.last_failure_at,
            created_at: e.created_at,
        }
    }
}

listed!(
    WebhookView,
    name = "WebhookList",
    list = "A page of webhook endpoints.",
    items = "Endpoints, oldest first.",
    cursor = "webhooks"
);

/// One attempt at delivering one event.
#[derive(Object, Debug)]
#[oai(rename = "WebhookDelivery", skip_serializing_if_is_none)]
pub struct DeliveryView {
    /// Its id.
    id: Uuid,
    /// The feed cursor of the event.
    event_cursor: String,
    /// The event's type.
    event_type: String,
    /// The `webhook-id` header sent: the same for every attempt at the event.
    message_id: String,
    /// 1 for the first attempt at the event, then 2, 3, …
    attempt: i32,
    /// When the attempt was made.
    attempted_at: DateTime<Utc>,
    /// `delivered` (the endpoint answered 2xx) or `failed`.
    outcome: DeliveryOutcome,
    /// The HTTP status the endpoint answered, if it answered.
    status_code: Option<i32>,
    /// What went wrong.
    error: Option<String>,
    /// How long the attempt took, in milliseconds.
    duration_ms: i32,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_cursor: d.event_seq.to_string(),
            event_type: d.event_type,
            message_id: d.message_id,
            attempt: d.attempt,
            attempted_at: d.attempted_at,
            outcome: d.outcome,
            status_code: d.status_code,
            error: d.error,
            duration_ms: d.duration_ms,
        }
    }
}

listed!(
    DeliveryView,
    name = "WebhookDeliveryList",
    list = "A page of delivery attempts.",
    items = "Attempts, newest first.",
    cursor = "webhook-deliveries"
);

/// An endpoint to register.
#[derive(Object, Debug)]
#[oai(
    rename = "WebhookCreate",
    example,
    deny_unknown_fields,
    skip_serializing_if_is_none
)]
pub struct WebhookCreate {
    /// The agency key the endpoint delivers for; it must hold `feed:read`.
    api_key_id: Lenient<Uuid>,
    /// Where to POST each event: `https` (plain `http` only where the operator allows it with
    /// `WEBHOOK_ALLOW_HTTP`).
    #[oai(validator(min_length = 1, max_length = 2000))]
    url: Lenient<String>,
    /// Event types to deliver: `<entity>.<action>` (`certificate.issue`), `<entity>.*`
    /// (`lease.*`) or `*`. Every event when omitted or empty.
    #[oai(validator(max_items = 50))]
    event_types: Option<Lenient<Vec<String>>>,
    /// What it is for.
    #[oai(validator(max_length = 500))]
    description: Option<Lenient<String>>,
    /// The feed cursor to deliver after, e.g. a snapshot's, or `0` for everything the feed still
    /// keeps. When omitted, only the changes from now on.
    #[oai(validator(pattern = r"^[0-9]{1,18}$"))]
    after: Option<Lenient<String>>,
}

super::types::json_example!(WebhookCreate, {"api_key_id": "0193a4b2-7c4d-7e00-8f00-0000000000a1", "url": "https://thue.quangtri.gov.vn/hooks/dang-ky-dau-tu", "event_types": ["certificate.*", "project.update"], "description": "Cục Thuế: giấy chứng nhận và thay đổi dự án"});

impl WebhookCreate {
    fn into_new(self) -> Result<NewEndpoint, Vec<FieldViolation>> {
        let mut v = Violations::default();
        let api_key_id = self.api_key_id.take("api_key_id", &mut v);
        let url = self.url.take("url", &mut v);
        let event_types = take_optional("event_types", self.event_types, &mut v);
        let description = take_optional("description", self.description, &mut v);
        let after = take_optional("after", self.after, &mut v);
        let after = match after.map(|a| crate::domain::feed::parse_cursor(&a)) {
            Some(None) => {
                v.push(FieldViolation::new(
                    "after",
                    "invalid",
                    "must be a feed cursor (a decimal number)",
                ));
                None
            }
            Some(Some(c)) => Some(c),
            None => None,
        };
        match (api_key_id, url) {
            (Some(api_key_id), Some(url)) if v.is_empty() => Ok(NewEndpoint {
                api_key_id,
                url,
                event_types: event_types.unwrap_or_default(),
                description,
                after,
            }),
            _ => Err(v.finish().err().unwrap_or_default()),
        }
    }
}

/// A new endpoint. The secret is shown only in this response.
#[derive(Object)]
#[oai(rename = "WebhookCreated")]
pub struct WebhookCreated {
    /// The signing secret (`whsec_<base64>`): each delivery carries `webhook-signature:
    /// v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the
    /// base64-decoded part after `whsec_`, as in the Standard Webhooks specification. Shown once.
    secret: String,
    /// The endpoint.
    webhook: WebhookView,
}

#[derive(ApiResponse)]
enum WebhookRegistered {
    /// The endpoint was registered; copy the secret now. Deliveries start within the poll
    /// interval.
    #[oai(status = 201)]
    Created(Json<WebhookCreated>),
}

#[derive(ApiResponse)]
enum WebhookFound {
    /// The endpoint.
    #[oai(status = 200)]
    Ok(Json<WebhookView>),
}

#[derive(ApiResponse)]
enum WebhookDeleted {
    /// The endpoint and its delivery log are gone; a delivery in flight finishes.
    #[oai(status = 204)]
    Deleted,
}

problem_responses! {
    /// Errors of changing an endpoint.
    WebhookChangeError {
        404 NotFound "No endpoint has this id.",
        409 Conflict "The endpoint's agency key is revoked or expired, or lacks `feed:read`.",
    }
}

problem_responses! {
    /// Errors of listing endpoints or deliveries.
    WebhookListError {
        404 NotFound "No endpoint has this id (or it is another key's).",
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

/// Who reads: an administrator (every endpoint) or a key with `feed:read` (its own).
fn viewer(auth: &ReaderAuth) -> Result<Viewer, ServiceError> {
    match auth {
        ReaderAuth::Staff(staff) if ADMINS.iter().any(|r| staff.0.user.roles.contains(r)) => {
            Ok(Viewer::Admin)
        }
        ReaderAuth::Staff(_) => Err(ServiceError::Forbidden(
            "webhooks are managed by administrators".to_owned(),
        )),
        ReaderAuth::Agency(key) => {
            auth.require_scope(Scope::FeedRead)?;
            Ok(Viewer::Key(key.0.id))
        }
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// List webhook endpoints
    ///
    /// Administrators see every endpoint; an agency key (with `feed:read`) sees its own.
    #[oai(path = "/webhooks", method = "get", operation_id = "list_webhooks")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<WebhookView>, WebhookListError> {
        let viewer = viewer(&auth)?;
        let after = ListPage::<WebhookView>::after(cursor.0.as_deref())?;
        let page = service::webhooks::list(&state.db, viewer, after, limit.0.get()).await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }

    /// Register a webhook endpoint
    ///
    /// Administrators register an endpoint for an agency key that holds `feed:read`. The
    /// registry then POSTs each change the endpoint wants, in commit order, as
    /// `{"type", "timestamp", "data"}` where `data` is the feed event (with absolute `href` and,
    /// for an issued certificate, `pdf_href`), signed in the manner of Standard Webhooks
    /// (`webhook-id`, `webhook-timestamp`, `webhook-signature`). An event is retried with
    /// exponential backoff and jitter until the endpoint answers 2xx, and the next is sent only
    /// then; after `WEBHOOK_PAUSE_AFTER` failures in a row the endpoint is paused. Deliveries are
    /// at least once: drop a `webhook-id` already processed.
    #[oai(path = "/webhooks", method = "post", operation_id = "create_webhook")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        body: super::body::Body<WebhookCreate>,
    ) -> Result<WebhookRegistered, CreateError> {
        let ctx = auth.context();
        let new = body.0.into_new().map_err(ServiceError::Validation)?;
        let (endpoint, secret) =
            service::webhooks::create(&state.db, &ctx, &state.webhooks, new).await?;
        Ok(WebhookRegistered::Created(Json(WebhookCreated {
            secret,
            webhook: endpoint.into(),
        })))
    }

    /// Read a webhook endpoint
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Endpoint id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<WebhookFound, ReadError> {
        let viewer = viewer(&auth)?;
        let e = service::webhooks::get(&state.db, viewer, id.0.param("id")?).await?;
        Ok(WebhookFound::Ok(Json(e.into())))
    }

    /// Delete a webhook endpoint
    ///
    /// Deliveries stop and the endpoint's delivery log is deleted with it (the audit log keeps
    /// the registration and the deletion).
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Endpoint id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<WebhookDeleted, WebhookChangeError> {
        let ctx = auth.context();
        service::webhooks::delete(&state.db, &ctx, id.0.param("id")?).await?;
        Ok(WebhookDeleted::Deleted)
    }

    /// Resume a webhook endpoint
    ///
    /// Makes a paused endpoint active and due at once, its failures forgotten, once the agency
    /// has fixed its receiver; on an active endpoint, retries at once instead of after the
    /// backoff. Delivery resumes at the event that failed.
    #[oai(
        path = "/webhooks/:id/resume",
        method = "post",
        operation_id = "resume_webhook"
    )]
    async fn resume(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Endpoint id.
        id: Path<Lenient<Uuid>>,
    ) -> Result<WebhookFound, WebhookChangeError> {
        let ctx = auth.context();
        let e = service::webhooks::resume(&state.db, &ctx, id.0.param("id")?).await?;
        Ok(WebhookFound::Ok(Json(e.into())))
    }

    /// List an endpoint's delivery attempts
    ///
    /// Every attempt, newest first: the event, the attempt number, when, how it ended, the HTTP
    /// status and how long it took.
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// Endpoint id.
        id: Path<Lenient<Uuid>>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// The `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[A-Za-z0-9_-]*$", max_length = 200))]
        cursor: Query<Option<String>>,
    ) -> Result<Listing<DeliveryView>, WebhookListError> {
        let viewer = viewer(&auth)?;
        let before = ListPage::<DeliveryView>::after(cursor.0.as_deref())?;
        let page = service::webhooks::deliveries(
            &state.db,
            viewer,
            id.0.param("id")?,
            before,
            limit.0.get(),
        )
        .await?;
        Ok(Listing(ListPage::of(page, Into::into)))
    }
}

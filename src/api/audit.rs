//! `/api/v1/audit`: the audit log (admin only). Read-only by construction: no operation changes
//! or deletes an event.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Query, payload::Json};
use uuid::Uuid;

use super::{
    ApiTags,
    problem::ListError,
    resource::PageSize,
    security::{Admins, Authorized},
};
use crate::{
    domain::audit::{AuditFilter, StoredEvent},
    service::{self, AppState},
};

/// The audit log.
#[derive(Default)]
pub struct AuditApi;

/// One audit event.
#[derive(Object, Debug)]
#[oai(rename = "AuditEvent", skip_serializing_if_is_none)]
pub struct AuditEventView {
    /// Position in the chain, from 1.
    seq: i64,
    /// Event id.
    id: Uuid,
    /// When (UTC, RFC 3339).
    at: String,
    /// `user` or `system`.
    actor_type: String,
    /// The user's id, for users.
    actor_id: Option<String>,
    /// The user's login name or the system component.
    actor_name: String,
    /// What happened, e.g. `zone.update`.
    action: String,
    /// Kind of entity, e.g. `zone`.
    entity_type: String,
    /// Its id.
    entity_id: String,
    /// The entity before the change (JSON), if any.
    before: Option<serde_json::Value>,
    /// The entity after the change (JSON), if any.
    after: Option<serde_json::Value>,
    /// The HTTP request id.
    request_id: Option<String>,
    /// Hash of the previous event.
    prev_hash: String,
    /// Hash of this event and the previous hash.
    hash: String,
}

impl From<StoredEvent> for AuditEventView {
    fn from(e: StoredEvent) -> Self {
        let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            seq: e.seq,
            id: e.id,
            at: e.at,
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: parse(e.before),
            after: parse(e.after),
            request_id: e.request_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A page of events.
#[derive(Object, Debug)]
#[oai(rename = "AuditEventList", skip_serializing_if_is_none)]
pub struct AuditEventList {
    /// Events, newest first.
    items: Vec<AuditEventView>,
    /// Pass as `before_seq` for the next (older) page; absent on the last.
    next_before_seq: Option<i64>,
}

/// The result of checking the chain.
#[derive(Object, Debug)]
#[oai(rename = "AuditVerification", skip_serializing_if_is_none)]
pub struct AuditVerification {
    /// True when every event matches its hash and links to its predecessor.
    intact: bool,
    /// How many events were checked before the first broken one (all of them when intact).
    checked: u64,
    /// The first broken event's sequence number.
    first_broken_seq: Option<i64>,
    /// The first broken event's id.
    first_broken_id: Option<String>,
    /// Why it is broken.
    reason: Option<String>,
}

#[derive(ApiResponse)]
enum EventsListed {
    /// A page of events.
    #[oai(status = 200)]
    Ok(Json<AuditEventList>),
}

#[derive(ApiResponse)]
enum Verified {
    /// The verification result (200 whether or not the chain is intact; see `intact`).
    #[oai(status = 200)]
    Ok(Json<AuditVerification>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit log
    ///
    /// Newest first; filter by entity or actor.
    #[oai(path = "/audit", method = "get", operation_id = "list_audit_events")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each query parameter is its own extractor, so the spec documents it"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
        /// Page size, 1 to 200 (default 50).
        limit: Query<PageSize>,
        /// Only events older than this sequence number (the previous page's `next_before_seq`).
        before_seq: Query<Option<i64>>,
        /// Only events about this kind of entity, e.g. `zone`.
        entity_type: Query<Option<String>>,
        /// Only events about this entity id.
        entity_id: Query<Option<String>>,
        /// Only events by this user id.
        actor_id: Query<Option<String>>,
    ) -> Result<EventsListed, ListError> {
        let filter = AuditFilter {
            entity_type: entity_type.0,
            entity_id: entity_id.0,
            actor_id: actor_id.0,
        };
        let (rows, next) = service::audit::list(
            &state.db,
            &auth.context(),
            &filter,
            before_seq.0,
            limit.0.get(),
        )
        .await?;
        Ok(EventsListed::Ok(Json(AuditEventList {
            items: rows.into_iter().map(Into::into).collect(),
            next_before_seq: next,
        })))
    }

    /// Verify the audit chain
    ///
    /// Recomputes every event's hash in order and names the first event that was altered or
    /// whose predecessor was removed.
    #[oai(
        path = "/audit/verify",
        method = "get",
        operation_id = "verify_audit_chain"
    )]
    async fn verify(
        &self,
        state: Data<&AppState>,
        auth: Authorized<Admins>,
    ) -> Result<Verified, ListError> {
        let report = service::audit::verify(&state.db, &auth.context()).await?;
        Ok(Verified::Ok(Json(AuditVerification {
            intact: report.first_broken.is_none(),
            checked: report.checked,
            first_broken_seq: report.first_broken.as_ref().map(|b| b.seq),
            first_broken_id: report.first_broken.as_ref().map(|b| b.id.clone()),
            reason: report.first_broken.map(|b| b.reason),
        })))
    }
}

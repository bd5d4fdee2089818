//! `/api/v1/feed` and `/api/v1/exports/snapshot.ndjson`: the registry's changes, in commit order,
//! for the systems that mirror it, and the snapshot a mirror starts from.

use bytes::Bytes;
use futures_util::StreamExt;
use poem::{Body, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Query, payload::Binary, payload::Json};
use serde_json::{Value, json};

use super::{ApiTags, problem::problem_responses, security::ReaderAuth};
use crate::{
    domain::{
        auth::Scope,
        feed::{self, FeedEntity, parse_cursor},
    },
    service::{
        self, AppState, ServiceError,
        feed::{FeedEvent, SnapshotRecord},
    },
};

/// The change feed.
#[derive(Default)]
pub struct FeedApi;

/// Events per page when `limit` is absent.
const DEFAULT_FEED_LIMIT: u32 = 100;

/// One change to the registry.
#[derive(Object, Debug)]
#[oai(rename = "FeedEvent")]
pub struct FeedEventView {
    /// This event's cursor: its sequence number in the audit chain. Ask with `after` set to it
    /// to get the events that follow.
    cursor: String,
    /// When the change was committed.
    at: chrono::DateTime<chrono::Utc>,
    /// What happened: the entity kind, a dot, and the action, e.g. `zone.create`,
    /// `project.update`, `lease.release`, `certificate.issue`, `certificate.revoke`,
    /// `dossier.step`.
    #[oai(rename = "type")]
    kind: String,
    /// The kind of entity changed.
    entity_type: FeedEntity,
    /// Its id.
    entity_id: String,
    /// Where the API serves the entity now (for a lease: its project's leases).
    href: String,
    /// For an issued certificate version: where its signed PDF is.
    #[oai(skip_serializing_if_is_none)]
    pdf_href: Option<String>,
    /// The entity's record after the change, as the audit log keeps it (the same shape as the
    /// snapshot's `data`). Areas are in square decimetres (`*_dm2`), amounts in đồng. Without the
    /// `personal:read` scope an individual's identity number, birth date and addresses are
    /// `null`.
    data: std::collections::BTreeMap<String, Value>,
}

/// A page of the feed.
#[derive(Object, Debug)]
#[oai(rename = "FeedPage")]
pub struct FeedPageView {
    /// The events after the cursor asked with, oldest first.
    events: Vec<FeedEventView>,
    /// The cursor to ask with next. When `has_more` is false the consumer has caught up: poll
    /// again later with this cursor.
    next_cursor: String,
    /// True when more events follow at once.
    has_more: bool,
}

#[derive(ApiResponse)]
enum FeedFound {
    /// A page of events.
    #[oai(status = 200)]
    Ok(
        Json<FeedPageView>,
        /// `no-store`: the feed moves.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of reading the feed.
    FeedError {
        410 Gone "The cursor is older than the feed keeps (`FEED_RETENTION_DAYS`): take a snapshot (`/api/v1/exports/snapshot.ndjson`) and follow the feed from the cursor it names.",
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

#[derive(ApiResponse)]
enum SnapshotFound {
    /// The snapshot, one JSON object per line (NDJSON, UTF-8), streamed as it is read. The first
    /// line is the header: `{"kind":"snapshot","cursor":"…","taken_at":"…","personal":…}`;
    /// each following line is one entity: `{"entity_type":…,"entity_id":…,"data":{…}}`, `data`
    /// in the shape of the feed's `data`. The last line is
    /// `{"kind":"end","records":N}`; a stream that stops without it was cut short and must be
    /// taken again.
    #[oai(status = 200, content_type = "application/x-ndjson")]
    Ok(
        Binary<Body>,
        /// The feed cursor the snapshot corresponds to (as in its first line).
        #[oai(header = "X-Feed-Cursor")]
        String,
        /// `attachment` with a file name.
        #[oai(header = "Content-Disposition")]
        String,
        /// `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_responses! {
    /// Errors of taking a snapshot.
    SnapshotError {
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

impl From<FeedEvent> for FeedEventView {
    fn from(e: FeedEvent) -> Self {
        Self {
            cursor: e.seq.to_string(),
            at: chrono::DateTime::parse_from_rfc3339(&e.at)
                .map(|t| t.to_utc())
                .unwrap_or_default(),
            kind: e.action,
            entity_type: e.entity,
            href: feed::href(e.entity, &e.entity_id, &e.record),
            pdf_href: feed::pdf_href(e.entity, &e.entity_id, &e.record),
            entity_id: e.entity_id,
            data: match e.record {
                Value::Object(map) => map.into_iter().collect(),
                _ => Default::default(),
            },
        }
    }
}

/// One line of the snapshot.
fn record_line(r: SnapshotRecord) -> Bytes {
    let mut line =
        json!({"entity_type": r.entity.as_str(), "entity_id": r.entity_id, "data": r.record})
            .to_string()
            .into_bytes();
    line.push(b'\n');
    Bytes::from(line)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Feed")]
impl FeedApi {
    /// Read the change feed
    ///
    /// Every change to zones, parcels, investors, projects, leases, certificates and dossiers, in
    /// the order it was committed, read off the hash-chained audit log: each event once, none
    /// missing, also while several instances write. Start with `after=0` (or from a snapshot's
    /// cursor), then ask again with `next_cursor`; when `has_more` is false, poll later with the
    /// same cursor. The feed keeps `FEED_RETENTION_DAYS` days (90 by default); an older cursor
    /// answers 410. Needs the `feed:read` scope (or staff); individuals' identity numbers, birth
    /// dates and addresses only with `personal:read`.
    #[oai(path = "/feed", method = "get", operation_id = "read_feed")]
    async fn feed(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
        /// The cursor of the last event you have (`next_cursor` of the previous page, or a
        /// snapshot's); `0` or absent to start at the beginning.
        #[oai(validator(pattern = r"^[0-9]{1,18}$"))]
        after: Query<Option<String>>,
        /// Most events in the page, 1 to 1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Result<FeedFound, FeedError> {
        auth.require_scope(Scope::FeedRead)?;
        let after = match after.0.as_deref() {
            None => 0,
            Some(text) => parse_cursor(text).ok_or_else(|| ServiceError::BadParameter {
                name: "after",
                message: "must be a cursor this feed gave (a decimal number)".to_owned(),
            })?,
        };
        let page = service::feed::page(
            &state.db,
            state.clock.now(),
            state.policy.feed_retention_days,
            after,
            u64::from(limit.0.unwrap_or(DEFAULT_FEED_LIMIT)),
            auth.may_read_personal(),
        )
        .await?;
        Ok(FeedFound::Ok(
            Json(FeedPageView {
                events: page.events.into_iter().map(Into::into).collect(),
                next_cursor: page.next.to_string(),
                has_more: page.more,
            }),
            "no-store".to_owned(),
        ))
    }

    /// Take a snapshot of the registry
    ///
    /// Every zone, parcel, investor, project, lease, certificate version and dossier as it is now,
    /// read in one transaction, with the feed cursor it corresponds to: load it, then follow the
    /// feed from that cursor and you miss nothing and see nothing twice. Streamed as NDJSON while
    /// it is read, so its size does not matter. Needs the `feed:read` scope (or staff);
    /// individuals' identity numbers, birth dates and addresses only with `personal:read`.
    #[oai(
        path = "/exports/snapshot.ndjson",
        method = "get",
        operation_id = "export_snapshot"
    )]
    async fn snapshot(
        &self,
        state: Data<&AppState>,
        auth: ReaderAuth,
    ) -> Result<SnapshotFound, SnapshotError> {
        auth.require_scope(Scope::FeedRead)?;
        let personal = auth.may_read_personal();
        let now = state.clock.now();
        let snapshot = service::feed::snapshot(&state.db, personal).await?;
        let cursor = snapshot.cursor.to_string();
        let mut head = json!({
            "kind": "snapshot", "cursor": cursor,
            "taken_at": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), "personal": personal,
        })
        .to_string()
        .into_bytes();
        head.push(b'\n');
        let head = futures_util::stream::once(async move { Ok(Bytes::from(head)) });
        let records = futures_util::stream::unfold(
            (snapshot.records, 0u64, false),
            |(mut rx, count, done)| async move {
                if done {
                    return None;
                }
                match rx.recv().await {
                    Some(Ok(r)) => Some((Ok(record_line(r)), (rx, count + 1, false))),
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "snapshot cut short");
                        Some((
                            Err(std::io::Error::other("snapshot cut short")),
                            (rx, count, true),
                        ))
                    }
                    None => {
                        let end = format!("{{\"kind\":\"end\",\"records\":{count}}}\n");
                        Some((Ok(Bytes::from(end)), (rx, count, true)))
                    }
                }
            },
        );
        let body = Body::from_bytes_stream(head.chain(records));
        Ok(SnapshotFound::Ok(
            Binary(body),
            cursor.clone(),
            format!("attachment; filename=\"registry-snapshot-{cursor}.ndjson\""),
            "no-store".to_owned(),
        ))
    }
}

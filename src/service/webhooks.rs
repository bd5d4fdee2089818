//! Webhooks: agencies' endpoints, registered by an administrator for an agency key, and the
//! delivery of the change feed to them.
//!
//! Delivery runs in every server process ([`run`]). Each round, an instance claims one endpoint
//! that is due (a lease in its row: on PostgreSQL picked with `FOR UPDATE SKIP LOCKED`, taken by
//! compare-and-set on both databases), reads the feed after the endpoint's cursor, and POSTs the
//! events the endpoint wants one by one, in order, renewing the lease and recording the cursor
//! before each. So each event reaches each endpoint at least once, and no two instances deliver
//! to one endpoint at the same time. A failure (not 2xx, or no answer within the timeout) ends
//! the round: the endpoint is due again after an exponential backoff with jitter, and after
//! `pause_after` failures in a row it is paused and the pause written to the audit log.
//!
//! Scheduling uses the wall clock (leases are compared between instances, and the
//! `webhook-timestamp` a receiver checks must be the real time), not the application's clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ServiceError, users::require};
use crate::{
    db,
    domain::{
        FieldViolation, Violations,
        auth::{ADMINS, ApiKey, Context, Scope},
        feed,
        webhook::{
            Delivery, DeliveryOutcome, Endpoint, EventFilter, RetryPolicy, WebhookStatus,
            check_url, message_id, secret_from, signature,
        },
    },
    service::{AppState, feed::FeedEvent},
};

/// How this instance delivers.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Whether endpoints may be plain `http` (`WEBHOOK_ALLOW_HTTP`).
    pub allow_http: bool,
    /// Longest wait for an endpoint's answer.
    pub timeout: Duration,
    /// How long a claim on an endpoint lasts without renewal; longer than `timeout`.
    pub lease: Duration,
    /// How often an idle instance looks for due endpoints.
    pub poll_interval: Duration,
    /// Backoff and pausing.
    pub retry: RetryPolicy,
    /// Deliveries this instance makes at once (to different endpoints); 0 for none.
    pub workers: usize,
    /// The service's public address, for the absolute links in deliveries.
    pub public_base_url: String,
}

/// Most events read from the feed per round.
const ROUND: u64 = 100;
/// Most characters of an error kept in the delivery log.
const MAX_ERROR: usize = 500;

/// An endpoint to register.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// The agency key it delivers for; it must hold `feed:read`.
    pub api_key_id: Uuid,
    /// Where to POST.
    pub url: String,
    /// Event-type patterns; empty for every event.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// The feed cursor to deliver after; the newest event when absent (only what happens next).
    pub after: Option<i64>,
}

/// Who reads endpoints: an administrator (all of them) or an agency key (its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// An administrator.
    Admin,
    /// An agency key with `feed:read`.
    Key(Uuid),
}

fn endpoint_json(e: &Endpoint) -> Value {
    json!({
        "id": e.id,
        "api_key_id": e.api_key_id,
        "url": e.url,
        "description": e.description,
        "event_types": e.event_types.patterns(),
        "status": e.status.as_str(),
        "cursor": e.cursor,
        "pause_reason": e.pause_reason,
    })
}

fn key_usable(key: &ApiKey, now: DateTime<Utc>) -> bool {
    key.revoked_at.is_none()
        && key.expires_at.is_none_or(|t| t > now)
        && key.scopes.contains(&Scope::FeedRead)
}

/// Registers an endpoint (administrators); returns it and its signing secret, which is shown
/// once.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Context,
    settings: &WebhookSettings,
    new: NewEndpoint,
) -> Result<(Endpoint, String), ServiceError> {
    require(ctx, ADMINS)?;
    let mut v = Violations::default();
    let url = match check_url(new.url.trim(), settings.allow_http) {
        Ok(u) => Some(u.to_string()),
        Err(e) => {
            v.push(e);
            None
        }
    };
    let filter = match EventFilter::parse(&new.event_types) {
        Ok(f) => Some(f),
        Err(errors) => {
            errors.into_iter().for_each(|e| v.push(e));
            None
        }
    };
    let description = new
        .description
        .map(|d| crate::domain::text::clean(&d))
        .filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        v.push(FieldViolation::new(
            "description",
            "too_long",
            "at most 500 characters",
        ));
    }
    match db::api_keys::find(db, new.api_key_id).await? {
        None => v.push(FieldViolation::new(
            "api_key_id",
            "not_found",
            "no agency key has this id",
        )),
        Some(k) if !key_usable(&k, ctx.now) => v.push(FieldViolation::new(
            "api_key_id",
            "key_unusable",
            "the key is revoked or expired, or lacks the feed:read scope deliveries need",
        )),
        Some(_) => {}
    }
    let newest = db::audit::last_seq(db).await?;
    if new.after.is_some_and(|a| a < 0 || a > newest) {
        v.push(FieldViolation::new(
            "after",
            "out_of_range",
            format!("must be a feed cursor from 0 to the newest, {newest}"),
        ));
    }
    super::finish(v)?;
    let (Some(url), Some(event_types)) = (url, filter) else {
        return Err(ServiceError::conflict("the endpoint could not be checked"));
    };
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = secret_from(&bytes);
    let endpoint = Endpoint {
        id: Uuid::now_v7(),
        api_key_id: new.api_key_id,
        url,
        description,
        event_types,
        status: WebhookStatus::Active,
        cursor: new.after.unwrap_or(newest),
        consecutive_failures: 0,
        next_attempt_at: Utc::now(),
        paused_at: None,
        pause_reason: None,
        last_success_at: None,
        last_failure_at: None,
        created_by: ctx.actor.id().and_then(|s| s.parse().ok()),
        created_at: ctx.now,
    };
    let txn = db::begin_write(db).await?;
    db::webhooks::insert(&txn, &endpoint, &secret).await?;
    super::record(
        &txn,
        ctx,
        "webhook.create",
        "webhook",
        endpoint.id,
        None,
        endpoint_json(&endpoint),
    )
    .await?;
    txn.commit().await?;
    Ok((endpoint, secret))
}

/// One endpoint, as `viewer` may see it.
pub async fn get(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: Uuid,
) -> Result<Endpoint, ServiceError> {
    match db::webhooks::find(db, id).await? {
        Some((e, _)) if viewer == Viewer::Admin || viewer == Viewer::Key(e.api_key_id) => Ok(e),
        _ => Err(ServiceError::not_found("webhook", id)),
    }
}

/// A page of endpoints, oldest first: all for an administrator, its own for a key.
pub async fn list(
    db: &DatabaseConnection,
    viewer: Viewer,
    after: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<Endpoint>, ServiceError> {
    let key = match viewer {
        Viewer::Admin => None,
        Viewer::Key(k) => Some(k),
    };
    let rows = db::webhooks::list(db, key, after, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |e| e.id))
}

/// A page of an endpoint's delivery attempts, newest first.
pub async fn deliveries(
    db: &DatabaseConnection,
    viewer: Viewer,
    id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<super::Page<Delivery>, ServiceError> {
    get(db, viewer, id).await?;
    let rows = db::webhooks::deliveries(db, id, before, limit + 1).await?;
    Ok(super::Page::from_overfetch(rows, limit, |d| d.id))
}

/// Deletes an endpoint and its delivery log (administrators). A delivery in flight finishes.
pub async fn delete(db: &DatabaseConnection, ctx: &Context, id: Uuid) -> Result<(), ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let Some((e, _)) = db::webhooks::find(&txn, id).await? else {
        return Err(ServiceError::not_found("webhook", id));
    };
    db::webhooks::delete(&txn, id).await?;
    let mut after = endpoint_json(&e);
    after["deleted"] = json!(true);
    super::record(
        &txn,
        ctx,
        "webhook.delete",
        "webhook",
        id,
        Some(endpoint_json(&e)),
        after,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes an endpoint active and due at once, its failures forgotten (administrators): after a
/// pause, once the agency has fixed its receiver.
pub async fn resume(
    db: &DatabaseConnection,
    ctx: &Context,
    id: Uuid,
) -> Result<Endpoint, ServiceError> {
    require(ctx, ADMINS)?;
    let txn = db::begin_write(db).await?;
    let Some((before, _)) = db::webhooks::find(&txn, id).await? else {
        return Err(ServiceError::not_found("webhook", id));
    };
    let key = db::api_keys::find(&txn, before.api_key_id).await?;
    if !key.is_some_and(|k| key_usable(&k, ctx.now)) {
        return Err(ServiceError::conflict(
            "the endpoint's agency key is revoked or expired, or lacks feed:read: register the endpoint again for a usable key",
        ));
    }
    db::webhooks::resume(&txn, id, Utc::now()).await?;
    let Some((after, _)) = db::webhooks::find(&txn, id).await? else {
        return Err(ServiceError::not_found("webhook", id));
    };
    super::record(
        &txn,
        ctx,
        "webhook.resume",
        "webhook",
        id,
        Some(endpoint_json(&before)),
        endpoint_json(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The body of a delivery, in the Standard Webhooks shape: `type`, `timestamp` and `data`, the
/// event as the feed gives it with absolute links.
pub fn payload(event: &FeedEvent, base_url: &str) -> Vec<u8> {
    let base = base_url.trim_end_matches('/');
    let href = feed::href(event.entity, &event.entity_id, &event.record);
    let pdf = feed::pdf_href(event.entity, &event.entity_id, &event.record);
    let mut data = json!({
        "cursor": event.seq.to_string(),
        "at": event.at,
        "type": event.action,
        "entity_type": event.entity.as_str(),
        "entity_id": event.entity_id,
        "href": format!("{base}{href}"),
        "data": event.record,
    });
    if let Some(pdf) = pdf {
        data["pdf_href"] = json!(format!("{base}{pdf}"));
    }
    json!({"type": event.action, "timestamp": event.at, "data": data})
        .to_string()
        .into_bytes()
}

/// Delivers until the process ends: `settings.workers` loops, each claiming due endpoints one
/// at a time and resting `poll_interval` when none is due.
pub async fn run(state: AppState, instance: String) {
    let settings = state.webhooks.clone();
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "invest-registry-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery cannot start: no HTTP client");
            return;
        }
    };
    let loops = (0..settings.workers).map(|n| {
        let (state, settings, client) = (state.clone(), settings.clone(), client.clone());
        let me = format!("{instance}/{n}");
        async move {
            loop {
                match round(&state, &settings, &client, &me).await {
                    Ok(true) => tokio::task::yield_now().await,
                    Ok(false) => tokio::time::sleep(settings.poll_interval).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook delivery round failed");
                        tokio::time::sleep(settings.poll_interval).await;
                    }
                }
            }
        }
    });
    futures_util::future::join_all(loops).await;
}

/// One round: claims a due endpoint and delivers to it. False when none was due.
pub async fn round(
    state: &AppState,
    settings: &WebhookSettings,
    client: &reqwest::Client,
    me: &str,
) -> Result<bool, ServiceError> {
    let db = &state.db;
    let now = Utc::now();
    let newest = db::audit::last_seq(db).await?;
    let Some((endpoint, secret)) =
        db::webhooks::claim(db, me, now, now + settings.lease, newest).await?
    else {
        return Ok(false);
    };
    deliver(state, settings, client, me, &endpoint, &secret).await?;
    Ok(true)
}

async fn deliver(
    state: &AppState,
    settings: &WebhookSettings,
    client: &reqwest::Client,
    me: &str,
    endpoint: &Endpoint,
    secret: &str,
) -> Result<(), ServiceError> {
    let db = &state.db;
    let mut progress = db::webhooks::Progress {
        cursor: endpoint.cursor,
        consecutive_failures: endpoint.consecutive_failures,
        next_attempt_at: Utc::now(),
        last_success_at: None,
        last_failure_at: None,
        pause: None,
    };
    let key = db::api_keys::find(db, endpoint.api_key_id).await?;
    let Some(key) = key.filter(|k| key_usable(k, Utc::now())) else {
        progress.pause =
            Some("the agency key was revoked or expired, or lost the feed:read scope".to_owned());
        return finish(db, endpoint, me, &progress).await;
    };
    let page = match super::feed::page(
        db,
        state.clock.now(),
        state.policy.feed_retention_days,
        endpoint.cursor,
        ROUND,
        key.scopes.contains(&Scope::PersonalRead),
    )
    .await
    {
        Ok(page) => page,
        Err(ServiceError::Gone(why)) => {
            progress.pause = Some(format!(
                "the endpoint fell behind the feed's retention: {why}"
            ));
            return finish(db, endpoint, me, &progress).await;
        }
        Err(e) => return Err(e),
    };
    for event in &page.events {
        if !endpoint.event_types.matches(&event.action) {
            progress.cursor = event.seq;
            continue;
        }
        let now = Utc::now();
        if !db::webhooks::hold(
            db,
            endpoint.id,
            me,
            now,
            now + settings.lease,
            progress.cursor,
        )
        .await?
        {
            tracing::warn!(webhook = %endpoint.id, "webhook lease lost; another instance carries on");
            return Ok(());
        }
        let attempt = progress.consecutive_failures + 1;
        let delivery = send(
            client,
            endpoint,
            secret,
            event,
            attempt,
            &settings.public_base_url,
        )
        .await;
        db::webhooks::log_delivery(db, &delivery).await?;
        if delivery.outcome == DeliveryOutcome::Delivered {
            progress.cursor = event.seq;
            progress.consecutive_failures = 0;
            progress.last_success_at = Some(delivery.attempted_at);
            continue;
        }
        let failures = u32::try_from(attempt).unwrap_or(u32::MAX);
        progress.consecutive_failures = attempt;
        progress.last_failure_at = Some(delivery.attempted_at);
        let jitter = f64::from(rand::random::<u32>()) / f64::from(u32::MAX);
        progress.next_attempt_at = Utc::now() + settings.retry.delay(failures, jitter);
        if settings.retry.pauses(failures) {
            progress.pause = Some(format!(
                "{failures} deliveries in a row failed; the last: {}",
                delivery.error.as_deref().unwrap_or("no answer")
            ));
        }
        return finish(db, endpoint, me, &progress).await;
    }
    progress.cursor = progress.cursor.max(page.next);
    progress.next_attempt_at = Utc::now();
    // The delivery log keeps as long as the feed does.
    let horizon = Utc::now() - chrono::Duration::days(i64::from(state.policy.feed_retention_days));
    db::webhooks::prune(db, endpoint.id, horizon).await?;
    finish(db, endpoint, me, &progress).await
}

/// Gives the endpoint up with its progress; a pause is written to the audit log with it and
/// logged as a warning for the operator.
async fn finish(
    db: &DatabaseConnection,
    endpoint: &Endpoint,
    me: &str,
    progress: &db::webhooks::Progress,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    let Some(reason) = &progress.pause else {
        db::webhooks::release(db, endpoint.id, me, now, progress).await?;
        return Ok(());
    };
    let txn = db::begin_write(db).await?;
    if db::webhooks::release(&txn, endpoint.id, me, now, progress).await? {
        let mut after = endpoint_json(endpoint);
        after["status"] = json!(WebhookStatus::Paused.as_str());
        after["cursor"] = json!(progress.cursor);
        after["pause_reason"] = json!(reason);
        super::record(
            &txn,
            &Context::system("webhooks", now),
            "webhook.pause",
            "webhook",
            endpoint.id,
            Some(endpoint_json(endpoint)),
            after,
        )
        .await?;
        tracing::warn!(webhook = %endpoint.id, url = %endpoint.url, reason = %reason, "webhook endpoint paused");
    }
    txn.commit().await?;
    Ok(())
}

/// POSTs one event, signed, and says how it went.
async fn send(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    secret: &str,
    event: &FeedEvent,
    attempt: i32,
    base_url: &str,
) -> Delivery {
    let body = payload(event, base_url);
    let attempted_at = Utc::now();
    let id = message_id(event.seq);
    let timestamp = attempted_at.timestamp();
    let started = std::time::Instant::now();
    let answer = match signature(secret, &id, timestamp, &body) {
        None => Err("the endpoint's secret is malformed".to_owned()),
        Some(sig) => client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sig)
            .body(body)
            .send()
            .await
            .map(|r| r.status())
            .map_err(|e| describe(&e)),
    };
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (outcome, status_code, error) = match answer {
        Ok(s) if s.is_success() => (DeliveryOutcome::Delivered, Some(s.as_u16()), None),
        Ok(s) => (
            DeliveryOutcome::Failed,
            Some(s.as_u16()),
            Some(format!("the endpoint answered HTTP {s}")),
        ),
        Err(e) => (DeliveryOutcome::Failed, None, Some(e)),
    };
    Delivery {
        id: Uuid::now_v7(),
        endpoint_id: endpoint.id,
        event_seq: event.seq,
        event_type: event.action.clone(),
        message_id: id,
        attempt,
        attempted_at,
        outcome,
        status_code: status_code.map(i32::from),
        error: error.map(|e| e.chars().take(MAX_ERROR).collect()),
        duration_ms,
    }
}

fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}

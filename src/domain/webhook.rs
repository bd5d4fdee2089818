//! Webhooks: the change feed pushed to an agency's endpoint, in the manner of the Standard
//! Webhooks specification (<https://www.standardwebhooks.com/>).
//!
//! Each endpoint follows the feed with its own cursor, in order: the event at its head is
//! delivered (retried with exponential backoff and jitter until the endpoint answers 2xx) before
//! the next one, so an agency sees the registry's changes in commit order, each at least once.
//! Every delivery is signed: `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the endpoint's secret (`whsec_<base64>`).
//! An endpoint that keeps failing is paused, and an administrator resumes it.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::{FieldViolation, feed::FeedEntity, string_enum};

string_enum! {
    /// Whether deliveries are made to an endpoint.
    WebhookStatus {
        /// Deliveries are made.
        Active = "active",
        /// Deliveries wait until an administrator resumes the endpoint (after repeated
        /// failures, or because its key was revoked).
        Paused = "paused",
    }
}

/// An endpoint an agency receives the change feed at (without its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Its id.
    pub id: Uuid,
    /// The agency key it delivers for: the key's scopes decide what deliveries carry.
    pub api_key_id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What it is for, in the administrator's words.
    pub description: Option<String>,
    /// The event types it wants.
    pub event_types: EventFilter,
    /// Whether deliveries are made.
    pub status: WebhookStatus,
    /// The cursor of the last feed event delivered to it or passed over.
    pub cursor: i64,
    /// Failed attempts at the event at its head, since the last success.
    pub consecutive_failures: i32,
    /// The next attempt is not made before then.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was paused, if it is.
    pub paused_at: Option<DateTime<Utc>>,
    /// Why it was paused.
    pub pause_reason: Option<String>,
    /// The last delivery it accepted.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last delivery that failed.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// The administrator who registered it.
    pub created_by: Option<Uuid>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

string_enum! {
    /// How a delivery attempt ended.
    DeliveryOutcome {
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// The endpoint answered otherwise, or did not answer in time.
        Failed = "failed",
    }
}

/// One attempt at delivering one feed event to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The feed event's cursor.
    pub event_seq: i64,
    /// The event's type, e.g. `certificate.issue`.
    pub event_type: String,
    /// The `webhook-id` sent: the same for every attempt at the event.
    pub message_id: String,
    /// 1 for the first attempt at the event, then 2, 3, …
    pub attempt: i32,
    /// When the attempt was made.
    pub attempted_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: DeliveryOutcome,
    /// The HTTP status the endpoint answered, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong, when it failed.
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub duration_ms: i32,
}

/// The prefix of an endpoint secret, as Standard Webhooks writes it.
pub const SECRET_PREFIX: &str = "whsec_";
/// Most event-type patterns one endpoint may name.
pub const MAX_EVENT_TYPES: usize = 50;
/// Longest endpoint URL.
pub const MAX_URL_LEN: usize = 2000;

/// The event types an endpoint wants: exact types (`certificate.issue`), every action on one
/// entity (`certificate.*`), or everything (an empty list, or `*`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    /// Checks the patterns; every bad one is reported under `event_types[i]`.
    pub fn parse(patterns: &[String]) -> Result<Self, Vec<FieldViolation>> {
        let mut errors = Vec::new();
        if patterns.len() > MAX_EVENT_TYPES {
            errors.push(FieldViolation::new(
                "event_types",
                "too_many",
                format!("at most {MAX_EVENT_TYPES} patterns"),
            ));
        }
        let mut kept: Vec<String> = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.trim();
            if !valid_pattern(p) {
                errors.push(FieldViolation::new(
                    format!("event_types[{i}]"),
                    "unknown_event_type",
                    format!(
                        "`{p}` is not an event type: write `<entity>.<action>` (e.g. `certificate.issue`), `<entity>.*` or `*`, where entity is one of {}",
                        FeedEntity::ALL
                            .iter()
                            .map(|e| e.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            } else if !kept.iter().any(|k| k == p) {
                kept.push(p.to_owned());
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if kept.iter().any(|k| k == "*") {
            kept.clear();
        }
        Ok(Self(kept))
    }

    /// The stored form: comma-separated, empty for everything.
    pub fn to_stored(&self) -> String {
        self.0.join(",")
    }

    /// From the stored form (written by [`EventFilter::to_stored`]).
    pub fn from_stored(text: &str) -> Self {
        Self(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// The patterns; empty for every event.
    pub fn patterns(&self) -> &[String] {
        &self.0
    }

    /// Whether an event of `event_type` (e.g. `lease.create`) is wanted.
    pub fn matches(&self, event_type: &str) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|p| match p.strip_suffix(".*") {
                Some(entity) => event_type
                    .strip_prefix(entity)
                    .is_some_and(|rest| rest.starts_with('.')),
                None => p == event_type,
            })
    }
}

fn valid_pattern(p: &str) -> bool {
    if p == "*" {
        return true;
    }
    let Some((entity, action)) = p.split_once('.') else {
        return false;
    };
    entity.parse::<FeedEntity>().is_ok()
        && !action.is_empty()
        && action.len() <= 40
        && (action == "*" || action.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// The URL deliveries go to: absolute `https` (or `http` where the operator allows it, for
/// endpoints inside the province's network), with a host, without credentials or a fragment.
pub fn check_url(url: &str, allow_http: bool) -> Result<url::Url, FieldViolation> {
    let bad = |code: &str, message: &str| FieldViolation::new("url", code, message);
    if url.len() > MAX_URL_LEN {
        return Err(bad("too_long", "at most 2000 characters"));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| bad("invalid_url", &format!("not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(bad(
                "insecure_url",
                "must be https (the operator has not allowed http: WEBHOOK_ALLOW_HTTP)",
            ));
        }
        _ => return Err(bad("invalid_url", "must be an https URL")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("invalid_url", "must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "invalid_url",
            "must not carry a user name or password; the signature authenticates deliveries",
        ));
    }
    if parsed.fragment().is_some() {
        return Err(bad("invalid_url", "must not have a fragment (#…)"));
    }
    Ok(parsed)
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles after each further one.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Consecutive failures after which the endpoint is paused.
    pub pause_after: u32,
}

impl RetryPolicy {
    /// The wait after the `failures`-th consecutive failure (1 for the first): exponential,
    /// capped, with "equal jitter": half the wait is fixed and half is `jitter` (0 to 1) of it,
    /// so instances and endpoints that failed together do not retry together.
    pub fn delay(&self, failures: u32, jitter: f64) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exp.min(20)).min(self.cap);
        let half = full / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Whether `failures` consecutive failures pause the endpoint.
    pub fn pauses(&self, failures: u32) -> bool {
        failures >= self.pause_after
    }
}

/// The `webhook-signature` header of a delivery: `v1,` and the base64 HMAC-SHA256 of
/// `<id>.<timestamp>.<body>` keyed with the secret's bytes. `None` for a malformed secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// A secret from random bytes: `whsec_` and their base64.
pub fn secret_from(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The message id of the delivery of feed event `seq`: the same for every retry, so a receiver
/// can drop a delivery it has already processed.
pub fn message_id(seq: i64) -> String {
    format!("msg_feed_{seq}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(p: &[&str]) -> EventFilter {
        EventFilter::parse(&p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .expect("valid patterns")
    }

    #[test]
    fn filters_match_exact_types_whole_entities_and_everything() {
        let f = filter(&["certificate.issue", "lease.*"]);
        assert!(f.matches("certificate.issue"));
        assert!(!f.matches("certificate.revoke"));
        assert!(f.matches("lease.create"));
        assert!(f.matches("lease.release"));
        assert!(!f.matches("leasehold.create"));
        assert!(!f.matches("zone.create"));
        assert!(filter(&[]).matches("zone.create"));
        let all = filter(&["*", "zone.create"]);
        assert!(all.matches("dossier.step"));
        assert_eq!(all.to_stored(), "");
        assert_eq!(
            EventFilter::from_stored(&f.to_stored()).patterns(),
            f.patterns()
        );
    }

    #[test]
    fn every_bad_pattern_is_named() {
        let bad = EventFilter::parse(&[
            "certificate.issue".to_owned(),
            "user.create".to_owned(),
            "zone".to_owned(),
            "zone.Create".to_owned(),
        ])
        .expect_err("bad patterns");
        let fields: Vec<_> = bad.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["event_types[1]", "event_types[2]", "event_types[3]"]
        );
    }

    #[test]
    fn urls_must_be_https_unless_http_is_allowed() {
        assert!(check_url("https://thue.quangtri.gov.vn/hooks/irc", false).is_ok());
        assert_eq!(
            check_url("http://10.0.0.5/hook", false)
                .expect_err("http")
                .code,
            "insecure_url"
        );
        assert!(check_url("http://10.0.0.5/hook", true).is_ok());
        for bad in [
            "ftp://x/y",
            "https://user:pw@x/y",
            "https://x/y#f",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
            pause_after: 5,
        };
        assert_eq!(p.delay(1, 0.0), Duration::from_secs(5));
        assert_eq!(p.delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(p.delay(3, 1.0), Duration::from_secs(40));
        assert_eq!(p.delay(30, 1.0), Duration::from_secs(3600));
        assert_eq!(p.delay(u32::MAX, 0.5), Duration::from_secs(2700));
        assert!(!p.pauses(4));
        assert!(p.pauses(5));
    }

    #[test]
    fn signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(signature("whsec_not base64!", id, 1, body), None);
        assert_eq!(signature("nope", id, 1, body), None);
    }
}

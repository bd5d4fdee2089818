//! The audit chain: each event's hash covers its content and the previous event's hash, so editing
//! or deleting any stored event breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash that precedes the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Event id.
    pub id: uuid::Uuid,
    /// UTC time, RFC 3339 with microseconds.
    pub at: String,
    /// `user` or `system`.
    pub actor_type: String,
    /// Account id, if any.
    pub actor_id: Option<String>,
    /// Readable actor name.
    pub actor_name: String,
    /// What happened, e.g. `zone.update`.
    pub action: String,
    /// Kind of entity.
    pub entity_type: String,
    /// Its id.
    pub entity_id: String,
    /// JSON before the change.
    pub before: Option<String>,
    /// JSON after the change.
    pub after: Option<String>,
    /// HTTP request id.
    pub request_id: Option<String>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// Hash of this event's content and the previous hash.
    pub hash: String,
}

impl StoredEvent {
    /// The part of the event its hash covers; `id` is the event id as text.
    pub fn content<'a>(&'a self, id: &'a str) -> EventContent<'a> {
        EventContent {
            seq: self.seq,
            id,
            at: &self.at,
            actor_type: &self.actor_type,
            actor_id: self.actor_id.as_deref(),
            actor_name: &self.actor_name,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            before: self.before.as_deref(),
            after: self.after.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}

/// Filters of the audit list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only events about this kind of entity.
    pub entity_type: Option<String>,
    /// Only events about this entity.
    pub entity_id: Option<String>,
    /// Only events by this actor id.
    pub actor_id: Option<String>,
}

/// The hashed content of one event, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Event id.
    pub id: &'a str,
    /// UTC time, RFC 3339 with microseconds.
    pub at: &'a str,
    /// `user` or `system`.
    pub actor_type: &'a str,
    /// Account id, if any.
    pub actor_id: Option<&'a str>,
    /// Readable actor name.
    pub actor_name: &'a str,
    /// What happened, e.g. `zone.update`.
    pub action: &'a str,
    /// Kind of entity.
    pub entity_type: &'a str,
    /// Its id.
    pub entity_id: &'a str,
    /// JSON before the change.
    pub before: Option<&'a str>,
    /// JSON after the change.
    pub after: Option<&'a str>,
    /// HTTP request id.
    pub request_id: Option<&'a str>,
}

impl EventContent<'_> {
    /// SHA-256, hex, of the previous hash and every field, each length-prefixed so no two
    /// different events can produce the same input.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"invest-registry/audit/v1\n");
        let mut field = |v: Option<&str>| match v {
            None => h.update(b"-\n"),
            Some(s) => {
                h.update(format!("{}:", s.len()).as_bytes());
                h.update(s.as_bytes());
                h.update(b"\n");
            }
        };
        field(Some(prev_hash));
        field(Some(&self.seq.to_string()));
        field(Some(self.id));
        field(Some(self.at));
        field(Some(self.actor_type));
        field(self.actor_id);
        field(Some(self.actor_name));
        field(Some(self.action));
        field(Some(self.entity_type));
        field(Some(self.entity_id));
        field(self.before);
        field(self.after);
        field(self.request_id);
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(after: Option<&'a str>) -> EventContent<'a> {
        EventContent {
            seq: 1,
            id: "e1",
            at: "2026-11-29T00:00:00.000000Z",
            actor_type: "user",
            actor_id: Some("u1"),
            actor_name: "officer",
            action: "zone.create",
            entity_type: "zone",
            entity_id: "z1",
            before: None,
            after,
            request_id: None,
        }
    }

    #[test]
    fn any_change_of_content_or_predecessor_changes_the_hash() {
        let a = event(Some("{\"name\":\"A\"}")).hash(GENESIS);
        assert_eq!(a.len(), 64);
        assert_eq!(a, event(Some("{\"name\":\"A\"}")).hash(GENESIS));
        assert_ne!(a, event(Some("{\"name\":\"B\"}")).hash(GENESIS));
        assert_ne!(a, event(None).hash(GENESIS));
        assert_ne!(a, event(Some("{\"name\":\"A\"}")).hash(&a));
    }
}

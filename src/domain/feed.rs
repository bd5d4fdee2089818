//! The change feed: which audit events other systems see, what each carries of its entity, and
//! what is withheld from them without the `personal:read` scope.
//!
//! The feed is read off the hash-chained audit log. Every change to the registry appends one
//! event to the chain in the transaction that makes it, under one lock, so the chain's sequence
//! numbers are gapless and in commit order; a consumer that resumes after the last sequence
//! number it saw gets every later change exactly once. An event's `after` is the entity's record
//! after the change (the same record the NDJSON snapshot gives of an entity now), so replaying the
//! feed rebuilds the registry.

use serde_json::Value;

use super::string_enum;

string_enum! {
    /// The kinds of entity the feed carries.
    FeedEntity {
        /// An industrial park or economic zone.
        Zone = "zone",
        /// A land parcel in a zone.
        Parcel = "parcel",
        /// An investor.
        Investor = "investor",
        /// An investment project.
        Project = "project",
        /// A lease of a parcel's land to a project.
        Lease = "lease",
        /// A certificate version.
        Certificate = "certificate",
        /// A dossier at the one-stop desk.
        Dossier = "dossier",
    }
}

/// The entity's record after the change, from an audit event's `after`. Most events record the
/// entity itself; some record what the action added and the entity beside it (`dossier.apology`
/// puts the dossier under `dossier`). An event that records neither (a new tracking secret, which
/// changes nothing public) is not in the feed.
pub fn record_after(entity: FeedEntity, entity_id: &str, after: &Value) -> Option<Value> {
    let key = entity.as_str();
    let record = match after.get(key) {
        Some(inner) if inner.is_object() => inner,
        _ => after,
    };
    let same = record.get("id").and_then(Value::as_str) == Some(entity_id);
    same.then(|| record.clone())
}

/// Withholds what identifies a person: an individual investor's birth date, identity document
/// (number, date and place of issue) and addresses, and the identity number of an
/// organisation's representative. Their keys stay, set to `null`, so a record has one shape.
pub fn withhold_personal(entity: FeedEntity, record: &mut Value) {
    if entity != FeedEntity::Investor {
        return;
    }
    let Some(obj) = record.as_object_mut() else {
        return;
    };
    let individual = obj
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("_individual"));
    if individual {
        for key in ["date_of_birth", "permanent_address", "current_address"] {
            if let Some(v) = obj.get_mut(key) {
                *v = Value::Null;
            }
        }
        if let Some(doc) = obj.get_mut("document").and_then(Value::as_object_mut) {
            for key in ["number", "issue_date", "issuer"] {
                if let Some(v) = doc.get_mut(key) {
                    *v = Value::Null;
                }
            }
        }
    }
    if let Some(rep) = obj.get_mut("representative").and_then(Value::as_object_mut)
        && let Some(v) = rep.get_mut("doc_number")
    {
        *v = Value::Null;
    }
}

/// Where the API serves the entity of an event now (for a lease: its project's leases).
pub fn href(entity: FeedEntity, id: &str, data: &Value) -> String {
    match entity {
        FeedEntity::Zone => format!("/api/v1/zones/{id}"),
        FeedEntity::Parcel => format!("/api/v1/parcels/{id}"),
        FeedEntity::Investor => format!("/api/v1/investors/{id}"),
        FeedEntity::Project => format!("/api/v1/projects/{id}"),
        FeedEntity::Lease => format!(
            "/api/v1/projects/{}/leases",
            data.get("project_id").and_then(Value::as_str).unwrap_or("")
        ),
        FeedEntity::Certificate => format!("/api/v1/certificates/{id}"),
        FeedEntity::Dossier => format!("/api/v1/dossiers/{id}"),
    }
}

/// For an issued certificate version: where its signed PDF is.
pub fn pdf_href(entity: FeedEntity, id: &str, data: &Value) -> Option<String> {
    (entity == FeedEntity::Certificate && data.get("pdf_sha256").is_some_and(|v| !v.is_null()))
        .then(|| format!("/api/v1/certificates/{id}/pdf"))
}

/// A feed cursor: the sequence number of the last event a consumer has seen, as decimal text
/// (`0` before the first).
pub fn parse_cursor(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_record_is_the_event_or_the_entity_beside_what_it_added() {
        let zone = json!({"id": "z1", "code": "KCN-1"});
        assert_eq!(
            record_after(FeedEntity::Zone, "z1", &zone),
            Some(zone.clone())
        );
        let apology = json!({"apology_id": "a", "dossier": {"id": "d1", "status": "processing"}});
        assert_eq!(
            record_after(FeedEntity::Dossier, "d1", &apology),
            Some(json!({"id": "d1", "status": "processing"}))
        );
        assert_eq!(
            record_after(FeedEntity::Dossier, "d1", &json!({"receipt_code": "X"})),
            None
        );
        assert_eq!(record_after(FeedEntity::Zone, "other", &zone), None);
    }

    #[test]
    fn an_individuals_identity_birth_date_and_addresses_are_withheld() {
        let mut person = json!({
            "id": "i1", "kind": "foreign_individual", "name": "John Smith",
            "date_of_birth": "1980-01-02", "nationality": "GB",
            "document": {"type": "passport", "number": "P123", "issue_date": "2020-01-01", "issuer": "UK"},
            "permanent_address": "1 Road", "current_address": "2 Road",
            "tax_code": null, "head_office_address": null, "representative": null,
        });
        withhold_personal(FeedEntity::Investor, &mut person);
        assert_eq!(person["name"], "John Smith");
        assert_eq!(person["nationality"], "GB");
        assert_eq!(person["document"]["type"], "passport");
        for gone in [
            &person["date_of_birth"],
            &person["permanent_address"],
            &person["current_address"],
            &person["document"]["number"],
            &person["document"]["issue_date"],
            &person["document"]["issuer"],
        ] {
            assert!(gone.is_null(), "{person}");
        }
    }

    #[test]
    fn a_companys_registration_stays_but_its_representatives_number_does_not() {
        let mut company = json!({
            "id": "i2", "kind": "domestic_organization", "name": "Công ty A",
            "document": {"type": "enterprise_code", "number": "3200123456", "issue_date": "2020-01-01", "issuer": "Sở KH&ĐT"},
            "head_office_address": "Đông Hà",
            "representative": {"name": "Nguyễn Văn A", "title": "Giám đốc", "doc_type": "cccd", "doc_number": "045080000001"},
        });
        withhold_personal(FeedEntity::Investor, &mut company);
        assert_eq!(company["document"]["number"], "3200123456");
        assert_eq!(company["head_office_address"], "Đông Hà");
        assert_eq!(company["representative"]["name"], "Nguyễn Văn A");
        assert!(company["representative"]["doc_number"].is_null());
    }

    #[test]
    fn cursors_are_decimal_sequence_numbers() {
        assert_eq!(parse_cursor("0"), Some(0));
        assert_eq!(parse_cursor("42"), Some(42));
        for bad in ["", "-1", "1e3", " 1", "9999999999999999999", "abc"] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }
}

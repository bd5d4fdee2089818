//! The committed spec is generated from the code; these tests fail on drift.
//! Regenerate with `UPDATE_OPENAPI=1 cargo test --test api openapi`.

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::TestApp;

fn committed_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("openapi")
        .join(file)
}

/// The two editions: committed file and generated text.
fn editions() -> [(&'static str, String); 2] {
    [
        ("openapi.json", invest_registry::api::spec_json()),
        ("openapi-3.1.json", invest_registry::api::spec_json_31()),
    ]
}

#[test]
fn the_committed_spec_matches_the_code() {
    for (file, generated) in editions() {
        let path = committed_path(file);
        if std::env::var("UPDATE_OPENAPI").is_ok() {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            let diff = similar::TextDiff::from_lines(&committed, &generated);
            let shown: String = diff
                .unified_diff()
                .context_radius(2)
                .header(
                    &format!("openapi/{file} (committed)"),
                    "generated from the code",
                )
                .to_string()
                .lines()
                .take(120)
                .collect::<Vec<_>>()
                .join("\n");
            panic!(
                "openapi/{file} is stale. Regenerate it with\n    UPDATE_OPENAPI=1 cargo test --test api openapi\n\n{shown}"
            );
        }
    }
}

#[tokio::test]
async fn the_served_spec_equals_the_committed_file() {
    let app = TestApp::spawn().await;
    for (file, served_at) in [
        ("openapi.json", "/api/v1/openapi"),
        ("openapi-3.1.json", "/api/v1/openapi-3.1"),
    ] {
        let committed_text = std::fs::read_to_string(committed_path(file)).unwrap();
        let committed: Value = serde_json::from_str(&committed_text).unwrap();
        let served = app
            .get(&format!("{served_at}.json"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            served, committed_text,
            "the served spec differs from openapi/{file}"
        );
        let yaml = app
            .get(&format!("{served_at}.yaml"))
            .await
            .text()
            .await
            .unwrap();
        let served_yaml: Value = serde_yaml::from_str(&yaml).unwrap();
        assert!(
            served_yaml == committed,
            "the served YAML spec differs from openapi/{file}"
        );
    }
    // The documentation page shows the 3.1 edition, examples included.
    let docs = app.get("/docs/").await.text().await.unwrap();
    assert!(
        docs.contains("\"openapi\": \"3.1.0\""),
        "/docs shows the 3.1 edition"
    );
    assert!(
        docs.contains("Khu công nghiệp Nam Đông Hà"),
        "/docs shows the examples"
    );
}

/// The 3.0 edition has no `allOf` wrapper and no sibling beside a `$ref` (generators take
/// neither); the 3.1 edition keeps each such field's description beside its `$ref`.
#[test]
fn named_types_are_plain_references_in_30_and_described_references_in_31() {
    let v30 = invest_registry::api::spec_json();
    let v31: Value = serde_json::from_str(&invest_registry::api::spec_json_31()).unwrap();
    // The one `allOf` left is how 3.0 writes a nullable object: over objects only.
    let parsed: Value = serde_json::from_str(&v30).unwrap();
    fn all_of_targets(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for part in m
                    .get("allOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(part["$ref"].as_str().unwrap_or("(inline)").to_owned());
                }
                m.values().for_each(|x| all_of_targets(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| all_of_targets(x, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    all_of_targets(&parsed, &mut targets);
    for target in targets {
        let name = target.trim_start_matches("#/components/schemas/");
        assert_eq!(
            parsed["components"]["schemas"][name]["type"], "object",
            "allOf over {target}, which is not an object"
        );
    }
    fn refs_with_siblings(v: &Value, out: &mut usize) {
        match v {
            Value::Object(m) => {
                if m.contains_key("$ref") && m.len() > 1 {
                    *out += 1;
                }
                m.values().for_each(|x| refs_with_siblings(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs_with_siblings(x, out)),
            _ => {}
        }
    }
    let mut n30 = 0;
    refs_with_siblings(&serde_json::from_str(&v30).unwrap(), &mut n30);
    assert_eq!(n30, 0, "$ref with siblings in the 3.0 edition");
    assert_eq!(
        v31.pointer("/components/schemas/Zone/properties/kind/description"),
        Some(&Value::from("Kind of zone."))
    );
    assert_eq!(
        v31.pointer("/components/schemas/Zone/properties/kind/$ref"),
        Some(&Value::from("#/components/schemas/ZoneKind"))
    );
}

/// Every JSON request body publishes an example, and the example passes the very check the
/// server applies to bodies, so "Try it out" in `/docs` works as shown.
#[test]
fn every_request_body_has_an_example_the_server_accepts() {
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let mut problems = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (media, body) in content {
                let Some(name) = body["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                else {
                    continue;
                };
                assert!(media.starts_with("application/json"), "{method} {path}");
                match schemas[name].get("example") {
                    None => problems.push(format!("{method} {path}: {name} has no example")),
                    Some(example) => {
                        if let Err(errors) = invest_registry::api::body::check(name, example) {
                            problems.push(format!("{method} {path}: {name}: {errors:?}"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_operation_is_described_and_documents_its_errors() {
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/zones"));
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has a summary"
            );
            assert!(op["operationId"].is_string(), "{name} has an operationId");
            let responses = op["responses"].as_object().unwrap();
            for (status, resp) in responses {
                assert!(
                    resp["description"].as_str().is_some_and(|s| !s.is_empty()),
                    "{name} {status}"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        resp["content"]["application/problem+json"].is_object(),
                        "{name} {status} is problem+json"
                    );
                }
            }
            if path.starts_with("/api/") {
                assert!(
                    responses.contains_key("400") && responses.contains_key("500"),
                    "{name}"
                );
            }
            if method == "patch" {
                for s in ["404", "412", "422", "428"] {
                    assert!(responses.contains_key(s), "{name} documents {s}");
                }
                // If-Match is required, with the pattern the server accepts; without it the
                // answer is 428.
                let if_match = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|p| p["name"] == "If-Match")
                    .unwrap_or_else(|| panic!("{name} takes If-Match"));
                assert_eq!(if_match["required"], true, "{name}");
                assert_eq!(
                    if_match["schema"]["pattern"],
                    invest_registry::api::IF_MATCH_PATTERN,
                    "{name}"
                );
                // The ETag of the new version comes back, declared.
                assert!(
                    responses["200"]["headers"]
                        .as_object()
                        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("etag"))),
                    "{name} declares its ETag"
                );
            }
        }
    }
}

#[test]
fn every_field_is_described_and_registry_schemas_carry_complete_examples() {
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    // Field descriptions: in the 3.1 edition, where a field typed by a named schema keeps its own.
    let v31: Value = serde_json::from_str(&invest_registry::api::spec_json_31()).unwrap();
    let mut undocumented = Vec::new();
    for (name, schema) in v31["components"]["schemas"].as_object().unwrap() {
        if let Some(props) = schema["properties"].as_object() {
            for (field, prop) in props {
                if prop["description"].as_str().is_none_or(|d| d.is_empty()) {
                    undocumented.push(format!("{name}.{field}"));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "fields without a description: {undocumented:?}"
    );

    for name in [
        "Zone",
        "ZoneCreate",
        "Parcel",
        "ParcelCreate",
        "Investor",
        "InvestorCreate",
        "Project",
        "ProjectCreate",
        "ProjectStatusChange",
        "Lease",
        "LeaseCreate",
        "LeaseRelease",
        "ZoneOccupancy",
    ] {
        let schema = &schemas[name];
        let example = schema["example"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has an example"));
        // Every required field is shown; optional ones are shown unless the example leaves them
        // empty (empty fields are omitted from responses).
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(
                example.contains_key(field),
                "{name}'s example shows {field}"
            );
        }
        let shown = example.len() as f64 / schema["properties"].as_object().unwrap().len() as f64;
        assert!(
            shown >= 0.6,
            "{name}'s example shows most of its fields ({shown:.2})"
        );
    }
}

/// What an operation's shape lets it answer, whatever its service functions do: a status a
/// request can meet must be declared, so no answer becomes an undocumented 500. Public
/// operations (no security requirement) never answer 401 or 403.
#[test]
fn every_operation_declares_every_status_its_shape_makes_possible() {
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let mut missing = Vec::new();
    let mut impossible = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let declared: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let security: Vec<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_object())
                .flat_map(|s| s.keys().cloned())
                .collect();
            let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            let has = |name: &str, place: &str| {
                params.iter().any(|p| p["name"] == name && p["in"] == place)
            };
            // Every operation: a malformed request, a body too slow, a failure, an outage.
            let mut needed = vec!["400", "408", "500", "503"];
            if security.is_empty() {
                // A public operation proves nothing but, where it takes one, the dossier's
                // tracking secret: a wrong one is a 403, and sign-in's wrong password a 401.
                let secret = has("Tracking-Secret", "header");
                for s in ["401", "403"] {
                    let possible =
                        (s == "401" && op["operationId"] == "login") || (s == "403" && secret);
                    if declared.contains(&s) && !possible {
                        impossible.push(format!("{method} {path}: {s} (public operation)"));
                    }
                    if s == "403" && secret && !declared.contains(&s) {
                        missing.push(format!("{method} {path}: 403 (wrong tracking secret)"));
                    }
                }
            } else {
                needed.extend(["401", "403"]);
            }
            if security.iter().any(|s| s == "AgencyAuth") {
                needed.push("429");
            }
            // A path names something that may not exist, except a seal (its absence is a
            // verdict) and what a PUT creates.
            if params.iter().any(|p| p["in"] == "path")
                && path != "/api/v1/verify/{seal}"
                && method != "put"
            {
                needed.push("404");
            }
            // Every body is read whole at the edge and its names and text checked (a forbidden
            // character is a 422), before any field rule of the operation.
            if op["requestBody"].is_object() {
                needed.extend(["413", "415", "422"]);
            }
            if has("If-Match", "header") {
                needed.extend(["412", "428"]);
            }
            if has("Idempotency-Key", "header") {
                needed.extend(["409", "422"]);
            }
            // Mutations can conflict with the state they find, except those that cannot fail
            // on it: signing out (of a session already closed or not), revoking an API key
            // (revoking a revoked key answers it as it is), taking a dossier in (it only adds),
            // giving a dossier a new secret, and recording or removing a calendar day (a day is
            // replaced or removed whatever it was).
            let idempotent = [
                "logout",
                "revoke_api_key",
                "create_dossier",
                "reissue_dossier_secret",
                "put_calendar_day",
                "delete_calendar_day",
            ]
            .iter()
            .any(|id| op["operationId"] == *id);
            if method != "get" && !security.is_empty() && !idempotent {
                needed.push("409");
            }
            for s in needed {
                if !declared.contains(&s) {
                    missing.push(format!("{method} {path}: {s}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty() && impossible.is_empty(),
        "undeclared but possible: {missing:#?}\ndeclared but impossible: {impossible:#?}"
    );
}

/// Every status a use case can fail with is one of the statuses the shared problem responses
/// know, so the shape rules above cover what services return.
#[test]
fn every_service_error_has_a_documented_status() {
    use invest_registry::{
        api::problem::{KINDS, Problem},
        service::ServiceError,
    };
    let errors = [
        ServiceError::not_found("zone", "x"),
        ServiceError::BadParameter {
            name: "cursor",
            message: "bad".into(),
        },
        ServiceError::invalid("f", "c", "m"),
        ServiceError::conflict("c"),
        ServiceError::Unauthorized("u".into()),
        ServiceError::Forbidden("f".into()),
        ServiceError::TooManyRequests { retry_after: 3 },
        ServiceError::PreconditionRequired,
        ServiceError::PreconditionFailed {
            current: "\"2\"".into(),
        },
        ServiceError::DatabaseDown("down".into()),
        ServiceError::Unavailable("key retired".into()),
        ServiceError::Unexpected("bug".into()),
    ];
    let known: Vec<u16> = KINDS.iter().map(|(_, s, _)| *s).collect();
    for e in errors {
        let name = format!("{e:?}");
        let p = Problem::from(e);
        assert!(known.contains(&p.status), "{name} -> {}", p.status);
        assert_ne!(p.kind, "about:blank", "{name}");
    }
}

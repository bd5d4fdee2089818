//! Hostile text, generated from the spec: every text field of every write operation, every text
//! query parameter and the path refuse what the service never stores (NUL and other control
//! characters, bidirectional overrides and isolates, zero-width characters, strings far over any
//! field's limit), with a problem naming the field, and nothing is stored. Tabs and line breaks
//! are allowed and normalised (folded into single spaces in one-line fields).

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields};

/// What is sent, and the code the field must be refused with.
const HOSTILE: &[(&str, &str)] = &[
    ("a\u{0}b", "forbidden_character"),
    ("\u{1b}[31mđỏ", "forbidden_character"),
    ("Nguy\u{202E}nễ", "forbidden_character"),
    ("\u{2066}An\u{2069}", "forbidden_character"),
    ("Hà\u{200B}Nội", "forbidden_character"),
    ("x\u{7f}", "forbidden_character"),
    ("\u{9b}", "forbidden_character"),
];

/// The schema a `$ref` names, or the schema itself.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => match schema["allOf"].as_array() {
            Some(all) => resolve(spec, &all[0]),
            None => schema,
        },
    }
}

/// A body with every member of the schema set, strings to "x", one item in each list.
fn sample(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if let Some(values) = schema["enum"].as_array() {
        return values[0].clone();
    }
    match schema["type"].as_str() {
        Some("object") => {
            let mut out = Map::new();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                out.insert(name.clone(), sample(spec, prop));
            }
            Value::Object(out)
        }
        Some("array") => json!([sample(spec, &schema["items"])]),
        Some("string") => match schema["format"].as_str() {
            Some("date") => json!("2026-12-01"),
            Some("date-time") => json!("2026-12-01T00:00:00Z"),
            Some("uuid") => json!("019a4c5e-0000-7000-8000-000000000001"),
            _ => json!("x"),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1),
        Some("boolean") => json!(true),
        _ => json!("x"),
    }
}

/// The paths (as problems name fields) of every string in a sample, with a setter.
fn string_paths(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                string_paths(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                let p = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                string_paths(item, p, out);
            }
        }
        _ => {}
    }
}

/// The value at a field path, for writing.
fn at<'a>(value: &'a mut Value, path: &str) -> &'a mut Value {
    let mut current = value;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (
                n,
                Some(rest.trim_end_matches(']').parse::<usize>().unwrap()),
            ),
            None => (part, None),
        };
        current = &mut current[name];
        if let Some(i) = index {
            current = &mut current[i];
        }
    }
    current
}

#[tokio::test]
async fn every_text_field_of_every_write_and_every_query_refuses_what_is_never_stored() {
    /// A path with a plausible value in each of its parameters.
    fn fill_path(path: &str) -> String {
        path.replace("{receipt_code}", "BQLKKT-261130-0001")
            .replace("{date}", "2026-12-01")
            .replace("{code}", "IRC-NEW")
            .replace("{id}", "019a4c5e-0000-7000-8000-0000000000aa")
            .replace("{attachment_id}", "019a4c5e-0000-7000-8000-0000000000ab")
            .replace("{apology_id}", "019a4c5e-0000-7000-8000-0000000000ac")
    }
    let app = TestApp::spawn_with(&[("MAX_BODY_BYTES", "1048576")]).await;
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    // Roles are checked before bodies: a caller holding every role reaches every body check.
    let everyone = app
        .user_token("every-role", &["clerk", "officer", "approver", "admin"])
        .await;
    let before = app.registry_snapshot().await;
    let huge = "Ư".repeat(100 * 1024 / 2);
    let mut fields_checked = 0;
    let mut operations = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let url = fill_path(path);
        for (method, op) in ops.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.iter().find(|(t, _)| t.starts_with("application/json")))
                .map(|(_, c)| &c["schema"])
            else {
                continue;
            };
            if path.contains("/lookup/") {
                // An applicant's operations check the tracking secret before the body; with
                // the secret their bodies get the same check (tests/api/dossiers.rs).
                continue;
            }
            operations += 1;
            let base = sample(&spec, schema);
            let mut paths = Vec::new();
            string_paths(&base, String::new(), &mut paths);
            for field in &paths {
                let mut cases: Vec<(String, &str)> =
                    HOSTILE.iter().map(|(v, c)| ((*v).to_owned(), *c)).collect();
                cases.push((huge.clone(), "too_long"));
                for (value, code) in cases {
                    let mut body = base.clone();
                    *at(&mut body, field) = json!(value);
                    let resp = app
                        .as_user(&everyone)
                        .send(
                            method.to_uppercase().parse::<Method>().unwrap(),
                            &url,
                            Some(&body),
                            Some("*"),
                        )
                        .await;
                    let name = format!(
                        "{method} {path} {field} {:?}",
                        value.chars().take(12).collect::<String>()
                    );
                    assert_eq!(resp.status(), 422, "{name}");
                    let p = assert_problem(resp, 422, "validation").await;
                    assert!(
                        error_fields(&p).contains(&format!("{field}:{code}")),
                        "{name}: {p}"
                    );
                    fields_checked += 1;
                }
            }
        }
    }
    assert!(operations >= 19, "{operations} write operations");
    assert!(fields_checked >= 400, "{fields_checked} field cases");

    // Every text query parameter, and the path.
    let mut params_checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let url = path.replace("{id}", "019a4c5e-0000-7000-8000-0000000000aa");
        for op in ops.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] != "query" || p["schema"]["type"] != "string" {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                for raw in ["%00", "%1B", "%E2%80%AE", "%E2%80%8B"] {
                    let resp = app.as_admin().get(&format!("{url}?{name}={raw}")).await;
                    let problem = assert_problem(resp, 400, "bad-request").await;
                    assert_eq!(
                        error_fields(&problem),
                        [format!("{name}:invalid_parameter")],
                        "{path}?{name}={raw}"
                    );
                    params_checked += 1;
                }
            }
        }
    }
    assert!(params_checked >= 20, "{params_checked} query cases");
    eprintln!(
        "hostile text: {fields_checked} field cases over {operations} write operations, {params_checked} query cases"
    );
    for bad in ["/api/v1/zones/%00", "/api/v1/investors/%E2%80%AE", "/v/%1B"] {
        let p = assert_problem(app.as_admin().get(bad).await, 400, "bad-request").await;
        assert_eq!(error_fields(&p), ["path:invalid_parameter"], "{bad}");
    }
    assert_eq!(app.registry_snapshot().await, before, "nothing was stored");
}

/// Tabs and line breaks are not refused: one-line fields fold them into single spaces.
#[tokio::test]
async fn tabs_and_line_breaks_are_folded_not_refused() {
    let app = TestApp::spawn().await;
    let mut body = crate::helpers::zone_body("KCN-TAB");
    body["name"] = json!("Khu công nghiệp\tNam\r\nĐông Hà");
    let resp = app.post("/api/v1/zones", &body).await;
    assert_eq!(resp.status(), 201);
    let zone: Value = resp.json().await.unwrap();
    assert_eq!(zone["name"], "Khu công nghiệp Nam Đông Hà");
}

//! The published contract: poem-openapi's document, finished so that client generators and
//! strict clients can trust it, in two editions.
//!
//! - **OpenAPI 3.0** (`openapi/openapi.json`, `/api/v1/openapi.json`): what most generators take.
//!   A field whose type is a named schema is a plain `$ref` (poem-openapi writes
//!   `allOf: [{$ref}, {description}]`, which generators cannot take for enums); since 3.0 ignores
//!   anything beside a `$ref`, such a field's own description is in the 3.1 edition only (the
//!   named schema keeps its description in both). A nullable field whose type is a named enum is
//!   `nullable` with `oneOf` that one schema.
//! - **OpenAPI 3.1** (`openapi/openapi-3.1.json`, `/api/v1/openapi-3.1.json`, shown at `/docs`):
//!   the same contract in JSON Schema 2020-12, with every field's description beside its `$ref`.
//!   The server validates request bodies against this edition's schemas
//!   ([`super::body::Body`]), so what the spec says and what the server enforces are one thing.
//!
//! Both editions say `additionalProperties: false` on every request-only object (unknown fields
//! are refused) and give 32-bit integers their bounds.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::domain::text::MAX_TEXT_CHARS;

/// Text without the characters the service never stores (`domain::text::forbidden_char`):
/// control characters other than tab and line breaks, bidirectional formatting and invisible
/// characters. Every free-text field and parameter carries it.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u061C\\u180E\\u200B\\u200D-\\u200F\\u202A-\\u202E\\u2060\\u2066-\\u2069\\uFEFF]*$";

/// Which edition of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// OpenAPI 3.0.3.
    V30,
    /// OpenAPI 3.1.0.
    V31,
}

/// poem-openapi's document as it writes it, generated once.
pub fn raw() -> &'static str {
    static RAW: OnceLock<String> = OnceLock::new();
    RAW.get_or_init(|| super::service().spec())
}

/// The finished document of an edition, built once.
pub fn document(edition: Edition) -> &'static Value {
    static V30: OnceLock<Value> = OnceLock::new();
    static V31: OnceLock<Value> = OnceLock::new();
    let cell = match edition {
        Edition::V30 => &V30,
        Edition::V31 => &V31,
    };
    cell.get_or_init(|| {
        let raw: Value = serde_json::from_str(raw()).expect("poem-openapi writes valid JSON");
        finish(raw, edition)
    })
}

/// The document as pretty JSON with a final newline, as committed under `openapi/`: members in
/// poem-openapi's order (an object's fields as declared), members this module adds after them.
pub fn pretty(edition: Edition) -> &'static str {
    static V30: OnceLock<String> = OnceLock::new();
    static V31: OnceLock<String> = OnceLock::new();
    let cell = match edition {
        Edition::V30 => &V30,
        Edition::V31 => &V31,
    };
    cell.get_or_init(|| {
        let mut s = serde_json::to_string_pretty(&ordered_document(edition))
            .expect("a JSON value serialises");
        s.push('\n');
        s
    })
}

/// The document with its members in poem-openapi's order, for writing out.
pub fn ordered_document(edition: Edition) -> Node {
    let raw: Node = serde_json::from_str(raw()).expect("poem-openapi writes valid JSON");
    ordered(document(edition), Some(&raw))
}

/// A JSON value whose objects keep their members' order.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object, in order.
    Object(indexmap::IndexMap<String, Node>),
}

/// `value` with each object's members in the order of the same object in `order` (the raw
/// document), members it does not have last.
fn ordered(value: &Value, order: Option<&Node>) -> Node {
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::Number(n.clone()),
        Value::String(s) => Node::String(s.clone()),
        Value::Array(items) => {
            let raw = match order {
                Some(Node::Array(raw)) => Some(raw),
                _ => None,
            };
            Node::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| ordered(v, raw.and_then(|r| r.get(i))))
                    .collect(),
            )
        }
        Value::Object(map) => {
            let raw = match order {
                Some(Node::Object(raw)) => Some(raw),
                _ => None,
            };
            let mut out = indexmap::IndexMap::new();
            if let Some(raw) = raw {
                for key in raw.keys() {
                    if let Some(v) = map.get(key) {
                        out.insert(key.clone(), ordered(v, raw.get(key)));
                    }
                }
            }
            for (key, v) in map {
                if !out.contains_key(key) {
                    out.insert(key.clone(), ordered(v, None));
                }
            }
            Node::Object(out)
        }
    }
}

/// Finishes poem-openapi's raw document for an edition.
pub fn finish(mut doc: Value, edition: Edition) -> Value {
    fold_union_wrappers(&mut doc);
    text_parameters_say_what_they_refuse(&mut doc);
    declare_common_headers(&mut doc);
    let request_only = request_only_schemas(&doc);
    let patch_bodies = patch_bodies(&doc);
    let enums = enum_schemas(&doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if request_only.contains(name) && schema.get("type") == Some(&json!("object")) {
                schema["additionalProperties"] = Value::Bool(false);
                text_fields_say_what_they_refuse(schema);
                if !patch_bodies.contains(name) {
                    optional_fields_take_null(schema);
                }
            }
        }
    }
    rewrite(&mut doc, edition, &enums);
    match edition {
        Edition::V30 => {
            doc["openapi"] = json!("3.0.3");
            // `info.summary` is OpenAPI 3.1; 3.0 readers find it at the head of the description.
            if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut)
                && let Some(Value::String(summary)) = info.remove("summary")
            {
                let description = info
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                info.insert(
                    "description".into(),
                    Value::String(format!("{summary}\n\n{description}")),
                );
            }
        }
        Edition::V31 => {
            doc["openapi"] = json!("3.1.0");
            if let Some(license) = doc
                .pointer_mut("/info/license")
                .and_then(Value::as_object_mut)
            {
                license.insert("identifier".into(), json!("Apache-2.0"));
            }
        }
    }
    doc
}

/// Headers the edge adds to answers of every operation (src/api/middleware.rs), declared on
/// each response that carries them: `X-Request-Id` and `X-Content-Type-Options` on all,
/// `WWW-Authenticate` on 401, `Retry-After` on 429 and 503.
fn declare_common_headers(doc: &mut Value) {
    let string = |description: &str| json!({"description": description, "required": true, "schema": {"type": "string"}});
    let common = [
        (
            "X-Request-Id",
            string(
                "Identifier of the request (yours, if you sent a valid one): quote it when asking for help.",
            ),
            None,
        ),
        (
            "X-Content-Type-Options",
            string("`nosniff`: the content type is the one declared."),
            None,
        ),
        (
            "WWW-Authenticate",
            string("`Bearer realm=\"invest-registry\"`: how to authenticate."),
            Some(&["401"][..]),
        ),
        (
            "Retry-After",
            json!({"description": "Seconds to wait before trying again.", "required": true,
                   "schema": {"type": "integer", "minimum": 0}}),
            Some(&["429", "503"][..]),
        ),
    ];
    let mut components = Map::new();
    for (name, header, _) in &common {
        components.insert((*name).to_owned(), header.clone());
    }
    if let Some(c) = doc.get_mut("components").and_then(Value::as_object_mut) {
        c.insert("headers".into(), Value::Object(components));
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for ops in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in ops.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(response) = response.as_object_mut() else {
                    continue;
                };
                let headers = response
                    .entry("headers")
                    .or_insert_with(|| json!({}))
                    .as_object_mut();
                let Some(headers) = headers else { continue };
                for (name, _, only) in &common {
                    if only.is_none_or(|statuses| statuses.contains(&status.as_str()))
                        && !headers.keys().any(|k| k.eq_ignore_ascii_case(name))
                    {
                        headers.insert(
                            (*name).to_owned(),
                            json!({ "$ref": format!("#/components/headers/{name}") }),
                        );
                    }
                }
            }
        }
    }
}

/// A string schema that is free text: no format, no enumeration, no pattern of its own.
fn is_free_text(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("string"))
        && ["format", "enum", "pattern"]
            .iter()
            .all(|k| schema.get(*k).is_none())
}

/// Free-text query and path parameters refuse what is never stored (400 naming them); the
/// schema says so. Header values the API reads as text are printable ASCII. A form refuses parts
/// it does not name.
fn text_parameters_say_what_they_refuse(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for ops in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in ops.values_mut() {
            if let Some(media) = op.pointer_mut("/requestBody/content/multipart~1form-data") {
                let mut encoding = Map::new();
                if let Some(form) = media.get_mut("schema")
                    && form.get("type") == Some(&json!("object"))
                {
                    form["additionalProperties"] = Value::Bool(false);
                    // A part typed by a named schema is that schema as JSON.
                    for (name, part) in form["properties"].as_object().into_iter().flatten() {
                        if part.get("$ref").is_some() {
                            encoding
                                .insert(name.clone(), json!({ "contentType": "application/json" }));
                        }
                    }
                }
                if !encoding.is_empty() {
                    media["encoding"] = Value::Object(encoding);
                }
            }
            for param in op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let place = param["in"].as_str().unwrap_or_default().to_owned();
                if place == "header" && param["name"] == json!("Idempotency-Key") {
                    param["schema"]["pattern"] = json!("^[!-~]{1,255}$");
                    continue;
                }
                if place != "query" && place != "path" {
                    continue;
                }
                if let Some(schema) = param.get_mut("schema")
                    && is_free_text(schema)
                {
                    schema["pattern"] = json!(TEXT_PATTERN);
                }
            }
        }
    }
}

/// Free-text fields of a request body refuse what is never stored and anything longer than
/// the longest text any field takes (422 naming them); the schema says so.
fn text_fields_say_what_they_refuse(schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for property in properties.values_mut() {
        let target = if property.get("type") == Some(&json!("array")) {
            match property.get_mut("items") {
                Some(items) => items,
                None => continue,
            }
        } else {
            property
        };
        if is_free_text(target) {
            target["pattern"] = json!(TEXT_PATTERN);
            if target.get("maxLength").is_none() {
                target["maxLength"] = json!(MAX_TEXT_CHARS);
            }
        }
    }
}

/// poem-openapi writes each member of a discriminated union as a wrapper schema
/// (`Union_Member`: `allOf` of the discriminator property and the member's `$ref`), so generators
/// make two models of every member. The discriminator property goes into the member's own schema
/// and the union points at it; the wrappers go.
fn fold_union_wrappers(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let unions: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("discriminator").is_some() && s.get("oneOf").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    for union in unions {
        let members: Vec<String> = schemas[&union]["oneOf"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["$ref"].as_str().map(str::to_owned))
            .collect();
        for wrapper_ref in members {
            let wrapper_name = wrapper_ref
                .trim_start_matches("#/components/schemas/")
                .to_owned();
            let Some(parts) = schemas
                .get(&wrapper_name)
                .and_then(|w| w["allOf"].as_array())
                .cloned()
            else {
                continue;
            };
            let (Some(tag), Some(target_ref)) = (
                parts
                    .iter()
                    .find(|p| p.get("properties").is_some())
                    .cloned(),
                parts
                    .iter()
                    .find_map(|p| p["$ref"].as_str().map(str::to_owned)),
            ) else {
                continue;
            };
            let target_name = target_ref.trim_start_matches("#/components/schemas/");
            let Some(target) = schemas.get_mut(target_name) else {
                continue;
            };
            if let (Some(props), Some(tag_props)) = (
                target.get_mut("properties").and_then(Value::as_object_mut),
                tag["properties"].as_object(),
            ) {
                for (k, v) in tag_props {
                    let mut v = v.clone();
                    if let Some(m) = v.as_object_mut() {
                        m.entry("description").or_insert(json!(
                            "Which member of the union this is (the discriminator)."
                        ));
                    }
                    props.insert(k.clone(), v);
                }
            }
            if let Some(required) = target.get_mut("required").and_then(Value::as_array_mut) {
                for k in tag["required"].as_array().into_iter().flatten() {
                    if !required.contains(k) {
                        required.insert(0, k.clone());
                    }
                }
            }
            schemas.remove(&wrapper_name);
            let union_schema = &mut schemas[&union];
            for m in union_schema["oneOf"].as_array_mut().into_iter().flatten() {
                if m["$ref"] == json!(wrapper_ref) {
                    m["$ref"] = json!(target_ref);
                }
            }
            if let Some(mapping) = union_schema
                .pointer_mut("/discriminator/mapping")
                .and_then(Value::as_object_mut)
            {
                for v in mapping.values_mut() {
                    if *v == json!(wrapper_ref) {
                        *v = json!(target_ref);
                    }
                }
            }
        }
    }
}

/// Named schemas reached from a request body and from no response: the request-only objects.
fn request_only_schemas(doc: &Value) -> BTreeSet<String> {
    let mut in_requests = BTreeSet::new();
    let mut in_responses = BTreeSet::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for ops in paths.values().filter_map(Value::as_object) {
            for op in ops.values() {
                if let Some(body) = op.get("requestBody") {
                    collect_refs(body, &mut in_requests);
                }
                if let Some(responses) = op.get("responses") {
                    collect_refs(responses, &mut in_responses);
                }
            }
        }
    }
    let schemas = doc.pointer("/components/schemas");
    let close = |start: BTreeSet<String>| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = start.into_iter().collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
                let mut next = BTreeSet::new();
                collect_refs(schema, &mut next);
                stack.extend(next);
            }
        }
        seen
    };
    let requests = close(in_requests);
    let responses = close(in_responses);
    requests.difference(&responses).cloned().collect()
}

/// The schemas that are the whole body of a PATCH: there `null` clears a field, so only the
/// fields that may be cleared say `nullable` ([`super::types::Clearable`]).
fn patch_bodies(doc: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for ops in paths.values().filter_map(Value::as_object) {
            if let Some(body) = ops.get("patch").and_then(|op| op.get("requestBody")) {
                collect_refs(body, &mut names);
            }
        }
    }
    names
}

/// Elsewhere in a request, an optional field may be sent as `null`, which means the same as
/// leaving it out (the server reads both as "no value"); the schema says so.
fn optional_fields_take_null(schema: &mut Value) {
    let required: BTreeSet<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            continue;
        }
        let Some(map) = property.as_object_mut() else {
            continue;
        };
        if let Some(reference) = map.remove("$ref") {
            // A bare reference: wrap it the way poem-openapi wraps a described one.
            map.insert("allOf".into(), json!([{ "$ref": reference }]));
        }
        map.insert("nullable".into(), Value::Bool(true));
    }
}

fn collect_refs(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.insert(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// The named string enums: name -> (values, description).
fn enum_schemas(doc: &Value) -> std::collections::BTreeMap<String, (Vec<Value>, Option<Value>)> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter_map(|(name, s)| {
                    let values = s.get("enum")?.as_array()?.clone();
                    Some((name.clone(), (values, s.get("description").cloned())))
                })
                .collect()
        })
        .unwrap_or_default()
}

type Enums = std::collections::BTreeMap<String, (Vec<Value>, Option<Value>)>;

/// Rewrites every schema object in the document, depth first.
fn rewrite(value: &mut Value, edition: Edition, enums: &Enums) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                rewrite(v, edition, enums);
            }
            rewrite_schema(map, edition, enums);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, edition, enums)),
        _ => {}
    }
}

fn single_ref(map: &Map<String, Value>) -> Option<String> {
    let all_of = map.get("allOf")?.as_array()?;
    let reference = all_of.first()?.get("$ref")?.as_str()?.to_owned();
    // The rest of poem-openapi's wrapper only repeats the description.
    let rest_is_description = all_of[1..].iter().all(|part| {
        part.as_object()
            .is_some_and(|o| o.keys().all(|k| k == "description"))
    });
    rest_is_description.then_some(reference)
}

fn rewrite_schema(map: &mut Map<String, Value>, edition: Edition, enums: &Enums) {
    // A field typed by a named schema: `allOf: [{$ref}, {description}]`.
    if let Some(reference) = single_ref(map) {
        let nullable = map.get("nullable") == Some(&Value::Bool(true));
        let description = map.get("description").cloned();
        map.clear();
        let name = reference.trim_start_matches("#/components/schemas/");
        match (edition, nullable) {
            (Edition::V30, false) => {
                map.insert("$ref".into(), Value::String(reference));
            }
            (Edition::V30, true) => match enums.get(name) {
                // A nullable enum: `oneOf` its one named schema (generators cannot take `allOf`
                // of a non-object, and an inline copy would be a new enum in every client).
                Some(_) => {
                    map.insert("nullable".into(), Value::Bool(true));
                    map.insert("oneOf".into(), json!([{ "$ref": reference }]));
                    if let Some(d) = description {
                        map.insert("description".into(), d);
                    }
                }
                None => {
                    map.insert("allOf".into(), json!([{ "$ref": reference }]));
                    map.insert("nullable".into(), Value::Bool(true));
                    if let Some(d) = description {
                        map.insert("description".into(), d);
                    }
                }
            },
            (Edition::V31, false) => {
                map.insert("$ref".into(), Value::String(reference));
                if let Some(d) = description {
                    map.insert("description".into(), d);
                }
            }
            (Edition::V31, true) => {
                map.insert(
                    "anyOf".into(),
                    json!([{ "$ref": reference }, { "type": "null" }]),
                );
                if let Some(d) = description {
                    map.insert("description".into(), d);
                }
            }
        }
        return;
    }
    // 32-bit integers get their bounds, so a client learns them and the server's check is the
    // schema's.
    if map.get("type") == Some(&json!("integer")) && map.get("format") == Some(&json!("int32")) {
        map.entry("minimum").or_insert(json!(i32::MIN));
        map.entry("maximum").or_insert(json!(i32::MAX));
    }
    if edition == Edition::V31 {
        to_31(map);
    }
}

/// The JSON Schema 2020-12 spelling of what OpenAPI 3.0 writes its own way.
fn to_31(map: &mut Map<String, Value>) {
    if map.remove("nullable") == Some(Value::Bool(true)) {
        if let Some(ty) = map.get("type").cloned() {
            map.insert("type".into(), json!([ty, "null"]));
        }
        if let Some(Value::Array(values)) = map.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = map.remove(bound) {
                    map.insert(flag.into(), limit);
                }
            }
            Some(Value::Bool(false)) => {
                map.remove(flag);
            }
            _ => {}
        }
    }
    // A schema's `example` is `examples: [...]` in JSON Schema; media-type and parameter
    // examples (which are not schemas) keep OpenAPI's spelling.
    if map.contains_key("type")
        && let Some(example) = map.remove("example")
    {
        map.insert("examples".into(), json!([example]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_enum_field_becomes_a_plain_reference_in_30_and_keeps_its_description_in_31() {
        let raw = json!({
            "paths": {},
            "components": {"schemas": {
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Thing": {"type": "object", "properties": {
                    "kind": {"description": "Its kind.", "allOf": [
                        {"$ref": "#/components/schemas/Kind"}, {"description": "Its kind."}
                    ]}
                }}
            }}
        });
        let v30 = finish(raw.clone(), Edition::V30);
        assert_eq!(
            v30.pointer("/components/schemas/Thing/properties/kind"),
            Some(&json!({"$ref": "#/components/schemas/Kind"}))
        );
        let v31 = finish(raw, Edition::V31);
        assert_eq!(
            v31.pointer("/components/schemas/Thing/properties/kind"),
            Some(&json!({"$ref": "#/components/schemas/Kind", "description": "Its kind."}))
        );
    }

    #[test]
    fn a_nullable_enum_is_one_of_its_schema_in_30_and_any_of_in_31() {
        let raw = json!({
            "paths": {},
            "components": {"schemas": {
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Patch": {"type": "object", "properties": {
                    "kind": {"nullable": true, "description": "New kind, or null.",
                             "allOf": [{"$ref": "#/components/schemas/Kind"}]},
                    "note": {"type": "string", "nullable": true}
                }}
            }}
        });
        let v30 = finish(raw.clone(), Edition::V30);
        assert_eq!(
            v30.pointer("/components/schemas/Patch/properties/kind"),
            Some(
                &json!({"nullable": true, "oneOf": [{"$ref": "#/components/schemas/Kind"}],
                         "description": "New kind, or null."})
            )
        );
        let v31 = finish(raw, Edition::V31);
        assert_eq!(
            v31.pointer("/components/schemas/Patch/properties/kind/anyOf"),
            Some(&json!([{"$ref": "#/components/schemas/Kind"}, {"type": "null"}]))
        );
        assert_eq!(
            v31.pointer("/components/schemas/Patch/properties/note"),
            Some(&json!({"type": ["string", "null"]}))
        );
    }

    #[test]
    fn request_only_objects_refuse_unknown_fields_and_shared_ones_do_not() {
        let raw = json!({
            "paths": {"/x": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}},
                "Out": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}},
                "Part": {"type": "object", "properties": {}}
            }}
        });
        let doc = finish(raw, Edition::V30);
        assert_eq!(
            doc.pointer("/components/schemas/In/additionalProperties"),
            Some(&json!(false))
        );
        assert_eq!(
            doc.pointer("/components/schemas/Out/additionalProperties"),
            None
        );
        assert_eq!(
            doc.pointer("/components/schemas/Part/additionalProperties"),
            None
        );
    }

    #[test]
    fn exclusive_bounds_and_examples_take_their_2020_12_spelling() {
        let raw = json!({"paths": {}, "components": {"schemas": {"Area": {
            "type": "number", "minimum": 0.0, "exclusiveMinimum": true, "example": 5
        }}}});
        let v31 = finish(raw, Edition::V31);
        assert_eq!(
            v31.pointer("/components/schemas/Area"),
            Some(&json!({"type": "number", "exclusiveMinimum": 0.0, "examples": [5]}))
        );
    }
}

//! JSON request bodies, checked against the published schema before anything else reads them.
//!
//! [`Body<T>`] takes the place of poem-openapi's `Json<T>` for request bodies. A body that is
//! not JSON at all gets 400; a JSON body that breaks the schema the spec publishes for `T` (a wrong
//! type, a missing or unknown field, a length, pattern, bound or item count) gets one 422 naming
//! every field at fault, as does text the service never stores (control, bidirectional or
//! invisible characters). Only then is `T` parsed. The schema is the 3.1 edition's
//! ([`super::spec`]), so the published constraints and the enforced ones cannot differ.
//!
//! The operation's credentials and role are extracted before its body (they come first in every
//! handler's arguments), so a caller without the role gets 403 whatever the body holds.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::{Validator, error::ValidationErrorKind};
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::{ParseFromJSON, Type},
};
use serde_json::{Value, json};

use super::{
    problem::Problem,
    spec::{Edition, document},
};
use crate::domain::{
    FieldViolation,
    text::{check_text, describe_forbidden, forbidden_char},
};

/// A JSON request body of type `T`, validated against `T`'s published schema.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: Type> Payload for Body<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON + Send> ParsePayload for Body<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        let value = parse_json(&data).map_err(|p| refuse(*p))?;
        let name = T::name();
        check(&name, &value).map_err(|errors| refuse(invalid(errors)))?;
        T::parse_from_json(Some(value)).map(Body).map_err(|e| {
            // The schema accepted what the type refused: still the client's body, named as
            // a whole.
            refuse(invalid(vec![FieldViolation::new(
                "body",
                "invalid_value",
                e.into_message(),
            )]))
        })
    }
}

poem_openapi::impl_apirequest_for_payload!(Body<T>, T: ParseFromJSON + Send);

fn refuse(problem: Problem) -> poem::Error {
    poem::Error::from_response(problem.into_poem_response())
}

/// Parses a body as JSON: 400 when it is empty or not JSON at all.
pub fn parse_json(data: &[u8]) -> Result<Value, Box<Problem>> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Box::new(Problem::new(
            "bad-request",
            "a JSON body is required and none was sent",
        )));
    }
    serde_json::from_slice(data).map_err(|e| {
        Box::new(Problem::new(
            "bad-request",
            format!("the request body is not JSON: {e}"),
        ))
    })
}

/// The 422 problem for a body's field violations.
pub fn invalid(errors: Vec<FieldViolation>) -> Problem {
    Problem::new(
        "validation",
        format!("{} field(s) are invalid; nothing was changed", errors.len()),
    )
    .with_errors(errors)
}

/// Checks a JSON value against the published schema named `name`, and its text against what the
/// service stores: every field at fault, sorted by field. A name with no published schema
/// checks only the text.
pub fn check(name: &str, value: &Value) -> Result<(), Vec<FieldViolation>> {
    // Text the service never stores is named first: it is what a field holds, whatever its type.
    let mut errors = Vec::new();
    walk_text(value, String::new(), &mut errors);
    let mut schema = Vec::new();
    if let Some(validator) = validators().get(name) {
        for e in validator.iter_errors(value) {
            schema.extend(violations(&e));
        }
    }
    // One violation per field (the schema's first, in a stable order), sorted by field.
    schema.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    schema.dedup_by(|a, b| a.field == b.field);
    schema.retain(|s| !errors.iter().any(|t| t.field == s.field));
    errors.extend(schema);
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    Err(errors)
}

/// Builds the validators now rather than on the first request.
pub fn warm() {
    validators();
}

/// One compiled validator per named schema of the 3.1 document.
fn validators() -> &'static HashMap<String, Validator> {
    static VALIDATORS: OnceLock<HashMap<String, Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let doc = document(Edition::V31);
        let schemas = doc
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let defs = rebase(schemas.clone());
        schemas
            .as_object()
            .map(|all| {
                all.keys()
                    .map(|name| {
                        let root = json!({
                            "$schema": "https://json-schema.org/draft/2020-12/schema",
                            "$ref": format!("#/$defs/{name}"),
                            "$defs": defs,
                        });
                        let validator = jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft202012)
                            .should_validate_formats(true)
                            .build(&root)
                            .expect("every published schema compiles");
                        (name.clone(), validator)
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Points `#/components/schemas/X` references at `#/$defs/X`.
fn rebase(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            Value::String(r.replace("#/components/schemas/", "#/$defs/"))
                        }
                        (_, v) => rebase(v),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(rebase).collect()),
        other => other,
    }
}

/// `/investors/0/name` -> `investors[0].name`; the root is `body`.
fn field_name(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        if s.parse::<usize>().is_ok() && !out.is_empty() {
            out.push('[');
            out.push_str(s);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(s);
        }
    }
    if out.is_empty() {
        "body".to_owned()
    } else {
        out
    }
}

fn join(base: &[String], name: &str) -> String {
    let mut segments = base.to_vec();
    segments.push(name.to_owned());
    field_name(&segments)
}

/// The field violations of one schema error.
fn violations(e: &jsonschema::ValidationError<'_>) -> Vec<FieldViolation> {
    let path: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
    let field = field_name(&path);
    let one = |code: &str, message: String| vec![FieldViolation::new(field.clone(), code, message)];
    match e.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            vec![FieldViolation::new(
                join(&path, name),
                "required",
                "is required",
            )]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                FieldViolation::new(join(&path, name), "unknown_field", "is not a known field")
            })
            .collect(),
        ValidationErrorKind::Type { .. } if e.instance().is_null() => {
            one("required", "cannot be null".to_owned())
        }
        ValidationErrorKind::Type { kind } => one("invalid_type", type_message(kind)),
        ValidationErrorKind::Enum { options } => one(
            "invalid_value",
            format!(
                "must be one of: {}",
                options
                    .as_array()
                    .map(|o| o
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
        ),
        ValidationErrorKind::MaxLength { limit } => {
            one("too_long", format!("must be at most {limit} characters"))
        }
        ValidationErrorKind::MinLength { limit } => {
            if *limit == 1 {
                one("blank", "must not be empty".to_owned())
            } else {
                one("too_short", format!("must be at least {limit} characters"))
            }
        }
        ValidationErrorKind::Pattern { pattern } => one(
            "invalid_format",
            format!("must match the pattern {pattern}"),
        ),
        ValidationErrorKind::Format { format } => {
            one("invalid_format", format!("must be a valid {format}"))
        }
        ValidationErrorKind::Maximum { limit } => {
            one("out_of_range", format!("must be at most {limit}"))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            one("out_of_range", format!("must be less than {limit}"))
        }
        ValidationErrorKind::Minimum { limit } => {
            one("out_of_range", format!("must be at least {limit}"))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            one("out_of_range", format!("must be greater than {limit}"))
        }
        ValidationErrorKind::MultipleOf { .. } => one(
            "invalid_value",
            "has more decimal places than allowed".to_owned(),
        ),
        ValidationErrorKind::MinItems { limit } => {
            if *limit == 1 {
                one("required", "must hold at least one item".to_owned())
            } else {
                one("too_few", format!("must hold at least {limit} items"))
            }
        }
        ValidationErrorKind::MaxItems { limit } => {
            one("too_many", format!("must hold at most {limit} items"))
        }
        ValidationErrorKind::UniqueItems => one("duplicate", "must not repeat an item".to_owned()),
        _ => one("invalid_value", e.to_string()),
    }
}

fn type_message(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let name = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "object" => "an object".to_owned(),
        "array" => "an array".to_owned(),
        "integer" => "an integer".to_owned(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => format!("must be {}", name(t)),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| name(&t)).collect();
            format!("must be {}", names.join(" or "))
        }
    }
}

fn walk_text(value: &Value, path: String, out: &mut Vec<FieldViolation>) {
    match value {
        Value::String(s) => {
            let field = if path.is_empty() { "body" } else { &path };
            out.extend(check_text(field, s));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_text(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                let field = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                if let Some(c) = forbidden_char(name) {
                    out.push(FieldViolation::new(
                        field.clone(),
                        "forbidden_character",
                        format!("the member name must not contain {}", describe_forbidden(c)),
                    ));
                }
                walk_text(item, field, out);
            }
        }
        _ => {}
    }
}

/// A JSON part of a `multipart/form-data` body, checked like a JSON body: what breaks the schema
/// (or is not JSON) is kept as the field violations, named under the part, for the operation to
/// answer 422 with the rest of the form's faults.
#[derive(Debug)]
pub struct JsonPart<T>(pub Result<T, Vec<FieldViolation>>);

super::types::fallible_field!(JsonPart, required = true);

impl<T: ParseFromJSON> poem_openapi::types::ParseFromMultipartField for JsonPart<T> {
    async fn parse_from_multipart(
        field: Option<poem::web::Field>,
    ) -> poem_openapi::types::ParseResult<Self> {
        let Some(field) = field else {
            return Err(poem_openapi::types::ParseError::expected_input());
        };
        let name = field.name().unwrap_or("body").to_owned();
        let data = field
            .bytes()
            .await
            .map_err(poem_openapi::types::ParseError::custom)?;
        let under = |mut v: FieldViolation| {
            v.field = if v.field == "body" {
                name.clone()
            } else {
                format!("{name}.{}", v.field)
            };
            v
        };
        let value = match serde_json::from_slice::<Value>(&data) {
            Ok(value) => value,
            Err(e) => {
                return Ok(Self(Err(vec![FieldViolation::new(
                    name.clone(),
                    "invalid_type",
                    format!("must be JSON: {e}"),
                )])));
            }
        };
        if let Err(errors) = check(&T::name(), &value) {
            return Ok(Self(Err(errors.into_iter().map(under).collect())));
        }
        Ok(Self(T::parse_from_json(Some(value)).map_err(|e| {
            vec![FieldViolation::new(
                name.clone(),
                "invalid_value",
                e.into_message(),
            )]
        })))
    }
}

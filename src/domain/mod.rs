//! Validated domain types and rules. No I/O, no HTTP, no database.

pub mod area;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod certificate;
pub mod country;
pub mod dossier;
pub mod feed;
pub mod format;
pub mod import;
pub mod investor;
pub mod lease;
pub mod lifecycle;
pub mod parcel;
pub mod procedure;
pub mod project;
pub mod stats;
pub mod status_list;
pub mod text;
pub mod time;
pub mod verification;
pub mod webhook;
pub mod zone;

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

/// One field that failed validation, reported to clients in a problem's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field's name as the client sent it (JSON name, dotted for nested fields).
    pub field: String,
    /// A stable, machine-readable code such as `required`, `too_long`, `out_of_range`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldViolation {
    /// A violation of `field` with a stable `code` and a human-readable `message`.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Builds a [`ValidationError`] with a code and message, for custom validators.
pub fn invalid(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// Flattens validator's nested error map into field violations, sorted by field for stable output.
pub fn violations_from(errors: &ValidationErrors) -> Vec<FieldViolation> {
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldViolation>) {
        for (field, kind) in errors.errors() {
            let path = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    for e in list {
                        out.push(FieldViolation::new(
                            path.clone(),
                            e.code.to_string(),
                            e.message
                                .as_ref()
                                .map(|m| m.to_string())
                                .unwrap_or_else(|| default_message(&e.code, e)),
                        ));
                    }
                }
                ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        walk(&format!("{path}[{i}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    out
}

fn default_message(code: &str, e: &ValidationError) -> String {
    match code {
        "length" => {
            let min = e.params.get("min").map(|v| v.to_string());
            let max = e.params.get("max").map(|v| v.to_string());
            match (min, max) {
                (Some(min), Some(max)) => {
                    format!("must be between {min} and {max} characters long")
                }
                (None, Some(max)) => format!("must be at most {max} characters long"),
                (Some(min), None) => format!("must be at least {min} characters long"),
                (None, None) => "has an invalid length".to_owned(),
            }
        }
        "range" => "is out of range".to_owned(),
        other => format!("is invalid ({other})"),
    }
}

/// Collects violations from several sources (type errors at the edge, validator, cross-checks).
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records one violation.
    pub fn push(&mut self, v: FieldViolation) {
        self.0.push(v);
    }

    /// Records everything validator found.
    pub fn extend_from(&mut self, result: Result<(), ValidationErrors>) {
        if let Err(e) = result {
            self.0.extend(violations_from(&e));
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, otherwise every violation, sorted by field.
    pub fn finish(mut self) -> Result<(), Vec<FieldViolation>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            self.0
                .sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
            self.0.dedup();
            Err(self.0)
        }
    }
}

/// Declares a closed set of values stored and exchanged as snake_case strings.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as stored and exchanged.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(crate::domain::UnknownValue {
                        allowed: &[$($text),+],
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// Declares the partial update of a data struct: each field is `None` to leave it alone or
/// `Some(value)` to replace it (an optional field is cleared with `Some(None)`), and `apply`
/// writes the given fields over the data. Every resource's `PATCH` body becomes one of these.
macro_rules! patch {
    ($(#[$meta:meta])* $name:ident for $data:ty {
        $($(#[$fmeta:meta])* $field:ident: $ty:ty),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name { $($(#[$fmeta])* pub $field: Option<$ty>,)+ }

        impl $name {
            /// Writes the given fields over `data`.
            pub fn apply(self, data: &mut $data) {
                $(if let Some(v) = self.$field { data.$field = v; })+
            }
        }
    };
}
pub(crate) use patch;

/// A string that is not one of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {}", allowed.join(", "))]
pub struct UnknownValue {
    /// The accepted values.
    pub allowed: &'static [&'static str],
}

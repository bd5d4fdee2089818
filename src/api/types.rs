//! OpenAPI types for domain values: enums, areas, dates, and `Lenient`, which turns a field's type
//! error into a field-level violation instead of a whole-body parse failure.

use std::borrow::Cow;

use chrono::NaiveDate;
use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::domain::{
    FieldViolation, Violations,
    area::{Area, AreaError, MAX_AREA_M2},
    auth::{Role, Scope},
    certificate::{CertificateStatus, KeyStatus},
    investor::{DocType, InvestorKind, Sex},
    parcel::{LandUse, ParcelStatus},
    project::{CodeSource, ContributionForm, ProjectStatus},
    status_list::Purpose,
    verification::{PdfVerdict, Rejection, Verdict},
    zone::{ZoneKind, ZoneStatus},
};

/// The parts of `Type` every value type here writes the same way: it is its own raw value.
/// `optional` marks a type whose absence is a value (a parameter with a default).
macro_rules! self_typed {
    () => {
        const IS_REQUIRED: bool = true;
        $crate::api::types::self_typed!(@raw);
    };
    (optional) => {
        const IS_REQUIRED: bool = false;
        $crate::api::types::self_typed!(@raw);
    };
    (@raw) => {
        type RawValueType = Self;
        type RawElementValueType = Self;

        fn as_raw_value(&self) -> Option<&Self::RawValueType> {
            Some(self)
        }

        fn raw_element_iter<'a>(
            &'a self,
        ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
            Box::new(self.as_raw_value().into_iter())
        }
    };
}
pub(crate) use self_typed;

/// Implements the OpenAPI traits for a domain enum declared with `string_enum!`, so the API and
/// the domain share one definition.
macro_rules! api_enum {
    ($ty:ty, $name:literal, $description:literal) => {
        impl Type for $ty {
            $crate::api::types::self_typed!();

            fn name() -> Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Reference($name.into())
            }

            fn register(registry: &mut Registry) {
                registry.create_schema::<Self, _>($name.into(), |_| MetaSchema {
                    description: Some($description),
                    enum_items: <$ty>::ALL.iter().map(|v| Value::from(v.as_str())).collect(),
                    ..MetaSchema::new("string")
                });
            }
        }

        impl ParseFromJSON for $ty {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(s)) => {
                        s.parse().map_err(|e: crate::domain::UnknownValue| {
                            ParseError::custom(e.to_string())
                        })
                    }
                    Some(other) => Err(ParseError::expected_type(other)),
                    None => Err(ParseError::expected_input()),
                }
            }
        }

        impl ParseFromParameter for $ty {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                value
                    .parse()
                    .map_err(|e: crate::domain::UnknownValue| ParseError::custom(e.to_string()))
            }
        }

        impl ToJSON for $ty {
            fn to_json(&self) -> Option<Value> {
                Some(Value::from(self.as_str()))
            }
        }
    };
}

api_enum!(
    Purpose,
    "StatusPurpose",
    "What a W3C Bitstring Status List says: `revocation` (a set bit: revoked) or `suspension` (a set bit: suspended)."
);
api_enum!(
    crate::domain::feed::FeedEntity,
    "FeedEntity",
    "The kind of entity a feed event or a snapshot record is about: `zone`, `parcel`, `investor`, `project`, `lease`, `certificate`, `dossier`."
);

api_enum!(
    crate::domain::webhook::WebhookStatus,
    "WebhookStatus",
    "Whether a webhook endpoint gets deliveries: `active`, or `paused` (after repeated failures, or because its agency key was revoked) until an administrator resumes it."
);
api_enum!(
    crate::domain::webhook::DeliveryOutcome,
    "DeliveryOutcome",
    "How a delivery attempt ended: `delivered` (the endpoint answered 2xx) or `failed`."
);

api_enum!(
    crate::domain::stats::ProjectDimension,
    "ProjectDimension",
    "How project statistics are grouped: `zone`, `year` (of first registration), `nationality` (of the investors), `investor_kind` (`domestic`, `foreign`, `foreign_invested`)."
);

api_enum!(
    Role,
    "Role",
    "Staff role: `clerk` (dossier intake), `officer` (registry data, certificate drafts), `approver` (issue, adjust, suspend, revoke), `admin` (users, keys, catalogues)."
);
api_enum!(
    Scope,
    "Scope",
    "What an agency API key may read: `registry:read`, `certificates:read`, `feed:read`, `stats:read`, and `personal:read` (individuals' identity numbers, birth dates and addresses, which are otherwise `null`)."
);
api_enum!(
    InvestorKind,
    "InvestorKind",
    "Kind of investor: `domestic_individual` (công dân Việt Nam), `domestic_organization` (tổ chức thành lập tại Việt Nam, kể cả tổ chức có vốn đầu tư nước ngoài), `foreign_individual` (cá nhân nước ngoài), `foreign_organization` (tổ chức thành lập theo pháp luật nước ngoài)."
);
api_enum!(
    Sex,
    "Sex",
    "Sex as on the identity document: `male` (nam), `female` (nữ)."
);
api_enum!(
    DocType,
    "DocType",
    "Identity or establishment document: `cccd` (12 digits), `passport`, `other_identity`, `enterprise_code` (mã số doanh nghiệp, 10 digits or 10-3 for a dependent unit), `foreign_registration`, `other_registration`."
);
api_enum!(
    CertificateStatus,
    "CertificateStatus",
    "Certificate status: `draft` (waiting for an approver), `rejected` (returned unissued), `in_force` (signed and valid), `superseded` (replaced by a later version), `suspended` (the project's operation is suspended), `revoked` (the project was terminated; final)."
);
api_enum!(
    KeyStatus,
    "KeyStatus",
    "Signing key status: `active` (signs new certificates), `retired` (signs no more; what it signed while valid stays valid), `compromised` (must not be trusted; every certificate it signed is flagged)."
);

api_enum!(
    Verdict,
    "Verdict",
    "Verification verdict: `genuine` (issued by the registry and in force), `superseded` (replaced by a later version), `suspended`, `revoked`, `not_genuine` (malformed, forged, or signed by an unknown key)."
);
api_enum!(
    Rejection,
    "Rejection",
    "Why a seal is not genuine: `malformed` (not a seal), `bad_signature` (altered or forged), `unknown_key` (signed by a key the registry does not know), `not_registered` (correctly signed, yet never issued)."
);
api_enum!(
    PdfVerdict,
    "PdfVerdict",
    "Verdict about an uploaded PDF: `genuine` (exactly as issued), `modified` (changed after signing, or a broken signature), `unknown` (signed with a registry key, yet not a PDF the registry issued), `not_signed_by_us` (no signature, or another signer)."
);

api_enum!(
    crate::domain::import::ImportFormat,
    "ImportFormat",
    "Encoding of an import file: `csv` (a header row, one record per row, nested fields as dotted columns) or `ndjson` (one JSON object per line)."
);
api_enum!(
    ProjectStatus,
    "ProjectStatus",
    "Project status: `draft` → `registered` (holds a certificate) ↔ `suspended`; any → `terminated` (final)."
);
api_enum!(
    CodeSource,
    "CodeSource",
    "Where the project code came from: `national` (entered from the National Investment Information System) or `local` (allocated here from the configured prefix)."
);
api_enum!(
    ContributionForm,
    "ContributionForm",
    "Form of capital contribution: `cash` (tiền mặt), `in_kind` (tài sản), `cash_and_in_kind`."
);
api_enum!(
    ZoneKind,
    "ZoneKind",
    "Kind of zone: `industrial_park` (khu công nghiệp, KCN), `export_processing_zone` (khu chế xuất), `economic_zone` (khu kinh tế, KKT), `border_economic_zone` (khu kinh tế cửa khẩu)."
);
api_enum!(
    ZoneStatus,
    "ZoneStatus",
    "Life-cycle status of a zone: `operating` (đang hoạt động), `under_construction` (đang xây dựng), `planned` (đã quy hoạch)."
);
api_enum!(
    LandUse,
    "LandUse",
    "Planned land use of a parcel: `industrial` (đất công nghiệp), `service` (đất dịch vụ), `warehouse` (kho bãi), `infrastructure` (hạ tầng kỹ thuật), `green` (cây xanh, mặt nước), `housing` (nhà ở, lưu trú)."
);
api_enum!(
    ParcelStatus,
    "ParcelStatus",
    "Lease status of a parcel: `available` (chưa cho thuê), `reserved` (đã giữ chỗ), `leased` (đã cho thuê), `recovered` (đã thu hồi)."
);

/// An area in square metres: a JSON number with at most two decimals, stored exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaM2(pub Area);

impl Type for AreaM2 {
    self_typed!();

    fn name() -> Cow<'static, str> {
        "number_area_m2".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some(
                "Area in square metres, greater than 0, at most two decimals (0.01 m²).",
            ),
            multiple_of: Some(0.01),
            minimum: Some(0.0),
            exclusive_minimum: Some(true),
            maximum: Some(MAX_AREA_M2 as f64),
            ..MetaSchema::new("number")
        }))
    }
}

impl ParseFromJSON for AreaM2 {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            // serde_json prints a float as the shortest text that reads back the same, which is
            // the text the client wrote for any area with at most 15 significant digits.
            Some(Value::Number(n)) => Area::parse_m2(&n.to_string())
                .map(AreaM2)
                .map_err(|e: AreaError| ParseError::custom(e.to_string())),
            Some(other) => Err(ParseError::expected_type(other)),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl ToJSON for AreaM2 {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.0.m2_f64()))
    }
}

/// A percentage with at most two decimals, held as basis points (0.01 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent(pub i32);

impl Type for Percent {
    self_typed!();

    fn name() -> Cow<'static, str> {
        "number_percent".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("Percentage from 0 to 100 with at most two decimals."),
            multiple_of: Some(0.01),
            minimum: Some(0.0),
            maximum: Some(100.0),
            ..MetaSchema::new("number")
        }))
    }
}

impl ParseFromJSON for Percent {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Number(n)) => {
                crate::domain::investor::percent_to_bp(n.as_f64().unwrap_or(f64::NAN))
                    .map(Percent)
                    .map_err(ParseError::custom)
            }
            Some(other) => Err(ParseError::expected_type(other)),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl ToJSON for Percent {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(f64::from(self.0) / 100.0))
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

impl Type for Date {
    self_typed!();

    fn name() -> Cow<'static, str> {
        "string_date".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date")))
    }
}

impl ParseFromJSON for Date {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) if s.len() == 10 => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| ParseError::custom("must be a real date written YYYY-MM-DD")),
            Some(Value::String(_)) => {
                Err(ParseError::custom("must be a real date written YYYY-MM-DD"))
            }
            Some(other) => Err(ParseError::expected_type(other)),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl ParseFromParameter for Date {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        let value = value.trim();
        if value.len() != 10 {
            return Err(ParseError::custom("must be a real date written YYYY-MM-DD"));
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| ParseError::custom("must be a real date written YYYY-MM-DD"))
    }
}

impl ToJSON for Date {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.0.format("%Y-%m-%d").to_string()))
    }
}

/// Why a body field could not be read.
#[derive(Debug, Clone)]
pub struct FieldTypeError {
    missing: bool,
    message: String,
}

/// A request field parsed without failing the whole body: a wrong type or value is kept as an
/// error, so the handler can report every bad field by name in one 422 response.
/// Its schema is exactly `T`'s.
#[derive(Debug, Clone)]
pub struct Lenient<T>(pub Result<T, FieldTypeError>);

/// Implements `Type` for a wrapper `W<T>(Result<T, E>)` that keeps a field's parse error
/// instead of failing the whole body: its schema is exactly `T`'s.
macro_rules! fallible_field {
    ($wrapper:ident, required = $required:expr) => {
        impl<T: poem_openapi::types::Type> poem_openapi::types::Type for $wrapper<T> {
            const IS_REQUIRED: bool = $required;
            type RawValueType = T::RawValueType;
            type RawElementValueType = T::RawElementValueType;

            fn name() -> std::borrow::Cow<'static, str> {
                T::name()
            }

            fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
                T::schema_ref()
            }

            fn register(registry: &mut poem_openapi::registry::Registry) {
                T::register(registry);
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                self.0
                    .as_ref()
                    .ok()
                    .and_then(poem_openapi::types::Type::as_raw_value)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                match &self.0 {
                    Ok(v) => v.raw_element_iter(),
                    Err(_) => Box::new(std::iter::empty()),
                }
            }
        }
    };
}
pub(crate) use fallible_field;

fallible_field!(Lenient, required = T::IS_REQUIRED);

impl<T: ParseFromJSON> ParseFromJSON for Lenient<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let missing = matches!(value, None | Some(Value::Null));
        Ok(Lenient(T::parse_from_json(value).map_err(|e| {
            FieldTypeError {
                missing,
                message: strip_type_prefix(e.into_message()),
            }
        })))
    }
}

impl<T: ParseFromParameter> ParseFromParameter for Lenient<T> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Lenient(T::parse_from_parameter(value).map_err(|e| {
            FieldTypeError {
                missing: false,
                message: strip_type_prefix(e.into_message()),
            }
        })))
    }
}

impl<T: ToJSON> ToJSON for Lenient<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.as_ref().ok().and_then(ToJSON::to_json)
    }
}

impl<T> Lenient<T> {
    /// The value, or records why `field` is unusable.
    pub fn take(self, field: &str, v: &mut Violations) -> Option<T> {
        match self.0 {
            Ok(t) => Some(t),
            Err(e) => {
                v.push(type_violation(field, e));
                None
            }
        }
    }
}

impl<T> Lenient<T> {
    /// The value of a path parameter, or a 400 naming it.
    pub fn param(self, name: &'static str) -> Result<T, crate::service::ServiceError> {
        self.0
            .map_err(|e| crate::service::ServiceError::BadParameter {
                name,
                message: e.message,
            })
    }
}

/// The value of an optional field, recording a type error; absent or null gives `None`.
pub fn take_optional<T>(field: &str, value: Option<Lenient<T>>, v: &mut Violations) -> Option<T> {
    value.and_then(|l| l.take(field, v))
}

/// `failed to parse "ZoneKind": must be one of ...` -> `must be one of ...`: the field is named
/// beside the message already.
fn strip_type_prefix(message: String) -> String {
    match message
        .strip_prefix("failed to parse \"")
        .and_then(|rest| rest.split_once("\": "))
    {
        Some((_, tail)) => tail.to_owned(),
        None => message,
    }
}

fn type_violation(field: &str, e: FieldTypeError) -> FieldViolation {
    if e.missing {
        FieldViolation::new(field, "required", "is required")
    } else {
        FieldViolation::new(field, "invalid_value", e.message)
    }
}

/// A PATCH field that `null` clears: absent leaves it alone, `null` clears it, a value replaces
/// it. Its schema is `T`'s, nullable (the spec says which fields may be cleared).
#[derive(Debug, Clone)]
pub struct Clearable<T>(pub poem_openapi::types::MaybeUndefined<Lenient<T>>);

impl<T> Default for Clearable<T> {
    fn default() -> Self {
        Self(poem_openapi::types::MaybeUndefined::Undefined)
    }
}

impl<T: Type> Type for Clearable<T> {
    const IS_REQUIRED: bool = false;
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        format!("Clearable<{}>", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        match T::schema_ref() {
            MetaSchemaRef::Inline(schema) => MetaSchemaRef::Inline(Box::new(MetaSchema {
                nullable: true,
                ..*schema
            })),
            reference @ MetaSchemaRef::Reference(_) => {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    nullable: true,
                    all_of: vec![reference],
                    ..MetaSchema::ANY
                }))
            }
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        match &self.0 {
            poem_openapi::types::MaybeUndefined::Value(v) => v.as_raw_value(),
            _ => None,
        }
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        match &self.0 {
            poem_openapi::types::MaybeUndefined::Value(v) => v.raw_element_iter(),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn is_none(&self) -> bool {
        self.0.is_undefined()
    }
}

impl<T: ParseFromJSON> ParseFromJSON for Clearable<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        poem_openapi::types::MaybeUndefined::<Lenient<T>>::parse_from_json(value)
            .map(Clearable)
            .map_err(ParseError::propagate)
    }
}

impl<T: ToJSON> ToJSON for Clearable<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

/// A field of a PATCH body: [`Clearable`] when `null` clears it, `MaybeUndefined` otherwise.
pub trait PatchField<T> {
    /// True when `null` clears the field.
    const NULLABLE: bool;
    /// The value as sent.
    fn sent(self) -> poem_openapi::types::MaybeUndefined<Lenient<T>>;
}

impl<T> PatchField<T> for poem_openapi::types::MaybeUndefined<Lenient<T>> {
    const NULLABLE: bool = false;
    fn sent(self) -> poem_openapi::types::MaybeUndefined<Lenient<T>> {
        self
    }
}

impl<T> PatchField<T> for Clearable<T> {
    const NULLABLE: bool = true;
    fn sent(self) -> poem_openapi::types::MaybeUndefined<Lenient<T>> {
        self.0
    }
}

/// Reads one field of a PATCH body: absent leaves it alone (`None`), a value replaces it.
/// [`Clearable`] fields may be cleared with `null` (`Some(None)`); others refuse `null`.
pub fn take_patch<T, F: PatchField<T>>(
    field: &str,
    value: F,
    v: &mut Violations,
) -> Option<Option<T>> {
    use poem_openapi::types::MaybeUndefined;
    match value.sent() {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null if F::NULLABLE => Some(None),
        MaybeUndefined::Null => {
            v.push(FieldViolation::new(field, "required", "cannot be null"));
            None
        }
        MaybeUndefined::Value(l) => l.take(field, v).map(Some),
    }
}

/// Gives an API object an example for the spec, written as the JSON a client sees. The JSON is a
/// constant of the source, so a mistake in it fails the spec test, not a request.
macro_rules! json_example {
    ($ty:ty, $json:tt) => {
        impl poem_openapi::types::Example for $ty {
            fn example() -> Self {
                <$ty as poem_openapi::types::ParseFromJSON>::parse_from_json(Some(
                    serde_json::json!($json),
                ))
                .unwrap_or_else(|e| {
                    panic!("the example in the source is invalid: {}", e.into_message())
                })
            }
        }
    };
}
pub(crate) use json_example;

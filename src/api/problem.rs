//! RFC 9457 problem details: the one error shape of every non-2xx response.

use poem::{
    IntoResponse, Response,
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::{
    Object,
    payload::Payload,
    registry::{MetaSchemaRef, Registry},
    types::Type,
};

use super::request_context::current_request_id;
use crate::{domain::FieldViolation, service::ServiceError};

/// `Retry-After` of an answer given while the database does not answer.
pub const DATABASE_RETRY_SECONDS: u64 = 2;

/// The problem media type.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error, as RFC 9457 problem details.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename = "Problem")]
pub struct Problem {
    /// URI reference naming the kind of problem; stable, for programs to branch on
    /// (for example `/problems/validation`).
    #[oai(rename = "type", skip_serializing_if_is_none)]
    pub kind: String,
    /// Short summary of the kind of problem, in Vietnamese then English.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, for people.
    pub detail: String,
    /// Identifier of the request, to quote when asking for help (also in the `X-Request-Id` header).
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    /// On a conflict with an existing record (for example an identity document already
    /// registered), that record's id.
    #[oai(skip_serializing_if_is_none)]
    pub existing_id: Option<String>,
    /// The fields at fault, on validation failures and conflicts; absent otherwise.
    #[oai(default, skip_serializing_if_is_empty)]
    pub errors: Vec<ProblemField>,
    /// Seconds to wait before retrying, sent as the `Retry-After` header (429, 503).
    #[oai(skip)]
    pub retry_after: Option<u64>,
}

/// One field at fault.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(skip_serializing_if_is_none)]
pub struct ProblemField {
    /// The field as the client named it (JSON member, query parameter or header).
    pub field: String,
    /// Stable machine-readable code, such as `required`, `invalid_value`, `duplicate`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// In an uploaded file (an import), the line (NDJSON) or spreadsheet row (CSV, the header
    /// being row 1) at fault; absent otherwise.
    pub line: Option<u64>,
}

impl From<FieldViolation> for ProblemField {
    fn from(v: FieldViolation) -> Self {
        Self {
            field: v.field,
            code: v.code,
            message: v.message,
            line: None,
        }
    }
}

/// The kinds of problem this service answers with: slug, status, title.
pub const KINDS: &[(&str, u16, &str)] = &[
    (
        "bad-request",
        400,
        "Yêu cầu không đúng định dạng (Malformed request)",
    ),
    (
        "unauthorized",
        401,
        "Chưa đăng nhập hoặc phiên đã hết hạn (Unauthorized)",
    ),
    ("forbidden", 403, "Không có quyền thực hiện (Forbidden)"),
    ("not-found", 404, "Không tìm thấy (Not found)"),
    (
        "method-not-allowed",
        405,
        "Phương thức không được hỗ trợ (Method not allowed)",
    ),
    (
        "request-timeout",
        408,
        "Hết thời gian chờ dữ liệu gửi lên (Request timeout)",
    ),
    ("conflict", 409, "Xung đột dữ liệu (Conflict)"),
    (
        "cursor-expired",
        410,
        "Vị trí đọc đã quá thời hạn lưu giữ (Cursor expired)",
    ),
    (
        "precondition-failed",
        412,
        "Dữ liệu đã thay đổi (Precondition failed)",
    ),
    (
        "payload-too-large",
        413,
        "Dữ liệu gửi lên quá lớn (Payload too large)",
    ),
    (
        "uri-too-long",
        414,
        "Địa chỉ yêu cầu quá dài (URI too long)",
    ),
    (
        "unsupported-media-type",
        415,
        "Kiểu dữ liệu không được hỗ trợ (Unsupported media type)",
    ),
    (
        "validation",
        422,
        "Dữ liệu không hợp lệ (Validation failed)",
    ),
    (
        "precondition-required",
        428,
        "Thiếu điều kiện If-Match (Precondition required)",
    ),
    (
        "too-many-requests",
        429,
        "Quá nhiều yêu cầu (Too many requests)",
    ),
    (
        "header-fields-too-large",
        431,
        "Phần đầu yêu cầu quá lớn (Request header fields too large)",
    ),
    ("internal", 500, "Lỗi hệ thống (Internal error)"),
    (
        "unavailable",
        503,
        "Dịch vụ tạm thời không sẵn sàng (Service unavailable)",
    ),
];

impl Problem {
    /// A problem of a known kind.
    pub fn new(slug: &str, detail: impl Into<String>) -> Self {
        let (slug, status, title) = KINDS
            .iter()
            .copied()
            .find(|(s, _, _)| *s == slug)
            .unwrap_or(("internal", 500, "Lỗi hệ thống (Internal error)"));
        Self {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            request_id: current_request_id(),
            existing_id: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// A problem for a status this service has no named kind for.
    pub fn for_status(status: StatusCode, detail: impl Into<String>) -> Self {
        match KINDS.iter().find(|(_, s, _)| *s == status.as_u16()) {
            Some((slug, _, _)) => Self::new(slug, detail),
            None => Self {
                kind: "about:blank".to_owned(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                request_id: current_request_id(),
                existing_id: None,
                errors: Vec::new(),
                retry_after: None,
            },
        }
    }

    /// Asks the client to wait this many seconds before retrying (`Retry-After`).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds the fields at fault.
    pub fn with_errors(mut self, errors: impl IntoIterator<Item = FieldViolation>) -> Self {
        self.errors
            .extend(errors.into_iter().map(ProblemField::from));
        self
    }

    /// A malformed query, path or header parameter.
    pub fn bad_parameter(name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(
            "bad-request",
            format!("parameter `{name}` is invalid: {message}"),
        )
        .with_errors([FieldViolation::new(name, "invalid_parameter", message)])
    }

    /// The generic 500: the cause is logged with the request id, never shown.
    pub fn internal() -> Self {
        Self::new(
            "internal",
            "An unexpected error occurred. It has been logged; quote the request id when reporting it.",
        )
    }

    /// The HTTP response: problem+json body, right status, and `Retry-After` when set.
    pub fn into_poem_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            serde_json::to_vec(&poem_openapi::types::ToJSON::to_json(&self)).unwrap_or_default();
        let mut resp = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, PROBLEM_JSON)
            .body(body);
        if let Some(seconds) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        resp
    }
}

impl From<ServiceError> for Problem {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound { entity, id } => {
                Problem::new("not-found", format!("{entity} {id} does not exist"))
            }
            ServiceError::BadParameter { name, message } => Problem::bad_parameter(name, message),
            ServiceError::Validation(v) => Problem::new(
                "validation",
                format!("{} field(s) are invalid; nothing was changed", v.len()),
            )
            .with_errors(v),
            ServiceError::Conflict {
                detail,
                violations,
                existing_id,
            } => {
                let mut p = Problem::new("conflict", detail).with_errors(violations);
                p.existing_id = existing_id;
                p
            }
            ServiceError::Unauthorized(detail) => Problem::new("unauthorized", detail),
            ServiceError::Forbidden(detail) => Problem::new("forbidden", detail),
            ServiceError::TooManyRequests { retry_after } => Problem::new(
                "too-many-requests",
                format!("too many requests; try again in {retry_after} seconds"),
            )
            .retry_after(retry_after),
            ServiceError::PreconditionRequired => Problem::new(
                "precondition-required",
                "send the ETag you read in an If-Match header, so concurrent changes are not lost",
            )
            .with_errors([FieldViolation::new(
                "If-Match",
                "required",
                "is required for updates",
            )]),
            ServiceError::PreconditionFailed { current } => Problem::new(
                "precondition-failed",
                format!(
                    "the resource changed since you read it (its ETag is now {current}); read it again and retry"
                ),
            ),
            ServiceError::DatabaseDown(cause) => {
                tracing::error!(error = %cause, error.debug = ?cause, "database unavailable");
                Problem::new(
                    "unavailable",
                    format!(
                        "the registry's database cannot answer right now; nothing was changed and this is not a verdict on the request: try again in {DATABASE_RETRY_SECONDS} seconds"
                    ),
                )
                .retry_after(DATABASE_RETRY_SECONDS)
            }
            ServiceError::Unavailable(detail) => Problem::new("unavailable", detail),
            ServiceError::Gone(detail) => Problem::new("cursor-expired", detail),
            ServiceError::Unexpected(cause) => {
                tracing::error!(error = %cause, error.debug = ?cause, "unexpected failure");
                Problem::internal()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.into_poem_response()
    }
}

/// A problem as the body of a documented error response: `application/problem+json` with the
/// [`Problem`] schema, and its `Retry-After` header when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemBody(pub Problem);

impl Payload for ProblemBody {
    const CONTENT_TYPE: &'static str = PROBLEM_JSON;

    fn schema_ref() -> MetaSchemaRef {
        Problem::schema_ref()
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

impl IntoResponse for ProblemBody {
    fn into_response(self) -> Response {
        self.0.into_poem_response()
    }
}

/// Declares an `ApiResponse` enum of problem responses for a group of operations: the statuses
/// listed, and those every operation can return: 400 (malformed request), 408 (a body too slow),
/// 500 (internal error) and 503 (the database does not answer, or the instance cannot do this
/// now). A protected
/// operation (the default) also returns 401 and 403; one marked `public` needs no credentials
/// and never does. `tests/api/openapi.rs` walks every operation and fails when one leaves out a
/// status its shape makes possible.
macro_rules! problem_responses {
    ($(#[$meta:meta])* $name:ident: public, unavailable = $udoc:literal { $($status:literal $variant:ident $doc:literal),* $(,)? }) => {
        $crate::api::problem::problem_responses!(@enum $(#[$meta])* $name $udoc, [] [$($status $variant $doc),*]);
    };
    ($(#[$meta:meta])* $name:ident: public { $($status:literal $variant:ident $doc:literal),* $(,)? }) => {
        $crate::api::problem::problem_responses!(@enum $(#[$meta])* $name "The registry cannot answer right now (its database does not answer, or this instance cannot do this at the moment); nothing was changed and this says nothing about the request itself. Retry after `Retry-After` seconds.", [] [$($status $variant $doc),*]);
    };
    ($(#[$meta:meta])* $name:ident { $($status:literal $variant:ident $doc:literal),* $(,)? }) => {
        $crate::api::problem::problem_responses!(@enum $(#[$meta])* $name "The registry cannot answer right now (its database does not answer, or this instance cannot do this at the moment); nothing was changed and this says nothing about the request itself. Retry after `Retry-After` seconds.", [
            401 Unauthorized "No valid bearer token: missing, wrong, expired or revoked.",
            403 Forbidden "Signed in, but no role that allows this."
        ] [$($status $variant $doc),*]);
    };
    (@enum $(#[$meta:meta])* $name:ident $udoc:literal,
        [$($astatus:literal $avariant:ident $adoc:literal),*]
        [$($status:literal $variant:ident $doc:literal),*]) => {
        $(#[$meta])*
        #[derive(poem_openapi::ApiResponse, Debug)]
        pub enum $name {
            /// Malformed request: unreadable JSON, a wrong parameter, a wrong content type.
            #[oai(status = 400, content_type = "application/problem+json")]
            BadRequest($crate::api::problem::ProblemBody),
            $(
                #[doc = $adoc]
                #[oai(status = $astatus, content_type = "application/problem+json")]
                $avariant($crate::api::problem::ProblemBody),
            )*
            /// The request body did not arrive within the body deadline; the connection is closed.
            #[oai(status = 408, content_type = "application/problem+json")]
            RequestTimeout($crate::api::problem::ProblemBody),
            $(
                #[doc = $doc]
                #[oai(status = $status, content_type = "application/problem+json")]
                $variant($crate::api::problem::ProblemBody),
            )*
            /// Unexpected failure; the cause is logged under the request id.
            #[oai(status = 500, content_type = "application/problem+json")]
            Internal($crate::api::problem::ProblemBody),
            #[doc = $udoc]
            #[oai(status = 503, content_type = "application/problem+json")]
            Unavailable($crate::api::problem::ProblemBody),
        }

        impl From<$crate::api::problem::Problem> for $name {
            fn from(p: $crate::api::problem::Problem) -> Self {
                match p.status {
                    400 => Self::BadRequest($crate::api::problem::ProblemBody(p)),
                    $($astatus => Self::$avariant($crate::api::problem::ProblemBody(p)),)*
                    408 => Self::RequestTimeout($crate::api::problem::ProblemBody(p)),
                    $($status => Self::$variant($crate::api::problem::ProblemBody(p)),)*
                    500 => Self::Internal($crate::api::problem::ProblemBody(p)),
                    503 => Self::Unavailable($crate::api::problem::ProblemBody(p)),
                    other => {
                        // The operation's declaration lacks a status a service returned: the
                        // spec test catches the shapes; this is the last line of defence.
                        tracing::error!(status = other, detail = %p.detail, "undocumented error status for this operation");
                        Self::Internal($crate::api::problem::ProblemBody($crate::api::problem::Problem::internal()))
                    }
                }
            }
        }

        impl From<$crate::service::ServiceError> for $name {
            fn from(e: $crate::service::ServiceError) -> Self {
                $crate::api::problem::Problem::from(e).into()
            }
        }
    };
}

pub(crate) use problem_responses;

problem_responses! {
    /// Errors of reading one resource.
    ReadError {
        404 NotFound "No resource has this id.",
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of listing a collection.
    ListError {
        404 NotFound "The parent resource does not exist.",
        429 TooManyRequests "An agency API key went over its per-minute limit; retry after `Retry-After` seconds.",
    }
}

problem_responses! {
    /// Errors of creating a resource.
    CreateError {
        404 NotFound "The parent resource does not exist.",
        409 Conflict "A resource with the same unique code already exists; `errors[]` names the field.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "One or more fields are invalid; `errors[]` names each. Nothing was changed.",
    }
}

problem_responses! {
    /// Errors of updating a resource.
    UpdateError {
        404 NotFound "No resource has this id.",
        409 Conflict "The change would duplicate a unique code; `errors[]` names the field.",
        412 PreconditionFailed "The `If-Match` ETag is stale: someone changed the resource since you read it.",
        413 PayloadTooLarge "The request body is larger than the configured limit.",
        415 UnsupportedMediaType "The body is not `application/json`.",
        422 Unprocessable "One or more fields are invalid; `errors[]` names each. Nothing was changed.",
        428 PreconditionRequired "No `If-Match` header was sent.",
    }
}

//! The edge every request passes: request id, structured request log, the request body read
//! whole within a deadline and a size limit, text checked for characters that must never be
//! stored, and the catch-all that turns every framework error into problem+json.
//!
//! Reading the body here, before any handler, means an answer given before the handler looks at
//! the body (401, 403, 404) still leaves the connection clean for the next request; a body that
//! is too large or too slow is refused with `Connection: close`, since the rest of it is never
//! read.

use std::time::{Duration, Instant};

use poem::{
    Endpoint, IntoResponse, Request, Response,
    error::{MethodNotAllowedError, NotFoundError, ReadBodyError},
    http::{HeaderValue, Method, StatusCode, header},
};
use poem_openapi::error::{ContentTypeError, ParseParamError, ParseRequestPayloadError};
use tracing::Instrument;

use super::{
    problem::Problem,
    request_context::{self, REQUEST_ID_HEADER},
};
use crate::domain::text::{describe_forbidden, forbidden_char};

/// The longest request target (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) a request may carry.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most headers a request may carry.
pub const MAX_HEADERS: usize = 100;
/// Request headers the API reads as text values.
const TEXT_HEADERS: &[&str] = &["Idempotency-Key", "If-Match"];

/// One operation of the spec: its path template, method and accepted body types.
#[derive(Debug, Clone)]
struct Operation {
    template: Vec<String>,
    method: String,
    body_types: Vec<String>,
}

/// Wraps the whole application.
pub struct Edge<E> {
    inner: E,
    max_body_bytes: usize,
    /// The larger limit of operations that take files (`multipart/form-data`), and of the web
    /// forms that do.
    max_upload_bytes: usize,
    /// Paths of web forms that upload files (not in the spec).
    upload_paths: &'static [&'static str],
    body_timeout: Duration,
    /// Every operation of the spec, for `Allow` on 405 answers and the accepted body types on
    /// 415 answers.
    operations: Vec<Operation>,
}

impl<E> Edge<E> {
    /// Wraps `inner`, refusing bodies above `max_body_bytes` (`max_upload_bytes` for operations
    /// that take files, and for the web forms at `upload_paths`) or slower than `body_timeout`.
    pub fn new(
        inner: E,
        max_body_bytes: usize,
        max_upload_bytes: usize,
        upload_paths: &'static [&'static str],
        body_timeout: Duration,
    ) -> Self {
        Self {
            inner,
            max_body_bytes,
            max_upload_bytes,
            upload_paths,
            body_timeout,
            operations: operations(),
        }
    }

    /// The body limit of a request: larger for uploads (`upload_paths` entries may hold `*` for
    /// one path segment), which are the operations taking files: `multipart/form-data`, and the
    /// import files (`text/csv`, `application/x-ndjson`; 10,000 projects make a few MB).
    fn limit_for(&self, path: &str, method: &Method) -> usize {
        let uploads = self.upload_paths.iter().any(|p| segments_match(p, path))
            || self.body_types_for(path, method).iter().any(|t| {
                t.starts_with("multipart/") || t == "text/csv" || t == "application/x-ndjson"
            });
        if uploads {
            self.max_upload_bytes.max(self.max_body_bytes)
        } else {
            self.max_body_bytes
        }
    }

    /// The operations whose template matches a path (`{id}` matches any segment).
    fn matching<'a>(&'a self, path: &str) -> impl Iterator<Item = &'a Operation> {
        let segments: Vec<String> = path
            .trim_end_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        // A literal path is its own resource: `/verify/pdf` is not also `/verify/{seal}`.
        let literal = self.operations.iter().any(|op| op.template == segments);
        self.operations.iter().filter(move |op| {
            (!literal || op.template == segments)
                && op.template.len() == segments.len()
                && op
                    .template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
    }

    /// The `Allow` value for a path.
    fn allow_for(&self, path: &str) -> Option<String> {
        let mut methods: Vec<String> = self.matching(path).map(|o| o.method.clone()).collect();
        if methods.is_empty() {
            return None;
        }
        if methods.iter().any(|m| m == "GET") {
            methods.push("HEAD".to_owned());
        }
        Some(methods.join(", "))
    }

    /// The body types the operation at `path` and `method` accepts.
    fn body_types_for(&self, path: &str, method: &Method) -> Vec<String> {
        self.matching(path)
            .filter(|o| o.method == method.as_str())
            .flat_map(|o| o.body_types.clone())
            .collect()
    }
}

fn operations() -> Vec<Operation> {
    let spec = super::spec::document(super::spec::Edition::V30);
    let Some(paths) = spec["paths"].as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, ops) in paths {
        let template: Vec<String> = path
            .trim_end_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        for (method, op) in ops.as_object().into_iter().flatten() {
            let body_types = op["requestBody"]["content"]
                .as_object()
                .map(|c| {
                    c.keys()
                        .map(|t| t.split(';').next().unwrap_or(t).trim().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            out.push(Operation {
                template: template.clone(),
                method: method.to_ascii_uppercase(),
                body_types,
            });
        }
    }
    out
}

impl<E: Endpoint> Endpoint for Edge<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let id = req
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| acceptable_request_id(v))
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            http.method = %req.method(),
            http.path = %req.uri().path(),
        );
        let started = Instant::now();
        let path = req.uri().path().to_owned();
        let mut resp =
            request_context::scope(id.clone(), self.serve(req).instrument(span.clone())).await;
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        resp.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = self.allow_for(&path)
            && let Ok(value) = HeaderValue::from_str(&allow)
        {
            resp.headers_mut().insert(header::ALLOW, value);
        }
        if resp.status() == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"invest-registry\""),
            );
        }
        let status = resp.status().as_u16();
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        span.in_scope(|| {
            if status >= 500 {
                tracing::warn!(
                    http.status = status,
                    http.latency_ms = elapsed_ms,
                    "request failed"
                );
            } else {
                tracing::info!(
                    http.status = status,
                    http.latency_ms = elapsed_ms,
                    "request served"
                );
            }
        });
        Ok(resp)
    }
}

impl<E: Endpoint> Edge<E> {
    async fn serve(&self, mut req: Request) -> Response {
        if let Err(problem) = check_head(&req) {
            return problem.into_poem_response();
        }
        match self.read_body(&mut req).await {
            Err(resp) => return resp,
            Ok(Some(bytes)) => req.set_body(bytes),
            Ok(None) => {}
        }
        let path = req.uri().path().to_owned();
        let method = req.method().clone();
        match self.inner.call(req).await {
            Ok(out) => out.into_response(),
            Err(err) => {
                let accepted = self.body_types_for(&path, &method);
                problem_from_error(err, &accepted)
            }
        }
    }

    /// Reads the whole body before anything looks at it, within the size limit and the body
    /// deadline; `None` when there is none. Refusals close the connection: the rest of the body
    /// is never read.
    async fn read_body(&self, req: &mut Request) -> Result<Option<bytes::Bytes>, Response> {
        let limit = self.limit_for(req.uri().path(), req.method());
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        match declared {
            Some(len) if len > limit as u64 => {
                return Err(closing(too_large(limit)));
            }
            Some(0) => return Ok(None),
            None if !chunked => return Ok(None),
            _ => {}
        }
        let body = req.take_body();
        match tokio::time::timeout(self.body_timeout, body.into_bytes_limit(limit)).await {
            Ok(Ok(bytes)) => Ok(Some(bytes)),
            Ok(Err(ReadBodyError::PayloadTooLarge)) => Err(closing(too_large(limit))),
            Ok(Err(e)) => Err(closing(Problem::new(
                "bad-request",
                format!("the request body could not be read: {e}"),
            ))),
            Err(_) => Err(closing(Problem::new(
                "request-timeout",
                format!(
                    "the request body did not arrive within {} seconds",
                    self.body_timeout.as_secs_f64()
                ),
            ))),
        }
    }
}

/// A refusal after which the connection is closed.
fn closing(problem: Problem) -> Response {
    let mut resp = problem.into_poem_response();
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Refuses request heads the service will not process: a target or headers too large (the
/// server accepts a little more than these, so the answer is a problem, not a bare status), and
/// control, bidirectional or invisible characters in the path or the query.
fn check_head(req: &Request) -> Result<(), Box<Problem>> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Err(Box::new(Problem::new(
            "uri-too-long",
            format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        )));
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return Err(Box::new(Problem::new(
            "header-fields-too-large",
            format!(
                "the request carries more than {MAX_HEADERS} headers or {MAX_HEADER_BYTES} bytes of them"
            ),
        )));
    }
    // Headers the API reads as text: a value that is not printable ASCII is refused, not taken
    // for an absent header.
    for name in TEXT_HEADERS {
        if let Some(value) = headers.get(*name)
            && !value.as_bytes().iter().all(|b| (0x20..=0x7e).contains(b))
        {
            return Err(Box::new(Problem::bad_parameter(
                name,
                "must be printable ASCII",
            )));
        }
    }
    let decoded_path = percent_decode(req.uri().path());
    if let Some(c) = forbidden_char(&decoded_path) {
        return Err(Box::new(Problem::bad_parameter(
            "path",
            format!("must not contain {}", describe_forbidden(c)),
        )));
    }
    if let Some(query) = req.uri().query() {
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if let Some(c) = forbidden_char(&name).or_else(|| forbidden_char(&value)) {
                return Err(Box::new(Problem::bad_parameter(
                    &name,
                    format!("must not contain {}", describe_forbidden(c)),
                )));
            }
        }
    }
    Ok(())
}

/// Percent-decodes a path for checking (invalid escapes stay as they are).
fn percent_decode(path: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn too_large(limit: usize) -> Problem {
    Problem::new(
        "payload-too-large",
        format!("the request body is larger than {limit} bytes"),
    )
}

/// Request ids we echo: short, printable, no spaces (so they cannot forge log lines).
fn acceptable_request_id(v: &str) -> bool {
    (1..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Every error that escaped a handler becomes problem+json; ours already are.
fn problem_from_error(err: poem::Error, accepted: &[String]) -> Response {
    if err.is_from_response() {
        let resp = err.into_response();
        // Problems, and the pages' own answers (a redirect to the console's sign-in, an HTML
        // page), are already what the client should get.
        let page = resp.status().is_redirection() && resp.headers().contains_key(header::LOCATION)
            || resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
        if is_problem(&resp) || page {
            return resp;
        }
        let status = resp.status();
        return Problem::for_status(status, status.canonical_reason().unwrap_or("error"))
            .into_poem_response();
    }
    let problem = if let Some(e) = err.downcast_ref::<ParseParamError>() {
        Problem::bad_parameter(e.name, e.reason.clone())
    } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        Problem::new(
            "bad-request",
            format!("the request body could not be read: {}", e.reason),
        )
    } else if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        let send = if accepted.is_empty() {
            "see the operation in /docs".to_owned()
        } else {
            format!("send {}", accepted.join(" or "))
        };
        let detail = match e {
            ContentTypeError::NotSupported { content_type } => {
                format!("content type `{content_type}` is not accepted here; {send}")
            }
            ContentTypeError::ExpectContentType => {
                format!("a Content-Type header is required; {send}")
            }
        };
        Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    } else if err.is::<poem_openapi::error::AuthorizationError>() {
        Problem::new(
            "unauthorized",
            "sign in first: send `Authorization: Bearer <token>` with a token from POST /api/v1/auth/login (agencies: their key in `X-Api-Key`)",
        )
    } else if err.is::<NotFoundError>() {
        Problem::new(
            "not-found",
            "no resource lives at this address; see /docs for the API",
        )
    } else if err.is::<MethodNotAllowedError>() {
        Problem::new(
            "method-not-allowed",
            "this address does not accept that HTTP method",
        )
    } else {
        let status = err.status();
        if status.is_server_error() {
            tracing::error!(error = %err, "unexpected framework error");
            Problem::internal()
        } else {
            Problem::for_status(status, err.to_string())
        }
    };
    problem.into_poem_response()
}

fn is_problem(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(super::problem::PROBLEM_JSON))
}

/// True when `path` has the segments of `pattern`, where a `*` segment matches any one.
fn segments_match(pattern: &str, path: &str) -> bool {
    let (mut p, mut q) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

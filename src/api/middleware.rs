//! The edge every request passes: request id, structured request log, body size limit, and the
//! catch-all that turns every framework error into problem+json.

use std::time::Instant;

use poem::{
    Endpoint, IntoResponse, Request, Response,
    error::{MethodNotAllowedError, NotFoundError, ReadBodyError},
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::error::{ContentTypeError, ParseParamError, ParseRequestPayloadError};
use tracing::Instrument;

use super::{
    problem::Problem,
    request_context::{self, REQUEST_ID_HEADER},
};

/// Wraps the whole application.
pub struct Edge<E> {
    inner: E,
    max_body_bytes: usize,
    /// Path templates of the spec with the methods each accepts, for `Allow` on 405 answers.
    allow: Vec<(Vec<String>, String)>,
}

impl<E> Edge<E> {
    /// Wraps `inner`, refusing bodies above `max_body_bytes`.
    pub fn new(inner: E, max_body_bytes: usize) -> Self {
        Self {
            inner,
            max_body_bytes,
            allow: allowed_methods(),
        }
    }

    /// The `Allow` value for a path, from the spec's templates (`{id}` matches any segment).
    fn allow_for(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.allow
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s)
            })
            .map(|(_, methods)| methods.as_str())
    }
}

fn allowed_methods() -> Vec<(Vec<String>, String)> {
    let spec: serde_json::Value =
        serde_json::from_str(&super::service().spec()).unwrap_or_default();
    let Some(paths) = spec["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, ops)| {
            let template = path
                .trim_end_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect();
            let mut methods: Vec<String> = ops
                .as_object()
                .map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect())
                .unwrap_or_default();
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".to_owned());
            }
            (template, methods.join(", "))
        })
        .collect()
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
            && let Ok(value) = HeaderValue::from_str(allow)
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
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(len) if len > self.max_body_bytes as u64 => {
                return too_large(self.max_body_bytes).into_poem_response();
            }
            Some(_) => {}
            // No length declared (chunked): read at most the limit before anything parses it.
            None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
                match req.take_body().into_bytes_limit(self.max_body_bytes).await {
                    Ok(bytes) => req.set_body(bytes),
                    Err(ReadBodyError::PayloadTooLarge) => {
                        return too_large(self.max_body_bytes).into_poem_response();
                    }
                    Err(e) => {
                        return Problem::new(
                            "bad-request",
                            format!("the request body could not be read: {e}"),
                        )
                        .into_poem_response();
                    }
                }
            }
            None => {}
        }
        match self.inner.call(req).await {
            Ok(out) => out.into_response(),
            Err(err) => problem_from_error(err),
        }
    }
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
fn problem_from_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        let resp = err.into_response();
        if is_problem(&resp) {
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
        let (status, detail) = match e {
            ContentTypeError::NotSupported { content_type } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "content type `{content_type}` is not accepted here; send application/json"
                ),
            ),
            ContentTypeError::ExpectContentType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a Content-Type header is required; send application/json".to_owned(),
            ),
        };
        Problem::for_status(status, detail)
    } else if err.is::<poem_openapi::error::AuthorizationError>() {
        Problem::new(
            "unauthorized",
            "sign in first: send `Authorization: Bearer <token>` with a token from POST /api/v1/auth/login",
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

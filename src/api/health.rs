//! Liveness and readiness probes.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, problem::Problem};
use crate::service::{self, AppState};

/// Health probes for load balancers and orchestrators.
#[derive(Default)]
pub struct HealthApi;

/// Probe result.
#[derive(Object, Debug)]
struct Health {
    /// `ok` when the check passed.
    status: String,
    /// The service version.
    version: String,
}

#[derive(ApiResponse)]
enum LiveResponse {
    /// The process is up.
    #[oai(status = 200)]
    Live(Json<Health>),
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Ready: the database answers.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// Not ready: the database does not answer. The detail says which dependency failed.
    #[oai(status = 503, content_type = "application/problem+json")]
    NotReady(Json<Problem>),
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Liveness: the process is up
    ///
    /// Answers 200 as long as the process serves HTTP; checks nothing else.
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> LiveResponse {
        LiveResponse::Live(Json(Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }))
    }

    /// Readiness: the service can serve requests
    ///
    /// Answers 200 when the database answers a query, 503 otherwise.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self, state: Data<&AppState>) -> ReadyResponse {
        match service::health::ready(&state.db).await {
            Ok(()) => ReadyResponse::Ready(Json(Health {
                status: "ok".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            })),
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                ReadyResponse::NotReady(Json(Problem::new(
                    "unavailable",
                    "the database does not answer",
                )))
            }
        }
    }
}

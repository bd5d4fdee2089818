//! What the edge knows about the request being served, readable from anywhere while it is served:
//! its id, quoted in problems and logs.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The request id header.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Runs `f` as the serving of the request `id`.
pub async fn scope<F: Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The id of the request being served, if called while serving one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

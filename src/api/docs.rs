//! Serving the finished spec ([`super::spec`]) and the interactive documentation at `/docs`.

use poem::{Endpoint, IntoResponse, Response, endpoint::make_sync, http::header, web::Html};
use poem_openapi::OpenApiService;

use super::spec::{Edition, pretty};

/// The spec of an edition as JSON (or YAML), exactly the committed file's content.
pub fn spec(edition: Edition, yaml: bool) -> impl Endpoint + 'static {
    let (body, content_type) = if yaml {
        (
            serde_yaml::to_string(&super::spec::ordered_document(edition))
                .expect("a JSON value is valid YAML"),
            "application/yaml",
        )
    } else {
        (pretty(edition).to_owned(), "application/json")
    };
    make_sync(move |_| -> Response {
        body.clone()
            .with_content_type(content_type)
            .with_header(header::CACHE_CONTROL, "no-cache")
            .into_response()
    })
}

/// Swagger UI showing the 3.1 edition, where every field keeps its description beside its
/// `$ref`, and each request body's example.
pub fn endpoint<T: poem_openapi::OpenApi, W: poem_openapi::Webhook>(
    api: &OpenApiService<T, W>,
) -> impl Endpoint + 'static {
    // poem-openapi embeds its raw document in the page; the page shows the finished one instead.
    let html = api
        .swagger_ui_html()
        .replacen(super::spec::raw(), pretty(Edition::V31), 1);
    poem::Route::new().at("/", make_sync(move |_| Html(html.clone())))
}

//! The shapes every registry resource shares, written once: a resource read with its version tag
//! (`ETag`), a resource created (`Location` and `ETag`), a page of a list (`items` and
//! `next_cursor`), and the `limit` parameter of every list. A new resource implements
//! [`Resource`] (and [`Listed`]) for its view and gets all of them, with its own names and
//! descriptions in the spec.

use std::borrow::Cow;

use poem::{
    IntoResponse, Response,
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::{
    ApiResponse, ResponseContent,
    payload::Json,
    registry::{MetaHeader, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromParameter, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use super::{
    pagination::{self, DEFAULT_LIMIT, MAX_LIMIT},
    types::self_typed,
};
use crate::service::{Page, ServiceError, etag};

/// A resource served with its version, as its view. The descriptions make the spec read as if
/// written for each resource.
pub trait Resource: Type + ToJSON + Send + Sync + 'static {
    /// The 200 answer, e.g. "The zone.".
    const FOUND: &'static str;
    /// The 201 answer, e.g. "The zone was registered.".
    const CREATED: &'static str;
    /// The `Location` header of a 201, e.g. "Address of the new zone.".
    const LOCATION: &'static str;
    /// Where resources of this kind live, e.g. `/api/v1/zones`; `Location` is this plus the id.
    const COLLECTION: &'static str;
}

/// A resource that is listed a page at a time.
pub trait Listed: Type + ToJSON + Send + Sync + 'static {
    /// Schema name of the page, e.g. `ZoneList`.
    const LIST_NAME: &'static str;
    /// The page, e.g. "A page of zones.".
    const LIST: &'static str;
    /// Its `items`, e.g. "Zones, oldest first.".
    const ITEMS: &'static str;
    /// The 200 answer with a page, when it says more than [`Listed::LIST`].
    const LISTED: &'static str = Self::LIST;
    /// Its `next_cursor`.
    const NEXT: &'static str = "Pass as `cursor` for the next page; absent on the last.";
    /// The cursor's scope: a cursor of one list is refused by another.
    const CURSOR_SCOPE: &'static str;
}

/// The version tag of the ETag headers.
const ETAG_FOUND: &str = "Version tag, for `If-Match` on updates.";
const ETAG_CREATED: &str = "Version tag, for `If-Match` on later updates.";

fn string_header(name: &str, description: &str) -> MetaHeader {
    MetaHeader {
        name: name.to_uppercase(),
        description: Some(description.to_owned()),
        required: true,
        deprecated: false,
        schema: String::schema_ref(),
    }
}

fn json_response<T: ToJSON + Send>(status: StatusCode, body: T) -> Response {
    let mut resp = Json(body).into_response();
    resp.set_status(status);
    resp
}

fn insert(resp: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// 200: one resource with its `ETag`.
pub struct Found<T> {
    view: T,
    etag: String,
}

impl<T: Resource> Found<T> {
    /// The resource at row version `version`.
    pub fn new(view: T, version: i32) -> Self {
        Self {
            view,
            etag: etag(version),
        }
    }
}

impl<T: Resource> IntoResponse for Found<T> {
    fn into_response(self) -> Response {
        let mut resp = json_response(StatusCode::OK, self.view);
        insert(&mut resp, header::ETAG, &self.etag);
        resp
    }
}

impl<T: Resource> ApiResponse for Found<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: T::FOUND,
                status: Some(200),
                status_range: None,
                content: <Json<T> as ResponseContent>::media_types(),
                headers: vec![string_header("ETag", ETAG_FOUND)],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<T> as ResponseContent>::register(registry);
    }
}

/// 201: a resource just created, with its `Location` and `ETag`.
pub struct Created<T> {
    view: T,
    location: String,
    etag: String,
}

impl<T: Resource> Created<T> {
    /// The resource `id` at row version `version`.
    pub fn new(view: T, id: impl std::fmt::Display, version: i32) -> Self {
        Self {
            view,
            location: format!("{}/{id}", T::COLLECTION),
            etag: etag(version),
        }
    }
}

impl<T: Resource> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut resp = json_response(StatusCode::CREATED, self.view);
        insert(&mut resp, header::LOCATION, &self.location);
        insert(&mut resp, header::ETAG, &self.etag);
        resp
    }
}

impl<T: Resource> ApiResponse for Created<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: T::CREATED,
                status: Some(201),
                status_range: None,
                content: <Json<T> as ResponseContent>::media_types(),
                headers: vec![
                    string_header("Location", T::LOCATION),
                    string_header("ETag", ETAG_CREATED),
                ],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<T> as ResponseContent>::register(registry);
    }
}

/// A page of a list: `items`, and `next_cursor` while more follow. Its schema is named after
/// the resource (`ZoneList`, ...).
pub struct ListPage<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

impl<T: Listed> ListPage<T> {
    /// The page of `page`, each row turned into its view.
    pub fn of<R>(page: Page<R>, view: impl FnMut(R) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(view).collect(),
            next_cursor: page
                .next_after
                .map(|id| pagination::encode(T::CURSOR_SCOPE, id)),
        }
    }

    /// A page of views already made, continuing after the row `next_after` when more follow.
    pub fn with_items(items: Vec<T>, next_after: Option<uuid::Uuid>) -> Self {
        Self {
            items,
            next_cursor: next_after.map(|id| pagination::encode(T::CURSOR_SCOPE, id)),
        }
    }

    /// The row a `cursor` query parameter continues after; a cursor of another list is a 400.
    pub fn after(cursor: Option<&str>) -> Result<Option<uuid::Uuid>, ServiceError> {
        pagination::decode(T::CURSOR_SCOPE, cursor)
    }
}

impl<T: Listed> Type for ListPage<T> {
    self_typed!();

    fn name() -> Cow<'static, str> {
        T::LIST_NAME.into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(T::LIST_NAME.to_owned())
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
        registry.create_schema::<Self, _>(T::LIST_NAME.to_owned(), |_| MetaSchema {
            title: Some(T::LIST_NAME.to_owned()),
            description: Some(T::LIST),
            required: vec!["items"],
            properties: vec![
                (
                    "items",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        description: Some(T::ITEMS),
                        items: Some(Box::new(T::schema_ref())),
                        ..MetaSchema::new("array")
                    })),
                ),
                (
                    "next_cursor",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        description: Some(T::NEXT),
                        ..MetaSchema::new("string")
                    })),
                ),
            ],
            ..MetaSchema::new("object")
        });
    }
}

impl<T: Listed> ToJSON for ListPage<T> {
    fn to_json(&self) -> Option<Value> {
        let mut object = serde_json::Map::new();
        object.insert(
            "items".to_owned(),
            Value::Array(self.items.iter().filter_map(ToJSON::to_json).collect()),
        );
        if let Some(c) = &self.next_cursor {
            object.insert("next_cursor".to_owned(), Value::String(c.clone()));
        }
        Some(Value::Object(object))
    }
}

/// 200: a page of a list.
pub struct Listing<T>(pub ListPage<T>);

impl<T: Listed> IntoResponse for Listing<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, self.0)
    }
}

impl<T: Listed> ApiResponse for Listing<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: T::LISTED,
                status: Some(200),
                status_range: None,
                content: <Json<ListPage<T>> as ResponseContent>::media_types(),
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<ListPage<T>> as ResponseContent>::register(registry);
    }
}

/// The `limit` query parameter of every list: 1 to 200, 50 when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(pub u32);

impl PageSize {
    /// The page size as the service takes it.
    pub fn get(self) -> u64 {
        u64::from(self.0)
    }
}

impl Type for PageSize {
    self_typed!(optional);

    fn name() -> Cow<'static, str> {
        "integer_uint32".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            default: Some(Value::from(DEFAULT_LIMIT)),
            maximum: Some(f64::from(MAX_LIMIT)),
            minimum: Some(1.0),
            ..MetaSchema::new_with_format("integer", "uint32")
        }))
    }
}

impl ParseFromParameter for PageSize {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        match value.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Self(n)),
            _ => Err(ParseError::custom(format!(
                "must be a whole number from 1 to {MAX_LIMIT}"
            ))),
        }
    }

    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        iter: I,
    ) -> ParseResult<Self> {
        match iter.into_iter().next() {
            Some(v) => Self::parse_from_parameter(v.as_ref()),
            None => Ok(Self(DEFAULT_LIMIT)),
        }
    }
}

/// Implements [`Resource`] for a view.
macro_rules! resource {
    ($view:ty, collection = $collection:literal, found = $found:literal, created = $created:literal, location = $location:literal) => {
        impl $crate::api::resource::Resource for $view {
            const FOUND: &'static str = $found;
            const CREATED: &'static str = $created;
            const LOCATION: &'static str = $location;
            const COLLECTION: &'static str = $collection;
        }
    };
}
pub(crate) use resource;

/// Implements [`Listed`] for a view.
macro_rules! listed {
    ($view:ty, name = $name:literal, list = $list:literal, items = $items:literal, cursor = $scope:literal $(, listed = $listed:literal)? $(, next = $next:literal)?) => {
        impl $crate::api::resource::Listed for $view {
            const LIST_NAME: &'static str = $name;
            const LIST: &'static str = $list;
            const ITEMS: &'static str = $items;
            const CURSOR_SCOPE: &'static str = $scope;
            $(const LISTED: &'static str = $listed;)?
            $(const NEXT: &'static str = $next;)?
        }
    };
}
pub(crate) use listed;

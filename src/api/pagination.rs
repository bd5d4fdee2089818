//! Opaque list cursors. A cursor names the last row of a page and the list it belongs to, so a
//! cursor of one list is refused by another.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::service::ServiceError;

/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// The default of every list's `limit` parameter.
pub fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

/// The largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Encodes the position after `id` in the list `scope`.
pub fn encode(scope: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{scope}:{id}"))
}

/// Decodes a cursor of the list `scope`; anything else is a 400 naming `cursor`.
pub fn decode(scope: &str, cursor: Option<&str>) -> Result<Option<Uuid>, ServiceError> {
    let Some(cursor) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || ServiceError::BadParameter {
        name: "cursor",
        message: "is not a cursor returned by this list".to_owned(),
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (s, id) = text.split_once(':').ok_or_else(bad)?;
    if s != scope {
        return Err(bad());
    }
    id.parse().map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_in_its_own_list() {
        let id = Uuid::now_v7();
        let c = encode("zones", id);
        assert_eq!(decode("zones", Some(&c)).unwrap(), Some(id));
        assert!(decode("parcels", Some(&c)).is_err());
        assert!(decode("zones", Some("garbage!")).is_err());
        assert_eq!(decode("zones", None).unwrap(), None);
    }
}

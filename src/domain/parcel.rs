//! Land parcels (lots) inside a zone.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::{
    area::Area,
    invalid, string_enum,
    text::{check_line, clean_optional},
};

string_enum! {
    /// What the land is planned for.
    LandUse {
        /// Đất công nghiệp: factories.
        Industrial = "industrial",
        /// Đất dịch vụ: services, offices, logistics services.
        Service = "service",
        /// Đất kho bãi: warehouses and yards.
        Warehouse = "warehouse",
        /// Đất hạ tầng kỹ thuật: roads, utilities.
        Infrastructure = "infrastructure",
        /// Đất cây xanh, mặt nước: green space and water.
        Green = "green",
        /// Đất nhà ở, lưu trú công nhân: housing.
        Housing = "housing",
    }
}

impl LandUse {
    /// Industrial and service land count towards the occupancy rate (Decree 35/2022).
    pub fn counts_for_occupancy(self) -> bool {
        matches!(self, LandUse::Industrial | LandUse::Service)
    }
}

string_enum! {
    /// Whether the parcel can be leased.
    ParcelStatus {
        /// Chưa cho thuê: free to lease.
        Available = "available",
        /// Đã giữ chỗ: promised to an investor, lease not signed.
        Reserved = "reserved",
        /// Đã cho thuê.
        Leased = "leased",
        /// Đã thu hồi: recovered by the State.
        Recovered = "recovered",
    }
}

/// Every editable fact about a parcel.
#[derive(Debug, Clone, PartialEq, Validate)]
pub struct ParcelData {
    /// Lot code, unique in its zone, e.g. `CN-01`.
    #[validate(custom(function = "check_lot_code"))]
    pub lot_code: String,
    /// Area of the parcel.
    pub area_m2: Area,
    /// Planned land use.
    pub land_use: LandUse,
    /// Lease status.
    pub status: ParcelStatus,
    /// Free note.
    #[validate(length(max = 2000), custom(function = "check_line"))]
    pub note: Option<String>,
}

impl ParcelData {
    /// Cleans text as typed: lot codes in upper case, notes NFC and trimmed.
    pub fn normalize(&mut self) {
        self.lot_code = normalize_lot_code(&self.lot_code);
        self.note = clean_optional(self.note.as_deref());
    }
}

super::patch! {
    /// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
    ParcelPatch for ParcelData {
        /// New lot code.
        lot_code: String,
        /// New area.
        area_m2: Area,
        /// New land use.
        land_use: LandUse,
        /// New status.
        status: ParcelStatus,
        /// New or cleared note.
        note: Option<String>,
    }
}

/// Filters of the parcel list.
#[derive(Debug, Default, Clone)]
pub struct ParcelFilter {
    /// Only parcels with this land use.
    pub land_use: Option<LandUse>,
    /// Only parcels in this status.
    pub status: Option<ParcelStatus>,
}

/// A parcel as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    /// Identifier.
    pub id: Uuid,
    /// The zone it lies in.
    pub zone_id: Uuid,
    /// The editable facts.
    pub data: ParcelData,
    /// Row version, the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Lot codes: 1-32 characters of upper-case letters, digits, `-`, `.` and `/`, starting with a
/// letter or digit.
pub fn check_lot_code(code: &str) -> Result<(), ValidationError> {
    let ok = (1..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        && code.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'/')
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "invalid_format",
            "must be 1-32 characters: letters A-Z, digits, '-', '.', '/', starting with a letter or digit (e.g. CN-01)",
        ))
    }
}

/// Normalises a lot code as typed ("cn-01 " -> "CN-01").
pub fn normalize_lot_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_codes() {
        for ok in ["CN-01", "A1", "7", "B.2/3"] {
            assert!(check_lot_code(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-A", "cn-01", "A B", "Lô-1", &"A".repeat(33)] {
            assert!(check_lot_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_industrial_and_service_land_counts_for_occupancy() {
        let counted: Vec<_> = LandUse::ALL
            .iter()
            .filter(|u| u.counts_for_occupancy())
            .map(|u| u.as_str())
            .collect();
        assert_eq!(counted, ["industrial", "service"]);
    }
}

//! Demo data: the published Quảng Trị zones (with their sources) and a few parcels clearly marked
//! as sample data, so a newcomer sees real data at once. Loading is idempotent.

use std::fmt;

use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::{
    db,
    domain::{
        area::Area,
        auth::Context,
        parcel::{LandUse, ParcelData, ParcelStatus},
        zone::{ZoneData, ZoneKind, ZoneStatus},
    },
    error::ServiceError,
    service,
};

/// The zones file, copied from the shared reference data.
const ZONES_JSON: &str = include_str!("zones.json");

/// Marks every invented record.
pub const SAMPLE_NOTE: &str =
    "Dữ liệu mẫu, không phải số liệu thật (sample data for demonstration)";

#[derive(Deserialize)]
struct ZonesFile {
    zones: Vec<ZoneRecord>,
}

#[derive(Deserialize)]
struct ZoneRecord {
    code: String,
    name: String,
    kind: String,
    area_ha: serde_json::Number,
    status: String,
    as_of: Option<i32>,
    developer: Option<String>,
    term: Option<String>,
    parent: Option<String>,
    source: Option<String>,
}

/// What a load did.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Zones created now.
    pub zones_created: usize,
    /// Zones that were already there.
    pub zones_present: usize,
    /// Sample parcels created now.
    pub parcels_created: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo data: {} zones created, {} already present, {} sample parcels created",
            self.zones_created, self.zones_present, self.parcels_created
        )
    }
}

/// Loads the demo zones and sample parcels through the same use cases as the API.
pub async fn load(db: &DatabaseConnection) -> Result<DemoSummary, ServiceError> {
    let file: ZonesFile =
        serde_json::from_str(ZONES_JSON).map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
    let mut summary = DemoSummary::default();
    let ctx = Context::system("demo");
    // Economic zones first, so parks can name them as parents.
    let mut records = file.zones;
    records.sort_by_key(|r| r.parent.is_some());
    for r in records {
        if db::zones::find_by_code(db, &r.code).await?.is_some() {
            summary.zones_present += 1;
            continue;
        }
        let parent_id = match &r.parent {
            Some(code) => db::zones::find_by_code(db, code).await?.map(|z| z.id),
            None => None,
        };
        let (term_start, term_end) = match r.term.as_deref().and_then(|t| t.split_once('/')) {
            Some((a, b)) => (a.parse().ok(), b.parse().ok()),
            None => (None, None),
        };
        let data = ZoneData {
            code: r.code.clone(),
            name: r.name,
            kind: r.kind.parse::<ZoneKind>().map_err(|e| bad(&r.code, e))?,
            province: "Quảng Trị".to_owned(),
            parent_id,
            total_area_m2: Area::parse_ha(&r.area_ha.to_string()).map_err(|e| bad(&r.code, e))?,
            industrial_service_area_m2: None,
            developer: r.developer,
            term_start,
            term_end,
            status: r
                .status
                .parse::<ZoneStatus>()
                .map_err(|e| bad(&r.code, e))?,
            figures_as_of: r.as_of.map(|y| y.to_string()),
            source: r.source,
        };
        service::zones::create(db, &ctx, data).await?;
        summary.zones_created += 1;
    }

    if let Some(ndh) = db::zones::find_by_code(db, "KCN-NDH").await? {
        let samples = [
            ("CN-01", "52300", LandUse::Industrial),
            ("CN-02", "38750.5", LandUse::Industrial),
            ("DV-01", "12000", LandUse::Service),
            ("KB-01", "8400", LandUse::Warehouse),
        ];
        for (lot, area, land_use) in samples {
            if db::parcels::find_by_lot(db, ndh.id, lot).await?.is_some() {
                continue;
            }
            let data = ParcelData {
                lot_code: lot.to_owned(),
                area_m2: Area::parse_m2(area).map_err(|e| bad(lot, e))?,
                land_use,
                status: ParcelStatus::Available,
                note: Some(SAMPLE_NOTE.to_owned()),
            };
            service::parcels::create(db, &ctx, ndh.id, data).await?;
            summary.parcels_created += 1;
        }
    }
    Ok(summary)
}

fn bad(code: &str, e: impl fmt::Display) -> ServiceError {
    ServiceError::Unexpected(format!("demo record {code}: {e}").into())
}

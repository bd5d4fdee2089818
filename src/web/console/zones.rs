//! Zones and their parcels: the list with occupancy, a zone's page with its parcels, and the forms
//! that register and change them through the same service functions as the API. An edit carries
//! the version it was read at, as the API's `If-Match` does, so a change made meanwhile by someone
//! else is refused rather than overwritten.

use askama::Template;
use poem::{
    Request, Response, Route, get, handler,
    http::StatusCode,
    web::{Data, Path},
};
use uuid::Uuid;

use super::{
    Checked, Chrome, Field, Fields, FormPage, Problems, Staff, day, field_violations, page,
    place_errors, see_other,
};
use crate::{
    domain::{
        FieldViolation,
        area::Area,
        format::{area as area_text, area_ha, area_m2, decimal},
        parcel::{LandUse, Parcel, ParcelData, ParcelFilter, ParcelPatch, ParcelStatus},
        zone::{Zone, ZoneData, ZoneFilter, ZoneKind, ZonePatch, ZoneStatus},
    },
    service::{AppState, Precondition, ServiceError, leases, leases::Occupancy, parcels, zones},
};

/// Zones on one page of the list.
const PAGE_SIZE: u64 = 100;

/// Mounts the zone and parcel screens.
pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/zones", get(zones_page))
        .at("/console/zones/new", get(new_zone_page).post(create_zone))
        .at("/console/zones/:id", get(zone_page))
        .at(
            "/console/zones/:id/edit",
            get(edit_zone_page).post(update_zone),
        )
        .at(
            "/console/zones/:id/parcels/new",
            get(new_parcel_page).post(create_parcel),
        )
        .at(
            "/console/parcels/:id/edit",
            get(edit_parcel_page).post(update_parcel),
        )
}

// ---------------------------------------------------------------------------------------------
// Words and numbers

fn kind_label(k: ZoneKind, en: bool) -> &'static str {
    match (k, en) {
        (ZoneKind::IndustrialPark, false) => "Khu công nghiệp",
        (ZoneKind::IndustrialPark, true) => "Industrial park",
        (ZoneKind::ExportProcessingZone, false) => "Khu chế xuất",
        (ZoneKind::ExportProcessingZone, true) => "Export processing zone",
        (ZoneKind::EconomicZone, false) => "Khu kinh tế",
        (ZoneKind::EconomicZone, true) => "Economic zone",
        (ZoneKind::BorderEconomicZone, false) => "Khu kinh tế cửa khẩu",
        (ZoneKind::BorderEconomicZone, true) => "Border economic zone",
    }
}

fn status_label(s: ZoneStatus, en: bool) -> &'static str {
    match (s, en) {
        (ZoneStatus::Operating, false) => "Đang hoạt động",
        (ZoneStatus::Operating, true) => "Operating",
        (ZoneStatus::UnderConstruction, false) => "Đang xây dựng hạ tầng",
        (ZoneStatus::UnderConstruction, true) => "Under construction",
        (ZoneStatus::Planned, false) => "Đã quy hoạch, chưa thành lập",
        (ZoneStatus::Planned, true) => "Planned",
    }
}

fn land_use_label(u: LandUse, en: bool) -> &'static str {
    match (u, en) {
        (LandUse::Industrial, false) => "Đất công nghiệp",
        (LandUse::Industrial, true) => "Industrial",
        (LandUse::Service, false) => "Đất dịch vụ",
        (LandUse::Service, true) => "Services",
        (LandUse::Warehouse, false) => "Đất kho bãi",
        (LandUse::Warehouse, true) => "Warehouses and yards",
        (LandUse::Infrastructure, false) => "Đất hạ tầng kỹ thuật",
        (LandUse::Infrastructure, true) => "Infrastructure",
        (LandUse::Green, false) => "Đất cây xanh, mặt nước",
        (LandUse::Green, true) => "Green space and water",
        (LandUse::Housing, false) => "Đất nhà ở, lưu trú công nhân",
        (LandUse::Housing, true) => "Housing",
    }
}

fn parcel_status_label(s: ParcelStatus, en: bool) -> &'static str {
    match (s, en) {
        (ParcelStatus::Available, false) => "Còn trống",
        (ParcelStatus::Available, true) => "Free",
        (ParcelStatus::Reserved, false) => "Đã giữ chỗ",
        (ParcelStatus::Reserved, true) => "Reserved",
        (ParcelStatus::Leased, false) => "Đã cho thuê",
        (ParcelStatus::Leased, true) => "Leased",
        (ParcelStatus::Recovered, false) => "Đã thu hồi",
        (ParcelStatus::Recovered, true) => "Recovered by the State",
    }
}

/// The badge colour of a parcel's status.
fn parcel_badge(s: ParcelStatus) -> &'static str {
    match s {
        ParcelStatus::Available => "ok",
        ParcelStatus::Reserved => "warn",
        ParcelStatus::Leased => "plain",
        ParcelStatus::Recovered => "bad",
    }
}

/// A rate in percent as written in Vietnamese: "33,33 %".
fn rate_text(rate: Option<f64>) -> String {
    rate.map(|r| format!("{r:.2} %").replace('.', ","))
        .unwrap_or_else(|| "—".to_owned())
}

/// An area as a form shows it for editing: "52.300,5" (m²).
fn area_input(a: Area) -> String {
    decimal(a.dm2(), 2)
}

/// Reads an area in m² typed the Vietnamese way ("52.300,5") or the international way
/// ("52300.5").
fn area_of(p: &mut Problems, f: &Fields, name: &str, required: bool) -> Option<Area> {
    let raw: String = f
        .text(name)
        .trim_end_matches("m²")
        .trim_end_matches("m2")
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}'))
        .collect();
    if raw.is_empty() {
        if required {
            p.add(name, "required", "is required");
        }
        return None;
    }
    let grouped = {
        let mut parts = raw.split('.');
        let head = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty()
            && (1..=3).contains(&head.len())
            && head.bytes().all(|b| b.is_ascii_digit())
            && rest
                .iter()
                .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    };
    let normal = if raw.contains(',') {
        raw.replace('.', "").replace(',', ".")
    } else if grouped {
        raw.replace('.', "")
    } else {
        raw
    };
    match Area::parse_m2(&normal) {
        Ok(a) => Some(a),
        Err(e) => {
            p.add(name, "invalid_format", &e.to_string());
            None
        }
    }
}

/// Text the form must hold.
fn present(p: &mut Problems, f: &Fields, name: &str) -> String {
    let v = f.text(name);
    if v.is_empty() {
        p.add(name, "required", "is required");
    }
    v
}

/// The version an edit form was read at, as the API's `If-Match` carries it.
fn precondition_of(f: &Fields) -> Precondition {
    Precondition::Versions(f.text("version").parse().ok().into_iter().collect())
}

fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (value(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The list

struct ZoneLine {
    id: Uuid,
    code: String,
    name: String,
    kind: String,
    status: String,
    area: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "console/zones_list.html")]
struct ZonesPage {
    c: Chrome,
    zones: Vec<ZoneLine>,
    /// `(value, label, chosen)`.
    kinds: Vec<(String, String, bool)>,
    statuses: Vec<(String, String, bool)>,
    filtered: bool,
    next: String,
}

/// `/console/zones`: every zone with its occupancy, filtered by kind and status.
#[handler]
async fn zones_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    match zones_view(req, &staff, &state).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn zones_view(
    req: &Request,
    staff: &Staff,
    state: &AppState,
) -> Result<ZonesPage, ServiceError> {
    let en = staff.en;
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let q = Fields::new(query);
    let filter = ZoneFilter {
        kind: q.opt("kind").and_then(|k| k.parse().ok()),
        status: q.opt("status").and_then(|s| s.parse().ok()),
        parent_id: None,
    };
    let after = q.opt("after").and_then(|a| a.parse().ok());
    let list = zones::list(&state.db, &filter, after, PAGE_SIZE).await?;
    let refs: Vec<&Zone> = list.items.iter().collect();
    let occupancy = leases::occupancy(&state.db, &refs).await?;
    let lines = list
        .items
        .iter()
        .map(|z| ZoneLine {
            id: z.id,
            code: z.data.code.clone(),
            name: z.data.name.clone(),
            kind: kind_label(z.data.kind, en).to_owned(),
            status: status_label(z.data.status, en).to_owned(),
            area: area_text(z.data.total_area_m2.dm2()),
            rate: rate_text(occupancy.get(&z.id).and_then(|o| o.rate_percent)),
        })
        .collect();
    let next = list
        .next_after
        .map(|id| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            if let Some(k) = filter.kind {
                s.append_pair("kind", k.as_str());
            }
            if let Some(st) = filter.status {
                s.append_pair("status", st.as_str());
            }
            s.append_pair("after", &id.to_string());
            format!("/console/zones?{}", s.finish())
        })
        .unwrap_or_default();
    Ok(ZonesPage {
        c: staff.chrome(state, "zones"),
        zones: lines,
        kinds: ZoneKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_owned(),
                    kind_label(*k, en).to_owned(),
                    filter.kind == Some(*k),
                )
            })
            .collect(),
        statuses: ZoneStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    status_label(*s, en).to_owned(),
                    filter.status == Some(*s),
                )
            })
            .collect(),
        filtered: filter.kind.is_some() || filter.status.is_some(),
        next,
    })
}

// ---------------------------------------------------------------------------------------------
// One zone

struct ParcelLine {
    id: Uuid,
    lot: String,
    m2: String,
    ha: String,
    land_use: String,
    status: String,
    badge: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "console/zones_detail.html")]
struct ZonePage {
    c: Chrome,
    id: Uuid,
    name: String,
    /// `(label, value)`.
    facts: Vec<(String, String)>,
    /// `(id, name)` of the economic zone it lies in.
    parent: Option<(Uuid, String)>,
    rate: String,
    leased: String,
    land: String,
    land_is_planned: bool,
    parcels: Vec<ParcelLine>,
    free_count: usize,
    /// `(id, code, name)` of the zones inside this one.
    children: Vec<(Uuid, String, String)>,
}

/// `/console/zones/{id}`: a zone's facts, occupancy and parcels.
#[handler]
async fn zone_page(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match zone_view(&staff, &state, id).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn zone_view(staff: &Staff, state: &AppState, id: Uuid) -> Result<ZonePage, ServiceError> {
    let en = staff.en;
    let zone = zones::get(&state.db, id).await?;
    let occupancy: Occupancy = leases::occupancy_of(&state.db, &zone).await?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let list = parcels::list(&state.db, zone.id, &ParcelFilter::default(), after, 200).await?;
        all.extend(list.items);
        match list.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let parent = match zone.data.parent_id {
        Some(pid) => {
            let p = zones::get(&state.db, pid).await?;
            Some((p.id, format!("{} ({})", p.data.name, p.data.code)))
        }
        None => None,
    };
    let children = if zone.data.kind.can_contain_others() {
        let filter = ZoneFilter {
            parent_id: Some(zone.id),
            ..Default::default()
        };
        zones::list(&state.db, &filter, None, 200)
            .await?
            .items
            .into_iter()
            .map(|z| (z.id, z.data.code, z.data.name))
            .collect()
    } else {
        Vec::new()
    };
    let c = staff.chrome(state, "zones");
    let d = &zone.data;
    let dash = || "—".to_owned();
    let term = match (d.term_start, d.term_end) {
        (Some(s), Some(e)) => format!("{} – {}", day(s), day(e)),
        (Some(s), None) => format!("{} {}", c.t("từ", "from"), day(s)),
        _ => dash(),
    };
    let facts = vec![
        (c.t("Mã khu", "Code").to_owned(), d.code.clone()),
        (
            c.t("Loại", "Kind").to_owned(),
            kind_label(d.kind, en).to_owned(),
        ),
        (c.t("Tỉnh", "Province").to_owned(), d.province.clone()),
        (
            c.t("Trạng thái", "Status").to_owned(),
            status_label(d.status, en).to_owned(),
        ),
        (
            c.t("Tổng diện tích quy hoạch", "Total planned area")
                .to_owned(),
            area_text(d.total_area_m2.dm2()),
        ),
        (
            c.t("Đất công nghiệp và dịch vụ", "Industrial and service land")
                .to_owned(),
            d.industrial_service_area_m2
                .map(|a| area_text(a.dm2()))
                .unwrap_or_else(dash),
        ),
        (
            c.t("Chủ đầu tư hạ tầng", "Infrastructure developer")
                .to_owned(),
            d.developer.clone().unwrap_or_else(dash),
        ),
        (c.t("Thời hạn hoạt động", "Operating term").to_owned(), term),
        (
            c.t("Số liệu tính đến", "Figures as of").to_owned(),
            d.figures_as_of.clone().unwrap_or_else(dash),
        ),
        (
            c.t("Nguồn số liệu", "Source").to_owned(),
            d.source.clone().unwrap_or_else(dash),
        ),
        (
            c.t("Phiên bản", "Version").to_owned(),
            format!(
                "{} · {} {}",
                zone.version,
                c.t("cập nhật", "updated"),
                super::moment(zone.updated_at)
            ),
        ),
    ];
    let parcels: Vec<ParcelLine> = all
        .iter()
        .map(|p| ParcelLine {
            id: p.id,
            lot: p.data.lot_code.clone(),
            m2: area_m2(p.data.area_m2.dm2()),
            ha: area_ha(p.data.area_m2.dm2()),
            land_use: land_use_label(p.data.land_use, en).to_owned(),
            status: parcel_status_label(p.data.status, en).to_owned(),
            badge: parcel_badge(p.data.status),
            note: p.data.note.clone().unwrap_or_default(),
        })
        .collect();
    Ok(ZonePage {
        id: zone.id,
        name: d.name.clone(),
        facts,
        parent,
        rate: rate_text(occupancy.rate_percent),
        leased: area_text(occupancy.leased.dm2()),
        land: occupancy
            .land
            .map(|a| area_text(a.dm2()))
            .unwrap_or_else(dash),
        land_is_planned: occupancy.land_is_planned,
        free_count: all
            .iter()
            .filter(|p| p.data.status == ParcelStatus::Available)
            .count(),
        parcels,
        children,
        c,
    })
}

// ---------------------------------------------------------------------------------------------
// Zone forms

/// The economic zones a park may lie in, as choices (not the zone itself).
async fn parent_choices(
    state: &AppState,
    except: Option<Uuid>,
) -> Result<Vec<(String, String)>, ServiceError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let list = zones::list(&state.db, &ZoneFilter::default(), after, 200).await?;
        out.extend(
            list.items
                .iter()
                .filter(|z| z.data.kind.can_contain_others() && Some(z.id) != except)
                .map(|z| {
                    (
                        z.id.to_string(),
                        format!("{} ({})", z.data.name, z.data.code),
                    )
                }),
        );
        match list.next_after {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

fn zone_fields(c: &Chrome, v: &Fields, parents: Vec<(String, String)>) -> Vec<Field> {
    let en = c.en;
    let area_hint = c.t(
        "Mét vuông, ví dụ 987.540 hoặc 987540,5 (tối đa 2 chữ số thập phân).",
        "Square metres, e.g. 987540 or 987540.5 (at most 2 decimals).",
    );
    vec![
        Field::new("code", c.t("Mã khu", "Code"), "text", v)
            .required()
            .hint(c.t(
                "Chữ in hoa không dấu, chữ số và gạch ngang, ví dụ KCN-NDH.",
                "Capital letters, digits and hyphens, e.g. KCN-NDH.",
            )),
        Field::new("name", c.t("Tên chính thức", "Official name"), "text", v).required(),
        Field::new("kind", c.t("Loại khu", "Kind"), "select", v)
            .required()
            .options(v, options(ZoneKind::ALL, ZoneKind::as_str, |k| kind_label(k, en))),
        Field::new("province", c.t("Tỉnh", "Province"), "text", v).required(),
        Field::new(
            "parent_id",
            c.t("Thuộc khu kinh tế", "Lies in the economic zone"),
            "select",
            v,
        )
        .hint(c.t(
            "Chỉ cho khu công nghiệp, khu chế xuất nằm trong một khu kinh tế.",
            "Only for parks and export processing zones inside an economic zone.",
        ))
        .options(v, parents),
        Field::new(
            "total_area_m2",
            c.t("Tổng diện tích quy hoạch (m²)", "Total planned area (m²)"),
            "text",
            v,
        )
        .required()
        .hint(area_hint),
        Field::new(
            "industrial_service_area_m2",
            c.t("Đất công nghiệp và dịch vụ (m²)", "Industrial and service land (m²)"),
            "text",
            v,
        )
        .hint(c.t(
            "Mẫu số của tỷ lệ lấp đầy; không lớn hơn tổng diện tích. Để trống nếu chưa có số liệu.",
            "The denominator of the occupancy rate; not more than the total. Leave blank if unknown.",
        )),
        Field::new(
            "developer",
            c.t("Chủ đầu tư hạ tầng", "Infrastructure developer"),
            "text",
            v,
        ),
        Field::new(
            "term_start",
            c.t("Thời hạn hoạt động từ ngày", "Operating term from"),
            "date",
            v,
        ),
        Field::new(
            "term_end",
            c.t("Thời hạn hoạt động đến ngày", "Operating term until"),
            "date",
            v,
        ),
        Field::new("status", c.t("Trạng thái", "Status"), "select", v)
            .required()
            .options(v, options(ZoneStatus::ALL, ZoneStatus::as_str, |s| status_label(s, en))),
        Field::new(
            "figures_as_of",
            c.t("Số liệu tính đến", "Figures as of"),
            "text",
            v,
        )
        .hint(c.t(
            "Năm, tháng hoặc ngày: YYYY, YYYY-MM hoặc YYYY-MM-DD.",
            "Year, month or day: YYYY, YYYY-MM or YYYY-MM-DD.",
        )),
        Field::new("source", c.t("Nguồn số liệu", "Source of the figures"), "text", v).hint(c.t(
            "Số quyết định hoặc nơi công bố.",
            "Decision number or publication.",
        )),
    ]
}

fn zone_values(z: &Zone) -> Fields {
    let d = &z.data;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    Fields::new(
        [
            ("code", d.code.clone()),
            ("name", d.name.clone()),
            ("kind", d.kind.as_str().to_owned()),
            ("province", d.province.clone()),
            (
                "parent_id",
                d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            ),
            ("total_area_m2", area_input(d.total_area_m2)),
            (
                "industrial_service_area_m2",
                d.industrial_service_area_m2
                    .map(area_input)
                    .unwrap_or_default(),
            ),
            ("developer", opt(&d.developer)),
            ("term_start", d.term_start.map(day).unwrap_or_default()),
            ("term_end", d.term_end.map(day).unwrap_or_default()),
            ("status", d.status.as_str().to_owned()),
            ("figures_as_of", opt(&d.figures_as_of)),
            ("source", opt(&d.source)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

/// The zone a form describes, or what is wrong with the form.
fn zone_data_of(f: &Fields) -> Result<ZoneData, Vec<FieldViolation>> {
    let mut p = Problems::default();
    let code = present(&mut p, f, "code");
    let name = present(&mut p, f, "name");
    let kind = p.choice::<ZoneKind>(f, "kind");
    let province = present(&mut p, f, "province");
    let parent_id = p.id(f, "parent_id", false);
    let total = area_of(&mut p, f, "total_area_m2", true);
    let land = area_of(&mut p, f, "industrial_service_area_m2", false);
    let term_start = p.date(f, "term_start", false);
    let term_end = p.date(f, "term_end", false);
    let status = p.choice::<ZoneStatus>(f, "status");
    match (kind, total, status) {
        (Some(kind), Some(total), Some(status)) if p.is_empty() => Ok(ZoneData {
            code,
            name,
            kind,
            province,
            parent_id,
            total_area_m2: total,
            industrial_service_area_m2: land,
            developer: f.opt("developer"),
            term_start,
            term_end,
            status,
            figures_as_of: f.opt("figures_as_of"),
            source: f.opt("source"),
        }),
        _ => Err(p.into_vec()),
    }
}

#[expect(clippy::too_many_arguments, reason = "a form page is many small parts")]
fn zone_form(
    staff: &Staff,
    state: &AppState,
    values: &Fields,
    parents: Vec<(String, String)>,
    violations: &[FieldViolation],
    edit: Option<&Zone>,
    back: (String, String),
    done: String,
) -> FormPage {
    let c = staff.chrome(state, "zones");
    let mut fields = zone_fields(&c, values, parents);
    let errors = place_errors(&mut fields, violations, staff.en);
    let (title, action, hidden, submit) = match edit {
        Some(z) => (
            format!("{} {}", c.t("Sửa khu", "Edit zone"), z.data.code),
            format!("/console/zones/{}/edit", z.id),
            vec![("version".to_owned(), values.text("version"))],
            c.t("Lưu thay đổi", "Save the changes").to_owned(),
        ),
        None => (
            c.t("Đăng ký khu mới", "Register a zone").to_owned(),
            "/console/zones/new".to_owned(),
            Vec::new(),
            c.t("Đăng ký khu", "Register the zone").to_owned(),
        ),
    };
    FormPage {
        title,
        intro: c
            .t(
                "Các trường có dấu * là bắt buộc. Diện tích tính bằng mét vuông.",
                "Fields marked * are required. Areas are in square metres.",
            )
            .to_owned(),
        action,
        multipart: false,
        fields,
        hidden,
        errors,
        submit,
        done,
        back,
        c,
    }
}

/// `/console/zones/new`: the form for a new zone.
#[handler]
async fn new_zone_page(staff: Staff, state: Data<&AppState>) -> Response {
    let parents = match parent_choices(&state, None).await {
        Ok(p) => p,
        Err(e) => return staff.failure(&state, &e),
    };
    let c = staff.chrome(&state, "zones");
    let defaults = Fields::new(vec![
        ("province".to_owned(), "Quảng Trị".to_owned()),
        (
            "kind".to_owned(),
            ZoneKind::IndustrialPark.as_str().to_owned(),
        ),
        (
            "status".to_owned(),
            ZoneStatus::Operating.as_str().to_owned(),
        ),
    ]);
    let back = (
        "/console/zones".to_owned(),
        c.t("Danh sách khu", "All zones").to_owned(),
    );
    page(
        StatusCode::OK,
        &zone_form(
            &staff,
            &state,
            &defaults,
            parents,
            &[],
            None,
            back,
            String::new(),
        ),
    )
}

/// Registers a zone and shows its page.
#[handler]
async fn create_zone(staff: Staff, state: Data<&AppState>, Checked(f): Checked) -> Response {
    let result = match zone_data_of(&f) {
        Ok(data) => zones::create(&state.db, &staff.context(&state), data).await,
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(zone) => see_other(&format!("/console/zones/{}", zone.id)),
        Err(e) => match field_violations(&e) {
            Some(v) => {
                let parents = match parent_choices(&state, None).await {
                    Ok(p) => p,
                    Err(e) => return staff.failure(&state, &e),
                };
                let c = staff.chrome(&state, "zones");
                let back = (
                    "/console/zones".to_owned(),
                    c.t("Danh sách khu", "All zones").to_owned(),
                );
                page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &zone_form(&staff, &state, &f, parents, &v, None, back, String::new()),
                )
            }
            None => staff.failure(&state, &e),
        },
    }
}

fn zone_back(c: &Chrome, z: &Zone) -> (String, String) {
    (
        format!("/console/zones/{}", z.id),
        format!("{} {}", c.t("Về khu", "Back to"), z.data.code),
    )
}

/// `/console/zones/{id}/edit`: the zone's form, holding the version it was read at.
#[handler]
async fn edit_zone_page(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    let zone = zones::get(&state.db, id).await;
    let zone = match zone {
        Ok(z) => z,
        Err(e) => return staff.failure(&state, &e),
    };
    let parents = match parent_choices(&state, Some(zone.id)).await {
        Ok(p) => p,
        Err(e) => return staff.failure(&state, &e),
    };
    let mut values = zone_values(&zone);
    values.push("version".to_owned(), zone.version.to_string());
    let back = zone_back(&staff.chrome(&state, "zones"), &zone);
    page(
        StatusCode::OK,
        &zone_form(
            &staff,
            &state,
            &values,
            parents,
            &[],
            Some(&zone),
            back,
            String::new(),
        ),
    )
}

/// Saves a zone's form if nobody changed the zone since it was read.
#[handler]
async fn update_zone(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let result = match zone_data_of(&f) {
        Ok(d) => {
            let patch = ZonePatch {
                code: Some(d.code),
                name: Some(d.name),
                kind: Some(d.kind),
                province: Some(d.province),
                parent_id: Some(d.parent_id),
                total_area_m2: Some(d.total_area_m2),
                industrial_service_area_m2: Some(d.industrial_service_area_m2),
                developer: Some(d.developer),
                term_start: Some(d.term_start),
                term_end: Some(d.term_end),
                status: Some(d.status),
                figures_as_of: Some(d.figures_as_of),
                source: Some(d.source),
            };
            zones::update(
                &state.db,
                &staff.context(&state),
                id,
                &precondition_of(&f),
                patch,
            )
            .await
        }
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(zone) => see_other(&format!("/console/zones/{}", zone.id)),
        Err(e) => match field_violations(&e) {
            Some(v) => {
                let zone = match zones::get(&state.db, id).await {
                    Ok(z) => z,
                    Err(e) => return staff.failure(&state, &e),
                };
                let parents = match parent_choices(&state, Some(id)).await {
                    Ok(p) => p,
                    Err(e) => return staff.failure(&state, &e),
                };
                let back = zone_back(&staff.chrome(&state, "zones"), &zone);
                page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &zone_form(
                        &staff,
                        &state,
                        &f,
                        parents,
                        &v,
                        Some(&zone),
                        back,
                        String::new(),
                    ),
                )
            }
            None => staff.failure(&state, &e),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Parcel forms

fn parcel_fields(c: &Chrome, v: &Fields) -> Vec<Field> {
    let en = c.en;
    vec![
        Field::new("lot_code", c.t("Ký hiệu lô", "Lot code"), "text", v)
            .required()
            .hint(c.t(
                "Duy nhất trong khu: chữ in hoa không dấu, chữ số, '-', '.', '/', ví dụ CN-01.",
                "Unique in the zone: capital letters, digits, '-', '.', '/', e.g. CN-01.",
            )),
        Field::new("area_m2", c.t("Diện tích (m²)", "Area (m²)"), "text", v)
            .required()
            .hint(c.t(
                "Mét vuông, ví dụ 52.300 hoặc 52300,5 (tối đa 2 chữ số thập phân).",
                "Square metres, e.g. 52300 or 52300.5 (at most 2 decimals).",
            )),
        Field::new(
            "land_use",
            c.t("Mục đích sử dụng đất", "Land use"),
            "select",
            v,
        )
        .required()
        .options(
            v,
            options(LandUse::ALL, LandUse::as_str, |u| land_use_label(u, en)),
        ),
        Field::new("status", c.t("Tình trạng", "Status"), "select", v)
            .required()
            .hint(c.t(
                "Khi ký hoặc chấm dứt hợp đồng thuê đất, tình trạng được cập nhật tự động.",
                "Signing or ending a lease updates the status by itself.",
            ))
            .options(
                v,
                options(ParcelStatus::ALL, ParcelStatus::as_str, |s| {
                    parcel_status_label(s, en)
                }),
            ),
        Field::new("note", c.t("Ghi chú", "Note"), "textarea", v),
    ]
}

fn parcel_values(p: &Parcel) -> Fields {
    Fields::new(vec![
        ("lot_code".to_owned(), p.data.lot_code.clone()),
        ("area_m2".to_owned(), area_input(p.data.area_m2)),
        ("land_use".to_owned(), p.data.land_use.as_str().to_owned()),
        ("status".to_owned(), p.data.status.as_str().to_owned()),
        ("note".to_owned(), p.data.note.clone().unwrap_or_default()),
        ("version".to_owned(), p.version.to_string()),
    ])
}

fn parcel_data_of(f: &Fields) -> Result<ParcelData, Vec<FieldViolation>> {
    let mut p = Problems::default();
    let lot_code = present(&mut p, f, "lot_code");
    let area = area_of(&mut p, f, "area_m2", true);
    let land_use = p.choice::<LandUse>(f, "land_use");
    let status = p.choice::<ParcelStatus>(f, "status");
    match (area, land_use, status) {
        (Some(area), Some(land_use), Some(status)) if p.is_empty() => Ok(ParcelData {
            lot_code,
            area_m2: area,
            land_use,
            status,
            note: f.opt("note"),
        }),
        _ => Err(p.into_vec()),
    }
}

fn parcel_form(
    staff: &Staff,
    state: &AppState,
    zone: &Zone,
    values: &Fields,
    violations: &[FieldViolation],
    edit: Option<&Parcel>,
) -> FormPage {
    let c = staff.chrome(state, "zones");
    let mut fields = parcel_fields(&c, values);
    let errors = place_errors(&mut fields, violations, staff.en);
    let (title, action, hidden, submit) = match edit {
        Some(p) => (
            format!(
                "{} {} · {}",
                c.t("Sửa lô", "Edit lot"),
                p.data.lot_code,
                zone.data.code
            ),
            format!("/console/parcels/{}/edit", p.id),
            vec![("version".to_owned(), values.text("version"))],
            c.t("Lưu thay đổi", "Save the changes").to_owned(),
        ),
        None => (
            format!(
                "{} · {}",
                c.t("Thêm lô đất", "Add a parcel"),
                zone.data.name
            ),
            format!("/console/zones/{}/parcels/new", zone.id),
            Vec::new(),
            c.t("Thêm lô đất", "Add the parcel").to_owned(),
        ),
    };
    FormPage {
        title,
        intro: String::new(),
        action,
        multipart: false,
        fields,
        hidden,
        errors,
        submit,
        done: String::new(),
        back: zone_back(&c, zone),
        c,
    }
}

async fn zone_of_path(state: &AppState, id: Uuid) -> Result<Zone, ServiceError> {
    zones::get(&state.db, id).await
}

/// `/console/zones/{id}/parcels/new`: the form for a new parcel of a zone.
#[handler]
async fn new_parcel_page(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    let zone = match zone_of_path(&state, id).await {
        Ok(z) => z,
        Err(e) => return staff.failure(&state, &e),
    };
    let defaults = Fields::new(vec![
        (
            "land_use".to_owned(),
            LandUse::Industrial.as_str().to_owned(),
        ),
        (
            "status".to_owned(),
            ParcelStatus::Available.as_str().to_owned(),
        ),
    ]);
    page(
        StatusCode::OK,
        &parcel_form(&staff, &state, &zone, &defaults, &[], None),
    )
}

/// Adds a parcel and shows its zone.
#[handler]
async fn create_parcel(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let zone = match zone_of_path(&state, id).await {
        Ok(z) => z,
        Err(e) => return staff.failure(&state, &e),
    };
    let result = match parcel_data_of(&f) {
        Ok(data) => parcels::create(&state.db, &staff.context(&state), zone.id, data).await,
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(_) => see_other(&format!("/console/zones/{}#parcels", zone.id)),
        Err(e) => match field_violations(&e) {
            Some(v) => page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &parcel_form(&staff, &state, &zone, &f, &v, None),
            ),
            None => staff.failure(&state, &e),
        },
    }
}

async fn parcel_and_zone(state: &AppState, id: Uuid) -> Result<(Parcel, Zone), ServiceError> {
    let parcel = parcels::get(&state.db, id).await?;
    let zone = zones::get(&state.db, parcel.zone_id).await?;
    Ok((parcel, zone))
}

/// `/console/parcels/{id}/edit`: a parcel's form, holding the version it was read at.
#[handler]
async fn edit_parcel_page(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match parcel_and_zone(&state, id).await {
        Ok((parcel, zone)) => page(
            StatusCode::OK,
            &parcel_form(
                &staff,
                &state,
                &zone,
                &parcel_values(&parcel),
                &[],
                Some(&parcel),
            ),
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

/// Saves a parcel's form if nobody changed the parcel since it was read.
#[handler]
async fn update_parcel(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let (parcel, zone) = match parcel_and_zone(&state, id).await {
        Ok(pz) => pz,
        Err(e) => return staff.failure(&state, &e),
    };
    let result = match parcel_data_of(&f) {
        Ok(d) => {
            let patch = ParcelPatch {
                lot_code: Some(d.lot_code),
                area_m2: Some(d.area_m2),
                land_use: Some(d.land_use),
                status: Some(d.status),
                note: Some(d.note),
            };
            parcels::update(
                &state.db,
                &staff.context(&state),
                parcel.id,
                &precondition_of(&f),
                patch,
            )
            .await
        }
        Err(v) => Err(ServiceError::Validation(v)),
    };
    match result {
        Ok(_) => see_other(&format!("/console/zones/{}#parcels", zone.id)),
        Err(e) => match field_violations(&e) {
            Some(v) => page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &parcel_form(&staff, &state, &zone, &f, &v, Some(&parcel)),
            ),
            None => staff.failure(&state, &e),
        },
    }
}

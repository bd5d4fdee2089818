//! Charts of the registry's statistics, drawn by `plotters`: bar charts as SVG (text left to the
//! viewer's serif font) and PNG (text rasterised with the certificates' Noto Serif, which covers
//! Vietnamese). The geometry is plotters'; this module only says what to draw.

use std::sync::Once;

use plotters::{
    coord::ranged1d::SegmentValue,
    prelude::*,
    style::{FontStyle, register_font},
};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 675);

/// One series of bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its name, in the legend.
    pub name: String,
    /// One value per label.
    pub values: Vec<f64>,
}

/// A bar chart: one group of bars per label, one bar per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// The title.
    pub title: String,
    /// The unit of the values, on the vertical axis.
    pub unit: String,
    /// The groups' labels.
    pub labels: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// True when the values are percentages (the axis then runs to 100).
    pub percent: bool,
}

/// What a chart of projects measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The number of projects.
    Projects,
    /// The registered capital, in billions of đồng.
    Capital,
}

/// One group of a project chart: its label, its projects and their registered capital (đồng).
pub type ProjectBar = (String, u64, i64);

/// Projects (or their registered capital) by group; `by` is the grouping (`zone`, `year`,
/// `nationality`, `investor_kind`).
pub fn projects(by: &str, measure: Measure, groups: &[ProjectBar]) -> Bars {
    let by = match by {
        "zone" => "khu",
        "year" => "năm đăng ký",
        "nationality" => "quốc tịch nhà đầu tư",
        _ => "loại nhà đầu tư",
    };
    let (title, unit) = match measure {
        Measure::Projects => (format!("Số dự án theo {by}"), "dự án"),
        Measure::Capital => (format!("Vốn đầu tư đăng ký theo {by}"), "tỷ đồng"),
    };
    Bars {
        title,
        unit: unit.to_owned(),
        series: vec![Series {
            name: unit.to_owned(),
            values: groups
                .iter()
                .map(|(_, projects, capital)| match measure {
                    Measure::Projects => *projects as f64,
                    Measure::Capital => *capital as f64 / 1e9,
                })
                .collect(),
        }],
        labels: groups.iter().map(|(label, _, _)| label.clone()).collect(),
        percent: false,
    }
}

/// Occupancy by zone: each zone's code and its rate in percent (none without industrial land).
pub fn occupancy(zones: &[(String, Option<f64>)]) -> Bars {
    Bars {
        title: "Tỷ lệ lấp đầy theo khu".to_owned(),
        unit: "%".to_owned(),
        series: vec![Series {
            name: "Tỷ lệ lấp đầy".to_owned(),
            values: zones.iter().map(|(_, rate)| rate.unwrap_or(0.0)).collect(),
        }],
        labels: zones.iter().map(|(code, _)| code.clone()).collect(),
        percent: true,
    }
}

/// One month of a certificate chart: `YYYY-MM` and the certificates issued, adjusted,
/// suspended and revoked.
pub type MonthBars = (String, [u64; 4]);

/// Certificates by month.
pub fn certificates(months: &[MonthBars]) -> Bars {
    let series = |name: &str, k: usize| Series {
        name: name.to_owned(),
        values: months.iter().map(|(_, c)| c[k] as f64).collect(),
    };
    Bars {
        title: "Giấy chứng nhận theo tháng".to_owned(),
        unit: "giấy".to_owned(),
        series: vec![
            series("Cấp mới", 0),
            series("Điều chỉnh", 1),
            series("Ngừng hiệu lực", 2),
            series("Thu hồi", 3),
        ],
        labels: months.iter().map(|(m, _)| m.clone()).collect(),
        percent: false,
    }
}

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

const FONT: &str = "serif";

/// The certificates' Noto Serif, subset to Latin and Vietnamese (templates/fonts, OFL).
const REGULAR_TTF: &[u8] = include_bytes!("../templates/fonts/NotoSerif-Regular-latin-vi.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../templates/fonts/NotoSerif-Bold-latin-vi.ttf");

static FONTS: Once = Once::new();

/// Registers the embedded font once; plotters measures (and, for PNG, draws) text with it.
fn fonts() {
    FONTS.call_once(|| {
        for (style, bytes) in [
            (FontStyle::Normal, REGULAR_TTF),
            (FontStyle::Bold, BOLD_TTF),
        ] {
            if register_font(FONT, style, bytes).is_err() {
                tracing::error!("the embedded chart font could not be registered");
            }
        }
    });
}

/// Colours of the series, in order (colour-blind-safe, after Okabe and Ito).
const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
];

/// Shortens a label to `max` characters with an ellipsis.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn draw<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    bars: &Bars,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(err)?;
    let groups = bars.labels.len().max(1);
    let per_group = bars.series.len().max(1);
    // One slot per bar, and an empty one between groups of several bars.
    let slots_per_group = if per_group > 1 { per_group + 1 } else { 1 };
    let slots = groups * slots_per_group;
    let top = bars
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let counts = !bars.percent
        && bars
            .series
            .iter()
            .flat_map(|s| s.values.iter())
            .all(|v| v.fract() == 0.0);
    // Headroom above the tallest bar, more when a legend sits in the corner.
    let headroom = if bars.series.len() > 1 { 1.3 } else { 1.1 };
    let top = if bars.percent {
        100.0
    } else if top <= 0.0 {
        1.0
    } else if counts {
        (top * headroom).ceil()
    } else {
        top * headroom
    };
    let y_labels = if counts {
        (top as usize + 1).min(11)
    } else {
        11
    };
    let label_chars = (120 / groups).clamp(6, 28);
    let pad = usize::from(slots == 1);
    let segments = slots + 2 * pad;
    let mut chart = ChartBuilder::on(&area)
        .caption(&bars.title, (FONT, 30).into_font().style(FontStyle::Bold))
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(90)
        // A segmented range of 0..n has n + 1 segments; a lone bar gets an empty one each side.
        .build_cartesian_2d((0..segments - 1).into_segmented(), 0.0..top)
        .map_err(err)?;
    let labels = &bars.labels;
    let centre = slots_per_group.saturating_sub(1) / 2;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .y_labels(y_labels)
        .x_labels(segments + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(seg)
                if *seg >= pad && (seg - pad) % slots_per_group == centre =>
            {
                labels
                    .get((seg - pad) / slots_per_group)
                    .map(|l| short(l, label_chars))
                    .unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_desc(&bars.unit)
        .y_label_formatter(&|v| {
            if counts && v.fract() != 0.0 {
                String::new()
            } else if bars.percent || *v >= 100.0 || v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(err)?;
    for (k, series) in bars.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(series.values.iter().enumerate().map(|(g, v)| {
                let slot = pad + g * slots_per_group + k;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(slot), 0.0),
                        (SegmentValue::Exact(slot + 1), v.max(0.0)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(0, 0, 3, 3);
                bar
            }))
            .map_err(err)?
            .label(&series.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    if bars.series.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 16))
            .draw()
            .map_err(err)?;
    }
    area.present().map_err(err)?;
    Ok(())
}

/// The chart as an SVG document.
pub fn svg(bars: &Bars) -> Result<String, ChartError> {
    fonts();
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(area, bars)?;
    }
    Ok(out)
}

/// The chart as a PNG image.
pub fn png(bars: &Bars) -> Result<Vec<u8>, ChartError> {
    fonts();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(area, bars)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&rgb).map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bars {
        Bars {
            title: "Giấy chứng nhận theo tháng".to_owned(),
            unit: "giấy".to_owned(),
            labels: vec!["2026-10".to_owned(), "2026-11".to_owned()],
            series: vec![
                Series {
                    name: "Cấp mới".to_owned(),
                    values: vec![3.0, 5.0],
                },
                Series {
                    name: "Thu hồi".to_owned(),
                    values: vec![0.0, 1.0],
                },
            ],
            percent: false,
        }
    }

    #[test]
    fn the_svg_has_the_vietnamese_title_labels_legend_and_one_bar_per_value() {
        let svg = svg(&sample()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        for text in [
            "Giấy chứng nhận theo tháng",
            "2026-10",
            "2026-11",
            "Cấp mới",
            "Thu hồi",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        // Four bars in the series' colours (a zero bar is drawn flat), plus the two legend keys.
        let bars =
            svg.matches("fill=\"#0072B2\"").count() + svg.matches("fill=\"#E69F00\"").count();
        assert_eq!(bars, 6, "{svg}");
    }

    #[test]
    fn the_png_is_a_png_of_the_chart_size() {
        let png = png(&sample()).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoder = ::png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), SIZE);
    }

    #[test]
    fn an_empty_chart_still_draws() {
        let bars = Bars {
            labels: vec![],
            series: vec![],
            ..sample()
        };
        assert!(svg(&bars).unwrap().contains("Giấy chứng nhận theo tháng"));
    }
}

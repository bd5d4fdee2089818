//! Rendering tests: text extraction with poppler, pagination, determinism, size, QR.

use std::time::Instant;

use super::tests_support::{pdftotext, renderer, tool};
use super::{RenderOptions, RenderedPdf, Renderer};
use crate::domain::certificate::content::{CertificateContent, ObjectiveLine};

/// Whitespace collapsed, so a phrase wrapped across lines still matches.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn render(content: &CertificateContent, opts: &RenderOptions<'_>) -> RenderedPdf {
    renderer().render(content, opts).expect("renders")
}

fn text_of(pdf: &RenderedPdf) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    pdftotext(&pdf.bytes, dir.path()).map(|t| squash(&t))
}

/// A verification URL like the seal's: an upper-case URL with 170 Base32 characters.
fn seal_url() -> String {
    let blob: String = (0..170)
        .map(|i| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 7 + 3) % 32] as char)
        .collect();
    format!("HTTPS://DKDT.QUANGTRI.GOV.VN/V/{blob}")
}

/// The QR of [`seal_url`].
fn seal_qr() -> qrcode::QrCode {
    qrcode::QrCode::with_error_correction_level(seal_url(), qrcode::EcLevel::M).expect("qr")
}

fn draft_content() -> CertificateContent {
    let mut c = CertificateContent::sample(0);
    c.version = 0;
    c.first_issued_on = None;
    c.issued_on = None;
    c.signer = None;
    c.signed_at = None;
    c
}

#[test]
fn renderer_is_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Renderer>();
}

/// A small first issue derived from the sample (one company, one objective, no incentives):
/// a certificate that fits one page at the template's type sizes. The full sample needs two.
pub(super) fn one_page_content() -> CertificateContent {
    let mut c = CertificateContent::sample(0);
    c.investors.truncate(1);
    c.project.name_en = None;
    c.project.objectives.truncate(1);
    c.project.milestones.drain(..2);
    // A small project of a domestic company: no incentives, no special conditions.
    c.incentives.clear();
    c.conditions.clear();
    c.project.scale = None;
    c.project.location.parcels.clear();
    c.project.capital.contributions.clear();
    // A first issue: no change line, no replaced certificate.
    c.version = 0;
    c.issued_on = c.first_issued_on;
    c.legal_basis.truncate(2);
    c.legal_basis.push(
        "Căn cứ hồ sơ đề nghị cấp Giấy chứng nhận đăng ký đầu tư nộp ngày 20 tháng 02 năm 2026,"
            .into(),
    );
    c
}

#[test]
fn a_short_certificate_is_small_and_signable() {
    let (qr, url) = (seal_qr(), seal_url());
    let pdf = render(
        &one_page_content(),
        &RenderOptions {
            qr: Some(&qr),
            link: Some(&url),
            ..RenderOptions::default()
        },
    );
    println!(
        "small signed-ready PDF: {} pages, {} bytes",
        pdf.pages,
        pdf.bytes.len()
    );
    // Not yet one page: the last article and the signature block move to page 2 together.
    assert!(pdf.pages <= 2);
    assert_eq!(pdf.signature_page, pdf.pages);
    // Unsigned; the signature adds about 5 KB, keeping a signed certificate under 40 KB.
    assert!(pdf.bytes.len() <= 32 * 1024, "{} bytes", pdf.bytes.len());
    let [x1, y1, x2, y2] = pdf.signature_rect;
    assert!(
        x1 < x2 && y1 < y2 && y1 > 50.0 && x2 <= 595.3,
        "{:?}",
        pdf.signature_rect
    );
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains(&format!("Trang 1/{}", pdf.pages)));
}

#[test]
fn the_sample_prints_the_certificate_in_vietnamese() {
    let qr = seal_qr();
    let pdf = render(
        &CertificateContent::sample(0),
        &RenderOptions {
            qr: Some(&qr),
            ..RenderOptions::default()
        },
    );
    let Some(text) = text_of(&pdf) else { return };
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ",
        "Mã số dự án: 9912345678",
        "Chứng nhận lần đầu: ngày 02 tháng 03 năm 2026",
        "Chứng nhận thay đổi lần thứ 1: ngày 30 tháng 11 năm 2026",
        "CÔNG TY CỔ PHẦN ĐIỆN TỬ ÁNH DƯƠNG",
        "Ông Kim Min-jun",
        "Nguyễn Thị Hồng Nhung",
        "Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị",
        "250.000.000.000 đồng (Hai trăm năm mươi tỷ đồng)",
        "9.842.520 đô la Mỹ",
        "52.300 m² (5,23 ha)",
        "Điều 1. Nội dung dự án đầu tư",
        "Điều 2. Các ưu đãi, hỗ trợ đầu tư",
        "Điều 3. Các điều kiện đối với nhà đầu tư",
        "KT. TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Trần Văn Phúc",
        "2026-11-30T07:53:20+07:00",
        "Development key – not legally valid",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn ten_extra_investors_flow_onto_numbered_pages() {
    let pdf = render(&CertificateContent::sample(10), &RenderOptions::default());
    assert!(pdf.pages >= 2, "{} pages", pdf.pages);
    assert_eq!(pdf.signature_page, pdf.pages);
    let Some(text) = text_of(&pdf) else { return };
    for i in 1..=pdf.pages {
        let n = format!("Trang {i}/{}", pdf.pages);
        assert!(text.contains(&n), "missing {n}");
    }
    for i in 1..=10 {
        let name = format!("CÔNG TY TNHH THƯƠNG MẠI VÀ DỊCH VỤ ĐÔNG TRƯỜNG SƠN SỐ {i}");
        assert!(text.contains(&name), "missing {name}");
    }
    assert!(text.contains("Trần Văn Phúc"));
}

#[test]
fn a_long_objective_wraps_without_losing_words() {
    let mut c = CertificateContent::sample(2);
    let long = "Sản xuất, lắp ráp và kiểm định linh kiện điện tử công nghệ cao ".repeat(32);
    assert!(long.chars().count() >= 2_000);
    c.project.objectives.push(ObjectiveLine {
        description: long.trim().to_owned(),
        vsic_code: "2610".into(),
    });
    let pdf = render(&c, &RenderOptions::default());
    assert!(pdf.pages >= 2);
    let Some(text) = text_of(&pdf) else { return };
    // Single words: a phrase may be cut by a page break and its footer.
    for word in ["kiểm", "định", "nghệ", "cao"] {
        let n = text.split_whitespace().filter(|w| *w == word).count();
        assert!(n >= 32, "{word}: {n}");
    }
}

#[test]
fn the_same_content_gives_the_same_bytes() {
    let (qr, url) = (seal_qr(), seal_url());
    let opts = RenderOptions {
        qr: Some(&qr),
        link: Some(&url),
        ..RenderOptions::default()
    };
    let a = render(&CertificateContent::sample(3), &opts);
    let b = Renderer::new()
        .expect("renderer")
        .render(&CertificateContent::sample(3), &opts)
        .expect("renders");
    assert!(a.bytes == b.bytes, "two renderings differ");
    let draft = RenderOptions {
        draft: true,
        ..RenderOptions::default()
    };
    assert_eq!(
        render(&draft_content(), &draft).bytes,
        render(&draft_content(), &draft).bytes
    );
}

#[test]
fn the_verification_url_is_a_borderless_link_written_as_a_plain_string_over_the_qr() {
    let (qr, url) = (seal_qr(), seal_url());
    let pdf = render(
        &one_page_content(),
        &RenderOptions {
            qr: Some(&qr),
            link: Some(&url),
            ..RenderOptions::default()
        },
    );
    let literal = format!("/URI({url})");
    let bytes = &pdf.bytes;
    let found: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i..].starts_with(literal.as_bytes()))
        .collect();
    assert_eq!(found.len(), 1, "the URI appears once, uncompressed");
    // It sits in the first page's /Annots: a Link with no border.
    let doc = lopdf::Document::load_mem(bytes).expect("reads");
    let page = *doc.get_pages().get(&1).expect("page 1");
    let annots = doc
        .get_dictionary(page)
        .and_then(|p| p.get(b"Annots"))
        .and_then(lopdf::Object::as_array)
        .expect("page 1 has annotations");
    let link = annots[0].as_dict().expect("inline dictionary");
    assert_eq!(link.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
    let border: Vec<f32> = link
        .get(b"Border")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    assert_eq!(border, [0.0, 0.0, 0.0]);
    let rect: Vec<f32> = link
        .get(b"Rect")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    // Over the QR: top right of an A4 page, square.
    assert!(rect[0] > 400.0 && rect[3] > 780.0, "{rect:?}");
    assert!(((rect[2] - rect[0]) - (rect[3] - rect[1])).abs() < 0.01);
    // No link without a QR (drafts).
    let draft = render(&draft_content(), &RenderOptions::default());
    assert!(!draft.bytes.windows(5).any(|w| w == b"/URI("));
}

#[test]
fn a_draft_has_the_watermark_and_date_placeholders() {
    let pdf = render(
        &draft_content(),
        &RenderOptions {
            draft: true,
            ..RenderOptions::default()
        },
    );
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains("BẢN NHÁP / DRAFT"), "{text}");
    assert!(
        text.contains("Chứng nhận lần đầu: ngày … tháng … năm …"),
        "{text}"
    );
    assert!(!text.contains("Chứng nhận thay đổi"));
}

#[test]
fn bilingual_rendering_adds_english_labels() {
    let pdf = render(
        &CertificateContent::sample(0),
        &RenderOptions {
            english: true,
            ..RenderOptions::default()
        },
    );
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains("INVESTMENT REGISTRATION CERTIFICATE"));
    assert!(text.contains("Chứng nhận: / Certifies:"));
    assert!(text.contains("Mục tiêu dự án / Objectives:"));
    // Values are printed once.
    assert_eq!(
        text.matches("Kim Min-jun").count(),
        2,
        "block and contribution"
    );
}

#[test]
fn decomposed_input_is_normalised() {
    let mut c = CertificateContent::sample(0);
    c.project.name_vi =
        unicode_normalization::UnicodeNormalization::nfd("Nhà máy Ánh Dương").collect::<String>();
    let pdf = render(&c, &RenderOptions::default());
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains("Nhà máy Ánh Dương"));
}

#[test]
fn fonts_are_embedded_as_subsets() {
    let pdf = render(&CertificateContent::sample(0), &RenderOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, &pdf.bytes).expect("write");
    let Some(out) = tool("pdffonts", &[&path.to_string_lossy()]) else {
        return;
    };
    let rows: Vec<&str> = out.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{out}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[0].contains('+'), "not subset: {row}");
        // name type encoding emb sub uni object-id
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "{row}");
    }
}

#[test]
fn the_qr_seal_scans_from_a_150_dpi_render() {
    let qr = seal_qr();
    let pdf = render(
        &CertificateContent::sample(0),
        &RenderOptions {
            qr: Some(&qr),
            ..RenderOptions::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, &pdf.bytes).expect("write");
    let png = dir.path().join("p");
    let Some(_) = tool(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            &path.to_string_lossy(),
            &png.to_string_lossy(),
        ],
    ) else {
        return;
    };
    let Some(out) = tool(
        "zbarimg",
        &["-q", &format!("{}.png", png.to_string_lossy())],
    ) else {
        return;
    };
    assert!(
        out.starts_with("QR-Code:HTTPS://DKDT.QUANGTRI.GOV.VN/V/"),
        "{out}"
    );
}

/// Writes the samples looked at by eye to `RENDER_CHECK_DIR` (default /tmp/render-check).
#[test]
#[ignore = "writes files for a visual check"]
fn write_samples_for_visual_check() {
    let dir = std::env::var("RENDER_CHECK_DIR").unwrap_or_else(|_| "/tmp/render-check".into());
    std::fs::create_dir_all(&dir).expect("dir");
    let qr = seal_qr();
    let with_qr = RenderOptions {
        qr: Some(&qr),
        ..RenderOptions::default()
    };
    let mut long = CertificateContent::sample(10);
    long.project.objectives.push(ObjectiveLine {
        description: "Sản xuất, lắp ráp và kiểm định linh kiện điện tử công nghệ cao "
            .repeat(32)
            .trim()
            .to_owned(),
        vsic_code: "2610".into(),
    });
    let samples = [
        ("one-page", one_page_content(), with_qr),
        ("sample", CertificateContent::sample(0), with_qr),
        ("three-page", long, with_qr),
        (
            "draft",
            draft_content(),
            RenderOptions {
                draft: true,
                ..RenderOptions::default()
            },
        ),
        (
            "bilingual",
            CertificateContent::sample(0),
            RenderOptions {
                english: true,
                qr: Some(&qr),
                ..RenderOptions::default()
            },
        ),
    ];
    for (name, content, opts) in samples {
        let pdf = render(&content, &opts);
        println!("{name}: {} pages, {} bytes", pdf.pages, pdf.bytes.len());
        std::fs::write(format!("{dir}/{name}.pdf"), &pdf.bytes).expect("write");
    }
}

/// Times 200 renderings of the one-page sample; run with `--release --ignored --nocapture`.
#[test]
#[ignore = "timing, run in release"]
fn time_200_renders() {
    let r = Renderer::new().expect("renderer");
    let qr = seal_qr();
    let content = CertificateContent::sample(0);
    let opts = RenderOptions {
        qr: Some(&qr),
        ..RenderOptions::default()
    };
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        let t = Instant::now();
        let pdf = r.render(&content, &opts).expect("renders");
        times.push(t.elapsed());
        assert!(!pdf.bytes.is_empty());
    }
    times.sort();
    println!(
        "200 renders: median {:?}, min {:?}, p90 {:?}",
        times[100], times[0], times[180]
    );
}

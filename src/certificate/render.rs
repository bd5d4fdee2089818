//! Renders a [`CertificateContent`] to PDF with its template: A4 laid out after Decree
//! 30/2020/NĐ-CP (issuing body top left, national name and motto top right, title, project code
//! and issue lines, legal basis, investors, the Article 40 contents, signature block), an
//! optional vector QR seal top right of page 1, page numbers, a draft watermark and the
//! development-key notice.
//!
//! Output is deterministic: fixed font resource ids and subset tags, document dates taken from
//! the content, and a document id derived from the content digest, so the same content and
//! options give byte-identical PDFs.

mod layout;
pub mod onestop;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support;

use std::sync::Arc;

use printpdf::{Mm, Op, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions, Pt, TextItem};
use unicode_normalization::UnicodeNormalization;

use self::layout::{
    Align, Face, Flow, FontSet, Line, Span, Style, black, fill_rings, hrule, line_ops, rect_ring,
    rgb, span, wrap,
};
use super::templates::{self, Label, Template, TemplateError, fill};
use crate::domain::{
    certificate::content::{CertificateContent, InvestorBlock, PartyKind},
    format::{area, capitalise, date_short, group_thousands, percent_bp, vnd, vnd_words},
    time::iso_vietnam,
};

const REGULAR_TTF: &[u8] = include_bytes!("../../templates/fonts/NotoSerif-Regular-latin-vi.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../templates/fonts/NotoSerif-Bold-latin-vi.ttf");

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Draft documents carry this fixed date (2021-01-01T00:00:00Z) instead of a signing time.
const DRAFT_EPOCH: i64 = 1_609_459_200;

/// Why a certificate could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// An embedded font could not be parsed.
    #[error("embedded font `{0}` could not be parsed")]
    Font(&'static str),
    /// The content names a template that does not exist, or a template is malformed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The PDF could not be written.
    #[error("PDF serialisation failed: {0}")]
    Pdf(String),
}

/// How to render.
#[derive(Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Draw the "BẢN NHÁP / DRAFT" watermark on every page.
    pub draft: bool,
    /// The QR seal, drawn as vector modules top right of page 1.
    pub qr: Option<&'a qrcode::QrCode>,
    /// The URL the QR code opens: written as a borderless link over the QR, so a reader can
    /// click it, and as a plain string in the PDF, so an offline verifier finds the seal by
    /// scanning the signed bytes. Ignored without `qr`.
    pub link: Option<&'a str>,
    /// Print English labels after the Vietnamese ones.
    pub english: bool,
}

impl std::fmt::Debug for RenderOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("draft", &self.draft)
            .field("qr", &self.qr.map(qrcode::QrCode::width))
            .field("link", &self.link)
            .field("english", &self.english)
            .finish()
    }
}

/// A rendered certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: u32,
    /// The signature block, in points: x1, y1, x2, y2 (lower left, upper right) on
    /// [`Self::signature_page`], where a visible signature can be placed.
    pub signature_rect: [f32; 4],
    /// 1-based page of the signature block (always the last page).
    pub signature_page: u32,
}

struct Inner {
    fonts: FontSet,
}

/// Renders certificates. Build it once at start-up ([`Renderer::new`] parses the fonts and
/// templates) and share it: it is cheap to clone and `Send + Sync`.
#[derive(Clone)]
pub struct Renderer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

fn parse_font(bytes: &[u8], name: &'static str) -> Result<Face, RenderError> {
    let mut warnings = Vec::new();
    ParsedFont::from_bytes(bytes, 0, &mut warnings)
        .map(Face::new)
        .ok_or(RenderError::Font(name))
}

/// NFC-normalises text before it reaches the PDF (no shaping happens there, so decomposed
/// diacritics would be drawn as separate, colliding marks).
fn nfc(s: &str) -> String {
    s.nfc().collect()
}

fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

impl Renderer {
    /// Parses the embedded fonts and templates.
    pub fn new() -> Result<Self, RenderError> {
        templates::all()?;
        Ok(Self {
            inner: Arc::new(Inner {
                fonts: FontSet {
                    regular: parse_font(REGULAR_TTF, "NotoSerif-Regular")?,
                    bold: parse_font(BOLD_TTF, "NotoSerif-Bold")?,
                },
            }),
        })
    }

    /// Renders `content` with the template it names.
    pub fn render(
        &self,
        content: &CertificateContent,
        opts: &RenderOptions<'_>,
    ) -> Result<RenderedPdf, RenderError> {
        let template = templates::get(&content.template)?;
        let fonts = &self.inner.fonts;
        let mut w = Writer::new(fonts, template, content, opts);
        w.header();
        w.statement();
        w.article1();
        w.article2();
        w.article3();
        let sig = w.article4_and_signature();
        let pages = w.finish_pages();
        let page_count = pages.len() as u32;
        self.save(content, template, pages, page_count, sig)
    }

    fn save(
        &self,
        content: &CertificateContent,
        template: &Template,
        pages: Vec<Vec<Op>>,
        page_count: u32,
        sig: [f32; 4],
    ) -> Result<RenderedPdf, RenderError> {
        let fonts = &self.inner.fonts;
        let mut doc = PdfDocument::new(&nfc(&format!(
            "{} {}",
            template.header.title.vi, content.project_code
        )));
        for (style, face) in [(Style::Regular, &fonts.regular), (Style::Bold, &fonts.bold)] {
            doc.resources
                .fonts
                .map
                .insert(style.font_id(), printpdf::PdfFont::new(face.font.clone()));
        }
        let stamp = content.signed_at.map_or(DRAFT_EPOCH, |t| t.timestamp());
        let date = printpdf::OffsetDateTime::from_unix_timestamp(stamp)
            .map_err(|e| RenderError::Pdf(e.to_owned()))?;
        let digest_bytes = content.digest();
        let digest = hex::encode(digest_bytes);
        let info = &mut doc.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.identifier = digest.clone();
        info.creator = "invest-registry".into();
        info.producer = "invest-registry (printpdf)".into();
        info.subject = nfc(&template.header.title.vi);

        let (pw, ph) = (Mm(template.page.width_mm), Mm(template.page.height_mm));
        doc.pages = pages
            .into_iter()
            .map(|ops| PdfPage::new(pw, ph, ops))
            .collect();

        let save = PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut lo = doc.to_lopdf_document(&save, &mut warnings);
        // printpdf fills the trailer /ID with random strings: use the content digest instead
        // (first half: the document; second half: this rendering's options are part of the
        // bytes anyway, so the same value is fine).
        let id = lopdf::Object::String(
            digest_bytes[..16].to_vec(),
            lopdf::StringFormat::Hexadecimal,
        );
        lo.trailer
            .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        compress_streams(&mut lo);
        let mut bytes = Vec::new();
        lo.save_to(&mut bytes)
            .map_err(|e| RenderError::Pdf(e.to_string()))?;
        Ok(RenderedPdf {
            bytes,
            pages: page_count,
            signature_rect: sig,
            signature_page: page_count,
        })
    }
}

/// The state of one rendering.
struct Writer<'a> {
    flow: Flow<'a>,
    t: &'a Template,
    c: &'a CertificateContent,
    opts: &'a RenderOptions<'a>,
    size: f32,
    small: f32,
    gap: f32,
    indent: f32,
    page_w: f32,
    page_h: f32,
}

impl<'a> Writer<'a> {
    fn new(
        fonts: &'a FontSet,
        t: &'a Template,
        c: &'a CertificateContent,
        opts: &'a RenderOptions<'a>,
    ) -> Self {
        let p = &t.page;
        let (page_w, page_h) = (mm(p.width_mm), mm(p.height_mm));
        let top = page_h - mm(p.margin_top_mm);
        Self {
            flow: Flow {
                fonts,
                left: mm(p.margin_left_mm),
                right: page_w - mm(p.margin_right_mm),
                top,
                bottom: mm(p.margin_bottom_mm),
                spacing: p.line_spacing,
                pages: vec![Vec::new()],
                y: top,
            },
            t,
            c,
            opts,
            size: p.body_size_pt,
            small: p.small_size_pt,
            gap: p.paragraph_gap_pt,
            indent: mm(p.indent_mm),
            page_w,
            page_h,
        }
    }

    fn label(&self, l: &Label) -> String {
        l.text(self.opts.english)
    }

    fn a1(&self, key: &str) -> String {
        self.t
            .article1
            .labels
            .get(key)
            .map(|l| self.label(l))
            .unwrap_or_default()
    }

    fn date(&self, d: Option<chrono::NaiveDate>) -> String {
        self.t.date_long_or_placeholder(d)
    }

    /// A paragraph in one style across the text width, with a first-line indent.
    fn para(&mut self, style: Style, text: &str, first_indent: f32, align: Align) {
        let spans = [span(style, nfc(text))];
        let (size, gap) = (self.size, self.gap);
        self.flow
            .paragraph(&spans, size, first_indent, 0.0, align, gap);
    }

    /// A numbered or bulleted item: `marker` at `level` indents, text wrapping under the text.
    fn item(&mut self, level: usize, marker: &str, spans: Vec<Span>) {
        let base = self.indent * level as f32;
        let mut all = vec![span(Style::Regular, nfc(marker))];
        all.extend(spans.into_iter().map(|s| span(s.style, nfc(&s.text))));
        let marker_w = self
            .flow
            .fonts
            .width(Style::Regular, &nfc(marker), self.size);
        let hang = base + self.indent.max(marker_w + 3.0);
        // The marker is its own piece; the text starts at the hanging indent.
        let (size, gap) = (self.size, self.gap);
        let (x0, x1) = (self.flow.left, self.flow.right);
        let text_spans = &all[1..];
        let mut lines = wrap(self.flow.fonts, text_spans, size, x1 - x0, hang, hang);
        if let Some(first) = lines.first_mut() {
            for p in &mut first.pieces {
                p.dx += hang - base;
            }
            first.indent = base;
            if !all[0].text.is_empty() {
                first.pieces.insert(
                    0,
                    layout::Piece {
                        style: Style::Regular,
                        text: all[0].text.clone(),
                        dx: 0.0,
                    },
                );
            }
            first.width += hang - base;
        }
        self.flow.put_lines(&lines, size, x0, x1, Align::Left, 0);
        self.flow.y -= gap;
    }

    /// A numbered item with a list: written inline when the list has one entry.
    fn list(&mut self, marker: &str, label: &str, lines: Vec<String>) {
        if let [only] = lines.as_slice() {
            self.item(
                0,
                marker,
                vec![span(Style::Regular, format!("{label}: {only}"))],
            );
            return;
        }
        self.item(0, marker, vec![span(Style::Regular, format!("{label}:"))]);
        for line in lines {
            self.item(1, "-", vec![span(Style::Regular, line)]);
        }
    }

    fn heading(&mut self, text: &str) {
        let spans = [span(Style::Bold, nfc(text))];
        let lines = wrap(
            self.flow.fonts,
            &spans,
            self.size,
            self.flow.width(),
            0.0,
            0.0,
        );
        self.flow.y -= self.gap * 2.0;
        let (x0, x1, size) = (self.flow.left, self.flow.right, self.size);
        // A heading never ends a page: keep it with the line after it.
        let need = self.flow.lines_height(lines.len() + 1, size);
        self.flow.ensure(need);
        self.flow.put_lines(&lines, size, x0, x1, Align::Left, 0);
        self.flow.y -= self.gap;
    }

    /// Centred lines in the column [x0, x1] starting at `y`; returns the y under them and the
    /// width of the widest line.
    fn column(
        &mut self,
        x0: f32,
        x1: f32,
        mut y: f32,
        style: Style,
        size: f32,
        text: &str,
    ) -> (f32, f32) {
        let spans = [span(style, nfc(text))];
        let lines = wrap(self.flow.fonts, &spans, size, x1 - x0, 0.0, 0.0);
        let lh = size * 1.25;
        let mut widest: f32 = 0.0;
        for l in &lines {
            let x = x0 + ((x1 - x0) - l.width) / 2.0;
            let ops = self.flow.ops();
            line_ops(ops, l, size, x, y - size);
            y -= lh;
            widest = widest.max(l.width);
        }
        (y, widest)
    }

    fn header(&mut self) {
        let t = self.t;
        let p = &t.page;
        let (left, right) = (self.flow.left, self.flow.right);
        let width = right - left;
        let mut top = self.flow.top;

        // QR seal: top right, above the national name, inside the top margin band.
        if let Some(qr) = self.opts.qr {
            let side = mm(p.qr_size_mm);
            let qr_top = self.page_h - mm(6.0);
            self.qr(qr, right - side, qr_top - side, side);
            if let Some(url) = self.opts.link {
                self.link(url, right - side, qr_top - side, side);
            }
            top = top.min(qr_top - side - mm(2.0));
        }

        let fonts = self.flow.fonts;
        let nat = nfc(&self.t.header.national_name);
        let nat_w = fonts.width(Style::Bold, &nat, p.national_name_size_pt);
        let right_w = (width * 0.6).max(nat_w + 6.0).min(width * 0.7);
        let split = right - right_w;

        // Left: superior body, then the issuing body in bold with a short rule under it.
        let superior = self.c.issuing_body.superior.clone();
        let body = self.c.issuing_body.name.clone();
        let hs = p.header_size_pt;
        let (y, _) = self.column(left - mm(8.0), split, top, Style::Regular, hs, &superior);
        let (y, body_w) = self.column(left - mm(8.0), split, y, Style::Bold, hs, &body);
        let centre = (left - mm(8.0) + split) / 2.0;
        let rule = body_w * 0.4;
        let y_left = y - 2.5;
        let ops = self.flow.ops();
        hrule(ops, centre - rule / 2.0, centre + rule / 2.0, y_left, 0.6);

        // Right: national name, motto underlined by a rule as long as the motto.
        let (y, _) = self.column(
            split,
            right,
            top,
            Style::Bold,
            p.national_name_size_pt,
            &self.t.header.national_name.clone(),
        );
        let motto = self.t.header.motto.clone();
        let (y, motto_w) = self.column(split, right, y, Style::Bold, p.motto_size_pt, &motto);
        let centre = (split + right) / 2.0;
        let y_right = y + p.motto_size_pt * 0.05;
        let ops = self.flow.ops();
        hrule(
            ops,
            centre - motto_w / 2.0,
            centre + motto_w / 2.0,
            y_right,
            0.6,
        );

        self.flow.y = y_left.min(y_right) - mm(8.0);

        // Title, then the code and issue lines, centred.
        let title = nfc(&self.t.header.title.vi);
        let ts = p.title_size_pt;
        let lines = wrap(fonts, &[span(Style::Bold, title)], ts, width, 0.0, 0.0);
        self.flow
            .put_lines(&lines, ts, left, right, Align::Center, 0);
        if self.opts.english
            && let Some(en) = &self.t.header.title.en
        {
            let lines = wrap(
                fonts,
                &[span(Style::Regular, nfc(en))],
                self.size,
                width,
                0.0,
                0.0,
            );
            self.flow
                .put_lines(&lines, self.size, left, right, Align::Center, 0);
        }
        self.flow.y -= self.gap * 2.0;
        let code = fill(
            &self.label(&self.t.header.project_code),
            &[("code", &self.c.project_code)],
        );
        self.para(Style::Bold, &code, 0.0, Align::Center);
        let first = fill(
            &self.label(&self.t.header.first_issue),
            &[("date", &self.date(self.c.first_issued_on))],
        );
        self.para(Style::Regular, &first, 0.0, Align::Center);
        if self.c.version > 0 {
            let change = fill(
                &self.label(&self.t.header.change),
                &[
                    ("n", &self.c.version.to_string()),
                    ("date", &self.date(self.c.issued_on)),
                ],
            );
            self.para(Style::Regular, &change, 0.0, Align::Center);
        }
        self.flow.y -= self.gap * 3.0;

        for line in self.c.legal_basis.clone() {
            self.para(Style::Regular, &line, self.indent, Align::Left);
        }
    }

    /// A borderless link annotation over the square at (`x`, `y`) (lower left) of side `side`.
    /// printpdf writes the URI as a literal string in the page's `/Annots`, outside any
    /// compressed stream.
    fn link(&mut self, url: &str, x: f32, y: f32, side: f32) {
        use printpdf::{Actions, BorderArray, ColorArray, LinkAnnotation, Rect};
        let rect = Rect::from_xywh(Pt(x), Pt(y), Pt(side), Pt(side));
        self.flow.ops().push(Op::LinkAnnotation {
            link: LinkAnnotation::new(
                rect,
                Actions::Uri(url.to_owned()),
                Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                Some(ColorArray::Transparent),
                None,
            ),
        });
    }

    fn qr(&mut self, qr: &qrcode::QrCode, x: f32, y: f32, side: f32) {
        let n = qr.width();
        let colors = qr.to_colors();
        let module = side / n as f32;
        // One ring per horizontal run of dark modules, all filled at once, in module units
        // (small integers) under a scaling matrix: a third of the bytes of page coordinates.
        let ops = self.flow.ops();
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetTransformationMatrix {
            matrix: printpdf::CurTransMat::Raw([module, 0.0, 0.0, module, x, y]),
        });
        let mut rings = Vec::new();
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    rings.push(rect_ring(
                        start as f32,
                        (n - row - 1) as f32,
                        (col - start) as f32,
                        1.0,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        let ops = self.flow.ops();
        fill_rings(ops, rings, black());
        ops.push(Op::RestoreGraphicsState);
    }

    fn statement(&mut self) {
        self.flow.y -= self.gap * 3.0;
        let body = self.c.issuing_body.name.clone();
        self.para(Style::Bold, &body, 0.0, Align::Center);
        let certifies = self.label(&self.t.statement.certifies);
        self.para(Style::Bold, &certifies, 0.0, Align::Left);
        let heading = self.label(&self.t.statement.investors_heading);
        self.para(Style::Bold, &heading, 0.0, Align::Left);
        let investors = self.c.investors.clone();
        for (i, inv) in investors.iter().enumerate() {
            self.investor(i + 1, inv);
        }
        self.flow.y -= self.gap;
        let registers = self.label(&self.t.statement.registers);
        self.para(Style::Regular, &registers, self.indent, Align::Left);
    }

    fn investor(&mut self, n: usize, inv: &InvestorBlock) {
        let marker = format!("{n}.");
        let english = self.opts.english;
        let t = self.t;
        let labels = match inv.kind {
            PartyKind::Individual => &t.investor.individual,
            PartyKind::Organization => &t.investor.organization,
        };
        let l = |key: &str| labels.get(key).map(|l| l.text(english));
        let name = match inv.kind {
            PartyKind::Individual => l("name")
                .map(|p| {
                    fill(
                        &p,
                        &[
                            ("honorific", inv.honorific.as_deref().unwrap_or_default()),
                            ("name", &inv.name),
                        ],
                    )
                    .trim()
                    .to_owned()
                })
                .unwrap_or_else(|| inv.name.clone()),
            PartyKind::Organization => nfc(&inv.name).to_uppercase(),
        };
        let mut lines: Vec<String> = Vec::new();
        let field = |label: Option<String>, value: &str| label.map(|l| format!("{l}: {value}"));
        let doc_line =
            |l: &dyn Fn(&str) -> Option<String>,
             d: &crate::domain::certificate::content::DocumentLine| {
                let mut s = format!(
                    "{}: {}",
                    l("document")
                        .map_or_else(|| d.label.clone(), |p| fill(&p, &[("label", &d.label)])),
                    d.number
                );
                if let (Some(date), Some(p)) = (d.issued_on, l("issued")) {
                    s.push_str("; ");
                    s.push_str(&fill(&p, &[("date", &date_short(date))]));
                }
                if let (Some(issuer), Some(p)) = (&d.issuer, l("issuer")) {
                    s.push_str(&format!("; {p}: {issuer}"));
                }
                s
            };
        match inv.kind {
            PartyKind::Individual => {
                let mut personal = Vec::new();
                if let Some(sex) = &inv.sex {
                    personal.extend(field(l("sex"), sex));
                }
                if let Some(dob) = inv.date_of_birth {
                    personal.extend(field(l("date_of_birth"), &date_short(dob)));
                }
                personal.extend(field(l("nationality"), &inv.nationality));
                lines.push(personal.join("; "));
                lines.push(doc_line(&l, &inv.document));
                if let Some(a) = &inv.permanent_address {
                    lines.extend(field(l("permanent_address"), a));
                }
                if let Some(a) = &inv.current_address {
                    lines.extend(field(l("current_address"), a));
                }
            }
            PartyKind::Organization => {
                lines.push(doc_line(&l, &inv.document));
                lines.extend(field(l("country"), &inv.nationality));
                if let Some(a) = &inv.head_office_address {
                    lines.extend(field(l("head_office"), a));
                }
                if let Some(r) = &inv.representative {
                    let mut s = format!("{}: {}", l("representative").unwrap_or_default(), r.name);
                    if let Some(p) = l("representative_title") {
                        s.push_str(&format!("; {p}: {}", r.title));
                    }
                    if let Some(d) = &r.document {
                        s.push_str("; ");
                        s.push_str(&doc_line(&l, d));
                    }
                    lines.push(s);
                }
            }
        }
        if let Some(tax) = &inv.tax_code {
            lines.extend(field(l("tax_code"), tax));
        }
        // Name and its first detail line stay together.
        let need = self.flow.lines_height(2, self.size);
        self.flow.ensure(need);
        self.item(0, &marker, vec![span(Style::Bold, name)]);
        let details = lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        self.item(0, "", vec![span(Style::Regular, format!("{details}."))]);
    }

    fn article1(&mut self) {
        let heading = self.label(&self.t.article1.heading);
        self.heading(&heading);
        let order = self.t.article1.order.clone();
        let p = self.c.project.clone();
        for (i, key) in order.iter().enumerate() {
            let marker = format!("{}.", i + 1);
            let label = self.a1(key);
            let head = |value: &str| {
                vec![
                    span(Style::Regular, format!("{label}: ")),
                    span(Style::Regular, value.to_owned()),
                ]
            };
            match key.as_str() {
                "name" => {
                    self.item(0, &marker, head(&p.name_vi));
                    if let Some(en) = &p.name_en {
                        let l = self.a1("name_en");
                        self.item(1, "-", vec![span(Style::Regular, format!("{l}: {en}"))]);
                    }
                }
                "investors" => {
                    self.item(0, &marker, head(""));
                    let c = self.c;
                    for inv in &c.investors {
                        let name = match inv.kind {
                            PartyKind::Organization => nfc(&inv.name).to_uppercase(),
                            PartyKind::Individual => inv.name.clone(),
                        };
                        self.item(1, "-", vec![span(Style::Regular, name)]);
                    }
                }
                "objectives" => {
                    let pattern = self.a1("objective_line");
                    let lines = p
                        .objectives
                        .iter()
                        .map(|o| {
                            fill(
                                &pattern,
                                &[("description", &o.description), ("code", &o.vsic_code)],
                            )
                        })
                        .collect();
                    self.list(&marker, &label, lines);
                }
                "scale" => {
                    if let Some(scale) = &p.scale {
                        self.item(0, &marker, head(scale));
                    }
                }
                "location" => {
                    let loc = &p.location;
                    let mut text = loc.address.clone().unwrap_or_default();
                    if let Some(zone) = &loc.zone_name
                        && !text.contains(zone.as_str())
                    {
                        if !text.is_empty() {
                            text.push_str(", ");
                        }
                        text.push_str(zone);
                    }
                    self.item(0, &marker, head(&text));
                }
                "land" => {
                    let loc = &p.location;
                    if loc.land_area_dm2 == 0 && loc.parcels.is_empty() {
                        let none = self.a1("no_land");
                        self.item(0, &marker, head(&none));
                    } else {
                        self.item(0, &marker, head(&area(loc.land_area_dm2)));
                        let pattern = self.a1("parcel");
                        for l in &loc.parcels {
                            let line = fill(
                                &pattern,
                                &[
                                    ("code", &l.parcel_code),
                                    ("area", &area(l.area_dm2)),
                                    ("date", &date_short(l.lease_end)),
                                ],
                            );
                            self.item(1, "-", vec![span(Style::Regular, line)]);
                        }
                    }
                }
                "capital" => self.capital(&marker, &head("")),
                "duration" => {
                    let v = fill(
                        &self.a1("duration_value"),
                        &[("years", &p.duration_years.to_string())],
                    );
                    self.item(0, &marker, head(&v));
                }
                "schedule" => {
                    let pattern = self.a1("milestone_line");
                    let lines = p
                        .milestones
                        .iter()
                        .map(|m| {
                            fill(
                                &pattern,
                                &[
                                    ("description", &m.description),
                                    ("date", &self.t.date_long(m.due_date)),
                                ],
                            )
                        })
                        .collect();
                    self.list(&marker, &label, lines);
                }
                _ => {}
            }
        }
    }

    fn capital(&mut self, marker: &str, head: &[Span]) {
        let cap = self.c.project.capital.clone();
        self.item(0, marker, head.to_vec());
        let mut total = fill(
            &self.a1("capital_total"),
            &[
                ("amount", &vnd(cap.total_vnd)),
                ("words", &vnd_words(cap.total_vnd)),
            ],
        );
        if let (Some(usd), Some(rate), Some(date)) = (
            cap.total_usd,
            cap.exchange_rate_vnd_per_usd,
            cap.exchange_rate_date,
        ) {
            total.push_str(", ");
            total.push_str(&fill(
                &self.a1("capital_usd"),
                &[
                    ("usd", &group_thousands(usd)),
                    ("rate", &group_thousands(rate)),
                    ("date", &date_short(date)),
                ],
            ));
        }
        total.push('.');
        self.item(1, "-", vec![span(Style::Regular, total)]);
        let share = if cap.total_vnd > 0 {
            percent_bp(
                (i128::from(cap.contributed_vnd) * 10_000 / i128::from(cap.total_vnd)) as i64,
            )
        } else {
            percent_bp(0)
        };
        let contributed = fill(
            &self.a1("contributed"),
            &[
                ("amount", &vnd(cap.contributed_vnd)),
                ("words", &vnd_words(cap.contributed_vnd)),
                ("share", &share),
            ],
        );
        self.item(
            1,
            "-",
            vec![span(Style::Regular, format!("{contributed}:"))],
        );
        let pattern = self.a1("contribution_line");
        let sched = self.a1("contribution_schedule");
        for c in &cap.contributions {
            let mut line = fill(
                &pattern,
                &[
                    ("name", &c.investor_name),
                    ("amount", &vnd(c.capital_vnd)),
                    ("words", &vnd_words(c.capital_vnd)),
                    ("share", &percent_bp(c.share_bp)),
                    ("form", &c.form),
                ],
            );
            if let Some(s) = &c.schedule {
                line.push_str("; ");
                line.push_str(&fill(&sched, &[("schedule", s)]));
            }
            line.push('.');
            self.item(2, "+", vec![span(Style::Regular, line)]);
        }
        let mobilized = fill(
            &self.a1("mobilized"),
            &[
                ("amount", &vnd(cap.mobilized_vnd)),
                ("words", &vnd_words(cap.mobilized_vnd)),
            ],
        );
        self.item(1, "-", vec![span(Style::Regular, format!("{mobilized}."))]);
    }

    fn article_label(
        labels: &std::collections::BTreeMap<String, Label>,
        key: &str,
        en: bool,
    ) -> String {
        labels.get(key).map(|l| l.text(en)).unwrap_or_default()
    }

    fn article2(&mut self) {
        let (t, c) = (self.t, self.c);
        let a = &t.article2;
        let en = self.opts.english;
        let heading = self.label(&a.heading);
        self.heading(&heading);
        if self.c.incentives.is_empty() {
            let none = Self::article_label(&a.labels, "none", en);
            self.para(Style::Regular, &none, self.indent, Align::Left);
            return;
        }
        let basis = Self::article_label(&a.labels, "legal_basis", en);
        let cond = Self::article_label(&a.labels, "conditions", en);
        for (i, inc) in c.incentives.iter().enumerate() {
            let mut text = format!("{}; {basis}: {}", inc.description, inc.legal_basis);
            if let Some(c) = &inc.conditions {
                text.push_str(&format!("; {cond}: {c}"));
            }
            text.push('.');
            self.item(0, &format!("{}.", i + 1), vec![span(Style::Regular, text)]);
        }
    }

    fn article3(&mut self) {
        let (t, content) = (self.t, self.c);
        let a = &t.article3;
        let heading = self.label(&a.heading);
        self.heading(&heading);
        if self.c.conditions.is_empty() {
            let none = Self::article_label(&a.labels, "none", self.opts.english);
            self.para(Style::Regular, &none, self.indent, Align::Left);
            return;
        }
        for (i, c) in content.conditions.iter().enumerate() {
            self.item(
                0,
                &format!("{}.", i + 1),
                vec![span(Style::Regular, c.clone())],
            );
        }
    }

    /// The effect article's paragraphs.
    fn article4_paragraphs(&self) -> Vec<String> {
        let a = &self.t.article4;
        let en = self.opts.english;
        let mut out = vec![Self::article_label(&a.labels, "effect", en)];
        match self.c.version {
            0 => {}
            1 => out.push(fill(
                &Self::article_label(&a.labels, "replaces_first", en),
                &[
                    ("code", &self.c.project_code),
                    ("date", &self.date(self.c.first_issued_on)),
                ],
            )),
            v => out.push(fill(
                &Self::article_label(&a.labels, "replaces", en),
                &[
                    ("code", &self.c.project_code),
                    ("prev", &(v - 1).to_string()),
                ],
            )),
        }
        out.push(fill(
            &Self::article_label(&a.labels, "originals", en),
            &[("body", &self.c.issuing_body.name.to_lowercase_first())],
        ));
        out
    }

    /// The signature block's lines: (style, size, text, space before in pt).
    fn signature_lines(&self) -> Vec<(Style, f32, String, f32)> {
        let mut out = Vec::new();
        match &self.c.signer {
            Some(s) => {
                if let Some(cap) = &s.capacity {
                    out.push((Style::Bold, self.size, nfc(cap).to_uppercase(), 0.0));
                }
                out.push((Style::Bold, self.size, nfc(&s.title).to_uppercase(), 0.0));
                let space = mm(self.t.signature.space_mm);
                out.push((Style::Bold, self.size, nfc(&s.full_name), space));
            }
            None => {
                out.push((
                    Style::Regular,
                    self.size,
                    nfc(&self.t.signature.unsigned_name),
                    mm(self.t.signature.space_mm),
                ));
            }
        }
        if let Some(at) = self.c.signed_at {
            let line = fill(&self.t.signature.signed_at, &[("time", &iso_vietnam(at))]);
            out.push((Style::Regular, self.small, line, 2.0));
        }
        out
    }

    fn article4_and_signature(&mut self) -> [f32; 4] {
        let t = self.t;
        let a = &t.article4;
        let heading = self.label(&a.heading);
        let paras = self.article4_paragraphs();
        let fonts = self.flow.fonts;
        let col_x0 = self.flow.left + self.flow.width() * 0.4;
        let col_x1 = self.flow.right;
        let col_w = col_x1 - col_x0;

        // Lay out the signature block's lines now to know its height.
        let mut sig_lines: Vec<(Vec<Line>, f32, f32)> = Vec::new();
        for (style, size, text, before) in self.signature_lines() {
            let lines = wrap(fonts, &[span(style, text)], size, col_w, 0.0, 0.0);
            sig_lines.push((lines, size, before));
        }
        let dev_notice = self
            .c
            .development_key
            .then(|| nfc(&self.t.footer.development_key));
        let dev_lines = dev_notice
            .as_ref()
            .map(|n| {
                wrap(
                    fonts,
                    &[span(Style::Regular, n.clone())],
                    self.small,
                    col_w,
                    0.0,
                    0.0,
                )
            })
            .unwrap_or_default();
        let sig_h: f32 = mm(6.0)
            + sig_lines
                .iter()
                .map(|(l, size, before)| before + self.flow.lines_height(l.len(), *size))
                .sum::<f32>()
            + self.flow.lines_height(dev_lines.len(), self.small);

        // Keep the last article with the signature block when a fresh page can hold both.
        let art_h = self.gap * 3.0
            + self.flow.lines_height(1, self.size)
            + paras
                .iter()
                .map(|p| {
                    self.flow.paragraph_height(
                        &[span(Style::Regular, nfc(p))],
                        self.size,
                        self.indent,
                        0.0,
                        self.gap,
                    )
                })
                .sum::<f32>();
        let full_page = self.flow.top - self.flow.bottom;
        if art_h + sig_h > self.flow.room() && art_h + sig_h <= full_page {
            self.flow.new_page();
        }
        self.heading(&heading);
        for p in paras {
            self.para(Style::Regular, &p, self.indent, Align::Left);
        }

        // The signature block never splits.
        self.flow.y -= mm(6.0);
        self.flow.ensure(sig_h - mm(6.0));
        let y_top = self.flow.y;
        for (lines, size, before) in &sig_lines {
            self.flow.y -= before;
            self.flow
                .put_lines(lines, *size, col_x0, col_x1, Align::Center, 0);
        }
        if !dev_lines.is_empty() {
            self.flow.ops().push(Op::SetFillColor {
                col: rgb(0.75, 0.1, 0.1),
            });
            self.flow
                .put_lines(&dev_lines, self.small, col_x0, col_x1, Align::Center, 0);
            self.flow.ops().push(Op::SetFillColor { col: black() });
        }
        [col_x0, self.flow.y, col_x1, y_top]
    }

    /// Adds watermark, footer and page numbers, now that the page count is known.
    fn finish_pages(mut self) -> Vec<Vec<Op>> {
        let fonts = self.flow.fonts;
        let n = self.flow.pages.len();
        let pages = std::mem::take(&mut self.flow.pages);
        let centre = (self.flow.left + self.flow.right) / 2.0;
        pages
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                let mut ops = Vec::new();
                if self.opts.draft {
                    self.watermark(&mut ops);
                }
                ops.extend(body);
                let num = fill(
                    &self.t.footer.page_number,
                    &[("page", &(i + 1).to_string()), ("pages", &n.to_string())],
                );
                let lines = wrap(
                    fonts,
                    &[span(Style::Regular, nfc(&num))],
                    self.small,
                    200.0,
                    0.0,
                    0.0,
                );
                if let Some(l) = lines.first() {
                    line_ops(&mut ops, l, self.small, centre - l.width / 2.0, mm(10.0));
                }
                if self.opts.draft {
                    let marker = nfc(&self.t.footer.draft_marker);
                    let lines = wrap(
                        fonts,
                        &[span(Style::Bold, marker)],
                        self.small,
                        self.flow.width(),
                        0.0,
                        0.0,
                    );
                    if let Some(l) = lines.first() {
                        line_ops(&mut ops, l, self.small, self.flow.left, mm(10.0));
                    }
                }
                if self.c.development_key {
                    let notice = nfc(&self.t.footer.development_key);
                    let lines = wrap(
                        fonts,
                        &[span(Style::Regular, notice)],
                        self.small,
                        self.flow.width(),
                        0.0,
                        0.0,
                    );
                    ops.push(Op::SetFillColor {
                        col: rgb(0.75, 0.1, 0.1),
                    });
                    for (k, l) in lines.iter().enumerate() {
                        let y = mm(14.0) + (lines.len() - 1 - k) as f32 * self.small * 1.2;
                        line_ops(&mut ops, l, self.small, centre - l.width / 2.0, y);
                    }
                    ops.push(Op::SetFillColor { col: black() });
                }
                ops
            })
            .collect()
    }

    fn watermark(&self, ops: &mut Vec<Op>) {
        let text = nfc(&self.t.footer.watermark);
        let (w, h) = (self.page_w, self.page_h);
        let diag = (w * w + h * h).sqrt();
        let unit = self.flow.fonts.width(Style::Bold, &text, 1.0).max(1.0);
        let size = (diag * 0.65 / unit).min(90.0);
        let tw = unit * size;
        let (sin, cos) = (h / diag, w / diag);
        // Centre the text's box on the page centre along the diagonal.
        let cap = size * 0.35;
        let x = w / 2.0 - tw / 2.0 * cos + cap * sin;
        let y = h / 2.0 - tw / 2.0 * sin - cap * cos;
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetFillColor {
            col: rgb(0.86, 0.86, 0.86),
        });
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: printpdf::PdfFontHandle::External(Style::Bold.font_id()),
            size: Pt(size),
        });
        ops.push(Op::SetTextMatrix {
            matrix: printpdf::TextMatrix::Raw([cos, sin, -sin, cos, x, y]),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text)],
        });
        ops.push(Op::EndTextSection);
        ops.push(Op::RestoreGraphicsState);
    }
}

/// "BAN QUẢN LÝ KHU KINH TẾ" → "Ban Quản lý Khu kinh tế" is beyond a simple rule, so running
/// text keeps the body's name as stored; this only lower-cases a fully upper-case name's
/// letters after the first, for use inside a sentence.
trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let lower = nfc(self).to_lowercase();
        capitalise(&lower)
    }
}

/// Compresses every stream that has no filter yet, at zlib level 6. lopdf's own `compress` uses
/// level 9, which took about 7 ms per certificate for a few hundred bytes less.
fn compress_streams(doc: &mut lopdf::Document) {
    use std::io::Write as _;
    for object in doc.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object
            && stream.dict.get(b"Filter").is_err()
        {
            let mut encoder = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(stream.content.len() / 2),
                flate2::Compression::new(6),
            );
            if encoder.write_all(&stream.content).is_ok()
                && let Ok(compressed) = encoder.finish()
                && compressed.len() + 19 < stream.content.len()
            {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(compressed);
            }
        }
    }
}

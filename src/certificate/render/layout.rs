//! Fonts, text measuring, word wrapping and page flow: the small layout engine under the
//! certificate renderer (printpdf 0.12 only places glyphs; it neither measures nor wraps).

use std::collections::HashMap;

use printpdf::{
    Color, FontId, LinePoint, Op, ParsedFont, PdfFontHandle, Point, Polygon, PolygonRing, Pt, Rgb,
    TextItem, TextMatrix,
};

/// Typeface of a run of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Style {
    /// Noto Serif Regular.
    Regular,
    /// Noto Serif Bold.
    Bold,
}

impl Style {
    /// Fixed resource id: its first six letters are the subset tag, so they must be upper-case
    /// letters, and fixed so that output is deterministic.
    pub(crate) fn font_id(self) -> FontId {
        FontId(
            match self {
                Style::Regular => "NSERIF",
                Style::Bold => "NSERIB",
            }
            .to_owned(),
        )
    }
}

/// One parsed face and its advance widths.
pub(crate) struct Face {
    pub(crate) font: ParsedFont,
    units_per_em: f32,
    /// Advances (font units) of the characters a Vietnamese certificate uses, looked up once.
    advances: HashMap<char, u16>,
}

impl Face {
    pub(crate) fn new(font: ParsedFont) -> Self {
        let units_per_em = f32::from(font.font_metrics.units_per_em.max(1));
        let mut face = Self {
            font,
            units_per_em,
            advances: HashMap::new(),
        };
        let ranges = [
            0x20_u32..0x250,
            0x300..0x370,
            0x1EA0..0x1F00,
            0x2000..0x2070,
            0x2100..0x2130,
        ];
        let mut advances = HashMap::new();
        for cp in ranges.into_iter().flatten() {
            if let Some(c) = char::from_u32(cp) {
                advances.insert(c, face.lookup_advance(c));
            }
        }
        face.advances = advances;
        face
    }

    fn lookup_advance(&self, c: char) -> u16 {
        let gid = self.font.lookup_glyph_index(c as u32).unwrap_or(0);
        self.font.get_horizontal_advance(gid)
    }

    /// Width of `text` at `size` points: sum of advances × size / units per em.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                u32::from(
                    self.advances
                        .get(&c)
                        .copied()
                        .unwrap_or_else(|| self.lookup_advance(c)),
                )
            })
            .sum();
        units as f32 * size / self.units_per_em
    }
}

/// The faces. Italic is deliberately absent: a third subset font would cost about 12 KB per
/// certificate for a few lines of emphasis.
pub(crate) struct FontSet {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl FontSet {
    pub(crate) fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    pub(crate) fn width(&self, style: Style, text: &str, size: f32) -> f32 {
        self.face(style).width(text, size)
    }
}

/// A run of text in one style.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub(crate) style: Style,
    pub(crate) text: String,
}

/// Shorthand constructors.
pub(crate) fn span(style: Style, text: impl Into<String>) -> Span {
    Span {
        style,
        text: text.into(),
    }
}

/// A piece of a laid-out line: text in one style starting `dx` points from the line's start.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub(crate) style: Style,
    pub(crate) text: String,
    pub(crate) dx: f32,
}

/// A laid-out line: its pieces, its indent from the paragraph's left edge and its width.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) indent: f32,
    pub(crate) width: f32,
}

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// Words never put at the start of a line: they stay with the number before them.
const NO_BREAK_BEFORE: &[&str] = &[
    "m²", "m²,", "m²;", "m².", "ha", "ha)", "ha,", "ha;", "ha.", "%",
];

/// Greedy word wrap of `spans` into lines at most `width` wide; the first line starts at
/// `first_indent`, the others at `rest_indent` (a hanging indent when `rest_indent > 0` and
/// `first_indent == 0`). Words longer than a line are broken between characters.
pub(crate) fn wrap(
    fonts: &FontSet,
    spans: &[Span],
    size: f32,
    width: f32,
    first_indent: f32,
    rest_indent: f32,
) -> Vec<Line> {
    // Words as (style, text, followed by a space). A unit ("m²", "ha", "%") stays on the line
    // of the number before it.
    let mut words: Vec<(Style, &str, bool)> = Vec::new();
    for s in spans {
        let text = s.text.as_str();
        let mut start = 0;
        let mut prev: Option<(usize, usize)> = None;
        for (i, _) in text
            .match_indices(' ')
            .chain(std::iter::once((text.len(), "")))
        {
            if i > start {
                let word = &text[start..i];
                let spaced = i < text.len();
                match prev {
                    Some((p_start, idx)) if NO_BREAK_BEFORE.contains(&word) => {
                        words[idx] = (s.style, &text[p_start..i], spaced);
                    }
                    _ => {
                        words.push((s.style, word, spaced));
                        prev = Some((start, words.len() - 1));
                    }
                }
            } else if let Some(last) = words.last_mut()
                && i < text.len()
            {
                last.2 = true;
            }
            start = (i + 1).min(text.len());
        }
    }

    let mut lines = Vec::new();
    let mut line = Line {
        indent: first_indent,
        ..Line::default()
    };
    // Width of the line so far, including a trailing space when the last word had one.
    let mut x = 0.0_f32;
    let mut pending_space = 0.0_f32;
    for (style, word, space_after) in words {
        let face = fonts.face(style);
        let mut w = face.width(word, size);
        let avail = width - line.indent;
        if !line.pieces.is_empty() && x + pending_space + w > avail {
            lines.push(std::mem::take(&mut line));
            line.indent = rest_indent;
            x = 0.0;
            pending_space = 0.0;
        }
        let avail = width - line.indent;
        let mut word = word;
        // Overlong word: split between characters. Each cut measures only the characters it
        // passes and subtracts them, so a long unbroken word costs time linear in its length.
        while w > avail && word.chars().nth(1).is_some() {
            let mut cut = 0;
            let mut acc = 0.0;
            for (i, c) in word.char_indices() {
                let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                if acc + cw > avail - x - pending_space && i > 0 {
                    cut = i;
                    break;
                }
                acc += cw;
            }
            if cut == 0 {
                // Not even one character fits after the current content: new line.
                if !line.pieces.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line.indent = rest_indent;
                    x = 0.0;
                    pending_space = 0.0;
                    continue;
                }
                cut = word.char_indices().nth(1).map_or(word.len(), |(i, _)| i);
            }
            push_piece(
                &mut line,
                style,
                &word[..cut],
                x + pending_space,
                pending_space > 0.0,
            );
            let cut_width = face.width(&word[..cut], size);
            line.width = x + pending_space + cut_width;
            lines.push(std::mem::take(&mut line));
            line.indent = rest_indent;
            x = 0.0;
            pending_space = 0.0;
            word = &word[cut..];
            w = (w - cut_width).max(0.0);
        }
        push_piece(
            &mut line,
            style,
            word,
            x + pending_space,
            pending_space > 0.0,
        );
        x += pending_space + w;
        line.width = x;
        pending_space = if space_after {
            face.width(" ", size)
        } else {
            0.0
        };
    }
    if !line.pieces.is_empty() {
        lines.push(line);
    }
    lines
}

/// Appends a word to the line, merging it with the previous piece when the style is the same.
fn push_piece(line: &mut Line, style: Style, word: &str, dx: f32, spaced: bool) {
    if let Some(last) = line.pieces.last_mut()
        && last.style == style
    {
        // Same style: the space between the words is a real space glyph, so text extraction
        // sees words, and the advance matches what was measured.
        if spaced {
            last.text.push(' ');
        }
        last.text.push_str(word);
        return;
    }
    line.pieces.push(Piece {
        style,
        text: word.to_owned(),
        dx,
    });
}

/// Black.
pub(crate) fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

/// An RGB colour.
pub(crate) fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Ops drawing one laid-out line with its left edge at `x` and its baseline at `y`.
pub(crate) fn line_ops(ops: &mut Vec<Op>, line: &Line, size: f32, x: f32, y: f32) {
    ops.push(Op::StartTextSection);
    let mut current: Option<Style> = None;
    for p in &line.pieces {
        if current != Some(p.style) {
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(p.style.font_id()),
                size: Pt(size),
            });
            current = Some(p.style);
        }
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x + line.indent + p.dx), Pt(y)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(p.text.clone())],
        });
    }
    ops.push(Op::EndTextSection);
}

/// A filled axis-aligned rectangle as a polygon ring (x, y = lower left).
pub(crate) fn rect_ring(x: f32, y: f32, w: f32, h: f32) -> PolygonRing {
    let p = |x: f32, y: f32| LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    };
    PolygonRing {
        points: vec![p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h)],
    }
}

/// A filled polygon made of `rings`.
pub(crate) fn fill_rings(ops: &mut Vec<Op>, rings: Vec<PolygonRing>, color: Color) {
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetFillColor { col: color });
    ops.push(Op::DrawPolygon {
        polygon: Polygon {
            rings,
            mode: printpdf::PaintMode::Fill,
            winding_order: printpdf::WindingOrder::NonZero,
        },
    });
    ops.push(Op::RestoreGraphicsState);
}

/// A horizontal rule from `x1` to `x2` at height `y`, `thickness` points thick.
pub(crate) fn hrule(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, thickness: f32) {
    fill_rings(
        ops,
        vec![rect_ring(x1, y - thickness / 2.0, x2 - x1, thickness)],
        black(),
    );
}

/// The page flow: a cursor moving down the page, opening new pages as needed.
pub(crate) struct Flow<'f> {
    pub(crate) fonts: &'f FontSet,
    /// Left edge of the text area, pt.
    pub(crate) left: f32,
    /// Right edge of the text area, pt.
    pub(crate) right: f32,
    /// Top of the text area, pt from the bottom.
    pub(crate) top: f32,
    /// Bottom limit of the text area, pt from the bottom.
    pub(crate) bottom: f32,
    /// Line height as a multiple of the type size.
    pub(crate) spacing: f32,
    /// Ops of each page.
    pub(crate) pages: Vec<Vec<Op>>,
    /// Current position: top of the next line, pt from the bottom.
    pub(crate) y: f32,
}

impl<'f> Flow<'f> {
    pub(crate) fn width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Room left on this page, pt.
    pub(crate) fn room(&self) -> f32 {
        self.y - self.bottom
    }

    /// Opens a new page unless `height` points still fit on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if height > self.room() && self.y < self.top {
            self.new_page();
        }
    }

    pub(crate) fn line_height(&self, size: f32) -> f32 {
        size * self.spacing
    }

    /// Height that `lines` take.
    pub(crate) fn lines_height(&self, n: usize, size: f32) -> f32 {
        n as f32 * self.line_height(size)
    }

    /// Lays out lines in the column [x0, x1], breaking pages between lines. `keep_first` lines
    /// are kept together with the next one (no widowed heading).
    pub(crate) fn put_lines(
        &mut self,
        lines: &[Line],
        size: f32,
        x0: f32,
        x1: f32,
        align: Align,
        keep_first: usize,
    ) {
        let lh = self.line_height(size);
        let together = (keep_first + 1).min(lines.len());
        self.ensure(lh * together as f32);
        for line in lines {
            self.ensure(lh);
            let x = match align {
                Align::Left => x0,
                Align::Center => x0 + ((x1 - x0) - line.width - line.indent) / 2.0,
            };
            // Baseline: leave the extra leading above the glyphs.
            let baseline = self.y - lh + size * 0.3;
            let mut ops = std::mem::take(self.ops());
            line_ops(&mut ops, line, size, x, baseline);
            *self.ops() = ops;
            self.y -= lh;
        }
    }

    /// Wraps and lays out a paragraph across the text width.
    pub(crate) fn paragraph(
        &mut self,
        spans: &[Span],
        size: f32,
        first_indent: f32,
        rest_indent: f32,
        align: Align,
        gap_after: f32,
    ) {
        let (x0, x1) = (self.left, self.right);
        let lines = wrap(self.fonts, spans, size, x1 - x0, first_indent, rest_indent);
        self.put_lines(&lines, size, x0, x1, align, 0);
        self.y -= gap_after;
    }

    /// Height a paragraph would take.
    pub(crate) fn paragraph_height(
        &self,
        spans: &[Span],
        size: f32,
        first_indent: f32,
        rest_indent: f32,
        gap_after: f32,
    ) -> f32 {
        let lines = wrap(
            self.fonts,
            spans,
            size,
            self.width(),
            first_indent,
            rest_indent,
        );
        self.lines_height(lines.len(), size) + gap_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_word() {
        let fonts = super::super::tests_support::fonts();
        let text = "Sản xuất linh kiện điện tử, bảng mạch in và cụm lắp ráp cho thiết bị gia dụng "
            .repeat(20)
            + "HTTPS://DKDT.QUANGTRI.GOV.VN/V/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let spans = [
            span(Style::Bold, "1. Mục tiêu: "),
            span(Style::Regular, text.clone()),
        ];
        let lines = wrap(fonts, &spans, 12.0, 300.0, 0.0, 20.0);
        assert!(lines.len() > 10);
        for l in &lines {
            assert!(l.indent + l.width <= 300.01, "{} > 300", l.indent + l.width);
        }
        let rebuilt: String = lines
            .iter()
            .flat_map(|l| l.pieces.iter().map(|p| p.text.clone()))
            .collect::<Vec<_>>()
            .join(" ");
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&rebuilt), squash(&format!("1. Mục tiêu: {text}")));
        assert_eq!(lines[1].indent, 20.0);
    }
}

//! Versioned certificate templates: the wording and layout data of each official form, kept in
//! `templates/*.toml` and embedded in the binary, so a new circular means a new file, not new code.
//!
//! [`get`] returns a template by id; templates are parsed once, on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// The template files compiled in: (id, TOML text).
const SOURCES: &[(&str, &str)] = &[("irc-2021", include_str!("../../templates/irc-2021.toml"))];

/// A template could not be found or parsed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// No template has that id.
    #[error("unknown certificate template `{0}`")]
    Unknown(String),
    /// An embedded template file is malformed.
    #[error("certificate template `{id}` is invalid: {reason}")]
    Invalid {
        /// The template's id.
        id: String,
        /// What the parser said.
        reason: String,
    },
}

/// A label with its Vietnamese wording and an optional English one for bilingual rendering.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Label {
    /// Vietnamese wording (always printed).
    pub vi: String,
    /// English wording, printed after the Vietnamese in a bilingual rendering.
    #[serde(default)]
    pub en: Option<String>,
}

impl Label {
    /// The text to print: Vietnamese, or "Vietnamese / English" when `english` and one exists.
    /// Patterns that carry values (with `{...}` placeholders) stay Vietnamese only, so values
    /// are not printed twice; labels and headings get their English.
    pub fn text(&self, english: bool) -> String {
        match (&self.en, english) {
            (Some(en), true) if !self.vi.contains('{') => format!("{} / {}", self.vi, en),
            _ => self.vi.clone(),
        }
    }
}

/// Page geometry and type sizes (Decree 30/2020/NĐ-CP, Appendix I).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PageSpec {
    /// Page width, mm.
    pub width_mm: f32,
    /// Page height, mm.
    pub height_mm: f32,
    /// Top margin, mm.
    pub margin_top_mm: f32,
    /// Bottom margin, mm.
    pub margin_bottom_mm: f32,
    /// Left margin, mm.
    pub margin_left_mm: f32,
    /// Right margin, mm.
    pub margin_right_mm: f32,
    /// Body text size, pt.
    pub body_size_pt: f32,
    /// Small print (signing time, notices, page numbers), pt.
    pub small_size_pt: f32,
    /// Issuing-body lines, pt.
    pub header_size_pt: f32,
    /// National name, pt.
    pub national_name_size_pt: f32,
    /// Motto, pt.
    pub motto_size_pt: f32,
    /// Title, pt.
    pub title_size_pt: f32,
    /// Line height as a multiple of the type size.
    pub line_spacing: f32,
    /// Extra space between paragraphs, pt.
    pub paragraph_gap_pt: f32,
    /// Side of the QR seal, mm.
    pub qr_size_mm: f32,
    /// Hanging indent of numbered items, mm.
    pub indent_mm: f32,
}

/// Top of the first page.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct HeaderLabels {
    /// "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".
    pub national_name: String,
    /// "Độc lập - Tự do - Hạnh phúc".
    pub motto: String,
    /// The certificate's title.
    pub title: Label,
    /// "Mã số dự án: {code}".
    pub project_code: Label,
    /// "Chứng nhận lần đầu: {date}".
    pub first_issue: Label,
    /// "Chứng nhận thay đổi lần thứ {n}: {date}".
    pub change: Label,
}

/// Date wording.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DateLabels {
    /// "ngày {d} tháng {m} năm {y}".
    pub long: String,
    /// Printed when a draft has no date yet.
    pub placeholder: String,
    /// "{place}, {date}" above the signature.
    pub place_and_date: String,
}

/// Statutory "Căn cứ ..." lines.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LegalBasisLabels {
    /// The statutory lines, in order.
    pub statutory: Vec<String>,
    /// Dossier line for a first issue ("{date}" = the long date).
    pub dossier_first: String,
    /// Dossier line for a change.
    pub dossier_change: String,
}

/// Wording of the statement "… Chứng nhận: Nhà đầu tư … Đăng ký thực hiện dự án …".
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct StatementLabels {
    /// "Chứng nhận:".
    pub certifies: Label,
    /// "Nhà đầu tư:".
    pub investors_heading: Label,
    /// "Đăng ký thực hiện dự án đầu tư với nội dung như sau:".
    pub registers: Label,
}

/// Labels of an investor block. Missing keys are simply not printed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct InvestorLabels {
    /// Individuals.
    pub individual: BTreeMap<String, Label>,
    /// Organisations.
    pub organization: BTreeMap<String, Label>,
}

/// Article 1 (the project): heading, item order and labels.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Article1Labels {
    /// Heading.
    pub heading: Label,
    /// Item keys in the order printed.
    pub order: Vec<String>,
    /// Every other key: item labels and line patterns.
    #[serde(flatten)]
    pub labels: BTreeMap<String, Label>,
}

/// An article with a heading and free labels.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ArticleLabels {
    /// Heading.
    pub heading: Label,
    /// Other labels.
    #[serde(flatten)]
    pub labels: BTreeMap<String, Label>,
}

/// Signature block wording.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SignatureLabels {
    /// Printed in place of the signer's name in an unsigned draft.
    pub unsigned_name: String,
    /// "Ký lúc: {time}".
    pub signed_at: String,
    /// Note in the space of the signature.
    pub seal_note: String,
    /// Height left blank for the signature and seal, mm.
    pub space_mm: f32,
}

/// Footer wording.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FooterLabels {
    /// "Trang {page}/{pages}".
    pub page_number: String,
    /// Draft watermark.
    pub watermark: String,
    /// Small horizontal draft marker in the footer (extractable text).
    pub draft_marker: String,
    /// Development-key notice.
    pub development_key: String,
}

/// One certificate form: wording and layout data.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Template {
    /// Id stored in each certificate's content, e.g. `irc-2021`.
    pub id: String,
    /// The form's name in its circular, e.g. "Mẫu A.II.8".
    pub form: String,
    /// The circular defining the form.
    pub circular: String,
    /// From when the form applies.
    pub effective_from: NaiveDate,
    /// Page geometry and type sizes.
    pub page: PageSpec,
    /// Header and title.
    pub header: HeaderLabels,
    /// Date wording.
    pub dates: DateLabels,
    /// Legal-basis lines.
    pub legal_basis: LegalBasisLabels,
    /// Statement wording.
    pub statement: StatementLabels,
    /// Investor block labels.
    pub investor: InvestorLabels,
    /// Article 1.
    pub article1: Article1Labels,
    /// Article 2 (incentives).
    pub article2: ArticleLabels,
    /// Article 3 (conditions).
    pub article3: ArticleLabels,
    /// Article 4 (effect and originals).
    pub article4: ArticleLabels,
    /// Signature block.
    pub signature: SignatureLabels,
    /// Footer, watermark, notices.
    pub footer: FooterLabels,
}

impl Template {
    /// The statutory "Căn cứ ..." lines a caller puts first in a new content's `legal_basis`.
    pub fn default_legal_basis(&self) -> &[String] {
        &self.legal_basis.statutory
    }

    /// The dossier line for a first issue (`version == 0`) or a change, with its date filled in.
    pub fn dossier_line(&self, version: u32, submitted_on: NaiveDate) -> String {
        let pattern = if version == 0 {
            &self.legal_basis.dossier_first
        } else {
            &self.legal_basis.dossier_change
        };
        fill(pattern, &[("date", &self.date_long(submitted_on))])
    }

    /// A running-text date in this template's wording: "ngày 15 tháng 01 năm 2026".
    pub fn date_long(&self, d: NaiveDate) -> String {
        fill(
            &self.dates.long,
            &[
                ("d", &format!("{:02}", d.day())),
                ("m", &format!("{:02}", d.month())),
                ("y", &d.year().to_string()),
            ],
        )
    }

    /// A running-text date, or the template's placeholder ("ngày … tháng … năm …") when absent.
    pub fn date_long_or_placeholder(&self, d: Option<NaiveDate>) -> String {
        match d {
            Some(d) => self.date_long(d),
            None => self.dates.placeholder.clone(),
        }
    }
}

/// Replaces each `{key}` in `pattern` by its value.
pub fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    let mut out = pattern.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

fn parsed() -> &'static Result<Vec<Template>, TemplateError> {
    static TEMPLATES: OnceLock<Result<Vec<Template>, TemplateError>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(id, text)| {
                let t: Template = toml::from_str(text).map_err(|e| TemplateError::Invalid {
                    id: (*id).to_owned(),
                    reason: e.to_string(),
                })?;
                if t.id != *id {
                    return Err(TemplateError::Invalid {
                        id: (*id).to_owned(),
                        reason: format!("file declares id `{}`", t.id),
                    });
                }
                Ok(t)
            })
            .collect()
    })
}

/// All compiled-in templates, parsed once.
pub fn all() -> Result<&'static [Template], TemplateError> {
    parsed().as_ref().map(Vec::as_slice).map_err(Clone::clone)
}

/// The template with this id.
pub fn get(id: &str) -> Result<&'static Template, TemplateError> {
    all()?
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| TemplateError::Unknown(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_parses() {
        let t = get("irc-2021").expect("irc-2021 parses");
        assert_eq!(t.header.title.vi, "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ");
        assert_eq!(t.default_legal_basis().len(), 4);
        assert!(matches!(get("nope"), Err(TemplateError::Unknown(_))));
    }

    #[test]
    fn dossier_line_names_the_date() {
        let t = get("irc-2021").expect("parses");
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        assert_eq!(
            t.dossier_line(1, d),
            "Căn cứ hồ sơ đề nghị điều chỉnh dự án đầu tư nộp ngày 20 tháng 11 năm 2026,"
        );
    }
}

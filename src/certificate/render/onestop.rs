//! The one-stop shop's printable documents (Decree 61/2018/NĐ-CP, Circular 01/2018/TT-VPCP): the
//! receipt and appointment slip (form 01, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả") and the
//! apology with a new appointment (form 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả").
//!
//! They share the certificate's typography (the embedded Noto Serif, A4, Decree 30/2020/NĐ-CP
//! header and margins) and its guarantees: text is NFC and extractable, every field wraps, and the
//! same input gives the same bytes (document dates come from the input, the PDF identifier from a
//! digest of it).
//!
//! Dates in running text follow Decree 30/2020 (Appendix I): a day below 10 and the months 1 and 2
//! take a leading zero ("ngày 06 tháng 3 năm 2026", "ngày 13 tháng 02 năm 2026").
//!
//! Wording: form 01 keeps the circular's lines ("Tiếp nhận hồ sơ của", "Nội dung yêu cầu giải
//! quyết", "Thành phần hồ sơ nộp gồm", "Thời gian giải quyết hồ sơ theo quy định là", "Thời gian
//! nhận hồ sơ", the two signature blocks) as public one-stop systems print them, and adds the
//! registry's own (channel, tracking QR and secret). Form 04 follows the circular's structure
//! (received on, code, due date, "Tuy nhiên đến nay ... chưa trả kết quả", "Lý do", the apology
//! and new date, thanks); no stored copy of the circular's own text of form 04 was found, so its
//! sentences are unconfirmed and kept here, in one place, to be checked against the gazette.
//! Some public one-stop software now cites Decree 118/2025/NĐ-CP for these forms (unconfirmed
//! here): whether it changed them is to be checked too.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use printpdf::{Mm, Op, PdfDocument, PdfPage, PdfSaveOptions, Pt};
use sha2::{Digest, Sha256};

use super::layout::{
    Align, Flow, FontSet, Line, Piece, Span, Style, black, fill_rings, hrule, line_ops, rect_ring,
    rgb, span, wrap,
};
use super::{LowerFirst, RenderError, Renderer, compress_streams, mm, nfc};
use crate::domain::certificate::content::IssuingBody;
use crate::domain::text::{clean, forbidden_char};
use crate::domain::time::vietnam;

/// One document of the checklist as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipDocument {
    /// The document's name as the procedure lists it, e.g. "Đề xuất dự án đầu tư".
    pub name: String,
    /// Whether the applicant handed it in (printed "x"), or not (printed "—").
    pub provided: bool,
}

/// Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Circular 01/2018/TT-VPCP, form 01): given to the
/// applicant when a dossier is received, at the counter or online.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptSlip {
    /// The receiving body, printed top left; its `place` starts the date line.
    pub issuing_body: IssuingBody,
    /// The dossier code, "BQLKKT-260213-0007", printed large under the title.
    pub receipt_code: String,
    /// The administrative procedure, in Vietnamese.
    pub procedure_name: String,
    /// Who filed the dossier (a person or an organisation).
    pub applicant_name: String,
    /// A phone / e-mail line, printed as given.
    pub applicant_contact: Option<String>,
    /// The project the dossier concerns.
    pub subject: String,
    /// The checklist, printed as a numbered table.
    pub documents: Vec<SlipDocument>,
    /// When the dossier was received; printed in Vietnam time.
    pub received_at: DateTime<Utc>,
    /// False while an online dossier awaits its completeness check or a supplement: the slip then
    /// says the appointment will be set once the dossier is complete.
    pub complete: bool,
    /// The appointment for the result (a Vietnamese calendar date).
    pub due_date: Option<NaiveDate>,
    /// The statutory processing time, "15 ngày" or "7 ngày làm việc".
    pub deadline_text: Option<String>,
    /// Filed online rather than at the one-stop counter.
    pub channel_online: bool,
    /// The clerk who received the dossier, for the signature block; `None` for online filings.
    pub clerk_name: Option<String>,
    /// The public tracking page, printed and encoded as a QR code.
    pub tracking_url: String,
    /// The secret that unlocks details, downloads and the satisfaction survey. Printed boxed when
    /// `Some` (the first slip); a reprint passes `None` and says it was given at receipt.
    pub tracking_secret: Option<String>,
    /// Print the development notice (sample data, not legally valid).
    pub development: bool,
}

impl std::fmt::Debug for ReceiptSlip {
    /// Everything but the tracking secret, which must not reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSlip")
            .field("issuing_body", &self.issuing_body)
            .field("receipt_code", &self.receipt_code)
            .field("procedure_name", &self.procedure_name)
            .field("applicant_name", &self.applicant_name)
            .field("applicant_contact", &self.applicant_contact)
            .field("subject", &self.subject)
            .field("documents", &self.documents)
            .field("received_at", &self.received_at)
            .field("complete", &self.complete)
            .field("due_date", &self.due_date)
            .field("deadline_text", &self.deadline_text)
            .field("channel_online", &self.channel_online)
            .field("clerk_name", &self.clerk_name)
            .field("tracking_url", &self.tracking_url)
            .field(
                "tracking_secret",
                &self.tracking_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("development", &self.development)
            .finish()
    }
}

/// Phiếu xin lỗi và hẹn lại ngày trả kết quả (Circular 01/2018/TT-VPCP, form 04): sent when a
/// result will miss its appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApologyLetter {
    /// The body that is late, printed top left and named in the text.
    pub issuing_body: IssuingBody,
    /// The dossier code.
    pub receipt_code: String,
    /// Who filed the dossier; the letter is addressed to them.
    pub applicant_name: String,
    /// The administrative procedure, in Vietnamese.
    pub procedure_name: String,
    /// When the dossier was received.
    pub received_at: DateTime<Utc>,
    /// The original appointment.
    pub due_date: NaiveDate,
    /// Why the result is late; free text, line breaks start new paragraphs.
    pub reason: String,
    /// The new appointment.
    pub new_date: NaiveDate,
    /// When the letter is issued; its Vietnamese date is the letter's date.
    pub issued_at: DateTime<Utc>,
    /// The signer's full name.
    pub issued_by_name: String,
    /// Print the development notice (sample data, not legally valid).
    pub development: bool,
}

const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
const RECEIPT_TITLE: &str = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ";
const APOLOGY_TITLE: &str = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ";
const DEVELOPMENT_NOTICE: &str =
    "Dữ liệu mẫu – không có giá trị pháp lý / Development sample – not legally valid";

// Page and type, after Decree 30/2020 Appendix I: A4, margins top/bottom 20 mm, left 30 mm,
// right 15 mm; the same figures as the certificate template. Body text is a little smaller than
// the decree's 13-14 pt so that a slip with its checklist, QR and signatures fits one page.
const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const MARGIN_TOP_MM: f32 = 20.0;
const MARGIN_BOTTOM_MM: f32 = 20.0;
const MARGIN_LEFT_MM: f32 = 30.0;
const MARGIN_RIGHT_MM: f32 = 15.0;
const BODY: f32 = 12.0;
const TABLE: f32 = 11.0;
const SMALL: f32 = 8.0;
const HEADER: f32 = 12.0;
const NATIONAL: f32 = 12.0;
const MOTTO_SIZE: f32 = 13.0;
const TITLE: f32 = 14.0;
const CODE: f32 = 15.0;
const SPACING: f32 = 1.2;
/// Extra space after a paragraph, pt.
const GAP: f32 = 3.0;
/// First-line indent of running text (Decree 30: 1 to 1.27 cm).
const INDENT_MM: f32 = 10.0;
/// Room left for a handwritten signature, mm.
const SIGNATURE_SPACE_MM: f32 = 18.0;

impl Renderer {
    /// Renders a receipt and appointment slip (form 01) to PDF.
    pub fn receipt_slip(&self, slip: &ReceiptSlip) -> Result<Vec<u8>, RenderError> {
        let fonts = &self.inner.fonts;
        let mut d = Doc::new(fonts);
        let place = text(&slip.issuing_body.place);
        let received = vietnam_time(slip.received_at);
        d.header(
            &slip.issuing_body,
            &date_line(&place, received.date_naive()),
        );
        d.title(RECEIPT_TITLE);
        let code = text(&slip.receipt_code);
        d.centred(
            &[
                span(Style::Regular, "Mã hồ sơ: "),
                span(Style::Bold, code.clone()),
            ],
            CODE,
        );
        d.space(GAP * 3.0);

        let body = text(&slip.issuing_body.name);
        let desk = if body.is_empty() {
            "Bộ phận Một cửa".to_owned()
        } else {
            format!("Bộ phận Một cửa, {}", body.to_lowercase_first())
        };
        d.para(
            &[
                span(Style::Regular, format!("{desk} tiếp nhận hồ sơ của: ")),
                span(Style::Bold, text(&slip.applicant_name)),
            ],
            0.0,
        );
        if let Some(contact) = slip.applicant_contact.as_deref().map(text)
            && !contact.is_empty()
        {
            d.para(&[span(Style::Regular, format!("Liên hệ: {contact}"))], 0.0);
        }
        d.para(
            &[
                span(Style::Regular, "Nội dung yêu cầu giải quyết: "),
                span(Style::Bold, text(&slip.procedure_name)),
            ],
            0.0,
        );
        d.para(
            &[span(
                Style::Regular,
                format!("Dự án: {}", text(&slip.subject)),
            )],
            0.0,
        );
        let channel = if slip.channel_online {
            "Nộp trực tuyến"
        } else {
            "Nộp trực tiếp tại Bộ phận Một cửa"
        };
        d.para(
            &[span(Style::Regular, format!("Hình thức nộp: {channel}"))],
            0.0,
        );

        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("{n}.")
        };
        if slip.documents.is_empty() {
            d.item(
                &next(),
                &[span(
                    Style::Regular,
                    "Thành phần hồ sơ nộp gồm: không có giấy tờ nào được ghi nhận.",
                )],
            );
        } else {
            d.item(
                &next(),
                &[span(Style::Regular, "Thành phần hồ sơ nộp gồm:")],
            );
            d.table(&slip.documents);
        }
        if let Some(deadline) = slip.deadline_text.as_deref().map(text)
            && !deadline.is_empty()
        {
            d.item(
                &next(),
                &[
                    span(
                        Style::Regular,
                        "Thời gian giải quyết hồ sơ theo quy định là: ",
                    ),
                    span(Style::Regular, deadline),
                ],
            );
        }
        d.item(
            &next(),
            &[span(
                Style::Regular,
                format!(
                    "Thời gian nhận hồ sơ: Hồi {:02} giờ {:02} phút, {}",
                    received.hour(),
                    received.minute(),
                    date_long(received.date_naive())
                ),
            )],
        );
        let due: Vec<Span> = match (slip.complete, slip.due_date) {
            (false, _) => vec![span(
                Style::Regular,
                "Ngày hẹn trả kết quả: hồ sơ chưa đầy đủ (hồ sơ nộp trực tuyến đang chờ kiểm tra \
                 hoặc bổ sung); ngày hẹn trả kết quả sẽ được xác định và thông báo khi hồ sơ \
                 đầy đủ, hợp lệ.",
            )],
            (true, Some(date)) => vec![
                span(Style::Regular, "Ngày hẹn trả kết quả: "),
                span(Style::Bold, appointment(date)),
            ],
            (true, None) => vec![span(
                Style::Regular,
                "Ngày hẹn trả kết quả: sẽ được thông báo sau.",
            )],
        };
        d.item(&next(), &due);

        // Room above the QR code for its quiet zone.
        d.space(GAP * 4.0);
        d.tracking(&slip.tracking_url, slip.tracking_secret.as_deref());

        // Form 01 has the applicant sign on the left and the clerk on the right; an online
        // filing has neither.
        let applicant = (!slip.channel_online).then(|| {
            Block::signature(
                "NGƯỜI NỘP HỒ SƠ",
                "(Ký và ghi rõ họ tên)",
                &text(&slip.applicant_name),
            )
        });
        let clerk = (!slip.channel_online || slip.clerk_name.is_some()).then(|| {
            Block::signature(
                "NGƯỜI TIẾP NHẬN HỒ SƠ",
                "(Ký và ghi rõ họ tên)",
                &slip.clerk_name.as_deref().map(text).unwrap_or_default(),
            )
        });
        if applicant.is_some() || clerk.is_some() {
            d.space(GAP * 3.0);
            d.blocks(applicant, clerk, 0.5);
        }

        let pages = d.finish(&code, slip.development);
        let seed = format!("onestop/receipt-slip/v1\0{slip:?}");
        self.save_onestop(pages, RECEIPT_TITLE, &code, slip.received_at, &seed)
    }

    /// Renders an apology with a new appointment (form 04) to PDF.
    pub fn apology_letter(&self, letter: &ApologyLetter) -> Result<Vec<u8>, RenderError> {
        let fonts = &self.inner.fonts;
        let mut d = Doc::new(fonts);
        let place = text(&letter.issuing_body.place);
        let issued = vietnam_time(letter.issued_at).date_naive();
        d.header(&letter.issuing_body, &date_line(&place, issued));
        d.title(APOLOGY_TITLE);
        d.space(GAP * 3.0);
        let applicant = text(&letter.applicant_name);
        d.centred(
            &[
                span(Style::Regular, "Kính gửi: "),
                span(Style::Bold, applicant.clone()),
            ],
            BODY,
        );
        d.space(GAP * 3.0);

        let body = text(&letter.issuing_body.name);
        // The body names itself in the text; a nameless one (bad data) still reads as a sentence.
        let body = if body.is_empty() {
            "Cơ quan giải quyết hồ sơ".to_owned()
        } else {
            body.to_lowercase_first()
        };
        let code = text(&letter.receipt_code);
        let received = vietnam_time(letter.received_at).date_naive();
        let indent = mm(INDENT_MM);
        d.para(
            &[span(
                Style::Regular,
                format!(
                    "{}, {body} tiếp nhận giải quyết hồ sơ của {applicant} đề nghị giải quyết \
                     thủ tục hành chính: {}.",
                    capitalise_first(&date_long(received)),
                    text(&letter.procedure_name).trim_end_matches('.'),
                ),
            )],
            indent,
        );
        d.para(
            &[
                span(Style::Regular, "Mã hồ sơ: "),
                span(Style::Bold, code.clone()),
            ],
            indent,
        );
        d.para(
            &[span(
                Style::Regular,
                format!(
                    "Thời hạn trả kết quả giải quyết hồ sơ: {}.",
                    appointment(letter.due_date)
                ),
            )],
            indent,
        );
        d.para(
            &[span(
                Style::Regular,
                format!(
                    "Tuy nhiên đến nay, {body} chưa trả kết quả giải quyết hồ sơ đúng thời hạn \
                     ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."
                ),
            )],
            indent,
        );
        let reasons: Vec<String> = letter
            .reason
            .lines()
            .map(text)
            .filter(|p| !p.is_empty())
            .collect();
        let mut reasons = reasons.into_iter();
        let first = reasons.next().unwrap_or_else(|| "—".to_owned());
        d.para(&[span(Style::Regular, format!("Lý do: {first}"))], indent);
        for more in reasons {
            d.para(&[span(Style::Regular, more)], indent);
        }
        d.para(
            &[
                span(
                    Style::Regular,
                    format!(
                        "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {} xin lỗi Ông/Bà và sẽ trả \
                         kết quả giải quyết hồ sơ cho Ông/Bà vào ",
                        capitalise_first(&body)
                    ),
                ),
                span(Style::Bold, appointment(letter.new_date)),
                span(Style::Regular, "."),
            ],
            indent,
        );
        d.para(
            &[span(
                Style::Regular,
                "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.",
            )],
            indent,
        );

        d.space(GAP * 3.0);
        let recipients = Block {
            align: Align::Left,
            lines: vec![
                (Style::Bold, HEADER, "Nơi nhận:".to_owned(), 0.0),
                (Style::Regular, 11.0, "- Như trên;".to_owned(), 0.0),
                (
                    Style::Regular,
                    11.0,
                    format!("- Lưu: VT, hồ sơ {code}."),
                    0.0,
                ),
            ],
        };
        let signer = Block {
            align: Align::Center,
            lines: vec![
                (
                    Style::Bold,
                    BODY,
                    text(&letter.issuing_body.name).to_uppercase(),
                    0.0,
                ),
                (
                    Style::Bold,
                    BODY,
                    text(&letter.issued_by_name),
                    mm(SIGNATURE_SPACE_MM + 5.0),
                ),
            ],
        };
        d.blocks(Some(recipients), Some(signer), 0.45);

        let pages = d.finish(&code, letter.development);
        let seed = format!("onestop/apology-letter/v1\0{letter:?}");
        self.save_onestop(pages, APOLOGY_TITLE, &code, letter.issued_at, &seed)
    }

    /// Writes the pages as a PDF whose dates are `stamp` and whose identifier is a digest of
    /// `seed`, so that the same input gives the same bytes (printpdf would otherwise put random
    /// strings in the trailer /ID).
    fn save_onestop(
        &self,
        pages: Vec<Vec<Op>>,
        title: &str,
        code: &str,
        stamp: DateTime<Utc>,
        seed: &str,
    ) -> Result<Vec<u8>, RenderError> {
        let fonts = &self.inner.fonts;
        let mut doc = PdfDocument::new(&nfc(&format!("{title} {code}")));
        for (style, face) in [(Style::Regular, &fonts.regular), (Style::Bold, &fonts.bold)] {
            doc.resources
                .fonts
                .map
                .insert(style.font_id(), printpdf::PdfFont::new(face.font.clone()));
        }
        let date = printpdf::OffsetDateTime::from_unix_timestamp(stamp.timestamp())
            .map_err(|e| RenderError::Pdf(e.to_owned()))?;
        let digest: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
        let info = &mut doc.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.identifier = hex::encode(digest);
        info.creator = "invest-registry".into();
        info.producer = "invest-registry (printpdf)".into();
        info.subject = nfc(title);
        doc.pages = pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops))
            .collect();
        let save = PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut lo = doc.to_lopdf_document(&save, &mut warnings);
        let id = lopdf::Object::String(digest[..16].to_vec(), lopdf::StringFormat::Hexadecimal);
        lo.trailer
            .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        compress_streams(&mut lo);
        let mut bytes = Vec::new();
        lo.save_to(&mut bytes)
            .map_err(|e| RenderError::Pdf(e.to_string()))?;
        Ok(bytes)
    }
}

/// A field made printable: NFC, white space (line breaks included) folded to single spaces, and
/// control, bidirectional and invisible characters dropped, since they have no glyph and could
/// disguise the text.
fn text(s: &str) -> String {
    clean(s)
        .chars()
        .filter(|c| forbidden_char(c.encode_utf8(&mut [0; 4])).is_none())
        .collect()
}

/// The first letter in upper case ("ngày 13 ..." → "Ngày 13 ...").
fn capitalise_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn vietnam_time(at: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    at.with_timezone(&vietnam())
}

/// "ngày 06 tháng 3 năm 2026", "ngày 13 tháng 02 năm 2026" (Decree 30/2020: a day below 10 and
/// the months 1 and 2 take a leading zero).
fn date_long(d: NaiveDate) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// "thứ Sáu".
fn weekday(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// An appointment with its weekday, so that a reader sees at once which day to come:
/// "thứ Sáu, ngày 06 tháng 3 năm 2026".
fn appointment(d: NaiveDate) -> String {
    format!("{}, {}", weekday(d), date_long(d))
}

/// "Quảng Trị, ngày 13 tháng 02 năm 2026".
fn date_line(place: &str, d: NaiveDate) -> String {
    if place.is_empty() {
        capitalise_first(&date_long(d))
    } else {
        format!("{place}, {}", date_long(d))
    }
}

/// A block of lines in a column: (style, size, text, space before in pt).
struct Block {
    align: Align,
    lines: Vec<(Style, f32, String, f32)>,
}

impl Block {
    /// A signature block: capacity in bold capitals, "(Ký và ghi rõ họ tên)", room to sign, the
    /// name.
    fn signature(capacity: &str, hint: &str, name: &str) -> Self {
        Self {
            align: Align::Center,
            lines: vec![
                (Style::Bold, BODY, capacity.to_owned(), 0.0),
                (Style::Regular, 11.0, hint.to_owned(), 0.0),
                (Style::Bold, BODY, name.to_owned(), mm(SIGNATURE_SPACE_MM)),
            ],
        }
    }
}

/// A [`Block`] wrapped in its column [x0, x1]: (lines, size, space before) per entry.
struct Laid {
    lines: Vec<(Vec<Line>, f32, f32)>,
    align: Align,
    x0: f32,
    x1: f32,
}

impl Laid {
    fn new(fonts: &FontSet, block: Block, x0: f32, x1: f32) -> Self {
        let lines = block
            .lines
            .into_iter()
            .map(|(style, size, t, before)| {
                let lines = wrap(fonts, &[span(style, nfc(&t))], size, x1 - x0, 0.0, 0.0);
                (lines, size, before)
            })
            .collect();
        Self {
            lines,
            align: block.align,
            x0,
            x1,
        }
    }

    fn height(&self, flow: &Flow<'_>) -> f32 {
        self.lines
            .iter()
            .map(|(l, size, before)| before + flow.lines_height(l.len(), *size))
            .sum()
    }
}

/// One rendering: the page flow and the page size.
struct Doc<'a> {
    flow: Flow<'a>,
    page_h: f32,
}

impl<'a> Doc<'a> {
    fn new(fonts: &'a FontSet) -> Self {
        let (page_w, page_h) = (mm(PAGE_W_MM), mm(PAGE_H_MM));
        let top = page_h - mm(MARGIN_TOP_MM);
        Self {
            flow: Flow {
                fonts,
                left: mm(MARGIN_LEFT_MM),
                right: page_w - mm(MARGIN_RIGHT_MM),
                top,
                bottom: mm(MARGIN_BOTTOM_MM),
                spacing: SPACING,
                pages: vec![Vec::new()],
                y: top,
            },
            page_h,
        }
    }

    fn fonts(&self) -> &'a FontSet {
        self.flow.fonts
    }

    fn space(&mut self, pt: f32) {
        self.flow.y -= pt;
    }

    /// Centred lines in the column [x0, x1] from `y` down, on the current page; returns the y
    /// under them and the widest line's width.
    fn column(
        &mut self,
        x0: f32,
        x1: f32,
        mut y: f32,
        style: Style,
        size: f32,
        text: &str,
    ) -> (f32, f32) {
        let lines = wrap(
            self.fonts(),
            &[span(style, nfc(text))],
            size,
            x1 - x0,
            0.0,
            0.0,
        );
        let mut widest: f32 = 0.0;
        for l in &lines {
            let x = x0 + ((x1 - x0) - l.width) / 2.0;
            line_ops(self.flow.ops(), l, size, x, y - size);
            y -= size * SPACING;
            widest = widest.max(l.width);
        }
        (y, widest)
    }

    /// The Decree 30/2020 header: superior and issuing body top left with a short rule under the
    /// body; national name, motto underlined as long as itself and the place and date line top
    /// right. Laid out like the certificate's.
    fn header(&mut self, body: &IssuingBody, date_line: &str) {
        let (left, right, top) = (self.flow.left, self.flow.right, self.flow.top);
        let width = right - left;
        let nat_w = self.fonts().width(Style::Bold, NATIONAL_NAME, NATIONAL);
        let right_w = (width * 0.6).max(nat_w + 6.0).min(width * 0.7);
        let split = right - right_w;
        // The left column reaches into the left margin, as on the certificate, so that the
        // body's name fits on one line.
        let x0 = left - mm(8.0);

        let (y, _) = self.column(
            x0,
            split,
            top,
            Style::Regular,
            HEADER,
            &text(&body.superior),
        );
        let (y, body_w) = self.column(x0, split, y, Style::Bold, HEADER, &text(&body.name));
        let centre = (x0 + split) / 2.0;
        let rule = body_w * 0.4;
        let y_left = y - 2.5;
        if rule > 0.0 {
            hrule(
                self.flow.ops(),
                centre - rule / 2.0,
                centre + rule / 2.0,
                y_left,
                0.6,
            );
        }

        let (y, _) = self.column(split, right, top, Style::Bold, NATIONAL, NATIONAL_NAME);
        let (y, motto_w) = self.column(split, right, y, Style::Bold, MOTTO_SIZE, MOTTO);
        let centre = (split + right) / 2.0;
        // Under the descenders (the column's last baseline is 0.2 size above `y`).
        let y_rule = y - MOTTO_SIZE * 0.12;
        hrule(
            self.flow.ops(),
            centre - motto_w / 2.0,
            centre + motto_w / 2.0,
            y_rule,
            0.6,
        );
        let (y_right, _) = self.column(
            split,
            right,
            y_rule - mm(3.0),
            Style::Regular,
            BODY,
            date_line,
        );
        self.flow.y = y_left.min(y_right) - mm(7.0);
    }

    /// The document's title: bold capitals, centred.
    fn title(&mut self, title: &str) {
        self.centred(&[span(Style::Bold, title)], TITLE);
    }

    /// Centred, wrapped lines across the text width.
    fn centred(&mut self, spans: &[Span], size: f32) {
        let spans: Vec<Span> = spans.iter().map(|s| span(s.style, nfc(&s.text))).collect();
        let (x0, x1) = (self.flow.left, self.flow.right);
        let lines = wrap(self.fonts(), &spans, size, x1 - x0, 0.0, 0.0);
        self.flow.put_lines(&lines, size, x0, x1, Align::Center, 0);
    }

    /// A paragraph of body text across the text width.
    fn para(&mut self, spans: &[Span], first_indent: f32) {
        let spans: Vec<Span> = spans.iter().map(|s| span(s.style, nfc(&s.text))).collect();
        self.flow
            .paragraph(&spans, BODY, first_indent, 0.0, Align::Left, GAP);
    }

    /// A numbered item: the marker at the margin, the text wrapping under its first word.
    fn item(&mut self, marker: &str, spans: &[Span]) {
        let spans: Vec<Span> = spans.iter().map(|s| span(s.style, nfc(&s.text))).collect();
        let marker_w = self.fonts().width(Style::Regular, marker, BODY);
        let hang = mm(6.0).max(marker_w + 3.0);
        let (x0, x1) = (self.flow.left, self.flow.right);
        let mut lines = wrap(self.fonts(), &spans, BODY, x1 - x0, hang, hang);
        if let Some(first) = lines.first_mut() {
            first.pieces.insert(
                0,
                Piece {
                    style: Style::Regular,
                    text: marker.to_owned(),
                    dx: -hang,
                },
            );
        }
        self.flow.put_lines(&lines, BODY, x0, x1, Align::Left, 0);
        self.flow.y -= GAP;
    }

    /// The checklist table: STT, Tên giấy tờ, Đã nộp. Rows wrap; a page break repeats the
    /// header row; a row taller than a page (a pathological name) is split between lines.
    fn table(&mut self, docs: &[SlipDocument]) {
        let fonts = self.fonts();
        let (x0, x3) = (self.flow.left, self.flow.right);
        let x1 = x0 + mm(12.0);
        let x2 = x3 - mm(20.0);
        let pad_x = mm(1.5);
        // Vertical padding (top, bottom): more above, where Vietnamese stacks its diacritics.
        let pad_y = (3.0, 2.0);
        let pad_v = pad_y.0 + pad_y.1;
        let lh = TABLE * SPACING;
        let name_w = x2 - x1 - 2.0 * pad_x;
        let cell = |style: Style, t: &str, w: f32| -> Vec<Line> {
            wrap(fonts, &[span(style, nfc(t))], TABLE, w, 0.0, 0.0)
        };
        let head = [
            cell(Style::Bold, "STT", x1 - x0),
            cell(Style::Bold, "Tên giấy tờ", name_w),
            cell(Style::Bold, "Đã nộp", x3 - x2),
        ];
        let head_h = lh + pad_v;

        self.flow.y -= GAP;
        // The header row never ends a page: keep it with the first row's first line.
        self.flow.ensure(head_h + lh + pad_v);
        self.table_row(&head, [x0, x1, x2, x3], pad_x, pad_y, true);
        for (i, doc) in docs.iter().enumerate() {
            let number = cell(Style::Regular, &(i + 1).to_string(), x1 - x0);
            let mark = cell(
                Style::Regular,
                if doc.provided { "x" } else { "—" },
                x3 - x2,
            );
            let mut name = cell(Style::Regular, &text(&doc.name), name_w);
            if name.is_empty() {
                name.push(Line::default());
            }
            let mut first = true;
            // Just under a (repeated) header row: breaking the page again would not help.
            let mut fresh = false;
            while !name.is_empty() {
                let room = self.flow.room() - pad_v;
                let mut fit = ((room / lh).floor().max(0.0) as usize).min(name.len());
                let whole = name.len() as f32 * lh + pad_v;
                let page_holds_row = whole <= self.flow.top - self.flow.bottom - head_h;
                // A row that a page can hold is not split: it moves to the next page.
                if !fresh && (fit == 0 || (first && fit < name.len() && page_holds_row)) {
                    self.flow.new_page();
                    self.table_row(&head, [x0, x1, x2, x3], pad_x, pad_y, true);
                    fresh = true;
                    continue;
                }
                fit = fit.max(1);
                let rest = name.split_off(fit);
                let cols = if first {
                    [number.clone(), name, mark.clone()]
                } else {
                    [Vec::new(), name, Vec::new()]
                };
                self.table_row(&cols, [x0, x1, x2, x3], pad_x, pad_y, false);
                name = rest;
                first = false;
                fresh = false;
            }
        }
        self.flow.y -= GAP * 2.0;
    }

    /// One table row (or the part of one on this page) at the flow's position: borders, then the
    /// cells (first and last centred, the middle one left-aligned).
    fn table_row(
        &mut self,
        cols: &[Vec<Line>; 3],
        xs: [f32; 4],
        pad_x: f32,
        pad_y: (f32, f32),
        centre_all: bool,
    ) {
        let lh = TABLE * SPACING;
        let n = cols.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let h = n as f32 * lh + pad_y.0 + pad_y.1;
        let top = self.flow.y;
        let bottom = top - h;
        let t = 0.5;
        let mut rings = vec![
            rect_ring(xs[0], top - t / 2.0, xs[3] - xs[0], t),
            rect_ring(xs[0], bottom - t / 2.0, xs[3] - xs[0], t),
        ];
        for x in xs {
            rings.push(rect_ring(x - t / 2.0, bottom - t / 2.0, t, h + t));
        }
        fill_rings(self.flow.ops(), rings, black());
        for (k, lines) in cols.iter().enumerate() {
            let (c0, c1) = (xs[k], xs[k + 1]);
            for (j, l) in lines.iter().enumerate() {
                let baseline = top - pad_y.0 - j as f32 * lh - lh + TABLE * 0.3;
                let x = if k == 1 && !centre_all {
                    c0 + pad_x
                } else {
                    c0 + ((c1 - c0) - l.width) / 2.0
                };
                line_ops(self.flow.ops(), l, TABLE, x, baseline);
            }
        }
        self.flow.y = bottom;
    }

    /// The QR code of the tracking page at the left, and beside it the tracking line and the
    /// boxed secret (or the line saying it was given at receipt).
    fn tracking(&mut self, url: &str, secret: Option<&str>) {
        let url = text(url);
        let fonts = self.fonts();
        // A URL too long for any QR version still gets printed; only the code is left out.
        let qr = (!url.is_empty())
            .then(|| {
                qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
                    .or_else(|_| {
                        qrcode::QrCode::with_error_correction_level(
                            url.as_bytes(),
                            qrcode::EcLevel::L,
                        )
                    })
                    .ok()
            })
            .flatten();
        // Modules of about 0.6 mm read well from print and from a 150-200 dpi scan; the side stays
        // between 24 and 45 mm whatever the URL's length.
        let side = qr.as_ref().map_or(0.0, |q| {
            (q.width() as f32 * mm(0.6)).clamp(mm(24.0), mm(45.0))
        });
        let (left, right) = (self.flow.left, self.flow.right);
        let x0 = if qr.is_some() {
            left + side + mm(5.0)
        } else {
            left
        };
        let width = right - x0;

        let mut tracking_spans = Vec::new();
        if !url.is_empty() {
            let lead = if qr.is_some() {
                "Tra cứu tình trạng hồ sơ: quét mã QR hoặc truy cập "
            } else {
                "Tra cứu tình trạng hồ sơ: truy cập "
            };
            tracking_spans.push(span(Style::Regular, nfc(lead)));
            tracking_spans.push(span(Style::Bold, nfc(&url)));
        }
        let tracking = wrap(fonts, &tracking_spans, BODY, width, 0.0, 0.0);
        let pad = mm(2.5);
        let secret = secret.map(text).filter(|s| !s.is_empty());
        let (secret_lines, boxed) = match &secret {
            Some(s) => (
                wrap(
                    fonts,
                    &[
                        span(
                            Style::Regular,
                            nfc("Mã bí mật tra cứu (giữ kín, chỉ dùng để xem chi tiết, tải \
                                 kết quả và đánh giá): "),
                        ),
                        span(Style::Bold, nfc(s)),
                    ],
                    BODY,
                    width - 2.0 * pad,
                    0.0,
                    0.0,
                ),
                true,
            ),
            None => (
                wrap(
                    fonts,
                    &[span(
                        Style::Regular,
                        nfc("Mã bí mật đã được cấp khi tiếp nhận hồ sơ."),
                    )],
                    BODY,
                    width,
                    0.0,
                    0.0,
                ),
                false,
            ),
        };
        let lh = self.flow.line_height(BODY);
        let text_h = tracking.len() as f32 * lh
            + mm(3.0)
            + secret_lines.len() as f32 * lh
            + if boxed { 2.0 * pad } else { 0.0 };
        let block_h = side.max(text_h);
        // Keep the block together when a page can hold it.
        if block_h <= self.flow.top - self.flow.bottom {
            self.flow.ensure(block_h);
        }
        let y0 = self.flow.y;
        let first_page = self.flow.pages.len();
        if let Some(q) = &qr {
            qr_ops(self.flow.ops(), q, left, y0 - side, side);
            link(self.flow.ops(), &url, left, y0 - side, side);
        }
        self.flow
            .put_lines(&tracking, BODY, x0, right, Align::Left, 0);
        self.flow.y -= mm(3.0);
        if boxed {
            let box_h = secret_lines.len() as f32 * lh + 2.0 * pad;
            if box_h <= self.flow.top - self.flow.bottom {
                self.flow.ensure(box_h);
            }
            let box_top = self.flow.y;
            let box_page = self.flow.pages.len();
            self.flow.y -= pad;
            self.flow
                .put_lines(&secret_lines, BODY, x0 + pad, right - pad, Align::Left, 0);
            self.flow.y -= pad;
            // The box is drawn on the page where it ends: around the whole text when it started
            // there (always, unless the secret is longer than a page), else around this page's part.
            let box_top = if self.flow.pages.len() == box_page {
                box_top
            } else {
                self.flow.top
            };
            let y = self.flow.y;
            frame(self.flow.ops(), x0, y, right - x0, box_top - y, 0.8);
        } else {
            self.flow
                .put_lines(&secret_lines, BODY, x0, right, Align::Left, 0);
        }
        if self.flow.pages.len() == first_page {
            self.flow.y = self.flow.y.min(y0 - side);
        }
    }

    /// Two blocks side by side (left, right), the left taking `split` of the text width; they
    /// move to a new page together when this one cannot hold them, and are stacked when even a
    /// page cannot.
    fn blocks(&mut self, left: Option<Block>, right: Option<Block>, split: f32) {
        let fonts = self.fonts();
        let mid = self.flow.left + self.flow.width() * split;
        let cols = [(left, self.flow.left, mid), (right, mid, self.flow.right)];
        let laid: Vec<Laid> = cols
            .into_iter()
            .filter_map(|(b, x0, x1)| b.map(|b| Laid::new(fonts, b, x0, x1)))
            .collect();
        let tallest = laid
            .iter()
            .map(|l| l.height(&self.flow))
            .fold(0.0_f32, f32::max);
        let fits_a_page = tallest <= self.flow.top - self.flow.bottom;
        if fits_a_page {
            self.flow.ensure(tallest);
        }
        let y0 = self.flow.y;
        let mut lowest = y0;
        for block in laid {
            if fits_a_page {
                self.flow.y = y0;
            }
            for (lines, size, before) in &block.lines {
                self.flow.y -= before;
                self.flow
                    .put_lines(lines, *size, block.x0, block.x1, block.align, 0);
            }
            lowest = lowest.min(self.flow.y);
        }
        if fits_a_page {
            self.flow.y = lowest;
        }
    }

    /// The pages with their running heads and notices: from page 2 the page number and the
    /// dossier code in the top margin (Decree 30 numbers pages from the second, centred at the
    /// top; the code keeps a loose page with its dossier), and on every page the development
    /// notice when asked for.
    fn finish(mut self, code: &str, development: bool) -> Vec<Vec<Op>> {
        let fonts = self.fonts();
        let pages = std::mem::take(&mut self.flow.pages);
        let n = pages.len();
        let centre = (self.flow.left + self.flow.right) / 2.0;
        let width = self.flow.width();
        let one_line = |style: Style, t: &str| -> Vec<Line> {
            wrap(fonts, &[span(style, nfc(t))], SMALL, width, 0.0, 0.0)
        };
        pages
            .into_iter()
            .enumerate()
            .map(|(i, mut ops)| {
                if i > 0 {
                    let head =
                        one_line(Style::Regular, &format!("{}/{n} – Mã hồ sơ: {code}", i + 1));
                    for (k, l) in head.iter().enumerate() {
                        let y = self.page_h - mm(12.0) - k as f32 * SMALL * 1.2;
                        line_ops(&mut ops, l, SMALL, centre - l.width / 2.0, y);
                    }
                }
                if development {
                    let lines = one_line(Style::Regular, DEVELOPMENT_NOTICE);
                    ops.push(Op::SetFillColor {
                        col: rgb(0.75, 0.1, 0.1),
                    });
                    for (k, l) in lines.iter().enumerate() {
                        let y = mm(10.0) + (lines.len() - 1 - k) as f32 * SMALL * 1.2;
                        line_ops(&mut ops, l, SMALL, centre - l.width / 2.0, y);
                    }
                    ops.push(Op::SetFillColor { col: black() });
                }
                ops
            })
            .collect()
    }
}

/// The outline of a rectangle (x, y = lower left), `t` points thick.
fn frame(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, t: f32) {
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    fill_rings(
        ops,
        vec![
            rect_ring(x, y, w, t),
            rect_ring(x, y + h - t, w, t),
            rect_ring(x, y, t, h),
            rect_ring(x + w - t, y, t, h),
        ],
        black(),
    );
}

/// The QR code as vector modules in the square at (`x`, `y`) (lower left) of side `side`: one
/// rectangle per horizontal run of dark modules, in module units under a scaling matrix, as on
/// the certificate. The page around it is blank, which gives the quiet zone.
fn qr_ops(ops: &mut Vec<Op>, qr: &qrcode::QrCode, x: f32, y: f32, side: f32) {
    let n = qr.width();
    if n == 0 {
        return;
    }
    let colors = qr.to_colors();
    let module = side / n as f32;
    let mut rings = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors.get(row * n + col) == Some(&qrcode::Color::Dark) {
                let start = col;
                while col < n && colors.get(row * n + col) == Some(&qrcode::Color::Dark) {
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
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetTransformationMatrix {
        matrix: printpdf::CurTransMat::Raw([module, 0.0, 0.0, module, x, y]),
    });
    fill_rings(ops, rings, black());
    ops.push(Op::RestoreGraphicsState);
}

/// A borderless link to `url` over the square at (`x`, `y`) of side `side`, so that a reader of
/// the PDF on screen can click the QR code.
fn link(ops: &mut Vec<Op>, url: &str, x: f32, y: f32, side: f32) {
    use printpdf::{Actions, BorderArray, ColorArray, LinkAnnotation, Rect};
    let rect = Rect::from_xywh(Pt(x), Pt(y), Pt(side), Pt(side));
    ops.push(Op::LinkAnnotation {
        link: LinkAnnotation::new(
            rect,
            Actions::Uri(url.to_owned()),
            Some(BorderArray::Solid([0.0, 0.0, 0.0])),
            Some(ColorArray::Transparent),
            None,
        ),
    });
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::{DateTime, NaiveDate, Utc};

    use super::super::tests_support::{pdftotext, renderer, tool};
    use super::{ApologyLetter, ReceiptSlip, SlipDocument, appointment, date_long};
    use crate::domain::certificate::content::IssuingBody;

    /// Whitespace collapsed, so a phrase wrapped across lines still matches.
    fn squash(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn text_of(bytes: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        pdftotext(bytes, dir.path()).map(|t| squash(&t))
    }

    fn pages(bytes: &[u8]) -> usize {
        lopdf::Document::load_mem(bytes).unwrap().get_pages().len()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn body() -> IssuingBody {
        IssuingBody {
            superior: "UBND TỈNH QUẢNG TRỊ".into(),
            name: "BAN QUẢN LÝ KHU KINH TẾ".into(),
            place: "Quảng Trị".into(),
        }
    }

    const URL: &str = "https://dkdt.quangtri.gov.vn/ho-so/BQLKKT-260213-0007";
    const SECRET: &str = "K7QM-8XWP-3HDA";
    const PROCEDURE: &str = "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện \
                             chấp thuận chủ trương đầu tư";

    /// A dossier handed in at the counter in Đông Hà: received 14:05 on 13 February 2026 (07:05
    /// UTC), due on Friday 6 March 2026.
    fn slip() -> ReceiptSlip {
        let docs = [
            ("Văn bản đề nghị thực hiện dự án đầu tư", true),
            (
                "Bản sao Giấy chứng nhận đăng ký doanh nghiệp của nhà đầu tư",
                true,
            ),
            ("Đề xuất dự án đầu tư", true),
            (
                "Bản sao báo cáo tài chính 02 năm gần nhất của nhà đầu tư hoặc cam kết hỗ trợ tài \
                 chính của công ty mẹ, cam kết hỗ trợ tài chính của tổ chức tài chính",
                true,
            ),
            (
                "Bản sao hợp đồng thuê lại đất với Công ty Phát triển hạ tầng Khu kinh tế Đông \
                 Nam Quảng Trị",
                true,
            ),
            (
                "Giải trình về sử dụng công nghệ (đối với dự án thuộc diện thẩm định, lấy ý kiến \
                 về công nghệ)",
                false,
            ),
            (
                "Hợp đồng BCC (đối với dự án theo hình thức hợp đồng BCC)",
                false,
            ),
        ];
        ReceiptSlip {
            issuing_body: body(),
            receipt_code: "BQLKKT-260213-0007".into(),
            procedure_name: PROCEDURE.into(),
            applicant_name: "Công ty Cổ phần Điện tử Ánh Dương".into(),
            applicant_contact: Some(
                "Bà Nguyễn Thị Hồng Nhung – điện thoại 0233 3852 468 – thư điện tử \
                 phaply@anhduong.vn"
                    .into(),
            ),
            subject: "Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị".into(),
            documents: docs
                .iter()
                .map(|(name, provided)| SlipDocument {
                    name: (*name).into(),
                    provided: *provided,
                })
                .collect(),
            received_at: utc("2026-02-13T07:05:00Z"),
            complete: true,
            due_date: Some(date(2026, 3, 6)),
            deadline_text: Some("15 ngày".into()),
            channel_online: false,
            clerk_name: Some("Lê Thị Thu Hà".into()),
            tracking_url: URL.into(),
            tracking_secret: Some(SECRET.into()),
            development: false,
        }
    }

    /// An online filing still awaiting its completeness check, reprinted (no secret).
    fn online_slip() -> ReceiptSlip {
        ReceiptSlip {
            receipt_code: "BQLKKT-260213-0012".into(),
            applicant_name: "Ông Kim Min-jun".into(),
            applicant_contact: None,
            complete: false,
            due_date: None,
            deadline_text: Some("7 ngày làm việc".into()),
            channel_online: true,
            clerk_name: None,
            tracking_url: "https://dkdt.quangtri.gov.vn/ho-so/BQLKKT-260213-0012".into(),
            tracking_secret: None,
            development: true,
            ..slip()
        }
    }

    fn letter() -> ApologyLetter {
        ApologyLetter {
            issuing_body: body(),
            receipt_code: "BQLKKT-260213-0007".into(),
            applicant_name: "Công ty Cổ phần Điện tử Ánh Dương".into(),
            procedure_name: PROCEDURE.into(),
            received_at: utc("2026-02-13T07:05:00Z"),
            due_date: date(2026, 3, 6),
            reason: "Dự án sử dụng đất tiếp giáp hành lang bảo vệ bờ biển; Ban Quản lý Khu kinh \
                     tế đã lấy ý kiến bổ sung của Sở Nông nghiệp và Môi trường tỉnh Quảng Trị \
                     ngày 25 tháng 02 năm 2026 nhưng đến nay chưa nhận được ý kiến trả lời."
                .into(),
            new_date: date(2026, 3, 20),
            issued_at: utc("2026-03-05T02:30:00Z"),
            issued_by_name: "Trần Văn Phúc".into(),
            development: false,
        }
    }

    fn render_slip(s: &ReceiptSlip) -> Vec<u8> {
        renderer().receipt_slip(s).unwrap()
    }

    fn render_letter(l: &ApologyLetter) -> Vec<u8> {
        renderer().apology_letter(l).unwrap()
    }

    #[test]
    fn dates_follow_decree_30() {
        assert_eq!(date_long(date(2026, 2, 13)), "ngày 13 tháng 02 năm 2026");
        assert_eq!(date_long(date(2026, 3, 6)), "ngày 06 tháng 3 năm 2026");
        assert_eq!(date_long(date(2026, 11, 30)), "ngày 30 tháng 11 năm 2026");
        assert_eq!(
            appointment(date(2026, 3, 6)),
            "thứ Sáu, ngày 06 tháng 3 năm 2026"
        );
        assert_eq!(
            appointment(date(2026, 3, 8)),
            "Chủ nhật, ngày 08 tháng 3 năm 2026"
        );
    }

    #[test]
    fn the_slip_prints_form_01_in_vietnamese() {
        let bytes = render_slip(&slip());
        assert_eq!(pages(&bytes), 1, "the usual slip fits one page");
        let Some(text) = text_of(&bytes) else { return };
        for expected in [
            "UBND TỈNH QUẢNG TRỊ",
            "BAN QUẢN LÝ KHU KINH TẾ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Quảng Trị, ngày 13 tháng 02 năm 2026",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Mã hồ sơ: BQLKKT-260213-0007",
            "tiếp nhận hồ sơ của: Công ty Cổ phần Điện tử Ánh Dương",
            "phaply@anhduong.vn",
            &format!("Nội dung yêu cầu giải quyết: {}", squash(PROCEDURE)),
            "Dự án: Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị",
            "Hình thức nộp: Nộp trực tiếp tại Bộ phận Một cửa",
            "Thành phần hồ sơ nộp gồm:",
            "STT Tên giấy tờ Đã nộp",
            "Đề xuất dự án đầu tư",
            "Thời gian giải quyết hồ sơ theo quy định là: 15 ngày",
            "Thời gian nhận hồ sơ: Hồi 14 giờ 05 phút, ngày 13 tháng 02 năm 2026",
            "Ngày hẹn trả kết quả: thứ Sáu, ngày 06 tháng 3 năm 2026",
            "Tra cứu tình trạng hồ sơ: quét mã QR hoặc truy cập",
            "Mã bí mật tra cứu (giữ kín, chỉ dùng để xem chi tiết, tải kết quả và đánh giá): \
             K7QM-8XWP-3HDA",
            "NGƯỜI NỘP HỒ SƠ",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
            "Lê Thị Thu Hà",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(text.contains(URL), "{text}");
        assert!(!text.contains("Dữ liệu mẫu"));
        // Two documents not handed in, five handed in.
        assert_eq!(text.matches(" — ").count(), 2, "{text}");
    }

    #[test]
    fn an_incomplete_online_slip_sets_no_date_and_hides_no_secret() {
        let bytes = render_slip(&online_slip());
        let Some(text) = text_of(&bytes) else { return };
        for expected in [
            "Mã hồ sơ: BQLKKT-260213-0012",
            "Hình thức nộp: Nộp trực tuyến",
            "ngày hẹn trả kết quả sẽ được xác định và thông báo khi hồ sơ đầy đủ, hợp lệ",
            "Thời gian giải quyết hồ sơ theo quy định là: 7 ngày làm việc",
            "Mã bí mật đã được cấp khi tiếp nhận hồ sơ.",
            "Dữ liệu mẫu – không có giá trị pháp lý",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        for absent in [
            "Mã bí mật tra cứu",
            "K7QM",
            "NGƯỜI NỘP HỒ SƠ",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "Liên hệ:",
            "thứ Sáu",
        ] {
            assert!(!text.contains(absent), "unexpected {absent:?} in:\n{text}");
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let s = slip();
        let debug = format!("{s:?}");
        assert!(!debug.contains(SECRET));
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn the_apology_prints_form_04_in_vietnamese() {
        let bytes = render_letter(&letter());
        assert_eq!(pages(&bytes), 1);
        let Some(text) = text_of(&bytes) else { return };
        for expected in [
            "UBND TỈNH QUẢNG TRỊ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Quảng Trị, ngày 05 tháng 3 năm 2026",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Kính gửi: Công ty Cổ phần Điện tử Ánh Dương",
            "Ngày 13 tháng 02 năm 2026, Ban quản lý khu kinh tế tiếp nhận giải quyết hồ sơ của \
             Công ty Cổ phần Điện tử Ánh Dương",
            &squash(PROCEDURE),
            "Mã hồ sơ: BQLKKT-260213-0007",
            "Thời hạn trả kết quả giải quyết hồ sơ: thứ Sáu, ngày 06 tháng 3 năm 2026.",
            "chưa trả kết quả giải quyết hồ sơ đúng thời hạn ghi trên Giấy tiếp nhận hồ sơ và \
             hẹn trả kết quả",
            "Lý do: Dự án sử dụng đất tiếp giáp hành lang bảo vệ bờ biển",
            "xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào thứ Sáu, ngày 20 \
             tháng 3 năm 2026.",
            "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.",
            "Nơi nhận:",
            "Trần Văn Phúc",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        assert_eq!(render_slip(&slip()), render_slip(&slip()));
        assert_eq!(render_slip(&online_slip()), render_slip(&online_slip()));
        assert_eq!(render_letter(&letter()), render_letter(&letter()));
        let fresh = super::super::Renderer::new().unwrap();
        assert_eq!(fresh.receipt_slip(&slip()).unwrap(), render_slip(&slip()));
        // And a different input gives a different document identifier.
        let mut other = slip();
        other.receipt_code = "BQLKKT-260213-0008".into();
        assert_ne!(render_slip(&other), render_slip(&slip()));
    }

    /// Renders page `page` at 200 dpi and returns what zbarimg reads, or `None` without tools.
    fn scan(bytes: &[u8], page: usize, dir: &Path) -> Option<String> {
        let pdf = dir.join("s.pdf");
        std::fs::write(&pdf, bytes).unwrap();
        let png = dir.join("p");
        let p = page.to_string();
        tool(
            "pdftoppm",
            &[
                "-r",
                "200",
                "-png",
                "-singlefile",
                "-f",
                &p,
                "-l",
                &p,
                &pdf.to_string_lossy(),
                &png.to_string_lossy(),
            ],
        )?;
        tool(
            "zbarimg",
            &["-q", "--raw", &format!("{}.png", png.to_string_lossy())],
        )
    }

    #[test]
    fn the_qr_code_scans_to_the_tracking_url() {
        let dir = tempfile::tempdir().unwrap();
        let Some(out) = scan(&render_slip(&slip()), 1, dir.path()) else {
            return;
        };
        assert_eq!(out.trim(), URL);
        // And the PDF links the code to the same page.
        let bytes = render_slip(&slip());
        let literal = format!("/URI({URL})");
        assert!(
            bytes
                .windows(literal.len())
                .any(|w| w == literal.as_bytes()),
            "no link annotation"
        );
    }

    /// Forty documents: the table runs onto page 2 with its header repeated, and the rest of
    /// the slip follows.
    fn forty() -> ReceiptSlip {
        let mut s = slip();
        s.documents = (1..=40)
            .map(|i| SlipDocument {
                name: format!("Giấy tờ số {i:02}: bản sao văn bản chấp thuận liên quan đến dự án"),
                provided: i % 3 != 0,
            })
            .collect();
        s
    }

    #[test]
    fn forty_documents_span_two_pages_and_keep_everything() {
        let s = forty();
        let bytes = render_slip(&s);
        assert_eq!(pages(&bytes), 2);
        let dir = tempfile::tempdir().unwrap();
        if let Some(out) = scan(&bytes, 2, dir.path()) {
            assert_eq!(out.trim(), URL, "the QR code is on page 2");
        }
        let Some(text) = text_of(&bytes) else { return };
        for i in 1..=40 {
            let name = format!("Giấy tờ số {i:02}:");
            assert!(text.contains(&name), "missing {name}");
        }
        assert_eq!(
            text.matches("STT Tên giấy tờ Đã nộp").count(),
            2,
            "header repeated"
        );
        for expected in [
            "2/2 – Mã hồ sơ: BQLKKT-260213-0007",
            "Ngày hẹn trả kết quả: thứ Sáu, ngày 06 tháng 3 năm 2026",
            SECRET,
            "Lê Thị Thu Hà",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    /// The letter with a 5,000-character reason in three paragraphs.
    fn long_letter() -> ApologyLetter {
        let sentence = "Hồ sơ phải lấy ý kiến của Bộ Tài chính, Bộ Nông nghiệp và Môi trường và Ủy \
                        ban nhân dân tỉnh về sự phù hợp với quy hoạch. ";
        let part = sentence.repeat(16);
        ApologyLetter {
            reason: format!("{part}\n{part}\n\n{part}"),
            ..letter()
        }
    }

    #[test]
    fn a_5000_character_reason_renders_on_more_pages() {
        let l = long_letter();
        assert!(l.reason.chars().count() >= 5_000);
        let bytes = render_letter(&l);
        assert!(pages(&bytes) >= 2);
        let Some(text) = text_of(&bytes) else { return };
        assert!(text.contains("Trần Văn Phúc"));
        let n = text.split_whitespace().filter(|w| *w == "quy").count();
        assert!(n >= 48, "{n}");
    }

    /// Everything at once that could break a layout: empty names, a 3,000-character word, control,
    /// bidirectional and invisible characters, glyphs the font lacks, a 6,000-character document
    /// name, a URL too long for any QR code and an overlong secret.
    fn stress_slip() -> ReceiptSlip {
        let long_word = "X".repeat(3_000);
        ReceiptSlip {
            issuing_body: IssuingBody {
                superior: String::new(),
                name: String::new(),
                place: String::new(),
            },
            receipt_code: String::new(),
            procedure_name: format!("{long_word} \u{202E}\u{0}\t\r\nthủ tục\u{200B}"),
            applicant_name: "🙂 李小龍 ".repeat(50),
            applicant_contact: Some(String::new()),
            subject: String::new(),
            documents: vec![
                SlipDocument {
                    name: String::new(),
                    provided: true,
                },
                SlipDocument {
                    name: "Tên rất dài ".repeat(500),
                    provided: false,
                },
            ],
            deadline_text: Some("\n".into()),
            clerk_name: Some("Nguyễn ".repeat(300)),
            tracking_url: format!("https://dkdt.quangtri.gov.vn/{}", "a".repeat(4_000)),
            tracking_secret: Some(long_word),
            ..slip()
        }
    }

    #[test]
    fn hostile_and_empty_input_never_panics() {
        let mut s = stress_slip();
        assert!(render_slip(&s).starts_with(b"%PDF"));
        s.documents.clear();
        s.tracking_url = String::new();
        s.tracking_secret = Some(String::new());
        s.clerk_name = None;
        assert!(render_slip(&s).starts_with(b"%PDF"));
        // The earliest instant chrono knows is before what a PDF date can hold: an error, not a
        // panic.
        s.received_at = DateTime::<Utc>::MIN_UTC;
        assert!(matches!(
            renderer().receipt_slip(&s),
            Err(super::super::RenderError::Pdf(_))
        ));

        let mut l = letter();
        l.reason = "\n\n".into();
        l.applicant_name = "X".repeat(3_000);
        l.issued_by_name = String::new();
        l.issuing_body.name = "X".repeat(3_000);
        let bytes = render_letter(&l);
        let Some(text) = text_of(&bytes) else { return };
        assert!(text.contains("Lý do: —"), "{text}");
    }

    /// Writes the samples looked at by eye, and their PNGs at 80 dpi, to `ONESTOP_SAMPLES_DIR`
    /// (default /tmp/onestop-samples).
    #[test]
    #[ignore = "writes files for a visual check"]
    fn write_samples_for_visual_check() {
        let dir =
            std::env::var("ONESTOP_SAMPLES_DIR").unwrap_or_else(|_| "/tmp/onestop-samples".into());
        std::fs::create_dir_all(&dir).unwrap();
        // Stale pages of an earlier run would be mistaken for this one's.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "png") {
                std::fs::remove_file(path).unwrap();
            }
        }
        let samples = [
            ("receipt", render_slip(&slip())),
            ("receipt-online", render_slip(&online_slip())),
            ("receipt-40-documents", render_slip(&forty())),
            ("apology", render_letter(&letter())),
            ("apology-long-reason", render_letter(&long_letter())),
            ("receipt-stress", render_slip(&stress_slip())),
        ];
        for (name, bytes) in samples {
            let pdf = format!("{dir}/{name}.pdf");
            std::fs::write(&pdf, &bytes).unwrap();
            println!("{name}: {} pages, {} bytes", pages(&bytes), bytes.len());
            tool(
                "pdftoppm",
                &["-r", "80", "-png", &pdf, &format!("{dir}/{name}")],
            );
        }
    }
}

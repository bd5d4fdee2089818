//! Content checks for the attachments applicants upload with their dossiers (PDF, PNG, JPEG).
//!
//! The upload endpoint is public and needs no account, so every byte here is treated as
//! hostile. [`inspect`] decides what a file is from its content alone (the name is only checked
//! for agreement), bounds-checks every length it reads, and refuses anything broken or built to
//! hurt whoever opens it later, with a [`Refusal`] whose [`code`](Refusal::code) and
//! [`message`](Refusal::message) become an RFC 9457 problem for the client.
//!
//! Nothing here does I/O. The work is CPU-bound: a few milliseconds for an ordinary upload,
//! at most a few hundred for a hostile 10 MiB one in a release build (unoptimised test builds
//! are 10 to 50 times slower), so callers on an async executor should run it with
//! `spawn_blocking`. Decompression is only counted (into a sink, against a budget), never kept.
//!
//! # What each kind must satisfy
//!
//! * **PDF**: `%PDF-` at offset 0 (strict: a PDF with bytes before its header is refused, so
//!   that the type decision is unambiguous and a file cannot be two formats at once); `%%EOF`
//!   within the last KiB, followed only by whitespace or NULs. Then a linear scan, before any
//!   PDF library sees the file, reads every top-level object and
//!   - counts what each stream's filter chain (Flate, LZW, ASCII85, ASCIIHex, RunLength, in any
//!     combination) inflates to, stopping at [`Limits::max_inflated_bytes`] in all or at an
//!     expansion no single Flate pass can reach;
//!   - refuses encryption (staff must be able to open the file, and encrypted streams cannot be
//!     checked), images in the PDF larger than [`Limits::max_pixels`], and the structures
//!     `lopdf` 0.44 trusts too much, each of which was shown to cost it seconds of CPU, gigabytes
//!     of memory or an abort from a small file: see the `pdf` module.
//!
//!   Then `lopdf` loads the file (on its own thread, a panic in it caught) and the page tree
//!   must have between 1 and [`Limits::max_pages`] pages.
//! * **PNG**: a valid `IHDR` first (non-zero size, valid bit depth and colour type), at most
//!   `max_pixels` pixels, chunk lengths within the file, correct CRCs on critical chunks, at
//!   least one `IDAT`, and `IEND` as the last bytes. Compressed text and ICC chunks count
//!   against the inflation budget. Pixel data is not decoded.
//! * **JPEG**: every marker segment within the file, one frame header (`SOFn`) with a non-zero
//!   size of at most `max_pixels`, at least one scan, and `EOI`. After `EOI` only zero padding
//!   or further complete JPEG images (the gain map of an "Ultra HDR" photo, the second picture
//!   of an MPO) may follow; anything else, such as the video of a "motion photo", is refused as
//!   trailing data.
//!
//! # Names
//!
//! [`sanitize_file_name`] makes the name safe to store and show; [`inspect`] refuses a name
//! whose extension names another type than the content (see there).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::ops::Range;

use flate2::read::{DeflateDecoder, ZlibDecoder};
use unicode_normalization::UnicodeNormalization;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// An accepted kind of attachment, as decided from the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A PDF document.
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
}

impl FileKind {
    /// A stable lower-case name for storage and logs: `"pdf"`, `"png"` or `"jpeg"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpeg",
        }
    }

    /// The media type to serve the file with.
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    /// The usual extension (without the dot), for naming a download.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
        }
    }

    /// Every extension (lower case, without the dot) that names this kind.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
        }
    }

    /// The kind an extension (without the dot, any case) names, if it names an accepted one.
    pub fn from_extension(extension: &str) -> Option<FileKind> {
        [FileKind::Pdf, FileKind::Png, FileKind::Jpeg]
            .into_iter()
            .find(|kind| {
                kind.extensions()
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(extension))
            })
    }

    /// How messages to the client name the kind.
    fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF document",
            FileKind::Png => "PNG image",
            FileKind::Jpeg => "JPEG image",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much an upload may cost to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes; larger ones are refused without being read.
    pub max_bytes: usize,
    /// Most bytes that all compressed data in one file may expand to (every filter layer of
    /// every PDF stream, PNG text and ICC chunks). It bounds CPU only: nothing inflated is kept.
    pub max_inflated_bytes: u64,
    /// Most pixels (width times height) of an image, or of any image inside a PDF; a larger
    /// claim is how an "image bomb" makes a viewer allocate gigabytes.
    pub max_pixels: u64,
    /// Most pages in a PDF.
    pub max_pages: u32,
}

impl Default for Limits {
    /// 10 MiB uploads, 256 MiB of inflated data, 40 megapixels, 500 pages.
    ///
    /// The inflation budget is a multiple of the upload size because genuine PDFs whose images
    /// use Flate (screenshots, exported slides) commonly expand 5 to 20 times; it costs only
    /// CPU time (under 0.1 s for 256 MiB of zeros in a release build), never memory. 40 megapixels
    /// covers an A4 page scanned at 600 dpi (35 MP) and every phone camera in common use.
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_inflated_bytes: 256 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_pages: 500,
        }
    }
}

/// What [`inspect`] found in an accepted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    /// The kind, decided from the content.
    pub kind: FileKind,
    /// Number of pages, for a PDF.
    pub pages: Option<u32>,
    /// Width in pixels, for an image.
    pub width: Option<u32>,
    /// Height in pixels, for an image.
    pub height: Option<u32>,
}

/// Why a file was refused. [`Refusal::code`] is stable; [`Refusal::message`] is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file has no bytes.
    Empty,
    /// The file is larger than [`Limits::max_bytes`].
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The content is not a PDF, PNG or JPEG.
    UnknownType {
        /// What the content looks like instead, when it is recognisable, as a phrase such as
        /// `"a ZIP archive"`.
        looks_like: Option<&'static str>,
    },
    /// The file name's extension names another type than the content is.
    NameDisagrees {
        /// The extension the name ends in, lower case, without the dot.
        name_says: &'static str,
        /// What the content is.
        content_is: FileKind,
    },
    /// The file stops before its end: it was cut off in transfer or saved incompletely.
    Truncated {
        /// What the content is.
        kind: FileKind,
    },
    /// Bytes follow the end of the file's format: appended data, such as the video of a
    /// "motion photo", or a file made to be two formats at once.
    TrailingData {
        /// What the content is.
        kind: FileKind,
    },
    /// The content is broken or breaks the format's rules.
    Malformed {
        /// What the content is.
        kind: FileKind,
        /// A short English phrase saying what is wrong, to follow "because".
        reason: String,
    },
    /// The PDF is encrypted (with or without a password to open it).
    Encrypted,
    /// Compressed data in the file expands to more than [`Limits::max_inflated_bytes`], or far
    /// more than any genuine file of its kind could.
    DecompressionBomb {
        /// What the content is.
        kind: FileKind,
    },
    /// The image (or an image inside the PDF) has more than [`Limits::max_pixels`] pixels.
    TooManyPixels {
        /// What the content is.
        kind: FileKind,
        /// Claimed width in pixels.
        width: u64,
        /// Claimed height in pixels.
        height: u64,
        /// The limit, in pixels.
        limit: u64,
    },
    /// The PDF has more than [`Limits::max_pages`] pages.
    TooManyPages {
        /// The limit.
        limit: u32,
    },
}

impl Refusal {
    /// A stable `snake_case` code for the problem type, e.g. `"truncated"`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::UnknownType { .. } => "unknown_type",
            Refusal::NameDisagrees { .. } => "name_disagrees",
            Refusal::Truncated { .. } => "truncated",
            Refusal::TrailingData { .. } => "trailing_data",
            Refusal::Malformed { .. } => "malformed",
            Refusal::Encrypted => "encrypted",
            Refusal::DecompressionBomb { .. } => "decompression_bomb",
            Refusal::TooManyPixels { .. } => "too_many_pixels",
            Refusal::TooManyPages { .. } => "too_many_pages",
        }
    }

    /// A clear English sentence for the client saying what is wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            Refusal::Empty => {
                "The file is empty. Please choose the file again and upload it.".to_owned()
            }
            Refusal::TooLarge { limit } => format!(
                "The file is larger than the {} allowed. Please reduce its size (for example by \
                 scanning at a lower resolution) or split it into several files.",
                human_bytes(*limit)
            ),
            Refusal::UnknownType { looks_like } => {
                let what = looks_like.map_or(String::new(), |w| format!(" (it looks like {w})"));
                format!(
                    "This file is not a PDF document, PNG image or JPEG image{what}. Only PDF, \
                     PNG and JPEG files are accepted; please convert the file to one of them."
                )
            }
            Refusal::NameDisagrees {
                name_says,
                content_is,
            } => format!(
                "The file name ends in .{name_says}, but the file is a {}. Please rename it to \
                 end in .{} or upload the file you meant to.",
                content_is.label(),
                content_is.extension()
            ),
            Refusal::Truncated { kind } => format!(
                "The {} is incomplete: it ends before its last part, as happens when a download \
                 or copy is interrupted. Please upload a complete copy.",
                kind.label()
            ),
            Refusal::TrailingData { kind } => format!(
                "The {} has extra data after its end (some phones add a video or other data to \
                 photos this way). Please save or export it again as a plain {} and upload that.",
                kind.label(),
                kind.as_str().to_uppercase()
            ),
            Refusal::Malformed { kind, reason } => format!(
                "The {} is damaged or not valid, because {reason}. Please save or export it \
                 again and upload the new copy.",
                kind.label()
            ),
            Refusal::Encrypted => "The PDF document is encrypted or password-protected, so staff \
                could not open or check it. Please upload a copy without a password or \
                restrictions (for example by printing it to a new PDF)."
                .to_owned(),
            Refusal::DecompressionBomb { kind } => format!(
                "The {} expands to far more data than a genuine file of its size would, so it \
                 was refused as unsafe. Please save or export it again and upload the new copy.",
                kind.label()
            ),
            Refusal::TooManyPixels {
                kind,
                width,
                height,
                limit,
            } => {
                let subject = match kind {
                    FileKind::Pdf => "The PDF document contains an image that is",
                    FileKind::Png | FileKind::Jpeg => "The image is",
                };
                format!(
                    "{subject} {width} × {height} pixels, more than the {} megapixels allowed. \
                     Please reduce its resolution and upload it again.",
                    format_megapixels(*limit)
                )
            }
            Refusal::TooManyPages { limit } => format!(
                "The PDF document has more than {limit} pages. Please split it into several files."
            ),
        }
    }

    fn malformed(kind: FileKind, reason: impl Into<String>) -> Refusal {
        Refusal::Malformed {
            kind,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Refusal {}

/// Decides what `bytes` is and whether to accept it.
///
/// `file_name` is the name the client sent; it never decides the type, but an extension naming
/// a different type than the content is refused ([`Refusal::NameDisagrees`]), so that a file
/// shown to staff as `hop-dong.pdf` is a PDF. A name with no extension, or an extension no
/// known type uses (`"Quyết định số 12.2024"`), is accepted. Known non-accepted extensions
/// (`.exe`, `.zip`, `.docx`, `.html`, ...) are refused even when the content is acceptable,
/// because whoever downloads the file later gets that extension.
///
/// Checks run cheapest first: size, type, name, then the format's structure.
pub fn inspect(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Inspected, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Refusal::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let Some(kind) = sniff(bytes) else {
        return Err(Refusal::UnknownType {
            looks_like: looks_like(bytes),
        });
    };
    check_name(file_name, kind)?;
    match kind {
        FileKind::Pdf => pdf::inspect(bytes, limits),
        FileKind::Png => png::inspect(bytes, limits),
        FileKind::Jpeg => jpeg::inspect(bytes, limits),
    }
}

/// A safe name to show and offer for download: the last path component (of either `/` or `\`),
/// in NFC, without control, bidirectional, zero-width or other invisible characters, with
/// `< > : " | ? *` replaced by `_`, runs of whitespace made single spaces, and leading and
/// trailing spaces and dots removed; at most 120 characters, cut in the stem so that the
/// extension stays; never empty (`"tep-dinh-kem"`, "attachment"). Vietnamese letters are kept.
pub fn sanitize_file_name(name: &str) -> String {
    const FALLBACK: &str = "tep-dinh-kem";
    const MAX_CHARS: usize = 120;

    // `rsplit` always yields at least one item; the default only satisfies the type.
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    // Invisible characters go before normalising: dropped afterwards, one standing between two
    // combining marks would leave them out of canonical order, and the name would change again
    // when cleaned twice.
    let visible: String = last
        .chars()
        .filter(|c| c.is_whitespace() || !is_invisible(*c))
        .collect();
    let mut cleaned = String::with_capacity(last.len());
    let mut pending_space = false;
    for c in visible.nfc() {
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if pending_space {
            cleaned.push(' ');
            pending_space = false;
        }
        cleaned.push(if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            '_'
        } else {
            c
        });
    }
    // Windows drops trailing dots and spaces, so they could hide the real extension.
    let mut name = cleaned.trim_end_matches(['.', ' ']).to_owned();
    if name.starts_with('.') {
        // A leading dot hides the file on Unix; a name that was only an extension keeps it.
        let rest = name.trim_start_matches(['.', ' ']);
        name = if rest.contains('.') || rest.is_empty() {
            rest.to_owned()
        } else {
            format!("{FALLBACK}.{rest}")
        };
    }
    if name.is_empty() {
        return FALLBACK.to_owned();
    }
    // Device names that Windows will not create a file for.
    let stem_upper = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    let reserved = matches!(stem_upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem_upper.starts_with("COM") || stem_upper.starts_with("LPT"))
            && stem_upper.len() == 4
            && stem_upper
                .as_bytes()
                .get(3)
                .is_some_and(|d| (b'1'..=b'9').contains(d)));
    if reserved {
        name.insert(0, '_');
    }
    if name.chars().count() <= MAX_CHARS {
        return name;
    }
    let (stem, ext) = match split_extension(&name) {
        Some((stem, ext)) => (stem, Some(ext)),
        None => (name.as_str(), None),
    };
    let ext_chars = ext.map_or(0, |e| e.chars().count() + 1);
    let keep: String = stem.chars().take(MAX_CHARS - ext_chars).collect();
    let keep = keep.trim_end_matches(['.', ' ']);
    let stem = if keep.is_empty() { FALLBACK } else { keep };
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Type and name
// ---------------------------------------------------------------------------------------------

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else {
        None
    }
}

/// Names common formats so that the refusal can say what the file is instead.
fn looks_like(b: &[u8]) -> Option<&'static str> {
    let head = &b[..b.len().min(1024)];
    let at = |offset: usize, magic: &[u8]| b.get(offset..).is_some_and(|s| s.starts_with(magic));
    if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") || at(0, b"PK\x07\x08") {
        return Some("a ZIP archive; Word, Excel and PowerPoint files are ZIP archives too");
    }
    if at(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some("an older Microsoft Office document");
    }
    if at(0, b"MZ") {
        return Some("a Windows program");
    }
    if at(0, b"\x7FELF") || at(0, b"\xCF\xFA\xED\xFE") || at(0, b"\xCA\xFE\xBA\xBE") {
        return Some("a program");
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Some("a GIF image");
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Some("a WebP image");
    }
    if at(4, b"ftyp") {
        let brand = b.get(8..12).unwrap_or_default();
        return Some(match brand {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                "a HEIC photo, the iPhone's default format; choose JPEG when sharing or exporting it"
            }
            b"avif" | b"avis" => "an AVIF image",
            _ => "a video or other media file",
        });
    }
    if at(0, b"II*\0") || at(0, b"MM\0*") {
        return Some("a TIFF image");
    }
    if at(0, b"\xFF\x0A") || at(0, b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some("a JPEG XL image");
    }
    let dib_header = b
        .get(14..18)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    if at(0, b"BM") && matches!(dib_header, Some(12 | 40 | 52 | 56 | 64 | 108 | 124)) {
        return Some("a BMP image");
    }
    if at(0, b"\0\0\x01\0") && b.len() > 22 {
        return Some("an icon (ICO) file");
    }
    if at(0, b"Rar!\x1A\x07") {
        return Some("a RAR archive");
    }
    if at(0, b"7z\xBC\xAF\x27\x1C") {
        return Some("a 7-Zip archive");
    }
    if at(0, b"\x1F\x8B") {
        return Some("a gzip archive");
    }
    if at(0, b"{\\rtf") {
        return Some("an RTF document");
    }
    if at(0, b"%!PS") {
        return Some("a PostScript file");
    }
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Some("a PDF with other data before its start");
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let lower: Vec<u8> = text.iter().map(u8::to_ascii_lowercase).collect();
    let trimmed = lower.trim_ascii_start();
    if trimmed.starts_with(b"<") {
        if lower.windows(4).any(|w| w == b"<svg") {
            return Some("an SVG image");
        }
        if lower.windows(5).any(|w| w == b"<html") || trimmed.starts_with(b"<!doctype html") {
            return Some("a web page (HTML)");
        }
        return Some("an XML document");
    }
    if !text.contains(&0) && std::str::from_utf8(text).is_ok() {
        return Some("a text file");
    }
    None
}

fn check_name(file_name: &str, kind: FileKind) -> Result<(), Refusal> {
    let name = sanitize_file_name(file_name);
    let Some((_, ext)) = split_extension(&name) else {
        return Ok(());
    };
    let ext = ext.to_ascii_lowercase();
    if let Some(named) = FileKind::from_extension(&ext) {
        if named == kind {
            return Ok(());
        }
        let name_says = named
            .extensions()
            .iter()
            .find(|e| **e == ext)
            .copied()
            .unwrap_or(named.extension());
        return Err(Refusal::NameDisagrees {
            name_says,
            content_is: kind,
        });
    }
    match other_extension(&ext) {
        Some(name_says) => Err(Refusal::NameDisagrees {
            name_says,
            content_is: kind,
        }),
        None => Ok(()),
    }
}

/// Splits `stem.ext` when the extension is short and alphanumeric, as real extensions are; a
/// dot in "Quyết định số 12.2024" or "v1.0 final" is then still just part of the name.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let plausible = !stem.is_empty()
        && !ext.is_empty()
        && ext.len() <= 10
        && ext.bytes().all(|c| c.is_ascii_alphanumeric());
    plausible.then_some((stem, ext))
}

/// Extensions of other known types: a file named so would be opened as that type.
fn other_extension(ext: &str) -> Option<&'static str> {
    const OTHERS: &[&str] = &[
        "exe", "dll", "msi", "com", "scr", "bat", "cmd", "ps1", "vbs", "js", "jse", "wsf", "hta",
        "jar", "apk", "app", "dmg", "sh", "lnk", "reg", "iso", "img", "zip", "rar", "7z", "gz",
        "tgz", "tar", "bz2", "xz", "doc", "docx", "docm", "dot", "dotx", "xls", "xlsx", "xlsm",
        "ppt", "pptx", "pptm", "odt", "ods", "odp", "rtf", "txt", "csv", "htm", "html", "xhtml",
        "mht", "mhtml", "xml", "svg", "svgz", "eml", "msg", "gif", "webp", "bmp", "tif", "tiff",
        "heic", "heif", "avif", "jxl", "ico", "psd", "mp3", "mp4", "mov", "avi", "mkv", "ps",
        "eps", "xps", "oxps",
    ];
    OTHERS.iter().find(|o| **o == ext).copied()
}

/// Characters that render as nothing or reorder text, which can disguise a name
/// (`invoice\u{202E}fdp.exe` shows as "invoiceexe.pdf").
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'
                | '\u{34F}'
                | '\u{61C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

fn human_bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

fn format_megapixels(pixels: u64) -> String {
    if pixels.is_multiple_of(1_000_000) {
        format!("{}", pixels / 1_000_000)
    } else {
        format!("{:.1}", pixels as f64 / 1_000_000.0)
    }
}

fn check_pixels(kind: FileKind, width: u64, height: u64, limits: &Limits) -> Result<(), Refusal> {
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(Refusal::TooManyPixels {
            kind,
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Counted decoding: every decoder output goes through a meter, and the end goes to a sink.
// ---------------------------------------------------------------------------------------------

/// A stream may expand at most this many times its encoded size once its output passes
/// [`RATIO_FLOOR`]. A single Flate pass tops out near 1032:1 (which a genuine blank page image
/// can reach), so this only trips on stacked filters, which reach millions to one and would
/// otherwise run up to the whole budget before being refused.
const MAX_RATIO: u64 = 1100;
/// Output below which the ratio is not judged: small streams of repeated bytes are common.
const RATIO_FLOOR: u64 = 1024 * 1024;

/// The running total of decoded bytes for one file, shared by all its streams and layers.
struct Budget {
    used: Cell<u64>,
    limit: u64,
    exceeded: Cell<bool>,
}

impl Budget {
    fn new(limit: u64) -> Self {
        Budget {
            used: Cell::new(0),
            limit,
            exceeded: Cell::new(false),
        }
    }

    fn add(&self, n: usize) -> io::Result<()> {
        let used = self.used.get().saturating_add(n as u64);
        self.used.set(used);
        if used > self.limit {
            self.exceeded.set(true);
            return Err(io::Error::other("inflation budget exceeded"));
        }
        Ok(())
    }
}

/// Counts what a decoder layer produces against the file's [`Budget`].
struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.add(n)?;
        Ok(n)
    }
}

/// Where decoded data ends: counted, optionally keeping a prefix (for the few streams whose
/// content must be read), and stopped when one stream's expansion is absurd.
struct Sink {
    written: u64,
    keep: Vec<u8>,
    keep_limit: usize,
    encoded_len: u64,
    absurd: bool,
    /// Most output this one stream may have (for streams with their own, tighter limit).
    cap: u64,
    over_cap: bool,
}

impl Sink {
    fn new(encoded_len: usize, keep_limit: usize) -> Self {
        Sink {
            written: 0,
            keep: Vec::new(),
            keep_limit,
            encoded_len: encoded_len as u64,
            absurd: false,
            cap: u64::MAX,
            over_cap: false,
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written = self.written.saturating_add(buf.len() as u64);
        let room = self.keep_limit.saturating_sub(self.keep.len());
        self.keep.extend_from_slice(&buf[..buf.len().min(room)]);
        if self.written > RATIO_FLOOR && self.written > self.encoded_len.saturating_mul(MAX_RATIO) {
            self.absurd = true;
            return Err(io::Error::other("absurd expansion"));
        }
        if self.written > self.cap {
            self.over_cap = true;
            return Err(io::Error::other("stream over its limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One decoding step of a PDF filter chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Flate,
    Lzw {
        early_change: bool,
    },
    Ascii85,
    AsciiHex,
    RunLength,
    /// Image codecs, `Crypt` or unknown filters: decoding (and counting) stops here; image sizes
    /// are checked separately.
    Opaque,
}

/// Runs `input` through `filters`, counting every layer's output against `budget`. Decoding
/// errors end the stream quietly (what was produced still counts, as readers keep it too).
fn decode_counted(input: &[u8], filters: &[Filter], budget: &Budget, sink: &mut Sink) {
    let mut reader: Box<dyn Read + '_> = Box::new(input);
    let mut layers = 0;
    for filter in filters {
        reader = match *filter {
            Filter::Flate => Box::new(Metered {
                inner: FlateLayer::new(reader),
                budget,
            }),
            Filter::Lzw { early_change } => Box::new(Metered {
                inner: LzwLayer::new(reader, early_change),
                budget,
            }),
            Filter::Ascii85 => Box::new(Metered {
                inner: Ascii85Layer::new(reader),
                budget,
            }),
            Filter::AsciiHex => Box::new(Metered {
                inner: AsciiHexLayer::new(reader),
                budget,
            }),
            Filter::RunLength => Box::new(Metered {
                inner: RunLengthLayer::new(reader),
                budget,
            }),
            Filter::Opaque => break,
        };
        layers += 1;
    }
    if layers > 0 {
        // The error (if any) is a decoding error, the budget or the ratio: the caller reads the
        // latter two from `budget` and `sink`.
        let _ = io::copy(&mut reader, sink);
    }
}

/// Inflates a zlib stream the way `lopdf` does: a stream whose two-byte zlib header is invalid
/// is read as raw deflate from the third byte on (its fallback for damaged headers), so a bomb
/// cannot hide behind a broken header.
enum FlateLayer<R: Read> {
    Start(Option<R>),
    Zlib(Box<ZlibDecoder<io::Chain<io::Cursor<[u8; 2]>, R>>>),
    Raw(Box<DeflateDecoder<R>>),
    Done,
}

impl<R: Read> FlateLayer<R> {
    fn new(inner: R) -> Self {
        FlateLayer::Start(Some(inner))
    }
}

fn zlib_header_ok(h: [u8; 2]) -> bool {
    let (cmf, flg) = (h[0], h[1]);
    cmf & 0x0F == 8
        && cmf >> 4 <= 7
        && (u16::from(cmf) * 256 + u16::from(flg)) % 31 == 0
        && flg & 0x20 == 0
}

impl<R: Read> Read for FlateLayer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self {
                FlateLayer::Start(inner) => {
                    let Some(mut inner) = inner.take() else {
                        *self = FlateLayer::Done;
                        continue;
                    };
                    let mut header = [0u8; 2];
                    let mut got = 0;
                    while got < 2 {
                        match inner.read(&mut header[got..])? {
                            0 => break,
                            n => got += n,
                        }
                    }
                    *self = if got < 2 {
                        FlateLayer::Done
                    } else if zlib_header_ok(header) {
                        FlateLayer::Zlib(Box::new(ZlibDecoder::new(
                            io::Cursor::new(header).chain(inner),
                        )))
                    } else {
                        FlateLayer::Raw(Box::new(DeflateDecoder::new(inner)))
                    };
                }
                FlateLayer::Zlib(d) => return d.read(buf),
                FlateLayer::Raw(d) => return d.read(buf),
                FlateLayer::Done => return Ok(0),
            }
        }
    }
}

/// LZW as PDF uses it, with the same decoder and settings as `lopdf` (weezl, MSB first,
/// `EarlyChange` 1 unless the parameters say 0).
struct LzwLayer<R> {
    inner: R,
    decoder: weezl::decode::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    done: bool,
}

impl<R: Read> LzwLayer<R> {
    fn new(inner: R, early_change: bool) -> Self {
        let decoder = if early_change {
            weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
        } else {
            weezl::decode::Decoder::new(weezl::BitOrder::Msb, 8)
        };
        LzwLayer {
            inner,
            decoder,
            input: vec![0; 8192],
            start: 0,
            end: 0,
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for LzwLayer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while !self.done {
            if self.start == self.end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let input = self.input.get(self.start..self.end).unwrap_or_default();
            let result = self.decoder.decode_bytes(input, buf);
            self.start += result.consumed_in;
            match result.status {
                Ok(weezl::LzwStatus::Done) | Err(_) => self.done = true,
                Ok(weezl::LzwStatus::Ok | weezl::LzwStatus::NoProgress) => {
                    let stuck = result.consumed_in == 0 && result.consumed_out == 0;
                    if stuck && (self.start < self.end || self.eof) {
                        self.done = true;
                    }
                }
            }
            if result.consumed_out > 0 {
                return Ok(result.consumed_out);
            }
        }
        Ok(0)
    }
}

fn next_byte<R: BufRead>(r: &mut R) -> io::Result<Option<u8>> {
    let byte = r.fill_buf()?.first().copied();
    if byte.is_some() {
        r.consume(1);
    }
    Ok(byte)
}

/// Bytes decoded but not yet handed out, for decoders that make several bytes at a time.
#[derive(Default)]
struct Pending {
    bytes: [u8; 4],
    len: usize,
    at: usize,
    repeat: Option<(u8, usize)>,
}

impl Pending {
    fn drain(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        if let Some((byte, count)) = self.repeat.as_mut() {
            let take = (*count).min(buf.len());
            buf[..take].fill(*byte);
            *count -= take;
            n = take;
            if *count == 0 {
                self.repeat = None;
            }
        }
        while n < buf.len() && self.at < self.len {
            buf[n] = self.bytes[self.at];
            self.at += 1;
            n += 1;
        }
        n
    }

    fn is_empty(&self) -> bool {
        self.at >= self.len && self.repeat.is_none()
    }
}

/// ASCII85, ending like `lopdf`: at `~`, at any byte outside the alphabet, or at the end.
struct Ascii85Layer<R> {
    inner: BufReader<R>,
    group: u64,
    count: usize,
    pending: Pending,
    done: bool,
}

impl<R: Read> Ascii85Layer<R> {
    fn new(inner: R) -> Self {
        Ascii85Layer {
            inner: BufReader::new(inner),
            group: 0,
            count: 0,
            pending: Pending::default(),
            done: false,
        }
    }
}

impl<R: Read> Read for Ascii85Layer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if !self.pending.is_empty() {
                n += self.pending.drain(&mut buf[n..]);
                continue;
            }
            if self.done {
                break;
            }
            let byte = next_byte(&mut self.inner)?;
            match byte {
                Some(b'z') if self.count == 0 => {
                    self.pending = Pending {
                        len: 4,
                        ..Pending::default()
                    }
                }
                Some(c) if c.is_ascii_whitespace() => {}
                Some(c @ b'!'..=b'u') => {
                    self.group = self.group * 85 + u64::from(c - b'!');
                    self.count += 1;
                    if self.count == 5 {
                        let Ok(word) = u32::try_from(self.group) else {
                            self.done = true;
                            continue;
                        };
                        self.pending = Pending {
                            bytes: word.to_be_bytes(),
                            len: 4,
                            ..Pending::default()
                        };
                        self.group = 0;
                        self.count = 0;
                    }
                }
                _ => {
                    self.done = true;
                    if self.count > 1 {
                        for _ in self.count..5 {
                            self.group = self.group * 85 + 84;
                        }
                        let word = u32::try_from(self.group).unwrap_or(u32::MAX);
                        self.pending = Pending {
                            bytes: word.to_be_bytes(),
                            len: self.count - 1,
                            ..Pending::default()
                        };
                    }
                    self.count = 0;
                }
            }
        }
        Ok(n)
    }
}

/// ASCIIHex: pairs of hex digits, whitespace ignored, ending at `>` or any other byte.
struct AsciiHexLayer<R> {
    inner: BufReader<R>,
    high: Option<u8>,
    done: bool,
}

impl<R: Read> AsciiHexLayer<R> {
    fn new(inner: R) -> Self {
        AsciiHexLayer {
            inner: BufReader::new(inner),
            high: None,
            done: false,
        }
    }
}

impl<R: Read> Read for AsciiHexLayer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && !self.done {
            let digit = match next_byte(&mut self.inner)? {
                Some(c) if c.is_ascii_whitespace() => continue,
                Some(c) => (c as char).to_digit(16),
                None => None,
            };
            match (digit, self.high) {
                (Some(d), None) => self.high = Some(d as u8),
                (Some(d), Some(h)) => {
                    buf[n] = h << 4 | d as u8;
                    n += 1;
                    self.high = None;
                }
                (None, _) => self.done = true,
            }
        }
        // A last odd digit counts as if followed by 0.
        if self.done
            && n < buf.len()
            && let Some(h) = self.high.take()
        {
            buf[n] = h << 4;
            n += 1;
        }
        Ok(n)
    }
}

/// RunLength: a length byte, then that many literal bytes or one byte repeated; 128 ends.
struct RunLengthLayer<R> {
    inner: BufReader<R>,
    literal: usize,
    pending: Pending,
    done: bool,
}

impl<R: Read> RunLengthLayer<R> {
    fn new(inner: R) -> Self {
        RunLengthLayer {
            inner: BufReader::new(inner),
            literal: 0,
            pending: Pending::default(),
            done: false,
        }
    }
}

impl<R: Read> Read for RunLengthLayer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if !self.pending.is_empty() {
                n += self.pending.drain(&mut buf[n..]);
                continue;
            }
            if self.done {
                break;
            }
            let Some(byte) = next_byte(&mut self.inner)? else {
                self.done = true;
                continue;
            };
            if self.literal > 0 {
                self.literal -= 1;
                buf[n] = byte;
                n += 1;
                continue;
            }
            match byte {
                0..=127 => self.literal = usize::from(byte) + 1,
                128 => self.done = true,
                _ => match next_byte(&mut self.inner)? {
                    Some(value) => {
                        self.pending = Pending {
                            repeat: Some((value, 257 - usize::from(byte))),
                            ..Pending::default()
                        }
                    }
                    None => self.done = true,
                },
            }
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

mod png {
    use super::*;

    fn be32(b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at.checked_add(4)?)?;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    pub(super) fn inspect(b: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
        let kind = FileKind::Png;
        let malformed = |reason: &str| Refusal::malformed(kind, reason);
        let budget = Budget::new(limits.max_inflated_bytes);
        let mut pos = PNG_SIGNATURE.len();
        let mut size: Option<(u32, u32)> = None;
        let mut color_type = 0u8;
        let mut seen_plte = false;
        let mut seen_idat = false;
        loop {
            let (Some(len), Some(ty)) = (be32(b, pos), b.get(pos + 4..pos + 8)) else {
                return Err(Refusal::Truncated { kind });
            };
            if len > 0x7FFF_FFFF {
                return Err(malformed("a chunk length is out of range"));
            }
            if !ty.iter().all(u8::is_ascii_alphabetic) {
                return Err(malformed("a chunk type is not valid"));
            }
            let data_start = pos + 8;
            let Some(data_end) = data_start.checked_add(len as usize) else {
                return Err(Refusal::Truncated { kind });
            };
            let Some(data) = b.get(data_start..data_end) else {
                return Err(Refusal::Truncated { kind });
            };
            let Some(stored_crc) = be32(b, data_end) else {
                return Err(Refusal::Truncated { kind });
            };
            let critical = ty[0].is_ascii_uppercase();
            if critical {
                let mut crc = flate2::Crc::new();
                crc.update(ty);
                crc.update(data);
                if crc.sum() != stored_crc {
                    return Err(malformed(&format!(
                        "its {} chunk is corrupt (checksum mismatch)",
                        String::from_utf8_lossy(ty)
                    )));
                }
            }
            if size.is_none() && ty != b"IHDR" {
                return Err(malformed("it does not start with an IHDR chunk"));
            }
            match ty {
                b"IHDR" => {
                    if size.is_some() {
                        return Err(malformed("it has more than one IHDR chunk"));
                    }
                    if data.len() != 13 {
                        return Err(malformed("its IHDR chunk has the wrong length"));
                    }
                    let (width, height) = (be32(data, 0).unwrap_or(0), be32(data, 4).unwrap_or(0));
                    if width == 0 || height == 0 || width > 0x7FFF_FFFF || height > 0x7FFF_FFFF {
                        return Err(malformed("its width or height is zero or out of range"));
                    }
                    let (depth, color, compression, filter, interlace) =
                        (data[8], data[9], data[10], data[11], data[12]);
                    let depth_ok = match color {
                        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
                        3 => matches!(depth, 1 | 2 | 4 | 8),
                        2 | 4 | 6 => matches!(depth, 8 | 16),
                        _ => false,
                    };
                    if !depth_ok || compression != 0 || filter != 0 || interlace > 1 {
                        return Err(malformed(
                            "its IHDR chunk has an invalid bit depth, colour type or method",
                        ));
                    }
                    // Refused before anything else is read: this is the image bomb.
                    check_pixels(kind, u64::from(width), u64::from(height), limits)?;
                    size = Some((width, height));
                    color_type = color;
                }
                b"PLTE" => {
                    if seen_idat
                        || matches!(color_type, 0 | 4)
                        || len % 3 != 0
                        || len == 0
                        || len > 768
                    {
                        return Err(malformed("its palette is misplaced or has the wrong size"));
                    }
                    seen_plte = true;
                }
                b"IDAT" => {
                    if color_type == 3 && !seen_plte {
                        return Err(malformed("it has no palette before its image data"));
                    }
                    seen_idat = true;
                }
                b"IEND" => {
                    if !seen_idat {
                        return Err(malformed("it has no image data"));
                    }
                    let (Some((width, height)), true) = (size, len == 0) else {
                        return Err(malformed("its IEND chunk is not valid"));
                    };
                    if data_end + 4 != b.len() {
                        return Err(Refusal::TrailingData { kind });
                    }
                    return Ok(Inspected {
                        kind,
                        pages: None,
                        width: Some(width),
                        height: Some(height),
                    });
                }
                b"zTXt" | b"iCCP" => {
                    // keyword, NUL, method byte, zlib data
                    if let Some(nul) = data.iter().position(|&c| c == 0) {
                        inflate_chunk(data.get(nul + 2..).unwrap_or_default(), &budget)?;
                    }
                }
                b"iTXt" => {
                    // keyword, NUL, compressed flag, method, language, NUL, translated keyword, NUL, text
                    if let Some(nul) = data.iter().position(|&c| c == 0)
                        && data.get(nul + 1) == Some(&1)
                    {
                        let rest = data.get(nul + 3..).unwrap_or_default();
                        let text = rest
                            .iter()
                            .position(|&c| c == 0)
                            .and_then(|l| rest.get(l + 1..))
                            .and_then(|r| {
                                r.iter().position(|&c| c == 0).and_then(|t| r.get(t + 1..))
                            });
                        inflate_chunk(text.unwrap_or_default(), &budget)?;
                    }
                }
                _ if critical => return Err(malformed("it has an unknown critical chunk")),
                _ => {}
            }
            pos = data_end + 4;
        }
    }

    /// Compressed text and ICC profiles are inflated by viewers and metadata tools; they count
    /// against the same budget as everything else.
    fn inflate_chunk(data: &[u8], budget: &Budget) -> Result<(), Refusal> {
        let mut sink = Sink::new(data.len(), 0);
        let _ = io::copy(
            &mut Metered {
                inner: ZlibDecoder::new(data),
                budget,
            },
            &mut sink,
        );
        if budget.exceeded.get() || sink.absurd {
            return Err(Refusal::DecompressionBomb {
                kind: FileKind::Png,
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------------------------

mod jpeg {
    use super::*;

    /// Images after the first that may follow it (gain maps, MPO pictures).
    const MAX_APPENDED_IMAGES: usize = 8;

    pub(super) fn inspect(b: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
        let kind = FileKind::Jpeg;
        let (width, height, mut end) = walk(b, 0, limits)?;
        let mut appended = 0;
        loop {
            let rest = b.get(end..).unwrap_or_default();
            if rest.iter().all(|&c| c == 0) {
                return Ok(Inspected {
                    kind,
                    pages: None,
                    width: Some(u32::from(width)),
                    height: Some(u32::from(height)),
                });
            }
            if !rest.starts_with(&[0xFF, 0xD8, 0xFF]) || appended == MAX_APPENDED_IMAGES {
                return Err(Refusal::TrailingData { kind });
            }
            // A further image must be complete and within limits too; its own trailing bytes
            // are judged by the next round.
            end = walk(b, end, limits)?.2;
            appended += 1;
        }
    }

    fn be16(b: &[u8], at: usize) -> Option<usize> {
        let s = b.get(at..at + 2)?;
        Some(usize::from(u16::from_be_bytes([s[0], s[1]])))
    }

    fn is_sof(marker: u8) -> bool {
        matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF)
    }

    /// Walks the image starting (with its SOI) at `start`; returns its size and the position
    /// just after its EOI.
    fn walk(b: &[u8], start: usize, limits: &Limits) -> Result<(u16, u16, usize), Refusal> {
        let kind = FileKind::Jpeg;
        let malformed = |reason: &str| Refusal::malformed(kind, reason);
        let truncated = Refusal::Truncated { kind };
        let mut pos = start + 2;
        let mut frame: Option<(u16, u16)> = None;
        let mut scans = 0usize;
        loop {
            // Decoders skip stray bytes before a marker (libjpeg warns and goes on); so do we.
            let Some(ff) = b.get(pos..).and_then(|s| s.iter().position(|&c| c == 0xFF)) else {
                return Err(truncated);
            };
            pos += ff;
            while b.get(pos) == Some(&0xFF) {
                pos += 1;
            }
            let Some(&marker) = b.get(pos) else {
                return Err(truncated);
            };
            pos += 1;
            match marker {
                0xD9 => {
                    let Some((width, height)) = frame.filter(|_| scans > 0) else {
                        return Err(malformed("it has no image data"));
                    };
                    return Ok((width, height, pos));
                }
                0xD8 => return Err(malformed("it has a start-of-image marker in the middle")),
                0x00 | 0x01 | 0xD0..=0xD7 => continue,
                _ => {}
            }
            let Some(seg_len) = be16(b, pos) else {
                return Err(truncated);
            };
            if seg_len < 2 {
                return Err(malformed("a segment length is not valid"));
            }
            let seg_end = pos + seg_len;
            let Some(body) = b.get(pos + 2..seg_end) else {
                return Err(truncated);
            };
            if is_sof(marker) {
                if frame.is_some() {
                    return Err(malformed("it has more than one frame header"));
                }
                let (Some(&precision), Some(height), Some(width), Some(&components)) =
                    (body.first(), be16(body, 1), be16(body, 3), body.get(5))
                else {
                    return Err(malformed("its frame header is too short"));
                };
                if !(2..=16).contains(&precision)
                    || !(1..=4).contains(&components)
                    || body.len() != 6 + 3 * usize::from(components)
                {
                    return Err(malformed("its frame header is not valid"));
                }
                if width == 0 || height == 0 {
                    return Err(malformed(
                        "its width or height is zero (or set later, which is not supported)",
                    ));
                }
                // Refused before the scans are read: this is the image bomb.
                check_pixels(kind, width as u64, height as u64, limits)?;
                frame = Some((width as u16, height as u16));
            }
            pos = seg_end;
            if marker == 0xDA {
                if frame.is_none() {
                    return Err(malformed("its image data comes before its frame header"));
                }
                scans += 1;
                // Entropy-coded data: FF is followed by 00 (a stuffed byte), a restart marker or
                // fill bytes; anything else is the next marker.
                loop {
                    let Some(ff) = b.get(pos..).and_then(|s| s.iter().position(|&c| c == 0xFF))
                    else {
                        return Err(truncated);
                    };
                    pos += ff;
                    match b.get(pos + 1) {
                        None => return Err(truncated),
                        Some(0x00 | 0xD0..=0xD7) => pos += 2,
                        Some(0xFF) => pos += 1,
                        Some(_) => break,
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------

/// PDF checks.
///
/// `lopdf` 0.44 trusts the file more than a public endpoint can. Measured with lopdf alone
/// (release build): a 5 MiB file whose streams' `/Length`s overlap made it copy each body
/// again (1.5 GiB, 6 s); a 319-byte cross-reference stream with `/W [0 0 0]` and a huge
/// `/Index` made it allocate until the process aborted (which no `catch_unwind` survives); a
/// 1.5 MiB file whose stream lengths live in an object stream made it decode that object
/// stream once per stream (14 s for 100 streams); 10 MiB of dictionaries took 630 MiB. So the
/// scan refuses, besides bombs and encryption:
///
/// * a cross-reference entry, `startxref`, `/Prev` or `/XRefStm` that points at an object
///   header inside another object or stream, two objects at one offset, or more than
///   [`MAX_DANGLING`] entries pointing at no object;
/// * a stream `/Length` that reaches past the stream's first `endstream`, that is stored in
///   an object stream, or that is not an integer;
/// * cross-reference streams with invalid `/W`, `/Index` or `/Size`, more than [`MAX_OBJECTS`]
///   objects, more than [`MAX_TOKENS`] values and keys, object streams with index blocks over
///   1 MiB, more than 16 MiB of object- and cross-reference-stream data, filter chains longer
///   than 8 or with an indirect `/Filter`, and predictor parameters that would size huge rows.
///
/// The scan mirrors lopdf's grammar (what counts as an object header, a stream start, a
/// name), so that both read the same objects; where they might differ it refuses.
mod pdf {
    use super::*;

    /// `lopdf`'s nesting limit for arrays, dictionaries and strings.
    const MAX_DEPTH: usize = 100;
    /// Parentheses nested in one literal string. lopdf allows 100, genuine files a few; a
    /// lower limit here keeps a file of many unterminated, nested strings from making the scan
    /// re-read its tail once per string (an object this refuses is refused only if referenced).
    const MAX_STRING_NESTING: usize = 16;
    /// Most objects a PDF may define (cross-reference entries plus objects in object streams).
    /// A 500-page document rarely has 50 000.
    pub(super) const MAX_OBJECTS: usize = 500_000;
    /// Most decoded bytes of object and cross-reference streams, which `lopdf` parses into
    /// objects held in memory (several times their size).
    const MAX_STRUCTURAL_BYTES: u64 = 16 * 1024 * 1024;
    /// Largest object-stream index block (`/First`); a few KiB in practice.
    const MAX_OBJSTM_INDEX: usize = 1024 * 1024;
    /// Longest filter chain; genuine files use one or two.
    const MAX_FILTERS: usize = 8;
    /// Largest predictor row, in bytes.
    const MAX_PREDICTOR_ROW: u64 = 4 * 1024 * 1024;
    /// Values kept while reading one dictionary (the rest is only skipped).
    const MAX_KEPT_VALUES: usize = 1 << 16;
    /// Most tokens (values and dictionary keys) in objects outside streams and inside object
    /// streams. lopdf makes an object of about 100 bytes of each, so this bounds its memory to
    /// about 100 MiB (and its parse to under a second); a 468-page manual has 21 000.
    const MAX_TOKENS: usize = 1_000_000;
    /// Most cross-reference entries that may point at no object: lopdf logs an error for each,
    /// and a table that misses this often cannot be read anyway.
    const MAX_DANGLING: usize = 100;
    /// Stack for the thread that runs `lopdf`.
    const LOPDF_STACK: usize = 64 * 1024 * 1024;
    /// How far from the end `%%EOF` may be.
    const EOF_WINDOW: usize = 1024;

    /// Dictionary keys the checks need; other values are skipped without being kept.
    const WANTED: &[&[u8]] = &[
        b"Type",
        b"Subtype",
        b"Filter",
        b"DecodeParms",
        b"Length",
        b"W",
        b"Index",
        b"Size",
        b"First",
        b"Width",
        b"Height",
        b"Prev",
        b"XRefStm",
        b"Encrypt",
    ];

    fn malformed(reason: impl Into<String>) -> Refusal {
        Refusal::malformed(FileKind::Pdf, reason)
    }

    pub(super) fn inspect(b: &[u8], limits: &Limits) -> Result<Inspected, Refusal> {
        prescan(b, limits)?;
        let pages = load_with_lopdf(b, limits)?;
        Ok(Inspected {
            kind: FileKind::Pdf,
            pages: Some(pages),
            width: None,
            height: None,
        })
    }

    /// Everything checked before lopdf sees the file.
    pub(super) fn prescan(b: &[u8], limits: &Limits) -> Result<(), Refusal> {
        check_end(b)?;
        Scan::run(b).check(b, limits)
    }

    /// `%%EOF` must end the file, give or take whitespace and NULs.
    fn check_end(b: &[u8]) -> Result<(), Refusal> {
        let tail_start = b.len().saturating_sub(EOF_WINDOW);
        let tail = &b[tail_start..];
        let Some(at) = tail.windows(5).rposition(|w| w == b"%%EOF") else {
            return Err(Refusal::Truncated {
                kind: FileKind::Pdf,
            });
        };
        if tail[at + 5..].iter().all(|&c| is_ws(c)) {
            Ok(())
        } else {
            Err(Refusal::TrailingData {
                kind: FileKind::Pdf,
            })
        }
    }

    // ---- lexing (mirrors lopdf's grammar closely enough that both read the same objects) ----

    pub(super) fn is_ws(c: u8) -> bool {
        matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'\0')
    }

    fn is_delim(c: u8) -> bool {
        matches!(
            c,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
        )
    }

    fn is_regular(c: u8) -> bool {
        !is_ws(c) && !is_delim(c)
    }

    /// Skips whitespace and comments, like lopdf's `space`.
    fn skip_space(b: &[u8], mut p: usize) -> usize {
        loop {
            while b.get(p).is_some_and(|&c| is_ws(c)) {
                p += 1;
            }
            if b.get(p) != Some(&b'%') {
                return p;
            }
            while b.get(p).is_some_and(|&c| c != b'\r' && c != b'\n') {
                p += 1;
            }
        }
    }

    fn starts(b: &[u8], p: usize, pat: &[u8]) -> bool {
        b.get(p..).is_some_and(|s| s.starts_with(pat))
    }

    fn keyword_at(b: &[u8], p: usize, kw: &[u8]) -> bool {
        starts(b, p, kw) && b.get(p + kw.len()).is_none_or(|&c| !is_regular(c))
    }

    fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
        b.get(from..)?
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| from + i)
    }

    /// Unsigned digits; the value saturates (callers range-check it).
    fn uint_at(b: &[u8], p: usize) -> Option<(u64, usize)> {
        let digits = b
            .get(p..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let value = b[p..p + digits].iter().fold(0u64, |v, &c| {
            v.saturating_mul(10).saturating_add(u64::from(c - b'0'))
        });
        Some((value, p + digits))
    }

    /// `N G obj` at `p`: the object number, and where its value starts.
    fn header_at(b: &[u8], p: usize) -> Option<(u32, usize)> {
        let (id, q) = uint_at(b, p)?;
        let (generation, q) = uint_at(b, skip_space(b, q))?;
        let q = skip_space(b, q);
        if !starts(b, q, b"obj") || u32::try_from(id).is_err() || u16::try_from(generation).is_err()
        {
            return None;
        }
        Some((u32::try_from(id).ok()?, q + 3))
    }

    /// A PDF value, as far as the checks need it.
    #[derive(Debug, Clone)]
    enum Val {
        Int(i64),
        Name(Vec<u8>),
        Ref(u32),
        Array(Vec<Val>),
        Dict(Dict),
        Other,
    }

    #[derive(Debug, Clone, Default)]
    struct Dict(Vec<(Vec<u8>, Val)>);

    impl Dict {
        /// The value of `key`; the last one wins, as in lopdf.
        fn get(&self, key: &[u8]) -> Option<&Val> {
            self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
        }

        fn int(&self, key: &[u8]) -> Option<i64> {
            match self.get(key) {
                Some(Val::Int(i)) => Some(*i),
                _ => None,
            }
        }

        fn name_is(&self, key: &[u8], name: &[u8]) -> bool {
            matches!(self.get(key), Some(Val::Name(n)) if n == name)
        }
    }

    /// Where a name ends, and its bytes with `#xx` escapes decoded.
    fn name_at(b: &[u8], p: usize, keep: bool) -> Option<(Vec<u8>, usize)> {
        if b.get(p) != Some(&b'/') {
            return None;
        }
        let mut q = p + 1;
        let mut out = Vec::new();
        loop {
            match b.get(q) {
                Some(&b'#') => {
                    let hex = b
                        .get(q + 1..q + 3)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                        break;
                    };
                    if keep {
                        out.push(byte);
                    }
                    q += 3;
                }
                Some(&c) if is_regular(c) => {
                    if keep {
                        out.push(c);
                    }
                    q += 1;
                }
                _ => break,
            }
        }
        Some((out, q))
    }

    /// Reads (when `kept` is given, counting kept values into it) or skips one value.
    fn value(
        b: &[u8],
        p: usize,
        depth: usize,
        mut kept: Option<&mut usize>,
    ) -> Option<(Val, usize)> {
        if depth == 0 {
            return None;
        }
        if let Some(k) = kept.as_deref_mut() {
            *k += 1;
            if *k > MAX_KEPT_VALUES {
                return None;
            }
        }
        let keep = kept.is_some();
        let c = *b.get(p)?;
        match c {
            b'<' if b.get(p + 1) == Some(&b'<') => {
                let mut q = p + 2;
                let mut dict = Dict::default();
                loop {
                    q = skip_space(b, q);
                    if starts(b, q, b">>") {
                        return Some((if keep { Val::Dict(dict) } else { Val::Other }, q + 2));
                    }
                    let (key, after_key) = name_at(b, q, keep)?;
                    let (v, after) =
                        value(b, skip_space(b, after_key), depth - 1, kept.as_deref_mut())?;
                    if keep {
                        dict.0.push((key, v));
                    }
                    q = after;
                }
            }
            b'<' => {
                let mut q = p + 1;
                loop {
                    match *b.get(q)? {
                        b'>' => return Some((Val::Other, q + 1)),
                        c if c.is_ascii_hexdigit() || is_ws(c) => q += 1,
                        _ => return None,
                    }
                }
            }
            b'(' => {
                let mut q = p + 1;
                let mut nesting = 1usize;
                loop {
                    match *b.get(q)? {
                        b'\\' => q += 2,
                        b'(' => {
                            nesting += 1;
                            if nesting > MAX_STRING_NESTING {
                                return None;
                            }
                            q += 1;
                        }
                        b')' => {
                            nesting -= 1;
                            q += 1;
                            if nesting == 0 {
                                return Some((Val::Other, q));
                            }
                        }
                        _ => q += 1,
                    }
                }
            }
            b'[' => {
                let mut q = p + 1;
                let mut items = Vec::new();
                loop {
                    q = skip_space(b, q);
                    if b.get(q) == Some(&b']') {
                        return Some((if keep { Val::Array(items) } else { Val::Other }, q + 1));
                    }
                    let (v, after) = value(b, q, depth - 1, kept.as_deref_mut())?;
                    if keep {
                        items.push(v);
                    }
                    q = after;
                }
            }
            b'/' => {
                let (name, q) = name_at(b, p, keep)?;
                Some((Val::Name(name), q))
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                // lopdf tries `N G R` before numbers.
                if let Some((id, q)) = uint_at(b, p)
                    && let Some((generation, r)) = uint_at(b, skip_space(b, q))
                    && let r = skip_space(b, r)
                    && b.get(r) == Some(&b'R')
                    && u16::try_from(generation).is_ok()
                    && let Ok(id) = u32::try_from(id)
                {
                    return Some((Val::Ref(id), r + 1));
                }
                let sign = usize::from(matches!(c, b'+' | b'-'));
                let int_digits = b
                    .get(p + sign..)?
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                let mut q = p + sign + int_digits;
                if b.get(q) == Some(&b'.') {
                    let frac = b
                        .get(q + 1..)?
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    if int_digits == 0 && frac == 0 {
                        return None;
                    }
                    q += 1 + frac;
                    return Some((Val::Other, q));
                }
                if int_digits == 0 {
                    return None;
                }
                let text = std::str::from_utf8(&b[p..q]).ok()?;
                let int = text.parse::<i64>().ok()?;
                Some((Val::Int(int), q))
            }
            _ => {
                for kw in [&b"true"[..], b"false", b"null"] {
                    if starts(b, p, kw) {
                        return Some((Val::Other, p + kw.len()));
                    }
                }
                None
            }
        }
    }

    /// Roughly how many values and keys `text` holds, each of which lopdf makes an object of.
    fn count_tokens(text: &[u8]) -> usize {
        let mut n = 0;
        let mut p = 0;
        while let Some(&c) = text.get(p) {
            match c {
                c if is_ws(c) => p += 1,
                b'%' => {
                    while text.get(p).is_some_and(|&c| c != b'\r' && c != b'\n') {
                        p += 1;
                    }
                }
                b'(' => {
                    n += 1;
                    let mut nesting = 0usize;
                    while let Some(&c) = text.get(p) {
                        p += 1;
                        match c {
                            b'\\' => p += 1,
                            b'(' => nesting += 1,
                            b')' => {
                                nesting -= 1;
                                if nesting == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                b'<' if text.get(p + 1) == Some(&b'<') => {
                    n += 1;
                    p += 2;
                }
                b'<' => {
                    n += 1;
                    while text.get(p).is_some_and(|&c| c != b'>') {
                        p += 1;
                    }
                }
                b'[' => {
                    n += 1;
                    p += 1;
                }
                b'/' => {
                    n += 1;
                    p += 1;
                    while text.get(p).is_some_and(|&c| is_regular(c)) {
                        p += 1;
                    }
                }
                c if is_regular(c) => {
                    n += 1;
                    while text.get(p).is_some_and(|&c| is_regular(c)) {
                        p += 1;
                    }
                }
                _ => p += 1,
            }
        }
        n
    }

    /// Reads a dictionary keeping only the [`WANTED`] keys.
    fn top_dict(b: &[u8], p: usize) -> Option<(Dict, usize)> {
        if !starts(b, p, b"<<") {
            return None;
        }
        let mut kept = 0usize;
        let mut q = p + 2;
        let mut dict = Dict::default();
        loop {
            q = skip_space(b, q);
            if starts(b, q, b">>") {
                return Some((dict, q + 2));
            }
            let (key, after_key) = name_at(b, q, true)?;
            let wanted = WANTED.contains(&key.as_slice());
            let keep = if wanted { Some(&mut kept) } else { None };
            let (v, after) = value(b, skip_space(b, after_key), MAX_DEPTH - 1, keep)?;
            if wanted {
                dict.0.push((key, v));
            }
            q = after;
        }
    }

    // ---- the scan ----

    /// How a stream's `/Length` relates to where its `endstream` is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum LengthFit {
        /// Direct, and ends at the first `endstream`.
        Fits,
        /// Direct, and ends at a later `endstream`: the body would contain another one.
        Overlong,
        /// Direct but lands on no `endstream`: lopdf then ignores the body.
        Ignored,
        /// A reference, checked once every object is known.
        Indirect(u32),
        /// Absent or not a number: lopdf then reads no body.
        Missing,
    }

    #[derive(Debug)]
    struct Stream {
        dict: Dict,
        /// From after `stream` and its end of line to the first `endstream`.
        data: Range<usize>,
        length: LengthFit,
    }

    #[derive(Debug)]
    enum Body {
        Int(i64),
        Ref(u32),
        Dict,
        Stream(Box<Stream>),
        Other,
    }

    #[derive(Debug)]
    struct Obj {
        id: u32,
        body: Body,
    }

    /// Everything the checks need from one pass over the file.
    #[derive(Default)]
    struct Scan {
        /// Objects by the position of their header.
        objects: Vec<(usize, Obj)>,
        /// Headers whose object could not be read, by position.
        unreadable: Vec<usize>,
        /// Classic cross-reference tables: position, and in-use entries (object, offset).
        tables: Vec<(usize, Vec<(u32, u64)>)>,
        trailers: Vec<Dict>,
        startxrefs: Vec<u64>,
        /// Tokens in the objects' text (stream bodies excluded).
        tokens: usize,
    }

    impl Scan {
        fn run(b: &[u8]) -> Scan {
            let mut scan = Scan::default();
            let mut p = 0;
            loop {
                p = skip_space(b, p);
                if p >= b.len() {
                    return scan;
                }
                if let Some((id, after)) = header_at(b, p) {
                    p = scan.object(b, p, id, after);
                } else if keyword_at(b, p, b"xref") {
                    p = scan.table(b, p);
                } else if keyword_at(b, p, b"trailer") {
                    match top_dict(b, skip_space(b, p + 7)) {
                        Some((dict, after)) => {
                            scan.trailers.push(dict);
                            p = after;
                        }
                        None => p += 7,
                    }
                } else if keyword_at(b, p, b"startxref") {
                    let q = skip_space(b, p + 9);
                    match uint_at(b, q) {
                        Some((offset, after)) => {
                            scan.startxrefs.push(offset);
                            p = after;
                        }
                        None => p = q,
                    }
                } else {
                    // Anything else at top level is skipped a token at a time.
                    let run = b[p..].iter().take_while(|&&c| is_regular(c)).count();
                    p += run.max(1);
                }
            }
        }

        fn object(&mut self, b: &[u8], start: usize, id: u32, after_obj: usize) -> usize {
            let p = skip_space(b, after_obj);
            let parsed = if starts(b, p, b"<<") {
                top_dict(b, p).map(|(dict, q)| self.stream_or_dict(b, dict, q))
            } else {
                value(b, p, MAX_DEPTH, None).map(|(v, q)| {
                    let body = match v {
                        Val::Int(i) => Body::Int(i),
                        Val::Ref(r) => Body::Ref(r),
                        _ => Body::Other,
                    };
                    (body, q)
                })
            };
            let Some((body, q)) = parsed else {
                self.unreadable.push(start);
                return after_obj;
            };
            let text_end = match &body {
                Body::Stream(s) => s.data.start,
                _ => q,
            };
            self.tokens += count_tokens(b.get(start..text_end).unwrap_or_default());
            self.objects.push((start, Obj { id, body }));
            let q = skip_space(b, q);
            if keyword_at(b, q, b"endobj") {
                q + 6
            } else {
                q
            }
        }

        /// After a dictionary: a stream if `stream` and an end of line follow (lopdf's rule).
        fn stream_or_dict(&self, b: &[u8], dict: Dict, after_dict: usize) -> (Body, usize) {
            let q = skip_space(b, after_dict);
            if !starts(b, q, b"stream") {
                return (Body::Dict, after_dict);
            }
            let mut r = q + 6;
            while matches!(b.get(r), Some(b' ' | b'\t')) {
                r += 1;
            }
            let eol = if starts(b, r, b"\r\n") {
                2
            } else if matches!(b.get(r), Some(b'\n' | b'\r')) {
                1
            } else {
                return (Body::Dict, after_dict);
            };
            let data_start = r + eol;
            let end = find(b, data_start, b"endstream");
            let data = data_start..end.unwrap_or(b.len());
            let length = match dict.get(b"Length") {
                Some(Val::Int(len)) => match usize::try_from(*len)
                    .ok()
                    .and_then(|l| data_start.checked_add(l))
                {
                    Some(land) => {
                        let land = if starts(b, land, b"\r\n") {
                            land + 2
                        } else if matches!(b.get(land), Some(b'\r' | b'\n')) {
                            land + 1
                        } else {
                            land
                        };
                        if Some(land) == end {
                            LengthFit::Fits
                        } else if end.is_some_and(|e| land > e) && starts(b, land, b"endstream") {
                            LengthFit::Overlong
                        } else {
                            LengthFit::Ignored
                        }
                    }
                    None => LengthFit::Ignored,
                },
                Some(Val::Ref(id)) => LengthFit::Indirect(*id),
                _ => LengthFit::Missing,
            };
            let after = end.map_or(b.len(), |e| e + b"endstream".len());
            (Body::Stream(Box::new(Stream { dict, data, length })), after)
        }

        /// A classic table, read as leniently as lopdf reads it (entries while they match).
        fn table(&mut self, b: &[u8], start: usize) -> usize {
            let mut p = start + 4;
            let mut entries = Vec::new();
            loop {
                let q = skip_space(b, p);
                let Some((first, q)) = uint_at(b, q) else {
                    break;
                };
                let Some((_count, mut q)) = uint_at(b, skip_space(b, q)) else {
                    break;
                };
                let mut id = first;
                loop {
                    let r = skip_space(b, q);
                    let Some((offset, r)) = uint_at(b, r) else {
                        break;
                    };
                    let Some((_gen, r)) = uint_at(b, skip_space(b, r)) else {
                        break;
                    };
                    let r = skip_space(b, r);
                    match b.get(r) {
                        Some(b'n') => {
                            if let Ok(id) = u32::try_from(id) {
                                entries.push((id, offset));
                            }
                        }
                        Some(b'f') => {}
                        _ => break,
                    }
                    id = id.saturating_add(1);
                    q = r + 1;
                }
                if q == p {
                    break;
                }
                p = q;
            }
            self.tables.push((start, entries));
            p.max(start + 4)
        }

        /// Every check that needs the whole file, then the decoding budget.
        fn check(&self, b: &[u8], limits: &Limits) -> Result<(), Refusal> {
            let streams: Vec<(u32, &Stream)> = self
                .objects
                .iter()
                .filter_map(|(_, o)| match &o.body {
                    Body::Stream(s) => Some((o.id, s.as_ref())),
                    _ => None,
                })
                .collect();

            // Encrypted streams cannot be checked, and staff could not open the file.
            // lopdf reads any stream a pointer reaches as a cross-reference stream if it has
            // `/W` and `/Size`; `/Type /XRef` marks the genuine ones.
            let xref_like = |s: &Stream| {
                s.dict.name_is(b"Type", b"XRef")
                    || (s.dict.get(b"W").is_some() && s.dict.get(b"Size").is_some())
            };
            if self.trailers.iter().any(|t| t.get(b"Encrypt").is_some())
                || streams
                    .iter()
                    .any(|(_, s)| xref_like(s) && s.dict.get(b"Encrypt").is_some())
            {
                return Err(Refusal::Encrypted);
            }

            // Dictionary-level checks, before any decoding.
            let mut plans = Vec::with_capacity(streams.len());
            for (_, s) in &streams {
                if s.length == LengthFit::Overlong {
                    return Err(malformed("a stream's length runs past its end"));
                }
                if s.dict.name_is(b"Subtype", b"Image")
                    && let (Some(w), Some(h)) = (s.dict.int(b"Width"), s.dict.int(b"Height"))
                {
                    check_pixels(FileKind::Pdf, w.max(0) as u64, h.max(0) as u64, limits)?;
                }
                check_decode_parms(&s.dict)?;
                let filters = filters(&s.dict)?;
                let keep = if xref_like(s) {
                    check_xref_dict(&s.dict)?
                } else if s.dict.name_is(b"Type", b"ObjStm") {
                    let first = s.dict.int(b"First").unwrap_or(0);
                    match usize::try_from(first) {
                        // All of it: its objects are counted too.
                        Ok(first) if first <= MAX_OBJSTM_INDEX => MAX_STRUCTURAL_BYTES as usize,
                        _ => return Err(malformed("an object stream's index is too large")),
                    }
                } else {
                    0
                };
                plans.push((filters, keep));
            }

            // Inflate everything, counted; keep only object streams (at most 16 MiB, to read their
            // index and count their objects) and cross-reference data.
            let budget = Budget::new(limits.max_inflated_bytes);
            let mut structural = 0u64;
            let mut entries: Vec<(u32, u64)> = Vec::new();
            let mut compressed: HashSet<u32> = HashSet::new();
            let mut objstm_pairs = 0usize;
            let mut tokens = self.tokens;
            let mut pointers: Vec<u64> = self.startxrefs.clone();
            for t in &self.trailers {
                pointers.extend(
                    [t.int(b"Prev"), t.int(b"XRefStm")]
                        .into_iter()
                        .flatten()
                        .filter_map(|v| u64::try_from(v).ok()),
                );
            }
            for ((_, s), (filters, keep)) in streams.iter().zip(&plans) {
                let data = b.get(s.data.clone()).unwrap_or_default();
                let mut sink = Sink::new(data.len(), *keep);
                let is_structural = xref_like(s) || s.dict.name_is(b"Type", b"ObjStm");
                if is_structural {
                    // Stop these at what is left of their own, smaller allowance.
                    sink.cap = MAX_STRUCTURAL_BYTES.saturating_sub(structural);
                }
                decode_counted(data, filters, &budget, &mut sink);
                if budget.exceeded.get() || sink.absurd || sink.over_cap {
                    return Err(Refusal::DecompressionBomb {
                        kind: FileKind::Pdf,
                    });
                }
                let decoded = if filters.is_empty() {
                    data.get(..(*keep).min(data.len())).unwrap_or_default()
                } else {
                    &sink.keep
                };
                if xref_like(s) {
                    structural += if filters.is_empty() {
                        data.len() as u64
                    } else {
                        sink.written
                    };
                    let rows = unpredict(&s.dict, decoded);
                    xref_stream_entries(&s.dict, &rows, &mut entries, &mut compressed);
                    pointers.extend(
                        [s.dict.int(b"Prev"), s.dict.int(b"XRefStm")]
                            .into_iter()
                            .flatten()
                            .filter_map(|v| u64::try_from(v).ok()),
                    );
                } else if s.dict.name_is(b"Type", b"ObjStm") {
                    structural += if filters.is_empty() {
                        data.len() as u64
                    } else {
                        sink.written
                    };
                    let rows = unpredict(&s.dict, decoded);
                    let first = usize::try_from(s.dict.int(b"First").unwrap_or(0)).unwrap_or(0);
                    let index = rows.get(..first.min(rows.len())).unwrap_or_default();
                    tokens += count_tokens(rows.get(first..).unwrap_or_default());
                    if let Ok(text) = std::str::from_utf8(index) {
                        let numbers: Vec<Option<u32>> =
                            text.split_whitespace().map(|n| n.parse().ok()).collect();
                        for pair in numbers.chunks_exact(2) {
                            if let [Some(id), Some(_)] = pair {
                                compressed.insert(*id);
                                objstm_pairs += 1;
                            }
                        }
                    }
                }
                if structural > MAX_STRUCTURAL_BYTES {
                    return Err(Refusal::DecompressionBomb {
                        kind: FileKind::Pdf,
                    });
                }
            }

            if tokens > MAX_TOKENS {
                return Err(malformed(
                    "it holds more objects and entries than any genuine document",
                ));
            }

            // Cross-reference data against the objects.
            for (_, table) in &self.tables {
                entries.extend(table.iter().copied());
            }
            let distinct: HashSet<u32> = entries.iter().map(|(id, _)| *id).collect();
            if distinct.len() + objstm_pairs > MAX_OBJECTS {
                return Err(malformed(format!(
                    "it defines more than {MAX_OBJECTS} objects"
                )));
            }
            let starts_at: HashSet<usize> = self.objects.iter().map(|(p, _)| *p).collect();
            let tables_at: HashSet<usize> = self.tables.iter().map(|(p, _)| *p).collect();
            // lopdf parses every entry on its own: entries for different objects at one header
            // would parse it (and copy its stream) once each.
            let mut id_at: HashMap<usize, u32> = HashMap::new();
            let mut dangling = 0usize;
            for (id, offset) in &entries {
                let p = usize::try_from(*offset)
                    .ok()
                    .filter(|&o| o < b.len())
                    .map(|o| skip_space(b, o));
                let Some(p) = p.filter(|&p| header_at(b, p).is_some()) else {
                    dangling += 1;
                    if dangling > MAX_DANGLING {
                        return Err(malformed(
                            "its cross-reference table does not match its objects",
                        ));
                    }
                    continue;
                };
                if id_at.insert(p, *id).is_some_and(|other| other != *id) {
                    return Err(malformed("two objects share one cross-reference offset"));
                }
            }
            for offset in entries.iter().map(|(_, o)| *o).chain(pointers) {
                let Ok(offset) = usize::try_from(offset) else {
                    continue;
                };
                if offset >= b.len() {
                    continue;
                }
                let p = skip_space(b, offset);
                let inside = (header_at(b, p).is_some() && !starts_at.contains(&p))
                    || (keyword_at(b, p, b"xref") && !tables_at.contains(&p));
                if inside || self.unreadable.binary_search(&p).is_ok() {
                    return Err(malformed(
                        "its cross-reference data points inside another object",
                    ));
                }
            }

            // Indirect lengths: every definition lopdf could use must keep the body in place.
            let mut defined: HashMap<u32, Vec<&Body>> = HashMap::new();
            for (_, o) in &self.objects {
                defined.entry(o.id).or_default().push(&o.body);
            }
            for (_, s) in &streams {
                if let LengthFit::Indirect(id) = s.length {
                    check_indirect_length(id, s.data.len(), &defined, &compressed)?;
                }
            }
            Ok(())
        }
    }

    /// Follows a `/Length N G R` through plain objects; refuses anything lopdf might read past
    /// the stream's own `endstream`, or that makes it decode an object stream per stream.
    fn check_indirect_length(
        id: u32,
        room: usize,
        defined: &HashMap<u32, Vec<&Body>>,
        compressed: &HashSet<u32>,
    ) -> Result<(), Refusal> {
        let mut todo = vec![id];
        let mut seen = HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) || seen.len() > 16 {
                continue;
            }
            if compressed.contains(&id) {
                return Err(malformed("a stream's length is stored in an object stream"));
            }
            for body in defined.get(&id).map(Vec::as_slice).unwrap_or_default() {
                match body {
                    Body::Int(len)
                        if usize::try_from(*len).is_ok_and(|l| l <= room) || *len < 0 => {}
                    Body::Int(_) => return Err(malformed("a stream's length runs past its end")),
                    Body::Ref(next) => todo.push(*next),
                    _ => return Err(malformed("a stream's length is not a number")),
                }
            }
        }
        Ok(())
    }

    /// The filter chain of a stream, refusing what no genuine producer writes.
    fn filters(dict: &Dict) -> Result<Vec<Filter>, Refusal> {
        let names: Vec<&Val> = match dict.get(b"Filter") {
            None => return Ok(Vec::new()),
            Some(Val::Array(items)) => items.iter().collect(),
            Some(v) => vec![v],
        };
        if names.len() > MAX_FILTERS {
            return Err(malformed("a stream has too many filters"));
        }
        names
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Val::Name(n) => Ok(match n.as_slice() {
                    b"FlateDecode" | b"Fl" => Filter::Flate,
                    b"LZWDecode" | b"LZW" => {
                        let early = parms_for(dict, i)
                            .and_then(|p| p.int(b"EarlyChange"))
                            .unwrap_or(1);
                        Filter::Lzw {
                            early_change: early != 0,
                        }
                    }
                    b"ASCII85Decode" | b"A85" => Filter::Ascii85,
                    b"ASCIIHexDecode" | b"AHx" => Filter::AsciiHex,
                    b"RunLengthDecode" | b"RL" => Filter::RunLength,
                    _ => Filter::Opaque,
                }),
                _ => Err(malformed("a stream's filter is not a name")),
            })
            .collect()
    }

    /// The decode parameters of the `i`-th filter (a dictionary, or an array of them).
    fn parms_for(dict: &Dict, i: usize) -> Option<&Dict> {
        match dict.get(b"DecodeParms")? {
            Val::Dict(d) => Some(d),
            Val::Array(items) => match items.get(i)? {
                Val::Dict(d) => Some(d),
                _ => None,
            },
            _ => None,
        }
    }

    /// Predictor parameters as lopdf uses them to size its row buffers.
    fn check_decode_parms(dict: &Dict) -> Result<(), Refusal> {
        let all: Vec<&Dict> = match dict.get(b"DecodeParms") {
            Some(Val::Dict(d)) => vec![d],
            Some(Val::Array(items)) => items
                .iter()
                .filter_map(|v| if let Val::Dict(d) = v { Some(d) } else { None })
                .collect(),
            _ => return Ok(()),
        };
        for parms in all {
            if parms.int(b"Predictor").unwrap_or(1) < 2 {
                continue;
            }
            let colors = parms.int(b"Colors").unwrap_or(1);
            let bits = parms.int(b"BitsPerComponent").unwrap_or(8);
            let columns = parms.int(b"Columns").unwrap_or(1);
            let sane = (1..=32).contains(&colors)
                && matches!(bits, 1 | 2 | 4 | 8 | 16)
                && (1..=1 << 24).contains(&columns);
            let row = (columns as u64) * (colors as u64) * (bits.max(8) as u64) / 8;
            if !sane || row > MAX_PREDICTOR_ROW {
                return Err(malformed(
                    "a stream's predictor parameters are out of range",
                ));
            }
        }
        Ok(())
    }

    /// Predictor row layout (bytes per pixel, bytes per row) when a PNG predictor applies, as
    /// lopdf computes it (which rounds components below 8 bits up to 8).
    fn png_rows(dict: &Dict) -> Option<(usize, usize)> {
        let parms = match dict.get(b"DecodeParms")? {
            Val::Dict(d) => d,
            _ => return None,
        };
        if !(10..=15).contains(&parms.int(b"Predictor").unwrap_or(1)) {
            return None;
        }
        let colors = usize::try_from(parms.int(b"Colors").unwrap_or(1).max(1)).ok()?;
        let bits = usize::try_from(parms.int(b"BitsPerComponent").unwrap_or(8).max(8)).ok()?;
        let columns = usize::try_from(parms.int(b"Columns").unwrap_or(1).max(1)).ok()?;
        let bpp = colors * bits / 8;
        Some((bpp, bpp * columns))
    }

    /// How many decoded bytes to keep so that `wanted` bytes survive the predictor.
    fn predicted_prefix(dict: &Dict, wanted: usize) -> usize {
        match png_rows(dict) {
            Some((_, row)) if row > 0 => (wanted / row + 1) * (row + 1),
            _ => wanted,
        }
    }

    /// Undoes a PNG predictor over whole rows (a partial last row is dropped).
    fn unpredict<'a>(dict: &Dict, data: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let Some((bpp, row)) = png_rows(dict) else {
            return std::borrow::Cow::Borrowed(data);
        };
        let mut out = Vec::with_capacity(data.len());
        let mut previous = vec![0u8; row];
        for chunk in data.chunks_exact(row + 1) {
            let (filter, raw) = (chunk[0], &chunk[1..]);
            let mut current = raw.to_vec();
            for i in 0..row {
                let left = if i >= bpp { current[i - bpp] } else { 0 };
                let up = previous[i];
                let up_left = if i >= bpp { previous[i - bpp] } else { 0 };
                let add = match filter {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                    4 => paeth(left, up, up_left),
                    _ => return std::borrow::Cow::Owned(out),
                };
                current[i] = current[i].wrapping_add(add);
            }
            out.extend_from_slice(&current);
            previous = current;
        }
        std::borrow::Cow::Owned(out)
    }

    fn paeth(a: u8, b: u8, c: u8) -> u8 {
        let p = i16::from(a) + i16::from(b) - i16::from(c);
        let (pa, pb, pc) = (
            (p - i16::from(a)).abs(),
            (p - i16::from(b)).abs(),
            (p - i16::from(c)).abs(),
        );
        if pa <= pb && pa <= pc {
            a
        } else if pb <= pc {
            b
        } else {
            c
        }
    }

    /// `/W`, `/Index` and `/Size` of a cross-reference stream, which lopdf trusts to size its
    /// table; returns how many decoded bytes to keep to read the entries.
    fn check_xref_dict(dict: &Dict) -> Result<usize, Refusal> {
        let bad = || malformed("a cross-reference stream's layout is not valid");
        let widths: Vec<i64> = match dict.get(b"W") {
            Some(Val::Array(items)) => items
                .iter()
                .map(|v| if let Val::Int(i) = v { Some(*i) } else { None })
                .collect::<Option<_>>()
                .ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        if widths.len() != 3 || widths.iter().any(|w| !(0..=8).contains(w)) || widths[1] == 0 {
            return Err(bad());
        }
        let size = dict.int(b"Size").ok_or_else(bad)?;
        if !(0..=MAX_OBJECTS as i64 * 16).contains(&size) {
            return Err(bad());
        }
        let count: i64 = match dict.get(b"Index") {
            None => size,
            Some(Val::Array(items)) => {
                let ints: Vec<i64> = items
                    .iter()
                    .map(|v| if let Val::Int(i) = v { Some(*i) } else { None })
                    .collect::<Option<_>>()
                    .ok_or_else(bad)?;
                if !ints.len().is_multiple_of(2)
                    || ints
                        .iter()
                        .any(|&i| !(0..=i64::from(u32::MAX)).contains(&i))
                {
                    return Err(bad());
                }
                ints.chunks_exact(2).map(|pair| pair[1]).sum()
            }
            Some(_) => return Err(bad()),
        };
        if count > MAX_OBJECTS as i64 {
            return Err(malformed(format!(
                "it defines more than {MAX_OBJECTS} objects"
            )));
        }
        let entry: i64 = widths.iter().sum();
        Ok(predicted_prefix(
            dict,
            usize::try_from(count * entry).unwrap_or(0),
        ))
    }

    /// Reads the entries of a decoded cross-reference stream.
    fn xref_stream_entries(
        dict: &Dict,
        data: &[u8],
        entries: &mut Vec<(u32, u64)>,
        compressed: &mut HashSet<u32>,
    ) {
        let widths: Vec<usize> = match dict.get(b"W") {
            Some(Val::Array(items)) => items
                .iter()
                .filter_map(|v| {
                    if let Val::Int(i) = v {
                        usize::try_from(*i).ok()
                    } else {
                        None
                    }
                })
                .collect(),
            _ => return,
        };
        let [w0, w1, w2] = widths[..] else { return };
        let size = dict.int(b"Size").unwrap_or(0);
        let sections: Vec<(i64, i64)> = match dict.get(b"Index") {
            Some(Val::Array(items)) => items
                .chunks_exact(2)
                .filter_map(|p| match p {
                    [Val::Int(a), Val::Int(b)] => Some((*a, *b)),
                    _ => None,
                })
                .collect(),
            _ => vec![(0, size)],
        };
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |v, &c| (v << 8) | u64::from(c));
        if w0 + w1 + w2 == 0 {
            return;
        }
        let mut rows = data.chunks_exact(w0 + w1 + w2);
        for (first, count) in sections {
            for id in first..first.saturating_add(count) {
                let Some(row) = rows.next() else { return };
                let kind = if w0 == 0 { 1 } else { field(&row[..w0]) };
                let Ok(id) = u32::try_from(id) else { return };
                match kind {
                    1 => entries.push((id, field(&row[w0..w0 + w1]))),
                    2 => {
                        compressed.insert(id);
                    }
                    _ => {}
                }
            }
        }
    }

    // ---- lopdf ----

    /// Loads the file with lopdf on a thread with a large stack, catching any panic.
    fn load_with_lopdf(b: &[u8], limits: &Limits) -> Result<u32, Refusal> {
        let failed = || malformed("the PDF reader could not read it");
        std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new()
                .name("pdf-check".to_owned())
                .stack_size(LOPDF_STACK)
                .spawn_scoped(scope, || load(b, limits));
            match spawned {
                Ok(handle) => handle.join().unwrap_or_else(|_| Err(failed())),
                // No thread could be made: run here, still catching a panic.
                Err(_) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(b, limits)))
                        .unwrap_or_else(|_| Err(failed()))
                }
            }
        })
    }

    fn load(b: &[u8], limits: &Limits) -> Result<u32, Refusal> {
        let options = lopdf::LoadOptions {
            // A second guard: the scan already bounded these streams.
            max_decompressed_size: usize::try_from(MAX_STRUCTURAL_BYTES).ok(),
            ..Default::default()
        };
        let doc = lopdf::Document::load_mem_with_options(b, options).map_err(|e| match e {
            lopdf::Error::Decryption(_)
            | lopdf::Error::InvalidPassword
            | lopdf::Error::UnsupportedSecurityHandler(_) => Refusal::Encrypted,
            lopdf::Error::Decompress(_) => Refusal::DecompressionBomb {
                kind: FileKind::Pdf,
            },
            lopdf::Error::Xref(_) | lopdf::Error::MissingXrefEntry => {
                malformed("its cross-reference table is missing or damaged")
            }
            lopdf::Error::Parse(_) => {
                malformed("its header, cross-reference table or trailer cannot be read")
            }
            _ => malformed("its structure cannot be read"),
        })?;
        if doc.encryption_state.is_some() || doc.trailer.get(b"Encrypt").is_ok() {
            return Err(Refusal::Encrypted);
        }
        if doc.catalog().is_err() {
            return Err(malformed("it has no document catalog"));
        }
        let limit = limits.max_pages;
        let pages = doc.page_iter().take(limit as usize + 1).count();
        if pages == 0 {
            return Err(malformed("it has no pages"));
        }
        if pages > limit as usize {
            return Err(Refusal::TooManyPages { limit });
        }
        Ok(pages as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use flate2::{Compress, Compression, FlushCompress};
    use std::time::Instant;

    // ---- samples ----

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// A PDF with objects 1..=n and a correct classic cross-reference table.
    fn pdf_with(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
        );
        for o in &offsets {
            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        s.extend_from_slice(data);
        s.extend_from_slice(b"\nendstream");
        s
    }

    fn page_objects(pages: usize) -> Vec<Vec<u8>> {
        let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + i)).collect();
        let mut objects = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            format!(
                "<< /Type /Pages /Kids [{}] /Count {pages} >>",
                kids.join(" ")
            )
            .into_bytes(),
            stream(
                "/Filter /FlateDecode",
                &zlib(b"BT /F1 24 Tf 72 720 Td (Xin chao) Tj ET"),
            ),
        ];
        for _ in 0..pages {
            objects.push(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>".to_vec(),
            );
        }
        objects
    }

    fn valid_pdf() -> Vec<u8> {
        pdf_with(&page_objects(1), "")
    }

    /// A PDF 1.5 written by lopdf with object streams and a cross-reference stream.
    fn modern_pdf() -> Vec<u8> {
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let content = Stream::new(
            dictionary! {},
            b"BT /F1 12 Tf 72 720 Td (Ho so) Tj ET".to_vec(),
        );
        let content_id = doc.add_object(content);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        doc.compress();
        let mut out = Vec::new();
        let options = lopdf::SaveOptions::builder()
            .use_object_streams(true)
            .use_xref_streams(true)
            .build();
        doc.save_with_options(&mut out, options).unwrap();
        out
    }

    fn png_chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(ty);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(ty);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }

    fn png(width: u32, height: u32, with_iend: bool) -> Vec<u8> {
        let mut out = PNG_SIGNATURE.to_vec();
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
        png_chunk(&mut out, b"IHDR", &ihdr);
        png_chunk(&mut out, b"IDAT", &zlib(&[0, 0x80]));
        if with_iend {
            png_chunk(&mut out, b"IEND", &[]);
        }
        out
    }

    /// A complete baseline JPEG (8-bit grey, one MCU of flat grey), decodable by any reader.
    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(&[
            0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        out.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
        out.extend_from_slice(&[1; 64]);
        out.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
        out.extend_from_slice(&height.to_be_bytes());
        out.extend_from_slice(&width.to_be_bytes());
        out.extend_from_slice(&[1, 1, 0x11, 0]);
        // DC table 0 and AC table 0, each one 1-bit code for symbol 0 (DC diff 0; EOB).
        out.extend_from_slice(&[
            0xFF, 0xC4, 0, 20, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        out.extend_from_slice(&[
            0xFF, 0xC4, 0, 20, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        out.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
        out.push(0x3F); // bits 0 (DC) 0 (EOB), padded with ones
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    /// zlib data for `total` zero bytes (a multiple of 1 MiB), built without compressing all
    /// of it: after the first MiB the window holds only zeros, so one sync-flushed block that
    /// encodes a MiB of zeros can be repeated as often as needed.
    fn zlib_zeros(total: usize) -> Vec<u8> {
        const MIB: usize = 1 << 20;
        assert!(total.is_multiple_of(MIB) && total >= 2 * MIB);
        let zeros = vec![0u8; MIB];
        let mut c = Compress::new(Compression::best(), true);
        let piece = |c: &mut Compress, input: &[u8], flush| {
            let mut out = Vec::with_capacity(64 * 1024);
            let before = c.total_in();
            c.compress_vec(input, &mut out, flush).unwrap();
            assert_eq!(c.total_in() - before, input.len() as u64);
            out
        };
        let first = piece(&mut c, &zeros, FlushCompress::Sync);
        let repeated = piece(&mut c, &zeros, FlushCompress::Sync);
        let mut out = first;
        for _ in 1..total / MIB {
            out.extend_from_slice(&repeated);
        }
        let mut end = piece(&mut c, &[], FlushCompress::Finish);
        // The encoder's checksum covers the two MiB it saw; a run of n zeros has Adler-32
        // A = 1, B = n mod 65521.
        let len = end.len();
        end[len - 4..].copy_from_slice(&((((total % 65521) as u32) << 16) | 1).to_be_bytes());
        out.extend_from_slice(&end);
        out
    }

    fn limits() -> Limits {
        Limits::default()
    }

    fn code(bytes: &[u8], name: &str) -> &'static str {
        match inspect(bytes, name, &limits()) {
            Ok(_) => "accepted",
            Err(r) => r.code(),
        }
    }

    /// A tiny deterministic generator, so the "random" tests are repeatable.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    // ---- accepted ----

    #[test]
    fn accepts_valid_samples() {
        let pdf = inspect(&valid_pdf(), "Đơn đề nghị.pdf", &limits()).unwrap();
        assert_eq!((pdf.kind, pdf.pages), (FileKind::Pdf, Some(1)));
        let modern = inspect(&modern_pdf(), "ho-so.pdf", &limits()).unwrap();
        assert_eq!(modern.pages, Some(1));
        let png = inspect(&png(3, 2, true), "anh.PNG", &limits()).unwrap();
        assert_eq!(
            (png.kind, png.width, png.height),
            (FileKind::Png, Some(3), Some(2))
        );
        let jpg = inspect(&jpeg(1, 1), "cmnd.jpeg", &limits()).unwrap();
        assert_eq!(
            (jpg.kind, jpg.width, jpg.height),
            (FileKind::Jpeg, Some(1), Some(1))
        );
        // Names without an extension, or with one no known type uses, are fine.
        assert_eq!(code(&valid_pdf(), "Quyết định số 12.2024"), "accepted");
        assert_eq!(code(&jpeg(1, 1), "scan"), "accepted");
        assert_eq!(FileKind::Jpeg.media_type(), "image/jpeg");
        assert_eq!(FileKind::from_extension("JFIF"), Some(FileKind::Jpeg));
    }

    #[test]
    fn accepts_a_pdf_with_a_plain_indirect_length_and_ultra_hdr_jpeg() {
        let mut objects = page_objects(1);
        let data = zlib(b"0 0 m 100 100 l S");
        let mut content = b"<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n".to_vec();
        content.extend_from_slice(&data);
        content.extend_from_slice(b"\nendstream");
        objects[2] = content;
        objects.push(data.len().to_string().into_bytes());
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "accepted");

        let mut photo = jpeg(4, 4);
        photo.extend_from_slice(&jpeg(2, 2)); // a gain map after the primary image
        photo.extend_from_slice(&[0, 0, 0]);
        assert_eq!(code(&photo, "IMG_0001.jpg"), "accepted");
    }

    // ---- type and name ----

    #[test]
    fn names_must_agree_with_content() {
        assert_eq!(
            inspect(&png(1, 1, true), "hop-dong.pdf", &limits()),
            Err(Refusal::NameDisagrees {
                name_says: "pdf",
                content_is: FileKind::Png
            })
        );
        assert_eq!(code(&valid_pdf(), "x.png"), "name_disagrees");
        assert_eq!(code(&valid_pdf(), "x.jpg"), "name_disagrees");
        assert_eq!(code(&jpeg(1, 1), "x.png"), "name_disagrees");
        assert_eq!(
            code(&valid_pdf(), "invoice\u{202E}fdp.exe"),
            "name_disagrees"
        );
        assert_eq!(code(&valid_pdf(), "ho-so.docx"), "name_disagrees");
        assert_eq!(code(&valid_pdf(), "ho-so.PDF. "), "accepted");
        let text = inspect(b"Day la mot tep van ban.\n", "x.pdf", &limits()).unwrap_err();
        assert_eq!(
            text,
            Refusal::UnknownType {
                looks_like: Some("a text file")
            }
        );
        let zip = inspect(
            b"PK\x03\x04\x14\0\0\0\x08\0rest-of-a-docx",
            "x.pdf",
            &limits(),
        )
        .unwrap_err();
        assert_eq!(zip.code(), "unknown_type");
        assert!(zip.message().contains("ZIP archive"), "{}", zip.message());
        for other in [
            &b"GIF89a\x01\0\x01\0"[..],
            b"MZ\x90\0",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"RIFF\0\0\0\0WEBPVP8 ",
        ] {
            assert_eq!(code(other, "x.pdf"), "unknown_type");
        }
        // Strict: a PDF header must be at offset 0.
        let mut late = b"junk".to_vec();
        late.extend_from_slice(&valid_pdf());
        assert_eq!(code(&late, "x.pdf"), "unknown_type");
        assert_eq!(code(b"", "x.pdf"), "empty");
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let small = Limits {
            max_bytes: 1024,
            ..Limits::default()
        };
        let big = vec![0u8; 1025];
        assert_eq!(
            inspect(&big, "x.pdf", &small),
            Err(Refusal::TooLarge { limit: 1024 })
        );
        let huge = vec![b'%'; 11 * 1024 * 1024];
        let t = Instant::now();
        assert_eq!(code(&huge, "x.pdf"), "too_large");
        assert!(t.elapsed().as_millis() < 1000);
        assert!(
            Refusal::TooLarge { limit: 10 << 20 }
                .message()
                .contains("10 MiB")
        );
    }

    // ---- PDF ----

    #[test]
    fn cut_pdfs_are_truncated() {
        let pdf = valid_pdf();
        assert_eq!(code(&pdf[..pdf.len() / 2], "x.pdf"), "truncated");
        let eof = pdf.windows(5).rposition(|w| w == b"%%EOF").unwrap();
        assert_eq!(code(&pdf[..eof], "x.pdf"), "truncated");
        let mut padded = pdf.clone();
        padded.extend_from_slice(b"\r\n\0\0 ");
        assert_eq!(code(&padded, "x.pdf"), "accepted");
        let mut appended = pdf.clone();
        appended.extend_from_slice(b"<html>polyglot</html>");
        assert_eq!(code(&appended, "x.pdf"), "trailing_data");
    }

    #[test]
    fn flate_bomb_of_one_gib_is_refused_quickly() {
        let bomb = zlib_zeros(1 << 30);
        let mut objects = page_objects(1);
        objects.push(stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Filter /FlateDecode",
            &bomb,
        ));
        let pdf = pdf_with(&objects, "");
        let t = Instant::now();
        let refusal = inspect(&pdf, "x.pdf", &limits()).unwrap_err();
        println!(
            "1 GiB flate bomb ({} bytes of PDF): refused in {:?}",
            pdf.len(),
            t.elapsed()
        );
        assert_eq!(
            refusal,
            Refusal::DecompressionBomb {
                kind: FileKind::Pdf
            }
        );
        // A tighter budget stops it sooner.
        let tight = Limits {
            max_inflated_bytes: 8 << 20,
            ..Limits::default()
        };
        let t = Instant::now();
        assert_eq!(
            inspect(&pdf, "x.pdf", &tight).unwrap_err().code(),
            "decompression_bomb"
        );
        println!(
            "same bomb with an 8 MiB budget: refused in {:?}",
            t.elapsed()
        );
    }

    #[test]
    fn stacked_flate_is_refused_by_its_ratio() {
        let inner = zlib_zeros(256 << 20);
        let outer = zlib(&inner);
        let mut objects = page_objects(1);
        objects.push(stream("/Filter [/FlateDecode /FlateDecode]", &outer));
        let pdf = pdf_with(&objects, "");
        let t = Instant::now();
        assert_eq!(code(&pdf, "x.pdf"), "decompression_bomb");
        println!(
            "stacked flate (256 MiB in {} bytes): refused in {:?}",
            outer.len(),
            t.elapsed()
        );
    }

    #[test]
    fn object_stream_bomb_is_refused_before_lopdf() {
        let bomb = zlib_zeros(1 << 30);
        let mut objects = page_objects(1);
        objects.push(stream(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            &bomb,
        ));
        let pdf = pdf_with(&objects, "");
        let t = Instant::now();
        let prescan = pdf::prescan(&pdf, &limits());
        println!(
            "ObjStm bomb ({} bytes): pre-scan refused in {:?}",
            pdf.len(),
            t.elapsed()
        );
        assert_eq!(
            prescan,
            Err(Refusal::DecompressionBomb {
                kind: FileKind::Pdf
            })
        );
        assert_eq!(code(&pdf, "x.pdf"), "decompression_bomb");
    }

    #[test]
    fn encrypted_pdf_is_refused() {
        let mut objects = page_objects(1);
        objects.push(b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -3904 >>".to_vec());
        let pdf = pdf_with(&objects, "/Encrypt 5 0 R /ID [<01> <01>]");
        assert_eq!(inspect(&pdf, "x.pdf", &limits()), Err(Refusal::Encrypted));
    }

    #[test]
    fn pages_are_counted_and_limited() {
        let pdf = pdf_with(&page_objects(3), "");
        assert_eq!(inspect(&pdf, "x.pdf", &limits()).unwrap().pages, Some(3));
        let two = Limits {
            max_pages: 2,
            ..Limits::default()
        };
        assert_eq!(
            inspect(&pdf, "x.pdf", &two),
            Err(Refusal::TooManyPages { limit: 2 })
        );
        assert_eq!(code(&pdf_with(&page_objects(0), ""), "x.pdf"), "malformed");
    }

    #[test]
    fn huge_image_inside_a_pdf_is_refused() {
        let mut objects = page_objects(1);
        objects.push(stream("/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", &jpeg(1, 1)));
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "too_many_pixels");
    }

    #[test]
    fn streams_that_overlap_or_hide_their_length_are_refused() {
        // A /Length that swallows the next object: lopdf would copy both bodies.
        let mut objects = page_objects(1);
        let inner = stream("", b"inner");
        let mut outer = format!("<< /Length {} >>\nstream\n", inner.len() + 5).into_bytes();
        outer.extend_from_slice(b"xxxx\nendstream\n");
        outer.extend_from_slice(&inner);
        objects.push(outer);
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "malformed");

        // A length that lopdf would look up in an object stream once per stream.
        let mut objects = page_objects(1);
        let index = b"6 0 ";
        let mut objstm = index.to_vec();
        objstm.extend_from_slice(b"12");
        objects.push(stream(
            &format!("/Type /ObjStm /N 1 /First {}", index.len()),
            &objstm,
        ));
        objects[2] = b"<< /Length 6 0 R >>\nstream\nabc\nendstream".to_vec();
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "malformed");
    }

    #[test]
    fn cross_reference_pointing_inside_an_object_is_refused() {
        let mut objects = page_objects(1);
        objects.push(b"(5 0 obj << /Type /Page >> endobj)".to_vec());
        let mut pdf = pdf_with(&objects, "");
        // Point object 4's entry at the header hidden inside object 5's string.
        let hidden = pdf.windows(8).position(|w| w == b"(5 0 obj").unwrap() + 1;
        let entry = format!("{hidden:010} 00000 n\r\n");
        let xref = pdf.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
        let fourth = xref + b"xref\n0 6\n".len() + 20 * 4;
        pdf[fourth..fourth + 20].copy_from_slice(entry.as_bytes());
        assert_eq!(code(&pdf, "x.pdf"), "malformed");
    }

    #[test]
    fn absurd_cross_reference_streams_are_refused() {
        for dict in [
            "/Type /XRef /Size 3 /W [0 0 0]",
            "/Type /XRef /Size 3 /W [1 2 1] /Index [0 4000000000]",
            "/Type /XRef /Size 3 /W [1 99 1]",
        ] {
            let mut objects = page_objects(1);
            objects.push(stream(dict, b"\x01\x00\x10\x00"));
            assert_eq!(
                code(&pdf_with(&objects, ""), "x.pdf"),
                "malformed",
                "{dict}"
            );
        }
        let mut objects = page_objects(1);
        objects.push(stream(
            "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 100000000000 >>",
            &zlib(b"x"),
        ));
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "malformed");
    }

    #[test]
    fn object_heavy_pdfs_are_refused() {
        // About 1.1 million keys and values: lopdf would hold each as an object.
        let mut objects = page_objects(1);
        let dict = format!(
            "<< {} >>",
            (0..1000)
                .map(|i| format!("/k{i} 0"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        for _ in 0..550 {
            objects.push(dict.clone().into_bytes());
        }
        let pdf = pdf_with(&objects, "");
        let t = Instant::now();
        assert_eq!(code(&pdf, "x.pdf"), "malformed");
        println!(
            "{} bytes of dictionaries: refused in {:?}",
            pdf.len(),
            t.elapsed()
        );

        // A table whose entries point nowhere would make lopdf log an error per entry.
        let mut pdf = valid_pdf();
        let xref = pdf.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
        let tail = pdf.split_off(xref);
        let trailer = tail.windows(7).position(|w| w == b"trailer").unwrap();
        pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f\r\n");
        pdf.extend_from_slice(&tail[b"xref\n0 5\n0000000000 65535 f\r\n".len()..trailer]);
        pdf.extend_from_slice(b"1000 500\n");
        for _ in 0..500 {
            pdf.extend_from_slice(b"0000000001 00000 n\r\n");
        }
        pdf.extend_from_slice(&tail[trailer..]);
        let refusal = inspect(&pdf, "x.pdf", &limits()).unwrap_err();
        assert!(refusal.message().contains("does not match"), "{refusal:?}");
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let mut objects = page_objects(1);
        objects.push(format!("{}{}", "[".repeat(99), "]".repeat(99)).into_bytes());
        objects.push(format!("<< /A {}1{} >>", "<< /A ".repeat(98), " >>".repeat(98)).into_bytes());
        assert_eq!(code(&pdf_with(&objects, ""), "x.pdf"), "accepted");
        let mut objects = page_objects(1);
        objects.push(format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes());
        assert_ne!(code(&pdf_with(&objects, ""), "x.pdf"), "accepted");
    }

    #[test]
    fn garbage_after_the_header_is_refused_without_panicking() {
        let mut rng = XorShift(0x5EED_1234_ABCD_0001);
        let t = Instant::now();
        for i in 0..400 {
            let len = (rng.next() % 4096) as usize;
            let mut pdf = b"%PDF-1.7\n".to_vec();
            pdf.extend_from_slice(&rng.bytes(len));
            if i % 2 == 0 {
                pdf.extend_from_slice(b"\nstartxref\n9\n%%EOF\n");
            }
            assert_ne!(code(&pdf, "x.pdf"), "accepted");
        }
        println!("400 garbage PDFs in {:?}", t.elapsed());
    }

    // ---- images ----

    #[test]
    fn png_bombs_and_cuts() {
        let bomb = png(100_000, 100_000, true);
        assert_eq!(
            inspect(&bomb, "x.png", &limits()),
            Err(Refusal::TooManyPixels {
                kind: FileKind::Png,
                width: 100_000,
                height: 100_000,
                limit: 40_000_000
            })
        );
        assert_eq!(code(&png(2, 2, false), "x.png"), "truncated");
        let ok = png(2, 2, true);
        assert_eq!(code(&ok[..ok.len() - 5], "x.png"), "truncated");
        let mut corrupt = ok.clone();
        corrupt[PNG_SIGNATURE.len() + 10] ^= 1;
        assert_eq!(code(&corrupt, "x.png"), "malformed");
        let mut appended = ok.clone();
        appended.extend_from_slice(b"PK\x03\x04");
        assert_eq!(code(&appended, "x.png"), "trailing_data");
        // A compressed text chunk that inflates past the budget.
        let mut ztxt = png(2, 2, false);
        let mut data = b"Comment\0\0".to_vec();
        data.extend_from_slice(&zlib_zeros(16 << 20));
        png_chunk(&mut ztxt, b"zTXt", &data);
        png_chunk(&mut ztxt, b"IEND", &[]);
        let tight = Limits {
            max_inflated_bytes: 4 << 20,
            ..Limits::default()
        };
        assert_eq!(
            inspect(&ztxt, "x.png", &tight).unwrap_err().code(),
            "decompression_bomb"
        );
    }

    #[test]
    fn jpeg_bombs_and_cuts() {
        let ok = jpeg(1, 1);
        assert_eq!(code(&ok[..ok.len() - 2], "x.jpg"), "truncated");
        assert_eq!(code(&ok[..ok.len() / 2], "x.jpg"), "truncated");
        let bomb = inspect(&jpeg(65535, 65535), "x.jpg", &limits()).unwrap_err();
        assert_eq!(bomb.code(), "too_many_pixels");
        assert!(
            bomb.message().contains("65535 × 65535"),
            "{}",
            bomb.message()
        );
        let mut motion = ok.clone();
        motion.extend_from_slice(b"\0\0\0\x18ftypmp42");
        assert_eq!(code(&motion, "x.jpg"), "trailing_data");
        let mut padded = ok.clone();
        padded.extend_from_slice(&[0; 32]);
        assert_eq!(code(&padded, "x.jpg"), "accepted");
    }

    /// Prints what rejecting each small hostile sample costs (run with `--nocapture`).
    #[test]
    fn hostile_samples_are_cheap_to_refuse() {
        let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("png named .pdf", png(1, 1, true), "hop-dong.pdf"),
            ("text named .pdf", b"hello".to_vec(), "x.pdf"),
            ("zip named .pdf", b"PK\x03\x04rest".to_vec(), "x.pdf"),
            (
                "pdf cut in half",
                valid_pdf()[..valid_pdf().len() / 2].to_vec(),
                "x.pdf",
            ),
            ("png 100000x100000", png(100_000, 100_000, true), "x.png"),
            ("png without IEND", png(2, 2, false), "x.png"),
            (
                "jpeg without EOI",
                jpeg(1, 1)[..jpeg(1, 1).len() - 2].to_vec(),
                "x.jpg",
            ),
            ("jpeg 65535x65535", jpeg(65535, 65535), "x.jpg"),
        ];
        let mut encrypted = page_objects(1);
        encrypted.push(b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>".to_vec());
        cases.push((
            "encrypted pdf",
            pdf_with(&encrypted, "/Encrypt 5 0 R"),
            "x.pdf",
        ));
        for (what, bytes, name) in &cases {
            let t = Instant::now();
            let result = inspect(bytes, name, &limits());
            println!(
                "{what:>20}: {:<16} in {:?}",
                result.as_ref().map_or_else(Refusal::code, |_| "accepted"),
                t.elapsed()
            );
            assert!(result.is_err(), "{what}");
        }
    }

    // ---- names ----

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\x\\Đơn đề nghị.pdf"),
            "Đơn đề nghị.pdf"
        );
        assert_eq!(
            sanitize_file_name("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        // macOS sends decomposed Vietnamese; it is stored composed.
        assert_eq!(sanitize_file_name("Đo\u{31B}\u{301}n.pdf"), "Đớn.pdf");
        let long = format!("{}.pdf", "Giấy chứng nhận ".repeat(40));
        let capped = sanitize_file_name(&long);
        assert_eq!(capped.chars().count(), 120);
        assert!(capped.ends_with(".pdf"));
        assert_eq!(sanitize_file_name(&"a".repeat(500)).chars().count(), 120);
        assert_eq!(sanitize_file_name(""), "tep-dinh-kem");
        assert_eq!(sanitize_file_name("  \u{200B}/\\ "), "tep-dinh-kem");
        assert_eq!(sanitize_file_name(".pdf"), "tep-dinh-kem.pdf");
        assert_eq!(sanitize_file_name("..."), "tep-dinh-kem");
        assert_eq!(sanitize_file_name("a\tb  c\nd.pdf"), "a b c d.pdf");
        assert_eq!(
            sanitize_file_name("bao \"cao\" <1>?.pdf"),
            "bao _cao_ _1__.pdf"
        );
        assert_eq!(sanitize_file_name("CON.pdf"), "_CON.pdf");
        assert_eq!(sanitize_file_name("report.pdf..  "), "report.pdf");
    }

    #[test]
    fn every_refusal_has_a_code_and_a_sentence() {
        let all = [
            Refusal::Empty,
            Refusal::TooLarge { limit: 10 << 20 },
            Refusal::UnknownType { looks_like: None },
            Refusal::NameDisagrees {
                name_says: "exe",
                content_is: FileKind::Pdf,
            },
            Refusal::Truncated {
                kind: FileKind::Pdf,
            },
            Refusal::TrailingData {
                kind: FileKind::Jpeg,
            },
            Refusal::malformed(FileKind::Png, "its IHDR chunk has the wrong length"),
            Refusal::Encrypted,
            Refusal::DecompressionBomb {
                kind: FileKind::Pdf,
            },
            Refusal::TooManyPixels {
                kind: FileKind::Pdf,
                width: 1,
                height: 2,
                limit: 40_000_000,
            },
            Refusal::TooManyPages { limit: 500 },
        ];
        let codes: HashSet<&str> = all.iter().map(Refusal::code).collect();
        assert_eq!(codes.len(), all.len());
        for r in &all {
            assert!(
                r.code()
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c == b'_')
            );
            let m = r.message();
            assert!(m.ends_with('.') && m.len() > 20, "{m}");
            assert_eq!(r.to_string(), m);
        }
    }

    #[test]
    fn cleaning_a_name_twice_changes_nothing_when_an_invisible_sits_between_combining_marks() {
        // Found by the property below: U+FE00 between two combining marks of different classes.
        let name = "\u{eb8}\u{fe00}\u{1bc9e}";
        let once = sanitize_file_name(name);
        assert_eq!(sanitize_file_name(&once), once);
    }

    // ---- properties ----

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn samples() -> Vec<(Vec<u8>, &'static str)> {
            vec![
                (valid_pdf(), "x.pdf"),
                (modern_pdf(), "x.pdf"),
                (png(3, 2, true), "x.png"),
                (jpeg(1, 1), "x.jpg"),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in ".{0,40}") {
                let _ = inspect(&bytes, &name, &Limits::default());
                let _ = sanitize_file_name(&name);
            }

            #[test]
            fn never_panics_on_mutated_samples(
                which in 0usize..4,
                edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..8),
            ) {
                let (mut bytes, name) = samples().swap_remove(which);
                for (at, byte, op) in edits {
                    let at = at % (bytes.len() + 1);
                    match op {
                        0 if at < bytes.len() => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        2 if at < bytes.len() => { bytes.remove(at); }
                        _ => bytes.truncate(at.max(1)),
                    }
                }
                let _ = inspect(&bytes, name, &Limits::default());
            }

            #[test]
            fn sanitized_names_are_safe(name in "\\PC{0,300}") {
                let clean = sanitize_file_name(&name);
                prop_assert!(!clean.is_empty());
                prop_assert!(clean.chars().count() <= 120);
                prop_assert!(!clean.contains(['/', '\\']));
                prop_assert!(!clean.chars().any(is_invisible));
                prop_assert_eq!(sanitize_file_name(&clean), clean.clone());
            }
        }
    }
}

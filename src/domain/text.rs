//! Text clean-up shared by every free-text field.

use unicode_normalization::UnicodeNormalization;

/// NFC-normalises, trims and folds runs of white space into one space.
///
/// NFC matters: decomposed Vietnamese diacritics would otherwise compare unequal and render badly.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds a name for diacritics-insensitive search: NFD, combining marks removed, `đ`/`Đ` -> `d`,
/// lower case, single spaces. "Công ty Điện tử Ánh Dương" -> "cong ty dien tu anh duong".
pub fn fold(s: &str) -> String {
    let folded: String = s
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`clean`], but an empty result becomes `None`.
pub fn clean_optional(s: Option<&str>) -> Option<String> {
    s.map(clean).filter(|s| !s.is_empty())
}

/// The longest text any field takes, whatever its own limit: a ceiling checked at the edge, before
/// any field-level rule, so no request can make the service handle a huge string.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The first character that must not be stored in text: a control character other than tab,
/// line feed and carriage return (NUL, ESC, DEL, C1), a bidirectional formatting character
/// (which can make a name display as something else), or an invisible one (zero-width space,
/// zero-width joiner, word joiner, byte-order mark). Vietnamese text needs none of them.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| is_forbidden(c))
}

fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200D}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{180E}'
                | '\u{FEFF}'
        )
}

/// Why a character is refused, for people: "U+202E (a bidirectional formatting character)".
pub fn describe_forbidden(c: char) -> String {
    let kind = if c.is_control() {
        "a control character"
    } else if matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    {
        "a bidirectional formatting character"
    } else {
        "an invisible character"
    };
    format!("U+{:04X} ({kind})", u32::from(c))
}

/// Checks text against [`forbidden_char`] and [`MAX_TEXT_CHARS`]: the field's violation, if any.
pub fn check_text(field: &str, s: &str) -> Option<super::FieldViolation> {
    if let Some(c) = forbidden_char(s) {
        return Some(super::FieldViolation::new(
            field,
            "forbidden_character",
            format!("must not contain {}", describe_forbidden(c)),
        ));
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Some(super::FieldViolation::new(
            field,
            "too_long",
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    None
}

/// The text without forbidden characters: for showing data stored before they were refused.
pub fn visible(s: &str) -> String {
    s.chars().filter(|&c| !is_forbidden(c)).collect()
}

/// True when the text holds a character that must not be stored ([`forbidden_char`]).
pub fn has_control_chars(s: &str) -> bool {
    forbidden_char(s).is_some()
}

/// Validator for single-line names: not blank, no control, bidirectional or invisible
/// characters.
pub fn check_line(s: &str) -> Result<(), validator::ValidationError> {
    if s.trim().is_empty() {
        return Err(super::invalid("blank", "must not be empty"));
    }
    if has_control_chars(s) {
        return Err(super::invalid(
            "control_characters",
            "must not contain control, bidirectional or invisible characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_composes_decomposed_vietnamese_and_folds_spaces() {
        let decomposed = "Khu  co\u{302}ng nghie\u{323}\u{302}p\t Nam \u{110}o\u{302}ng Ha\u{300} ";
        assert_eq!(clean(decomposed), "Khu công nghiệp Nam Đông Hà");
    }

    #[test]
    fn folding_ignores_diacritics_case_and_the_d_with_stroke() {
        assert_eq!(
            fold("Công ty Điện tử Ánh Dương"),
            "cong ty dien tu anh duong"
        );
        assert_eq!(fold("CÔNG  TY   ĐIỆN TỬ"), "cong ty dien tu");
        // Decomposed input folds the same.
        assert_eq!(
            fold("Co\u{302}ng ty \u{110}ie\u{323}\u{302}n"),
            "cong ty dien"
        );
    }

    #[test]
    fn control_bidirectional_and_invisible_characters_are_named() {
        for (text, code) in [
            ("a\u{0}b", 0x0),
            ("\u{1b}[31m", 0x1b),
            ("x\u{7f}", 0x7f),
            ("Nguy\u{202E}n", 0x202E),
            ("An\u{200B}", 0x200B),
            ("\u{2066}abc\u{2069}", 0x2066),
            ("\u{FEFF}Hà", 0xFEFF),
        ] {
            assert_eq!(forbidden_char(text).map(u32::from), Some(code), "{text:?}");
        }
        assert_eq!(forbidden_char("Quảng Trị\nline two\ttab"), None);
        assert_eq!(
            check_text("name", "A\u{202E}B").unwrap().message,
            "must not contain U+202E (a bidirectional formatting character)"
        );
        assert_eq!(
            check_text("note", &"x".repeat(MAX_TEXT_CHARS + 1))
                .unwrap()
                .code,
            "too_long"
        );
        assert_eq!(visible("Ng\u{200B}uy\u{0}ễn"), "Nguyễn");
    }

    #[test]
    fn blank_and_control_characters_are_refused() {
        assert_eq!(check_line("  ").unwrap_err().code, "blank");
        assert_eq!(
            check_line("a\u{7}b").unwrap_err().code,
            "control_characters"
        );
        assert!(check_line("Quảng Trị").is_ok());
    }
}

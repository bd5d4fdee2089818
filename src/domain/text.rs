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

/// True when the text holds a control character (after [`clean`], only those that are not white space).
pub fn has_control_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Validator for single-line names: not blank, no control characters.
pub fn check_line(s: &str) -> Result<(), validator::ValidationError> {
    if s.trim().is_empty() {
        return Err(super::invalid("blank", "must not be empty"));
    }
    if has_control_chars(s) {
        return Err(super::invalid(
            "control_characters",
            "must not contain control characters",
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
    fn blank_and_control_characters_are_refused() {
        assert_eq!(check_line("  ").unwrap_err().code, "blank");
        assert_eq!(
            check_line("a\u{7}b").unwrap_err().code,
            "control_characters"
        );
        assert!(check_line("Quảng Trị").is_ok());
    }
}

//! Amounts in Vietnamese words, as written in brackets after a figure on official documents:
//! 1.250.000.000.000 → "Một nghìn hai trăm năm mươi tỷ đồng".

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Words for a group of three digits (`0 < g < 1000`). `full` is true when a higher group was
/// already spoken, so leading zeros are read ("không trăm linh năm").
fn group(g: u64, full: bool, out: &mut Vec<&'static str>) {
    let (h, t, u) = (
        (g / 100) as usize,
        ((g / 10) % 10) as usize,
        (g % 10) as usize,
    );
    let has_hundreds = h > 0 || full;
    if has_hundreds {
        out.push(DIGITS[h]);
        out.push("trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if has_hundreds {
                    out.push("linh");
                }
                out.push(DIGITS[u]);
            }
        }
        1 => {
            out.push("mười");
            match u {
                0 => {}
                5 => out.push("lăm"),
                _ => out.push(DIGITS[u]),
            }
        }
        _ => {
            out.push(DIGITS[t]);
            out.push("mươi");
            match u {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                _ => out.push(DIGITS[u]),
            }
        }
    }
}

/// Words for `n < 10^9`; `full` as in [`group`].
fn below_billion(n: u64, mut full: bool, out: &mut Vec<&'static str>) {
    for (value, scale) in [
        (n / 1_000_000, Some("triệu")),
        ((n / 1_000) % 1_000, Some("nghìn")),
        (n % 1_000, None),
    ] {
        if value == 0 {
            continue;
        }
        group(value, full, out);
        if let Some(s) = scale {
            out.push(s);
        }
        full = true;
    }
}

/// Words for any `n > 0`: billions ("tỷ") recurse, so 10^12 reads "một nghìn tỷ".
fn number(n: u64, full: bool, out: &mut Vec<&'static str>) {
    let (hi, lo) = (n / 1_000_000_000, n % 1_000_000_000);
    if hi > 0 {
        number(hi, full, out);
        out.push("tỷ");
        if lo > 0 {
            below_billion(lo, true, out);
        }
    } else {
        below_billion(lo, full, out);
    }
}

/// A whole number in Vietnamese words, lower case ("một nghìn không trăm linh năm").
pub fn number_words(n: i64) -> String {
    let mut out = Vec::new();
    if n < 0 {
        out.push("âm");
    }
    let abs = n.unsigned_abs();
    if abs == 0 {
        out.push("không");
    } else {
        number(abs, false, &mut out);
    }
    out.join(" ")
}

/// A VND amount in words with a capital first letter: "Mười lăm triệu đồng".
pub fn vnd_words(amount: i64) -> String {
    capitalise(&format!("{} đồng", number_words(amount)))
}

/// Upper-cases the first letter.
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_on_official_documents() {
        let cases = [
            (0, "Không đồng"),
            (1, "Một đồng"),
            (10, "Mười đồng"),
            (15, "Mười lăm đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (55, "Năm mươi lăm đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (1_005, "Một nghìn không trăm linh năm đồng"),
            (15_000_000, "Mười lăm triệu đồng"),
            (1_000_001, "Một triệu không trăm linh một đồng"),
            (120_000_000_000, "Một trăm hai mươi tỷ đồng"),
            (250_000_000_000, "Hai trăm năm mươi tỷ đồng"),
            (1_250_000_000_000, "Một nghìn hai trăm năm mươi tỷ đồng"),
            (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
            (
                2_030_405_060,
                "Hai tỷ không trăm ba mươi triệu bốn trăm linh năm nghìn không trăm sáu mươi đồng",
            ),
            (-5, "Âm năm đồng"),
        ];
        for (n, words) in cases {
            assert_eq!(vnd_words(n), words, "{n}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        assert!(vnd_words(i64::MAX).ends_with("đồng"));
        assert!(vnd_words(i64::MIN).starts_with("Âm"));
    }
}

//! Writing conventions of Vietnamese official documents: "1.250.000.000.000 đồng",
//! "52.300 m²", "5,23 ha", "15/01/2026", "33,33%", amounts in words, and the line a version
//! carries under the title. Running-text dates ("ngày 15 tháng 01 năm 2026") are the
//! certificate template's wording.

use chrono::NaiveDate;

mod words;

pub use words::{capitalise, vnd_words};

/// Digits grouped by thousands with ".": 1250000 → "1.250.000".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A VND amount in figures: "1.250.000.000.000 đồng".
pub fn vnd(amount: i64) -> String {
    format!("{} đồng", group_thousands(amount))
}

/// `value / 10^scale` with "," as the decimal separator, "." grouping and trailing zeros dropped.
pub fn decimal(value: i64, scale: u32) -> String {
    let div = 10_i64.pow(scale);
    let (int, frac) = (value / div, (value % div).unsigned_abs());
    let mut s = group_thousands(int);
    if value < 0 && int == 0 {
        s.insert(0, '-');
    }
    if frac > 0 {
        let f = format!("{:0width$}", frac, width = scale as usize);
        s.push(',');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// An area in m² from square decimetres: 5_230_000 → "52.300 m²".
pub fn area_m2(dm2: i64) -> String {
    format!("{} m²", decimal(dm2, 2))
}

/// An area in hectares from square decimetres: 5_230_000 → "5,23 ha".
pub fn area_ha(dm2: i64) -> String {
    format!("{} ha", decimal(dm2, 6))
}

/// Area as printed on the certificate: "52.300 m² (5,23 ha)".
pub fn area(dm2: i64) -> String {
    format!("{} ({})", area_m2(dm2), area_ha(dm2))
}

/// A share in basis points: 5000 → "50%", 3333 → "33,33%".
pub fn percent_bp(bp: i64) -> String {
    format!("{}%", decimal(bp, 2))
}

/// Table date: "15/01/2026".
pub fn date_short(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The line printed under a certificate's title for a version: 0 is the first issue, N the N-th
/// change.
pub fn version_label(version: u32) -> String {
    if version == 0 {
        "Chứng nhận lần đầu".to_owned()
    } else {
        format!("Chứng nhận thay đổi lần thứ {version}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_dot_thousands() {
        assert_eq!(vnd(1_250_000_000_000), "1.250.000.000.000 đồng");
        assert_eq!(vnd(0), "0 đồng");
        assert_eq!(vnd(999), "999 đồng");
        assert_eq!(vnd(1_000), "1.000 đồng");
        assert_eq!(group_thousands(-1_234_567), "-1.234.567");
    }

    #[test]
    fn areas_use_comma_decimals() {
        assert_eq!(area_m2(5_230_000), "52.300 m²");
        assert_eq!(area_ha(5_230_000), "5,23 ha");
        assert_eq!(area_ha(98_754_000), "98,754 ha");
        assert_eq!(area_m2(12_345), "123,45 m²");
        assert_eq!(area(5_230_000), "52.300 m² (5,23 ha)");
    }

    #[test]
    fn shares_in_percent() {
        assert_eq!(percent_bp(5_000), "50%");
        assert_eq!(percent_bp(3_334), "33,34%");
        assert_eq!(percent_bp(10_000), "100%");
        assert_eq!(percent_bp(833), "8,33%");
    }

    #[test]
    fn table_dates_and_version_lines() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).expect("date");
        assert_eq!(date_short(d), "15/01/2026");
        assert_eq!(version_label(0), "Chứng nhận lần đầu");
        assert_eq!(version_label(3), "Chứng nhận thay đổi lần thứ 3");
    }
}

//! Land areas: exact, fixed precision (0.01 m²), never floating point in storage.

use std::fmt;

/// An area held as whole square decimetres (0.01 m²), so it is exact and compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Area(i64);

/// Why a decimal text is not an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    /// Not a plain decimal number.
    #[error("must be a decimal number of square metres")]
    NotANumber,
    /// More than two decimal places (finer than 0.01 m²).
    #[error("must have at most 2 decimal places (0.01 m²)")]
    TooPrecise,
    /// Zero or negative.
    #[error("must be greater than 0")]
    NotPositive,
    /// Larger than any real zone or parcel.
    #[error("is larger than {max} m²")]
    TooLarge {
        /// The limit in m².
        max: i64,
    },
}

/// 1 hectare = 10,000 m² = 1,000,000 dm².
const DM2_PER_HA: i64 = 1_000_000;
/// 1 m² = 100 dm².
const DM2_PER_M2: i64 = 100;
/// 10,000 km² (1,000,000 ha): larger than any economic zone in Vietnam, so anything above is a typo.
pub const MAX_AREA_M2: i64 = 10_000_000_000;

impl Area {
    /// From whole square decimetres as stored in the database.
    pub fn from_dm2(dm2: i64) -> Self {
        Self(dm2)
    }

    /// Whole square decimetres, for storage.
    pub fn dm2(self) -> i64 {
        self.0
    }

    /// Parses a decimal number of square metres ("52300", "987540.5", "1.25e3"), exactly.
    pub fn parse_m2(text: &str) -> Result<Self, AreaError> {
        let dm2 = parse_scaled(text, 2)?;
        Self::checked(dm2)
    }

    /// Parses a decimal number of hectares ("98.754"), exactly, rounding nothing.
    pub fn parse_ha(text: &str) -> Result<Self, AreaError> {
        let dm2 = parse_scaled(text, 6)?;
        Self::checked(dm2)
    }

    fn checked(dm2: i128) -> Result<Self, AreaError> {
        if dm2 <= 0 {
            return Err(AreaError::NotPositive);
        }
        if dm2 > i128::from(MAX_AREA_M2) * i128::from(DM2_PER_M2) {
            return Err(AreaError::TooLarge { max: MAX_AREA_M2 });
        }
        Ok(Self(
            i64::try_from(dm2).map_err(|_| AreaError::TooLarge { max: MAX_AREA_M2 })?,
        ))
    }

    /// The area in m² as a JSON-friendly number; exact to the 0.01 m² it was stored with.
    pub fn m2_f64(self) -> f64 {
        self.0 as f64 / DM2_PER_M2 as f64
    }

    /// The area in hectares as a number (for display; up to 6 decimals are exact).
    pub fn ha_f64(self) -> f64 {
        self.0 as f64 / DM2_PER_HA as f64
    }
}

impl fmt::Display for Area {
    /// "52300.5 m²" style, with no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / DM2_PER_M2;
        let frac = self.0 % DM2_PER_M2;
        if frac == 0 {
            write!(f, "{whole} m²")
        } else if frac % 10 == 0 {
            write!(f, "{whole}.{} m²", frac / 10)
        } else {
            write!(f, "{whole}.{frac:02} m²")
        }
    }
}

/// Parses a JSON-style decimal (optional sign, digits, optional fraction, optional exponent) and
/// returns it multiplied by 10^scale, refusing anything that would need rounding.
fn parse_scaled(text: &str, scale: u32) -> Result<i128, AreaError> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => {
            let exp: i32 = text[i + 1..].parse().map_err(|_| AreaError::NotANumber)?;
            (&text[..i], exp)
        }
        None => (text, 0),
    };
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AreaError::NotANumber);
    }
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    // Position of the decimal point after applying the exponent and the scale.
    let shift = i64::from(scale) + i64::from(exponent) - frac_part.len() as i64;
    let significant = digits.trim_end_matches('0');
    let trailing_zeros = (digits.len() - significant.len()) as i64;
    if significant.is_empty() {
        return Ok(0);
    }
    if shift + trailing_zeros < 0 {
        return Err(AreaError::TooPrecise);
    }
    if significant.len() as i64 + trailing_zeros + shift > 30 {
        return Err(AreaError::TooLarge { max: MAX_AREA_M2 });
    }
    let mut value: i128 = significant.parse().map_err(|_| AreaError::NotANumber)?;
    for _ in 0..(shift + trailing_zeros) {
        value *= 10;
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_square_metres_exactly() {
        assert_eq!(Area::parse_m2("52300").unwrap().dm2(), 5_230_000);
        assert_eq!(Area::parse_m2("987540.5").unwrap().dm2(), 98_754_050);
        assert_eq!(Area::parse_m2("0.01").unwrap().dm2(), 1);
        assert_eq!(Area::parse_m2("1.25e3").unwrap().dm2(), 125_000);
        assert_eq!(Area::parse_m2("120.50").unwrap().dm2(), 12_050);
    }

    #[test]
    fn parses_hectares_exactly() {
        assert_eq!(
            Area::parse_ha("98.754").unwrap(),
            Area::parse_m2("987540").unwrap()
        );
        assert_eq!(Area::parse_ha("23792").unwrap().m2_f64(), 237_920_000.0);
    }

    #[test]
    fn refuses_zero_negative_absurd_and_too_precise_areas() {
        assert_eq!(Area::parse_m2("0"), Err(AreaError::NotPositive));
        assert_eq!(Area::parse_m2("-5"), Err(AreaError::NotPositive));
        assert_eq!(Area::parse_m2("0.001"), Err(AreaError::TooPrecise));
        assert_eq!(
            Area::parse_m2("1e11"),
            Err(AreaError::TooLarge { max: MAX_AREA_M2 })
        );
        assert_eq!(
            Area::parse_m2("1e300"),
            Err(AreaError::TooLarge { max: MAX_AREA_M2 })
        );
        assert_eq!(Area::parse_m2("abc"), Err(AreaError::NotANumber));
        assert_eq!(Area::parse_m2("."), Err(AreaError::NotANumber));
        assert_eq!(Area::parse_m2(""), Err(AreaError::NotANumber));
    }

    #[test]
    fn converts_back_to_the_number_that_was_sent() {
        for text in ["98754.12", "0.01", "52300", "537999999.99"] {
            let area = Area::parse_m2(text).unwrap();
            assert_eq!(area.m2_f64().to_string(), text);
        }
    }

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(Area::parse_m2("52300").unwrap().to_string(), "52300 m²");
        assert_eq!(Area::parse_m2("52300.5").unwrap().to_string(), "52300.5 m²");
        assert_eq!(
            Area::parse_m2("52300.05").unwrap().to_string(),
            "52300.05 m²"
        );
    }
}

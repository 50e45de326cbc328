//! The `Date` scalar of api.md: an ISO 8601 calendar date, `YYYY-MM-DD`.
//!
//! async-graphql names chrono's date `NaiveDate`, a Rust type name that
//! broke every client written against the contract (`query($f: Date!)`) and
//! leaked into generated TypeScript; this newtype carries the contract's name.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date without time or zone, serialized as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// Strict ISO 8601 extended calendar date: four-digit year, month and day,
/// nothing before or after (chrono alone would take `+2025-01-01` or
/// `2025-1-1`).
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
/// An ISO 8601 calendar date, `YYYY-MM-DD` (for example `2025-07-01`).
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_iso_date(s)
                .map(Date)
                .ok_or_else(|| InputValueError::custom("a date must be YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if parse_iso_date(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl std::ops::Deref for Date {
    type Target = NaiveDate;
    fn deref(&self) -> &NaiveDate {
        &self.0
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

impl From<Date> for NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_iso_calendar_form_is_a_date() {
        assert_eq!(
            parse_iso_date("2025-07-01"),
            NaiveDate::from_ymd_opt(2025, 7, 1)
        );
        for bad in [
            "2025-7-1",
            "+2025-07-01",
            "2025-02-30",
            "2025-07-01T00:00",
            "20250701",
            "",
            "２０２５-07-01",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }
}

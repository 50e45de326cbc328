//! Swedish personal identity numbers (*personnummer*) and coordination
//! numbers (*samordningsnummer*, day of month + 60).
use chrono::NaiveDate;

use super::enums::Sex;

/// A validated personal identity number, stored as 12 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalIdentityNumber {
    digits: String,
    date_of_birth: NaiveDate,
    sex: Sex,
}

/// Why a personal identity number was rejected. The messages never repeat
/// the number itself, so they are safe to show and to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinError {
    /// Not `YYYYMMDD-NNNN` or `YYYYMMDDNNNN`.
    Format,
    /// The date part is not a real date.
    Date,
    /// The Luhn check digit does not match.
    CheckDigit,
}

impl PinError {
    /// A sentence for the client.
    pub fn message(self) -> &'static str {
        match self {
            Self::Format => {
                "The personal identity number must be written YYYYMMDD-NNNN or YYYYMMDDNNNN."
            }
            Self::Date => "The personal identity number does not contain a valid date.",
            Self::CheckDigit => "The personal identity number's check digit is wrong.",
        }
    }
}

/// The Luhn check digit for the nine digits `YYMMDDNNN`.
pub fn luhn_check_digit(nine: &[u8]) -> u8 {
    let sum: u32 = nine
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            v / 10 + v % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl PersonalIdentityNumber {
    /// Parses and validates `YYYYMMDD-NNNN` or `YYYYMMDDNNNN`.
    pub fn parse(input: &str) -> Result<Self, PinError> {
        let trimmed = input.trim();
        let digits: String = match trimmed.len() {
            12 => trimmed.to_owned(),
            13 if trimmed.as_bytes()[8] == b'-' => format!("{}{}", &trimmed[..8], &trimmed[9..]),
            _ => return Err(PinError::Format),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinError::Format);
        }
        let d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        let num = |range: std::ops::Range<usize>| {
            d[range]
                .iter()
                .fold(0u32, |acc, x| acc * 10 + u32::from(*x))
        };
        let year = num(0..4) as i32;
        let month = num(4..6);
        let mut day = num(6..8);
        if day > 60 {
            day -= 60; // samordningsnummer
        }
        let date_of_birth = NaiveDate::from_ymd_opt(year, month, day).ok_or(PinError::Date)?;
        if year < 1900 {
            return Err(PinError::Date);
        }
        if luhn_check_digit(&d[2..11]) != d[11] {
            return Err(PinError::CheckDigit);
        }
        let sex = if d[10] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        Ok(Self {
            digits,
            date_of_birth,
            sex,
        })
    }

    /// The 12 digits, as stored.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Date of birth (for a coordination number, with 60 taken off the day).
    pub fn date_of_birth(&self) -> NaiveDate {
        self.date_of_birth
    }

    /// Legal sex, from the second-to-last digit.
    pub fn sex(&self) -> Sex {
        self.sex
    }
}

/// Formats stored digits as `YYYYMMDD-NNNN`.
pub fn format_stored(digits: &str) -> String {
    if digits.len() == 12 {
        format!("{}-{}", &digits[..8], &digits[8..])
    } else {
        digits.to_owned()
    }
}

/// Builds a valid number from a date and three serial digits (demo data and tests).
pub fn make(date: NaiveDate, serial: u16, coordination: bool) -> String {
    use chrono::Datelike;
    let day = date.day() + if coordination { 60 } else { 0 };
    let head = format!(
        "{:04}{:02}{:02}{:03}",
        date.year(),
        date.month(),
        day,
        serial % 1000
    );
    let d: Vec<u8> = head.bytes().map(|b| b - b'0').collect();
    format!("{head}{}", luhn_check_digit(&d[2..11]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_number_parses_with_sex_and_birth_date() {
        // 19811218-9876 is the Swedish Tax Agency's published example.
        let pin = PersonalIdentityNumber::parse("19811218-9876").expect("valid");
        assert_eq!(pin.digits(), "198112189876");
        assert_eq!(pin.sex(), Sex::Male);
        assert_eq!(
            pin.date_of_birth(),
            NaiveDate::from_ymd_opt(1981, 12, 18).expect("date")
        );
    }

    #[test]
    fn wrong_check_digit_and_bad_dates_are_rejected() {
        assert_eq!(
            PersonalIdentityNumber::parse("19990101-1235"),
            Err(PinError::CheckDigit)
        );
        assert_eq!(
            PersonalIdentityNumber::parse("19990230-1234"),
            Err(PinError::Date)
        );
        assert_eq!(
            PersonalIdentityNumber::parse("1999-01011234"),
            Err(PinError::Format)
        );
        assert_eq!(
            PersonalIdentityNumber::parse("9901011234"),
            Err(PinError::Format)
        );
    }

    proptest! {
        #[test]
        fn made_numbers_round_trip(days in 0i64..40000, serial in 0u16..1000, coord: bool) {
            let date = NaiveDate::from_ymd_opt(1920, 1, 1).expect("date") + chrono::Duration::days(days);
            let text = make(date, serial, coord);
            let pin = PersonalIdentityNumber::parse(&format_stored(&text)).expect("valid");
            prop_assert_eq!(pin.digits(), text.as_str());
            prop_assert_eq!(pin.date_of_birth(), date);
        }

        #[test]
        fn any_single_digit_change_of_the_check_digit_is_caught(days in 0i64..40000, serial in 0u16..1000, delta in 1u8..10) {
            let date = NaiveDate::from_ymd_opt(1920, 1, 1).expect("date") + chrono::Duration::days(days);
            let text = make(date, serial, false);
            let mut bytes = text.into_bytes();
            bytes[11] = b'0' + (bytes[11] - b'0' + delta) % 10;
            let broken = String::from_utf8(bytes).expect("ascii");
            prop_assert_eq!(PersonalIdentityNumber::parse(&broken), Err(PinError::CheckDigit));
        }
    }
}

//! Pure domain rules, free of I/O: personal identity numbers, periods and
//! placement days, and the enumerations of domain.md.
pub mod bounds;
pub mod deadlines;
pub mod enums;
pub mod measures;
pub mod period;
pub mod pin;
pub mod statistics;

/// Today's date in Sweden, which is what "today" means for placements.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
}

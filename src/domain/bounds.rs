//! Domain bounds on the figures that feed shared statistics: a value
//! outside them is a typing error or an attack, and one such value in the
//! register would distort (or, summed, overflow) every figure of its year.

/// Highest daily cost of a placement, and daily rate of an institution, in
/// whole SEK (the most expensive secure placements cost a few tens of
/// thousands a day).
pub const MAX_DAILY_COST: i64 = 1_000_000;

/// Highest budget for one placement type and year, in whole SEK.
pub const MAX_BUDGET: i64 = 2_000_000_000;

/// Highest child population of a municipality or unit.
pub const MAX_POPULATION: i32 = 10_000_000;

/// Whether `amount` lies in `0..=max`.
pub fn within(amount: i64, max: i64) -> bool {
    (0..=max).contains(&amount)
}

//! The cell-key method of statistical disclosure control (issue 11), as used
//! by statistics offices (the Australian Bureau of Statistics' TableBuilder,
//! Eurostat's recommendations for the census): figures for callers under
//! disclosure control carry noise that is fixed per cell, so asking again
//! or rephrasing gives nothing new, and that changes with the period and the
//! grouping, so that the difference of two answers carries the noise of
//! both.
//!
//! - Every placement has a fixed random *record key* (`placements.stat_key`,
//!   0 to 2^31 - 1, drawn when it is stored).
//! - A cell's key is a keyed hash (SHA-256 of the configured secret, what
//!   is counted, the sum of the record keys of the cell's *slice*, and the
//!   sum of the cell's own records' keys). The slice is the set of
//!   placements the caller can list themselves that the cell lies in: the
//!   answer's placements, or their part of the row's type and year. So the
//!   key depends on sets of placements, never on dates or labels: the same
//!   set gets the same noise however it is asked for (nothing to average by
//!   moving a date or renaming a group), and a slice that differs by any
//!   placement gives each of its cells a new key (nothing to difference).
//! - The *perturbation table* is unbiased random rounding driven by the
//!   key: a count n is published as `b * floor((n + v) / b)` with `v = key
//!   mod b` and `b = COUNT_BASE` (3), that is n itself when n is a multiple
//!   of 3, otherwise the multiple of 3 below or above with probabilities
//!   that keep the expected value n. The noise lies in -2..+2, a published
//!   count is never 1 or 2, and a cell without records stays 0.
//! - Why rounding rather than a table of noise values: an attacker who
//!   knows that two answers differ by exactly one placement sees, in every
//!   cell, a difference that is a multiple of 3 and at most 3 for an
//!   unchanged cell and for the cell that gained the placement alike, so
//!   both readings stay possible in every cell (`ambiguous` and its property
//!   test). With independent noise of -2..+2 per answer, a difference of +5
//!   can only come from the changed cell.
//! - Days and cost are rounded the same way to bases of their own
//!   (configurable, `[statistics] days_base` and `cost_base`), so that no
//!   sum of known placement days or costs can be matched exactly.
use sha2::{Digest, Sha256};

/// Base of the rounding of counts: published counts are multiples of it.
/// 3 is the smallest base that never publishes 1 or 2 and keeps an
/// unchanged cell and a cell that gained one record indistinguishable.
pub const COUNT_BASE: i64 = 3;

/// The key of one published figure: 64 random-looking bits, fixed for the
/// cell, its records and the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellKey(u64);

impl CellKey {
    /// The key of the figure described by `context` (query, period,
    /// grouping, coordinates and measure) whose records' keys sum to
    /// `record_keys`.
    pub fn new(secret: &[u8], context: &str, record_keys: i64) -> Self {
        let mut h = Sha256::new();
        // Lengths first, so that no two (secret, context) pairs hash alike.
        h.update((secret.len() as u64).to_be_bytes());
        h.update(secret);
        h.update((context.len() as u64).to_be_bytes());
        h.update(context.as_bytes());
        h.update(record_keys.to_be_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Self(u64::from_be_bytes(first))
    }

    /// A second key derived from this one, for another measure of the same
    /// cell (days, cost), so that their roundings are independent.
    pub fn derive(self, measure: u64) -> Self {
        let mut h = Sha256::new();
        h.update(self.0.to_be_bytes());
        h.update(measure.to_be_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Self(u64::from_be_bytes(first))
    }
}

/// Unbiased random rounding of `value` (0 or more) to a multiple of `base`
/// (at least 1), the direction decided by `key`: a multiple of `base` is
/// kept; otherwise it goes up with probability `(value mod base) / base`.
/// Monotone in `value` for a fixed key, so a cell's published children
/// never exceed its published placements.
pub fn round(value: i64, base: i64, key: CellKey) -> i64 {
    let base = base.max(1);
    let value = value.max(0);
    // `key mod base` is below base, which is an i64.
    let v = i64::try_from(key.0 % base.unsigned_abs()).unwrap_or(0);
    base * ((value / base) + ((value % base) + v) / base)
}

/// A published count: `n` rounded to a multiple of `COUNT_BASE`.
pub fn perturb_count(n: i64, key: CellKey) -> i64 {
    round(n, COUNT_BASE, key)
}

/// The true counts a published count can come from: `p - 2 ..= p + 2`,
/// never below 0.
pub fn possible_counts(published: i64) -> std::ops::RangeInclusive<i64> {
    (published - (COUNT_BASE - 1)).max(0)..=published + COUNT_BASE - 1
}

/// Whether the published counts of one cell in two answers, `before` and
/// `after`, leave both readings open: that the cell is unchanged, and that
/// it gained exactly one record. This is what makes differencing useless.
pub fn ambiguous(before: i64, after: i64) -> bool {
    let unchanged = possible_counts(before).any(|t| possible_counts(after).contains(&t));
    let gained = possible_counts(before).any(|t| possible_counts(after).contains(&(t + 1)));
    unchanged && gained
}

/// True figures of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Distinct children.
    pub children: i64,
    /// Distinct placements.
    pub placements: i64,
    /// Placement days.
    pub days: i64,
    /// Cost in whole SEK.
    pub cost: i64,
}

/// Disclosure control of one kind of figure: the secret, the bases, and
/// what is counted (`placements`, `ended`).
#[derive(Debug, Clone)]
pub struct CellKeys<'a> {
    secret: &'a [u8],
    days_base: i64,
    cost_base: i64,
    family: &'a str,
}

impl<'a> CellKeys<'a> {
    /// The cell keys of figures about `family`; `days_base` and `cost_base`
    /// are the rounding bases of days and cost.
    pub fn new(secret: &'a [u8], days_base: i64, cost_base: i64, family: &'a str) -> Self {
        Self {
            secret,
            days_base,
            cost_base,
            family,
        }
    }

    /// The published figures of a cell whose placements' record keys sum to
    /// `cell_keys`, in a slice of placements (the answer's, or its type's
    /// and year's part) whose record keys sum to `slice_keys`. The key
    /// depends on sets of placements only, never on labels or dates, so the
    /// same set gets the same noise however it is asked for, and any
    /// change of the slice gives each of its cells new noise. Children and
    /// placements share one rounding direction, so published children never
    /// exceed published placements; days and cost are 0 when no child is
    /// published.
    pub fn publish(&self, slice_keys: i64, cell_keys: i64, figures: Figures) -> Figures {
        let context = format!("{}|{slice_keys}", self.family);
        let key = CellKey::new(self.secret, &context, cell_keys);
        let children = perturb_count(figures.children, key);
        if children == 0 {
            return Figures::default();
        }
        Figures {
            children,
            placements: perturb_count(figures.placements, key),
            days: round(figures.days, self.days_base, key.derive(1)),
            cost: round(figures.cost, self.cost_base, key.derive(2)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(n: u64) -> CellKey {
        CellKey(n)
    }

    #[test]
    fn the_table_for_small_counts() {
        // v = 0, 1, 2 in turn.
        let published: Vec<Vec<i64>> = (0..=4)
            .map(|n| (0..3).map(|v| perturb_count(n, key(v))).collect())
            .collect();
        assert_eq!(published[0], [0, 0, 0]);
        assert_eq!(published[1], [0, 0, 3]);
        assert_eq!(published[2], [0, 3, 3]);
        assert_eq!(published[3], [3, 3, 3]);
        assert_eq!(published[4], [3, 3, 6]);
    }

    #[test]
    fn keys_depend_on_secret_context_and_records() {
        let a = CellKey::new(b"secret", "placementStatistics|2024-01-01|LEGAL_BASIS", 17);
        assert_eq!(
            a,
            CellKey::new(b"secret", "placementStatistics|2024-01-01|LEGAL_BASIS", 17)
        );
        assert_ne!(
            a,
            CellKey::new(b"other", "placementStatistics|2024-01-01|LEGAL_BASIS", 17)
        );
        assert_ne!(
            a,
            CellKey::new(b"secret", "placementStatistics|2024-02-01|LEGAL_BASIS", 17)
        );
        assert_ne!(
            a,
            CellKey::new(b"secret", "placementStatistics|2024-01-01|LEGAL_BASIS", 18)
        );
        assert_ne!(a, a.derive(1));
    }

    proptest! {
        #[test]
        fn counts_are_never_one_or_two_and_within_two(n in 0i64..10_000, k in any::<u64>()) {
            let p = perturb_count(n, key(k));
            prop_assert!(p != 1 && p != 2);
            prop_assert!((p - n).abs() <= 2);
            prop_assert_eq!(p % COUNT_BASE, 0);
            prop_assert!(possible_counts(p).contains(&n));
            prop_assert!(n != 0 || p == 0, "a cell without records stays 0");
        }

        #[test]
        fn rounding_is_unbiased(n in 0i64..100_000, base in 1i64..100_000) {
            // Over all `base` directions the mean is exactly n.
            let sum: i64 = (0..base as u64).map(|v| round(n, base, key(v))).sum();
            prop_assert_eq!(sum, n * base);
        }

        #[test]
        fn rounding_is_monotone(a in 0i64..1000, b in 0i64..1000, base in 1i64..50, k in any::<u64>()) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(round(lo, base, key(k)) <= round(hi, base, key(k)));
        }

        #[test]
        fn one_record_more_or_none_cannot_be_told_apart(n in 0i64..1000, k1 in any::<u64>(), k2 in any::<u64>(), gained in any::<bool>()) {
            // Whatever the keys of the two answers, and whether the cell
            // gained the record or not, both readings stay possible.
            let before = perturb_count(n, key(k1));
            let after = perturb_count(n + i64::from(gained), key(k2));
            prop_assert!(ambiguous(before, after), "{} -> {}", before, after);
        }

        #[test]
        fn published_figures_are_consistent(children in 0i64..50, extra in 0i64..50, days in 0i64..100_000, cost in 0i64..1_000_000_000, sum in any::<i64>()) {
            let keys = CellKeys::new(b"s", 30, 10_000, "placements");
            let f = Figures { children, placements: children + extra, days, cost };
            let p = keys.publish(sum / 2, sum, f);
            prop_assert!(p.children <= p.placements);
            prop_assert!(p.children != 1 && p.children != 2 && p.placements != 1 && p.placements != 2);
            prop_assert_eq!(p.days % 30, 0);
            prop_assert_eq!(p.cost % 10_000, 0);
            prop_assert!((p.days - days).abs() < 30 || p.children == 0);
            prop_assert_eq!(p, keys.publish(sum / 2, sum, f));
        }

        #[test]
        fn the_same_cell_gives_the_same_value(n in 0i64..1000, sum in any::<i64>(), ctx in "[a-z|0-9-]{0,40}") {
            let k = CellKey::new(b"s", &ctx, sum);
            prop_assert_eq!(perturb_count(n, k), perturb_count(n, CellKey::new(b"s", &ctx, sum)));
        }
    }
}

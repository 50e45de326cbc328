//! Pure rules of the statistics (domain.md, "Statistics management asks
//! for"): age groups, the calendar-year split of a period, percentiles of a
//! duration histogram, and small-cell suppression. The database computes the
//! figures; these functions decide how they are grouped and what may be
//! published.
pub mod perturbation;

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

/// Whether `[from, to]` is a whole number of consecutive calendar months
/// (a month, a quarter, a year, or a union of consecutive ones): the only
/// periods published to callers under disclosure control, so that two
/// allowed periods differ by at least a month of every placement's days.
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> bool {
    from.day() == 1 && to.succ_opt().is_none_or(|next| next.day() == 1) && from <= to
}

/// Fewest placements of a slice the caller can list themselves (a type,
/// a year, the whole period) whose breakdown by what they cannot see
/// (legal basis, reasons, sex, age) is published under disclosure control.
/// Below it, a breakdown would come close to describing the slice's
/// placements one by one, noise or not.
pub const MIN_BREAKDOWN: i64 = 10;

/// Fewest children a published figure may be about.
pub const MIN_CHILDREN: i64 = 3;

/// Whether a figure about `children` children must be withheld by itself
/// (primary suppression). Zero is not a group of anyone and stays published.
pub fn is_small(children: i64) -> bool {
    (1..MIN_CHILDREN).contains(&children)
}

/// Age groups of the statistics, youngest first.
pub const AGE_GROUPS: [&str; 4] = ["0-6", "7-12", "13-17", "18+"];

/// Lower age bounds of the groups after the first.
const AGE_BOUNDS: [u32; 3] = [7, 13, 18];

/// Age in whole years on `on`: a birthday is reached on the same month and
/// day (someone born on 29 February reaches it on 1 March in other years).
/// Negative for someone born after `on`.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> i32 {
    let years = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years - 1
    } else {
        years
    }
}

/// The age group of an age; an age below 0 (born later) counts as "0-6".
pub fn age_group(age: i32) -> &'static str {
    let passed = AGE_BOUNDS
        .iter()
        .filter(|b| i64::from(age) >= i64::from(**b))
        .count();
    AGE_GROUPS[passed]
}

/// The latest dates of birth of someone aged at least 7, 13 and 18 on `on`,
/// so that SQL can find the age group by comparing dates: the group is
/// "0-6" when born after the first, "7-12" when after the second, and so on.
pub fn age_thresholds(on: NaiveDate) -> [NaiveDate; 3] {
    // Subtracting months clamps 29 February to 28 February, which is exactly
    // the latest birth date that has reached the birthday by then.
    AGE_BOUNDS.map(|years| {
        on.checked_sub_months(Months::new(years * 12))
            .unwrap_or(NaiveDate::MIN)
    })
}

/// One calendar year's part of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The calendar year.
    pub year: i32,
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

/// Splits `[from, to]` (inclusive) into its calendar years; empty when
/// `from > to`.
pub fn year_segments(from: NaiveDate, to: NaiveDate) -> Vec<Segment> {
    (from.year()..=to.year())
        .filter_map(|year| {
            let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
            Some(Segment {
                year,
                from: from.max(first),
                to: to.min(last),
            })
        })
        .filter(|s| s.from <= s.to)
        .collect()
}

/// The `q` quantile (0 to 1) of the values of a histogram of `(value,
/// count)` pairs, by linear interpolation between the closest ranks (as
/// PostgreSQL's `percentile_cont`): rank `q * (n - 1)` counted from 0 in
/// the sorted values. `None` without values.
pub fn percentile(histogram: &[(i64, i64)], q: f64) -> Option<f64> {
    let mut sorted: Vec<(i64, i64)> = histogram.iter().copied().filter(|h| h.1 > 0).collect();
    sorted.sort_unstable();
    let n: i64 = sorted.iter().map(|h| h.1).sum();
    if n == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
    // Ranks are below n, which is a count of rows, so the conversions are exact.
    let below = rank.floor() as i64;
    let above = rank.ceil() as i64;
    let at = |r: i64| {
        let mut seen = 0;
        for (value, count) in &sorted {
            seen += count;
            if r < seen {
                return *value as f64;
            }
        }
        sorted.last().map_or(0.0, |h| h.0 as f64)
    };
    let (lo, hi) = (at(below), at(above));
    Some(lo + (hi - lo) * (rank - below as f64))
}

/// What suppression decided: one flag per cell, and one for the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// Per cell, in the order given.
    pub cells: Vec<bool>,
    /// The total (all cells together).
    pub total: bool,
}

/// Decides which cells of a table to withhold.
///
/// Each cell has a key with one coordinate per dimension and the number of
/// distinct children it is about; `total_children` is the number the total
/// is about.
///
/// - Primary: a cell (or the total) about 1 or 2 children is withheld.
/// - Complementary: a *line* is the set of cells that agree on every
///   coordinate but one; its sum over that one dimension is published
///   elsewhere (as the total, or as a cell of a query with one dimension
///   fewer), so subtracting the line's published cells from it gives the
///   figures of its withheld cells together. Hence, in every line with a
///   withheld cell, one withheld cell must be about at least 3 children; if
///   none is, the smallest published cell of the line (which then has at
///   least 3) is withheld too. This repeats until no line changes, as a
///   complementary cell can start a new line's need in another dimension.
///   With one dimension this is "if exactly one cell is withheld, also
///   withhold the next smallest", and it also covers two small cells that
///   together would reveal a group of 2.
///
/// The children of a withheld cell with at least 3 are a subset of the
/// children of the withheld cells of the line, so what a subtraction can
/// reveal is always about 3 children or more, even where cells overlap (a
/// child placed for two reasons is in two reason cells).
pub fn suppress<K: Ord + Clone>(cells: &[(Vec<K>, i64)], total_children: i64) -> Suppressed {
    let total = is_small(total_children);
    let mut hidden: Vec<bool> = cells.iter().map(|(_, n)| total || is_small(*n)).collect();
    let dimensions = cells.first().map_or(0, |(key, _)| key.len());
    loop {
        let mut changed = false;
        for dimension in 0..dimensions {
            for line in lines(cells, dimension) {
                let covered = line
                    .iter()
                    .any(|&i| hidden[i] && cells[i].1 >= MIN_CHILDREN);
                if covered || !line.iter().any(|&i| hidden[i]) {
                    continue;
                }
                let smallest = line
                    .iter()
                    .copied()
                    .filter(|&i| !hidden[i] && cells[i].1 > 0)
                    .min_by_key(|&i| (cells[i].1, i));
                if let Some(i) = smallest {
                    hidden[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return Suppressed {
                cells: hidden,
                total,
            };
        }
    }
}

/// The lines along `dimension`: cell indices grouped by their key without
/// that coordinate.
fn lines<K: Ord + Clone>(cells: &[(Vec<K>, i64)], dimension: usize) -> Vec<Vec<usize>> {
    let mut by_rest: BTreeMap<Vec<K>, Vec<usize>> = BTreeMap::new();
    for (i, (key, _)) in cells.iter().enumerate() {
        let mut rest = key.clone();
        if dimension < rest.len() {
            rest.remove(dimension);
        }
        by_rest.entry(rest).or_default().push(i);
    }
    by_rest.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn ages_and_groups() {
        assert_eq!(age_on(d(2016, 2, 29), d(2023, 2, 28)), 6);
        assert_eq!(age_on(d(2016, 2, 29), d(2023, 3, 1)), 7);
        assert_eq!(age_on(d(2016, 2, 29), d(2024, 2, 29)), 8);
        assert_eq!(age_on(d(2020, 1, 1), d(2019, 6, 1)), -1);
        assert_eq!(age_group(-1), "0-6");
        assert_eq!(age_group(6), "0-6");
        assert_eq!(age_group(7), "7-12");
        assert_eq!(age_group(12), "7-12");
        assert_eq!(age_group(13), "13-17");
        assert_eq!(age_group(17), "13-17");
        assert_eq!(age_group(18), "18+");
        assert_eq!(age_group(30), "18+");
        assert_eq!(age_thresholds(d(2024, 2, 29))[0], d(2017, 2, 28));
    }

    #[test]
    fn segments_split_by_calendar_year() {
        let s = year_segments(d(2023, 11, 5), d(2025, 2, 1));
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0],
            Segment {
                year: 2023,
                from: d(2023, 11, 5),
                to: d(2023, 12, 31)
            }
        );
        assert_eq!(s[1].from, d(2024, 1, 1));
        assert_eq!(s[2].to, d(2025, 2, 1));
        assert!(year_segments(d(2024, 1, 2), d(2024, 1, 1)).is_empty());
    }

    #[test]
    fn whole_months_only() {
        assert!(whole_months(d(2024, 1, 1), d(2024, 1, 31)));
        assert!(whole_months(d(2024, 2, 1), d(2024, 2, 29)));
        assert!(whole_months(d(2023, 11, 1), d(2025, 3, 31)));
        assert!(!whole_months(d(2024, 1, 1), d(2024, 1, 30)));
        assert!(!whole_months(d(2024, 1, 2), d(2024, 1, 31)));
        assert!(!whole_months(d(2024, 2, 1), d(2024, 2, 28)));
        assert!(whole_months(d(2023, 2, 1), d(2023, 2, 28)));
        assert!(!whole_months(d(2024, 2, 1), d(2024, 1, 31)));
    }

    #[test]
    fn percentiles_interpolate() {
        let h = [(10, 1), (20, 1), (30, 1), (40, 1)];
        assert_eq!(percentile(&h, 0.5), Some(25.0));
        assert_eq!(percentile(&h, 0.9), Some(37.0));
        assert_eq!(percentile(&[(7, 3)], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn one_small_cell_takes_the_next_smallest_with_it() {
        let cells = vec![
            (vec!["a"], 2),
            (vec!["b"], 10),
            (vec!["c"], 4),
            (vec!["d"], 7),
        ];
        let s = suppress(&cells, 23);
        assert_eq!(s.cells, vec![true, false, true, false]);
        assert!(!s.total);
    }

    #[test]
    fn two_small_cells_are_not_enough() {
        // Two withheld cells of one child each would together reveal a
        // group of 2 (the total minus the published cells): a third goes.
        let cells = vec![
            (vec!["a"], 1),
            (vec!["b"], 1),
            (vec!["c"], 5),
            (vec!["d"], 9),
        ];
        assert_eq!(suppress(&cells, 16).cells, vec![true, true, true, false]);
    }

    #[test]
    fn small_total_hides_everything() {
        let cells = vec![(vec!["a"], 1), (vec!["b"], 1)];
        let s = suppress(&cells, 2);
        assert!(s.total);
        assert_eq!(s.cells, vec![true, true]);
    }

    #[test]
    fn nothing_small_nothing_hidden() {
        let cells = vec![(vec![1, 1], 3), (vec![1, 2], 4), (vec![2, 1], 5)];
        assert_eq!(suppress(&cells, 12).cells, vec![false; 3]);
    }

    fn date_strategy() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 40)).prop_map(|n| d(1995, 1, 1) + chrono::Duration::days(n))
    }

    /// A random table: each child is in one or more cells of a grid.
    fn table() -> impl Strategy<Value = (usize, Vec<Vec<(u8, u8)>>)> {
        (1usize..=2).prop_flat_map(|dims| {
            let child = prop::collection::vec((0u8..4, 0u8..3), 1..=2);
            (Just(dims), prop::collection::vec(child, 0..40))
        })
    }

    proptest! {
        #[test]
        fn thresholds_agree_with_ages(dob in date_strategy(), on in date_strategy()) {
            let [t7, t13, t18] = age_thresholds(on);
            let by_dates = if dob > t7 { "0-6" } else if dob > t13 { "7-12" } else if dob > t18 { "13-17" } else { "18+" };
            prop_assert_eq!(by_dates, age_group(age_on(dob, on)));
        }

        #[test]
        fn segments_cover_the_period_exactly(a in date_strategy(), len in 0i64..2000) {
            let b = a + chrono::Duration::days(len);
            let s = year_segments(a, b);
            let days: i64 = s.iter().map(|s| (s.to - s.from).num_days() + 1).sum();
            prop_assert_eq!(days, len + 1);
            prop_assert_eq!(s.first().map(|s| s.from), Some(a));
            prop_assert_eq!(s.last().map(|s| s.to), Some(b));
            for w in s.windows(2) {
                prop_assert_eq!(w[0].to.succ_opt(), Some(w[1].from));
                prop_assert_eq!(w[0].year + 1, w[1].year);
            }
        }

        #[test]
        fn histogram_percentiles_equal_sorted_list(values in prop::collection::vec(0i64..50, 1..60), q in 0.0f64..=1.0) {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let rank = q * (sorted.len() - 1) as f64;
            let (lo, hi) = (sorted[rank.floor() as usize] as f64, sorted[rank.ceil() as usize] as f64);
            let expected = lo + (hi - lo) * (rank - rank.floor());
            let mut counts: HashMap<i64, i64> = HashMap::new();
            for v in &values { *counts.entry(*v).or_default() += 1; }
            let histogram: Vec<(i64, i64)> = counts.into_iter().collect();
            let got = percentile(&histogram, q).expect("values");
            prop_assert!((got - expected).abs() < 1e-9);
            prop_assert!(got >= sorted[0] as f64 && got <= sorted[sorted.len() - 1] as f64);
        }

        #[test]
        fn no_published_figure_or_difference_is_about_one_or_two((dims, children) in table()) {
            // Cell keys and the children in each.
            let mut members: BTreeMap<Vec<u8>, BTreeSet<usize>> = BTreeMap::new();
            for (child, cells) in children.iter().enumerate() {
                for (a, b) in cells {
                    let key = if dims == 1 { vec![*a] } else { vec![*a, *b] };
                    members.entry(key).or_default().insert(child);
                }
            }
            let cells: Vec<(Vec<u8>, i64)> = members.iter().map(|(k, m)| (k.clone(), m.len() as i64)).collect();
            let total_children = children.len() as i64;
            let s = suppress(&cells, total_children);
            prop_assert_eq!(s.total, is_small(total_children));
            for (i, (_, n)) in cells.iter().enumerate() {
                prop_assert!(s.cells[i] || !is_small(*n), "a small cell is published");
                prop_assert!(!s.total || s.cells[i]);
            }
            for dimension in 0..dims {
                for line in lines(&cells, dimension) {
                    let hidden: BTreeSet<usize> = line.iter().filter(|&&i| s.cells[i]).flat_map(|&i| members[&cells[i].0].iter().copied()).collect();
                    let all_hidden = line.iter().all(|&i| s.cells[i]);
                    prop_assert!(all_hidden || !is_small(hidden.len() as i64), "a difference reveals {} children", hidden.len());
                }
            }
            // Suppression is a fixed point: running it on its own result adds nothing.
            let again = suppress(&cells, total_children);
            prop_assert_eq!(again, s);
        }
    }
}

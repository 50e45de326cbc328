//! Periods and placement days (domain.md, "Rules the data must keep").
use chrono::NaiveDate;

/// Placement days of a placement `[start, end]` inside `[from, to]`, both
/// inclusive. An open placement (`end = None`) counts up to `to` or `today`,
/// whichever is earlier.
pub fn placement_days(
    start: NaiveDate,
    end: Option<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> i64 {
    let upto = match end {
        Some(end) => end.min(to),
        None => to.min(today),
    };
    let lower = start.max(from);
    ((upto - lower).num_days() + 1).max(0)
}

/// Cost in whole SEK: days times the daily cost. Saturates rather than
/// wrapping, though real figures stay far below `i64::MAX`.
pub fn cost(days: i64, daily_cost: i64) -> i64 {
    days.saturating_mul(daily_cost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn inclusive_days_and_clipping() {
        let today = d(2026, 1, 1);
        assert_eq!(
            placement_days(
                d(2024, 2, 28),
                Some(d(2024, 3, 1)),
                d(2024, 1, 1),
                d(2024, 12, 31),
                today
            ),
            3
        );
        assert_eq!(
            placement_days(
                d(2023, 12, 30),
                Some(d(2024, 1, 2)),
                d(2024, 1, 1),
                d(2024, 12, 31),
                today
            ),
            2
        );
        assert_eq!(
            placement_days(d(2025, 12, 30), None, d(2025, 1, 1), d(2026, 12, 31), today),
            3
        );
        assert_eq!(
            placement_days(
                d(2024, 1, 1),
                Some(d(2024, 1, 1)),
                d(2024, 1, 2),
                d(2024, 1, 3),
                today
            ),
            0
        );
    }

    proptest! {
        #[test]
        fn equals_day_by_day_count(s in 0i64..800, len in 0i64..400, open: bool, f in 0i64..800, flen in 0i64..400, t in 0i64..900) {
            let base = d(2023, 1, 1);
            let start = base + chrono::Duration::days(s);
            let end = (!open).then(|| start + chrono::Duration::days(len));
            let from = base + chrono::Duration::days(f);
            let to = from + chrono::Duration::days(flen);
            let today = base + chrono::Duration::days(t);
            let mut count = 0;
            let mut day = from;
            while day <= to {
                let upper = end.unwrap_or(today);
                if day >= start && day <= upper { count += 1; }
                day = day.succ_opt().expect("date");
            }
            prop_assert_eq!(placement_days(start, end, from, to, today), count);
        }
    }
}

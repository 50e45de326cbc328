//! Office hours in the municipality's time zone, and their translation into
//! UTC intervals so that "outside office hours" can be filtered in SQL.
//!
//! Office hours are `start:00` to `end:00` local time, Monday to Friday;
//! weekends are outside. Local times are converted with chrono-tz, so
//! daylight saving time moves the UTC boundaries with the clock. Public
//! holidays are not known here and count as working days.
use chrono::{
    DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition};

use crate::config::AuditConfig;
use crate::entity::audit_event::Column;
use crate::error::{AppError, AppResult};

/// The configured office hours.
#[derive(Debug, Clone, Copy)]
pub struct OfficeHours {
    start: u32,
    end: u32,
    tz: Tz,
}

impl OfficeHours {
    /// From the `[audit]` settings (validated at start-up; checked again so
    /// that a bad value is an internal error, not a wrong report).
    pub fn from_config(c: &AuditConfig) -> AppResult<Self> {
        let tz: Tz = c
            .timezone
            .parse()
            .map_err(|_| AppError::internal("audit.timezone is not a known time zone"))?;
        if c.office_hours_start >= c.office_hours_end || c.office_hours_end > 24 {
            return Err(AppError::internal(
                "audit office hours are not start < end <= 24",
            ));
        }
        Ok(Self {
            start: c.office_hours_start,
            end: c.office_hours_end,
            tz,
        })
    }

    /// Whether `t` is inside office hours.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.tz);
        is_weekday(local.date_naive()) && (self.start..self.end).contains(&local.hour())
    }

    /// The office-hour intervals `[start, end)` in UTC that overlap `[from, to)`.
    /// `from` and `to` come from the client: a time so near the end of the
    /// representable range that its local date, or a day beside it, cannot
    /// be represented is a `BAD_USER_INPUT` on that argument, not a panic.
    pub fn intervals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> AppResult<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        let mut out = Vec::new();
        // One day of margin on each side: the local date of `from` may
        // differ from its UTC date.
        let mut day = self
            .local_date(from)
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .ok_or_else(|| out_of_range("from"))?;
        let last = self
            .local_date(to)
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .ok_or_else(|| out_of_range("to"))?;
        while day <= last {
            if is_weekday(day) {
                let start = self.instant(day, self.start)?;
                let end = self.instant(day, self.end)?;
                if start < to && end > from {
                    out.push((Ord::max(start, from), Ord::min(end, to)));
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                // `day` is the last representable date, hence `last`: done.
                None => break,
            }
        }
        Ok(out)
    }

    /// The SQL condition "in `[from, to)` and outside office hours".
    pub fn outside(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Condition> {
        let mut cond = Condition::all()
            .add(Column::OccurredAt.gte(from))
            .add(Column::OccurredAt.lt(to));
        let inside = self.intervals(from, to)?;
        if !inside.is_empty() {
            let any = inside.into_iter().fold(Condition::any(), |any, (s, e)| {
                any.add(Column::OccurredAt.gte(s).and(Column::OccurredAt.lt(e)))
            });
            cond = cond.add(any.not());
        }
        Ok(cond)
    }

    /// The local calendar date of `t`, if its local time is representable
    /// (`DateTime::date_naive` would panic otherwise).
    fn local_date(&self, t: DateTime<Utc>) -> Option<NaiveDate> {
        let offset = self.tz.offset_from_utc_datetime(&t.naive_utc()).fix();
        t.naive_utc().checked_add_offset(offset).map(|l| l.date())
    }

    /// The UTC instant of `hour:00` local time on `day` (`24` is midnight
    /// after it). A local time skipped by a daylight saving change becomes
    /// the first local instant after the gap; a repeated one its first
    /// occurrence. Both match `contains`, which looks at the local hour.
    fn instant(&self, day: NaiveDate, hour: u32) -> AppResult<DateTime<Utc>> {
        let base = day
            .and_time(NaiveTime::MIN)
            .checked_add_signed(Duration::hours(i64::from(hour)))
            .ok_or_else(|| out_of_range("to"))?;
        let mut local: NaiveDateTime = base;
        // Gaps are at most a few hours; step in minutes until a local time exists.
        for _ in 0..(24 * 60) {
            if let Some(t) = self.tz.from_local_datetime(&local).earliest() {
                return Ok(t.with_timezone(&Utc));
            }
            local = local
                .checked_add_signed(Duration::minutes(1))
                .ok_or_else(|| out_of_range("to"))?;
        }
        // Unreachable for real time zones (no gap lasts a day): an internal
        // error rather than a wrong report.
        Err(AppError::internal(format!(
            "no local time within a day after {base} in {}",
            self.tz
        )))
    }
}

/// The error for a period end whose local dates cannot be represented.
fn out_of_range(field: &str) -> AppError {
    AppError::bad_input(field, "The period is outside the supported range of dates.")
}

fn is_weekday(day: NaiveDate) -> bool {
    day.weekday().num_days_from_monday() < 5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stockholm() -> OfficeHours {
        OfficeHours::from_config(&AuditConfig {
            office_hours_start: 7,
            office_hours_end: 19,
            timezone: "Europe/Stockholm".into(),
            full_walk_minutes: 0,
        })
        .expect("valid")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn weekday_hours_follow_stockholm_time_through_daylight_saving() {
        let h = stockholm();
        // Winter (UTC+1): Monday 2025-01-13.
        assert!(!h.contains(utc("2025-01-13T05:59:00Z")), "06:59 local");
        assert!(h.contains(utc("2025-01-13T06:00:00Z")), "07:00 local");
        assert!(h.contains(utc("2025-01-13T17:59:59Z")), "18:59 local");
        assert!(!h.contains(utc("2025-01-13T18:00:00Z")), "19:00 local");
        // Summer (UTC+2): Monday 2025-06-16.
        assert!(!h.contains(utc("2025-06-16T04:59:00Z")), "06:59 local");
        assert!(h.contains(utc("2025-06-16T05:00:00Z")), "07:00 local");
        assert!(!h.contains(utc("2025-06-16T17:00:00Z")), "19:00 local");
        // Saturday noon is outside; Friday 23:30 UTC is Saturday locally.
        assert!(!h.contains(utc("2025-06-14T10:00:00Z")));
        assert!(!h.contains(utc("2025-06-13T23:30:00Z")));
    }

    #[test]
    fn the_sql_intervals_agree_with_contains_minute_by_minute() {
        // Covers both daylight saving changes of 2025 and a zone without
        // weekends at the UTC date line.
        for (tz, start, end) in [
            ("Europe/Stockholm", 7, 19),
            ("Pacific/Auckland", 0, 24),
            ("America/New_York", 2, 3),
        ] {
            let h = OfficeHours::from_config(&AuditConfig {
                office_hours_start: start,
                office_hours_end: end,
                timezone: tz.into(),
                full_walk_minutes: 0,
            })
            .expect("valid");
            for (from, to) in [
                ("2025-03-28T00:00:00Z", "2025-04-02T00:00:00Z"),
                ("2025-10-24T00:00:00Z", "2025-10-29T00:00:00Z"),
                ("2025-03-07T00:00:00Z", "2025-03-12T00:00:00Z"),
                ("2025-10-31T00:00:00Z", "2025-11-05T00:00:00Z"),
            ] {
                let (from, to) = (utc(from), utc(to));
                let intervals = h.intervals(from, to).expect("in range");
                let mut t = from;
                while t < to {
                    let in_interval = intervals.iter().any(|(s, e)| *s <= t && t < *e);
                    assert_eq!(in_interval, h.contains(t), "{tz} at {t}");
                    t += Duration::minutes(7);
                }
            }
        }
    }

    #[test]
    fn a_weekend_has_no_office_hours() {
        let h = stockholm();
        assert!(
            h.intervals(utc("2025-06-14T00:00:00Z"), utc("2025-06-15T20:00:00Z"))
                .expect("in range")
                .is_empty()
        );
    }

    #[test]
    fn periods_at_the_ends_of_the_date_range_are_bad_input_not_a_panic() {
        let h = stockholm();
        let max = DateTime::<Utc>::MAX_UTC;
        let min = DateTime::<Utc>::MIN_UTC;
        for (from, to, field) in [
            (max - Duration::days(2), max, "to"),
            (max - Duration::hours(1), max - Duration::minutes(30), "to"),
            (min, min + Duration::days(2), "from"),
        ] {
            match h.outside(from, to) {
                Err(AppError::BadInput { field: f, .. }) => assert_eq!(f, field, "{from}..{to}"),
                other => panic!("{from}..{to}: expected bad input, got {other:?}"),
            }
        }
        // Far from the ends nothing changes.
        assert!(
            h.outside(utc("2025-06-14T00:00:00Z"), utc("2025-06-16T20:00:00Z"))
                .is_ok()
        );
    }
}

//! `reasonShares` and `placementDurations`, each one aggregate statement.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::sql::{Sql, counted_end, later};
use super::types::{DurationRow, EndReasonRow, PlacementDurations, ReasonShare, ReasonShares};
use super::{Caller, parse_stored, rank};
use crate::domain::enums::{EndReason, PlacementType, ReasonCategory, ReasonCode};
use crate::domain::statistics::perturbation::Figures;
use crate::domain::statistics::{MIN_BREAKDOWN, percentile};
use crate::domain::today;
use crate::error::AppResult;
use crate::graphql::date::Date;

/// Counts of one cell: placements, distinct children, and the sum of the
/// placements' record keys.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    placements: i64,
    children: i64,
    record_keys: i64,
}

impl Counts {
    fn read(r: &super::sql::Row, first: usize) -> AppResult<Self> {
        Ok(Self {
            placements: r.number(first)?,
            children: r.number(first + 1)?,
            record_keys: r.number(first + 2)?,
        })
    }
}

/// Fewest published placements whose median and 90th percentile duration
/// are published under disclosure control.
const MIN_FOR_DURATIONS: i64 = 10;

/// The counts as published to `who`: perturbed under disclosure control
/// (the cell's placements are `family`'s, in an answer whose placements'
/// record keys sum to `answer_keys`), else as they are.
fn publish(who: &Caller<'_>, family: &str, answer_keys: i64, counts: Counts) -> Counts {
    let Some(keys) = who.cell_keys(family) else {
        return counts;
    };
    let published = keys.publish(
        answer_keys,
        counts.record_keys,
        Figures {
            children: counts.children,
            placements: counts.placements,
            ..Figures::default()
        },
    );
    Counts {
        placements: published.placements,
        children: published.children,
        record_keys: counts.record_keys,
    }
}

/// `part / whole`, at most 1 (perturbed parts and wholes are rounded
/// separately).
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64).min(1.0))
}

/// Computes `reasonShares`.
pub(super) async fn reasons(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<ReasonShares> {
    let mut q = Sql::new(db.get_database_backend());
    let (s, e, oe) = (q.date(from), q.date(to), q.date(to.min(today())));
    let lower = later("p.start_date", &s);
    let upper = counted_end(&e, &oe);
    let scope = q.scope(&who.principal, who.scope);
    let counts = "CAST(COUNT(DISTINCT b.pid) AS BIGINT), CAST(COUNT(DISTINCT b.cid) AS BIGINT), \
                  CAST(SUM(b.skey) AS BIGINT)";
    let text = format!(
        "WITH b AS (
            SELECT p.id AS pid, p.child_id AS cid, p.stat_key AS skey FROM placements p JOIN children c ON c.id = p.child_id
            WHERE {scope} AND p.start_date <= {e} AND ({lower}) <= ({upper})
         )
         SELECT CAST(0 AS INTEGER), pr.reason_code, CAST(NULL AS TEXT), {counts}
           FROM b JOIN placement_reasons pr ON pr.placement_id = b.pid GROUP BY pr.reason_code
         UNION ALL
         SELECT CAST(1 AS INTEGER), pr.reason_code, CAST(NULL AS TEXT), {counts}
           FROM b JOIN placement_reasons pr ON pr.placement_id = b.pid WHERE pr.is_primary
           GROUP BY pr.reason_code
         UNION ALL
         SELECT CAST(2 AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS TEXT), {counts} FROM b
         UNION ALL
         SELECT CAST(3 AS INTEGER), r.code, r.category, CAST(0 AS BIGINT), CAST(0 AS BIGINT),
                CAST(0 AS BIGINT) FROM reasons r"
    );
    let rows = q.run(db, text).await?;
    let mut including: HashMap<ReasonCode, Counts> = HashMap::new();
    let mut primary: HashMap<ReasonCode, Counts> = HashMap::new();
    let mut categories: HashMap<ReasonCode, ReasonCategory> = HashMap::new();
    let mut total = Counts::default();
    for r in &rows {
        let counts = Counts::read(r, 3)?;
        let code = r
            .get::<Option<String>>(1)?
            .map(|c| parse_stored(&c, ReasonCode::parse))
            .transpose()?;
        match (r.get::<i32>(0)?, code) {
            (0, Some(code)) => {
                including.insert(code, counts);
            }
            (1, Some(code)) => {
                primary.insert(code, counts);
            }
            (3, Some(code)) => {
                let category = r.get::<Option<String>>(2)?.unwrap_or_default();
                categories.insert(code, parse_stored(&category, ReasonCategory::parse)?);
            }
            _ => total = counts,
        }
    }
    // The cells are those of `placementStatistics` over the same period:
    // the total, and REASON for `including`, so they are published alike.
    let answer = total.record_keys;
    let perturbed = who.cell_keys("placements").is_some();
    // Reasons are hidden from the caller under disclosure control: too few
    // placements and the breakdown is withheld, as in `placementStatistics`.
    let withhold = perturbed && total.placements < MIN_BREAKDOWN;
    let total = publish(who, "placements", answer, total);
    let line = |found: &HashMap<ReasonCode, Counts>| -> Vec<ReasonShare> {
        ReasonCode::ALL
            .iter()
            .map(|code| {
                let n = found.get(code).copied().unwrap_or_default();
                let n = publish(who, "placements", answer, n);
                ReasonShare {
                    reason: *code,
                    category: categories
                        .get(code)
                        .copied()
                        .unwrap_or(ReasonCategory::Other),
                    placements: (!withhold).then_some(n.placements),
                    children: (!withhold).then_some(n.children),
                    share: if withhold {
                        None
                    } else {
                        ratio(n.placements, total.placements)
                    },
                    suppressed: withhold,
                }
            })
            .collect()
    };
    Ok(ReasonShares {
        from: Date(from),
        to: Date(to),
        placements: Some(total.placements),
        children: Some(total.children),
        suppressed: false,
        including: line(&including),
        primary: line(&primary),
        disclosure: who.disclosure(),
    })
}

/// Computes `placementDurations`: a histogram of durations by type and end
/// reason, counts per type, per end reason and in total, in one statement;
/// the percentiles are taken from the histogram.
pub(super) async fn durations(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<PlacementDurations> {
    let mut q = Sql::new(db.get_database_backend());
    let (s, e) = (q.date(from), q.date(to));
    let duration = q.days("p.end_date", "p.start_date");
    let scope = q.scope(&who.principal, who.scope);
    let counts = "CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT x.cid) AS BIGINT), \
                  CAST(SUM(x.skey) AS BIGINT)";
    let text = format!(
        "WITH x AS (
            SELECT p.placement_type AS ptype, p.end_reason AS er, p.child_id AS cid, {duration} AS dur,
                p.stat_key AS skey
            FROM placements p JOIN children c ON c.id = p.child_id
            WHERE {scope} AND p.end_date IS NOT NULL AND p.end_date >= {s} AND p.end_date <= {e}
         )
         SELECT CAST(0 AS INTEGER), x.ptype, x.er, CAST(x.dur AS BIGINT), {counts} FROM x GROUP BY x.ptype, x.er, x.dur
         UNION ALL
         SELECT CAST(1 AS INTEGER), x.ptype, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), {counts} FROM x GROUP BY x.ptype
         UNION ALL
         SELECT CAST(2 AS INTEGER), CAST(NULL AS TEXT), x.er, CAST(NULL AS BIGINT), {counts} FROM x GROUP BY x.er
         UNION ALL
         SELECT CAST(3 AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), {counts} FROM x"
    );
    let rows = q.run(db, text).await?;
    let mut histogram: Vec<(PlacementType, EndReason, i64, i64)> = Vec::new();
    let mut by_type: Vec<(PlacementType, Counts)> = Vec::new();
    let mut by_end: HashMap<EndReason, Counts> = HashMap::new();
    let mut total = Counts::default();
    for r in &rows {
        let counts = Counts::read(r, 4)?;
        let ptype = r
            .get::<Option<String>>(1)?
            .map(|t| parse_stored(&t, PlacementType::parse))
            .transpose()?;
        let end = r
            .get::<Option<String>>(2)?
            .map(|t| parse_stored(&t, EndReason::parse))
            .transpose()?;
        match (r.get::<i32>(0)?, ptype, end) {
            (0, Some(t), Some(er)) => histogram.push((t, er, r.number(3)?, counts.placements)),
            (1, Some(t), _) => by_type.push((t, counts)),
            (2, _, Some(er)) => {
                by_end.insert(er, counts);
            }
            _ => total = counts,
        }
    }
    let hist = |keep: &dyn Fn(PlacementType, EndReason) -> bool| -> Vec<(i64, i64)> {
        histogram
            .iter()
            .filter(|h| keep(h.0, h.1))
            .map(|h| (h.2, h.3))
            .collect()
    };
    let answer = total.record_keys;
    let perturbed = who.cell_keys("ended").is_some();
    // Under disclosure control a median is published only for many
    // placements of a type (which the caller may know anyway), never per
    // end reason, where it could match one placement's known duration.
    let durations_of = |n: &Counts, h: &[(i64, i64)]| {
        if perturbed && n.placements < MIN_FOR_DURATIONS {
            (None, None)
        } else {
            (percentile(h, 0.5), percentile(h, 0.9))
        }
    };
    by_type.sort_by_key(|(t, _)| rank(PlacementType::ALL, t));
    let by_type = by_type
        .iter()
        .map(|(t, n)| {
            let n = publish(who, "ended", answer, *n);
            let (median_days, p90_days) = durations_of(&n, &hist(&|pt, _| pt == *t));
            DurationRow {
                placement_type: *t,
                placements: Some(n.placements),
                children: Some(n.children),
                median_days,
                p90_days,
                suppressed: false,
            }
        })
        .filter(|row| row.children != Some(0) || !perturbed)
        .collect();
    let total = publish(who, "ended", answer, total);
    let end_reasons = EndReason::ALL
        .iter()
        .map(|er| {
            let n = by_end.get(er).copied().unwrap_or_default();
            let n = publish(who, "ended", answer, n);
            let h = hist(&|_, e| e == *er);
            EndReasonRow {
                end_reason: *er,
                placements: Some(n.placements),
                children: Some(n.children),
                share: ratio(n.placements, total.placements),
                median_days: if perturbed { None } else { percentile(&h, 0.5) },
                suppressed: false,
            }
        })
        .collect();
    let (median_days, p90_days) = durations_of(&total, &hist(&|_, _| true));
    Ok(PlacementDurations {
        from: Date(from),
        to: Date(to),
        placements: Some(total.placements),
        children: Some(total.children),
        median_days,
        p90_days,
        suppressed: false,
        by_type,
        end_reasons,
        disclosure: who.disclosure(),
    })
}

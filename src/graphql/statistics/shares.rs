//! `reasonShares` and `placementDurations`, each one aggregate statement.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::sql::{Sql, counted_end, later};
use super::types::{DurationRow, EndReasonRow, PlacementDurations, ReasonShare, ReasonShares};
use super::{Caller, parse_stored, rank};
use crate::domain::enums::{EndReason, PlacementType, ReasonCategory, ReasonCode};
use crate::domain::statistics::{percentile, suppress};
use crate::domain::today;
use crate::error::AppResult;

/// Counts of one cell: placements and distinct children.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    placements: i64,
    children: i64,
}

/// Suppression of a one-dimensional line of cells with its total, for a
/// caller who gets it; otherwise nothing is withheld.
fn decide(who: &Caller<'_>, cells: &[(i64, Counts)], total: Counts) -> (Vec<bool>, bool) {
    if !who.suppress {
        return (vec![false; cells.len()], false);
    }
    let table: Vec<(Vec<i64>, i64)> = cells.iter().map(|(k, c)| (vec![*k], c.children)).collect();
    let s = suppress(&table, total.children);
    (s.cells, s.total)
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
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
    let counts = "CAST(COUNT(DISTINCT b.pid) AS BIGINT), CAST(COUNT(DISTINCT b.cid) AS BIGINT)";
    let text = format!(
        "WITH b AS (
            SELECT p.id AS pid, p.child_id AS cid FROM placements p JOIN children c ON c.id = p.child_id
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
         SELECT CAST(3 AS INTEGER), r.code, r.category, CAST(0 AS BIGINT), CAST(0 AS BIGINT) FROM reasons r"
    );
    let rows = q.run(db, text).await?;
    let mut including: HashMap<ReasonCode, Counts> = HashMap::new();
    let mut primary: HashMap<ReasonCode, Counts> = HashMap::new();
    let mut categories: HashMap<ReasonCode, ReasonCategory> = HashMap::new();
    let mut total = Counts::default();
    for r in &rows {
        let counts = Counts {
            placements: r.number(3)?,
            children: r.number(4)?,
        };
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
    let line = |found: &HashMap<ReasonCode, Counts>| -> (Vec<ReasonShare>, bool) {
        let cells: Vec<(i64, Counts)> = ReasonCode::ALL
            .iter()
            .filter_map(|c| found.get(c).map(|n| (rank(ReasonCode::ALL, c), *n)))
            .collect();
        let (hidden, total_hidden) = decide(who, &cells, total);
        let hidden: HashMap<i64, bool> = cells.iter().map(|c| c.0).zip(hidden).collect();
        let shares = ReasonCode::ALL
            .iter()
            .map(|code| {
                let n = found.get(code).copied().unwrap_or_default();
                let withheld = hidden
                    .get(&rank(ReasonCode::ALL, code))
                    .copied()
                    .unwrap_or(false);
                ReasonShare {
                    reason: *code,
                    category: categories
                        .get(code)
                        .copied()
                        .unwrap_or(ReasonCategory::Other),
                    placements: (!withheld).then_some(n.placements),
                    children: (!withheld).then_some(n.children),
                    share: if withheld {
                        None
                    } else {
                        ratio(n.placements, total.placements)
                    },
                    suppressed: withheld,
                }
            })
            .collect();
        (shares, total_hidden)
    };
    let (including, total_hidden) = line(&including);
    let (primary, _) = line(&primary);
    Ok(ReasonShares {
        from,
        to,
        placements: (!total_hidden).then_some(total.placements),
        children: (!total_hidden).then_some(total.children),
        suppressed: total_hidden,
        including,
        primary,
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
    let counts = "CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT x.cid) AS BIGINT)";
    let text = format!(
        "WITH x AS (
            SELECT p.placement_type AS ptype, p.end_reason AS er, p.child_id AS cid, {duration} AS dur
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
        let counts = Counts {
            placements: r.number(4)?,
            children: r.number(5)?,
        };
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
    by_type.sort_by_key(|(t, _)| rank(PlacementType::ALL, t));
    let type_cells: Vec<(i64, Counts)> = by_type
        .iter()
        .map(|(t, n)| (rank(PlacementType::ALL, t), *n))
        .collect();
    let (type_hidden, total_hidden) = decide(who, &type_cells, total);
    let by_type = by_type
        .iter()
        .zip(type_hidden)
        .map(|((t, n), withheld)| {
            let h = hist(&|pt, _| pt == *t);
            DurationRow {
                placement_type: *t,
                placements: (!withheld).then_some(n.placements),
                children: (!withheld).then_some(n.children),
                median_days: if withheld { None } else { percentile(&h, 0.5) },
                p90_days: if withheld { None } else { percentile(&h, 0.9) },
                suppressed: withheld,
            }
        })
        .collect();
    let end_cells: Vec<(i64, Counts)> = EndReason::ALL
        .iter()
        .filter_map(|er| by_end.get(er).map(|n| (rank(EndReason::ALL, er), *n)))
        .collect();
    let (end_hidden, _) = decide(who, &end_cells, total);
    let end_hidden: HashMap<i64, bool> = end_cells.iter().map(|c| c.0).zip(end_hidden).collect();
    let end_reasons = EndReason::ALL
        .iter()
        .map(|er| {
            let n = by_end.get(er).copied().unwrap_or_default();
            let withheld = end_hidden
                .get(&rank(EndReason::ALL, er))
                .copied()
                .unwrap_or(false);
            let h = hist(&|_, e| e == *er);
            EndReasonRow {
                end_reason: *er,
                placements: (!withheld).then_some(n.placements),
                children: (!withheld).then_some(n.children),
                share: if withheld {
                    None
                } else {
                    ratio(n.placements, total.placements)
                },
                median_days: if withheld { None } else { percentile(&h, 0.5) },
                suppressed: withheld,
            }
        })
        .collect();
    let all = hist(&|_, _| true);
    Ok(PlacementDurations {
        from,
        to,
        placements: (!total_hidden).then_some(total.placements),
        children: (!total_hidden).then_some(total.children),
        median_days: if total_hidden {
            None
        } else {
            percentile(&all, 0.5)
        },
        p90_days: if total_hidden {
            None
        } else {
            percentile(&all, 0.9)
        },
        suppressed: total_hidden,
        by_type,
        end_reasons,
    })
}

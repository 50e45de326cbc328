//! `budgetOutcome`: actual and committed cost per placement type and the
//! year's budgets, in one aggregate statement.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::sql::{Sql, earlier, later};
use super::types::{BudgetLine, BudgetOutcome, Disclosure};
use super::{Caller, parse_stored, rank};
use crate::access::Permission;
use crate::domain::enums::PlacementType;
use crate::domain::statistics::suppress;
use crate::domain::today;
use crate::error::{AppError, AppResult};
use crate::graphql::date::Date;

/// Figures of one placement type as the statement returns them.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    actual: i64,
    committed: i64,
    children: i64,
}

/// Fills in forecast and deviation.
fn line(placement_type: Option<PlacementType>, budget: Option<i64>, f: Figures) -> BudgetLine {
    let forecast = f.actual.saturating_add(f.committed);
    let deviation = budget.map(|b| b.saturating_sub(forecast));
    BudgetLine {
        placement_type,
        budget,
        actual_cost: Some(f.actual),
        committed_cost: Some(f.committed),
        forecast: Some(forecast),
        deviation,
        deviation_percent: match (deviation, budget) {
            (Some(d), Some(b)) if b != 0 => Some(d as f64 * 100.0 / b as f64),
            _ => None,
        },
        suppressed: false,
    }
}

/// Withholds the cost figures of a line; the budget is no one's case data.
fn withhold(l: &mut BudgetLine) {
    l.actual_cost = None;
    l.committed_cost = None;
    l.forecast = None;
    l.deviation = None;
    l.deviation_percent = None;
    l.suppressed = true;
}

/// Computes `budgetOutcome` for `year`.
///
/// Actual cost: placement days from 1 January up to `asOf` (today, or 31
/// December once the year is past), open placements up to `asOf`. Committed
/// cost: days from the day after `asOf` (or 1 January for a later year) to
/// 31 December that the register already knows of: up to the end date of an
/// ended placement, otherwise up to the planned end date or else the year's
/// end.
pub(super) async fn outcome(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    year: i32,
) -> AppResult<BudgetOutcome> {
    let (Some(jan1), Some(dec31)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(AppError::bad_input("year", "Not a valid year."));
    };
    let today = today();
    let as_of = dec31.min(today);
    let commit_from = jan1.max(today.succ_opt().unwrap_or(today));
    let mut q = Sql::new(db.get_database_backend());
    let (a_s, a_e, c_s, c_e) = (
        q.date(jan1),
        q.date(as_of),
        q.date(commit_from),
        q.date(dec31),
    );
    let a_upper = format!(
        "CASE WHEN p.end_date IS NOT NULL AND p.end_date < {a_e} THEN p.end_date ELSE {a_e} END"
    );
    let a_lower = later("p.start_date", &a_s);
    let c_upper = format!(
        "CASE WHEN p.end_date IS NOT NULL THEN {} WHEN p.planned_end_date IS NOT NULL THEN {} ELSE {c_e} END",
        earlier("p.end_date", &c_e),
        earlier("p.planned_end_date", &c_e)
    );
    let c_lower = later("p.start_date", &c_s);
    let a_days = q.days(&a_upper, &a_lower);
    let c_days = q.days(&c_upper, &c_lower);
    let scope = q.scope(&who.principal, who.scope);
    let y = q.int(year);
    let budget_unit = match (who.scope, who.principal.unit_id) {
        (crate::access::Scope::All, _) | (_, None) => "b.unit_id IS NULL".to_owned(),
        (_, Some(unit)) => format!("b.unit_id = {}", q.uuid(unit)),
    };
    let text = format!(
        "WITH x AS (
            SELECT p.placement_type AS ptype, p.child_id AS cid, p.daily_cost AS dc,
                CASE WHEN ({a_lower}) <= ({a_upper}) THEN {a_days} ELSE 0 END AS adays,
                CASE WHEN ({c_lower}) <= ({c_upper}) THEN {c_days} ELSE 0 END AS cdays
            FROM placements p JOIN children c ON c.id = p.child_id
            WHERE {scope} AND p.start_date <= {c_e} AND (p.end_date IS NULL OR p.end_date >= {a_s})
         )
         SELECT CAST(0 AS INTEGER), x.ptype, {actual}, {committed},
                CAST(COUNT(DISTINCT x.cid) AS BIGINT)
           FROM x WHERE x.adays > 0 OR x.cdays > 0 GROUP BY x.ptype
         UNION ALL
         SELECT CAST(1 AS INTEGER), CAST(NULL AS TEXT), CAST(0 AS BIGINT), CAST(0 AS BIGINT),
                CAST(COUNT(DISTINCT x.cid) AS BIGINT)
           FROM x WHERE x.adays > 0 OR x.cdays > 0
         UNION ALL
         SELECT CAST(2 AS INTEGER), b.placement_type, CAST(b.amount AS BIGINT), CAST(0 AS BIGINT),
                CAST(0 AS BIGINT)
           FROM budgets b WHERE b.year = {y} AND {budget_unit}",
        actual = q.cost_sum("x.adays", "x.dc"),
        committed = q.cost_sum("x.cdays", "x.dc"),
    );
    let rows = q.run(db, text).await?;
    let mut figures: HashMap<PlacementType, Figures> = HashMap::new();
    let mut budgets: HashMap<PlacementType, i64> = HashMap::new();
    let mut total_children = 0;
    for r in &rows {
        let ptype = r
            .get::<Option<String>>(1)?
            .map(|t| parse_stored(&t, PlacementType::parse))
            .transpose()?;
        match (r.get::<i32>(0)?, ptype) {
            (0, Some(t)) => {
                figures.insert(
                    t,
                    Figures {
                        actual: r.number(2)?,
                        committed: r.number(3)?,
                        children: r.number(4)?,
                    },
                );
            }
            (2, Some(t)) => {
                budgets.insert(t, r.number(2)?);
            }
            _ => total_children = r.number(4)?,
        }
    }
    let mut rows: Vec<BudgetLine> = PlacementType::ALL
        .iter()
        .map(|t| {
            let f = figures.get(t).copied().unwrap_or_default();
            line(Some(*t), budgets.get(t).copied(), f)
        })
        .collect();
    let sum = figures.values().fold(Figures::default(), |a, f| Figures {
        actual: a.actual.saturating_add(f.actual),
        committed: a.committed.saturating_add(f.committed),
        children: total_children,
    });
    let total_budget =
        (!budgets.is_empty()).then(|| budgets.values().fold(0i64, |a, b| a.saturating_add(*b)));
    let mut total = line(None, total_budget, sum);
    // Finance reads every placement's cost anyway (PLACEMENT_COST_READ);
    // only a caller who may not read costs in the whole scope gets the
    // small-cell rule here.
    let cost_readable = who
        .principal
        .scope(Permission::PlacementCostRead)
        .is_some_and(|s| s >= who.scope);
    if !cost_readable {
        let cells: Vec<(Vec<i64>, i64)> = PlacementType::ALL
            .iter()
            .filter_map(|t| {
                figures
                    .get(t)
                    .map(|f| (vec![rank(PlacementType::ALL, t)], f.children))
            })
            .collect();
        let decided = suppress(&cells, total_children);
        for ((key, _), hidden) in cells.iter().zip(decided.cells) {
            let index = key.first().and_then(|k| usize::try_from(*k).ok());
            if let (true, Some(l)) = (hidden, index.and_then(|i| rows.get_mut(i))) {
                withhold(l);
            }
        }
        if decided.total {
            withhold(&mut total);
        }
    }
    let disclosure = if total.suppressed || rows.iter().any(|r| r.suppressed) {
        Disclosure::Suppressed
    } else {
        Disclosure::Exact
    };
    Ok(BudgetOutcome {
        year,
        as_of: Date(as_of),
        whole_municipality: who.whole_municipality(),
        rows,
        total,
        disclosure,
    })
}

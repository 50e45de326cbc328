//! `placementStatistics` and `placementTrend`: one aggregate statement that
//! returns the grouped rows, the total and the child population together.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::DatabaseConnection;

use super::disclose::{self, Keys, is_hidden};
use super::sql::{Row, Sql, counted_end, later};
use super::types::{PlacementStatistics, StatisticsDimension as Dim, StatisticsRow, TrendPoint};
use super::{Caller, parse_stored, rank};
use crate::access::Scope;
use crate::domain::enums::{LegalBasis, PlacementType, ReasonCategory, ReasonCode, Sex};
use crate::domain::statistics::{AGE_GROUPS, Segment, age_thresholds, year_segments};
use crate::domain::today;
use crate::error::AppResult;
use crate::graphql::date::Date;

/// The output columns after `kind`, in this order; a dimension not grouped
/// by is a typed NULL.
const COLUMNS: [Dim; 7] = [
    Dim::PlacementType,
    Dim::LegalBasis,
    Dim::Reason,
    Dim::ReasonCategory,
    Dim::Sex,
    Dim::AgeGroup,
    Dim::Year,
];

/// Result kinds of the statement's branches.
const GROUPED: i32 = 0;
const TOTAL: i32 = 1;
const POPULATION: i32 = 2;
/// Placements of each slice the caller can list (type, year).
const SLICE: i32 = 4;

fn column_sql(dim: Dim) -> &'static str {
    match dim {
        Dim::PlacementType => "b.ptype",
        Dim::LegalBasis => "b.basis",
        Dim::Reason => "x.code",
        Dim::ReasonCategory => "x.category",
        Dim::Sex => "b.sex",
        Dim::AgeGroup => "b.age_group",
        Dim::Year => "b.yr",
    }
}

fn null_sql(dim: Dim) -> &'static str {
    if dim == Dim::Year {
        "CAST(NULL AS INTEGER)"
    } else {
        "CAST(NULL AS TEXT)"
    }
}

/// The statement: segments of the period (one, or one per calendar year)
/// with the age thresholds on each segment's last day (a fixed reference
/// date, so that moving the start of a period says nothing about a
/// birthday); `b`, one row per
/// placement and segment with its days inside; then the grouped rows, the
/// total and the population figures of the years, as one `UNION ALL`.
fn statement(
    q: &mut Sql,
    who: &Caller<'_>,
    segments: &[Segment],
    dims: &[Dim],
    today: NaiveDate,
) -> String {
    let mut values = Vec::with_capacity(segments.len());
    for s in segments {
        let [t7, t13, t18] = age_thresholds(s.to);
        values.push(format!(
            "({}, {}, {}, {}, {}, {}, {})",
            q.int(s.year),
            q.date(s.from),
            q.date(s.to),
            q.date(s.to.min(today)),
            q.date(t7),
            q.date(t13),
            q.date(t18)
        ));
    }
    let lower = later("p.start_date", "seg.s");
    let upper = counted_end("seg.e", "seg.oe");
    let days = q.days(&upper, &lower);
    let scope = q.scope(&who.principal, who.scope);
    let [g0, g1, g2, g3] = AGE_GROUPS;
    let base = format!(
        "WITH seg (yr, s, e, oe, t7, t13, t18) AS (VALUES {values}),
         b AS (
            SELECT p.id AS pid, p.child_id AS cid, seg.yr AS yr, p.placement_type AS ptype,
                p.legal_basis AS basis, c.sex AS sex,
                CASE WHEN c.date_of_birth > seg.t7 THEN '{g0}' WHEN c.date_of_birth > seg.t13 THEN '{g1}'
                     WHEN c.date_of_birth > seg.t18 THEN '{g2}' ELSE '{g3}' END AS age_group,
                {days} AS days, p.daily_cost AS daily_cost, p.stat_key AS skey
            FROM placements p
            JOIN children c ON c.id = p.child_id
            JOIN seg ON p.start_date <= seg.e
            WHERE {scope} AND ({lower}) <= ({upper})
         )",
        values = values.join(", "),
    );
    let aggregates = format!(
        "CAST(COUNT(DISTINCT b.cid) AS BIGINT), CAST(COUNT(DISTINCT b.pid) AS BIGINT), \
         CAST(SUM(b.days) AS BIGINT), {}, CAST(SUM(b.skey) AS BIGINT)",
        q.cost_sum("b.days", "b.daily_cost")
    );
    let nulls: Vec<&str> = COLUMNS.iter().map(|d| null_sql(*d)).collect();
    let mut branches = Vec::new();
    if !dims.is_empty() {
        let columns: Vec<&str> = COLUMNS
            .iter()
            .map(|d| {
                if dims.contains(d) {
                    column_sql(*d)
                } else {
                    null_sql(*d)
                }
            })
            .collect();
        let group: Vec<&str> = dims.iter().map(|d| column_sql(*d)).collect();
        // Reason rows come from the placement's reasons; category rows from
        // its distinct categories, so two reasons of one category count once.
        let join = if dims.contains(&Dim::Reason) {
            "JOIN placement_reasons pr ON pr.placement_id = b.pid JOIN reasons x ON x.code = pr.reason_code"
        } else if dims.contains(&Dim::ReasonCategory) {
            "JOIN (SELECT DISTINCT pr.placement_id AS placement_id, r.category AS category
                   FROM placement_reasons pr JOIN reasons r ON r.code = pr.reason_code) x
                 ON x.placement_id = b.pid"
        } else {
            ""
        };
        branches.push(format!(
            "SELECT CAST({GROUPED} AS INTEGER), {}, {aggregates} FROM b {join} GROUP BY {}",
            columns.join(", "),
            group.join(", ")
        ));
    }
    // The total's record keys over distinct placements: with YEAR, `b` has
    // a placement once per year it touches.
    let total_keys =
        "(SELECT CAST(SUM(u.skey) AS BIGINT) FROM (SELECT DISTINCT b.pid, b.skey FROM b) u)";
    branches.push(format!(
        "SELECT CAST({TOTAL} AS INTEGER), {}, {}, {total_keys} FROM b",
        nulls.join(", "),
        aggregates.replace(", CAST(SUM(b.skey) AS BIGINT)", "")
    ));
    let visible: Vec<Dim> = dims.iter().copied().filter(|d| !is_hidden(*d)).collect();
    if who.suppress && !visible.is_empty() {
        let columns: Vec<&str> = COLUMNS
            .iter()
            .map(|d| {
                if visible.contains(d) {
                    column_sql(*d)
                } else {
                    null_sql(*d)
                }
            })
            .collect();
        let group: Vec<&str> = visible.iter().map(|d| column_sql(*d)).collect();
        branches.push(format!(
            "SELECT CAST({SLICE} AS INTEGER), {}, CAST(0 AS BIGINT), \
             CAST(COUNT(DISTINCT b.pid) AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), \
             CAST(SUM(b.skey) AS BIGINT) FROM b GROUP BY {}",
            columns.join(", "),
            group.join(", ")
        ));
    }
    // The municipality's population for the whole municipality's figures;
    // for a unit's figures the unit's own where one is set, else the
    // municipality's.
    let count = match (who.scope, who.principal.unit_id) {
        (Scope::All, _) | (_, None) => {
            "MAX(CASE WHEN unit_id IS NULL THEN child_count END)".to_owned()
        }
        (_, Some(unit)) => format!(
            "COALESCE(MAX(CASE WHEN unit_id = {} THEN child_count END), \
             MAX(CASE WHEN unit_id IS NULL THEN child_count END))",
            q.uuid(unit)
        ),
    };
    let first = segments.first().map_or(0, |s| s.year);
    let last = segments.last().map_or(0, |s| s.year);
    branches.push(format!(
        "SELECT CAST({POPULATION} AS INTEGER), {}, year, CAST({count} AS BIGINT), \
         CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
         FROM child_population WHERE year BETWEEN {} AND {} GROUP BY year HAVING {count} IS NOT NULL",
        nulls[..nulls.len() - 1].join(", "),
        q.int(first),
        q.int(last)
    ));
    format!("{base}\n{}", branches.join("\nUNION ALL\n"))
}

/// A grouped row with its sort key (one ordinal per dimension, in the
/// order asked for) and the sum of its placements' record keys.
pub(super) struct Cell {
    pub(super) key: Vec<i64>,
    pub(super) row: StatisticsRow,
    pub(super) record_keys: i64,
}

fn read_row(r: &Row, dims: &[Dim]) -> AppResult<Cell> {
    let text = |i: usize| r.get::<Option<String>>(i);
    let mut row = StatisticsRow {
        placement_type: text(1)?
            .map(|t| parse_stored(&t, PlacementType::parse))
            .transpose()?,
        legal_basis: text(2)?
            .map(|t| parse_stored(&t, LegalBasis::parse))
            .transpose()?,
        reason: text(3)?
            .map(|t| parse_stored(&t, ReasonCode::parse))
            .transpose()?,
        reason_category: text(4)?
            .map(|t| parse_stored(&t, ReasonCategory::parse))
            .transpose()?,
        sex: text(5)?.map(|t| parse_stored(&t, Sex::parse)).transpose()?,
        age_group: text(6)?,
        year: r.get::<Option<i32>>(7)?,
        ..StatisticsRow::default()
    };
    row.children = Some(r.number(8)?);
    row.placements = Some(r.number(9)?);
    row.placement_days = Some(r.number(10)?);
    row.cost = Some(r.number(11)?);
    let key = dims
        .iter()
        .map(|d| match d {
            Dim::PlacementType => row
                .placement_type
                .map_or(-1, |v| rank(PlacementType::ALL, &v)),
            Dim::LegalBasis => row.legal_basis.map_or(-1, |v| rank(LegalBasis::ALL, &v)),
            Dim::Reason => row.reason.map_or(-1, |v| rank(ReasonCode::ALL, &v)),
            Dim::ReasonCategory => row
                .reason_category
                .map_or(-1, |v| rank(ReasonCategory::ALL, &v)),
            Dim::Sex => row.sex.map_or(-1, |v| rank(Sex::ALL, &v)),
            Dim::AgeGroup => row
                .age_group
                .as_deref()
                .map_or(-1, |v| rank(&AGE_GROUPS, &v)),
            Dim::Year => row.year.map_or(-1, i64::from),
        })
        .collect();
    Ok(Cell {
        key,
        row,
        record_keys: r.number(12)?,
    })
}

/// Computes `placementStatistics` for the caller.
pub(super) async fn statistics(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    from: NaiveDate,
    to: NaiveDate,
    dims: &[Dim],
) -> AppResult<PlacementStatistics> {
    let segments = if dims.contains(&Dim::Year) {
        year_segments(from, to)
    } else {
        vec![Segment {
            year: from.year(),
            from,
            to,
        }]
    };
    let mut q = Sql::new(db.get_database_backend());
    let text = statement(&mut q, who, &segments, dims, today());
    let result = q.run(db, text).await?;
    let mut cells = Vec::new();
    let mut total = StatisticsRow::default();
    let mut keys = Keys::default();
    let mut population: HashMap<i32, i64> = HashMap::new();
    for r in &result {
        let year = r.get::<Option<i32>>(7)?;
        match r.get::<i32>(0)? {
            GROUPED => cells.push(read_row(r, dims)?),
            TOTAL => {
                let cell = read_row(r, &[])?;
                total = cell.row;
                keys.total = cell.record_keys;
            }
            SLICE => {
                let ptype = r
                    .get::<Option<String>>(1)?
                    .map(|t| parse_stored(&t, PlacementType::parse))
                    .transpose()?;
                keys.slices
                    .insert((ptype, year), (r.number(9)?, r.number(12)?));
            }
            _ => {
                if let Some(year) = year {
                    population.insert(year, r.number(8)?);
                }
            }
        }
    }
    cells.sort_by(|a, b| a.key.cmp(&b.key));
    if let Some(control) = who.cell_keys("placements") {
        disclose::apply(&control, dims, &keys, &mut total, &mut cells);
    }
    // The population of the row's year; a row that is not per year has one
    // only when the whole period lies in one calendar year.
    let single_year = (from.year() == to.year()).then_some(from.year());
    let share = |row: &mut StatisticsRow| {
        let pop = row.year.or(single_year).and_then(|y| population.get(&y));
        row.population_share = match (row.children, pop) {
            (Some(n), Some(&pop)) if pop > 0 => Some(n as f64 / pop as f64),
            _ => None,
        };
    };
    share(&mut total);
    for c in &mut cells {
        share(&mut c.row);
    }
    let rows = if dims.is_empty() {
        vec![total.clone()]
    } else {
        cells.into_iter().map(|c| c.row).collect()
    };
    Ok(PlacementStatistics {
        from: Date(from),
        to: Date(to),
        rows,
        total,
        disclosure: who.disclosure(),
    })
}

/// Computes `placementTrend`: the statistics of the years grouped by year
/// and type, completed with zero points for the combinations without
/// placements.
pub(super) async fn trend(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    from_year: i32,
    to_year: i32,
) -> AppResult<Vec<TrendPoint>> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(from_year, 1, 1),
        NaiveDate::from_ymd_opt(to_year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let stats = statistics(db, who, from, to, &[Dim::Year, Dim::PlacementType]).await?;
    let mut found: HashMap<(i32, PlacementType), StatisticsRow> = HashMap::new();
    for row in stats.rows {
        if let (Some(year), Some(t)) = (row.year, row.placement_type) {
            found.insert((year, t), row);
        }
    }
    let mut points = Vec::new();
    for year in from_year..=to_year {
        for &t in PlacementType::ALL {
            let point = match found.remove(&(year, t)) {
                Some(row) => TrendPoint {
                    year,
                    placement_type: t,
                    children: row.children,
                    placement_days: row.placement_days,
                    cost: row.cost,
                    suppressed: row.suppressed,
                    disclosure: stats.disclosure,
                },
                None => TrendPoint {
                    year,
                    placement_type: t,
                    children: Some(0),
                    placement_days: Some(0),
                    cost: Some(0),
                    suppressed: false,
                    disclosure: stats.disclosure,
                },
            };
            points.push(point);
        }
    }
    Ok(points)
}

//! The rows `careMeasures` is computed from: the interventions, placements
//! and anonymous tallies of the caller's statistics scope that touch the
//! years asked for, three statements whatever the number of years.
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::access::statistics::{TallyReach, open_care_reach};
use crate::domain::enums::{InterventionEndReason, InterventionKind, PlacementType};
use crate::domain::measures::{Care, Stay, Tally, year_bounds};
use crate::error::{AppError, AppResult};
use crate::graphql::statistics::Caller;
use crate::graphql::statistics::sql::{Row, Sql};

/// The rows in scope.
pub(super) struct Rows {
    pub cares: Vec<Care>,
    pub stays: Vec<Stay>,
    pub tallies: Vec<Tally>,
}

fn parse<T>(row: &Row, index: usize, parse: impl Fn(&str) -> Option<T>) -> AppResult<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| AppError::internal(format!("unknown stored value {text:?}")))
}

/// Everything in `who`'s scope with a day in `first_year..=last_year`.
pub(super) async fn rows(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    first_year: i32,
    last_year: i32,
) -> AppResult<Rows> {
    let (first, _) = year_bounds(first_year);
    let (_, last) = year_bounds(last_year);
    Ok(Rows {
        cares: cares(db, who, first, last).await?,
        stays: stays(db, who, first, last).await?,
        tallies: tallies(db, who, first, last).await?,
    })
}

async fn cares(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<Care>> {
    let mut q = Sql::new(db.get_database_backend());
    let (s, e) = (q.date(first), q.date(last));
    let scope = q.scope(&who.principal, who.scope);
    let text = format!(
        "SELECT i.id, i.child_id, i.kind, i.unit_id, i.start_date, i.end_date, i.end_reason,
                i.daily_cost
         FROM interventions i JOIN children c ON c.id = i.child_id
         WHERE {scope} AND i.start_date <= {e} AND (i.end_date IS NULL OR i.end_date >= {s})"
    );
    let mut out = Vec::new();
    for r in q.run(db, text).await? {
        out.push(Care {
            id: r.get(0)?,
            child: r.get(1)?,
            kind: parse(&r, 2, InterventionKind::parse)?,
            unit: r.get(3)?,
            start: r.get(4)?,
            end: r.get(5)?,
            end_reason: r
                .get::<Option<String>>(6)?
                .map(|t| {
                    InterventionEndReason::parse(&t)
                        .ok_or_else(|| AppError::internal("unknown end reason"))
                })
                .transpose()?,
            daily_cost: r.get(7)?,
        });
    }
    Ok(out)
}

async fn stays(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<Stay>> {
    let mut q = Sql::new(db.get_database_backend());
    let (s, e) = (q.date(first), q.date(last));
    let scope = q.scope(&who.principal, who.scope);
    // A move is a placement after an earlier one of its intervention, which
    // may lie before the years asked for.
    let text = format!(
        "SELECT p.id, p.child_id, i.unit_id, p.placement_type, p.start_date, p.end_date,
                p.daily_cost, p.stat_key,
                CASE WHEN EXISTS (SELECT 1 FROM placements q
                    WHERE q.intervention_id = p.intervention_id AND q.start_date < p.start_date)
                THEN 1 ELSE 0 END
         FROM placements p JOIN children c ON c.id = p.child_id
              JOIN interventions i ON i.id = p.intervention_id
         WHERE {scope} AND p.start_date <= {e} AND (p.end_date IS NULL OR p.end_date >= {s})"
    );
    let mut out = Vec::new();
    for r in q.run(db, text).await? {
        out.push(Stay {
            id: r.get(0)?,
            child: r.get(1)?,
            unit: r.get(2)?,
            ptype: parse(&r, 3, PlacementType::parse)?,
            start: r.get(4)?,
            end: r.get(5)?,
            daily_cost: r.get(6)?,
            stat_key: r.number(7)?,
            is_move: r.get::<i32>(8)? == 1,
        });
    }
    Ok(out)
}

async fn tallies(
    db: &DatabaseConnection,
    who: &Caller<'_>,
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<Tally>> {
    let mut q = Sql::new(db.get_database_backend());
    let (s, e) = (q.date(first), q.date(last));
    let unit = match open_care_reach(&who.principal, who.scope) {
        TallyReach::All => "1 = 1".to_owned(),
        TallyReach::Unit(u) => format!("t.unit_id = {}", q.uuid(u)),
        TallyReach::Nothing => return Ok(Vec::new()),
    };
    let text = format!(
        "SELECT t.unit_id, t.month, CAST(t.participants AS BIGINT), t.cost
         FROM open_care_tallies t WHERE {unit} AND t.month >= {s} AND t.month <= {e}"
    );
    let mut out = Vec::new();
    for r in q.run(db, text).await? {
        let unit: Uuid = r.get(0)?;
        out.push(Tally {
            unit,
            month: r.get(1)?,
            participants: r.get(2)?,
            cost: r.get(3)?,
        });
    }
    Ok(out)
}

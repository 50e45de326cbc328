//! Building the statistics' aggregate SQL for SQLite and PostgreSQL.
//!
//! Every value from the caller (dates, years, ids) is a bound parameter;
//! the SQL text is assembled only from fixed fragments. Parameters are
//! numbered (`$1`, `$2`, ...), which both drivers accept, so fragments can
//! be built in any order and a value can be used more than once.
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};
use uuid::Uuid;

use crate::access::{Principal, Scope};
use crate::error::{AppError, AppResult};

/// SQL text under construction with its bound values.
pub struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    /// Starts a statement for `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    fn pg(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// A date parameter. SQLite stores dates as `YYYY-MM-DD` text, which
    /// compares in date order; PostgreSQL gets an explicit type so that the
    /// value keeps it inside `VALUES` and `CASE`.
    pub fn date(&mut self, d: NaiveDate) -> String {
        let p = self.bind(d.into());
        if self.pg() {
            format!("CAST({p} AS DATE)")
        } else {
            p
        }
    }

    /// An integer parameter.
    pub fn int(&mut self, i: i32) -> String {
        let p = self.bind(i.into());
        if self.pg() {
            format!("CAST({p} AS INTEGER)")
        } else {
            p
        }
    }

    pub fn uuid(&mut self, id: Uuid) -> String {
        self.bind(id.into())
    }

    /// Days from `lower` to `upper` inclusive, as BIGINT. SQLite has no date
    /// type, so it goes through Julian day numbers (exact for whole days);
    /// PostgreSQL subtracts dates directly.
    pub fn days(&self, upper: &str, lower: &str) -> String {
        if self.pg() {
            format!("(CAST(({upper}) - ({lower}) AS BIGINT) + 1)")
        } else {
            format!("(CAST(julianday({upper}) - julianday({lower}) AS INTEGER) + 1)")
        }
    }

    /// The sum of `days * cost` over a group, as BIGINT and exact (no
    /// floating point for money). PostgreSQL sums in NUMERIC and saturates
    /// at the largest BIGINT, so a row written before the bounds existed
    /// cannot fail everyone's figures. SQLite sums integers exactly; the
    /// bounds (`domain::bounds`: at most 1,000,000 SEK a day, dates within
    /// 1900–2200) keep a single row below 2^37 SEK, far from overflow.
    pub fn cost_sum(&self, days: &str, cost: &str) -> String {
        if self.pg() {
            format!(
                "CAST(LEAST(SUM(CAST({days} AS NUMERIC) * {cost}), {max}) AS BIGINT)",
                max = i64::MAX
            )
        } else {
            format!("SUM(CAST({days} AS INTEGER) * {cost})")
        }
    }

    /// The condition on `children c` that keeps the figures inside the
    /// scope of the caller's `STATISTICS_READ`: the whole municipality, the
    /// caller's unit, or the caller's own caseload.
    pub fn scope(&mut self, p: &Principal, scope: Scope) -> String {
        match (scope, p.unit_id) {
            (Scope::All, _) => "1 = 1".to_owned(),
            (Scope::Unit, Some(unit)) => format!("c.unit_id = {}", self.uuid(unit)),
            (Scope::Unit, None) => "1 = 0".to_owned(),
            (Scope::Own, _) => {
                let mut ids: Vec<Uuid> = p.reach.own_children().collect();
                if ids.is_empty() {
                    return "1 = 0".to_owned();
                }
                ids.sort();
                let list: Vec<String> = ids.into_iter().map(|id| self.uuid(id)).collect();
                format!("c.id IN ({})", list.join(", "))
            }
        }
    }

    /// Runs `text` with the values bound so far.
    pub async fn run<C: ConnectionTrait>(self, db: &C, text: String) -> AppResult<Vec<Row>> {
        let statement = Statement::from_sql_and_values(self.backend, text, self.values);
        let rows = db.query_all_raw(statement).await?;
        Ok(rows.into_iter().map(Row).collect())
    }
}

/// The SQL for the date `upper` when it is the earlier of two (`NULL`-free).
pub fn earlier(a: &str, b: &str) -> String {
    format!("CASE WHEN {a} < {b} THEN {a} ELSE {b} END")
}

/// The SQL for the later of two dates (`NULL`-free).
pub fn later(a: &str, b: &str) -> String {
    format!("CASE WHEN {a} > {b} THEN {a} ELSE {b} END")
}

/// The last day of a placement that counts inside a window ending on
/// `window_end`: its end date if earlier, and for an open placement
/// `open_end` (the window's end or today, whichever is earlier).
pub fn counted_end(window_end: &str, open_end: &str) -> String {
    format!(
        "CASE WHEN p.end_date IS NULL THEN {open_end} WHEN p.end_date < {window_end} \
         THEN p.end_date ELSE {window_end} END"
    )
}

/// A result row, read by column position.
pub struct Row(QueryResult);

impl Row {
    /// The value at `index`; a type mismatch is an internal error.
    pub fn get<T: TryGetable>(&self, index: usize) -> AppResult<T> {
        self.0
            .try_get_by_index(index)
            .map_err(|e| AppError::internal(format!("statistics column {index}: {e}")))
    }

    /// A count or sum at `index`, where `NULL` (a sum over no rows) is 0.
    pub fn number(&self, index: usize) -> AppResult<i64> {
        Ok(self.get::<Option<i64>>(index)?.unwrap_or(0))
    }
}

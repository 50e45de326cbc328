//! Statistics for management (issue 5): placement figures grouped at will,
//! the trend across years, reasons, durations and endings, and budget
//! against outcome, plus the mutations that set budgets and the child
//! population.
//!
//! Every figure is computed by one aggregate SQL statement per request
//! (`placement`, `shares`, `budget`), inside the scope of the caller's
//! `STATISTICS_READ`. Callers who may not read cases in the whole of that
//! scope are under disclosure control (issue 11): whole months only, and
//! counts, days and costs perturbed by the cell-key method
//! (`crate::domain::statistics::perturbation`); budget lines keep small-cell
//! suppression. Every statistics read is audited as an aggregate read with
//! no subject child.
mod budget;
mod disclose;
pub mod mutation;
mod placement;
mod shares;
pub(crate) mod sql;
pub mod types;

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::{Datelike, NaiveDate};

use crate::graphql::date::Date;

use crate::access::{Permission, Principal, Scope, require};
use crate::audit::{Action, NewEvent};
use crate::config::Config;
use crate::domain::statistics::perturbation::CellKeys;
use crate::domain::statistics::whole_months;
use crate::error::{AppError, AppResult};
use crate::request::RequestContext;
use crate::state::AppState;
use types::{
    BudgetOutcome, PlacementDurations, PlacementStatistics, ReasonShares, StatisticsDimension,
    TrendPoint,
};

pub use mutation::StatisticsMutation;

/// Earliest and latest year a statistics period may touch.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Who asks for statistics, and how their figures must be treated.
pub(crate) struct Caller<'a> {
    rc: &'a RequestContext,
    pub(crate) principal: Arc<Principal>,
    /// The scope of the caller's `STATISTICS_READ`: whose placements count.
    pub(crate) scope: Scope,
    /// Whether the caller is under disclosure control: they may not read
    /// everything the figures are broken down by in the whole scope they
    /// cover (`access::statistics::exact_figures`).
    suppress: bool,
    config: Arc<Config>,
}

impl Caller<'_> {
    /// Whether the figures cover the whole municipality.
    pub(crate) fn whole_municipality(&self) -> bool {
        self.scope == Scope::All
    }

    /// The cell keys of figures about `family` (`placements`: placements
    /// with a day in the period; `ended`: placements ended in it) for a
    /// caller under disclosure control; `None` for a caller who gets exact
    /// figures.
    pub(crate) fn cell_keys<'k>(&'k self, family: &'k str) -> Option<CellKeys<'k>> {
        let st = &self.config.statistics;
        self.suppress.then(|| {
            CellKeys::new(
                st.cell_key_secret.as_bytes(),
                st.days_base,
                st.cost_base,
                family,
            )
        })
    }

    /// How this caller's figures are treated.
    pub(crate) fn disclosure(&self) -> types::Disclosure {
        if self.suppress {
            types::Disclosure::Perturbed
        } else {
            types::Disclosure::Exact
        }
    }

    /// Refuses a period a caller under disclosure control may not ask for:
    /// anything but whole consecutive calendar months. Day-level periods
    /// would let two answers differ by one placement's single day.
    fn check_published_period(&self, from: NaiveDate, to: NaiveDate) -> AppResult<()> {
        if !self.suppress || whole_months(from, to) {
            return Ok(());
        }
        let field = if from.day() == 1 { "to" } else { "from" };
        Err(AppError::bad_input(
            field,
            "Figures under disclosure control are published for whole calendar months, \
             quarters and years, or consecutive runs of months: from must be the first day \
             of a month and to the last day of a month.",
        ))
    }

    /// Notes the aggregate read for the audit log: no subject child, the
    /// query's name as entity id, and what was asked as fields.
    pub(crate) fn audit(&self, query: &str, mut fields: Vec<String>) {
        if self.suppress {
            fields.push("perturbed".to_owned());
        }
        self.rc.audit.push(NewEvent {
            action: Action::Read,
            entity_type: Some("Statistics".into()),
            entity_id: Some(query.into()),
            fields,
            ..NewEvent::default()
        });
    }
}

/// Requires `STATISTICS_READ` and decides on disclosure control.
pub(crate) fn caller<'a>(ctx: &'a Context<'_>) -> AppResult<Caller<'a>> {
    let (rc, principal, scope) = require(ctx, Permission::StatisticsRead)?;
    let suppress = !crate::access::statistics::exact_figures(&principal, scope);
    let config = ctx
        .data::<AppState>()
        .map_err(|_| AppError::internal("no state"))?
        .config
        .clone();
    Ok(Caller {
        rc,
        principal,
        scope,
        suppress,
        config,
    })
}

/// Waits for one of the statistics' slots (`crate::slots`).
pub(crate) async fn aggregate_slot(
    ctx: &Context<'_>,
    state: &AppState,
) -> AppResult<crate::slots::Slot> {
    let timeout = std::time::Duration::from_secs(state.config.server.request_timeout_secs);
    state.aggregates.take(ctx, timeout).await
}

/// Checks a period: `from <= to`, both within the years statistics cover.
fn check_period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if !YEARS.contains(&from.year()) {
        return Err(AppError::bad_input(
            "from",
            "The period must lie in 1900-2100.",
        ));
    }
    if !YEARS.contains(&to.year()) {
        return Err(AppError::bad_input(
            "to",
            "The period must lie in 1900-2100.",
        ));
    }
    if to < from {
        return Err(AppError::bad_input(
            "to",
            "The period ends before it starts.",
        ));
    }
    Ok(())
}

/// Checks a year argument.
pub(crate) fn check_year(year: i32, field: &str) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            "The year must lie in 1900-2100.",
        ))
    }
}

fn period_fields(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    vec![format!("from:{from}"), format!("to:{to}")]
}

/// Statistics queries. All need `STATISTICS_READ`.
#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Placement figures for `[from, to]` (inclusive), grouped by any
    /// combination of dimensions, with a total that counts each child and
    /// placement once. A UNIT_MANAGER sees their own unit's placements,
    /// FINANCE the whole municipality with small-cell suppression.
    async fn placement_statistics(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        group_by: Option<Vec<StatisticsDimension>>,
    ) -> Result<PlacementStatistics> {
        let who = caller(ctx)?;
        let (from, to) = (from.0, to.0);
        check_period(from, to)?;
        who.check_published_period(from, to)?;
        let mut dims: Vec<StatisticsDimension> = Vec::new();
        for d in group_by.unwrap_or_default() {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let result = placement::statistics(&state.db, &who, from, to, &dims).await?;
        let mut fields = period_fields(from, to);
        fields.extend(dims.iter().map(|d| d.as_str().to_owned()));
        who.audit("placementStatistics", fields);
        Ok(result)
    }

    /// Per year and placement type: children, placement days and cost, for
    /// every year of `[fromYear, toYear]` and every type (zeros included),
    /// so that a front end can draw the shift between types.
    async fn placement_trend(
        &self,
        ctx: &Context<'_>,
        from_year: i32,
        to_year: i32,
    ) -> Result<Vec<TrendPoint>> {
        let who = caller(ctx)?;
        check_year(from_year, "fromYear")?;
        check_year(to_year, "toYear")?;
        if to_year < from_year {
            return Err(AppError::bad_input("toYear", "toYear is before fromYear.").into());
        }
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let points = placement::trend(&state.db, &who, from_year, to_year).await?;
        who.audit(
            "placementTrend",
            vec![format!("fromYear:{from_year}"), format!("toYear:{to_year}")],
        );
        Ok(points)
    }

    /// Reasons of the placements with at least one placement day in
    /// `[from, to]`: the share that *include* each reason, and the share by
    /// *primary* reason.
    async fn reason_shares(&self, ctx: &Context<'_>, from: Date, to: Date) -> Result<ReasonShares> {
        let who = caller(ctx)?;
        let (from, to) = (from.0, to.0);
        check_period(from, to)?;
        who.check_published_period(from, to)?;
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let result = shares::reasons(&state.db, &who, from, to).await?;
        who.audit("reasonShares", period_fields(from, to));
        Ok(result)
    }

    /// Placements whose end date lies in `[from, to]`: median and 90th
    /// percentile duration per type, and how they ended.
    async fn placement_durations(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
    ) -> Result<PlacementDurations> {
        let who = caller(ctx)?;
        let (from, to) = (from.0, to.0);
        check_period(from, to)?;
        who.check_published_period(from, to)?;
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let result = shares::durations(&state.db, &who, from, to).await?;
        who.audit("placementDurations", period_fields(from, to));
        Ok(result)
    }

    /// Budget against outcome for `year`, per placement type and in total:
    /// the budget, the actual cost to date, the committed cost, the forecast
    /// and the deviation.
    async fn budget_outcome(&self, ctx: &Context<'_>, year: i32) -> Result<BudgetOutcome> {
        let who = caller(ctx)?;
        check_year(year, "year")?;
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let result = budget::outcome(&state.db, &who, year).await?;
        who.audit("budgetOutcome", vec![format!("year:{year}")]);
        Ok(result)
    }
}

/// Parses a stored enumeration value; an unknown one is a broken invariant.
fn parse_stored<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> AppResult<T> {
    parse(text).ok_or_else(|| AppError::internal(format!("unknown stored value {text:?}")))
}

/// The position of `value` in `all` (an enumeration's declaration order),
/// for sorting rows and as a suppression key.
fn rank<T: PartialEq>(all: &[T], value: &T) -> i64 {
    all.iter()
        .position(|x| x == value)
        .map_or(i64::MAX, |i| i as i64)
}

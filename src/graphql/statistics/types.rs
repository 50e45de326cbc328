//! The GraphQL shapes of the statistics (api.md) and of the additions for
//! reasons, durations and budgets.
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::enums::{EndReason, LegalBasis, PlacementType, ReasonCategory, ReasonCode, Sex};
use crate::graphql::date::Date;

/// How the figures of a statistics result are treated (README,
/// "Statistics and disclosure control").
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// The true figures: the caller may read every case they cover.
    Exact,
    /// Counts, days and costs perturbed by the cell-key method: counts are
    /// multiples of 3 within 2 of the truth (never 1 or 2, a group with no
    /// placements stays 0), days and costs rounded without bias; shares are
    /// computed from the perturbed counts. The same cell always gets the
    /// same value; rows need not add up to the total.
    Perturbed,
    /// Figures withheld (null) as too few children (small-cell
    /// suppression); rows say so with `suppressed`.
    Suppressed,
}

/// What `placementStatistics` can group by. Any combination may be given.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatisticsDimension {
    /// The placement's type (the setting's kind).
    PlacementType,
    /// The placement's legal basis.
    LegalBasis,
    /// Each reason of the placement. Reason rows overlap: a placement with
    /// two reasons is in both rows.
    Reason,
    /// Each category among the placement's reasons. Category rows overlap
    /// like reason rows; two reasons of one category count once.
    ReasonCategory,
    /// The child's sex.
    Sex,
    /// The child's age group (0-6, 7-12, 13-17, 18+) on the last day of the
    /// period, or of the calendar year's part of it when grouping by `YEAR`
    /// as well (31 December for a whole year): the same in every query.
    AgeGroup,
    /// The calendar year: the period is split at year ends.
    Year,
}

impl StatisticsDimension {
    /// The name used in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlacementType => "PLACEMENT_TYPE",
            Self::LegalBasis => "LEGAL_BASIS",
            Self::Reason => "REASON",
            Self::ReasonCategory => "REASON_CATEGORY",
            Self::Sex => "SEX",
            Self::AgeGroup => "AGE_GROUP",
            Self::Year => "YEAR",
        }
    }
}

/// Placement figures of one group (or of all placements in the total).
///
/// A placement is counted in a row when it has at least one placement day
/// inside the row's period. Counts are of distinct children and distinct
/// placements, so rows need not add up to the total: a child with two
/// placements of different types is in two type rows and once in the total,
/// and a child placed for two reasons is in both reason rows and once in the
/// total. Placement days and cost add up across all dimensions except
/// `REASON` and `REASON_CATEGORY`.
///
/// Under disclosure control (`disclosure: PERTURBED`) every count, days and
/// cost figure of a row and of the total is perturbed on its own, so rows
/// need not add up to the total in any dimension; a group whose perturbed
/// children count is 0 has no row; a row grouped by legal basis, reason,
/// reason category, sex or age group has no days and no cost (null); and
/// the breakdown of a type or year with fewer than 10 placements is one
/// row with `suppressed` true and no figures.
#[derive(SimpleObject, Clone, Debug, Default, PartialEq)]
pub struct StatisticsRow {
    /// The group's placement type, when grouped by `PLACEMENT_TYPE`.
    pub placement_type: Option<PlacementType>,
    /// The group's legal basis, when grouped by `LEGAL_BASIS`.
    pub legal_basis: Option<LegalBasis>,
    /// The group's reason, when grouped by `REASON`: placements that include
    /// this reason, primary or not (rows overlap).
    pub reason: Option<ReasonCode>,
    /// The group's reason category, when grouped by `REASON_CATEGORY`:
    /// placements with at least one reason of the category (rows overlap).
    pub reason_category: Option<ReasonCategory>,
    /// The group's sex, when grouped by `SEX`.
    pub sex: Option<Sex>,
    /// The group's age group, when grouped by `AGE_GROUP`: "0-6", "7-12",
    /// "13-17" or "18+" on the last day of the period (or of the year's part).
    pub age_group: Option<String>,
    /// The calendar year, when grouped by `YEAR`.
    pub year: Option<i32>,
    /// Distinct children placed on at least one day of the row's period.
    pub children: Option<i64>,
    /// Distinct placements with at least one day in the row's period.
    pub placements: Option<i64>,
    /// Placement days inside the period: start to end inclusive, an open
    /// placement up to the period's end or today, whichever is earlier.
    pub placement_days: Option<i64>,
    /// Cost inside the period in whole SEK: each placement's days times its
    /// daily cost.
    pub cost: Option<i64>,
    /// `children` as a share of the municipality's child population of the
    /// year (0.03 is 3 %); null when no population is set for the year, or
    /// when the period spans several years and the row is not per year.
    pub population_share: Option<f64>,
    /// Whether the figures are withheld (small-cell suppression).
    pub suppressed: bool,
}

/// The result of `placementStatistics`.
#[derive(SimpleObject, Clone, Debug)]
pub struct PlacementStatistics {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// One row per group that has placements, ordered by the dimensions in
    /// the order asked for. Without `groupBy`, the one row equals the total.
    pub rows: Vec<StatisticsRow>,
    /// All placements of the period, each child and placement counted once
    /// however many rows it is in.
    pub total: StatisticsRow,
    /// Whether the figures are exact or perturbed.
    pub disclosure: Disclosure,
}

/// One year and placement type of `placementTrend`.
#[derive(SimpleObject, Clone, Debug)]
pub struct TrendPoint {
    /// The calendar year.
    pub year: i32,
    /// The placement type.
    pub placement_type: PlacementType,
    /// Distinct children in placements of the type during the year.
    pub children: Option<i64>,
    /// Placement days of the type in the year (open placements up to today).
    pub placement_days: Option<i64>,
    /// Cost of those days in whole SEK.
    pub cost: Option<i64>,
    /// Whether the figures are withheld (small-cell suppression).
    pub suppressed: bool,
    /// Whether the figures are exact or perturbed (the same values as the
    /// year's `placementStatistics` grouped by `PLACEMENT_TYPE`).
    pub disclosure: Disclosure,
}

/// How often one reason occurs among the placements of the period.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReasonShare {
    /// The reason.
    pub reason: ReasonCode,
    /// The reason's category.
    pub category: ReasonCategory,
    /// Placements counted for the reason (see the list this row is in).
    pub placements: Option<i64>,
    /// Distinct children of those placements.
    pub children: Option<i64>,
    /// `placements` divided by all placements of the period (0.42 is 42 %).
    pub share: Option<f64>,
    /// Whether the figures are withheld (small-cell suppression).
    pub suppressed: bool,
}

/// Reasons of the placements with at least one placement day in the period.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReasonShares {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// All placements of the period: the denominator of every share.
    pub placements: Option<i64>,
    /// Distinct children of those placements.
    pub children: Option<i64>,
    /// Whether the totals are withheld (small-cell suppression).
    pub suppressed: bool,
    /// Share of placements that *include* each reason, primary or not. A
    /// placement has one or more reasons, so these shares add up to more
    /// than 1 (the "42 % involve conflict or violence" kind of figure).
    pub including: Vec<ReasonShare>,
    /// Share of placements whose *primary* reason is each reason. Every
    /// placement has exactly one, so these shares add up to 1 (when exact).
    pub primary: Vec<ReasonShare>,
    /// Whether the figures are exact or perturbed; perturbed shares are the
    /// perturbed counts over the perturbed total.
    pub disclosure: Disclosure,
}

/// Durations of ended placements of one type.
#[derive(SimpleObject, Clone, Debug)]
pub struct DurationRow {
    /// The placement type.
    pub placement_type: PlacementType,
    /// Placements of the type that ended in the period.
    pub placements: Option<i64>,
    /// Distinct children of those placements.
    pub children: Option<i64>,
    /// Median duration in days (start to end inclusive).
    pub median_days: Option<f64>,
    /// 90th percentile of the duration in days.
    pub p90_days: Option<f64>,
    /// Whether the figures are withheld (small-cell suppression).
    pub suppressed: bool,
}

/// How placements that ended in the period ended.
#[derive(SimpleObject, Clone, Debug)]
pub struct EndReasonRow {
    /// The end reason. `RETURNED_HOME` and `CUSTODY_TRANSFERRED` are the
    /// outcomes followed up especially; every end reason is listed.
    pub end_reason: EndReason,
    /// Placements that ended so in the period.
    pub placements: Option<i64>,
    /// Distinct children of those placements.
    pub children: Option<i64>,
    /// `placements` divided by all placements ended in the period.
    pub share: Option<f64>,
    /// Median duration in days of those placements; null under disclosure
    /// control, where it could point at the placement with that duration.
    pub median_days: Option<f64>,
    /// Whether the figures are withheld (small-cell suppression).
    pub suppressed: bool,
}

/// Durations and endings of the placements whose end date lies in the period.
#[derive(SimpleObject, Clone, Debug)]
pub struct PlacementDurations {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// Placements that ended in the period.
    pub placements: Option<i64>,
    /// Distinct children of those placements.
    pub children: Option<i64>,
    /// Median duration in days, start to end inclusive (the whole
    /// placement, also the part before the period). Percentiles interpolate
    /// linearly between the closest ranks.
    pub median_days: Option<f64>,
    /// 90th percentile of the duration in days.
    pub p90_days: Option<f64>,
    /// Whether the totals are withheld (small-cell suppression).
    pub suppressed: bool,
    /// Per placement type that has ended placements in the period.
    pub by_type: Vec<DurationRow>,
    /// Per end reason, all of them.
    pub end_reasons: Vec<EndReasonRow>,
    /// Whether the counts are exact or perturbed.
    pub disclosure: Disclosure,
}

/// Budget against outcome for one placement type (or all of them).
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct BudgetLine {
    /// The placement type; null in the total.
    pub placement_type: Option<PlacementType>,
    /// The budget in whole SEK; null when none is set.
    pub budget: Option<i64>,
    /// Cost from 1 January up to today (or the whole year, once past).
    pub actual_cost: Option<i64>,
    /// Cost the register already knows of for the rest of the year: from
    /// tomorrow, each open placement up to its planned end date or else the
    /// year's end, and an ended placement up to its end date, at its daily
    /// cost. An open placement whose planned end has passed commits nothing.
    pub committed_cost: Option<i64>,
    /// Forecast for the year: actual plus committed cost.
    pub forecast: Option<i64>,
    /// Budget minus forecast; negative means over budget. Null without a budget.
    pub deviation: Option<i64>,
    /// `deviation` as per cent of the budget; null without a (non-zero) budget.
    pub deviation_percent: Option<f64>,
    /// Whether the cost figures are withheld (small-cell suppression, for
    /// callers who may not read placement costs in the whole scope).
    pub suppressed: bool,
}

/// Budget against outcome and forecast for a year.
#[derive(SimpleObject, Clone, Debug)]
pub struct BudgetOutcome {
    /// The year.
    pub year: i32,
    /// The day the actual cost runs to (today, or 31 December once past).
    pub as_of: Date,
    /// Whether the figures cover the whole municipality (its budget, all
    /// placements); otherwise they are the caller's unit's budget and the
    /// placements of that unit's children.
    pub whole_municipality: bool,
    /// One line per placement type.
    pub rows: Vec<BudgetLine>,
    /// All placement types together.
    pub total: BudgetLine,
    /// Budget figures are exact; cost lines about 1 or 2 children are
    /// withheld (`suppressed`) for callers under disclosure control, so this
    /// is `EXACT` or, when any line is withheld, `SUPPRESSED`.
    pub disclosure: Disclosure,
}

/// A budget for one placement type and year.
#[derive(SimpleObject, Clone, Debug)]
pub struct Budget {
    /// The year.
    pub year: i32,
    /// The placement type.
    pub placement_type: PlacementType,
    /// The unit; null for the whole municipality's budget.
    pub unit_id: Option<async_graphql::ID>,
    /// The amount in whole SEK.
    pub amount: i64,
    /// When the amount was last set.
    pub updated_at: DateTime<Utc>,
}

//! The GraphQL shapes of `careMeasures`. Counts, days and costs are as
//! published to the caller (exact, or perturbed under disclosure control);
//! shares and ratios are computed from those.
use async_graphql::{ID, SimpleObject};

use crate::domain::enums::{InterventionEndReason, PlacementType};
use crate::graphql::statistics::types::Disclosure;

/// The measures of the shift from placements to open care, per year.
#[derive(SimpleObject)]
pub struct CareMeasures {
    pub from_year: i32,
    pub to_year: i32,
    /// One row per year for the whole scope (`unitId` null), and with
    /// `byUnit` one per year and responsible unit, years in order.
    pub years: Vec<CareMeasureYear>,
    pub disclosure: Disclosure,
}

/// One year's measures, for the whole scope or one unit.
#[derive(SimpleObject, Default)]
pub struct CareMeasureYear {
    pub year: i32,
    /// The unit responsible for the interventions; null for the whole scope.
    pub unit_id: Option<ID>,
    /// Children with at least one day in 24-hour care (a placement) during
    /// the year.
    pub children_in_twenty_four_hour_care: Option<i64>,
    /// Placements with at least one day in the year.
    pub placements: Option<i64>,
    /// 24-hour interventions started in the year.
    pub new_twenty_four_hour_interventions: Option<i64>,
    /// Placements started in the year that moved a child within an
    /// intervention.
    pub moves: Option<i64>,
    /// `moves / childrenInTwentyFourHourCare`.
    pub moves_per_child: Option<f64>,
    /// Children with three or more placements during the year.
    pub children_with_three_or_more_placements: Option<i64>,
    /// Their share of the children in 24-hour care.
    pub three_or_more_placements_share: Option<f64>,
    /// 24-hour interventions ended in the year.
    pub ended_interventions: Option<i64>,
    /// How they ended.
    pub end_reasons: Vec<EndReasonMeasure>,
    /// The share ended by a transfer of custody (SoL 22:14, FB 6:8).
    pub custody_transfer_share: Option<f64>,
    /// Ended by the child returning home.
    pub returned_home: Option<i64>,
    /// Median days in care of those, from start to end; null under
    /// disclosure control (a duration per end reason can match one
    /// placement's known duration).
    pub median_days_to_return_home: Option<i64>,
    /// Of those who returned home, children back in 24-hour care within 12
    /// months. Null under disclosure control: a re-entry links two
    /// placements to one child, and a later placement would change an
    /// earlier year's figure alone.
    pub reentries: Option<i64>,
    /// `reentries / returnedHome`.
    pub reentry_share: Option<f64>,
    /// Whether 12 months have passed since the year's end, so that no later
    /// re-entry can change the share.
    pub reentry_window_complete: bool,
    /// Care days and cost per placement type, every type listed.
    pub care_days: Vec<CareDaysMeasure>,
    /// Share of care days in kinship homes.
    pub kinship_share: Option<f64>,
    /// Share of care days in the municipality's own foster homes.
    pub own_foster_home_share: Option<f64>,
    /// Share of care days in agency foster homes.
    pub agency_foster_home_share: Option<f64>,
    /// Placement cost of the year, in whole SEK.
    pub placement_cost: Option<i64>,
    /// Children with identified open care during the year.
    pub open_care_children: Option<i64>,
    /// Identified open-care interventions started in the year.
    pub new_open_care_interventions: Option<i64>,
    /// Anonymous open care (SoL 11:5): participants summed over the months
    /// (a person taking part in two months counts twice).
    pub anonymous_open_care_participants: i64,
    /// What the anonymous open care cost, in whole SEK.
    pub anonymous_open_care_cost: i64,
    /// Open-care cost: identified open care's daily costs and the anonymous
    /// tallies' costs, in whole SEK.
    pub open_care_cost: Option<i64>,
    /// `openCareChildren / childrenInTwentyFourHourCare`.
    pub open_care_to_placement_children: Option<f64>,
    /// `openCareCost / placementCost`.
    pub open_care_to_placement_cost: Option<f64>,
    /// Change from the year before, for the same unit or scope.
    pub trend: Option<CareTrend>,
    /// Under disclosure control, the 24-hour figures are withheld (null)
    /// when fewer than 10 children in 24-hour care are published for the row.
    pub suppressed: bool,
    /// Likewise the identified open-care figures, for fewer than 10
    /// children in open care published.
    pub open_care_suppressed: bool,
}

/// A year's ended 24-hour interventions of one end reason.
#[derive(SimpleObject)]
pub struct EndReasonMeasure {
    pub end_reason: InterventionEndReason,
    pub interventions: Option<i64>,
    pub share: Option<f64>,
}

/// A year's care days of one placement type.
#[derive(SimpleObject)]
pub struct CareDaysMeasure {
    pub placement_type: PlacementType,
    /// Null under disclosure control when the type's children are
    /// published as none (as `placementStatistics` drops such a row).
    pub days: Option<i64>,
    /// Of all care days of the year.
    pub share: Option<f64>,
    /// In whole SEK.
    pub cost: Option<i64>,
}

/// The change of the headline measures from the previous year: this
/// year's value minus last year's.
#[derive(SimpleObject)]
pub struct CareTrend {
    pub children_in_twenty_four_hour_care: Option<i64>,
    pub new_twenty_four_hour_interventions: Option<i64>,
    pub open_care_children: Option<i64>,
    pub new_open_care_interventions: Option<i64>,
    pub open_care_to_placement_children: Option<f64>,
    pub open_care_to_placement_cost: Option<f64>,
}

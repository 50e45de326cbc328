//! From computed measures to what the caller is shown: exact figures, or
//! under disclosure control:
//! - the year's children, placements, days and cost in 24-hour care, and
//!   each placement type's, published exactly as `placementStatistics`
//!   publishes the same figures for the same year (same records, same
//!   keys, same noise), so two answers never give two draws of one figure;
//! - every other count by the cell-key method, keyed by the records in the
//!   cell alone: asked again after unrelated changes it gets the same noise,
//!   so repeating a question gives nothing to average;
//! - re-entries and the median time to return home withheld: a re-entry
//!   links two placements to one child, and a duration per end reason can
//!   match one placement's duration, which the caller knows;
//! - a row's 24-hour figures withheld when fewer than 10 children in care
//!   are published, its open-care figures likewise for open care;
//! - shares and ratios computed from the published figures.
use std::collections::HashMap;

use async_graphql::ID;
use uuid::Uuid;

use super::types::{CareDaysMeasure, CareMeasureYear, CareTrend, EndReasonMeasure};
use crate::domain::enums::{InterventionEndReason, PlacementType};
use crate::domain::measures::{Cell, YearMeasures, median, ratio};
use crate::domain::statistics::MIN_BREAKDOWN;
use crate::domain::statistics::perturbation::Figures;
use crate::graphql::statistics::Caller;

fn exact(cell: &Cell) -> Figures {
    Figures {
        children: cell.children.len() as i64,
        placements: cell.records.len() as i64,
        days: cell.days,
        cost: cell.cost,
    }
}

/// A share of a whole, at most 1 (perturbed parts and wholes are rounded
/// separately).
fn share(part: Option<i64>, whole: Option<i64>) -> Option<f64> {
    ratio(part?, whole?).map(|r| r.min(1.0))
}

fn quotient(part: Option<i64>, whole: Option<i64>) -> Option<f64> {
    ratio(part?, whole?)
}

/// The rows of the years from `from_year` on, each with its trend from the
/// row of the same unit a year earlier (`measures` starts a year before).
pub(super) fn years(
    who: &Caller<'_>,
    measures: &[YearMeasures],
    from_year: i32,
) -> Vec<CareMeasureYear> {
    let mut out = Vec::new();
    let mut previous: HashMap<Option<Uuid>, CareTrend> = HashMap::new();
    for m in measures {
        let mut row = one(who, m);
        let now = headline(&row);
        row.trend = previous.get(&m.unit).map(|before| difference(&now, before));
        previous.insert(m.unit, now);
        if m.year >= from_year {
            out.push(row);
        }
    }
    out
}

fn headline(row: &CareMeasureYear) -> CareTrend {
    CareTrend {
        children_in_twenty_four_hour_care: row.children_in_twenty_four_hour_care,
        new_twenty_four_hour_interventions: row.new_twenty_four_hour_interventions,
        open_care_children: row.open_care_children,
        new_open_care_interventions: row.new_open_care_interventions,
        open_care_to_placement_children: row.open_care_to_placement_children,
        open_care_to_placement_cost: row.open_care_to_placement_cost,
    }
}

fn difference(now: &CareTrend, before: &CareTrend) -> CareTrend {
    let minus = |a: Option<i64>, b: Option<i64>| Some(a? - b?);
    let minus_f = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
    CareTrend {
        children_in_twenty_four_hour_care: minus(
            now.children_in_twenty_four_hour_care,
            before.children_in_twenty_four_hour_care,
        ),
        new_twenty_four_hour_interventions: minus(
            now.new_twenty_four_hour_interventions,
            before.new_twenty_four_hour_interventions,
        ),
        open_care_children: minus(now.open_care_children, before.open_care_children),
        new_open_care_interventions: minus(
            now.new_open_care_interventions,
            before.new_open_care_interventions,
        ),
        open_care_to_placement_children: minus_f(
            now.open_care_to_placement_children,
            before.open_care_to_placement_children,
        ),
        open_care_to_placement_cost: minus_f(
            now.open_care_to_placement_cost,
            before.open_care_to_placement_cost,
        ),
    }
}

/// What one row's figures are published as.
struct Publisher<'a, 'b> {
    who: &'a Caller<'b>,
}

impl Publisher<'_, '_> {
    fn controlled(&self) -> bool {
        self.who.cell_keys("placements").is_some()
    }

    /// A figure `placementStatistics` publishes too: family `placements`,
    /// keyed by its own records as a whole-year total or type row is.
    fn as_statistics(&self, cell: &Cell) -> Figures {
        match self.who.cell_keys("placements") {
            None => exact(cell),
            Some(control) => control.publish(cell.keys, cell.keys, exact(cell)),
        }
    }

    /// Any other figure: its own family, keyed by its own records only.
    fn other(&self, family: &'static str, cell: &Cell) -> Figures {
        self.publish_own(family, cell, exact(cell))
    }

    /// A count of records (placements, interventions), rounded by itself.
    fn records(&self, family: &'static str, cell: &Cell) -> i64 {
        let n = cell.records.len() as i64;
        let figures = Figures {
            children: n,
            placements: n,
            ..Figures::default()
        };
        self.publish_own(family, cell, figures).placements
    }

    /// A count of children, rounded by itself.
    fn children(&self, family: &'static str, cell: &Cell) -> i64 {
        let n = cell.children.len() as i64;
        let figures = Figures {
            children: n,
            placements: n,
            ..Figures::default()
        };
        self.publish_own(family, cell, figures).children
    }

    fn publish_own(&self, family: &'static str, cell: &Cell, figures: Figures) -> Figures {
        match self.who.cell_keys(family) {
            None => figures,
            Some(control) => control.publish(cell.keys, cell.keys, figures),
        }
    }
}

fn one(who: &Caller<'_>, m: &YearMeasures) -> CareMeasureYear {
    let p = Publisher { who };
    let controlled = p.controlled();
    // Withheld by the published counts, so the flags say nothing the
    // published count would not.
    let in_care = p.as_statistics(&m.in_care);
    let open = p.other("care:openCare", &m.open_care);
    let suppressed = controlled && in_care.children < MIN_BREAKDOWN;
    let open_suppressed = controlled && open.children < MIN_BREAKDOWN;
    let full = |v: i64| (!suppressed).then_some(v);
    let open_fig = |v: i64| (!open_suppressed).then_some(v);

    let children = full(in_care.children);
    let moves = full(p.records("care:moves", &m.moves));
    let three = full(p.children("care:threeOrMore", &m.three_or_more));
    let ended = full(p.records("care:ended", &m.ended_total()));
    let end_reasons: Vec<EndReasonMeasure> = InterventionEndReason::ALL
        .iter()
        .map(|r| {
            let n = full(m.ended.get(r).map_or(0, |c| p.records("care:endReason", c)));
            EndReasonMeasure {
                end_reason: *r,
                interventions: n,
                share: share(n, ended),
            }
        })
        .collect();
    let custody = end_reasons
        .iter()
        .find(|e| e.end_reason == InterventionEndReason::CustodyTransferred)
        .and_then(|e| e.interventions);
    let returned = end_reasons
        .iter()
        .find(|e| e.end_reason == InterventionEndReason::ReturnedHome)
        .and_then(|e| e.interventions);
    let reentries = (!controlled).then_some(m.reentered.records.len() as i64);
    let by_type: Vec<(PlacementType, Option<Figures>)> = PlacementType::ALL
        .iter()
        .map(|t| {
            let f = m
                .by_type
                .get(t)
                .map_or_else(Figures::default, |c| p.as_statistics(c));
            // A type published as no children has no days or cost to show,
            // as its `placementStatistics` row is dropped.
            let shown = !suppressed && (!controlled || f.children > 0);
            (*t, shown.then_some(f))
        })
        .collect();
    let all_days = full(in_care.days);
    let placement_cost = full(in_care.cost);
    let days_of = |t: PlacementType| {
        by_type
            .iter()
            .find(|x| x.0 == t)
            .and_then(|x| x.1.map(|f| f.days))
    };
    let open_cost = open_fig(open.cost.saturating_add(m.anonymous_cost));
    let open_children = open_fig(open.children);
    CareMeasureYear {
        year: m.year,
        unit_id: m.unit.map(|u| ID(u.to_string())),
        children_in_twenty_four_hour_care: children,
        placements: full(in_care.placements),
        new_twenty_four_hour_interventions: full(p.records("care:started", &m.started)),
        moves,
        moves_per_child: quotient(moves, children),
        children_with_three_or_more_placements: three,
        three_or_more_placements_share: share(three, children),
        ended_interventions: ended,
        custody_transfer_share: share(custody, ended),
        end_reasons,
        returned_home: returned,
        median_days_to_return_home: if controlled {
            None
        } else {
            median(&m.days_to_return_home)
        },
        reentries,
        reentry_share: share(reentries, returned),
        reentry_window_complete: m.reentry_complete,
        care_days: by_type
            .iter()
            .map(|(t, f)| CareDaysMeasure {
                placement_type: *t,
                days: f.map(|f| f.days),
                share: share(f.map(|f| f.days), all_days),
                cost: f.map(|f| f.cost),
            })
            .collect(),
        kinship_share: share(days_of(PlacementType::KinshipHome), all_days),
        own_foster_home_share: share(days_of(PlacementType::OwnFosterHome), all_days),
        agency_foster_home_share: share(days_of(PlacementType::AgencyFosterHome), all_days),
        placement_cost,
        open_care_children: open_children,
        new_open_care_interventions: open_fig(p.records("care:openStarted", &m.open_started)),
        anonymous_open_care_participants: m.anonymous_participants,
        anonymous_open_care_cost: m.anonymous_cost,
        open_care_cost: open_cost,
        open_care_to_placement_children: quotient(open_children, children),
        open_care_to_placement_cost: quotient(open_cost, placement_cost),
        trend: None,
        suppressed,
        open_care_suppressed: open_suppressed,
    }
}

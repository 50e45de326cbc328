//! From computed measures to what the caller is shown: exact figures, or
//! under disclosure control every count, day and cost published by the
//! cell-key method (keyed by the records in the cell and in its row, so the
//! same set of records always gets the same noise), medians of fewer than
//! ten withheld, and shares computed from the published counts.
use std::collections::HashMap;

use async_graphql::ID;
use uuid::Uuid;

use super::types::{CareDaysMeasure, CareMeasureYear, CareTrend, EndReasonMeasure};
use crate::domain::enums::{InterventionEndReason, PlacementType};
use crate::domain::measures::{Cell, YearMeasures, median, ratio};
use crate::domain::statistics::perturbation::Figures;
use crate::graphql::statistics::Caller;

/// Fewest published interventions whose median duration is published
/// under disclosure control (as for `placementDurations`).
const MIN_FOR_MEDIAN: i64 = 10;

/// A record's key for disclosure control: the bits of its id. The cell key
/// mixes the sum of these with the configured secret, so they need not be
/// secret themselves.
fn record_key(id: &Uuid) -> i64 {
    let v = id.as_u128();
    ((v as u64) ^ ((v >> 64) as u64)) as i64 & i64::MAX
}

fn keys<'a>(ids: impl Iterator<Item = &'a Uuid>) -> i64 {
    ids.map(record_key).fold(0i64, i64::wrapping_add)
}

/// Publishes one cell of a row whose records' keys sum to `row_keys`.
fn publish(who: &Caller<'_>, family: &'static str, row_keys: i64, cell: &Cell) -> Figures {
    let exact = Figures {
        children: cell.children.len() as i64,
        placements: cell.records.len() as i64,
        days: cell.days,
        cost: cell.cost,
    };
    match who.cell_keys(family) {
        None => exact,
        Some(control) => control.publish(row_keys, keys(cell.records.iter()), exact),
    }
}

/// A share of a whole, at most 1 (perturbed parts and wholes are rounded
/// separately).
fn share(part: i64, whole: i64) -> Option<f64> {
    ratio(part, whole).map(|r| r.min(1.0))
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
    let minus = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
    CareTrend {
        children_in_twenty_four_hour_care: now.children_in_twenty_four_hour_care
            - before.children_in_twenty_four_hour_care,
        new_twenty_four_hour_interventions: now.new_twenty_four_hour_interventions
            - before.new_twenty_four_hour_interventions,
        open_care_children: now.open_care_children - before.open_care_children,
        new_open_care_interventions: now.new_open_care_interventions
            - before.new_open_care_interventions,
        open_care_to_placement_children: minus(
            now.open_care_to_placement_children,
            before.open_care_to_placement_children,
        ),
        open_care_to_placement_cost: minus(
            now.open_care_to_placement_cost,
            before.open_care_to_placement_cost,
        ),
    }
}

fn one(who: &Caller<'_>, m: &YearMeasures) -> CareMeasureYear {
    let ended_all = m.ended_total();
    let row_keys = keys(
        m.in_care
            .records
            .iter()
            .chain(m.open_care.records.iter())
            .chain(m.started.records.iter())
            .chain(ended_all.records.iter()),
    );
    let p = |family: &'static str, cell: &Cell| publish(who, family, row_keys, cell);
    let in_care = p("care:inCare", &m.in_care);
    let children = in_care.children;
    let moves = p("care:moves", &m.moves).placements;
    let three = p("care:threeOrMore", &m.three_or_more).children;
    let ended = p("care:ended", &ended_all).placements;
    let end_reasons = InterventionEndReason::ALL
        .iter()
        .map(|r| {
            let n = m
                .ended
                .get(r)
                .map_or(0, |c| p("care:endReason", c).placements);
            EndReasonMeasure {
                end_reason: *r,
                interventions: n,
                share: share(n, ended),
            }
        })
        .collect::<Vec<_>>();
    let custody = end_reasons
        .iter()
        .find(|e| e.end_reason == InterventionEndReason::CustodyTransferred)
        .map_or(0, |e| e.interventions);
    let returned = m
        .ended
        .get(&InterventionEndReason::ReturnedHome)
        .map_or(0, |c| p("care:endReason", c).placements);
    let reentries = p("care:reentered", &m.reentered).placements;
    let by_type: Vec<(PlacementType, Figures)> = PlacementType::ALL
        .iter()
        .map(|t| {
            let f = m
                .by_type
                .get(t)
                .map_or_else(Figures::default, |c| p("care:byType", c));
            (*t, f)
        })
        .collect();
    let all_days: i64 = by_type.iter().map(|(_, f)| f.days).sum();
    let placement_cost = by_type
        .iter()
        .fold(0i64, |a, (_, f)| a.saturating_add(f.cost));
    let days_of = |t: PlacementType| by_type.iter().find(|x| x.0 == t).map_or(0, |x| x.1.days);
    let open = p("care:openCare", &m.open_care);
    let open_cost = open.cost.saturating_add(m.anonymous_cost);
    let perturbed = who.cell_keys("care:inCare").is_some();
    CareMeasureYear {
        year: m.year,
        unit_id: m.unit.map(|u| ID(u.to_string())),
        children_in_twenty_four_hour_care: children,
        placements: in_care.placements,
        new_twenty_four_hour_interventions: p("care:started", &m.started).placements,
        moves,
        moves_per_child: ratio(moves, children),
        children_with_three_or_more_placements: three,
        three_or_more_placements_share: share(three, children),
        ended_interventions: ended,
        custody_transfer_share: share(custody, ended),
        end_reasons,
        returned_home: returned,
        median_days_to_return_home: if perturbed && returned < MIN_FOR_MEDIAN {
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
                days: f.days,
                share: share(f.days, all_days),
                cost: f.cost,
            })
            .collect(),
        kinship_share: share(days_of(PlacementType::KinshipHome), all_days),
        own_foster_home_share: share(days_of(PlacementType::OwnFosterHome), all_days),
        agency_foster_home_share: share(days_of(PlacementType::AgencyFosterHome), all_days),
        placement_cost,
        open_care_children: open.children,
        new_open_care_interventions: p("care:openStarted", &m.open_started).placements,
        anonymous_open_care_participants: m.anonymous_participants,
        open_care_cost: open_cost,
        open_care_to_placement_children: ratio(open.children, children),
        open_care_to_placement_cost: ratio(open_cost, placement_cost),
        trend: None,
    }
}

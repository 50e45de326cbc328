//! The measures management steers the shift from placements to open care
//! by (issue 14), computed per calendar year (and unit) from the register's
//! interventions, placements and anonymous open-care tallies. Pure: the
//! caller fetches the rows in scope, this decides what counts.
//!
//! Definitions (days are counted as in every statistic here: a placement's
//! days in the year up to today, `period::placement_days`):
//! - **Placement stability**: moves per child, the placements started in
//!   the year that are not the first of their 24-hour intervention, per
//!   child in 24-hour care during the year; and the share of those children
//!   with three or more placements during the year (the looked-after
//!   children stability indicator of England's SSDA903 return, "3 or more
//!   placements during the year").
//! - **Re-entry**: of the 24-hour interventions that ended in the year with
//!   the child returning home, the share whose child began a new 24-hour
//!   intervention within 12 months of the end (Socialstyrelsen's open
//!   comparisons, "återplacering inom ett år efter avslutad placering").
//!   A year's cohort is complete once 12 months have passed since its last
//!   day.
//! - **Time to return home**: the median days from the start to the end of
//!   the 24-hour interventions ended in the year by a return home.
//! - **How care ends**: ended 24-hour interventions per end reason, and the
//!   custody-transfer share (SoL 2025:400 22:14, FB 6:8).
//! - **Forms of 24-hour care**: care days per placement type and their
//!   share (kinship, own and agency foster homes among them).
//! - **Open care against placements**: children with identified open care
//!   during the year per child in 24-hour care, and open-care cost (daily
//!   costs of identified open care plus the anonymous tallies' costs) per
//!   SEK of placement cost.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Months, NaiveDate};
use uuid::Uuid;

use super::enums::{InterventionEndReason, InterventionKind, PlacementType};
use super::period::placement_days;

/// An intervention in scope.
#[derive(Debug, Clone)]
pub struct Care {
    pub id: Uuid,
    pub child: Uuid,
    pub kind: InterventionKind,
    pub unit: Uuid,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub end_reason: Option<InterventionEndReason>,
    /// Whole SEK a day (open care only).
    pub daily_cost: Option<i64>,
}

/// A placement in scope.
#[derive(Debug, Clone)]
pub struct Stay {
    pub id: Uuid,
    pub child: Uuid,
    /// The unit responsible for its intervention.
    pub unit: Uuid,
    pub ptype: PlacementType,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub daily_cost: i64,
    /// Whether an earlier placement of the same intervention exists.
    pub is_move: bool,
    /// The placement's record key for disclosure control (`stat_key`, the
    /// same as `placementStatistics` uses).
    pub stat_key: i64,
}

/// A month's anonymous open care of a unit.
#[derive(Debug, Clone)]
pub struct Tally {
    pub unit: Uuid,
    pub month: NaiveDate,
    pub participants: i64,
    pub cost: i64,
}

/// A counted group: the children and records (placements or
/// interventions) in it, and days and cost where they apply. Record ids
/// key disclosure control.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub children: HashSet<Uuid>,
    pub records: HashSet<Uuid>,
    pub days: i64,
    pub cost: i64,
    /// The sum of the records' keys (disclosure control).
    pub keys: i64,
}

impl Cell {
    fn add(&mut self, child: Uuid, record: Uuid, key: i64, days: i64, cost: i64) {
        self.children.insert(child);
        if self.records.insert(record) {
            self.keys = self.keys.wrapping_add(key);
        }
        self.days += days;
        self.cost = self.cost.saturating_add(cost);
    }
}

/// An intervention's record key for disclosure control: the bits of its
/// id (the cell key mixes key sums with the configured secret, so record
/// keys need not be secret themselves).
pub fn intervention_key(id: &Uuid) -> i64 {
    let v = id.as_u128();
    ((v as u64) ^ ((v >> 64) as u64)) as i64 & i64::from(i32::MAX)
}

/// The measures of one year, for one unit or (`unit: None`) the whole scope.
#[derive(Debug, Clone, Default)]
pub struct YearMeasures {
    pub year: i32,
    pub unit: Option<Uuid>,
    /// Placements with a day in the year; children are those in care.
    pub in_care: Cell,
    /// 24-hour interventions started in the year.
    pub started: Cell,
    /// Placements started in the year that are moves.
    pub moves: Cell,
    /// Children with three or more placements during the year.
    pub three_or_more: Cell,
    /// 24-hour interventions ended in the year, per reason.
    pub ended: BTreeMap<InterventionEndReason, Cell>,
    /// Those ended by a return home whose child re-entered 24-hour care
    /// within 12 months.
    pub reentered: Cell,
    /// Days in care of each intervention ended by a return home.
    pub days_to_return_home: Vec<i64>,
    /// Whether the re-entry window of every intervention ended in the year
    /// has passed.
    pub reentry_complete: bool,
    /// Care days and cost per placement type.
    pub by_type: BTreeMap<PlacementType, Cell>,
    /// Identified open care with a day in the year (days and cost of the
    /// interventions in the year).
    pub open_care: Cell,
    /// Open-care interventions started in the year.
    pub open_started: Cell,
    /// Anonymous open care: participants summed over the months, and cost.
    pub anonymous_participants: i64,
    pub anonymous_cost: i64,
}

impl YearMeasures {
    /// Ended 24-hour interventions of every reason.
    pub fn ended_total(&self) -> Cell {
        let mut all = Cell::default();
        for c in self.ended.values() {
            all.children.extend(c.children.iter().copied());
            all.records.extend(c.records.iter().copied());
            all.keys = all.keys.wrapping_add(c.keys);
        }
        all
    }

    /// Placement cost of the year.
    pub fn placement_cost(&self) -> i64 {
        self.by_type
            .values()
            .fold(0i64, |a, c| a.saturating_add(c.cost))
    }
}

/// First and last day of `year`.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// The last day a re-entry after `end` counts: 12 months later (the end of
/// February for an end on 29 February).
pub fn reentry_limit(end: NaiveDate) -> NaiveDate {
    end.checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX)
}

/// The rows of one row's scope: everything, or one unit's.
#[derive(Default)]
struct Part<'a> {
    cares: Vec<&'a Care>,
    stays: Vec<&'a Stay>,
    tallies: Vec<&'a Tally>,
}

/// The measures of `years`, for the whole scope and, with `by_unit`, per
/// unit; `today` bounds open placements and interventions. Each row reads
/// only its own unit's rows, so the work is linear in the rows whatever
/// the number of units.
pub fn compute(
    cares: &[Care],
    stays: &[Stay],
    tallies: &[Tally],
    years: std::ops::RangeInclusive<i32>,
    by_unit: bool,
    today: NaiveDate,
) -> Vec<YearMeasures> {
    // New 24-hour care per child, in any unit of the scope, for re-entry.
    let mut starts: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for c in cares
        .iter()
        .filter(|c| c.kind == InterventionKind::TwentyFourHour)
    {
        starts.entry(c.child).or_default().push(c.start);
    }
    let mut parts: Vec<(Option<Uuid>, Part<'_>)> = vec![(
        None,
        Part {
            cares: cares.iter().collect(),
            stays: stays.iter().collect(),
            tallies: tallies.iter().collect(),
        },
    )];
    if by_unit {
        let mut units: BTreeMap<Uuid, Part<'_>> = BTreeMap::new();
        for c in cares {
            units.entry(c.unit).or_default().cares.push(c);
        }
        for s in stays {
            units.entry(s.unit).or_default().stays.push(s);
        }
        for t in tallies {
            units.entry(t.unit).or_default().tallies.push(t);
        }
        parts.extend(units.into_iter().map(|(u, part)| (Some(u), part)));
    }
    let mut out = Vec::new();
    for year in years {
        for (unit, part) in &parts {
            out.push(one(part, &starts, year, *unit, today));
        }
    }
    out
}

fn one(
    part: &Part<'_>,
    starts: &HashMap<Uuid, Vec<NaiveDate>>,
    year: i32,
    unit: Option<Uuid>,
    today: NaiveDate,
) -> YearMeasures {
    let (first, last) = year_bounds(year);
    let in_year = |d: NaiveDate| d >= first && d <= last && d <= today;
    let mut m = YearMeasures {
        year,
        unit,
        reentry_complete: reentry_limit(last) < today,
        ..YearMeasures::default()
    };
    let mut per_child: HashMap<Uuid, usize> = HashMap::new();
    for s in &part.stays {
        let days = placement_days(s.start, s.end, first, last, today);
        if days <= 0 {
            continue;
        }
        let cost = days.saturating_mul(s.daily_cost);
        m.in_care.add(s.child, s.id, s.stat_key, days, cost);
        m.by_type
            .entry(s.ptype)
            .or_default()
            .add(s.child, s.id, s.stat_key, days, cost);
        *per_child.entry(s.child).or_default() += 1;
        if s.is_move && in_year(s.start) {
            m.moves.add(s.child, s.id, s.stat_key, 0, 0);
        }
    }
    for s in &part.stays {
        if per_child.get(&s.child).is_some_and(|n| *n >= 3)
            && placement_days(s.start, s.end, first, last, today) > 0
        {
            m.three_or_more.add(s.child, s.id, s.stat_key, 0, 0);
        }
    }
    for c in &part.cares {
        if c.kind != InterventionKind::TwentyFourHour {
            let days = placement_days(c.start, c.end, first, last, today);
            if days > 0 {
                let cost = days.saturating_mul(c.daily_cost.unwrap_or(0));
                m.open_care
                    .add(c.child, c.id, intervention_key(&c.id), days, cost);
            }
            if in_year(c.start) {
                m.open_started
                    .add(c.child, c.id, intervention_key(&c.id), 0, 0);
            }
            continue;
        }
        if in_year(c.start) {
            m.started.add(c.child, c.id, intervention_key(&c.id), 0, 0);
        }
        let (Some(end), Some(reason)) = (c.end, c.end_reason) else {
            continue;
        };
        if !in_year(end) {
            continue;
        }
        m.ended
            .entry(reason)
            .or_default()
            .add(c.child, c.id, intervention_key(&c.id), 0, 0);
        if reason == InterventionEndReason::ReturnedHome {
            m.days_to_return_home.push((end - c.start).num_days() + 1);
            let limit = reentry_limit(end).min(today);
            let again = starts
                .get(&c.child)
                .is_some_and(|s| s.iter().any(|d| *d > end && *d <= limit));
            if again {
                m.reentered
                    .add(c.child, c.id, intervention_key(&c.id), 0, 0);
            }
        }
    }
    m.days_to_return_home.sort_unstable();
    for t in part.tallies.iter().filter(|t| in_year(t.month)) {
        m.anonymous_participants += t.participants;
        m.anonymous_cost = m.anonymous_cost.saturating_add(t.cost);
    }
    m
}

/// The median of sorted values (the lower middle for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    sorted.get((sorted.len() - 1) / 2).copied()
}

/// `part / whole`, none when the whole is 0.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

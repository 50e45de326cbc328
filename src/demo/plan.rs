//! The demo municipality as a pure, deterministic plan: the same date gives
//! the same rows, and nothing here touches the database. `seed` inserts it.
//!
//! History (ended placements) lies in 2023–2025 and does not depend on the
//! run date; children's ages and the open placements are relative to
//! `today`, so "placed now" holds on any run date from 2026 on. The
//! generator itself is in `generator` (people and settings) and
//! `placements` (placements, reasons, caseloads).
use chrono::NaiveDate;
use uuid::Uuid;

use super::generator::Gen;
use crate::domain::enums::{EndReason, LegalBasis, PlacementType as T, ReasonCode as R, Sex};
use crate::domain::period::placement_days;

/// Seed of the generator, so every demo database looks the same.
const SEED: u64 = 20261122;
/// The municipality's child population per year; 90 placed of 3000 is the
/// 3 % of domain.md.
pub(super) const CHILD_POPULATION: i32 = 3000;
/// Years with budgets and population figures.
pub(super) const YEARS: std::ops::RangeInclusive<i32> = 2023..=2026;

const UNITS: [&str; 2] = ["Barn och unga", "Familjehem"];
const CHILDREN_UNIT: usize = 0;
const FOSTER_UNIT: usize = 1;

/// Built-in role ids as seeded by migration `m20261122_000003_seed`
/// (`00000000-0000-4000-8000-00000000000N`).
const fn role(n: u128) -> Uuid {
    Uuid::from_u128(0x00000000_0000_4000_8000_000000000000 | n)
}

/// Demo users: username, display name, unit index, built-in role number.
const USERS: &[(&str, &str, Option<usize>, u128)] = &[
    ("anna.case", "Anna Case", Some(CHILDREN_UNIT), 1),
    ("bo.case", "Bo Case", Some(CHILDREN_UNIT), 1),
    ("fredrik.foster", "Fredrik Foster", Some(FOSTER_UNIT), 2),
    ("maria.manager", "Maria Manager", Some(CHILDREN_UNIT), 3),
    ("erik.finance", "Erik Finance", None, 4),
    ("alice.auditor", "Alice Auditor", None, 5),
    ("adam.admin", "Adam Admin", None, 6),
];

/// A demo login.
pub(super) struct DemoUser {
    pub id: Uuid,
    pub username: &'static str,
    pub display_name: &'static str,
    pub unit_id: Option<Uuid>,
    pub role_id: Uuid,
}

/// A child; sex and date of birth are the ones the number encodes.
pub(super) struct Child {
    pub id: Uuid,
    pub pin: String,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub protected: bool,
    pub address: String,
}

/// A foster home (`capacity` is `Some`) or an institution.
pub(super) struct Setting {
    pub id: Uuid,
    pub kind: &'static str,
    pub ptype: T,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub unit_id: Option<Uuid>,
    pub capacity: Option<i32>,
    pub status: Option<&'static str>,
    pub agency_name: Option<&'static str>,
    pub secretary_id: Option<Uuid>,
    pub approved_on: Option<NaiveDate>,
    pub provider: Option<&'static str>,
    pub daily_rate: Option<i64>,
}

/// A placement; `child` and `setting` index the plan's lists, and the first
/// reason is the primary one.
pub(super) struct Placement {
    pub id: Uuid,
    pub child: usize,
    pub setting: usize,
    pub ptype: T,
    pub legal_basis: LegalBasis,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub daily_cost: i64,
    pub reasons: Vec<R>,
}

/// A case worker's responsibility for a child, open-ended.
pub(super) struct Caseload {
    pub id: Uuid,
    pub user_id: Uuid,
    pub child: usize,
    pub from: NaiveDate,
}

/// Everything `seed` inserts, apart from timestamps and the password hash.
pub(super) struct Plan {
    pub units: Vec<(Uuid, &'static str)>,
    pub users: Vec<DemoUser>,
    pub children: Vec<Child>,
    pub settings: Vec<Setting>,
    pub placements: Vec<Placement>,
    pub caseloads: Vec<Caseload>,
    pub budgets: Vec<(i32, T, i64)>,
}

impl Plan {
    /// The id of a demo user (nil for an unknown name).
    pub fn user_id(&self, username: &str) -> Uuid {
        user_id(&self.users, username)
    }

    /// Children in an open placement that has started by `today`.
    pub fn placed_now(&self, today: NaiveDate) -> usize {
        self.placements
            .iter()
            .filter(|p| p.end.is_none() && p.start <= today)
            .count()
    }
}

fn user_id(users: &[DemoUser], username: &str) -> Uuid {
    users
        .iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .unwrap_or_default()
}

/// The first day an open placement may start: history ends with 2025.
pub(super) fn first_open_day() -> NaiveDate {
    ymd(2026, 1, 1)
}

/// Builds the demo municipality for `today` (expected on or after
/// [`first_open_day`]).
pub(super) fn plan(today: NaiveDate) -> Plan {
    let mut g = Gen::new(SEED, today);
    // Draw order matters for determinism: everything independent of the run
    // date (ids, settings, the history's shape) comes first.
    let units: Vec<(Uuid, &'static str)> = UNITS.iter().map(|name| (g.uuid(), *name)).collect();
    let users: Vec<DemoUser> = USERS
        .iter()
        .map(|&(username, display_name, unit, role_no)| DemoUser {
            id: g.uuid(),
            username,
            display_name,
            unit_id: unit.and_then(|i| units.get(i)).map(|u| u.0),
            role_id: role(role_no),
        })
        .collect();
    let fredrik = user_id(&users, "fredrik.foster");
    g.settings(units[FOSTER_UNIT].0, fredrik);
    let shapes = g.history_shapes();
    g.children();
    g.history(shapes);
    g.open();
    g.mark_moves();
    g.reasons();
    let caseloads = g.caseloads(
        user_id(&users, "anna.case"),
        user_id(&users, "bo.case"),
        fredrik,
    );
    let budgets = budgets(&g.placements);
    Plan {
        units,
        users,
        children: g.children,
        settings: g.settings,
        placements: g.placements,
        caseloads,
        budgets,
    }
}

/// A date from constants known to be valid.
pub(super) fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The daily cost range of domain.md's examples, in whole SEK.
pub(super) fn cost_range(ptype: T) -> (i64, i64) {
    match ptype {
        T::Sis => (8_000, 10_000),
        T::Hvb => (4_000, 6_000),
        T::AgencyFosterHome => (2_000, 3_500),
        T::OwnFosterHome => (800, 1_500),
        T::KinshipHome => (600, 1_200),
        T::EmergencyHome | T::SupportedHousing => (1_500, 2_500),
    }
}

/// Budget per year and type: the year's cost (open placements committed to
/// the year's end), rounded to 100 000 SEK. It lags the outcome early on
/// (domain.md: a -17.9 MSEK result in 2023, -4.2 MSEK in 2024) and meets it
/// once the shift to own foster homes is done.
fn budgets(placements: &[Placement]) -> Vec<(i32, T, i64)> {
    let mut rows = Vec::new();
    for year in YEARS {
        let (first, last) = (ymd(year, 1, 1), ymd(year, 12, 31));
        let percent = match year {
            2023 => 80,
            2024 => 92,
            2025 => 98,
            _ => 100,
        };
        for &ptype in T::ALL {
            let cost: i64 = placements
                .iter()
                .filter(|p| p.ptype == ptype)
                .map(|p| placement_days(p.start, p.end, first, last, last) * p.daily_cost)
                .sum();
            let amount = ((cost * percent / 100 + 50_000) / 100_000 * 100_000).max(100_000);
            rows.push((year, ptype, amount));
        }
    }
    rows
}

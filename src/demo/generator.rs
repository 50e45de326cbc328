//! The demo generator's state and its people and settings: users are in
//! `plan`, placements in `placements`.
use std::collections::HashSet;

use chrono::{Duration, Months, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use super::names;
use super::plan::{Child, Placement, Setting, cost_range, ymd};
use crate::domain::enums::{EndReason, LegalBasis, PlacementType as T, Sex};
use crate::domain::pin::{self, PersonalIdentityNumber};

/// Children in the register.
const CHILD_COUNT: usize = 120;

/// Approved foster homes: kind, placement type, homes, capacity range.
const FOSTER_HOMES: &[(&str, T, usize, i32, i32)] = &[
    ("OWN", T::OwnFosterHome, 26, 1, 4),
    ("AGENCY", T::AgencyFosterHome, 7, 2, 4),
    ("KINSHIP", T::KinshipHome, 10, 1, 3),
    ("EMERGENCY", T::EmergencyHome, 4, 1, 3),
];

/// Own foster homes not (or no longer) approved: listed, never placed in.
const NOT_APPROVED: &[&str] = &["RECRUITING", "UNDER_ASSESSMENT", "PAUSED"];

/// The latest birth date of someone at least `years` old on `date`.
pub(super) fn born_by(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years))
        .unwrap_or(NaiveDate::MIN)
}

/// Youngest age that fits a placement type (secure and residential homes
/// are for teenagers, supported housing for those about to leave care).
pub(super) fn min_age(ptype: T) -> u32 {
    match ptype {
        T::Sis | T::Hvb => 12,
        T::SupportedHousing => 16,
        _ => 0,
    }
}

/// Inclusive dates; an open span (`None`) goes on forever.
pub(super) type Span = (NaiveDate, Option<NaiveDate>);

fn last_day(span: &Span) -> NaiveDate {
    span.1.unwrap_or(NaiveDate::MAX)
}

fn overlaps(a: &Span, b: &Span) -> bool {
    a.0 <= last_day(b) && b.0 <= last_day(a)
}

/// Whether a home with `spans` still has room for `new` on every day of it.
/// Occupancy only rises on a start date, so the busiest day of `new` is its
/// own start or the start of an existing span inside it.
fn has_room(spans: &[Span], capacity: usize, new: &Span) -> bool {
    std::iter::once(new.0)
        .chain(
            spans
                .iter()
                .map(|s| s.0)
                .filter(|d| *d >= new.0 && *d <= last_day(new)),
        )
        .all(|day| {
            spans
                .iter()
                .filter(|s| s.0 <= day && day <= last_day(s))
                .count()
                < capacity
        })
}

/// The generator: one seeded random stream and what has been made so far.
pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) today: NaiveDate,
    pub(super) children: Vec<Child>,
    pub(super) settings: Vec<Setting>,
    pub(super) placements: Vec<Placement>,
    /// Per child and per setting, the spans placed so far.
    pub(super) child_spans: Vec<Vec<Span>>,
    pub(super) setting_spans: Vec<Vec<Span>>,
}

impl Gen {
    /// A generator for the run date `today`, seeded with `seed`.
    pub(super) fn new(seed: u64, today: NaiveDate) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            children: Vec::new(),
            settings: Vec::new(),
            placements: Vec::new(),
            child_spans: Vec::new(),
            setting_spans: Vec::new(),
        }
    }

    /// A version 4 UUID from the seeded stream, so ids repeat across runs.
    pub(super) fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.r#gen()).into_uuid()
    }

    /// One entry of a fixed list.
    pub(super) fn pick(&mut self, list: &[&'static str]) -> &'static str {
        list.choose(&mut self.rng).copied().unwrap_or_default()
    }

    /// A made-up street address in the fictional town.
    pub(super) fn address(&mut self) -> String {
        let street = self.pick(names::STREETS);
        let number = self.rng.gen_range(1..=60);
        let (zip_a, zip_b) = (self.rng.gen_range(1..=9), self.rng.gen_range(0..100));
        format!("{street} {number}, 12{zip_a} {zip_b:02} Exempelstad")
    }

    /// A made-up number from the range kept for fiction (see `names`).
    pub(super) fn phone(&mut self) -> String {
        format!("070-174 06 {:02}", self.rng.gen_range(5..=99))
    }

    /// A daily cost in the type's range, in whole tens of SEK.
    pub(super) fn cost(&mut self, ptype: T) -> i64 {
        let (low, high) = cost_range(ptype);
        self.rng.gen_range(low / 10..=high / 10) * 10
    }

    /// Foster homes (in the foster care unit) and institutions.
    pub(super) fn settings(&mut self, foster_unit: Uuid, fredrik: Uuid) {
        let approved = FOSTER_HOMES
            .iter()
            .flat_map(|&(kind, ptype, n, low, high)| {
                std::iter::repeat_n((kind, ptype, low, high, "APPROVED"), n)
            });
        let others = NOT_APPROVED
            .iter()
            .map(|&status| ("OWN", T::OwnFosterHome, 1, 2, status));
        let all: Vec<_> = approved.chain(others).collect();
        for (homes, (kind, ptype, low, high, status)) in all.into_iter().enumerate() {
            let family = self.pick(names::FAMILY);
            let place = self.pick(names::PLACES);
            let agency_name = (ptype == T::AgencyFosterHome).then(|| self.pick(names::AGENCIES));
            let approved_on = ymd(2016, 1, 1) + Duration::days(self.rng.gen_range(0..2_500));
            let setting = Setting {
                id: self.uuid(),
                kind,
                ptype,
                name: format!("Familjen {family} i {place}"),
                address: self.address(),
                phone: self.phone(),
                unit_id: Some(foster_unit),
                capacity: Some(self.rng.gen_range(low..=high)),
                status: Some(status),
                agency_name,
                // Fredrik supports every other home; the rest have none yet.
                secretary_id: (homes % 2 == 0).then_some(fredrik),
                approved_on: matches!(status, "APPROVED" | "PAUSED").then_some(approved_on),
                provider: None,
                daily_rate: None,
            };
            self.push_setting(setting);
        }
        let institutions = [("HVB", T::Hvb, names::HVB), ("SIS", T::Sis, names::SIS)];
        let housing = [(
            "SUPPORTED_HOUSING",
            T::SupportedHousing,
            names::SUPPORTED_HOUSING,
        )];
        for (kind, ptype, list) in institutions.into_iter().chain(housing) {
            for &(name, provider) in list {
                let setting = Setting {
                    id: self.uuid(),
                    kind,
                    ptype,
                    name: name.to_owned(),
                    address: self.address(),
                    phone: self.phone(),
                    unit_id: None,
                    capacity: None,
                    status: None,
                    agency_name: None,
                    secretary_id: None,
                    approved_on: None,
                    provider: Some(provider),
                    daily_rate: Some(self.cost(ptype)),
                };
                self.push_setting(setting);
            }
        }
    }

    /// Adds a setting with no placements yet.
    pub(super) fn push_setting(&mut self, setting: Setting) {
        self.settings.push(setting);
        self.setting_spans.push(Vec::new());
    }

    /// The children: valid, unique numbers; sex and birth date as encoded.
    pub(super) fn children(&mut self) {
        let mut used = HashSet::new();
        for i in 0..CHILD_COUNT {
            // Ages 0–17 today: at least a month old, at most 17 years and 11 months.
            let date_of_birth = self.today - Duration::days(self.rng.gen_range(30..6_550));
            // A few coordination numbers, as for children newly arrived in Sweden.
            let coordination = i % 40 == 7;
            let parsed = (0..1_000).find_map(|_| {
                let text = pin::make(date_of_birth, self.rng.gen_range(0..1_000), coordination);
                let parsed = PersonalIdentityNumber::parse(&text).ok()?;
                used.insert(text).then_some(parsed)
            });
            let Some(parsed) = parsed else { continue };
            let sex = parsed.sex();
            let given_name = self.pick(if sex == Sex::Male {
                names::GIVEN_MALE
            } else {
                names::GIVEN_FEMALE
            });
            let child = Child {
                id: self.uuid(),
                pin: parsed.digits().to_owned(),
                given_name,
                family_name: self.pick(names::FAMILY),
                date_of_birth: parsed.date_of_birth(),
                sex,
                protected: false,
                address: self.address(),
            };
            self.children.push(child);
            self.child_spans.push(Vec::new());
        }
    }

    /// A random setting of `ptype` with room for `span` (institutions always have room).
    pub(super) fn pick_setting(&mut self, ptype: T, span: &Span) -> Option<usize> {
        let fits: Vec<usize> = (0..self.settings.len())
            .filter(|&i| {
                let s = &self.settings[i];
                s.ptype == ptype
                    && match s.capacity {
                        None => true,
                        Some(cap) => {
                            s.status == Some("APPROVED")
                                && has_room(
                                    &self.setting_spans[i],
                                    usize::try_from(cap).unwrap_or(0),
                                    span,
                                )
                        }
                    }
            })
            .collect();
        fits.choose(&mut self.rng).copied()
    }

    /// A random child free for `span` and at least `years` old at its start.
    pub(super) fn pick_child(&mut self, span: &Span, years: u32) -> Option<usize> {
        let latest_birth = born_by(span.0, years);
        let free: Vec<usize> = (0..self.children.len())
            .filter(|&c| {
                self.children[c].date_of_birth <= latest_birth
                    && !self.child_spans[c].iter().any(|s| overlaps(s, span))
            })
            .collect();
        free.choose(&mut self.rng).copied()
    }

    /// Records a placement and its span for the child and the setting.
    pub(super) fn add(
        &mut self,
        child: usize,
        setting: usize,
        span: Span,
        end_reason: Option<EndReason>,
    ) {
        let ptype = self.settings[setting].ptype;
        // Institutions charge their daily rate; foster homes are paid per child.
        let daily_cost = match self.settings[setting].daily_rate {
            Some(rate) => rate,
            None => self.cost(ptype),
        };
        let id = self.uuid();
        self.child_spans[child].push(span);
        self.setting_spans[setting].push(span);
        self.placements.push(Placement {
            id,
            child,
            setting,
            ptype,
            legal_basis: LegalBasis::Sol,
            start: span.0,
            end: span.1,
            end_reason,
            daily_cost,
            reasons: Vec::new(),
        });
    }
}

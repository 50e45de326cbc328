//! Placements of the demo: the 2023–2025 history, the open placements,
//! their reasons and legal basis, and the demo caseloads.
use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use uuid::Uuid;

use super::generator::{Gen, Span, born_by, min_age};
use super::plan::{Caseload, first_open_day, ymd};
use crate::domain::enums::{EndReason, LegalBasis, PlacementType as T, ReasonCode as R};

/// Children in each demo case worker's caseload.
const CASELOAD_SIZE: usize = 15;

/// Ended placements per type: how many start in 2023, 2024 and 2025, and
/// the shortest and longest duration in days. Fewer children enter care
/// each year, HVB and agency foster homes fall fastest, and with the open
/// placements own foster homes rise year over year (the shift domain.md
/// and issue 14 describe); each lies inside its start year, so no placement
/// straddling a new year blurs the trend.
const HISTORY: &[(T, [usize; 3], i64, i64)] = &[
    (T::Hvb, [22, 12, 3], 30, 240),
    (T::AgencyFosterHome, [20, 11, 3], 60, 300),
    (T::OwnFosterHome, [6, 10, 6], 60, 300),
    (T::KinshipHome, [6, 5, 2], 30, 300),
    (T::EmergencyHome, [10, 7, 3], 7, 90),
    (T::Sis, [3, 2, 1], 30, 180),
    (T::SupportedHousing, [3, 3, 1], 60, 240),
];

/// Open placements per type, 90 in all (domain.md's "over 90 children"),
/// mostly in own and kinship homes now that the shift is made.
/// Institutions come first so they get the oldest children.
const OPEN: &[(T, usize)] = &[
    (T::SupportedHousing, 3),
    (T::Sis, 2),
    (T::Hvb, 6),
    (T::AgencyFosterHome, 8),
    (T::KinshipHome, 14),
    (T::EmergencyHome, 6),
    (T::OwnFosterHome, 51),
];

/// Kinds tried, in order, when every home of the wanted kind is full.
const FALLBACK: &[T] = &[
    T::OwnFosterHome,
    T::KinshipHome,
    T::AgencyFosterHome,
    T::EmergencyHome,
    T::Hvb,
];

/// Single reasons for placements that get neither of the two headline ones.
const OTHER_REASONS: &[R] = &[
    R::ParentalSubstanceAbuse,
    R::ParentalSubstanceAbuse,
    R::ParentalMentalIllness,
    R::ParentalMentalIllness,
    R::HonourRelated,
    R::UnaccompaniedMinor,
    R::ChildBehaviour,
    R::Other,
];

impl Gen {
    /// Type and dates of every ended placement, before children are known.
    pub(super) fn history_shapes(&mut self) -> Vec<(T, Span)> {
        let mut shapes = Vec::new();
        for &(ptype, counts, shortest, longest) in HISTORY {
            for (year, count) in (2023..=2025).zip(counts) {
                let (first, last) = (ymd(year, 1, 1), ymd(year, 12, 31));
                for _ in 0..count {
                    let days = self.rng.gen_range(shortest..=longest);
                    let latest_start = last - Duration::days(days - 1);
                    let start = first
                        + Duration::days(self.rng.gen_range(0..=(latest_start - first).num_days()));
                    shapes.push((ptype, (start, Some(start + Duration::days(days - 1)))));
                }
            }
        }
        shapes.sort_by_key(|(_, span)| span.0);
        shapes
    }

    /// Places a child for each historic shape where a setting and a free child fit.
    pub(super) fn history(&mut self, shapes: Vec<(T, Span)>) {
        for (ptype, span) in shapes {
            let Some(setting) = self.pick_setting(ptype, &span) else {
                continue;
            };
            let child = match self.pick_child(&span, min_age(ptype)) {
                Some(child) => Some(child),
                None => self.pick_child(&span, 0),
            };
            let Some(child) = child else { continue };
            let family = matches!(ptype, T::OwnFosterHome | T::KinshipHome);
            let reason = match self.rng.gen_range(0..100) {
                0..50 => EndReason::ReturnedHome,
                50..75 => EndReason::MovedToOtherPlacement,
                75..90 if family => EndReason::CustodyTransferred,
                75..90 => EndReason::ReturnedHome,
                _ => EndReason::Other,
            };
            self.add(child, setting, span, Some(reason));
        }
    }

    /// Earliest start of an open placement of `ptype`. Types that must fall
    /// (HVB, agency) start in 2026 so they add nothing to 2023–2025, and
    /// recently, so 2026 does not undo the fall; own foster homes from
    /// mid-2024 add more days to 2025 than to 2024, which keeps their rise.
    pub(super) fn open_floor(&self, ptype: T) -> NaiveDate {
        let floor = match ptype {
            T::OwnFosterHome | T::KinshipHome => ymd(2023, 1, 1),
            T::AgencyFosterHome | T::Hvb => first_open_day().max(self.today - Duration::days(150)),
            T::EmergencyHome => ymd(2025, 1, 1).max(self.today - Duration::days(120)),
            _ => ymd(2025, 1, 1),
        };
        floor.min(self.today)
    }

    /// The open placements: one per child, each starting by `today`.
    pub(super) fn open(&mut self) {
        let mut pool: Vec<usize> = (0..self.children.len()).collect();
        pool.shuffle(&mut self.rng);
        for &(ptype, count) in OPEN {
            for _ in 0..count {
                // Prefer a child old enough for the whole possible span, else the oldest left.
                let years = min_age(ptype);
                let latest_birth = if years == 0 {
                    self.today
                } else {
                    born_by(self.today, years + 2)
                };
                let oldest = || {
                    pool.iter()
                        .enumerate()
                        .min_by_key(|(_, c)| self.children[**c].date_of_birth)
                };
                let pos = pool
                    .iter()
                    .position(|&c| self.children[c].date_of_birth <= latest_birth)
                    .or_else(|| oldest().map(|(i, _)| i));
                let Some(pos) = pos else { return };
                let child = pool.remove(pos);
                let after_history = self.child_spans[child]
                    .iter()
                    .filter_map(|s| s.1)
                    .max()
                    .map(|d| d + Duration::days(1));
                let free_from = after_history
                    .unwrap_or(NaiveDate::MIN)
                    .max(self.children[child].date_of_birth);
                for kind in std::iter::once(ptype).chain(FALLBACK.iter().copied()) {
                    let earliest = self.open_floor(kind).max(free_from);
                    let spread = (self.today - earliest).num_days().max(0);
                    // Family homes' open placements start ever more rarely
                    // (density falling linearly to today): fewer children
                    // enter 24-hour care each year, as in Kramfors's plan.
                    let u: f64 = self.rng.gen_range(0.0..1.0);
                    let offset = if matches!(kind, T::OwnFosterHome | T::KinshipHome) {
                        (spread as f64 * (1.0 - u.sqrt())) as i64
                    } else {
                        (spread as f64 * u) as i64
                    };
                    let span = (earliest + Duration::days(offset), None);
                    if let Some(setting) = self.pick_setting(kind, &span) {
                        self.add(child, setting, span, None);
                        break;
                    }
                }
            }
        }
    }

    /// A placement followed within two weeks by the child's next one ended
    /// by moving on, whatever was drawn.
    pub(super) fn mark_moves(&mut self) {
        for child in 0..self.children.len() {
            let mut own: Vec<usize> = (0..self.placements.len())
                .filter(|&p| self.placements[p].child == child)
                .collect();
            own.sort_by_key(|&p| self.placements[p].start);
            for pair in own.windows(2) {
                let next_start = self.placements[pair[1]].start;
                let earlier = &mut self.placements[pair[0]];
                if earlier
                    .end
                    .is_some_and(|end| next_start <= end + Duration::days(14))
                {
                    earlier.end_reason = Some(EndReason::MovedToOtherPlacement);
                }
            }
        }
    }

    /// Marks exactly `percent` % (rounded) of `n` items, so a share is hit
    /// exactly rather than only on average.
    pub(super) fn share(&mut self, n: usize, percent: usize) -> Vec<bool> {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut self.rng);
        let mut marked = vec![false; n];
        for &i in order.iter().take((n * percent + 50) / 100) {
            marked[i] = true;
        }
        marked
    }

    /// Reasons (42 % conflict or violence, 27 % neglect, as in domain.md)
    /// and the legal basis that follows from them.
    pub(super) fn reasons(&mut self) {
        let n = self.placements.len();
        let conflict = self.share(n, 42);
        let neglect = self.share(n, 27);
        for i in 0..n {
            let ptype = self.placements[i].ptype;
            let mut reasons = Vec::with_capacity(3);
            // Secure youth homes are for the young person's own behaviour, and so are many HVB stays.
            if ptype == T::Sis || (ptype == T::Hvb && self.rng.gen_bool(0.5)) {
                reasons.push(R::ChildBehaviour);
            }
            if conflict[i] {
                reasons.push(R::ConflictOrViolence);
            }
            if neglect[i] {
                reasons.push(R::Neglect);
            }
            if reasons.is_empty() {
                reasons.push(
                    OTHER_REASONS
                        .choose(&mut self.rng)
                        .copied()
                        .unwrap_or(R::Other),
                );
            }
            let extra = if self.rng.gen_bool(0.5) {
                R::ParentalSubstanceAbuse
            } else {
                R::ParentalMentalIllness
            };
            if reasons.len() < 3 && !reasons.contains(&extra) && self.rng.gen_bool(0.25) {
                reasons.push(extra);
            }
            let behaviour =
                reasons.contains(&R::ChildBehaviour) && matches!(ptype, T::Sis | T::Hvb);
            let draw = self.rng.gen_range(0..100);
            self.placements[i].legal_basis = match draw {
                _ if behaviour && (ptype == T::Sis || draw < 70) => LegalBasis::Lvu3,
                0..25 if ptype == T::EmergencyHome => LegalBasis::Lvu6,
                0..4 => LegalBasis::Lvu6,
                4..22 if !behaviour => LegalBasis::Lvu2,
                _ => LegalBasis::Sol,
            };
            self.placements[i].reasons = reasons;
        }
    }

    /// Anna and Bo each get `CASELOAD_SIZE` children placed now, disjoint.
    /// Anna's first child lives in a home Fredrik supports (so a case worker
    /// and the foster care worker share a case) and her second has a
    /// protected identity; one more child outside her caseload has one too.
    pub(super) fn caseloads(&mut self, anna: Uuid, bo: Uuid, fredrik: Uuid) -> Vec<Caseload> {
        let mut open: Vec<usize> = (0..self.placements.len())
            .filter(|&p| self.placements[p].end.is_none())
            .collect();
        open.shuffle(&mut self.rng);
        let supported =
            |p: &usize| self.settings[self.placements[*p].setting].secretary_id == Some(fredrik);
        if let Some(pos) = open.iter().position(supported) {
            let first = open.remove(pos);
            open.insert(0, first);
        }
        for pos in [1, 3 * CASELOAD_SIZE] {
            if let Some(&p) = open.get(pos) {
                let child = self.placements[p].child;
                self.children[child].protected = true;
            }
        }
        let workers =
            std::iter::repeat_n(anna, CASELOAD_SIZE).chain(std::iter::repeat_n(bo, CASELOAD_SIZE));
        let pairs: Vec<(Uuid, usize)> = workers.zip(open).collect();
        pairs
            .into_iter()
            .map(|(user_id, p)| Caseload {
                id: self.uuid(),
                user_id,
                child: self.placements[p].child,
                from: self.placements[p].start,
            })
            .collect()
    }
}

//! Follow-up deadlines the law sets for 24-hour care, computed from the
//! register (never typed in), and closed by recording what was done.
//!
//! Rules (Socialtjänstlag SFS 2025:400, paragraphs as issue 14 cites them):
//! - **Review** (`PLACEMENT_REVIEW`, 22:13): the care is reviewed at least
//!   every six months: due six months after the intervention started or was
//!   last reviewed, while it lasts.
//! - **Custody consideration** (`CUSTODY_CONSIDERATION`, 22:14): when a
//!   child has been in the same foster home for two years, and then every
//!   year, whether custody should be transferred to the foster parents is
//!   considered. Time counts in the same home only: a move to another home
//!   starts the two years again.
//! - **Emergency home** (`EMERGENCY_HOME_LIMIT`, 22:4): a child stays in an
//!   emergency home at most two months after the investigation is closed.
//!   The register does not hold the investigation, so its closing is taken
//!   to be the intervention's decision (the decision to place closes it).
//!   Closed by the placement ending (the child moving on).
//! - **Care plan** (`CARE_PLAN_REVISION`): the care plan is first revised
//!   within two years of the start.
//! - **Follow-up** (`AFTERCARE_FOLLOW_UP`, 23:2 and 23:5): after 24-hour care
//!   ends (other than by moving to other care), the child's situation is
//!   followed up within six months.
//!
//! Where the law sets a longest interval ("at least every six months"), the
//! interval is a setting (`[deadlines]`), so a municipality can be stricter.
//! Month arithmetic is calendar arithmetic: 31 August plus six months is the
//! last day of February (28 or 29).
use chrono::{Months, NaiveDate};
use serde::Deserialize;
use uuid::Uuid;

use super::enums::{InterventionEndReason, PlacementType};

/// The intervals of the rules, in months (`[deadlines]`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeadlineConfig {
    /// Review of 24-hour care (22:13): at most 6.
    pub review_months: u32,
    /// First custody consideration after this long in one foster home (22:14): 24.
    pub custody_first_months: u32,
    /// Then again after this long (22:14): 12.
    pub custody_then_months: u32,
    /// Longest stay in an emergency home after the decision (22:4): 2.
    pub emergency_months: u32,
    /// First revision of the care plan: 24.
    pub care_plan_months: u32,
    /// Follow-up after 24-hour care ends (23:2, 23:5): 6.
    pub follow_up_months: u32,
    /// The day Hearth took over the register. History carried over from
    /// elsewhere (0.1 data, migration 000014) has no follow-ups recorded;
    /// what fell due before this day counts as done on its due date, so
    /// that years-old care does not stand overdue for ever (`due`). None:
    /// every deadline counts.
    #[serde(default)]
    pub counted_from: Option<NaiveDate>,
}

impl DeadlineConfig {
    /// Refuses intervals longer than the law allows, or zero.
    pub fn validate(&self) -> anyhow::Result<()> {
        let law = DeadlineConfig::default();
        let pairs = [
            ("review_months", self.review_months, law.review_months),
            (
                "custody_first_months",
                self.custody_first_months,
                law.custody_first_months,
            ),
            (
                "custody_then_months",
                self.custody_then_months,
                law.custody_then_months,
            ),
            (
                "emergency_months",
                self.emergency_months,
                law.emergency_months,
            ),
            (
                "care_plan_months",
                self.care_plan_months,
                law.care_plan_months,
            ),
            (
                "follow_up_months",
                self.follow_up_months,
                law.follow_up_months,
            ),
        ];
        for (name, value, max) in pairs {
            if value == 0 || value > max {
                anyhow::bail!(
                    "HEARTH_DEADLINES__{}: from 1 to {max} (the law's longest interval)",
                    name.to_uppercase()
                );
            }
        }
        Ok(())
    }
}

impl Default for DeadlineConfig {
    fn default() -> Self {
        Self {
            review_months: 6,
            custody_first_months: 24,
            custody_then_months: 12,
            emergency_months: 2,
            care_plan_months: 24,
            follow_up_months: 6,
            counted_from: None,
        }
    }
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $text:literal),+ $(,)?) => {
        /// What a deadline asks for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, async_graphql::Enum)]
        pub enum DeadlineKind { $($(#[$doc])* $variant),+ }

        impl DeadlineKind {
            /// Stored name (of the follow-up that closes it).
            pub fn as_str(self) -> &'static str { match self { $(Self::$variant => $text),+ } }
            /// Parses the stored name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

kinds! {
    /// Review of the care (22:13).
    PlacementReview => "PLACEMENT_REVIEW",
    /// Consideration of a transfer of custody (22:14).
    CustodyConsideration => "CUSTODY_CONSIDERATION",
    /// The end of a stay in an emergency home (22:4).
    EmergencyHomeLimit => "EMERGENCY_HOME_LIMIT",
    /// First revision of the care plan.
    CarePlanRevision => "CARE_PLAN_REVISION",
    /// Follow-up after the care ended (23:2, 23:5).
    AftercareFollowUp => "AFTERCARE_FOLLOW_UP",
}

/// A placement as the rules see it.
#[derive(Debug, Clone)]
pub struct Stay {
    pub id: Uuid,
    pub setting_id: Uuid,
    pub placement_type: PlacementType,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// A 24-hour intervention with its placements and what was recorded.
#[derive(Debug, Clone)]
pub struct Care {
    pub id: Uuid,
    pub decision_date: NaiveDate,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub end_reason: Option<InterventionEndReason>,
    /// Oldest first.
    pub stays: Vec<Stay>,
    /// Follow-ups recorded: kind and day done.
    pub done: Vec<(DeadlineKind, NaiveDate)>,
}

/// One deadline: what, by when, and the placement it concerns if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub intervention_id: Uuid,
    pub placement_id: Option<Uuid>,
}

fn plus(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

fn is_foster_home(t: PlacementType) -> bool {
    matches!(
        t,
        PlacementType::OwnFosterHome | PlacementType::AgencyFosterHome | PlacementType::KinshipHome
    )
}

/// The latest recorded follow-up of `kind` on or after `since`.
fn last(care: &Care, kind: DeadlineKind, since: NaiveDate) -> Option<NaiveDate> {
    care.done
        .iter()
        .filter(|(k, d)| *k == kind && *d >= since)
        .map(|(_, d)| *d)
        .max()
}

/// The open deadlines of one 24-hour intervention as of `today`: each rule
/// gives at most one, the next thing the law asks for.
pub fn of(care: &Care, today: NaiveDate, c: &DeadlineConfig) -> Vec<Deadline> {
    let mut out = Vec::new();
    let at = |kind, due, placement_id| Deadline {
        kind,
        due,
        intervention_id: care.id,
        placement_id,
    };
    // Ended means ended by today: an end registered ahead (a planned
    // return home) leaves the care, and its deadlines, running until then.
    let Some(end) = care.end.filter(|e| *e < today) else {
        // 22:13: six months from the start or the latest review.
        let reviewed = last(care, DeadlineKind::PlacementReview, care.start).unwrap_or(care.start);
        out.push(at(
            DeadlineKind::PlacementReview,
            plus(reviewed, c.review_months),
            None,
        ));
        if last(care, DeadlineKind::CarePlanRevision, care.start).is_none() {
            out.push(at(
                DeadlineKind::CarePlanRevision,
                plus(care.start, c.care_plan_months),
                None,
            ));
        }
        // The stay covering today, not one registered to start later (a
        // planned move does not lift the emergency-home limit before it).
        let covering = |s: &&Stay| s.start <= today && s.end.is_none_or(|e| e >= today);
        if let Some(current) = care.stays.iter().rev().find(covering) {
            if is_foster_home(current.placement_type) {
                // 22:14: time in this home, back through earlier placements
                // in the same home that follow on without a gap.
                let mut since = current.start;
                for earlier in care
                    .stays
                    .iter()
                    .rev()
                    .skip_while(|s| s.id != current.id)
                    .skip(1)
                {
                    let adjoins = earlier
                        .end
                        .is_some_and(|e| e.succ_opt().is_some_and(|next| next >= since));
                    if earlier.setting_id != current.setting_id || !adjoins {
                        break;
                    }
                    since = earlier.start;
                }
                let due = match last(care, DeadlineKind::CustodyConsideration, since) {
                    Some(d) => plus(d, c.custody_then_months),
                    None => plus(since, c.custody_first_months),
                };
                out.push(at(
                    DeadlineKind::CustodyConsideration,
                    due,
                    Some(current.id),
                ));
            }
            if current.placement_type == PlacementType::EmergencyHome {
                // 22:4: the decision closes the investigation (see above).
                out.push(at(
                    DeadlineKind::EmergencyHomeLimit,
                    plus(care.decision_date.max(current.start), c.emergency_months),
                    Some(current.id),
                ));
            }
        }
        return out;
    };
    // 23:2, 23:5: follow up after the care ended, unless it went on as other care.
    if care.end_reason != Some(InterventionEndReason::MovedToOtherCare)
        && last(
            care,
            DeadlineKind::AftercareFollowUp,
            end.succ_opt().unwrap_or(end),
        )
        .is_none()
    {
        out.push(at(
            DeadlineKind::AftercareFollowUp,
            plus(end, c.follow_up_months),
            None,
        ));
    }
    out
}

#[cfg(test)]
#[path = "deadlines_tests.rs"]
mod tests;

/// Most deadlines that can fall due before `counted_from` in one
/// intervention (a review every month for two centuries is 2,400).
const MAX_CARRIED: usize = 4_000;

/// The open deadlines of `care` as the deadlines list shows them: as
/// [`of`], with whatever fell due before `c.counted_from` taken as done on
/// its due date. The emergency-home limit is not: a child still in the
/// emergency home past it is overdue whenever the limit passed.
pub fn due(care: &Care, today: NaiveDate, c: &DeadlineConfig) -> Vec<Deadline> {
    let Some(from) = c.counted_from else {
        return of(care, today, c);
    };
    let mut care = care.clone();
    for _ in 0..MAX_CARRIED {
        let open = of(&care, today, c);
        let Some(before) = open
            .iter()
            .find(|d| d.due < from && d.kind != DeadlineKind::EmergencyHomeLimit)
        else {
            return open;
        };
        care.done.push((before.kind, before.due));
    }
    of(&care, today, c)
}

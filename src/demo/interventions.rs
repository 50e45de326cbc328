//! The demo's interventions: each chain of a child's placements joined by
//! moves (a placement ended `MOVED_TO_OTHER_PLACEMENT` and the child's next
//! one) is one 24-hour intervention, as the carry-over of 0.1 data makes
//! them (migration `000014`), with a reason for every move.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::plan::{Placement, Plan};
use crate::domain::enums::{
    EndReason, InterventionEndReason, InterventionKind, MoveReason, PlacementType as T,
};
use crate::entity::intervention;

/// The interventions, and for each placement its intervention and the
/// reason it was moved to (none for the first of an intervention).
pub(super) struct Linked {
    pub interventions: Vec<intervention::Model>,
    pub links: HashMap<Uuid, (Uuid, Option<MoveReason>)>,
}

/// Why a child moved from `from` to `to`, as a social worker would record it.
fn move_reason(from: T, to: T) -> MoveReason {
    match (from, to) {
        (_, T::OwnFosterHome | T::KinshipHome) => MoveReason::ToKinshipOrOwnHome,
        (T::Hvb | T::Sis, _) => MoveReason::ToLessIntensiveCare,
        (T::EmergencyHome, _) => MoveReason::NeedsChanged,
        _ => MoveReason::HomeEnded,
    }
}

/// The 24-hour interventions of the plan's placements.
pub(super) fn twenty_four_hour(
    plan: &Plan,
    unit_id: Uuid,
    decided_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Linked {
    let mut by_child: HashMap<usize, Vec<&Placement>> = HashMap::new();
    for p in &plan.placements {
        by_child.entry(p.child).or_default().push(p);
    }
    let mut linked = Linked {
        interventions: Vec::new(),
        links: HashMap::new(),
    };
    let mut children: Vec<_> = by_child.into_iter().collect();
    children.sort_by_key(|(child, _)| *child);
    for (child, mut placements) in children {
        placements.sort_by_key(|p| (p.start, p.id));
        let mut chain: Vec<&Placement> = Vec::new();
        for p in placements {
            let continues = chain
                .last()
                .is_some_and(|prev| prev.end_reason == Some(EndReason::MovedToOtherPlacement));
            if !continues && !chain.is_empty() {
                close(
                    &mut linked,
                    plan.children[child].id,
                    &chain,
                    unit_id,
                    decided_by,
                    now,
                );
                chain.clear();
            }
            chain.push(p);
        }
        close(
            &mut linked,
            plan.children[child].id,
            &chain,
            unit_id,
            decided_by,
            now,
        );
    }
    linked
}

/// Adds the intervention of one chain; it takes its first placement's id.
fn close(
    linked: &mut Linked,
    child_id: Uuid,
    chain: &[&Placement],
    unit_id: Uuid,
    decided_by: Option<Uuid>,
    now: DateTime<Utc>,
) {
    let (Some(first), Some(last)) = (chain.first(), chain.last()) else {
        return;
    };
    linked.interventions.push(intervention::Model {
        id: first.id,
        child_id,
        kind: "TWENTY_FOUR_HOUR".into(),
        legal_basis: Some(first.legal_basis.as_str().to_owned()),
        decision_date: first.start,
        start_date: first.start,
        end_date: last.end,
        end_reason: last
            .end_reason
            .map(|r| InterventionEndReason::of_placement(r).as_str().to_owned()),
        unit_id,
        decided_by,
        daily_cost: None,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    let mut previous: Option<&Placement> = None;
    for p in chain {
        let reason = previous.map(|prev| move_reason(prev.ptype, p.ptype));
        linked.links.insert(p.id, (first.id, reason));
        previous = Some(p);
    }
}

/// Open-care interventions started per demo year (`plan::YEARS`, 2023 on):
/// rising, as the shift from placements to preventive open care that the
/// demo municipality steers by (Kramfors's plan). Those that would start
/// after today are left out.
const OPEN_CARE: [usize; 4] = [18, 30, 44, 56];

/// Open-care kinds, in turn.
const OPEN_KINDS: [InterventionKind; 5] = [
    InterventionKind::ParentingSupport,
    InterventionKind::FamilyTreatment,
    InterventionKind::NetworkBuilding,
    InterventionKind::ContactPersonOrFamily,
    InterventionKind::OtherOpenCare,
];

/// What each open-care kind costs a day, in whole SEK, in the order of
/// `OPEN_KINDS`: family treatment is the most intensive.
const OPEN_DAILY_COST: [i64; 5] = [300, 900, 400, 250, 350];

/// The demo's open-care interventions, deterministic: spread over the
/// children, the year and the kinds; those not over by `today` are open.
pub(super) fn open_care(
    plan: &Plan,
    unit_id: Uuid,
    decided_by: Option<Uuid>,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Vec<intervention::Model> {
    let n = plan.children.len().max(1);
    let mut out = Vec::new();
    for (y, (year, &count)) in super::plan::YEARS.zip(OPEN_CARE.iter()).enumerate() {
        for k in 0..count {
            let Some(jan) = chrono::NaiveDate::from_ymd_opt(year, 1, 10) else {
                continue;
            };
            let start = jan + chrono::Duration::days(((k * 11) % 320) as i64);
            if start > today {
                continue;
            }
            let end = start + chrono::Duration::days(60 + ((k * 37) % 160) as i64);
            let ended = end <= today;
            out.push(intervention::Model {
                id: Uuid::from_u128((0x0C_u128 << 120) | ((year as u128) << 16) | k as u128),
                child_id: plan.children[(k * 7 + y * 3) % n].id,
                kind: OPEN_KINDS[k % OPEN_KINDS.len()].as_str().to_owned(),
                legal_basis: Some("SOL".into()),
                decision_date: start - chrono::Duration::days(14),
                start_date: start,
                end_date: ended.then_some(end),
                end_reason: ended.then(|| InterventionEndReason::Other.as_str().to_owned()),
                unit_id,
                decided_by,
                daily_cost: Some(OPEN_DAILY_COST[k % OPEN_KINDS.len()]),
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
    }
    out
}

/// The demo's anonymous open care (SoL 11:5, no identities): each month
/// from 2023 to today, parenting groups, a drop-in family centre and other
/// open care, with participants rising every year as the municipality
/// moves from placements to prevention.
pub(super) fn tallies(
    unit_id: Uuid,
    recorded_by: Option<Uuid>,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Vec<crate::entity::open_care_tally::Model> {
    // Participants a month in 2023 and cost per participant-month, per kind.
    const KINDS: [(InterventionKind, i32, i64); 3] = [
        (InterventionKind::ParentingSupport, 12, 1_800),
        (InterventionKind::FamilyTreatment, 4, 9_000),
        (InterventionKind::OtherOpenCare, 20, 600),
    ];
    let mut out = Vec::new();
    for year in super::plan::YEARS {
        for month in 1..=12 {
            let Some(first) = chrono::NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            if first > today {
                break;
            }
            for (k, &(kind, base, per_head)) in KINDS.iter().enumerate() {
                // Rising by half the base each year, with a summer dip.
                let growth = base * (year - 2023) / 2;
                let summer = if (6..=8).contains(&month) {
                    base / 4
                } else {
                    0
                };
                let participants = base + growth - summer + (month as i32 + k as i32) % 3;
                out.push(crate::entity::open_care_tally::Model {
                    unit_id,
                    kind: kind.as_str().to_owned(),
                    month: first,
                    participants,
                    cost: i64::from(participants) * per_head,
                    recorded_by,
                    version: 1,
                    updated_at: now,
                });
            }
        }
    }
    out
}

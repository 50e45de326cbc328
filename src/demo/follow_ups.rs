//! The demo's recorded follow-ups: the work the law asks for (reviews,
//! custody considerations, care plan revisions, follow-ups after care;
//! `domain::deadlines`) done on time for most of the history, so that the
//! deadlines the demo users see are a realistic few: what falls due in the
//! coming weeks, and the overdue items of about one intervention in eight.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::plan::Plan;
use crate::domain::deadlines::{self, Care, DeadlineConfig, DeadlineKind, Stay};
use crate::domain::enums::InterventionEndReason;
use crate::entity::{follow_up, intervention};

/// Every how many interventions one is left with its overdue work undone.
const NEGLECTED: usize = 8;

/// Follow-ups for the demo's 24-hour interventions; `links` maps each
/// placement to its intervention.
pub(super) fn recorded(
    plan: &Plan,
    interventions: &[intervention::Model],
    links: &HashMap<Uuid, (Uuid, Option<crate::domain::enums::MoveReason>)>,
    recorded_by: Option<Uuid>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<follow_up::Model> {
    let rules = DeadlineConfig::default();
    let mut out = Vec::new();
    for (n, i) in interventions.iter().enumerate() {
        if n % NEGLECTED == NEGLECTED - 1 {
            continue;
        }
        let mut stays: Vec<Stay> = plan
            .placements
            .iter()
            .filter(|p| links.get(&p.id).is_some_and(|l| l.0 == i.id))
            .map(|p| Stay {
                id: p.id,
                setting_id: plan.settings[p.setting].id,
                placement_type: p.ptype,
                start: p.start,
                end: p.end,
            })
            .collect();
        stays.sort_by_key(|s| s.start);
        let mut care = Care {
            id: i.id,
            decision_date: i.decision_date,
            start: i.start_date,
            end: i.end_date,
            end_reason: i
                .end_reason
                .as_deref()
                .and_then(InterventionEndReason::parse),
            stays,
            done: Vec::new(),
        };
        // Done a week before each due date, until only what falls due from
        // today on is left (and the emergency-home limit, which only a move
        // closes).
        for _ in 0..64 {
            let next = deadlines::of(&care, today, &rules)
                .into_iter()
                .filter(|d| d.kind != DeadlineKind::EmergencyHomeLimit)
                .find(|d| d.due < today);
            let Some(d) = next else { break };
            let mut day = (d.due - Duration::days(7)).max(care.start);
            if let (DeadlineKind::AftercareFollowUp, Some(end)) = (d.kind, care.end) {
                day = day.max(end + Duration::days(1));
            }
            let day = day.min(today);
            care.done.push((d.kind, day));
            out.push(follow_up::Model {
                id: Uuid::from_u128((0xF0_u128 << 120) | ((n as u128) << 32) | out.len() as u128),
                intervention_id: i.id,
                child_id: i.child_id,
                kind: d.kind.as_str().to_owned(),
                done_on: day,
                recorded_by,
                created_at: now,
            });
        }
    }
    out
}

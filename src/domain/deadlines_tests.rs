//! One history per rule, with the exact due date worked out by hand
//! (calendar months; leap years; a move between foster homes).
use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_else(|| panic!("{y}-{m}-{day}"))
}

fn stay(
    n: u128,
    setting: u128,
    t: PlacementType,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Stay {
    Stay {
        id: Uuid::from_u128(n),
        setting_id: Uuid::from_u128(1000 + setting),
        placement_type: t,
        start,
        end,
    }
}

fn care(start: NaiveDate, stays: Vec<Stay>) -> Care {
    Care {
        id: Uuid::from_u128(1),
        decision_date: start,
        start,
        end: None,
        end_reason: None,
        stays,
        done: Vec::new(),
    }
}

fn due(care: &Care, kind: DeadlineKind) -> Option<NaiveDate> {
    let today = d(2025, 6, 1);
    let found: Vec<_> = of(care, today, &DeadlineConfig::default())
        .into_iter()
        .filter(|x| x.kind == kind)
        .collect();
    assert!(found.len() <= 1, "one deadline per rule: {found:?}");
    found.first().map(|x| x.due)
}

use PlacementType::{EmergencyHome, Hvb, KinshipHome, OwnFosterHome};

#[test]
fn a_review_is_due_six_calendar_months_after_the_start_or_the_last_review() {
    let mut c = care(d(2023, 8, 31), vec![stay(2, 1, Hvb, d(2023, 8, 31), None)]);
    // 31 August + 6 months: the last day of February, 29 in a leap year.
    assert_eq!(due(&c, DeadlineKind::PlacementReview), Some(d(2024, 2, 29)));
    c.done.push((DeadlineKind::PlacementReview, d(2024, 2, 20)));
    assert_eq!(due(&c, DeadlineKind::PlacementReview), Some(d(2024, 8, 20)));
    c.done.push((DeadlineKind::PlacementReview, d(2024, 8, 19)));
    assert_eq!(due(&c, DeadlineKind::PlacementReview), Some(d(2025, 2, 19)));
}

#[test]
fn custody_is_considered_after_two_years_in_the_same_home_and_then_yearly() {
    let stays = vec![
        stay(2, 1, OwnFosterHome, d(2022, 1, 15), Some(d(2023, 3, 31))),
        // The move to another home starts the two years again.
        stay(3, 2, KinshipHome, d(2023, 4, 1), Some(d(2023, 6, 30))),
        // The same home again from the next day: the time goes on.
        stay(4, 2, KinshipHome, d(2023, 7, 1), None),
    ];
    let mut c = care(d(2022, 1, 15), stays);
    assert_eq!(
        due(&c, DeadlineKind::CustodyConsideration),
        Some(d(2025, 4, 1))
    );
    let found = of(&c, d(2025, 6, 1), &DeadlineConfig::default());
    let custody = found
        .iter()
        .find(|x| x.kind == DeadlineKind::CustodyConsideration);
    assert_eq!(
        custody.and_then(|x| x.placement_id),
        Some(Uuid::from_u128(4))
    );
    // A consideration made in the earlier home does not count in this one.
    c.done
        .push((DeadlineKind::CustodyConsideration, d(2023, 1, 10)));
    assert_eq!(
        due(&c, DeadlineKind::CustodyConsideration),
        Some(d(2025, 4, 1))
    );
    c.done
        .push((DeadlineKind::CustodyConsideration, d(2025, 3, 20)));
    assert_eq!(
        due(&c, DeadlineKind::CustodyConsideration),
        Some(d(2026, 3, 20))
    );
}

#[test]
fn two_years_from_a_leap_day_end_on_the_last_of_february() {
    let c = care(
        d(2024, 2, 29),
        vec![stay(2, 1, OwnFosterHome, d(2024, 2, 29), None)],
    );
    assert_eq!(
        due(&c, DeadlineKind::CustodyConsideration),
        Some(d(2026, 2, 28))
    );
    assert_eq!(
        due(&c, DeadlineKind::CarePlanRevision),
        Some(d(2026, 2, 28))
    );
    assert_eq!(due(&c, DeadlineKind::PlacementReview), Some(d(2024, 8, 29)));
}

#[test]
fn an_institution_has_no_custody_consideration_and_a_gap_restarts_the_count() {
    let c = care(d(2023, 1, 1), vec![stay(2, 1, Hvb, d(2023, 1, 1), None)]);
    assert_eq!(due(&c, DeadlineKind::CustodyConsideration), None);
    let gap = care(
        d(2022, 1, 1),
        vec![
            stay(2, 1, OwnFosterHome, d(2022, 1, 1), Some(d(2022, 12, 31))),
            // Back in the same home after two days elsewhere: counts anew.
            stay(3, 9, Hvb, d(2023, 1, 1), Some(d(2023, 1, 2))),
            stay(4, 1, OwnFosterHome, d(2023, 1, 3), None),
        ],
    );
    assert_eq!(
        due(&gap, DeadlineKind::CustodyConsideration),
        Some(d(2025, 1, 3))
    );
}

#[test]
fn an_emergency_home_ends_two_months_after_the_decision() {
    let mut c = care(
        d(2024, 12, 31),
        vec![stay(2, 1, EmergencyHome, d(2024, 12, 31), None)],
    );
    assert_eq!(
        due(&c, DeadlineKind::EmergencyHomeLimit),
        Some(d(2025, 2, 28))
    );
    // Moved into an emergency home later: two months from that move.
    c.stays = vec![
        stay(2, 1, Hvb, d(2024, 12, 31), Some(d(2025, 4, 30))),
        stay(3, 2, EmergencyHome, d(2025, 5, 1), None),
    ];
    assert_eq!(
        due(&c, DeadlineKind::EmergencyHomeLimit),
        Some(d(2025, 7, 1))
    );
    // Ended: the child has moved on; no deadline.
    c.stays[1].end = Some(d(2025, 5, 20));
    assert_eq!(due(&c, DeadlineKind::EmergencyHomeLimit), None);
}

#[test]
fn the_care_plan_is_first_revised_within_two_years_once() {
    let mut c = care(
        d(2023, 11, 30),
        vec![stay(2, 1, Hvb, d(2023, 11, 30), None)],
    );
    assert_eq!(
        due(&c, DeadlineKind::CarePlanRevision),
        Some(d(2025, 11, 30))
    );
    c.done
        .push((DeadlineKind::CarePlanRevision, d(2025, 1, 10)));
    assert_eq!(due(&c, DeadlineKind::CarePlanRevision), None);
}

#[test]
fn ended_care_is_followed_up_within_six_months_unless_it_went_on_elsewhere() {
    let mut c = care(
        d(2023, 1, 1),
        vec![stay(2, 1, Hvb, d(2023, 1, 1), Some(d(2024, 8, 31)))],
    );
    c.end = Some(d(2024, 8, 31));
    c.end_reason = Some(InterventionEndReason::ReturnedHome);
    // 31 August + 6 months in a year without 29 February.
    assert_eq!(
        due(&c, DeadlineKind::AftercareFollowUp),
        Some(d(2025, 2, 28))
    );
    assert_eq!(
        due(&c, DeadlineKind::PlacementReview),
        None,
        "no review after the end"
    );
    assert_eq!(due(&c, DeadlineKind::CarePlanRevision), None);
    c.done
        .push((DeadlineKind::AftercareFollowUp, d(2024, 7, 1)));
    assert_eq!(
        due(&c, DeadlineKind::AftercareFollowUp),
        Some(d(2025, 2, 28)),
        "a follow-up before the end does not count"
    );
    c.done
        .push((DeadlineKind::AftercareFollowUp, d(2024, 8, 31)));
    assert!(
        due(&c, DeadlineKind::AftercareFollowUp).is_some(),
        "not on the last day of care"
    );
    c.done
        .push((DeadlineKind::AftercareFollowUp, d(2024, 10, 1)));
    assert_eq!(due(&c, DeadlineKind::AftercareFollowUp), None);
    c.done.clear();
    c.end_reason = Some(InterventionEndReason::MovedToOtherCare);
    assert_eq!(due(&c, DeadlineKind::AftercareFollowUp), None);
}

#[test]
fn an_end_registered_ahead_leaves_the_care_running_until_then() {
    let mut c = care(
        d(2025, 1, 1),
        vec![stay(2, 1, Hvb, d(2025, 1, 1), Some(d(2030, 1, 1)))],
    );
    c.end = Some(d(2030, 1, 1));
    c.end_reason = Some(InterventionEndReason::MovedToOtherCare);
    assert_eq!(
        due(&c, DeadlineKind::PlacementReview),
        Some(d(2025, 7, 1)),
        "still due"
    );
    assert_eq!(
        due(&c, DeadlineKind::AftercareFollowUp),
        None,
        "not ended yet"
    );
}

#[test]
fn a_planned_move_does_not_lift_the_emergency_home_limit_before_it() {
    let c = care(
        d(2025, 3, 1),
        vec![
            stay(2, 1, EmergencyHome, d(2025, 3, 1), Some(d(2025, 12, 31))),
            stay(3, 2, OwnFosterHome, d(2026, 1, 1), None),
        ],
    );
    assert_eq!(
        due(&c, DeadlineKind::EmergencyHomeLimit),
        Some(d(2025, 5, 1))
    );
    assert_eq!(
        due(&c, DeadlineKind::CustodyConsideration),
        None,
        "the home is not yet the child's"
    );
}

#[test]
fn history_before_go_live_counts_as_followed_up_on_time() {
    let rules = DeadlineConfig {
        counted_from: Some(d(2026, 1, 1)),
        ..DeadlineConfig::default()
    };
    let today = d(2026, 3, 1);
    let kinds = |c: &Care, r: &DeadlineConfig| -> Vec<(DeadlineKind, NaiveDate)> {
        super::due(c, today, r)
            .into_iter()
            .map(|x| (x.kind, x.due))
            .collect()
    };
    // Open since 2019 in one foster home: the reviews every six months from
    // 1 July 2019 count as done up to 1 July 2025; 1 January 2026 is not
    // before go-live, so it stands (and is overdue on 1 March).
    let open = care(
        d(2019, 1, 1),
        vec![stay(2, 1, OwnFosterHome, d(2019, 1, 1), None)],
    );
    let found = kinds(&open, &rules);
    assert!(
        found.contains(&(DeadlineKind::PlacementReview, d(2026, 1, 1))),
        "{found:?}"
    );
    // Custody: two years from 1 January 2019, then yearly: 1 January 2026.
    assert!(
        found.contains(&(DeadlineKind::CustodyConsideration, d(2026, 1, 1))),
        "{found:?}"
    );
    // Without a go-live day the first review of 2019 stands overdue.
    let all = kinds(&open, &DeadlineConfig::default());
    assert!(
        all.contains(&(DeadlineKind::PlacementReview, d(2019, 7, 1))),
        "{all:?}"
    );
    // Care that ended in 2020 had its follow-up due in 2020: nothing left.
    let mut ended = care(
        d(2019, 1, 1),
        vec![stay(3, 1, Hvb, d(2019, 1, 1), Some(d(2020, 5, 31)))],
    );
    ended.end = Some(d(2020, 5, 31));
    ended.end_reason = Some(InterventionEndReason::ReturnedHome);
    assert_eq!(kinds(&ended, &rules), vec![]);
    assert!(!kinds(&ended, &DeadlineConfig::default()).is_empty());
    // A child still in an emergency home past its limit is overdue, go-live
    // or not.
    let emergency = care(
        d(2025, 10, 1),
        vec![stay(4, 2, EmergencyHome, d(2025, 10, 1), None)],
    );
    let found = kinds(&emergency, &rules);
    assert!(
        found.contains(&(DeadlineKind::EmergencyHomeLimit, d(2025, 12, 1))),
        "{found:?}"
    );
}

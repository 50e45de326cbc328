//! Properties of the generated plan: the database's hard rules, the shares
//! and trends the demo is meant to show, and the demo caseloads. Checked for
//! several run dates, since ages and open placements move with `today`.
use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use super::plan::{Plan, cost_range, first_open_day, plan};
use crate::domain::enums::{
    LegalBasis, PlacementType as T, ReasonCode as R, placement_type_of_kind,
};
use crate::domain::period::placement_days;
use crate::domain::pin::PersonalIdentityNumber;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// Run dates: the first possible one, the project's own, and a later one.
fn plans() -> Vec<(NaiveDate, Plan)> {
    [
        first_open_day() + Duration::days(1),
        d(2026, 11, 22),
        d(2027, 8, 15),
    ]
    .into_iter()
    .map(|today| (today, plan(today)))
    .collect()
}

#[test]
fn same_date_gives_same_plan() {
    let today = d(2026, 11, 22);
    let (a, b) = (plan(today), plan(today));
    let key = |p: &Plan| {
        p.placements
            .iter()
            .map(|x| (x.id, x.child, x.setting, x.start, x.end, x.daily_cost))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
    let pins = |p: &Plan| p.children.iter().map(|c| c.pin.clone()).collect::<Vec<_>>();
    assert_eq!(pins(&a), pins(&b));
}

#[test]
fn children_have_valid_unique_numbers_and_ages() {
    for (today, plan) in plans() {
        assert_eq!(plan.children.len(), 120);
        let mut seen = HashSet::new();
        for c in &plan.children {
            let pin = PersonalIdentityNumber::parse(&c.pin).expect("generated numbers are valid");
            assert!(seen.insert(c.pin.clone()), "numbers are unique");
            assert_eq!(pin.date_of_birth(), c.date_of_birth);
            let male = (c.pin.as_bytes()[10] - b'0') % 2 == 1;
            assert_eq!(c.sex.as_str(), if male { "MALE" } else { "FEMALE" });
            assert!(c.date_of_birth <= today);
            let eighteen = c
                .date_of_birth
                .checked_add_months(chrono::Months::new(216))
                .expect("date");
            assert!(eighteen > today, "every child is 0-17 today");
        }
        let protected = plan.children.iter().filter(|c| c.protected).count();
        assert!((1..=2).contains(&protected));
    }
}

#[test]
fn placements_keep_the_row_rules() {
    for (today, plan) in plans() {
        for p in &plan.placements {
            let setting = &plan.settings[p.setting];
            assert_eq!(placement_type_of_kind(setting.kind), Some(p.ptype));
            assert_eq!(p.end.is_none(), p.end_reason.is_none());
            assert!(p.end.is_none_or(|end| end >= p.start));
            assert!(p.start <= today && p.start >= plan.children[p.child].date_of_birth);
            let (low, high) = cost_range(p.ptype);
            assert!((low..=high).contains(&p.daily_cost));
            assert!((1..=3).contains(&p.reasons.len()));
            assert_eq!(
                p.reasons.iter().collect::<HashSet<_>>().len(),
                p.reasons.len()
            );
            if p.legal_basis == LegalBasis::Lvu3 {
                assert!(p.reasons.contains(&R::ChildBehaviour));
            }
            if let Some(end) = p.end {
                assert!(
                    p.start >= d(2023, 1, 1) && end <= d(2025, 12, 31),
                    "history stays in 2023-2025"
                );
            }
            if setting.capacity.is_some() {
                assert_eq!(setting.status, Some("APPROVED"));
            }
        }
        let sol = plan
            .placements
            .iter()
            .filter(|p| p.legal_basis == LegalBasis::Sol)
            .count();
        assert!(sol * 2 > plan.placements.len(), "mostly voluntary care");
    }
}

#[test]
fn no_child_is_in_two_placements_on_one_day() {
    for (_, plan) in plans() {
        let mut by_child: HashMap<usize, Vec<_>> = HashMap::new();
        for p in &plan.placements {
            by_child.entry(p.child).or_default().push((p.start, p.end));
        }
        for spans in by_child.values_mut() {
            spans.sort();
            for pair in spans.windows(2) {
                let earlier_end = pair[0].1.expect("only the last placement may be open");
                assert!(earlier_end < pair[1].0);
            }
        }
    }
}

#[test]
fn foster_homes_never_exceed_capacity_on_any_day() {
    for (today, plan) in plans() {
        for (i, setting) in plan.settings.iter().enumerate() {
            let Some(capacity) = setting.capacity else {
                continue;
            };
            let spans: Vec<_> = plan
                .placements
                .iter()
                .filter(|p| p.setting == i)
                .map(|p| (p.start, p.end))
                .collect();
            let mut day = d(2023, 1, 1);
            while day <= today + Duration::days(30) {
                let here = spans
                    .iter()
                    .filter(|(s, e)| *s <= day && e.is_none_or(|e| day <= e))
                    .count();
                assert!(
                    here <= usize::try_from(capacity).expect("positive"),
                    "over capacity"
                );
                day = day.succ_opt().expect("date");
            }
        }
    }
}

#[test]
fn reason_shares_match_domain_figures() {
    for (_, plan) in plans() {
        let n = plan.placements.len() as f64;
        let share = |code| {
            plan.placements
                .iter()
                .filter(|p| p.reasons.contains(&code))
                .count() as f64
                / n
        };
        let conflict = share(R::ConflictOrViolence);
        let neglect = share(R::Neglect);
        assert!(
            (0.38..=0.46).contains(&conflict),
            "conflict share {conflict}"
        );
        assert!((0.23..=0.31).contains(&neglect), "neglect share {neglect}");
    }
}

#[test]
fn residential_and_agency_days_fall_while_own_foster_days_rise() {
    for (today, plan) in plans() {
        let days = |ptype: T, year: i32| -> i64 {
            plan.placements
                .iter()
                .filter(|p| p.ptype == ptype)
                .map(|p| placement_days(p.start, p.end, d(year, 1, 1), d(year, 12, 31), today))
                .sum()
        };
        for ptype in [T::Hvb, T::AgencyFosterHome] {
            assert!(
                days(ptype, 2023) > days(ptype, 2024) && days(ptype, 2024) > days(ptype, 2025),
                "{ptype:?}"
            );
        }
        let own = T::OwnFosterHome;
        assert!(days(own, 2023) < days(own, 2024) && days(own, 2024) < days(own, 2025));
    }
}

#[test]
fn ninety_children_are_placed_now() {
    for (today, plan) in plans() {
        assert_eq!(plan.placed_now(today), 90);
        let children: HashSet<_> = plan
            .placements
            .iter()
            .filter(|p| p.end.is_none())
            .map(|p| p.child)
            .collect();
        assert_eq!(children.len(), 90);
    }
}

#[test]
fn case_workers_have_disjoint_caseloads_of_placed_children() {
    for (_, plan) in plans() {
        let (anna, bo, fredrik) = (
            plan.user_id("anna.case"),
            plan.user_id("bo.case"),
            plan.user_id("fredrik.foster"),
        );
        let caseload = |user| {
            plan.caseloads
                .iter()
                .filter(|c| c.user_id == user)
                .map(|c| c.child)
                .collect::<HashSet<_>>()
        };
        let (annas, bos) = (caseload(anna), caseload(bo));
        assert!(annas.len() >= 10 && bos.len() >= 10);
        assert!(annas.is_disjoint(&bos));
        let open_setting = |child: usize| {
            plan.placements
                .iter()
                .find(|p| p.child == child && p.end.is_none())
        };
        assert!(
            annas.iter().chain(&bos).all(|&c| open_setting(c).is_some()),
            "caseloads are children placed now"
        );
        assert!(
            annas.iter().any(|&c| plan.children[c].protected),
            "anna has the protected child"
        );
        let supported = |c: usize| {
            open_setting(c).is_some_and(|p| plan.settings[p.setting].secretary_id == Some(fredrik))
        };
        assert!(
            annas.iter().any(|&c| supported(c)),
            "anna shares a child with fredrik"
        );
    }
}

#[test]
fn budgets_and_users_are_complete() {
    let plan = plan(d(2026, 11, 22));
    assert_eq!(plan.budgets.len(), 4 * T::ALL.len());
    assert!(plan.budgets.iter().all(|b| b.2 > 0));
    assert_eq!(plan.users.len(), 7);
    let foster = plan
        .settings
        .iter()
        .filter(|s| s.capacity.is_some())
        .count();
    let supported = plan
        .settings
        .iter()
        .filter(|s| s.secretary_id == Some(plan.user_id("fredrik.foster")))
        .count();
    assert!(
        supported * 3 >= foster && supported * 3 <= foster * 2,
        "fredrik supports about half the homes"
    );
}

#[test]
fn fewer_children_enter_twenty_four_hour_care_every_year() {
    // Kramfors's shift: new 24-hour interventions fall year by year over
    // the whole years of the history, on every run date from 2026 to 2028
    // (open placements move with the run date, so each month is tried).
    for month in 0..36 {
        let today = first_open_day() + Duration::days(1 + 30 * month);
        let plan = plan(today);
        let linked = super::interventions::twenty_four_hour(
            &plan,
            uuid::Uuid::nil(),
            None,
            chrono::Utc::now(),
        );
        let counts: Vec<usize> = (2023..=2025)
            .map(|year| {
                linked
                    .interventions
                    .iter()
                    .filter(|i| i.start_date.format("%Y").to_string() == year.to_string())
                    .count()
            })
            .collect();
        assert!(
            counts.windows(2).all(|w| w[0] > w[1]),
            "{today}: new 24-hour interventions {counts:?}"
        );
    }
}

//! Issue 5: statistics. Placements are made at random through the API and
//! read back through it; every figure of `placementStatistics`,
//! `placementTrend`, `reasonShares`, `placementDurations` and
//! `budgetOutcome` must equal a plain day-by-day computation (`model`), on
//! SQLite and on PostgreSQL. Suppressed figures must not reveal a group of 1
//! or 2 children, alone or as a difference.
mod access;
mod budget_checks;
mod checks;
mod differencing;
mod disclosure;
pub mod model;
mod mutations;

use std::collections::BTreeSet;

use chrono::Datelike;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};
use budget_checks::*;
use checks::*;
use model::d;

#[tokio::test]
async fn figures_equal_a_day_by_day_computation() {
    for backend in backends() {
        let s = setup(backend, 5).await;
        let (app, maria, today) = (&s.app, &s.maria, s.today);
        for (from, to, dims) in cases(today) {
            let what = format!("{backend:?} {from}..{to} {dims:?}");
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": dims});
            let got = query(app, maria, STATS, vars, "placementStatistics").await;
            assert_eq!(
                got["disclosure"],
                json!("EXACT"),
                "{what}: her own unit is exact"
            );
            let (cells, total) = model::statistics(&s.placements, from, to, &dims, today);
            assert_figures(
                &got["total"],
                &total,
                share_year(&got["total"], from, to),
                &what,
            );
            let got_rows = rows(&got["rows"]);
            if dims.is_empty() {
                assert_eq!(got_rows, vec![got["total"].clone()], "{what}");
                continue;
            }
            let keys: BTreeSet<Vec<String>> = got_rows.iter().map(|r| key(r, &dims)).collect();
            assert_eq!(keys.len(), got_rows.len(), "{what}: duplicate rows");
            assert_eq!(keys, cells.keys().cloned().collect(), "{what}: groups");
            for row in &got_rows {
                let cell = &cells[&key(row, &dims)];
                assert_figures(row, cell, share_year(row, from, to), &what);
            }
        }

        // The trend: every year and type, zeros included.
        let got = query(
            app,
            maria,
            TREND,
            json!({"a": 2022, "b": 2027}),
            "placementTrend",
        )
        .await;
        let (cells, _) = model::statistics(
            &s.placements,
            d(2022, 1, 1),
            d(2027, 12, 31),
            &["YEAR", "PLACEMENT_TYPE"],
            today,
        );
        let points = rows(&got);
        assert_eq!(points.len(), 6 * TYPES.len());
        for p in &points {
            let k = vec![
                p["year"].to_string(),
                p["placementType"].as_str().expect("type").to_owned(),
            ];
            let cell = cells.get(&k).cloned().unwrap_or_default();
            assert_eq!(p["suppressed"], json!(false));
            assert_eq!(p["children"], json!(cell.children.len()), "{k:?}");
            assert_eq!(p["placementDays"], json!(cell.days), "{k:?}");
            assert_eq!(p["cost"], json!(cell.cost), "{k:?}");
        }

        check_reason_shares(&s, backend).await;
        check_durations(&s, backend).await;
        check_budgets(&s, backend).await;
    }
}
#[tokio::test]
async fn demo_trend_shifts_from_hvb_to_own_foster_homes_and_reasons_match() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        for user in ["maria.manager", "erik.finance"] {
            let token = app.login(user).await;
            let trend = query(
                &app,
                &token,
                TREND,
                json!({"a": 2023, "b": 2025}),
                "placementTrend",
            )
            .await;
            let days = |t: &str| -> Vec<i64> {
                rows(&trend)
                    .iter()
                    .filter(|p| p["placementType"] == json!(t))
                    .map(|p| {
                        p["placementDays"]
                            .as_i64()
                            .unwrap_or_else(|| panic!("{user} {t}: {p}"))
                    })
                    .collect()
            };
            let hvb = days("HVB");
            let own = days("OWN_FOSTER_HOME");
            assert!(
                hvb[0] > hvb[1] && hvb[1] > hvb[2],
                "{backend:?} {user}: HVB days {hvb:?}"
            );
            assert!(
                own[0] < own[1] && own[1] < own[2],
                "{backend:?} {user}: own days {own:?}"
            );
            // Whole months: the end of this month (erik is under disclosure control).
            let today = hearth::domain::today();
            let next = today
                .with_day(1)
                .and_then(|f| f.checked_add_months(chrono::Months::new(1)));
            let month_end = next.and_then(|n| n.pred_opt()).expect("month end");
            let vars = json!({"f": "2023-01-01", "t": month_end.to_string()});
            let shares = query(&app, &token, SHARES, vars, "reasonShares").await;
            let share = |code: &str| {
                rows(&shares["including"])
                    .iter()
                    .find(|r| r["reason"] == json!(code))
                    .and_then(|r| r["share"].as_f64())
                    .unwrap_or_else(|| panic!("{code}: {shares}"))
            };
            let (conflict, neglect) = (share("CONFLICT_OR_VIOLENCE"), share("NEGLECT"));
            assert!(
                (0.38..=0.46).contains(&conflict),
                "conflict or violence {conflict}"
            );
            assert!((0.23..=0.31).contains(&neglect), "neglect {neglect}");
        }
    }
}

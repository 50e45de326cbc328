//! Issue 5: statistics. Placements are made at random through the API and
//! read back through it; every figure of `placementStatistics`,
//! `placementTrend`, `reasonShares`, `placementDurations` and
//! `budgetOutcome` must equal a plain day-by-day computation (`model`), on
//! SQLite and on PostgreSQL. Suppressed figures must not reveal a group of 1
//! or 2 children, alone or as a difference.
mod access;
mod budget_checks;
mod checks;
mod model;
mod mutations;

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};
use budget_checks::*;
use checks::*;
use model::{Placement, d};

#[tokio::test]
async fn figures_equal_a_day_by_day_computation() {
    for backend in backends() {
        let s = setup(backend, 5).await;
        let (app, maria, today) = (&s.app, &s.maria, s.today);
        for (from, to, dims) in cases(today) {
            let what = format!("{backend:?} {from}..{to} {dims:?}");
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": dims});
            let got = query(app, maria, STATS, vars, "placementStatistics").await;
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
async fn suppressed_figures_reveal_no_group_of_one_or_two() {
    for backend in backends() {
        let s = setup(backend, 11).await;
        let (app, erik, today) = (&s.app, &s.erik, s.today);
        let mut withheld = 0;
        for (from, to, dims) in cases(today) {
            let what = format!("{backend:?} {from}..{to} {dims:?}");
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": dims});
            let got = query(app, erik, STATS, vars, "placementStatistics").await;
            let (cells, total) = model::statistics(&s.placements, from, to, &dims, today);
            let total_hidden = got["total"]["suppressed"] == json!(true);
            if !total_hidden {
                assert_figures(
                    &got["total"],
                    &total,
                    share_year(&got["total"], from, to),
                    &what,
                );
            }
            if dims.is_empty() {
                continue;
            }
            let mut published = Vec::new();
            for row in rows(&got["rows"]) {
                let k = key(&row, &dims);
                let cell = cells
                    .get(&k)
                    .unwrap_or_else(|| panic!("{what}: no group {k:?}"));
                let hidden = row["suppressed"] == json!(true);
                if hidden {
                    withheld += 1;
                    for f in [
                        "children",
                        "placements",
                        "placementDays",
                        "cost",
                        "populationShare",
                    ] {
                        assert!(row[f].is_null(), "{what}: withheld {f} {row}");
                    }
                } else {
                    assert_figures(&row, cell, share_year(&row, from, to), &what);
                }
                published.push(Published {
                    key: k,
                    children: cell.children.clone(),
                    suppressed: hidden,
                });
            }
            assert_eq!(
                published.len(),
                cells.len(),
                "{what}: every group has a row"
            );
            assert_safe(&published, &total.children, total_hidden, &what);
        }
        assert!(
            withheld > 10,
            "the data has small cells to withhold ({withheld})"
        );

        // The trend is a year x type table.
        let trend = query(
            app,
            erik,
            TREND,
            json!({"a": 2022, "b": 2027}),
            "placementTrend",
        )
        .await;
        let (cells, total) = model::statistics(
            &s.placements,
            d(2022, 1, 1),
            d(2027, 12, 31),
            &["YEAR", "PLACEMENT_TYPE"],
            today,
        );
        let trend_cells: Vec<Published> = rows(&trend)
            .iter()
            .filter_map(|p| {
                let k = vec![
                    p["year"].to_string(),
                    p["placementType"]
                        .as_str()
                        .unwrap_or_else(|| panic!("trend row without a type: {p}"))
                        .to_owned(),
                ];
                let hidden = p["suppressed"] == json!(true);
                let Some(cell) = cells.get(&k) else {
                    // No placement of the model in this year and type.
                    assert!(hidden || p["placementDays"] == json!(0), "{k:?}: {p}");
                    return None;
                };
                if !hidden {
                    assert_eq!(p["placementDays"], json!(cell.days), "{k:?}");
                }
                Some(Published {
                    key: k,
                    children: cell.children.clone(),
                    suppressed: hidden,
                })
            })
            .collect();
        assert_safe(&trend_cells, &total.children, false, "trend");

        // Reason shares: two lines, by reason included and by primary reason.
        let (from, to) = (d(2023, 1, 1), today);
        let vars = json!({"f": from.to_string(), "t": to.to_string()});
        let shares = query(app, erik, SHARES, vars, "reasonShares").await;
        let (present, by) = reason_model(&s, from, to);
        for (list, primary) in [("including", false), ("primary", true)] {
            let line: Vec<Published> = rows(&shares[list])
                .iter()
                .filter_map(|item| {
                    let code = item["reason"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{list}: share without a reason: {item}"))
                        .to_owned();
                    let hidden = item["suppressed"] == json!(true);
                    let Some(ps) = by.get(&(primary, code.clone())) else {
                        // No placement of the model has this reason.
                        assert!(hidden || item["placements"] == json!(0), "{list} {code}");
                        return None;
                    };
                    if !hidden {
                        assert_eq!(item["placements"], json!(ps.len()));
                    }
                    Some(Published {
                        key: vec![code],
                        children: as_set(ps),
                        suppressed: hidden,
                    })
                })
                .collect();
            assert_safe(&line, &as_set(&present), false, list);
        }

        // Durations: by type and by end reason.
        let vars = json!({"f": "2023-01-01", "t": "2026-12-31"});
        let durations = query(app, erik, DURATIONS, vars, "placementDurations").await;
        let all = ended(&s, d(2023, 1, 1), d(2026, 12, 31));
        for (list, name, pick) in [
            (
                "byType",
                "placementType",
                (|p: &Placement| p.ptype.clone()) as fn(&Placement) -> String,
            ),
            ("endReasons", "endReason", |p: &Placement| {
                p.end_reason.clone().unwrap_or_default()
            }),
        ] {
            let line: Vec<Published> = rows(&durations[list])
                .iter()
                .filter_map(|row| {
                    let k = row[name]
                        .as_str()
                        .unwrap_or_else(|| panic!("{list}: row without {name}: {row}"))
                        .to_owned();
                    let ps: Vec<&Placement> =
                        all.iter().copied().filter(|p| pick(p) == k).collect();
                    let hidden = row["suppressed"] == json!(true);
                    // A row the model has no placement in publishes nothing.
                    assert!(
                        !ps.is_empty() || hidden || row["placements"] == json!(0),
                        "{list} {k}: {row}"
                    );
                    (!ps.is_empty()).then(|| Published {
                        key: vec![k],
                        children: as_set(&ps),
                        suppressed: hidden,
                    })
                })
                .collect();
            assert_safe(&line, &as_set(&all), false, list);
        }
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
            let vars = json!({"f": "2023-01-01", "t": hearth::domain::today().to_string()});
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

//! Issue 11: what FINANCE (under disclosure control) is published. Every
//! count is a multiple of 3 within 2 of the truth and never 1 or 2; days and
//! costs are rounded within one base; the same cell has the same value in
//! every query that contains it; only whole months may be asked for.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use super::checks::*;
use super::model::{self, Cell, d};
use crate::harness::{backends, codes};

/// `[statistics] days_base` and `cost_base` of the development settings.
const DAYS_BASE: i64 = 30;
const COST_BASE: i64 = 10_000;

fn number(row: &Value, field: &str, what: &str) -> i64 {
    row[field]
        .as_i64()
        .unwrap_or_else(|| panic!("{what}: {field} is not a number: {row}"))
}

/// A count as published: a multiple of 3, never 1 or 2, within 2 of `truth`.
fn assert_count(published: i64, truth: usize, what: &str) {
    let truth = i64::try_from(truth).expect("count");
    assert_eq!(published % 3, 0, "{what}: {published}");
    assert!(!(1..=2).contains(&published), "{what}: {published}");
    assert!(
        (published - truth).abs() <= 2,
        "{what}: {published} for {truth}"
    );
}

/// A row as published from the plain computation's cell.
/// Rows broken down by what FINANCE cannot see (`amounts` false) have no
/// days and no cost: FINANCE knows them per placement, so they would point
/// at the placements in the row.
fn assert_perturbed(row: &Value, cell: &Cell, amounts: bool, what: &str) {
    assert_eq!(row["suppressed"], json!(false), "{what}");
    let children = number(row, "children", what);
    assert_count(children, cell.children.len(), &format!("{what} children"));
    assert_count(
        number(row, "placements", what),
        cell.placements.len(),
        &format!("{what} placements"),
    );
    if !amounts {
        assert!(
            row["placementDays"].is_null() && row["cost"].is_null(),
            "{what}: {row}"
        );
        return;
    }
    let (days, cost) = (
        number(row, "placementDays", what),
        number(row, "cost", what),
    );
    if children == 0 {
        assert_eq!((days, cost), (0, 0), "{what}: no one, no days");
        return;
    }
    assert_eq!(days % DAYS_BASE, 0, "{what}: days {days}");
    assert!(
        (days - cell.days).abs() < DAYS_BASE,
        "{what}: {days} for {}",
        cell.days
    );
    assert_eq!(cost % COST_BASE, 0, "{what}: cost {cost}");
    assert!(
        (cost - cell.cost).abs() < COST_BASE,
        "{what}: {cost} for {}",
        cell.cost
    );
}

fn by_key(rows: &[Value], dims: &[&str]) -> BTreeMap<Vec<String>, Value> {
    rows.iter().map(|r| (key(r, dims), r.clone())).collect()
}

#[tokio::test]
async fn perturbed_figures_are_close_never_one_or_two_and_the_same_in_every_query() {
    for backend in backends() {
        let s = setup(backend, 11).await;
        let (app, erik, today) = (&s.app, &s.erik, s.today);
        let cases: Vec<(_, _, Vec<&str>)> = vec![
            (d(2023, 1, 1), d(2025, 12, 31), vec![]),
            (d(2023, 1, 1), d(2025, 12, 31), vec!["PLACEMENT_TYPE"]),
            (d(2024, 1, 1), d(2024, 3, 31), vec!["REASON", "SEX"]),
            (
                d(2024, 1, 1),
                d(2024, 12, 31),
                vec!["REASON_CATEGORY", "AGE_GROUP", "LEGAL_BASIS"],
            ),
            (
                d(2022, 1, 1),
                d(2027, 12, 31),
                vec!["YEAR", "PLACEMENT_TYPE"],
            ),
            (
                d(2025, 6, 1),
                d(2027, 3, 31),
                vec!["YEAR", "AGE_GROUP", "REASON"],
            ),
            (d(2024, 2, 1), d(2024, 2, 29), vec!["SEX", "AGE_GROUP"]),
        ];
        let mut rows_seen = 0;
        for (from, to, dims) in cases {
            let what = format!("{backend:?} {from}..{to} {dims:?}");
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": dims});
            let got = query(app, erik, STATS, vars.clone(), "placementStatistics").await;
            assert_eq!(got["disclosure"], json!("PERTURBED"), "{what}");
            let (cells, total) = model::statistics(&s.placements, from, to, &dims, today);
            assert_perturbed(&got["total"], &total, true, &format!("{what} total"));
            let amounts = dims.iter().all(|d| ["PLACEMENT_TYPE", "YEAR"].contains(d));
            if dims.is_empty() {
                assert_eq!(rows(&got["rows"]), vec![got["total"].clone()], "{what}");
                continue;
            }
            let all_rows = rows(&got["rows"]);
            let (withheld, shown): (Vec<Value>, Vec<Value>) = all_rows
                .into_iter()
                .partition(|r| r["suppressed"] == json!(true));
            for w in &withheld {
                assert!(
                    w["children"].is_null() && w["placements"].is_null(),
                    "{what}: {w}"
                );
            }
            // A model cell whose type-and-year slice is withheld has no row.
            let slice_withheld = |k: &Vec<String>| {
                withheld.iter().any(|w| {
                    dims.iter().zip(k).all(|(dim, v)| match *dim {
                        "PLACEMENT_TYPE" => w["placementType"] == json!(v),
                        "YEAR" => w["year"].as_i64().map(|y| y.to_string()).as_ref() == Some(v),
                        _ => true,
                    })
                })
            };
            let published = by_key(&shown, &dims);
            for (k, row) in &published {
                let cell = cells
                    .get(k)
                    .unwrap_or_else(|| panic!("{what}: a row for {k:?}, which has no one"));
                assert_perturbed(row, cell, amounts, &format!("{what} {k:?}"));
                assert_ne!(row["children"], json!(0), "{what}: a row of no one");
                rows_seen += 1;
            }
            for (k, cell) in &cells {
                // 3 or more can only be published as 3 or more.
                assert!(
                    published.contains_key(k) || cell.children.len() <= 2 || slice_withheld(k),
                    "{what}: {k:?} of {} children has no row",
                    cell.children.len()
                );
            }
            // Asking again, or with the dimensions in another order, gives
            // the same figures: nothing to average away.
            let again = query(app, erik, STATS, vars, "placementStatistics").await;
            assert_eq!(again, got, "{what}: asked again");
            let reversed: Vec<&str> = dims.iter().rev().copied().collect();
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": reversed});
            let other = query(app, erik, STATS, vars, "placementStatistics").await;
            assert_eq!(other["total"], got["total"], "{what}: reordered total");
            let other_rows: Vec<Value> = rows(&other["rows"])
                .into_iter()
                .filter(|r| r["suppressed"] == json!(false))
                .collect();
            assert_eq!(by_key(&other_rows, &dims), published, "{what}: reordered");
        }
        assert!(rows_seen > 50, "{rows_seen} rows checked");

        // The same cell in other queries: the total of any grouping, the
        // trend's year and type, and reasonShares' reasons.
        let year = |g: Vec<&str>| json!({"f": "2024-01-01", "t": "2024-12-31", "g": g});
        let plain = query(app, erik, STATS, year(vec![]), "placementStatistics").await;
        let by_type = query(
            app,
            erik,
            STATS,
            year(vec!["PLACEMENT_TYPE"]),
            "placementStatistics",
        )
        .await;
        let by_reason = query(
            app,
            erik,
            STATS,
            year(vec!["REASON"]),
            "placementStatistics",
        )
        .await;
        assert_eq!(plain["total"], by_type["total"]);
        assert_eq!(plain["total"], by_reason["total"]);
        let trend = query(
            app,
            erik,
            TREND,
            json!({"a": 2024, "b": 2024}),
            "placementTrend",
        )
        .await;
        let types = by_key(&rows(&by_type["rows"]), &["PLACEMENT_TYPE"]);
        for point in rows(&trend) {
            assert_eq!(point["disclosure"], json!("PERTURBED"));
            let t = point["placementType"].as_str().expect("type").to_owned();
            let row = types.get(&vec![t.clone()]);
            for f in ["children", "placementDays", "cost"] {
                let expected = row.map_or(json!(0), |r| r[f].clone());
                assert_eq!(point[f], expected, "trend {t} {f}");
            }
        }
        let vars = json!({"f": "2024-01-01", "t": "2024-12-31"});
        let shares = query(app, erik, SHARES, vars, "reasonShares").await;
        assert_eq!(shares["disclosure"], json!("PERTURBED"));
        assert_eq!(shares["placements"], plain["total"]["placements"]);
        assert_eq!(shares["children"], plain["total"]["children"]);
        let reasons = by_key(&rows(&by_reason["rows"]), &["REASON"]);
        for item in rows(&shares["including"]) {
            let r = item["reason"].as_str().expect("reason").to_owned();
            let row = reasons.get(&vec![r.clone()]);
            for f in ["children", "placements"] {
                let expected = row.map_or(json!(0), |r| r[f].clone());
                assert_eq!(item[f], expected, "reasonShares {r} {f}");
            }
        }
        let durations = query(
            app,
            erik,
            DURATIONS,
            json!({"f": "2023-01-01", "t": "2026-12-31"}),
            "placementDurations",
        )
        .await;
        assert_eq!(durations["disclosure"], json!("PERTURBED"));
        let all = ended(&s, d(2023, 1, 1), d(2026, 12, 31));
        assert_count(
            number(&durations, "placements", "durations"),
            all.len(),
            "durations",
        );
        for row in rows(&durations["endReasons"]) {
            assert!(
                row["medianDays"].is_null(),
                "no median per end reason: {row}"
            );
        }
    }
}

#[tokio::test]
async fn only_whole_months_are_published_under_disclosure_control() {
    for backend in backends() {
        let s = setup(backend, 3).await;
        for (f, t, field) in [
            ("2024-02-29", "2024-03-31", "from"),
            ("2024-03-01", "2024-03-30", "to"),
            ("2024-01-02", "2024-01-02", "from"),
        ] {
            for q in [STATS, SHARES, DURATIONS] {
                let body = s
                    .app
                    .gql(Some(&s.erik), q, json!({"f": f, "t": t, "g": ["SEX"]}))
                    .await;
                assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{f}..{t}: {body}");
                assert_eq!(
                    body["errors"][0]["extensions"]["field"],
                    json!(field),
                    "{body}"
                );
            }
            // A unit manager sees her own unit exactly, any day.
            let body = s
                .app
                .gql(Some(&s.maria), STATS, json!({"f": f, "t": t, "g": ["SEX"]}))
                .await;
            assert!(body["errors"].is_null(), "{body}");
            assert_eq!(
                body["data"]["placementStatistics"]["disclosure"],
                json!("EXACT")
            );
        }
    }
}

/// Hostile-reader holes found in review: moving a date that changes no
/// placement gives the same figures (nothing to average); a breakdown by
/// year has the same total as without; a type with few placements shows no
/// breakdown by what FINANCE cannot see.
#[tokio::test]
async fn no_averaging_no_double_keys_and_no_breakdown_of_small_slices() {
    for backend in backends() {
        let s = setup(backend, 5).await;
        let (app, erik, today) = (&s.app, &s.erik, s.today);
        let ask = |f: NaiveDate, t: NaiveDate, g: Vec<&str>| {
            let vars = json!({"f": f.to_string(), "t": t.to_string(), "g": g});
            query(app, erik, STATS, vars, "placementStatistics")
        };
        // Earlier starts that count no more placements: the same answer.
        let first_start = s
            .placements
            .iter()
            .map(|p| p.start)
            .min()
            .expect("placements");
        let before = d(first_start.year() - 1, 1, 1);
        let (a, b) = (d(1990, 1, 1), before);
        let (ca, _) = model::statistics(&s.placements, a, d(2024, 12, 31), &["LEGAL_BASIS"], today);
        let (cb, _) = model::statistics(&s.placements, b, d(2024, 12, 31), &["LEGAL_BASIS"], today);
        assert_eq!(ca.len(), cb.len(), "the same placements");
        let one = ask(a, d(2024, 12, 31), vec!["LEGAL_BASIS", "SEX"]).await;
        let two = ask(b, d(2024, 12, 31), vec!["LEGAL_BASIS", "SEX"]).await;
        assert_eq!(one["rows"], two["rows"], "moving from over no placement");
        assert_eq!(one["total"], two["total"]);
        // The same set of placements under other labels: a reason and the
        // reason with its (implied) category are one cell.
        let year = (d(2024, 1, 1), d(2024, 12, 31));
        let by_reason = ask(year.0, year.1, vec!["REASON"]).await;
        let with_category = ask(year.0, year.1, vec!["REASON", "REASON_CATEGORY"]).await;
        let reasons = by_key(&rows(&by_reason["rows"]), &["REASON"]);
        let both = rows(&with_category["rows"]);
        assert!(!both.is_empty());
        for row in both {
            let alone = &reasons[&key(&row, &["REASON"])];
            assert_eq!(row["children"], alone["children"], "{row} against {alone}");
            assert_eq!(row["placements"], alone["placements"]);
        }
        // The total with and without YEAR.
        let span = (d(2023, 1, 1), d(2024, 12, 31));
        let plain = ask(span.0, span.1, vec![]).await;
        let by_year = ask(span.0, span.1, vec!["YEAR"]).await;
        assert_eq!(plain["total"], by_year["total"], "one total, one key");

        // Slices by type: fewer than 10 placements, no breakdown.
        let (mut small, mut large) = (0, 0);
        for (f, t) in [
            (d(2024, 3, 1), d(2024, 3, 31)),
            (d(2024, 1, 1), d(2024, 12, 31)),
        ] {
            let (cells, _) = model::statistics(&s.placements, f, t, &["PLACEMENT_TYPE"], today);
            let got = ask(f, t, vec!["PLACEMENT_TYPE", "LEGAL_BASIS"]).await;
            let rows = rows(&got["rows"]);
            for (k, cell) in &cells {
                let of_type: Vec<&Value> = rows
                    .iter()
                    .filter(|r| r["placementType"] == json!(k[0]))
                    .collect();
                if cell.placements.len() < 10 {
                    small += 1;
                    assert_eq!(of_type.len(), 1, "{f} {k:?}: {of_type:?}");
                    assert_eq!(of_type[0]["suppressed"], json!(true));
                    assert!(of_type[0]["legalBasis"].is_null() && of_type[0]["children"].is_null());
                } else {
                    large += 1;
                    assert!(
                        of_type.iter().all(|r| r["suppressed"] == json!(false)),
                        "{k:?}"
                    );
                }
            }
        }
        assert!(small > 0 && large > 0, "small {small}, large {large}");
    }
}

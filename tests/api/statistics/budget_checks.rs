//! Budget outcome against the plain computation, for both views.
use super::*;
use crate::harness::Backend;
use chrono::Datelike;

pub(super) async fn check_budgets(s: &Setup, backend: Backend) {
    let years = [2024, s.today.year(), s.today.year() + 1];
    // FINANCE sets the municipality's budgets, the unit manager her unit's:
    // each sees their own in budgetOutcome.
    let amount = |unit: bool, year: i32, i: usize| {
        1_000_000 * (i as i64 + 1) + i64::from(year) + if unit { 500 } else { 0 }
    };
    for year in years {
        for (i, t) in TYPES
            .iter()
            .enumerate()
            .flat_map(|(i, t)| [(i, (t, false)), (i, (t, true))])
        {
            let (t, unit) = t;
            let who = if unit { &s.maria } else { &s.erik };
            let amount = |year: i32, i: usize| amount(unit, year, i);
            let body = s
                .app
                .gql(
                    Some(who),
                    "mutation($y:Int!,$t:PlacementType!,$a:Int!){ setBudget(year:$y, type:$t, amount:$a){ year placementType amount } }",
                    json!({"y": year, "t": t, "a": amount(year, i)}),
                )
                .await;
            assert_eq!(
                body["data"]["setBudget"]["amount"],
                json!(amount(year, i)),
                "{body}"
            );
        }
    }
    for year in years {
        let expected = model::budget(&s.placements, year, s.today);
        for (token, whole) in [(&s.maria, false), (&s.erik, true)] {
            let amount = |year: i32, i: usize| amount(!whole, year, i);
            let got = query(&s.app, token, BUDGET, json!({"y": year}), "budgetOutcome").await;
            assert_eq!(got["wholeMunicipality"], json!(whole));
            assert_eq!(got["asOf"], json!(d(year, 12, 31).min(s.today).to_string()));
            let (mut actual, mut committed, mut budget) = (0, 0, 0);
            for (i, row) in rows(&got["rows"]).iter().enumerate() {
                let t = TYPES[i];
                assert_eq!(row["placementType"], json!(t));
                let (a, c, _) = expected.get(t).cloned().unwrap_or_default();
                let b = amount(year, i);
                let what = format!("{backend:?} {year} {t}");
                assert_eq!(row["budget"], json!(b), "{what}");
                assert_eq!(row["actualCost"], json!(a), "{what}");
                assert_eq!(row["committedCost"], json!(c), "{what}");
                assert_eq!(row["forecast"], json!(a + c), "{what}");
                assert_eq!(row["deviation"], json!(b - (a + c)), "{what}");
                close(
                    &row["deviationPercent"],
                    Some((b - a - c) as f64 * 100.0 / b as f64),
                    &what,
                );
                assert_eq!(row["suppressed"], json!(false));
                (actual, committed, budget) = (actual + a, committed + c, budget + b);
            }
            let total = &got["total"];
            assert_eq!(total["actualCost"], json!(actual));
            assert_eq!(total["committedCost"], json!(committed));
            assert_eq!(total["budget"], json!(budget));
            assert_eq!(total["deviation"], json!(budget - actual - committed));
        }
    }
}

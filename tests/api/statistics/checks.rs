//! The checks of the statistics tests: queries, the shared setup, and the
//! comparisons of each query with the plain computation of `model`.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::model::{self, Cell, Placement, d};
use crate::harness::{Backend, TestApp};

pub(super) const STATS: &str = "query($f: Date!, $t: Date!, $g: [StatisticsDimension!]) {
  placementStatistics(from: $f, to: $t, groupBy: $g) { disclosure rows { ...R } total { ...R } } }
  fragment R on StatisticsRow { placementType legalBasis reason reasonCategory sex ageGroup year
  children placements placementDays cost populationShare suppressed }";

pub(super) const TREND: &str =
    "query($a: Int!, $b: Int!) { placementTrend(fromYear: $a, toYear: $b) {
  year placementType children placementDays cost suppressed disclosure } }";

pub(super) const SHARES: &str =
    "query($f: Date!, $t: Date!) { reasonShares(from: $f, to: $t) {
  placements children suppressed disclosure including { reason category placements children share suppressed }
  primary { reason category placements children share suppressed } } }";

pub(super) const DURATIONS: &str =
    "query($f: Date!, $t: Date!) { placementDurations(from: $f, to: $t) {
  placements children medianDays p90Days suppressed disclosure
  byType { placementType placements children medianDays p90Days suppressed }
  endReasons { endReason placements children share medianDays suppressed } } }";

pub(super) const BUDGET: &str = "query($y: Int!) { budgetOutcome(year: $y) { year asOf wholeMunicipality
  rows { placementType budget actualCost committedCost forecast deviation deviationPercent suppressed }
  total { placementType budget actualCost committedCost forecast deviation deviationPercent suppressed } } }";

pub(super) const TYPES: [&str; 7] = [
    "OWN_FOSTER_HOME",
    "AGENCY_FOSTER_HOME",
    "KINSHIP_HOME",
    "EMERGENCY_HOME",
    "HVB",
    "SIS",
    "SUPPORTED_HOUSING",
];

/// The child population the tests set for a year.
pub(super) fn population(year: i32) -> i64 {
    2000 + 7 * i64::from(year - 2000)
}

pub(super) const POPULATION_YEARS: std::ops::RangeInclusive<i32> = 2022..=2027;

pub(super) struct Setup {
    pub(super) app: TestApp,
    pub(super) maria: String,
    pub(super) erik: String,
    pub(super) placements: Vec<Placement>,
    pub(super) today: NaiveDate,
}

/// The demo municipality plus random placements in maria's unit (where all
/// demo children are too, so maria's UNIT and erik's ALL cover the same
/// placements), and the child population of the years the tests use.
pub(super) async fn setup(backend: Backend, seed: u64) -> Setup {
    let app = TestApp::demo(backend).await;
    let maria = app.login("maria.manager").await;
    let erik = app.login("erik.finance").await;
    let made = model::generate(&app, &maria, seed, 36).await;
    assert!(made >= 36, "{made} placements made");
    for year in POPULATION_YEARS {
        let body = app
            .gql(
                Some(&erik),
                "mutation($y:Int!,$c:Int!){ setChildPopulation(year:$y, count:$c) }",
                json!({"y": year, "c": population(year)}),
            )
            .await;
        assert_eq!(body["data"]["setChildPopulation"], json!(true), "{body}");
    }
    let placements = model::fetch(&app, &maria).await;
    assert!(placements.len() > made, "demo and generated placements");
    Setup {
        app,
        maria,
        erik,
        placements,
        today: hearth::domain::today(),
    }
}

pub(super) fn cases(today: NaiveDate) -> Vec<(NaiveDate, NaiveDate, Vec<&'static str>)> {
    vec![
        (d(2023, 1, 1), d(2025, 12, 31), vec![]),
        (d(2023, 1, 1), d(2025, 12, 31), vec!["PLACEMENT_TYPE"]),
        (d(2024, 2, 29), d(2024, 3, 1), vec!["REASON", "SEX"]),
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
            d(2025, 6, 15),
            d(2027, 3, 1),
            vec!["YEAR", "AGE_GROUP", "REASON"],
        ),
        (d(2024, 2, 1), d(2024, 2, 29), vec!["SEX", "AGE_GROUP"]),
        (
            today - Duration::days(30),
            today + Duration::days(30),
            vec!["PLACEMENT_TYPE", "REASON_CATEGORY"],
        ),
    ]
}

pub(super) fn field(dim: &str) -> &'static str {
    match dim {
        "PLACEMENT_TYPE" => "placementType",
        "LEGAL_BASIS" => "legalBasis",
        "REASON" => "reason",
        "REASON_CATEGORY" => "reasonCategory",
        "SEX" => "sex",
        "AGE_GROUP" => "ageGroup",
        "YEAR" => "year",
        other => panic!("unknown dimension {other}"),
    }
}

pub(super) fn key(row: &Value, dims: &[&str]) -> Vec<String> {
    dims.iter()
        .map(|dim| match &row[field(dim)] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => panic!("{dim} of {row}: {other}"),
        })
        .collect()
}

pub(super) async fn query(app: &TestApp, token: &str, q: &str, vars: Value, name: &str) -> Value {
    let body = app.gql(Some(token), q, vars).await;
    assert!(body["errors"].is_null(), "{name}: {body}");
    body["data"][name].clone()
}

pub(super) fn close(a: &Value, b: Option<f64>, what: &str) {
    match (a.as_f64(), b) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: {x} vs {y}"),
        (None, None) => {}
        (x, y) => panic!("{what}: {x:?} vs {y:?}"),
    }
}

/// A published row equals the plain computation.
pub(super) fn assert_figures(row: &Value, cell: &Cell, share_year: Option<i32>, what: &str) {
    assert_eq!(row["suppressed"], json!(false), "{what}: {row}");
    assert_eq!(
        row["children"],
        json!(cell.children.len()),
        "{what}: children {row}"
    );
    assert_eq!(
        row["placements"],
        json!(cell.placements.len()),
        "{what}: placements {row}"
    );
    assert_eq!(row["placementDays"], json!(cell.days), "{what}: days {row}");
    assert_eq!(row["cost"], json!(cell.cost), "{what}: cost {row}");
    let share = share_year
        .filter(|y| POPULATION_YEARS.contains(y))
        .map(|y| cell.children.len() as f64 / population(y) as f64);
    close(
        &row["populationShare"],
        share,
        &format!("{what}: population share"),
    );
}

pub(super) fn share_year(row: &Value, from: NaiveDate, to: NaiveDate) -> Option<i32> {
    row["year"]
        .as_i64()
        .map(|y| i32::try_from(y).expect("year"))
        .or((from.year() == to.year()).then_some(from.year()))
}

/// The items of a list in a response; anything else fails the test (an
/// empty fallback would let the checks over the items silently not run).
pub(super) fn rows(v: &Value) -> Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .clone()
}

/// Placements by (primary?, reason code).
pub(super) type ByReason<'a> = BTreeMap<(bool, String), Vec<&'a Placement>>;

/// Placements with a day in the period, by reason included and by primary reason.
pub(super) fn reason_model(
    s: &Setup,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<&Placement>, ByReason<'_>) {
    let present: Vec<&Placement> = s
        .placements
        .iter()
        .filter(|p| model::days(from, to).any(|x| model::active(p, x, s.today)))
        .collect();
    let mut by = ByReason::new();
    for p in &present {
        for (code, _, primary) in &p.reasons {
            by.entry((false, code.clone())).or_default().push(p);
            if *primary {
                by.entry((true, code.clone())).or_default().push(p);
            }
        }
    }
    (present, by)
}

pub(super) fn children_of(ps: &[&Placement]) -> BTreeSet<String> {
    ps.iter().map(|p| p.child.clone()).collect()
}

pub(super) async fn check_reason_shares(s: &Setup, backend: Backend) {
    let (from, to) = (d(2023, 1, 1), s.today);
    let vars = json!({"f": from.to_string(), "t": to.to_string()});
    let got = query(&s.app, &s.maria, SHARES, vars, "reasonShares").await;
    let (present, by) = reason_model(s, from, to);
    assert_eq!(got["placements"], json!(present.len()), "{backend:?}");
    assert_eq!(got["children"], json!(children_of(&present).len()));
    for (list, primary) in [("including", false), ("primary", true)] {
        let items = rows(&got[list]);
        assert_eq!(items.len(), 8, "every reason is listed");
        for item in items {
            let code = item["reason"].as_str().expect("reason").to_owned();
            let ps = by
                .get(&(primary, code.clone()))
                .cloned()
                .unwrap_or_default();
            assert_eq!(item["placements"], json!(ps.len()), "{list} {code}");
            assert_eq!(
                item["children"],
                json!(children_of(&ps).len()),
                "{list} {code}"
            );
            close(
                &item["share"],
                Some(ps.len() as f64 / present.len() as f64),
                &code,
            );
        }
    }
}

/// Placements ended in the period.
pub(super) fn ended(s: &Setup, from: NaiveDate, to: NaiveDate) -> Vec<&Placement> {
    s.placements
        .iter()
        .filter(|p| p.end.is_some_and(|e| from <= e && e <= to))
        .collect()
}

pub(super) fn duration(p: &Placement) -> i64 {
    (p.end.expect("ended") - p.start).num_days() + 1
}

pub(super) async fn check_durations(s: &Setup, backend: Backend) {
    let (from, to) = (d(2023, 1, 1), d(2026, 12, 31));
    let vars = json!({"f": from.to_string(), "t": to.to_string()});
    let got = query(&s.app, &s.maria, DURATIONS, vars, "placementDurations").await;
    let all = ended(s, from, to);
    let durations = |ps: &[&Placement]| ps.iter().map(|p| duration(p)).collect::<Vec<_>>();
    assert_eq!(got["placements"], json!(all.len()), "{backend:?}");
    assert_eq!(got["children"], json!(children_of(&all).len()));
    close(
        &got["medianDays"],
        model::quantile(&durations(&all), 0.5),
        "median",
    );
    close(
        &got["p90Days"],
        model::quantile(&durations(&all), 0.9),
        "p90",
    );
    let types: BTreeSet<&str> = all.iter().map(|p| p.ptype.as_str()).collect();
    let by_type = rows(&got["byType"]);
    assert_eq!(by_type.len(), types.len());
    for row in by_type {
        let t = row["placementType"].as_str().expect("type");
        let ps: Vec<&Placement> = all.iter().copied().filter(|p| p.ptype == t).collect();
        assert_eq!(row["placements"], json!(ps.len()), "{t}");
        assert_eq!(row["children"], json!(children_of(&ps).len()), "{t}");
        close(&row["medianDays"], model::quantile(&durations(&ps), 0.5), t);
        close(&row["p90Days"], model::quantile(&durations(&ps), 0.9), t);
    }
    let ends = rows(&got["endReasons"]);
    assert_eq!(ends.len(), 5, "every end reason is listed");
    for row in ends {
        let r = row["endReason"].as_str().expect("end reason");
        let ps: Vec<&Placement> = all
            .iter()
            .copied()
            .filter(|p| p.end_reason.as_deref() == Some(r))
            .collect();
        assert_eq!(row["placements"], json!(ps.len()), "{r}");
        assert_eq!(row["children"], json!(children_of(&ps).len()), "{r}");
        close(&row["share"], Some(ps.len() as f64 / all.len() as f64), r);
        close(&row["medianDays"], model::quantile(&durations(&ps), 0.5), r);
    }
}

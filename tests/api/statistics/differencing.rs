//! Issue 11: the finance officer's differencing attack. FINANCE can list
//! every placement with its dates, so it knows which placement two allowed
//! periods differ by. For every placement of the demo that is the only
//! difference between two allowed periods (whole months, one month longer
//! at either end), it asks both periods by every dimension it cannot see
//! (legal basis, reason, sex, age group), alone and crossed with the type it
//! can see (comparing within the placement's type), and `reasonShares`, and
//! tries to
//! infer that placement's value from the published rows, knowing the
//! perturbation table. No value may follow with certainty, and no published
//! count may be 1 or 2. On exact figures (0.1) this attack succeeds.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use serde_json::{Value, json};

use super::checks::{SHARES, STATS, query, rows};
use super::model::{self, Placement, d};
use crate::harness::{TestApp, backends};
use hearth::domain::statistics::perturbation::possible_counts;

const DIMS: [(&str, &str); 4] = [
    ("LEGAL_BASIS", "legalBasis"),
    ("SEX", "sex"),
    ("AGE_GROUP", "ageGroup"),
    ("REASON", "reason"),
];

/// Whether `p` has a counted day in `[from, to]` (open placements up to today).
fn counted(p: &Placement, from: NaiveDate, to: NaiveDate, today: NaiveDate) -> bool {
    let last = p.end.map_or(to.min(today), |e| e.min(to));
    p.start.max(from) <= last
}

fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .expect("month end")
}

/// What the attacker can conclude about one column of one dimension from
/// two answers whose true counts differ by the placement alone: per value,
/// whether "gained the placement" and "unchanged" are each possible.
/// Returns the values the attacker can be certain the placement has or
/// lacks.
fn certain(
    domain: &[String],
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
) -> Vec<String> {
    // Every value the attribute can take: one in no row is published as 0.
    let values: BTreeSet<&String> = domain
        .iter()
        .chain(before.keys())
        .chain(after.keys())
        .collect();
    let possible = |a: i64, b: i64, gained: i64| {
        possible_counts(a).any(|t| possible_counts(b).contains(&(t + gained)))
    };
    let mut found = Vec::new();
    let readings: Vec<(&String, bool, bool)> = values
        .iter()
        .map(|v| {
            let (a, b) = (
                before.get(*v).copied().unwrap_or(0),
                after.get(*v).copied().unwrap_or(0),
            );
            (*v, possible(a, b, 1), possible(a, b, 0))
        })
        .collect();
    // Some reading must be consistent with everything, else the attacker
    // only learns that other placements changed too (age groups move).
    let consistent = readings.iter().all(|r| r.1 || r.2) && readings.iter().any(|r| r.1);
    if !consistent {
        return found;
    }
    for (v, gained, unchanged) in &readings {
        if !unchanged {
            found.push(format!("has {v}"));
        }
        if !gained {
            found.push(format!("lacks {v}"));
        }
    }
    // A single-valued attribute: certain if exactly one value can have gained.
    let could_gain: Vec<_> = readings.iter().filter(|r| r.1).collect();
    if could_gain.len() == 1 {
        found.push(format!("is {}", could_gain[0].0));
    }
    found
}

/// The values a dimension can take (the attacker knows the schema).
fn domain(dim: &str) -> Vec<String> {
    use hearth::domain::enums::{LegalBasis, ReasonCode, Sex};
    use hearth::domain::statistics::AGE_GROUPS;
    match dim {
        "LEGAL_BASIS" => LegalBasis::ALL
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect(),
        "SEX" => Sex::ALL.iter().map(|v| v.as_str().to_owned()).collect(),
        "AGE_GROUP" => AGE_GROUPS.iter().map(|v| (*v).to_owned()).collect(),
        "REASON" => ReasonCode::ALL
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect(),
        other => panic!("no domain for {other}"),
    }
}

fn column(list: &[Value], field: &str, count: &str) -> BTreeMap<String, i64> {
    list.iter()
        .map(|r| {
            // FINANCE knows every placement's days and cost; a row by a
            // hidden dimension must not carry them.
            for amount in ["placementDays", "cost"] {
                assert!(r.get(amount).is_none_or(Value::is_null), "{amount} in {r}");
            }
            let n = r[count].as_i64().unwrap_or_else(|| panic!("{count}: {r}"));
            assert!(!(1..=2).contains(&n), "a published count of {n}: {r}");
            (
                r[field]
                    .as_str()
                    .unwrap_or_else(|| panic!("{field}: {r}"))
                    .to_owned(),
                n,
            )
        })
        .collect()
}

struct Attacker<'a> {
    app: &'a TestApp,
    erik: String,
    answers: HashMap<(NaiveDate, NaiveDate, Vec<&'static str>), Value>,
}

impl Attacker<'_> {
    /// `placementStatistics` grouped by `dims`, or `reasonShares` for
    /// `["SHARES"]`.
    async fn ask(&mut self, from: NaiveDate, to: NaiveDate, dims: Vec<&'static str>) -> Value {
        let key = (from, to, dims.clone());
        if let Some(v) = self.answers.get(&key) {
            return v.clone();
        }
        let v = if dims == ["SHARES"] {
            let vars = json!({"f": from.to_string(), "t": to.to_string()});
            query(self.app, &self.erik, SHARES, vars, "reasonShares").await
        } else {
            let vars = json!({"f": from.to_string(), "t": to.to_string(), "g": dims});
            query(self.app, &self.erik, STATS, vars, "placementStatistics").await
        };
        self.answers.insert(key, v.clone());
        v
    }
}

/// The rows of the placement's own type, when grouped by type too: the
/// attacker knows the type, and compares within it. A withheld breakdown
/// (a small slice) gives nothing to compare.
fn of_type(answer: &Value, by_type: bool, ptype: &str) -> Option<Vec<Value>> {
    let all = rows(&answer["rows"]);
    if !by_type {
        return Some(all);
    }
    let mine: Vec<Value> = all
        .into_iter()
        .filter(|r| r["placementType"] == json!(ptype))
        .collect();
    if mine.iter().any(|r| r["suppressed"] == json!(true)) {
        return None;
    }
    Some(mine)
}

#[tokio::test]
async fn finance_cannot_difference_a_placement_out_of_two_periods() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let placements = model::fetch(&app, &maria).await;
        let today = hearth::domain::today();
        let mut months = Vec::new();
        let mut m = d(2023, 1, 1);
        while m <= today {
            months.push(m);
            m = m.checked_add_months(Months::new(1)).expect("month");
        }
        let active = |from: NaiveDate, to: NaiveDate| -> BTreeSet<usize> {
            (0..placements.len())
                .filter(|&i| counted(&placements[i], from, to, today))
                .collect()
        };
        // Pairs of allowed periods that differ by exactly one placement.
        let mut pairs = Vec::new();
        for (a, first) in months.iter().enumerate() {
            for last in &months[a..] {
                let inner = (*first, month_end(*last));
                let set = active(inner.0, inner.1);
                let longer = [
                    (first.checked_sub_months(Months::new(1)), Some(inner.1)),
                    (
                        Some(*first),
                        last.checked_add_months(Months::new(1)).map(month_end),
                    ),
                ];
                for (f, t) in longer {
                    let (Some(f), Some(t)) = (f, t) else { continue };
                    if f.year() < 2023 || t > month_end(*months.last().expect("months")) {
                        continue;
                    }
                    let wider = active(f, t);
                    let added: Vec<usize> = wider.difference(&set).copied().collect();
                    if added.len() == 1 {
                        pairs.push((inner, (f, t), added[0]));
                    }
                }
            }
        }
        assert!(
            pairs.len() >= 5,
            "{backend:?}: the demo has placements that alone tell two periods apart ({})",
            pairs.len()
        );
        let mut attacker = Attacker {
            app: &app,
            erik: app.login("erik.finance").await,
            answers: HashMap::new(),
        };
        let (mut tried, mut withheld) = (0, 0);
        for (inner, wider, x) in &pairs {
            let x = &placements[*x];
            for ((dim, field), by_type) in DIMS.iter().flat_map(|d| [(*d, false), (*d, true)]) {
                let dims = if by_type {
                    vec!["PLACEMENT_TYPE", dim]
                } else {
                    vec![dim]
                };
                let before = attacker.ask(inner.0, inner.1, dims.clone()).await;
                let after = attacker.ask(wider.0, wider.1, dims).await;
                let (Some(before), Some(after)) = (
                    of_type(&before, by_type, &x.ptype),
                    of_type(&after, by_type, &x.ptype),
                ) else {
                    withheld += 1;
                    continue;
                };
                for count in ["placements", "children"] {
                    let found = certain(
                        &domain(dim),
                        &column(&before, field, count),
                        &column(&after, field, count),
                    );
                    assert!(
                        found.is_empty(),
                        "{backend:?}: placement {} ({} {:?}) differs {inner:?} from {wider:?}: \
                         by {dim} (by type: {by_type}) {count} the attacker concludes {found:?}",
                        x.id,
                        x.basis,
                        x.reasons
                    );
                    tried += 1;
                }
            }
            let before = attacker.ask(inner.0, inner.1, vec!["SHARES"]).await;
            let after = attacker.ask(wider.0, wider.1, vec!["SHARES"]).await;
            for list in ["including", "primary"] {
                let found = certain(
                    &domain("REASON"),
                    &column(&rows(&before[list]), "reason", "placements"),
                    &column(&rows(&after[list]), "reason", "placements"),
                );
                assert!(
                    found.is_empty(),
                    "{backend:?} reasonShares {list}: {found:?}"
                );
                tried += 1;
            }
        }
        eprintln!(
            "{backend:?}: {} pairs, {tried} inferences tried, {withheld} breakdowns withheld",
            pairs.len()
        );
        assert!(tried > 1000, "{tried} inferences tried");
    }
}

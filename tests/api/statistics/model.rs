//! Test data for the statistics and the plain computation they are compared
//! with: placements made at random through the API, read back through the
//! API, and every figure counted day by day, without SQL and without the
//! project's own statistics code.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::harness::TestApp;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// A placement as the API returns it to a unit manager.
#[derive(Debug, Clone)]
pub struct Placement {
    pub id: String,
    pub child: String,
    pub sex: String,
    pub dob: NaiveDate,
    pub ptype: String,
    pub basis: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub planned: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub daily_cost: i64,
    /// (code, category, primary)
    pub reasons: Vec<(String, String, bool)>,
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str().map(|s| s.parse().expect("ISO date"))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("text: {v}")).to_owned()
}

/// Every placement the caller can see, page by page.
pub async fn fetch(app: &TestApp, token: &str) -> Vec<Placement> {
    const Q: &str =
        "query($a:String){ placements(first: 500, after: $a) { pageInfo { hasNextPage endCursor }
      edges { node { id type legalBasis startDate endDate plannedEndDate endReason dailyCost
      reasons { reason { code category } primary } child { id sex dateOfBirth } } } } }";
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app.gql(Some(token), Q, json!({"a": after})).await;
        assert!(body["errors"].is_null(), "{body}");
        let conn = &body["data"]["placements"];
        for e in conn["edges"].as_array().expect("edges") {
            let n = &e["node"];
            out.push(Placement {
                id: text(&n["id"]),
                child: text(&n["child"]["id"]),
                sex: text(&n["child"]["sex"]),
                dob: date(&n["child"]["dateOfBirth"]).expect("dob"),
                ptype: text(&n["type"]),
                basis: text(&n["legalBasis"]),
                start: date(&n["startDate"]).expect("start"),
                end: date(&n["endDate"]),
                planned: date(&n["plannedEndDate"]),
                end_reason: n["endReason"].as_str().map(str::to_owned),
                daily_cost: n["dailyCost"].as_i64().expect("cost"),
                reasons: n["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| {
                        (
                            text(&r["reason"]["code"]),
                            text(&r["reason"]["category"]),
                            r["primary"].as_bool().expect("primary"),
                        )
                    })
                    .collect(),
            });
        }
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

const REASONS: [&str; 8] = [
    "CONFLICT_OR_VIOLENCE",
    "NEGLECT",
    "PARENTAL_SUBSTANCE_ABUSE",
    "PARENTAL_MENTAL_ILLNESS",
    "CHILD_BEHAVIOUR",
    "HONOUR_RELATED",
    "UNACCOMPANIED_MINOR",
    "OTHER",
];
const BASES: [&str; 4] = ["SOL", "LVU_2", "LVU_3", "LVU_6"];
const END_REASONS: [&str; 5] = [
    "RETURNED_HOME",
    "CUSTODY_TRANSFERRED",
    "MOVED_TO_OTHER_PLACEMENT",
    "AGED_OUT",
    "OTHER",
];

async fn id_of(app: &TestApp, token: &str, query: &str, vars: Value, field: &str) -> String {
    let body = app.gql(Some(token), query, vars).await;
    body["data"][field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {body}"))
        .to_owned()
}

/// Creates settings of every kind, `children` children and random
/// placements for them through the API as `token` (a unit manager):
/// overlapping periods across children, one to three reasons, open
/// placements (some with a planned end, some starting after today), periods
/// that cross years, one-day placements and leap days (births on and
/// placements starting or ending on 29 February 2024). Returns how many
/// placements were made.
pub async fn generate(app: &TestApp, token: &str, seed: u64, children: usize) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut settings = Vec::new();
    for kind in ["OWN", "AGENCY", "KINSHIP", "EMERGENCY"] {
        for n in 0..2 {
            let q = "mutation($i: CreateFosterHomeInput!){ createFosterHome(input: $i){ id } }";
            let i = json!({"name": format!("Stat {kind} {n}"), "kind": kind, "capacity": 20, "status": "APPROVED"});
            settings.push(id_of(app, token, q, json!({"i": i}), "createFosterHome").await);
        }
    }
    for kind in ["HVB", "SIS", "SUPPORTED_HOUSING"] {
        let q = "mutation($i: CreateInstitutionInput!){ createInstitution(input: $i){ id } }";
        let i = json!({"name": format!("Stat {kind}"), "kind": kind, "dailyRate": 3000});
        settings.push(id_of(app, token, q, json!({"i": i}), "createInstitution").await);
    }
    let leap_births = [
        d(2008, 2, 29),
        d(2012, 2, 29),
        d(2016, 2, 29),
        d(2020, 2, 29),
    ];
    let mut made = 0;
    for c in 0..children {
        let dob = if c % 6 == 0 {
            leap_births[(c / 6) % leap_births.len()]
        } else {
            d(2004, 1, 1) + Duration::days(rng.gen_range(0..(20 * 365)))
        };
        let mut child = None;
        for attempt in 0..20u16 {
            let pin =
                hearth::domain::pin::make(dob, 700 + (c as u16 * 7 + attempt * 131) % 299, false);
            let q = "mutation($i: CreateChildInput!){ createChild(input: $i){ id } }";
            let i =
                json!({"givenName": "Stat", "familyName": "Barn", "personalIdentityNumber": pin});
            let body = app.gql(Some(token), q, json!({"i": i})).await;
            if let Some(id) = body["data"]["createChild"]["id"].as_str() {
                child = Some(id.to_owned());
                break;
            }
        }
        let child = child.expect("a child with a free personal identity number");
        let count = rng.gen_range(1..=4);
        let mut cursor = d(2022, 3, 1) + Duration::days(rng.gen_range(0..1650));
        if c % 5 == 1 && dob <= d(2024, 2, 29) {
            cursor = d(2024, 2, 29);
        }
        cursor = cursor.max(dob);
        for k in 0..count {
            let start = cursor;
            let last = k + 1 == count;
            let len = match rng.gen_range(0..10) {
                0 => 0,
                1..=3 => rng.gen_range(1..40),
                _ => rng.gen_range(40..500),
            };
            let mut end = start + Duration::days(len);
            if c % 5 == 2 && k == 0 && start < d(2024, 2, 29) {
                end = d(2024, 2, 29);
            }
            let open = last && rng.gen_bool(0.5);
            let mut reasons: Vec<&str> = REASONS.to_vec();
            reasons.shuffle(&mut rng);
            reasons.truncate(rng.gen_range(1..=3));
            let primary = rng.gen_range(0..reasons.len());
            let reasons: Vec<Value> = reasons
                .iter()
                .enumerate()
                .map(|(i, code)| json!({"code": code, "primary": i == primary}))
                .collect();
            let mut input = json!({
                "childId": child, "legalBasis": BASES[rng.gen_range(0..BASES.len())],
                "startDate": start.to_string(), "dailyCost": rng.gen_range(400..=11000),
                "reasons": reasons,
            });
            if open {
                if rng.gen_bool(0.5) {
                    input["plannedEndDate"] =
                        json!((start + Duration::days(rng.gen_range(0..700))).to_string());
                }
            } else {
                input["endDate"] = json!(end.to_string());
                input["endReason"] = json!(END_REASONS[rng.gen_range(0..END_REASONS.len())]);
            }
            let q = "mutation($i: CreatePlacementInput!){ createPlacement(input: $i){ id } }";
            let mut placed = false;
            for _ in 0..6 {
                input["settingId"] = json!(settings[rng.gen_range(0..settings.len())]);
                let body = app.gql(Some(token), q, json!({"i": input})).await;
                if body["data"]["createPlacement"]["id"].is_string() {
                    placed = true;
                    break;
                }
                // A full foster home is the one expected refusal; try another setting.
                assert_eq!(crate::harness::codes(&body), vec!["CONFLICT"], "{body}");
            }
            assert!(placed, "placement refused by every setting tried");
            made += 1;
            if open {
                break;
            }
            cursor = end + Duration::days(rng.gen_range(1..=120));
        }
    }
    made
}

/// Age in whole years on `on`, counted by the calendar: the birthday is
/// reached when month and day are reached (29 February: on 1 March).
pub fn age(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - dob.year();
    if on.month() < dob.month() || (on.month() == dob.month() && on.day() < dob.day()) {
        years -= 1;
    }
    years
}

pub fn age_group(age: i32) -> &'static str {
    match age {
        ..=6 => "0-6",
        7..=12 => "7-12",
        13..=17 => "13-17",
        _ => "18+",
    }
}

/// Whether a placement is counted on `day`: from start to end inclusive, an
/// open placement up to today.
pub fn active(p: &Placement, day: NaiveDate, today: NaiveDate) -> bool {
    p.start <= day && day <= p.end.unwrap_or(today)
}

/// Every day of `[from, to]`.
pub fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |x| *x <= to)
}

/// A cell of the plain computation: who and what, and the sums.
#[derive(Debug, Default, Clone)]
pub struct Cell {
    pub children: BTreeSet<String>,
    pub placements: BTreeSet<String>,
    pub days: i64,
    pub cost: i64,
}

impl Cell {
    fn add(&mut self, p: &Placement) {
        self.children.insert(p.child.clone());
        self.placements.insert(p.id.clone());
        self.days += 1;
        self.cost += p.daily_cost;
    }
}

/// The values of one dimension for a placement on a day.
fn values(p: &Placement, dim: &str, day: NaiveDate, to: NaiveDate, by_year: bool) -> Vec<String> {
    match dim {
        "PLACEMENT_TYPE" => vec![p.ptype.clone()],
        "LEGAL_BASIS" => vec![p.basis.clone()],
        "REASON" => p.reasons.iter().map(|r| r.0.clone()).collect(),
        "REASON_CATEGORY" => p
            .reasons
            .iter()
            .map(|r| r.1.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        "SEX" => vec![p.sex.clone()],
        "AGE_GROUP" => {
            // On the period's last day, or the last day of the year's part.
            let last = if by_year {
                to.min(d(day.year(), 12, 31))
            } else {
                to
            };
            vec![age_group(age(p.dob, last)).to_owned()]
        }
        "YEAR" => vec![day.year().to_string()],
        other => panic!("unknown dimension {other}"),
    }
}

/// `placementStatistics` computed day by day: the cells by key (one value
/// per dimension, in the order given) and the total.
pub fn statistics(
    ps: &[Placement],
    from: NaiveDate,
    to: NaiveDate,
    dims: &[&str],
    today: NaiveDate,
) -> (BTreeMap<Vec<String>, Cell>, Cell) {
    let by_year = dims.contains(&"YEAR");
    let mut cells: BTreeMap<Vec<String>, Cell> = BTreeMap::new();
    let mut total = Cell::default();
    for p in ps {
        for day in days(from, to).filter(|x| active(p, *x, today)) {
            total.add(p);
            if dims.is_empty() {
                continue;
            }
            let mut keys: Vec<Vec<String>> = vec![Vec::new()];
            for dim in dims {
                let vs = values(p, dim, day, to, by_year);
                keys = keys
                    .into_iter()
                    .flat_map(|k| {
                        vs.iter().map(move |v| {
                            let mut k = k.clone();
                            k.push(v.clone());
                            k
                        })
                    })
                    .collect();
            }
            for key in keys {
                cells.entry(key).or_default().add(p);
            }
        }
    }
    (cells, total)
}

/// The q quantile by linear interpolation between closest ranks.
pub fn quantile(values: &[i64], q: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    let rank = q * (v.len() - 1) as f64;
    let (lo, hi) = (
        v[rank.floor() as usize] as f64,
        v[rank.ceil() as usize] as f64,
    );
    Some(lo + (hi - lo) * (rank - rank.floor()))
}

/// Actual and committed cost of `year` per placement type, day by day.
pub fn budget(
    ps: &[Placement],
    year: i32,
    today: NaiveDate,
) -> BTreeMap<String, (i64, i64, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (i64, i64, BTreeSet<String>)> = BTreeMap::new();
    for p in ps {
        for day in days(d(year, 1, 1), d(year, 12, 31)) {
            let entry = out.entry(p.ptype.clone()).or_default();
            if day <= today {
                if active(p, day, today) {
                    entry.0 += p.daily_cost;
                    entry.2.insert(p.child.clone());
                }
            } else {
                let until = p.end.or(p.planned).unwrap_or(d(year, 12, 31));
                if p.start <= day && day <= until {
                    entry.1 += p.daily_cost;
                    entry.2.insert(p.child.clone());
                }
            }
        }
    }
    out
}

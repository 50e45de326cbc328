//! The plain computation `careMeasures` is compared with: the data read
//! back through the API, and every measure counted day by day.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, Months, NaiveDate};
use serde_json::{Value, json};

use super::call;
use crate::harness::TestApp;
use crate::statistics::model::d;

#[derive(Debug, Clone)]
pub(super) struct Stay {
    id: String,
    child: String,
    pub(super) unit: String,
    ptype: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    cost: i64,
    is_move: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Care {
    child: String,
    full: bool,
    pub(super) unit: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    reason: Option<String>,
    cost: i64,
}

pub(super) struct Data {
    pub(super) stays: Vec<Stay>,
    pub(super) cares: Vec<Care>,
    /// (unit, month, participants, cost)
    pub(super) tallies: Vec<(String, NaiveDate, i64, i64)>,
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str().map(|s| s.parse().expect("ISO date"))
}

pub(super) fn text(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("text: {v}")).to_owned()
}

pub(super) async fn fetch(app: &TestApp, token: &str) -> Data {
    let q = "{ children(first: 500) { pageInfo { hasNextPage } edges { node { id interventions {
        id kind startDate endDate endReason dailyCost unit { id }
        placements { id type startDate endDate dailyCost } } } } } }";
    let data = call(app, token, q, json!({})).await;
    assert_eq!(data["children"]["pageInfo"]["hasNextPage"], json!(false));
    let (mut stays, mut cares) = (Vec::new(), Vec::new());
    for edge in data["children"]["edges"].as_array().expect("edges") {
        let child = text(&edge["node"]["id"]);
        for i in edge["node"]["interventions"]
            .as_array()
            .expect("interventions")
        {
            let unit = text(&i["unit"]["id"]);
            cares.push(Care {
                child: child.clone(),
                full: i["kind"] == "TWENTY_FOUR_HOUR",
                unit: unit.clone(),
                start: date(&i["startDate"]).expect("start"),
                end: date(&i["endDate"]),
                reason: i["endReason"].as_str().map(str::to_owned),
                cost: i["dailyCost"].as_i64().unwrap_or(0),
            });
            let ps = i["placements"].as_array().expect("placements");
            let starts: Vec<NaiveDate> = ps
                .iter()
                .map(|p| date(&p["startDate"]).expect("start"))
                .collect();
            for p in ps {
                let start = date(&p["startDate"]).expect("start");
                stays.push(Stay {
                    id: text(&p["id"]),
                    child: child.clone(),
                    unit: unit.clone(),
                    ptype: text(&p["type"]),
                    start,
                    end: date(&p["endDate"]),
                    cost: p["dailyCost"].as_i64().expect("cost"),
                    is_move: starts.iter().any(|s| *s < start),
                });
            }
        }
    }
    let q =
        "{ openCare(from: \"2000-01-01\", to: \"2099-12-01\") { month unitId participants cost } }";
    let err = app.gql(Some(token), q, json!({})).await;
    assert!(
        err.get("errors").is_some(),
        "a century at once is refused: {err}"
    );
    let q =
        "{ openCare(from: \"2020-01-01\", to: \"2027-12-01\") { month unitId participants cost } }";
    let tallies = call(app, token, q, json!({})).await["openCare"]
        .as_array()
        .expect("tallies")
        .iter()
        .map(|t| {
            (
                text(&t["unitId"]),
                date(&t["month"]).expect("month"),
                t["participants"].as_i64().expect("n"),
                t["cost"].as_i64().expect("cost"),
            )
        })
        .collect();
    Data {
        stays,
        cares,
        tallies,
    }
}

/// One year's measures, counted day by day.
#[derive(Debug, Default)]
pub(super) struct Expected {
    pub(super) in_care: BTreeSet<String>,
    placements: BTreeSet<String>,
    per_child: HashMap<String, BTreeSet<String>>,
    started: i64,
    moves: i64,
    ended: BTreeMap<String, i64>,
    to_home: Vec<i64>,
    reentries: i64,
    days: BTreeMap<String, (i64, i64)>,
    open_children: BTreeSet<String>,
    open_started: i64,
    open_cost: i64,
    anon: i64,
    anon_cost: i64,
}

fn covers(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate, today: NaiveDate) -> bool {
    day >= start && end.map_or(day <= today, |e| day <= e)
}

pub(super) fn count(data: &Data, year: i32, unit: Option<&str>, today: NaiveDate) -> Expected {
    let mut x = Expected::default();
    let ours = |u: &str| unit.is_none_or(|w| w == u);
    let mut day = d(year, 1, 1);
    while day <= d(year, 12, 31) {
        for s in data.stays.iter().filter(|s| ours(&s.unit)) {
            if covers(s.start, s.end, day, today) {
                x.in_care.insert(s.child.clone());
                x.placements.insert(s.id.clone());
                x.per_child
                    .entry(s.child.clone())
                    .or_default()
                    .insert(s.id.clone());
                let e = x.days.entry(s.ptype.clone()).or_default();
                e.0 += 1;
                e.1 += s.cost;
            }
            if s.is_move && s.start == day && day <= today {
                x.moves += 1;
            }
        }
        for c in data.cares.iter().filter(|c| ours(&c.unit)) {
            if !c.full {
                if covers(c.start, c.end, day, today) {
                    x.open_children.insert(c.child.clone());
                    x.open_cost += c.cost;
                }
                x.open_started += i64::from(c.start == day && day <= today);
                continue;
            }
            x.started += i64::from(c.start == day && day <= today);
            if c.end != Some(day) || day > today {
                continue;
            }
            let reason = c
                .reason
                .clone()
                .expect("an ended intervention has a reason");
            *x.ended.entry(reason.clone()).or_default() += 1;
            if reason == "RETURNED_HOME" {
                let mut n = 0;
                let mut k = c.start;
                while k <= day {
                    n += 1;
                    k += Duration::days(1);
                }
                x.to_home.push(n);
                let limit = day.checked_add_months(Months::new(12)).expect("date");
                let mut k = day + Duration::days(1);
                let mut back = false;
                while k <= limit && k <= today {
                    back |= data
                        .cares
                        .iter()
                        .any(|o| o.full && o.child == c.child && o.start == k);
                    k += Duration::days(1);
                }
                x.reentries += i64::from(back);
            }
        }
        day += Duration::days(1);
    }
    for (u, month, n, cost) in &data.tallies {
        if ours(u) && *month >= d(year, 1, 1) && *month <= d(year, 12, 31) && *month <= today {
            x.anon += n;
            x.anon_cost += cost;
            x.open_cost += cost;
        }
    }
    x.to_home.sort_unstable();
    x
}

fn close(got: &Value, want: Option<f64>, what: &str) {
    match (got.as_f64(), want) {
        (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{what}: {g} against {w}"),
        (None, None) => {}
        _ => panic!("{what}: {got} against {want:?}"),
    }
}

fn share(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub(super) fn assert_row(row: &Value, x: &Expected, what: &str) {
    let n = |field: &str| {
        row[field]
            .as_i64()
            .unwrap_or_else(|| panic!("{what} {field}: {row}"))
    };
    let children = x.in_care.len() as i64;
    assert_eq!(n("childrenInTwentyFourHourCare"), children, "{what}");
    assert_eq!(n("placements"), x.placements.len() as i64, "{what}");
    assert_eq!(n("newTwentyFourHourInterventions"), x.started, "{what}");
    assert_eq!(n("moves"), x.moves, "{what}");
    close(&row["movesPerChild"], share(x.moves, children), what);
    let three = x.per_child.values().filter(|s| s.len() >= 3).count() as i64;
    assert_eq!(n("childrenWithThreeOrMorePlacements"), three, "{what}");
    close(
        &row["threeOrMorePlacementsShare"],
        share(three, children),
        what,
    );
    let ended: i64 = x.ended.values().sum();
    assert_eq!(n("endedInterventions"), ended, "{what}");
    for e in row["endReasons"].as_array().expect("endReasons") {
        let reason = text(&e["endReason"]);
        let want = x.ended.get(&reason).copied().unwrap_or(0);
        assert_eq!(e["interventions"].as_i64(), Some(want), "{what} {reason}");
        close(&e["share"], share(want, ended), what);
    }
    let custody = x.ended.get("CUSTODY_TRANSFERRED").copied().unwrap_or(0);
    close(&row["custodyTransferShare"], share(custody, ended), what);
    let home = x.to_home.len() as i64;
    assert_eq!(n("returnedHome"), home, "{what}");
    let median = (!x.to_home.is_empty()).then(|| x.to_home[(x.to_home.len() - 1) / 2]);
    assert_eq!(row["medianDaysToReturnHome"].as_i64(), median, "{what}");
    assert_eq!(n("reentries"), x.reentries, "{what}");
    close(&row["reentryShare"], share(x.reentries, home), what);
    let all_days: i64 = x.days.values().map(|v| v.0).sum();
    let cost: i64 = x.days.values().map(|v| v.1).sum();
    for c in row["careDays"].as_array().expect("careDays") {
        let (days, c_cost) = x
            .days
            .get(&text(&c["placementType"]))
            .copied()
            .unwrap_or((0, 0));
        assert_eq!(c["days"].as_i64(), Some(days), "{what} {c}");
        assert_eq!(c["cost"].as_i64(), Some(c_cost), "{what} {c}");
        close(&c["share"], share(days, all_days), what);
    }
    let days_of = |t: &str| x.days.get(t).map_or(0, |v| v.0);
    close(
        &row["kinshipShare"],
        share(days_of("KINSHIP_HOME"), all_days),
        what,
    );
    close(
        &row["ownFosterHomeShare"],
        share(days_of("OWN_FOSTER_HOME"), all_days),
        what,
    );
    close(
        &row["agencyFosterHomeShare"],
        share(days_of("AGENCY_FOSTER_HOME"), all_days),
        what,
    );
    assert_eq!(n("placementCost"), cost, "{what}");
    let open = x.open_children.len() as i64;
    assert_eq!(n("openCareChildren"), open, "{what}");
    assert_eq!(n("newOpenCareInterventions"), x.open_started, "{what}");
    assert_eq!(n("anonymousOpenCareParticipants"), x.anon, "{what}");
    assert_eq!(n("anonymousOpenCareCost"), x.anon_cost, "{what}");
    assert_eq!(
        row["suppressed"],
        json!(false),
        "{what}: exact figures are never withheld"
    );
    assert_eq!(row["openCareSuppressed"], json!(false), "{what}");
    assert_eq!(n("openCareCost"), x.open_cost, "{what}");
    close(
        &row["openCareToPlacementChildren"],
        share(open, children),
        what,
    );
    close(
        &row["openCareToPlacementCost"],
        share(x.open_cost, cost),
        what,
    );
}

//! `careMeasures` and anonymous open care (issue 14) against a plain
//! computation: the demo municipality, random placements made through the
//! API, and a hand-made history (moves, three placements in a year, a
//! return home on a leap day's year and a re-entry, open care with a daily
//! cost, anonymous tallies), read back through the API and counted day by
//! day, without SQL and without the project's measure code. On SQLite and
//! PostgreSQL.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, Months, NaiveDate};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, backends};
use crate::statistics::model::{self, d};

const YEARS: std::ops::RangeInclusive<i32> = 2022..=2026;

#[derive(Debug, Clone)]
struct Stay {
    id: String,
    child: String,
    unit: String,
    ptype: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    cost: i64,
    is_move: bool,
}

#[derive(Debug, Clone)]
struct Care {
    child: String,
    full: bool,
    unit: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    reason: Option<String>,
    cost: i64,
}

struct Data {
    stays: Vec<Stay>,
    cares: Vec<Care>,
    /// (unit, month, participants, cost)
    tallies: Vec<(String, NaiveDate, i64, i64)>,
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str().map(|s| s.parse().expect("ISO date"))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("text: {v}")).to_owned()
}

async fn call(app: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    let body = app.gql(Some(token), q, vars).await;
    assert!(body.get("errors").is_none(), "{q}: {body}");
    body["data"].clone()
}

/// The hand-made history, as a unit manager.
async fn scenario(app: &TestApp, token: &str) {
    let mut homes = HashMap::new();
    for kind in ["OWN", "KINSHIP"] {
        let q = "mutation($i: CreateFosterHomeInput!){ createFosterHome(input: $i){ id } }";
        let i = json!({"name": format!("Mått {kind}"), "kind": kind, "capacity": 3, "status": "APPROVED"});
        homes.insert(
            kind,
            text(&call(app, token, q, json!({"i": i})).await["createFosterHome"]["id"]),
        );
    }
    let home = |kind: &str| homes[kind].clone();
    let child = |n: u16| async move {
        let pin = hearth::domain::pin::make(d(2012, 5, 5), 811 + n * 2, false);
        let q = "mutation($i: CreateChildInput!){ createChild(input: $i){ id } }";
        let i = json!({"givenName": "Mått", "familyName": "Barn", "personalIdentityNumber": pin});
        text(&call(app, token, q, json!({"i": i})).await["createChild"]["id"])
    };
    let (a, b) = (child(0).await, child(1).await);
    let create = "mutation($i: CreateInterventionInput!){ createIntervention(input: $i){ id } }";
    let place = "mutation($i: CreatePlacementInput!){ createPlacement(input: $i){ id } }";
    let end = "mutation($id: ID!, $e: Date!, $r: InterventionEndReason!){ endIntervention(id: $id, endDate: $e, endReason: $r){ id } }";
    let care = json!({"childId": a, "kind": "TWENTY_FOUR_HOUR", "legalBasis": "SOL",
        "decisionDate": "2024-01-05", "startDate": "2024-01-10"});
    let first =
        text(&call(app, token, create, json!({"i": care})).await["createIntervention"]["id"]);
    // Three placements in 2024 (two moves, one on the leap day), then home.
    let stays = [
        (
            "OWN",
            "2024-01-10",
            "2024-02-28",
            "MOVED_TO_OTHER_PLACEMENT",
            None,
        ),
        (
            "KINSHIP",
            "2024-02-29",
            "2024-06-30",
            "MOVED_TO_OTHER_PLACEMENT",
            Some("BREAKDOWN"),
        ),
        (
            "OWN",
            "2024-07-01",
            "2024-09-30",
            "RETURNED_HOME",
            Some("NEEDS_CHANGED"),
        ),
    ];
    for (kind, start, end_date, reason, moved) in stays {
        let mut i = json!({"childId": a, "settingId": home(kind), "legalBasis": "SOL",
            "startDate": start, "endDate": end_date, "endReason": reason, "dailyCost": 1234,
            "reasons": [{"code": "NEGLECT", "primary": true}], "interventionId": first});
        if let Some(m) = moved {
            i["moveReason"] = json!(m);
        }
        call(app, token, place, json!({"i": i})).await;
    }
    call(
        app,
        token,
        end,
        json!({"id": first, "e": "2024-09-30", "r": "RETURNED_HOME"}),
    )
    .await;
    // Back in care within 12 months: a re-entry.
    let again = json!({"childId": a, "kind": "TWENTY_FOUR_HOUR", "legalBasis": "LVU_2",
        "decisionDate": "2025-03-01", "startDate": "2025-03-01"});
    let second =
        text(&call(app, token, create, json!({"i": again})).await["createIntervention"]["id"]);
    let i = json!({"childId": a, "settingId": home("OWN"), "legalBasis": "LVU_2",
        "startDate": "2025-03-01", "dailyCost": 999,
        "reasons": [{"code": "NEGLECT", "primary": true}], "interventionId": second});
    call(app, token, place, json!({"i": i})).await;
    // Open care with a daily cost, across a new year.
    let open = json!({"childId": b, "kind": "FAMILY_TREATMENT", "decisionDate": "2024-11-01",
        "startDate": "2024-11-15", "dailyCost": 450});
    let open =
        text(&call(app, token, create, json!({"i": open})).await["createIntervention"]["id"]);
    call(
        app,
        token,
        end,
        json!({"id": open, "e": "2025-02-14", "r": "OTHER"}),
    )
    .await;
    let record = "mutation($i: RecordOpenCareInput!){ recordOpenCare(input: $i){ participants } }";
    for (month, kind, n, cost) in [
        ("2024-02-01", "PARENTING_SUPPORT", 7, 12_000),
        ("2025-12-01", "NETWORK_BUILDING", 3, 4_500),
        ("2022-06-01", "PARENTING_SUPPORT", 11, 20_000),
    ] {
        let i = json!({"kind": kind, "month": month, "participants": n, "cost": cost});
        call(app, token, record, json!({"i": i})).await;
    }
}

/// Everything the unit manager sees, through the API.
async fn fetch(app: &TestApp, token: &str) -> Data {
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
struct Expected {
    in_care: BTreeSet<String>,
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
}

fn covers(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate, today: NaiveDate) -> bool {
    day >= start && end.map_or(day <= today, |e| day <= e)
}

fn count(data: &Data, year: i32, unit: Option<&str>, today: NaiveDate) -> Expected {
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
                        .any(|o| o.full && o.child == c.child && o.start == k && ours(&o.unit));
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

fn assert_row(row: &Value, x: &Expected, what: &str) {
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

const MEASURES: &str = "query($f: Int!, $t: Int!, $u: Boolean) { careMeasures(fromYear: $f, toYear: $t, byUnit: $u) {
    disclosure years { year unitId childrenInTwentyFourHourCare placements newTwentyFourHourInterventions
    moves movesPerChild childrenWithThreeOrMorePlacements threeOrMorePlacementsShare endedInterventions
    endReasons { endReason interventions share } custodyTransferShare returnedHome medianDaysToReturnHome
    reentries reentryShare reentryWindowComplete careDays { placementType days share cost } kinshipShare
    ownFosterHomeShare agencyFosterHomeShare placementCost openCareChildren newOpenCareInterventions
    anonymousOpenCareParticipants openCareCost openCareToPlacementChildren openCareToPlacementCost
    trend { childrenInTwentyFourHourCare newTwentyFourHourInterventions openCareChildren
            newOpenCareInterventions openCareToPlacementChildren openCareToPlacementCost } } } }";

async fn check(backend: Backend) {
    let app = TestApp::demo(backend).await;
    let maria = app.login("maria.manager").await;
    let made = model::generate(&app, &maria, 14, 24).await;
    assert!(made >= 24, "{made} placements made");
    scenario(&app, &maria).await;
    let data = fetch(&app, &maria).await;
    let today = hearth::domain::today();
    let vars = json!({"f": *YEARS.start(), "t": *YEARS.end(), "u": true});
    let got = call(&app, &maria, MEASURES, vars.clone()).await;
    assert_eq!(got["careMeasures"]["disclosure"], "EXACT");
    let rows = got["careMeasures"]["years"]
        .as_array()
        .cloned()
        .expect("years");
    let units: BTreeSet<String> = data.cares.iter().map(|c| c.unit.clone()).collect();
    assert_eq!(rows.len(), YEARS.count() * (1 + units.len()), "{got}");
    let mut previous: HashMap<String, Value> = HashMap::new();
    for row in &rows {
        let year = row["year"].as_i64().expect("year") as i32;
        let unit = row["unitId"].as_str();
        let what = format!("{backend:?} {year} {unit:?}");
        assert_row(row, &count(&data, year, unit, today), &what);
        let complete = d(year, 12, 31)
            .checked_add_months(Months::new(12))
            .expect("date")
            < today;
        assert_eq!(
            row["reentryWindowComplete"].as_bool(),
            Some(complete),
            "{what}"
        );
        // The trend is this year's figure less last year's, for the same unit.
        let key = unit.unwrap_or("all").to_owned();
        if let Some(before) = previous.get(&key) {
            for field in [
                "childrenInTwentyFourHourCare",
                "newTwentyFourHourInterventions",
                "openCareChildren",
                "newOpenCareInterventions",
            ] {
                let want = row[field].as_i64().expect("n") - before[field].as_i64().expect("n");
                assert_eq!(row["trend"][field].as_i64(), Some(want), "{what} {field}");
            }
        } else {
            let x = count(&data, year - 1, unit, today);
            let want =
                row["childrenInTwentyFourHourCare"].as_i64().expect("n") - x.in_care.len() as i64;
            assert_eq!(
                row["trend"]["childrenInTwentyFourHourCare"].as_i64(),
                Some(want),
                "{what}"
            );
        }
        previous.insert(key, row.clone());
    }
    // The scenario's marks are in the answer, not only equal on both sides.
    let y2024 = rows
        .iter()
        .find(|r| r["year"] == 2024 && r["unitId"].is_null())
        .expect("2024");
    assert!(
        y2024["childrenWithThreeOrMorePlacements"].as_i64() >= Some(1),
        "{y2024}"
    );
    assert!(y2024["reentries"].as_i64() >= Some(1), "{y2024}");
    perturbed(&app, &rows, vars).await;
}

/// FINANCE is under disclosure control: every count a multiple of 3 within
/// 2 of the truth, no median of fewer than ten, the same answer twice.
async fn perturbed(app: &TestApp, exact: &[Value], vars: Value) {
    let erik = app.login("erik.finance").await;
    let got = call(app, &erik, MEASURES, vars.clone()).await;
    assert_eq!(got["careMeasures"]["disclosure"], "PERTURBED");
    assert_eq!(
        got,
        call(app, &erik, MEASURES, vars).await,
        "the same cells get the same noise"
    );
    let rows = got["careMeasures"]["years"]
        .as_array()
        .cloned()
        .expect("years");
    assert_eq!(rows.len(), exact.len());
    for (row, truth) in rows.iter().zip(exact) {
        // Children: within 2. Records (placements, interventions): 0 when
        // the cell's children are published as none, else within 2.
        for field in ["childrenInTwentyFourHourCare", "openCareChildren"] {
            let (p, t) = (
                row[field].as_i64().expect("n"),
                truth[field].as_i64().expect("n"),
            );
            assert!(
                p % 3 == 0 && (p - t).abs() <= 2,
                "{field}: {p} published for {t}"
            );
        }
        for field in [
            "placements",
            "newTwentyFourHourInterventions",
            "moves",
            "endedInterventions",
            "returnedHome",
            "reentries",
        ] {
            let (p, t) = (
                row[field].as_i64().expect("n"),
                truth[field].as_i64().expect("n"),
            );
            assert!(
                p % 3 == 0 && (p == 0 || (p - t).abs() <= 2),
                "{field}: {p} published for {t}"
            );
        }
        if row["returnedHome"].as_i64() < Some(10) {
            assert!(row["medianDaysToReturnHome"].is_null(), "{row}");
        }
    }
}

#[tokio::test]
async fn care_measures_match_a_day_by_day_count() {
    for backend in backends() {
        check(backend).await;
    }
}

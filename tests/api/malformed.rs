//! Issue 10, holes 6 and 7: every malformed argument is `BAD_USER_INPUT`
//! naming the field, never INTERNAL nor a dropped connection; and no value
//! can poison the figures everyone shares.
use base64::Engine;
use chrono::Datelike;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};

use crate::harness::{TestApp, backends, codes};
use hearth::entity::placement;

/// Asserts that `body` is refused with exactly one `BAD_USER_INPUT` naming
/// `field`.
#[track_caller]
fn refused(body: &Value, field: &str) {
    assert_eq!(codes(body), vec!["BAD_USER_INPUT"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
}

fn ok(body: &Value) -> &Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"]
}

const CREATE_PLACEMENT: &str = "mutation($i:CreatePlacementInput!){createPlacement(input:$i){id}}";
const CREATE_CHILD: &str = "mutation($i:CreateChildInput!){createChild(input:$i){id}}";
const STATS: &str =
    "query($f:Date!,$t:Date!){placementStatistics(from:$f,to:$t){total{placements cost}}}";
const TREND: &str = "query($a:Int!,$b:Int!){placementTrend(fromYear:$a,toYear:$b){year cost}}";
const BUDGET: &str = "query($y:Int!){budgetOutcome(year:$y){total{actualCost forecast}}}";

fn cursor(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A placement input that passes every check up to the field under test.
fn placement(change: Value) -> Value {
    let mut input = json!({
        "childId": "00000000-0000-4000-8000-000000000001",
        "settingId": "00000000-0000-4000-8000-000000000002",
        "legalBasis": "SOL", "startDate": "2025-01-01", "dailyCost": 1000,
        "reasons": [{"code": "NEGLECT", "primary": true}],
    });
    for (k, v) in change.as_object().expect("object") {
        input[k] = v.clone();
    }
    json!({ "i": input })
}

/// A personal identity number with a valid check digit born on `date`
/// (`YYYYMMDD`).
fn pin_born(date: &str) -> String {
    let nine: Vec<u8> = format!("{}123", &date[2..])
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let check = hearth::domain::pin::luhn_check_digit(&nine);
    format!("{date}-123{check}")
}

#[tokio::test]
async fn malformed_arguments_name_their_field() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let erik = app.login("erik.finance").await;
        let alice = app.login("alice.auditor").await;
        let maria = app.login("maria.manager").await;
        let gql = |t: &str, q: &str, v: Value| {
            let (app, t, q) = (&app, t.to_owned(), q.to_owned());
            async move { app.gql(Some(&t), &q, v).await }
        };
        // Impossible and out-of-range dates, literal and in variables.
        let body = gql(
            &anna,
            CREATE_PLACEMENT,
            placement(json!({"startDate": "2019-02-30"})),
        )
        .await;
        refused(&body, "startDate");
        let body = gql(
            &anna,
            CREATE_PLACEMENT,
            placement(json!({"startDate": "0000-01-01"})),
        )
        .await;
        refused(&body, "startDate");
        let body = gql(
            &anna,
            CREATE_PLACEMENT,
            placement(json!({"plannedEndDate": "1899-12-31"})),
        )
        .await;
        refused(&body, "plannedEndDate");
        let body = gql(
            &erik,
            r#"{placementStatistics(from:"2019-02-30",to:"2020-01-01"){total{cost}}}"#,
            json!({}),
        )
        .await;
        refused(&body, "from");
        let home = "mutation{createFosterHome(input:{name:\"H\",kind:OWN,capacity:2,approvedOn:\"1850-05-05\"}){id}}";
        refused(&gql(&maria, home, json!({})).await, "approvedOn");
        // Integers beyond 32 bits and beyond the page size.
        refused(
            &gql(&anna, "{children(first:2147483648){totalCount}}", json!({})).await,
            "first",
        );
        refused(
            &gql(&anna, "{children(first:501){totalCount}}", json!({})).await,
            "first",
        );
        refused(
            &gql(&anna, "{children(first:-1){totalCount}}", json!({})).await,
            "first",
        );
        refused(
            &gql(&alice, "{auditEvents(first:100000){totalCount}}", json!({})).await,
            "first",
        );
        let budget = "mutation{setBudget(year:2147483648,type:HVB,amount:1){year}}";
        refused(&gql(&erik, budget, json!({})).await, "year");
        let population = "mutation{setChildPopulation(year:1800,count:10)}";
        refused(&gql(&erik, population, json!({})).await, "year");
        refused(
            &gql(&erik, "{budgetOutcome(year:99999){year}}", json!({})).await,
            "year",
        );
        // A date that is no date, and an object that is a string.
        let audit = r#"{auditEvents(filter:{from:"yesterday"}){totalCount}}"#;
        refused(&gql(&alice, audit, json!({})).await, "from");
        refused(
            &gql(&anna, r#"mutation{createChild(input:"x"){id}}"#, json!({})).await,
            "input",
        );
        refused(&gql(&anna, CREATE_CHILD, json!({"i": "x"})).await, "input");
        // Made-up cursors: past i64 (used to panic the driver), negative,
        // another list's kind, not base64.
        for after in [
            cursor("o:9223372036854775807"),
            cursor("o:-1"),
            cursor("s:4"),
            "%%".into(),
        ] {
            let q = "query($a:String){children(after:$a){totalCount}}";
            refused(&gql(&anna, q, json!({"a": after})).await, "after");
        }
        for after in [
            cursor("s:0"),
            cursor("o:3"),
            cursor("s:99999999999999999999"),
        ] {
            let q = "query($a:String){auditEvents(after:$a){totalCount}}";
            refused(&gql(&alice, q, json!({"a": after})).await, "after");
        }
        // Found by scripts/fuzz: a one-letter role name broke a CHECK.
        let adam = app.login("adam.admin").await;
        let role = r#"mutation{createRole(input:{name:"x",permissions:[]}){id}}"#;
        refused(&gql(&adam, role, json!({})).await, "name");
        // The connection survived: the same client is answered normally.
        ok(&gql(&anna, "{children(first:1){totalCount}}", json!({})).await);
    }
}

#[tokio::test]
async fn values_that_would_poison_shared_figures_are_refused() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let erik = app.login("erik.finance").await;
        let maria = app.login("maria.manager").await;
        let big = json!(9_223_372_036_854_775_807_i64);
        let body = app
            .gql(
                Some(&anna),
                CREATE_PLACEMENT,
                placement(json!({"dailyCost": big})),
            )
            .await;
        refused(&body, "dailyCost");
        let body = app
            .gql(
                Some(&anna),
                CREATE_PLACEMENT,
                placement(json!({"dailyCost": 1_000_001})),
            )
            .await;
        refused(&body, "dailyCost");
        let rate =
            "mutation{createInstitution(input:{name:\"Dyrt\",kind:HVB,dailyRate:1000001}){id}}";
        refused(&app.gql(Some(&maria), rate, json!({})).await, "dailyRate");
        let budget = "mutation{setBudget(year:2025,type:HVB,amount:2000000001){year}}";
        refused(&app.gql(Some(&erik), budget, json!({})).await, "amount");
        let population = "mutation{setChildPopulation(year:2025,count:10000001)}";
        refused(&app.gql(Some(&erik), population, json!({})).await, "count");
        // A birth date after today, and before 1900.
        let tomorrow = hearth::domain::today().succ_opt().expect("tomorrow");
        let future = pin_born(&tomorrow.format("%Y%m%d").to_string());
        let child = |pin: &str| json!({"i": {"givenName": "Ny", "familyName": "Fuzz", "personalIdentityNumber": pin}});
        refused(
            &app.gql(Some(&anna), CREATE_CHILD, child(&future)).await,
            "personalIdentityNumber",
        );
        refused(
            &app.gql(Some(&anna), CREATE_CHILD, child(&pin_born("18990101")))
                .await,
            "personalIdentityNumber",
        );
        let today = pin_born(&hearth::domain::today().format("%Y%m%d").to_string());
        ok(&app.gql(Some(&anna), CREATE_CHILD, child(&today)).await);
        // Whatever code writes, the database refuses a daily cost out of
        // bounds (migration 000007), so the shared figures stay whole.
        let poisoned = placement::Entity::update_many()
            .col_expr(placement::Column::DailyCost, Expr::value(i64::MAX))
            .exec(&app.state.db)
            .await;
        assert!(poisoned.is_err(), "the database refuses the value");
        let year = hearth::domain::today().year();
        let (from, to) = (format!("{}-01-01", year - 2), format!("{year}-12-31"));
        for token in [&erik, &maria] {
            let stats = app
                .gql(Some(token), STATS, json!({"f": from, "t": to}))
                .await;
            let cost = &ok(&stats)["placementStatistics"]["total"]["cost"];
            assert!(cost.is_null() || cost.as_i64().is_some(), "{stats}");
            ok(&app
                .gql(Some(token), TREND, json!({"a": year - 2, "b": year}))
                .await);
            ok(&app.gql(Some(token), BUDGET, json!({"y": year})).await);
        }
    }
}

/// Wrong types for every argument of a few operations, sent as variables
/// (the literal forms are in the tests above): each is `BAD_USER_INPUT` naming the argument (or a field
/// inside it), never INTERNAL.
#[tokio::test]
async fn wrong_types_for_every_argument_are_bad_user_input() {
    // (user, operation, field, arguments with their type and a valid value)
    type Row<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str, Value)]);
    let table: &[Row] = &[
        (
            "maria.manager",
            "query",
            "children",
            &[
                ("first", "Int", json!(5)),
                ("after", "String", json!(cursor("o:1"))),
                ("filter", "ChildFilter", json!({})),
            ],
        ),
        (
            "erik.finance",
            "query",
            "placementStatistics",
            &[
                ("from", "Date!", json!("2024-01-01")),
                ("to", "Date!", json!("2024-12-31")),
                (
                    "groupBy",
                    "[StatisticsDimension!]",
                    json!(["PLACEMENT_TYPE"]),
                ),
            ],
        ),
        (
            "alice.auditor",
            "query",
            "auditEvents",
            &[
                ("first", "Int", json!(5)),
                (
                    "filter",
                    "AuditEventFilter",
                    json!({"from": "2024-01-01T00:00:00Z"}),
                ),
            ],
        ),
        (
            "erik.finance",
            "query",
            "budgetOutcome",
            &[("year", "Int!", json!(2025))],
        ),
        (
            "erik.finance",
            "mutation",
            "setBudget",
            &[
                ("year", "Int!", json!(2025)),
                ("type", "PlacementType!", json!("HVB")),
                ("amount", "Int!", json!(10)),
            ],
        ),
        (
            "anna.case",
            "mutation",
            "createPlacement",
            &[(
                "input",
                "CreatePlacementInput!",
                placement(json!({}))["i"].clone(),
            )],
        ),
    ];
    let wrong = [
        json!("x"),
        json!(1.5),
        json!(true),
        json!({"a": 1}),
        json!(2_147_483_648_i64),
        json!([[1]]),
    ];
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let mut sent = 0;
        for (user, kind, field, args) in table {
            let token = app.login(user).await;
            for (i, (arg, _, _)) in args.iter().enumerate() {
                for bad in &wrong {
                    let decl: Vec<String> =
                        args.iter().map(|(n, t, _)| format!("${n}:{t}")).collect();
                    let call: Vec<String> =
                        args.iter().map(|(n, _, _)| format!("{n}:${n}")).collect();
                    let mut vars = serde_json::Map::new();
                    for (j, (n, _, good)) in args.iter().enumerate() {
                        vars.insert((*n).into(), if i == j { bad.clone() } else { good.clone() });
                    }
                    let q = format!(
                        "{kind}({}){{{field}({}){{__typename}}}}",
                        decl.join(","),
                        call.join(",")
                    );
                    let body = app.gql(Some(&token), &q, Value::Object(vars)).await;
                    let got = codes(&body);
                    assert!(
                        !got.is_empty() && got.iter().all(|c| c == "BAD_USER_INPUT"),
                        "{arg} = {bad}: {body}"
                    );
                    assert!(
                        body["errors"][0]["extensions"]["field"].is_string(),
                        "{arg} = {bad}: {body}"
                    );
                    sent += 1;
                }
            }
        }
        assert!(sent > 60, "{sent}");
    }
}

#[tokio::test]
async fn a_nul_character_in_text_is_bad_input_on_both_databases() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let body = app
            .gql(
                Some(&adam),
                "mutation($n: String!) { createUnit(name: $n) { id } }",
                json!({"n": "U\u{0}nit"}),
            )
            .await;
        assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{backend:?}: {body}");
        let literal = app
            .gql(
                Some(&adam),
                "mutation { createUnit(name: \"U\\u0000nit\") { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            codes(&literal),
            vec!["BAD_USER_INPUT"],
            "{backend:?}: {literal}"
        );
    }
}

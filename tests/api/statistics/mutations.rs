//! Budget and population mutations: validation, scope and audit.
use super::*;

#[tokio::test]
async fn budget_and_population_mutations_validate_and_are_audited() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let erik = app.login("erik.finance").await;
        let set = "mutation($y:Int!,$t:PlacementType!,$a:Int!){ setBudget(year:$y, type:$t, amount:$a){ year placementType amount } }";
        let pop = "mutation($y:Int!,$c:Int!){ setChildPopulation(year:$y, count:$c) }";
        for (vars, field) in [
            (json!({"y": 1999, "t": "HVB", "a": 1}), "year"),
            (json!({"y": 2101, "t": "HVB", "a": 1}), "year"),
            (json!({"y": 2025, "t": "HVB", "a": -1}), "amount"),
        ] {
            let body = app.gql(Some(&erik), set, vars).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], json!(field));
        }
        let body = app.gql(Some(&erik), pop, json!({"y": 2025, "c": 0})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            json!("count"),
            "{body}"
        );
        let anna = app.login("anna.case").await;
        let body = app
            .gql(Some(&anna), set, json!({"y": 2025, "t": "HVB", "a": 1}))
            .await;
        assert_eq!(codes(&body), vec!["FORBIDDEN"], "{body}");
        // A unit manager sets her own unit's figures only.
        let maria = app.login("maria.manager").await;
        let other_unit = hearth::entity::unit::Entity::find()
            .filter(hearth::entity::unit::Column::Name.eq("Familjehem"))
            .one(&app.state.db)
            .await
            .expect("db")
            .expect("unit");
        let other = other_unit.id.to_string();
        let elsewhere =
            "mutation($u:ID!){ setBudget(year:2025, type:HVB, amount:5, unitId:$u){ amount } }";
        let body = app.gql(Some(&maria), elsewhere, json!({"u": other})).await;
        assert_eq!(codes(&body), vec!["FORBIDDEN"], "{body}");
        let pop_elsewhere =
            "mutation($u:ID!){ setChildPopulation(year:2025, count:10, unitId:$u) }";
        let body = app
            .gql(Some(&maria), pop_elsewhere, json!({"u": other}))
            .await;
        assert_eq!(codes(&body), vec!["FORBIDDEN"], "{body}");
        let own = app
            .gql(Some(&maria), pop, json!({"y": 2030, "c": 1000}))
            .await;
        assert_eq!(own["data"]["setChildPopulation"], json!(true), "{own}");
        let own_budget = app
            .gql(Some(&maria), set, json!({"y": 2030, "t": "SIS", "a": 777}))
            .await;
        assert_eq!(
            own_budget["data"]["setBudget"]["amount"],
            json!(777),
            "{own_budget}"
        );
        let erik_view = query(&app, &erik, BUDGET, json!({"y": 2030}), "budgetOutcome").await;
        let sis = rows(&erik_view["rows"])
            .into_iter()
            .find(|r| r["placementType"] == json!("SIS"))
            .expect("SIS");
        assert_ne!(
            sis["budget"],
            json!(777),
            "a unit's budget is not the municipality's"
        );

        let before = query(&app, &erik, BUDGET, json!({"y": 2025}), "budgetOutcome").await;
        let body = app
            .gql(
                Some(&erik),
                set,
                json!({"y": 2025, "t": "HVB", "a": 4_321_000}),
            )
            .await;
        assert_eq!(
            body["data"]["setBudget"]["amount"],
            json!(4_321_000),
            "{body}"
        );
        let after = query(&app, &erik, BUDGET, json!({"y": 2025}), "budgetOutcome").await;
        let hvb = |v: &Value| {
            rows(&v["rows"])
                .into_iter()
                .find(|r| r["placementType"] == json!("HVB"))
                .expect("HVB")
        };
        assert_eq!(hvb(&after)["budget"], json!(4_321_000));
        assert_eq!(hvb(&after)["actualCost"], hvb(&before)["actualCost"]);
        let events = hearth::entity::audit_event::Entity::find()
            .filter(hearth::entity::audit_event::Column::EntityType.eq("Budget"))
            .all(&app.state.db)
            .await
            .expect("audit events");
        let change = events.last().expect("the budget change is audited");
        assert_eq!(change.entity_id.as_deref(), Some("2025/HVB"));
        assert_eq!(change.action, "UPDATE", "the demo had a 2025 HVB budget");
        let changes = change.changes.as_deref().expect("before and after");
        assert!(changes.contains("4321000"), "{changes}");
        assert_eq!(
            query(
                &app,
                &erik,
                pop,
                json!({"y": 2030, "c": 3210}),
                "setChildPopulation"
            )
            .await,
            json!(true)
        );
        let share = query(
            &app,
            &erik,
            STATS,
            json!({"f": "2030-01-01", "t": "2030-12-31"}),
            "placementStatistics",
        )
        .await;
        assert_eq!(share["total"]["children"], json!(0));
        assert_eq!(share["total"]["populationShare"].as_f64(), Some(0.0));
    }
}

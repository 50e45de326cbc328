//! Unit tests of the strict input coercion: the refusal comes before any
//! resolver runs, so the schema needs no data.
use serde_json::json;

fn refusal(query: &str, variables: serde_json::Value) -> (String, String) {
    let config = crate::config::Config::development().expect("config");
    let schema = crate::graphql::build(&config.server);
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    let response = futures::executor::block_on(schema.execute(request));
    let err = response.errors.first().expect("an error");
    let ext = err.extensions.as_ref().expect("extensions");
    let text = |k: &str| match ext.get(k) {
        Some(async_graphql::Value::String(s)) => s.clone(),
        other => format!("{other:?}"),
    };
    assert_eq!(text("code"), "BAD_USER_INPUT", "{:?}", response.errors);
    (text("field"), err.message.clone())
}

#[test]
fn out_of_range_int_names_the_argument() {
    let (field, _) = refusal("{children(first:2147483648){totalCount}}", json!({}));
    assert_eq!(field, "first");
    let (field, _) = refusal(
        "query($y:Int!){budgetOutcome(year:$y){year}}",
        json!({"y": 99_999_999_999_i64}),
    );
    assert_eq!(field, "year");
}

#[test]
fn impossible_and_early_dates_name_the_input_field() {
    let (field, _) = refusal(
        r#"{placementStatistics(from:"2019-02-30",to:"2020-01-01"){__typename}}"#,
        json!({}),
    );
    assert_eq!(field, "from");
    let (field, message) = refusal(
        "mutation($i:CreatePlacementInput!){createPlacement(input:$i){id}}",
        json!({"i": {"childId": "x", "settingId": "y", "legalBasis": "SOL",
            "startDate": "0000-01-01", "dailyCost": 1, "reasons": []}}),
    );
    assert_eq!(field, "startDate");
    assert!(message.contains("1900-01-01"), "{message}");
}

#[test]
fn wrong_shapes_are_refused_inside_fragments_too() {
    let (field, _) = refusal(r#"mutation{createChild(input:"x"){id}}"#, json!({}));
    assert_eq!(field, "input");
    let (field, _) = refusal(
        r#"query{...F} fragment F on Query{auditEvents(filter:{from:"yesterday"}){totalCount}}"#,
        json!({}),
    );
    assert_eq!(field, "from");
}

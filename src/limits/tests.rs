//! Unit tests of the guard over the real schema: the attacks of issue 10
//! are refused fast, and the heaviest queries of the tests and the README
//! pass with the default limits.
use std::time::{Duration, Instant};

use super::*;

fn guard() -> Guard {
    let config = crate::config::Config::development().expect("defaults");
    Guard::new(&config.limits, &crate::graphql::sdl())
}

fn check(doc: &str) -> Result<(), Refusal> {
    let started = Instant::now();
    let result = guard().check(doc, &async_graphql::Variables::default());
    // Building the guard parses the SDL; the check itself is far faster.
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    result
}

fn limit(doc: &str) -> &'static str {
    check(doc).expect_err("refused").limit
}

#[test]
fn exponential_fragments_are_refused_without_expanding_them() {
    let mut doc = String::from("{ children { edges { node { ...F0 } } } }\n");
    for i in 0..25 {
        doc.push_str(&format!(
            "fragment F{i} on Child {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    doc.push_str("fragment F25 on Child { id }");
    let started = Instant::now();
    let refusal = check(&doc).expect_err("refused");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(refusal.limit, "max_cost");
    assert!(
        refusal.message().contains("max_cost"),
        "{}",
        refusal.message()
    );
}

#[test]
fn fragment_cycles_are_refused() {
    let doc = "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }";
    let refusal = check(doc).expect_err("cycle");
    assert!(
        refusal.message().contains("spreads itself"),
        "{}",
        refusal.message()
    );
}

#[test]
fn depth_counts_through_fragments_but_not_introspection() {
    let deep = "{ children { edges { node { ...P } } } }
        fragment P on Child { placements { child { placements { child { placements { child { placements { id } } } } } } } }";
    assert_eq!(limit(deep), "max_depth");
    let type_ref = format!("{}kind{}", "ofType { kind name ".repeat(8), " }".repeat(8));
    let introspection = format!(
        "{{ __schema {{ types {{ ...T }} }} }} fragment T on __Type {{ fields {{ type {{ {type_ref} }} }} }}"
    );
    check(&introspection).expect("GraphiQL's introspection query passes");
}

#[test]
fn list_fan_out_is_refused_by_its_cost() {
    // Issue 10's 17 MB answer, within the depth and alias limits: three
    // aliased `placements` per level, four levels, through fragments.
    let mut fan = String::from("{ child(id: \"x\") { ...L0 } }");
    for level in 0..4 {
        let next = if level == 3 {
            "id".to_owned()
        } else {
            format!("...L{}", level + 1)
        };
        fan.push_str(&format!(
            " fragment L{level} on Child {{ a: placements {{ child {{ {next} }} }} \
             b: placements {{ child {{ {next} }} }} c: placements {{ child {{ {next} }} }} }}"
        ));
    }
    assert_eq!(limit(&fan), "max_cost");
    let wide = "{ children(first: 500) { edges { node { placements { child { placements { child { placements { id } } } } } } } } }";
    assert_eq!(limit(wide), "max_cost");
}

#[test]
fn the_heaviest_queries_of_the_tests_and_the_readme_pass() {
    for doc in [
        "{ children(first: 5) { totalCount edges { node { id givenName personalIdentityNumber placements { type startDate dailyCost setting { __typename ... on FosterHome { name } ... on Institution { name } } } } } } }",
        "{children(first:500){edges{node{id givenName familyName personalIdentityNumber address placements{dailyCost legalBasis reasons{primary} setting{... on FosterHome{name address phone}}}}}}}",
        "{ fosterHomes(first: 100) { edges { node { name secretary { username unit { name } }
          currentPlacements { startDate child { givenName caseWorkers { username } currentPlacement { id }
          placements { type reasons { primary } setting { ... on FosterHome { name } ... on Institution { name } } } } } } } } }",
        "{children(first:500){edges{node{id placements{id setting{__typename}}}}}}",
    ] {
        check(doc).unwrap_or_else(|r| panic!("{}: {doc}", r.message()));
    }
}

#[test]
fn first_from_variables_and_the_page_cap_count() {
    let doc = "query($n: Int) { children(first: $n) { edges { node { placements { reasons { primary } } } } } }";
    let g = guard();
    let vars = |n: i64| async_graphql::Variables::from_json(serde_json::json!({ "n": n }));
    g.check(doc, &vars(5)).expect("five children");
    // Unknown or above the largest page: counted as the largest page.
    assert_eq!(
        g.check(doc, &vars(1_000_000)),
        g.check(doc, &async_graphql::Variables::default())
    );
}

#[test]
fn batches_and_responses_are_bounded() {
    let g = guard();
    assert!(g.check_batch(10).is_ok());
    let refusal = g.check_batch(1000).expect_err("too many");
    assert_eq!(
        refusal.message(),
        "Request refused: batch size 1000 is above the limit 10 (max_batch)."
    );
    assert_eq!(refusal.error().code(), "QUERY_TOO_COMPLEX");
    assert!(g.check_response(usize::MAX).is_err());
    assert_eq!(refusal.event().fields, ["QUERY_TOO_COMPLEX", "max_batch"]);
}

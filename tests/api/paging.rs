//! Paging without counting: `totalCount` is counted only when selected
//! (issue 12), so `hasNextPage` must hold on its own, and a count asked for
//! through a fragment must still be made.
use serde_json::{Value, json};

use crate::harness::{TestApp, backends};

fn ids(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn pages_end_where_the_count_says_and_fragments_still_count() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let counted = app
            .gql(
                Some(&maria),
                "{children(first: 500){totalCount edges{node{id}}}}",
                json!({}),
            )
            .await;
        let total = counted["data"]["children"]["totalCount"]
            .as_u64()
            .expect("totalCount");
        assert!(
            total > 7,
            "{backend:?}: the unit has children to page through"
        );
        assert_eq!(ids(&counted["data"]["children"]).len() as u64, total);

        // Pages of 3 without totalCount: hasNextPage alone says when to stop.
        let q = "query($a:String){children(first:3, after:$a){pageInfo{hasNextPage endCursor} edges{node{id}}}}";
        let (mut seen, mut after, mut pages) = (Vec::new(), Value::Null, 0);
        loop {
            let body = app.gql(Some(&maria), q, json!({"a": after})).await;
            assert!(body["errors"].is_null(), "{backend:?}: {body}");
            let conn = &body["data"]["children"];
            seen.extend(ids(conn));
            pages += 1;
            if conn["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
            assert!(pages < 100, "{backend:?}: paging never ends");
        }
        assert_eq!(seen, ids(&counted["data"]["children"]), "{backend:?}");
        assert_eq!(pages, total.div_ceil(3), "{backend:?}: no empty last page");

        // The count asked for through a named and an inline fragment.
        for q in [
            "query { children(first: 1) { ...C } } fragment C on ChildConnection { totalCount }",
            "query { children(first: 1) { ... on ChildConnection { totalCount } } }",
        ] {
            let body = app.gql(Some(&maria), q, json!({})).await;
            assert!(body["errors"].is_null(), "{backend:?}: {q}: {body}");
            assert_eq!(body["data"]["children"]["totalCount"], json!(total), "{q}");
        }
        for q in [
            "{ fosterHomes(first: 1) { totalCount } }",
            "{ institutions(first: 1) { totalCount } }",
            "{ placements(first: 1) { totalCount } }",
        ] {
            let body = app.gql(Some(&maria), q, json!({})).await;
            assert!(body["errors"].is_null(), "{backend:?}: {q}: {body}");
            let conn = body["data"]
                .as_object()
                .and_then(|d| d.values().next())
                .expect("data");
            assert!(
                conn["totalCount"].as_u64().is_some_and(|n| n > 0),
                "{q}: {body}"
            );
        }
    }
}

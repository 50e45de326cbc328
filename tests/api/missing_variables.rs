//! A request that declares a required variable and does not send it is the
//! client's mistake: `BAD_USER_INPUT`, never INTERNAL or an ERROR log line
//! (issue 14, re-attack H2; anyone could send it, logged in or not).
use serde_json::json;

use crate::harness::{TestApp, codes};

#[tokio::test]
async fn a_required_variable_left_out_is_bad_input_even_anonymously() {
    // async-graphql notices a missing variable only when a resolver reads
    // the argument; it was INTERNAL and an ERROR line, for anyone to send.
    let app = TestApp::start(crate::harness::Backend::Sqlite).await;
    for q in [
        "query($id: ID!) { child(id: $id) { id } }",
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
    ] {
        let body = app.gql(None, q, json!({})).await;
        let found = codes(&body);
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|c| c == "BAD_USER_INPUT" || c == "UNAUTHENTICATED"),
            "{q}: {body}"
        );
        assert!(!found.iter().any(|c| c == "INTERNAL"), "{q}: {body}");
    }
    let body = app
        .gql(None, "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }", json!({}))
        .await;
    assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
}

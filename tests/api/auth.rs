//! Authentication and coarse role checks.
use serde_json::json;

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};

const LOGIN: &str = "mutation($u:String!,$p:String!){login(username:$u,password:$p){accessToken refreshToken expiresIn user{username}}}";

#[tokio::test]
async fn missing_or_tampered_tokens_are_unauthenticated() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let body = app.gql(None, "{children{totalCount}}", json!({})).await;
        assert_eq!(codes(&body), vec!["UNAUTHENTICATED"], "{body}");
        let token = app.login("anna.case").await;
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        // Flip one character of the signature.
        let sig = parts[2].clone();
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        parts[2] = format!("{flipped}{}", &sig[1..]);
        let tampered = parts.join(".");
        let body = app
            .gql(Some(&tampered), "{children{totalCount}}", json!({}))
            .await;
        assert_eq!(codes(&body), vec!["UNAUTHENTICATED"], "{body}");
        let body = app
            .gql(Some("not-a-jwt"), "{me{username}}", json!({}))
            .await;
        assert_eq!(codes(&body), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let unknown = app
            .gql(None, LOGIN, json!({"u": "nobody", "p": DEMO_PASSWORD}))
            .await;
        let wrong = app
            .gql(
                None,
                LOGIN,
                json!({"u": "anna.case", "p": "wrong-password-123"}),
            )
            .await;
        assert_eq!(codes(&unknown), vec!["UNAUTHENTICATED"]);
        assert_eq!(
            unknown["errors"][0]["message"],
            wrong["errors"][0]["message"]
        );
        assert_eq!(codes(&wrong), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_is_refused() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let first = app
            .gql(None, LOGIN, json!({"u": "bo.case", "p": DEMO_PASSWORD}))
            .await;
        let r1 = first["data"]["login"]["refreshToken"]
            .as_str()
            .expect("refresh")
            .to_owned();
        assert_eq!(first["data"]["login"]["user"]["username"], "bo.case");
        let q = "mutation($t:String!){refresh(refreshToken:$t){accessToken refreshToken}}";
        let second = app.gql(None, q, json!({"t": r1})).await;
        let r2 = second["data"]["refresh"]["refreshToken"]
            .as_str()
            .expect("rotated")
            .to_owned();
        assert_ne!(r1, r2);
        let reuse = app.gql(None, q, json!({"t": r1})).await;
        assert_eq!(codes(&reuse), vec!["UNAUTHENTICATED"]);
        // Reuse revoked the family: the newer token is dead too.
        let after = app.gql(None, q, json!({"t": r2})).await;
        assert_eq!(codes(&after), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn auditor_and_admin_cannot_read_children() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        for user in ["alice.auditor", "adam.admin"] {
            let token = app.login(user).await;
            let body = app
                .gql(
                    Some(&token),
                    "{children{totalCount edges{node{id}}}}",
                    json!({}),
                )
                .await;
            assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user}: {body}");
            let body = app
                .gql(Some(&token), "{placements{totalCount}}", json!({}))
                .await;
            assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user}: {body}");
        }
    }
}

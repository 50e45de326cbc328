use super::*;

fn accept(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::ACCEPT,
        HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}")),
    );
    h
}

fn json_post() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h
}

#[test]
fn accept_chooses_the_media_type() {
    assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
    assert_eq!(negotiate(&accept("*/*")), Some(Media::Json));
    assert_eq!(negotiate(&accept("application/json")), Some(Media::Json));
    assert_eq!(
        negotiate(&accept("application/graphql-response+json; charset=utf-8")),
        Some(Media::GraphqlResponse)
    );
    assert_eq!(
        negotiate(&accept(
            "application/json, application/graphql-response+json"
        )),
        Some(Media::GraphqlResponse)
    );
    assert_eq!(
        negotiate(&accept(
            "application/graphql-response+json;q=0.5, application/json"
        )),
        Some(Media::Json)
    );
    assert_eq!(negotiate(&accept("text/html")), None);
    assert_eq!(negotiate(&accept("application/json; charset=latin1")), None);
    assert_eq!(negotiate(&accept("application/json;q=0")), None);
}

#[test]
fn parameters_of_the_wrong_type_are_malformed() {
    let bad = |body: &str| {
        parse_post(&json_post(), body.as_bytes())
            .err()
            .map(|m| m.status)
    };
    for body in [
        "{not json",
        "{}",
        "[]",
        "42",
        r#"{"query": 1}"#,
        r#"{"query": {}}"#,
        r#"{"query": "{ me { id } }", "operationName": 1}"#,
        r#"{"query": "{ me { id } }", "variables": "x"}"#,
        r#"{"query": "{ me { id } }", "variables": []}"#,
        r#"{"query": "{ me { id } }", "extensions": 1}"#,
        r#"[{"query": "{ me { id } }"}, 1]"#,
    ] {
        assert_eq!(bad(body), Some(StatusCode::BAD_REQUEST), "{body}");
    }
    let ok = parse_post(
        &json_post(),
        br#"{"query": "{ me { id } }", "operationName": null, "variables": null, "extensions": {}}"#,
    );
    assert!(ok.is_ok_and(|b| b.single && b.items.len() == 1));
    let batch = parse_post(&json_post(), br#"[{"query": "{ a }"}, {"query": "{ b }"}]"#);
    assert!(batch.is_ok_and(|b| !b.single && b.items.len() == 2));
}

#[test]
fn a_post_must_say_it_is_json() {
    let body = br#"{"query": "{ me { id } }"}"#;
    let status = |h: &HeaderMap| parse_post(h, body).err().map(|m| m.status);
    assert_eq!(
        status(&HeaderMap::new()),
        Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    );
    let mut text = HeaderMap::new();
    text.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    assert_eq!(status(&text), Some(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    assert_eq!(status(&json_post()), None);
}

#[test]
fn a_get_carries_json_variables_and_refuses_bad_escapes() {
    let incoming = parse_get("query=query(%24a%3AInt)%7Bx%7D&variables=%7B%22a%22%3A1%7D")
        .unwrap_or_else(|m| panic!("{m:?}"));
    assert_eq!(incoming.request.query, "query($a:Int){x}");
    assert_eq!(
        incoming.request.variables.into_value().into_json().ok(),
        Some(serde_json::json!({"a": 1}))
    );
    for bad in [
        "query=%7",
        "query=%ZZ",
        "query=x&query=y",
        "query=x&variables=%5B%5D",
        "query=%FF",
    ] {
        assert_eq!(
            parse_get(bad).err().map(|m| m.status),
            Some(StatusCode::BAD_REQUEST),
            "{bad}"
        );
    }
}

#[test]
fn a_request_error_has_no_data_entry() {
    let failed = || {
        BatchResponse::Single(async_graphql::Response::from_errors(vec![
            async_graphql::ServerError::new("bad", None),
        ]))
    };
    let body: Value = serde_json::from_slice(&super::body(&failed())).unwrap_or_default();
    assert!(body.get("data").is_none(), "{body}");
    assert!(body.get("errors").is_some(), "{body}");
    assert_eq!(status(&failed(), Media::Json), StatusCode::OK);
    assert_eq!(
        status(&failed(), Media::GraphqlResponse),
        StatusCode::BAD_REQUEST
    );
}

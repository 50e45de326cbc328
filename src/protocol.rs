//! GraphQL over HTTP (the GraphQL Foundation's specification, working draft
//! of 2025): which media type an answer has, what a well-formed request is,
//! and which status code an answer gets.
//!
//! - `Accept` decides the media type: `application/graphql-response+json`
//!   when the client lists it (and prefers it), otherwise `application/json`
//!   (also for `*/*`, `application/*` and a missing header, as the
//!   specification asks of servers that still serve legacy clients); none of
//!   them acceptable is 406. Answers are UTF-8 and say so.
//! - A POST needs `Content-Type: application/json` (415 otherwise). Its body
//!   is one request object or a batch (a list of them, Hearth's extension).
//!   `query` must be a string, `operationName` a string or null,
//!   `variables` and `extensions` objects or null; anything else, and a body
//!   that is not JSON, is 400 with a GraphQL error and no `data` entry.
//! - A document that fails to parse or validate is a request error: no
//!   `data` entry, 200 under `application/json`, 400 under
//!   `application/graphql-response+json`.
use async_graphql::{BatchResponse, Request, Variables};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// The media type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: every well-formed request is answered 200.
    Json,
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
}

impl Media {
    /// The `Content-Type` of an answer in this media type.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::Json => "application/json; charset=utf-8",
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }
}

/// One media range of an `Accept` header: what it names, with its weight.
fn ranges(accept: &str) -> impl Iterator<Item = (Option<Media>, bool, f32)> + '_ {
    accept.split(',').filter_map(|range| {
        let mut parts = range.split(';').map(str::trim);
        let essence = parts.next()?.to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut utf8 = true;
        for p in parts {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"'));
            if k == "q" {
                q = v.parse().unwrap_or(0.0);
            } else if k == "charset" {
                utf8 = v.eq_ignore_ascii_case("utf-8");
            }
        }
        let (media, wildcard) = match essence.as_str() {
            "application/graphql-response+json" => (Some(Media::GraphqlResponse), false),
            "application/json" => (Some(Media::Json), false),
            "*/*" | "application/*" => (Some(Media::Json), true),
            _ => (None, false),
        };
        Some((media.filter(|_| utf8 && q > 0.0), wildcard, q))
    })
}

/// The media type `Accept` asks for; `None` when it accepts none of ours.
pub fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(Media::Json);
    };
    let accept = accept.to_str().ok()?;
    if accept.trim().is_empty() {
        return Some(Media::Json);
    }
    // Highest weight wins; among equals, a named type before a wildcard and
    // graphql-response+json before json.
    let rank = |media: Media, wildcard: bool, q: f32| {
        (
            (q * 1000.0) as u32,
            !wildcard,
            media == Media::GraphqlResponse,
        )
    };
    ranges(accept)
        .filter_map(|(m, w, q)| m.map(|m| (rank(m, w, q), m)))
        .max_by_key(|(r, _)| *r)
        .map(|(_, m)| m)
}

/// One GraphQL request as received, with the trusted document it names.
#[derive(Debug)]
pub struct Incoming {
    /// The request; its `query` is empty when only a document id was sent.
    pub request: Request,
    /// The trusted document asked for (`crate::trusted`).
    pub document_id: Option<crate::trusted::DocumentId>,
}

/// The requests of one HTTP request.
#[derive(Debug)]
pub struct Batch {
    /// One or more requests.
    pub items: Vec<Incoming>,
    /// Sent as one object rather than a list: answered as one object.
    pub single: bool,
}

/// A request that is not a well-formed GraphQL-over-HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// 400, 405, 406 or 415.
    pub status: StatusCode,
    /// What to fix, without echoing the client's value.
    pub message: &'static str,
}

impl Malformed {
    fn bad(message: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }

    /// The answer: a GraphQL error without a `data` entry.
    pub fn into_response(self, media: Media) -> Response {
        // api.md's closed list of codes: the client sent something unusable.
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": "BAD_USER_INPUT" } }]
        });
        let mut response = (self.status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, media.content_type());
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

/// Whether the `Content-Type` of a POST is JSON in UTF-8.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = ct.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
                v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// The GraphQL request(s) of a POST body.
pub fn parse_post(headers: &HeaderMap, body: &[u8]) -> Result<Batch, Malformed> {
    if !is_json(headers) {
        return Err(Malformed {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Send the request as Content-Type: application/json.",
        });
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| Malformed::bad("The request body is not valid JSON."))?;
    match value {
        Value::Object(map) => Ok(Batch {
            items: vec![request(map)?],
            single: true,
        }),
        Value::Array(items) if !items.is_empty() => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => request(map),
                _ => Err(Malformed::bad("Each request of a batch must be an object.")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|items| Batch {
                items,
                single: false,
            }),
        _ => Err(Malformed::bad(
            "The request body must be a JSON object (or a non-empty list of them).",
        )),
    }
}

/// The GraphQL request of a GET's query string (`query`, `operationName`,
/// and `variables` and `extensions` as JSON text).
pub fn parse_get(query_string: &str) -> Result<Incoming, Malformed> {
    let mut map = Map::new();
    for (key, value) in form_urlencoded(query_string)? {
        let value = match key.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value).map_err(|_| {
                Malformed::bad("variables and extensions in a GET must be JSON objects.")
            })?,
            _ => Value::String(value),
        };
        if map.insert(key, value).is_some() {
            return Err(Malformed::bad("A GET parameter is given twice."));
        }
    }
    request(map)
}

/// Decodes `application/x-www-form-urlencoded` pairs strictly (bad percent
/// escapes and invalid UTF-8 are refused, not guessed at).
fn form_urlencoded(s: &str) -> Result<Vec<(String, String)>, Malformed> {
    let decode = |part: &str| -> Result<String, Malformed> {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or_else(|| Malformed::bad("The query string has a bad % escape."))?;
                    out.push(hex);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| Malformed::bad("The query string is not UTF-8."))
    };
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

/// One request object, its parameters checked as the specification says.
fn request(mut map: Map<String, Value>) -> Result<Incoming, Malformed> {
    let query = match map.remove("query") {
        Some(Value::String(q)) => Some(q),
        None | Some(Value::Null) => None,
        Some(_) => return Err(Malformed::bad("query must be a string.")),
    };
    let document_id = match map.remove("documentId") {
        Some(Value::String(id)) => Some(id),
        None | Some(Value::Null) => None,
        Some(_) => return Err(Malformed::bad("documentId must be a string.")),
    };
    let operation_name = match map.remove("operationName") {
        Some(Value::String(n)) => Some(n),
        None | Some(Value::Null) => None,
        Some(_) => return Err(Malformed::bad("operationName must be a string or null.")),
    };
    let variables = match map.remove("variables") {
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        None | Some(Value::Null) => Variables::default(),
        Some(_) => return Err(Malformed::bad("variables must be an object or null.")),
    };
    let extensions = match map.remove("extensions") {
        Some(Value::Object(e)) => e,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(Malformed::bad("extensions must be an object or null.")),
    };
    let persisted = crate::trusted::requested_id(document_id, &extensions);
    if query.is_none() && persisted.is_none() {
        return Err(Malformed::bad(
            "The request has no query (nor a documentId of a trusted document).",
        ));
    }
    let mut request = Request::new(query.unwrap_or_default()).variables(variables);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    for (k, v) in extensions {
        if let Ok(v) = async_graphql::Value::from_json(v) {
            request.extensions.insert(k, v);
        }
    }
    Ok(Incoming {
        request,
        document_id: persisted,
    })
}

/// A response that failed before execution (parse, validation or a
/// refusal of the whole operation): errors, no data, no path.
fn request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

use crate::graphql_errors::responses;

/// The body of an answer: a request error has no `data` entry (GraphQL
/// specification, "Response Format"; GraphQL over HTTP, "data" entry).
pub fn body(batch: &BatchResponse) -> Vec<u8> {
    if !responses(batch).iter().any(request_error) {
        return serde_json::to_vec(batch).unwrap_or_default();
    }
    let strip = |r: &async_graphql::Response| {
        let mut v = serde_json::to_value(r).unwrap_or_default();
        if request_error(r)
            && let Some(map) = v.as_object_mut()
        {
            map.remove("data");
        }
        v
    };
    let value = match batch {
        BatchResponse::Single(r) => strip(r),
        BatchResponse::Batch(rs) => Value::Array(rs.iter().map(strip).collect()),
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

/// HTTP status: 429 when nothing was delivered and a rate limit was the
/// reason; under `application/graphql-response+json`, 400 when every
/// operation failed before execution; otherwise 200.
pub fn status(batch: &BatchResponse, media: Media) -> StatusCode {
    let nothing = responses(batch).iter().all(|r| {
        r.data == async_graphql::Value::Null
            || r.data == async_graphql::Value::Object(Default::default())
    });
    if nothing && crate::graphql_errors::retry_after(batch).is_some() {
        return StatusCode::TOO_MANY_REQUESTS;
    }
    let all_failed = !responses(batch).is_empty() && responses(batch).iter().all(request_error);
    if media == Media::GraphqlResponse && all_failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;

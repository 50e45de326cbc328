//! Executing a GraphQL request: authentication, limits, trusted documents,
//! the operations of a batch, and the audit write that comes before the
//! response leaves.
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::{App, CLIENT_REQUEST_ID, REQUEST_ID};
use crate::access::Principal;
use crate::audit::{Actor, AuditBuffer, NewEvent};
use crate::error::AppError;
use crate::graphql::loaders::new_loader;
use crate::graphql_errors::DeferredErrors;
use crate::protocol::{Batch, Media};
use crate::request::{RequestContext, SharedPrincipal};

/// Runs a request in its own task, so that a client that hangs up (or a
/// timeout that drops this handler) cannot cancel it half-way: what it read
/// or was refused is still written to the audit log (access.md, "every
/// refused attempt leaves a trace").
pub(super) async fn run_to_completion(
    app: App,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    batch: Batch,
    media: Media,
) -> Response {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let shape = (!batch.single).then_some(batch.items.len());
    let started = Instant::now();
    // The request's span (with its id) goes with the task.
    let task = execute(app, conn, headers, batch, media).instrument(tracing::Span::current());
    let response = match tokio::spawn(task).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            let err = AppError::internal("request task failed");
            failure(&request_id, &err, media, shape)
        }
    };
    let elapsed = started.elapsed();
    let label = response
        .extensions()
        .get::<OperationLabel>()
        .map_or("_unknown", |l| l.0.as_str());
    let status = response.status().as_u16();
    crate::observe::request_done(label, status, elapsed);
    if elapsed >= SLOW {
        tracing::warn!(operation = %label, status, elapsed_ms = elapsed.as_millis() as u64, "slow GraphQL request");
    }
    response
}

/// Requests at least this slow are logged (by operation label, never by
/// document or variables).
const SLOW: Duration = Duration::from_secs(1);

/// The metrics label of the operation(s) a response answers.
#[derive(Debug, Clone)]
struct OperationLabel(String);

/// `response` labelled for metrics and logs.
fn labelled(mut response: Response, label: String) -> Response {
    response.extensions_mut().insert(OperationLabel(label));
    response
}

async fn authenticate(app: &App, headers: &HeaderMap) -> Result<Option<Principal>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else { return Ok(None) };
    let Ok(verified) = app.state.keys.verify(token) else {
        return Ok(None);
    };
    match Principal::load(&app.state.db, &app.state.permissions, &verified).await {
        Ok(p) => Ok(Some(p)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn execute(
    app: App,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    batch: Batch,
    media: Media,
) -> Response {
    app.state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    // Set by `server_request_id` below: never the client's value.
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Batch {
        items: requests,
        single,
    } = batch;
    // The registered document in place of the text sent, before the limits
    // look at it (a trusted document is still measured).
    let trusted = app.state.trusted.as_deref();
    // What each operation is called, for its refusal's event too.
    let names: Vec<Option<String>> = requests
        .iter()
        .map(|i| i.request.operation_name.clone())
        .collect();
    let requests: Vec<_> = requests
        .into_iter()
        .map(|i| crate::trusted::resolve(trusted, i.request, i.document_id.as_ref()))
        .collect();
    // Before anything parses a document, and before the database is asked
    // who the caller is: a hostile document costs a linear scan, no more.
    let checks = match app.guard.check_batch(requests.len()) {
        Err(refusal) => Err(refusal),
        Ok(()) => Ok(requests
            .iter()
            .map(|r| match r {
                Ok(r) => app
                    .guard
                    .check(&r.query, &r.variables)
                    .map_err(Refused::Limit),
                Err(untrusted) => Err(Refused::Untrusted(*untrusted)),
            })
            .collect::<Vec<_>>()),
    };
    let principal = match authenticate(&app, &headers).await {
        Ok(p) => p,
        Err(e) => {
            let shape = (!single).then_some(requests.len());
            return failure(&request_id, &e, media, shape);
        }
    };
    let rc = RequestContext {
        principal: SharedPrincipal::new(principal),
        request_id: request_id.clone(),
        client_request_id: headers
            .get(CLIENT_REQUEST_ID)
            .map(|v| crate::audit::event::clean(&String::from_utf8_lossy(v.as_bytes()), 100)),
        client_addr: Some(
            crate::auth::guard::client_ip(
                &app.state.config.auth.trusted_proxies,
                addr.ip(),
                &headers,
            )
            .to_string(),
        ),
        audit: AuditBuffer::default(),
        started: Instant::now(),
    };
    let mut events = Vec::new();
    let checks = match checks {
        Ok(checks) => checks,
        Err(refusal) => {
            // The whole batch is refused, as one response and one event.
            let response = refuse(&app, &Refused::Limit(refusal), &rc, None, &mut events);
            let http = respond(&app, media, &request_id, events, response).await;
            return labelled(http, "_refused".into());
        }
    };
    let mut responses = Vec::with_capacity(requests.len());
    let mut labels = Vec::with_capacity(requests.len());
    for ((request, check), name) in requests.into_iter().zip(checks).zip(names) {
        let request = match (request, check) {
            (Ok(request), Ok(())) => request,
            (_, Err(refusal)) => {
                responses.push(refuse(&app, &refusal, &rc, name, &mut events));
                continue;
            }
            (Err(untrusted), Ok(())) => {
                let refusal = Refused::Untrusted(untrusted);
                responses.push(refuse(&app, &refusal, &rc, name, &mut events));
                continue;
            }
        };
        // Each operation of a batch gets its own audit buffer, recorded
        // under its own name; its own held-back errors; and its own loader,
        // so what one operation loaded ahead never outlives a write made by
        // the next.
        let op_rc = RequestContext {
            audit: AuditBuffer::default(),
            ..rc.clone()
        };
        let operation = request.operation_name.clone();
        let held = DeferredErrors::default();
        let loader = new_loader(app.state.db.clone(), rc.principal.clone());
        let request = request
            .data(op_rc.clone())
            .data(app.state.clone())
            .data(loader)
            .data(held.clone());
        let span = tracing::info_span!(
            "operation",
            request_id = %request_id,
            operation = tracing::field::Empty
        );
        let mut r = app.schema.execute(request).instrument(span.clone()).await;
        held.merge_into(&mut r);
        // Codes first: async-graphql's own late refusals (its depth and
        // complexity limits) have none until classified, and are refusals.
        crate::graphql_errors::add_codes_to(&mut r, &request_id);
        crate::audit::refusals::record(&op_rc.audit, &r);
        let operation =
            crate::audit::opname::recorded_name(op_rc.audit.document_operation(), operation);
        let actor = op_rc.actor(operation.as_deref());
        let label = app.labels.label(operation.as_deref());
        span.record("operation", label.as_str());
        labels.push(label);
        events.extend(op_rc.audit.drain().into_iter().map(|e| (actor.clone(), e)));
        responses.push(r);
    }
    let label = match labels.as_slice() {
        [one] if single => one.clone(),
        _ => "_batch".to_owned(),
    };
    let response = if single {
        async_graphql::BatchResponse::Single(responses.remove(0))
    } else {
        async_graphql::BatchResponse::Batch(responses)
    };
    let mut response = response;
    crate::graphql_errors::add_codes(&mut response, &request_id);
    crate::observe::errors(&response);
    let mut body = crate::protocol::body(&response);
    if let Err(refusal) = app.guard.check_response(body.len()) {
        // What was read is recorded (it left the database); the response
        // does not leave.
        let mut refused = || {
            refuse(
                &app,
                &Refused::Limit(refusal.clone()),
                &rc,
                None,
                &mut events,
            )
        };
        response = match response {
            async_graphql::BatchResponse::Single(_) => {
                async_graphql::BatchResponse::Single(refused())
            }
            // One answer per operation, so a client can still match them.
            async_graphql::BatchResponse::Batch(rs) => {
                async_graphql::BatchResponse::Batch(rs.iter().map(|_| refused()).collect())
            }
        };
        body = crate::protocol::body(&response);
    }
    let http = send(&app, media, &request_id, events, response, body).await;
    labelled(http, label)
}

/// Why an operation was refused before it was parsed.
enum Refused {
    /// Above a limit of `[limits]`.
    Limit(crate::limits::Refusal),
    /// Not a trusted document.
    Untrusted(crate::trusted::Untrusted),
}

/// The response for a refused request (or operation of a batch), with its
/// audit event added to `events`.
fn refuse(
    app: &App,
    refusal: &Refused,
    rc: &RequestContext,
    operation: Option<String>,
    events: &mut Vec<(Actor, NewEvent)>,
) -> async_graphql::Response {
    let (event, response) = match refusal {
        Refused::Limit(r) => {
            app.state
                .metrics
                .limit_refusals
                .fetch_add(1, Ordering::Relaxed);
            (r.event(), r.response())
        }
        Refused::Untrusted(u) => (u.event(), u.response()),
    };
    let actor = rc.actor(operation.as_deref());
    // Identical refusals of one request are one event with a count, as for
    // denied fields (`audit::refusals`): a batch of the same refused
    // operation cannot flood the log.
    let same = events.iter_mut().find(|(a, e)| {
        a.operation_name == actor.operation_name
            && e.action == event.action
            && e.entity_type == event.entity_type
            && e.fields == event.fields
    });
    match same {
        Some((_, e)) => e.repeat_count = Some(e.repeat_count.unwrap_or(1) + 1),
        None => events.push((actor, event)),
    }
    response
}

/// Serializes a refusal of the whole request and sends it after its event
/// is written.
async fn respond(
    app: &App,
    media: Media,
    request_id: &str,
    events: Vec<(Actor, NewEvent)>,
    response: async_graphql::Response,
) -> Response {
    let mut response = async_graphql::BatchResponse::Single(response);
    crate::graphql_errors::add_codes(&mut response, request_id);
    crate::observe::errors(&response);
    let body = crate::protocol::body(&response);
    send(app, media, request_id, events, response, body).await
}

/// Writes the events, then sends `body` (the serialized `response`).
async fn send(
    app: &App,
    media: Media,
    request_id: &str,
    events: Vec<(Actor, NewEvent)>,
    response: async_graphql::BatchResponse,
    body: Vec<u8>,
) -> Response {
    if let Err(e) = app.state.audit.write(events).await {
        // Fail closed: without its trace, no data leaves.
        app.state
            .metrics
            .audit_failures
            .fetch_add(1, Ordering::Relaxed);
        tracing::error!(error = ?e, "audit write failed; response withheld");
        let shape = match &response {
            async_graphql::BatchResponse::Batch(rs) => Some(rs.len()),
            async_graphql::BatchResponse::Single(_) => None,
        };
        let err = AppError::internal("audit write failed");
        return failure(request_id, &err, media, shape);
    }
    let status = crate::protocol::status(&response, media);
    let retry_after = crate::graphql_errors::retry_after(&response);
    // As `GraphQLResponse` builds it, from the body serialized once.
    let mut http = Response::new(axum::body::Body::from(body));
    *http.status_mut() = status;
    let h = http.headers_mut();
    h.insert(header::CONTENT_TYPE, media.content_type());
    if let Some(secs) = retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if response.is_ok()
        && let Some(cache_control) = response.cache_control().value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        h.insert(header::CACHE_CONTROL, value);
    }
    h.extend(response.http_headers());
    http
}

/// The answer when the server failed (the audit write, a task): 500, no
/// data, the request id to quote; for a batch of `n` operations (`shape`), a
/// list of `n` such answers, so that a client can match them to its
/// operations.
fn failure(request_id: &str, err: &AppError, media: Media, shape: Option<usize>) -> Response {
    if let AppError::Internal(detail) = err {
        tracing::error!(error = %detail, "request failed");
    }
    let one = serde_json::json!({
        "errors": [{ "message": err.user_message(), "extensions": { "code": err.code(), "requestId": request_id } }]
    });
    let body = match shape {
        Some(n) => serde_json::Value::Array(vec![one; n]),
        None => one,
    };
    let mut response = (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        body.to_string(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

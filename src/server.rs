//! HTTP: router, layers, health, readiness, metrics, and the GraphQL
//! handler that writes a request's audit events before its response.
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLBatchRequest;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::access::Principal;
use crate::audit::AuditBuffer;
use crate::error::AppError;
use crate::graphql::{HearthSchema, loaders::new_loader};
use crate::graphql_errors::DeferredErrors;
use crate::limits::{Guard, Refusal};
use crate::request::{RequestContext, SharedPrincipal};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Where the client's own `x-request-id` is moved, so the server's id
/// is the only one logs and audit events are keyed by.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-client-request-id");

/// Replaces any client-sent `x-request-id` by a fresh server id, keeping the
/// client's value apart (the audit log records it, cleaned and bounded).
async fn server_request_id(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers_mut();
    headers.remove(CLIENT_REQUEST_ID);
    if let Some(client) = headers.remove(REQUEST_ID) {
        headers.insert(CLIENT_REQUEST_ID, client);
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    next.run(req).await
}

pub use crate::ops::{Metrics, new_metrics};

#[derive(Clone)]
struct App {
    state: AppState,
    schema: HearthSchema,
    guard: Arc<Guard>,
}

impl axum::extract::FromRef<App> for AppState {
    fn from_ref(app: &App) -> AppState {
        app.state.clone()
    }
}

/// Builds the router with all layers.
pub fn router(state: AppState) -> Router {
    let schema = crate::graphql::build(&state.config.server);
    let timeout = Duration::from_secs(state.config.server.request_timeout_secs);
    let body_limit = state.config.server.body_limit_bytes;
    let guard = Arc::new(Guard::new(&state.config.limits, &schema.sdl()));
    let app = App {
        state,
        schema,
        guard,
    };
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(crate::ops::readyz))
        .route("/metrics", get(crate::ops::metrics))
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            // Only method, path and request id: never the query text or headers,
            // which can hold personal data or tokens.
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn(server_request_id))
        .layer(axum::middleware::map_response(crate::ops::security_headers))
}

async fn graphql_get(
    State(app): State<App>,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some(query) = uri.query() else {
        if app.state.config.server.graphiql {
            return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
        }
        return (StatusCode::BAD_REQUEST, "missing query").into_response();
    };
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(_) => return (StatusCode::BAD_REQUEST, "malformed GraphQL request").into_response(),
    };
    // Mutations never over GET (GraphQL over HTTP): a GET must be safe.
    // Only a document within the limits is parsed here; `execute` refuses
    // the others before anything parses them.
    let within_limits = app.guard.check(&request.query, &request.variables).is_ok();
    if within_limits && let Ok(doc) = async_graphql::parser::parse_query(&request.query) {
        let mutation = doc.operations.iter().any(|(name, op)| {
            let selected = request
                .operation_name
                .as_deref()
                .is_none_or(|n| name.is_some_and(|x| x.as_str() == n));
            selected && op.node.ty == async_graphql::parser::types::OperationType::Mutation
        });
        if mutation {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "POST")],
                "mutations are accepted over POST only",
            )
                .into_response();
        }
    }
    run_to_completion(
        app,
        conn,
        headers,
        async_graphql::BatchRequest::Single(request),
    )
    .await
}

async fn graphql_post(
    State(app): State<App>,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLBatchRequest,
) -> Response {
    run_to_completion(app, conn, headers, req.into_inner()).await
}

/// Runs a request in its own task, so that a client that hangs up (or a
/// timeout that drops this handler) cannot cancel it half-way: what it read
/// or was refused is still written to the audit log (access.md, "every
/// refused attempt leaves a trace").
async fn run_to_completion(
    app: App,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    batch: async_graphql::BatchRequest,
) -> Response {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match tokio::spawn(execute(app, conn, headers, batch)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            failure(&request_id, &AppError::internal("request task failed"))
        }
    }
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
    batch: async_graphql::BatchRequest,
) -> Response {
    app.state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    // Set by `server_request_id` below: never the client's value.
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (requests, single) = match batch {
        async_graphql::BatchRequest::Single(r) => (vec![r], true),
        async_graphql::BatchRequest::Batch(rs) => (rs, false),
    };
    // Before anything parses a document, and before the database is asked
    // who the caller is: a hostile document costs a linear scan, no more.
    let checks = match app.guard.check_batch(requests.len()) {
        Err(refusal) => Err(refusal),
        Ok(()) => Ok(requests
            .iter()
            .map(|r| app.guard.check(&r.query, &r.variables))
            .collect::<Vec<_>>()),
    };
    let principal = match authenticate(&app, &headers).await {
        Ok(p) => p,
        Err(e) => return failure(&request_id, &e),
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
    };
    let mut events = Vec::new();
    let checks = match checks {
        Ok(checks) => checks,
        Err(refusal) => {
            // The whole batch is refused, as one response and one event.
            let response = refuse(&app, &refusal, &rc, None, &mut events);
            return respond(&app, &headers, &request_id, events, response).await;
        }
    };
    let mut responses = Vec::with_capacity(requests.len());
    for (request, check) in requests.into_iter().zip(checks) {
        if let Err(refusal) = check {
            let name = request.operation_name.clone();
            responses.push(refuse(&app, &refusal, &rc, name, &mut events));
            continue;
        }
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
        let mut r = app.schema.execute(request).await;
        held.merge_into(&mut r);
        // Codes first: async-graphql's own late refusals (its depth and
        // complexity limits) have none until classified, and are refusals.
        crate::graphql_errors::add_codes_to(&mut r, &request_id);
        crate::audit::refusals::record(&op_rc.audit, &r);
        let operation =
            crate::audit::opname::recorded_name(op_rc.audit.document_operation(), operation);
        let actor = op_rc.actor(operation.as_deref());
        events.extend(op_rc.audit.drain().into_iter().map(|e| (actor.clone(), e)));
        responses.push(r);
    }
    let response = if single {
        async_graphql::BatchResponse::Single(responses.remove(0))
    } else {
        async_graphql::BatchResponse::Batch(responses)
    };
    let mut response = response;
    crate::graphql_errors::add_codes(&mut response, &request_id);
    let mut body = serde_json::to_vec(&response).unwrap_or_default();
    if let Err(refusal) = app.guard.check_response(body.len()) {
        // What was read is recorded (it left the database); the response
        // does not leave.
        let refused = refuse(&app, &refusal, &rc, None, &mut events);
        body = serde_json::to_vec(&refused).unwrap_or_default();
        response = async_graphql::BatchResponse::Single(refused);
    }
    send(&app, &headers, &request_id, events, response, body).await
}

/// The response for a refused request (or operation of a batch), with its
/// audit event added to `events`.
fn refuse(
    app: &App,
    refusal: &Refusal,
    rc: &RequestContext,
    operation: Option<String>,
    events: &mut Vec<(crate::audit::Actor, crate::audit::NewEvent)>,
) -> async_graphql::Response {
    app.state
        .metrics
        .limit_refusals
        .fetch_add(1, Ordering::Relaxed);
    events.push((rc.actor(operation.as_deref()), refusal.event()));
    refusal.response()
}

/// Serializes a refusal of the whole request and sends it after its event
/// is written.
async fn respond(
    app: &App,
    headers: &HeaderMap,
    request_id: &str,
    events: Vec<(crate::audit::Actor, crate::audit::NewEvent)>,
    response: async_graphql::Response,
) -> Response {
    let mut response = async_graphql::BatchResponse::Single(response);
    crate::graphql_errors::add_codes(&mut response, request_id);
    let body = serde_json::to_vec(&response).unwrap_or_default();
    send(app, headers, request_id, events, response, body).await
}

/// Writes the events, then sends `body` (the serialized `response`).
async fn send(
    app: &App,
    headers: &HeaderMap,
    request_id: &str,
    events: Vec<(crate::audit::Actor, crate::audit::NewEvent)>,
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
        return failure(request_id, &AppError::internal("audit write failed"));
    }
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/graphql-response+json"));
    let status = crate::graphql_errors::status(&response, wants_graphql_response);
    let retry_after = crate::graphql_errors::retry_after(&response);
    // As `GraphQLResponse` builds it, from the body serialized once.
    let mut http = Response::new(axum::body::Body::from(body));
    *http.status_mut() = status;
    let h = http.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/graphql-response+json"),
    );
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

fn failure(request_id: &str, err: &AppError) -> Response {
    if let AppError::Internal(detail) = err {
        tracing::error!(error = %detail, "request failed");
    }
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": err.user_message(), "extensions": { "code": err.code(), "requestId": request_id } }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

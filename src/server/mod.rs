//! HTTP: router, layers, health, readiness, metrics, and the GraphQL
//! handler that writes a request's audit events before its response.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::HearthSchema;
use crate::limits::Guard;
use crate::protocol::{Batch, Malformed, Media};
use crate::state::AppState;

mod execute;

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
    labels: Arc<crate::observe::OperationLabels>,
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
    let cors = state.config.server.clone();
    let labels = Arc::new(crate::observe::OperationLabels::new(state.trusted.clone()));
    let app = App {
        state,
        schema,
        guard,
        labels,
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
        .layer(crate::cors::layer(&cors))
        .layer(axum::middleware::map_response(crate::ops::security_headers))
}

/// The answer when `Accept` takes none of Hearth's media types.
fn not_acceptable() -> Response {
    Malformed {
        status: StatusCode::NOT_ACCEPTABLE,
        message: "Accept application/graphql-response+json or application/json.",
    }
    .into_response(Media::Json)
}

async fn graphql_get(
    State(app): State<App>,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        if app.state.config.server.graphiql {
            return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
        }
        return Malformed {
            status: StatusCode::BAD_REQUEST,
            message: "The request has no query.",
        }
        .into_response(Media::Json);
    };
    let Some(media) = crate::protocol::negotiate(&headers) else {
        return not_acceptable();
    };
    let incoming = match crate::protocol::parse_get(query) {
        Ok(r) => r,
        Err(m) => return m.into_response(media),
    };
    // Mutations never over GET (GraphQL over HTTP): a GET must be safe.
    // Only a document within the limits is parsed here; `execute` refuses
    // the others before anything parses them.
    let request = &incoming.request;
    // The text that will run: with trusted documents, the registered one
    // an id names, whatever text came with it.
    let text = match app.state.trusted.as_deref() {
        Some(t) => t.text(&request.query, incoming.document_id.as_ref()),
        None => &request.query,
    };
    let within_limits = app.guard.check(text, &request.variables).is_ok();
    if within_limits && let Ok(doc) = async_graphql::parser::parse_query(text) {
        let mutation = doc.operations.iter().any(|(name, op)| {
            let selected = request
                .operation_name
                .as_deref()
                .is_none_or(|n| name.is_some_and(|x| x.as_str() == n));
            selected && op.node.ty == async_graphql::parser::types::OperationType::Mutation
        });
        if mutation {
            return Malformed {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "Mutations are accepted over POST only.",
            }
            .into_response(media);
        }
    }
    let batch = Batch {
        items: vec![incoming],
        single: true,
    };
    execute::run_to_completion(app, conn, headers, batch, media).await
}

async fn graphql_post(
    State(app): State<App>,
    conn: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(media) = crate::protocol::negotiate(&headers) else {
        return not_acceptable();
    };
    match crate::protocol::parse_post(&headers, &body) {
        Ok(batch) => execute::run_to_completion(app, conn, headers, batch, media).await,
        Err(m) => m.into_response(media),
    }
}

//! Every error in a response carries `extensions.code`. Errors raised by
//! resolvers get theirs from `AppError`; errors raised by async-graphql
//! itself (parse, validation, limits) get one here.
use async_graphql::{BatchResponse, Response, Value};

use crate::error::AppError;

fn code_for(message: &str) -> &'static str {
    if message.contains("too complex")
        || message.contains("nested too deep")
        || message.contains("too many")
    {
        "QUERY_TOO_COMPLEX"
    } else {
        "BAD_USER_INPUT"
    }
}

/// Whether `message` is one of async-graphql's input coercion errors
/// (`InputValueError`), which hold the client's own value, never internals.
fn is_coercion(message: &str) -> bool {
    [
        "Failed to parse \"",
        "Expected input type \"",
        "Invalid value for argument ",
    ]
    .iter()
    .any(|p| message.starts_with(p))
        // A required variable the request did not send: async-graphql finds
        // it only when a resolver reads the argument.
        || (message.starts_with("Variable ") && message.contains(" is not defined"))
}

/// The input field a validation message names (`argument "input.legalBasis"`
/// gives `legalBasis`).
fn field_in(message: &str) -> Option<String> {
    let rest = message.split_once("argument \"")?.1;
    let name = rest.split('"').next()?;
    Some(name.rsplit('.').next().unwrap_or(name).to_owned())
}

/// Adds the missing codes of one operation's response (idempotent), so that
/// its refusals can be recorded before the batch is answered.
pub fn add_codes_to(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code").cloned());
        let ext_code = match code {
            Some(code) => code,
            // Raised while executing but not an argument async-graphql failed
            // to coerce (`input_check` refuses those first; coercion errors
            // are classified below as a backstop).
            None if !error.path.is_empty() && !is_coercion(&error.message) => {
                // Raised while executing, yet not through `AppError`: some
                // library error converted by its `Display`. Its text may hold
                // SQL or values, so it is logged and replaced.
                tracing::error!(error = %error.message, "unclassified resolver error");
                error.message = AppError::internal("").user_message();
                Value::from("INTERNAL")
            }
            None => {
                if let Some(field) = field_in(&error.message) {
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("field", Value::from(field));
                }
                Value::from(code_for(&error.message))
            }
        };
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext_code == Value::from("INTERNAL") {
            // The id under which the detail was logged, for support.
            ext.set("requestId", Value::from(request_id));
        }
        ext.set("code", ext_code);
    }
}

/// Adds missing codes to every response of a batch, and the request id to
/// `INTERNAL` errors.
pub fn add_codes(batch: &mut BatchResponse, request_id: &str) {
    match batch {
        BatchResponse::Single(r) => add_codes_to(r, request_id),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(|r| add_codes_to(r, request_id)),
    }
}

/// The responses of a batch (one for a single request).
pub fn responses(batch: &BatchResponse) -> &[Response] {
    match batch {
        BatchResponse::Single(r) => std::slice::from_ref(r),
        BatchResponse::Batch(rs) => rs,
    }
}

/// The longest `extensions.retryAfter` of the `TOO_MANY_REQUESTS` errors, if
/// any: the value of the `Retry-After` header.
pub fn retry_after(batch: &BatchResponse) -> Option<u64> {
    responses(batch)
        .iter()
        .flat_map(|r| &r.errors)
        .filter_map(|e| {
            let ext = e.extensions.as_ref()?;
            if ext.get("code")? != &Value::from("TOO_MANY_REQUESTS") {
                return None;
            }
            match ext.get("retryAfter") {
                Some(Value::Number(n)) => n.as_u64(),
                _ => Some(1),
            }
        })
        .max()
}

/// Errors of nullable fields, held back so the field can be `null` in the
/// response (async-graphql 7 would leave the key out, and turn an object
/// whose every field failed into `null`).
#[derive(Debug, Clone, Default)]
pub struct DeferredErrors(pub std::sync::Arc<std::sync::Mutex<Vec<async_graphql::ServerError>>>);

impl DeferredErrors {
    /// Moves the held errors into the response.
    pub fn merge_into(&self, response: &mut Response) {
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        response.errors.append(&mut held);
    }
}

/// Extension that resolves a failed nullable field to `null` with its error
/// at its path, as the GraphQL specification asks (partial results).
pub struct NullOnError;

impl async_graphql::extensions::ExtensionFactory for NullOnError {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(NullOnErrorExtension)
    }
}

struct NullOnErrorExtension;

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for NullOnErrorExtension {
    async fn resolve(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        info: async_graphql::extensions::ResolveInfo<'_>,
        next: async_graphql::extensions::NextResolve<'_>,
    ) -> async_graphql::ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(err) if nullable => match ctx.data_opt::<DeferredErrors>() {
                Some(held) => {
                    held.0
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(err);
                    Ok(Some(Value::Null))
                }
                None => Err(err),
            },
            other => other,
        }
    }
}

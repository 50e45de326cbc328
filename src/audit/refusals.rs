//! Every refusal leaves a trace (access.md, "Audit log"). The gate,
//! `require` and the not-found notes record the refusals they decide, with
//! their subject. Everything else a resolver refuses (a write out of scope,
//! a record that is not there, a duplicate identifier) is found here, in the
//! operation's response, so that no resolver can forget it. Identical
//! refusals of one operation become one event with a count, so a flood of
//! refusals cannot flood the log.
//!
//! Such an event has entity type `Operation`, the code as its first field,
//! then the paths, and `repeat_count` refusals.
use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{PathSegment, Response, Value};

use super::{Action, AuditBuffer, NewEvent, Outcome};

/// The codes that mean "refused" rather than "malformed" or "failed".
/// `QUERY_TOO_COMPLEX` here comes from async-graphql's own depth and
/// complexity checks, which run after `limits` let the document through;
/// the refusals of `limits` never reach a response that is recorded here.
const REFUSALS: &[&str] = &["FORBIDDEN", "NOT_FOUND", "CONFLICT", "QUERY_TOO_COMPLEX"];

fn path_text(path: &[PathSegment]) -> String {
    path.iter()
        .map(|s| match s {
            PathSegment::Field(f) => f.clone(),
            PathSegment::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The path without list indices: what repeats when a refusal repeats.
fn path_shape(path: &[PathSegment]) -> String {
    path.iter()
        .filter_map(|s| match s {
            PathSegment::Field(f) => Some(f.as_str()),
            PathSegment::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Most distinct paths named in one refusal event.
const MAX_PATHS: usize = 20;

/// Adds one DENIED event per refusal code for the refusals in `response`
/// that have no event yet: its count, and the paths (without list indices,
/// at most 20) where they happened.
pub fn record(buffer: &AuditBuffer, response: &Response) {
    let mut by_code: BTreeMap<String, (i64, BTreeSet<String>)> = BTreeMap::new();
    for error in &response.errors {
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(Value::String(code)) if REFUSALS.contains(&code.as_str()) => code.clone(),
            _ => continue,
        };
        if buffer.take_refused(&path_text(&error.path)) {
            continue;
        }
        let (count, paths) = by_code.entry(code).or_default();
        *count += 1;
        if paths.len() < MAX_PATHS && !error.path.is_empty() {
            paths.insert(path_shape(&error.path));
        }
    }
    for (code, (count, paths)) in by_code {
        let mut fields = vec![code];
        fields.extend(paths);
        buffer.push(NewEvent {
            action: Action::Refused,
            entity_type: Some("Operation".into()),
            fields,
            outcome: Outcome::Denied,
            repeat_count: Some(count),
            ..NewEvent::default()
        });
    }
}

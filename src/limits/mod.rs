//! Bounds on a request, checked on the raw text before async-graphql parses
//! it (issue 10): the parser and validation recurse and expand fragments,
//! so a 4 KB document could overflow the stack and a 1 KB one cost seconds
//! of CPU before any limit of async-graphql's applied. `Guard::check` runs
//! `scan` (linear, no recursion) and `cost` (linear, fragments measured
//! once) on every operation of a batch, so a refusal takes milliseconds.
//!
//! Every refusal is `QUERY_TOO_COMPLEX` with a message naming the setting of
//! `[limits]`, the value found and the maximum; the audit log records the
//! refusal and the setting, never the document.
pub mod cost;
mod lex;
pub mod scan;
pub mod shape;

use std::collections::HashSet;

use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};

use crate::audit::{Action, NewEvent, Outcome};
use crate::config::LimitsConfig;
use crate::error::AppError;
use crate::graphql::pagination::{DEFAULT_FIRST, MAX_FIRST};
use scan::{First, Node, ScanLimits, Shape};

/// A limit a request passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The setting of `[limits]`.
    pub limit: &'static str,
    /// What the request reached (for limits checked while scanning: where
    /// the scan stopped, so at least this much).
    pub value: u64,
    /// The configured maximum.
    pub max: u64,
    /// A fragment that spreads itself, if that is the reason.
    pub cycle: Option<String>,
}

impl Refusal {
    fn new(limit: &'static str, value: u64, max: u64) -> Self {
        Self {
            limit,
            value,
            max,
            cycle: None,
        }
    }

    /// The sentence the client gets.
    pub fn message(&self) -> String {
        if let Some(fragment) = &self.cycle {
            return format!(
                "Request refused: fragment {fragment} spreads itself, so its cost has no bound ({}).",
                self.limit
            );
        }
        let what = match self.limit {
            "max_depth" => "field depth",
            "max_value_depth" => "value nesting depth",
            "max_nesting" => "bracket nesting",
            "max_tokens" => "token count",
            "max_aliases" => "alias count",
            "max_directives" => "directive count",
            "max_batch" => "batch size",
            "max_cost" => "estimated cost",
            "max_response_bytes" => "response size in bytes",
            other => other,
        };
        format!(
            "Request refused: {what} {} is above the limit {} ({}).",
            self.value, self.max, self.limit
        )
    }

    /// The error of the response.
    pub fn error(&self) -> AppError {
        AppError::QueryTooComplex(self.message())
    }

    /// The response of a refused request or operation: this error alone,
    /// without a location (the document was never parsed).
    pub fn response(&self) -> async_graphql::Response {
        use async_graphql::ErrorExtensions;
        let error = self.error().extend();
        let mut server_error = async_graphql::ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        async_graphql::Response::from_errors(vec![server_error])
    }

    /// The audit event: the code and the setting, not the document, which
    /// is the attacker's text and can be large.
    pub fn event(&self) -> NewEvent {
        NewEvent {
            action: Action::Refused,
            entity_type: Some("Operation".into()),
            fields: vec!["QUERY_TOO_COMPLEX".into(), self.limit.into()],
            outcome: Outcome::Denied,
            ..NewEvent::default()
        }
    }
}

/// The limits with what the schema says about lists.
#[derive(Debug, Clone)]
pub struct Guard {
    limits: LimitsConfig,
    /// Fields with a `first` argument (connections), by name.
    paged: HashSet<String>,
    /// Fields returning a list without paging, by name.
    lists: HashSet<String>,
}

impl Guard {
    /// Builds the guard from the settings and the schema's SDL. A field
    /// name is judged by every type that has it, so a name that is a list
    /// anywhere counts as one everywhere (an overestimate, never an under-).
    pub fn new(limits: &LimitsConfig, sdl: &str) -> Self {
        let mut paged = HashSet::new();
        let mut lists = HashSet::new();
        let doc = async_graphql::parser::parse_schema(sdl).unwrap_or_else(|e| {
            // The SDL is our own schema's: failing here is a bug, and
            // failing open would lose the cost limit.
            panic!("the schema's own SDL does not parse: {e}")
        });
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else {
                continue;
            };
            let (name, fields) = match &ty.node.kind {
                TypeKind::Object(o) => (ty.node.name.node.as_str(), &o.fields),
                TypeKind::Interface(i) => (ty.node.name.node.as_str(), &i.fields),
                _ => continue,
            };
            for field in fields {
                let f = &field.node;
                if f.arguments.iter().any(|a| a.node.name.node == "first") {
                    paged.insert(f.name.node.to_string());
                } else if matches!(f.ty.node.base, BaseType::List(_))
                    // A connection's edges are its page, counted at the
                    // connection by `first`.
                    && !name.ends_with("Connection")
                {
                    lists.insert(f.name.node.to_string());
                }
            }
        }
        Self {
            limits: limits.clone(),
            paged,
            lists,
        }
    }

    /// Refuses a batch of more than `max_batch` operations.
    pub fn check_batch(&self, operations: usize) -> Result<(), Refusal> {
        let max = self.limits.max_batch;
        if operations as u64 > max {
            return Err(Refusal::new("max_batch", operations as u64, max));
        }
        Ok(())
    }

    /// Refuses a response of more than `max_response_bytes`.
    pub fn check_response(&self, bytes: usize) -> Result<(), Refusal> {
        let max = self.limits.max_response_bytes;
        if bytes > max {
            return Err(Refusal::new("max_response_bytes", bytes as u64, max as u64));
        }
        Ok(())
    }

    /// Checks one document against every limit, in time linear in its
    /// length, without parsing it.
    pub fn check(&self, query: &str, variables: &async_graphql::Variables) -> Result<(), Refusal> {
        let l = &self.limits;
        let shape = scan::scan(
            query,
            ScanLimits {
                max_tokens: l.max_tokens,
                max_aliases: l.max_aliases,
                max_directives: l.max_directives,
                max_value_depth: l.max_value_depth,
                max_nesting: self.max_nesting(),
            },
        )
        .map_err(|e| Refusal::new(e.limit, e.value, e.max))?;
        let measures = cost::measure(&shape, |node| self.multiplier(&shape, node, variables))
            .map_err(|cost::Cycle(fragment)| Refusal {
                cycle: Some(fragment),
                ..Refusal::new("max_cost", u64::MAX, l.max_cost)
            })?;
        for m in measures {
            if m.depth > l.max_depth {
                return Err(Refusal::new("max_depth", m.depth, l.max_depth));
            }
            if m.cost > l.max_cost {
                return Err(Refusal::new("max_cost", m.cost, l.max_cost));
            }
        }
        Ok(())
    }

    /// Brackets open at once: enough for `max_depth` fields each with an
    /// inline fragment, plus values `max_value_depth` deep, plus a margin;
    /// it bounds what the others cannot see (introspection, stray braces).
    fn max_nesting(&self) -> u64 {
        let l = &self.limits;
        l.max_depth
            .saturating_mul(2)
            .saturating_add(l.max_value_depth)
            .saturating_add(8)
    }

    /// Expected elements of a field's list: `first` (at most the largest
    /// page) for a connection, `list_estimate` for an unpaged list, else 1.
    fn multiplier(&self, shape: &Shape, node: &Node, variables: &async_graphql::Variables) -> u64 {
        if self.paged.contains(&node.name) {
            let first = match &node.first {
                None => DEFAULT_FIRST,
                Some(First::Literal(n)) => *n,
                // A variable that is not given (or not a number) could be
                // anything up to the largest page: assume the largest.
                Some(First::Variable(v)) => match variables.get(v.as_str()) {
                    Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(0),
                    Some(async_graphql::Value::Null) => DEFAULT_FIRST,
                    _ => MAX_FIRST,
                },
            };
            let first = first.min(MAX_FIRST);
            // A name that is a connection at the root and an unpaged list
            // below it (`placements`): without `first`, below the root it is
            // the list.
            let nested = node.parent.is_some_and(|p| shape.nodes[p].parent.is_some());
            if self.lists.contains(&node.name) && node.first.is_none() && nested {
                self.limits.list_estimate
            } else {
                first
            }
        } else if self.lists.contains(&node.name) {
            self.limits.list_estimate
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests;

//! Relay connections with `totalCount`, offset cursors, `first` capped.
use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;

use crate::error::{AppError, AppResult};

/// Default page size.
pub const DEFAULT_FIRST: u64 = 50;
/// Largest page size.
pub const MAX_FIRST: u64 = 500;

/// Extra connection fields.
#[derive(SimpleObject)]
pub struct Counted {
    /// Number of records in the caller's scope that match the filter.
    pub total_count: i64,
}

/// A page request resolved to offset and limit.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    /// Validates `first` and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let limit = match first {
            None => DEFAULT_FIRST,
            Some(n) if n < 0 => {
                return Err(AppError::bad_input("first", "first must not be negative."));
            }
            Some(n) => (n as u64).min(MAX_FIRST),
        };
        let offset = match after {
            None => 0,
            Some(cursor) => {
                decode(&cursor)
                    .ok_or_else(|| AppError::bad_input("after", "The cursor is not valid."))?
                    + 1
            }
        };
        Ok(Self { offset, limit })
    }
}

fn encode(offset: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("o:{offset}"))
}

fn decode(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

/// A connection type with `totalCount`.
pub type CountedConnection<T> = Connection<String, T, Counted>;

/// Builds a connection from one page of nodes.
pub fn connection<T: OutputType>(page: Page, nodes: Vec<T>, total: u64) -> CountedConnection<T> {
    let has_next = page.offset + (nodes.len() as u64) < total;
    let mut conn = Connection::with_additional_fields(
        page.offset > 0,
        has_next,
        Counted {
            total_count: total as i64,
        },
    );
    conn.edges.extend(
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| Edge::new(encode(page.offset + i as u64), node)),
    );
    conn
}

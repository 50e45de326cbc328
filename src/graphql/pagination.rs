//! Relay connections with `totalCount`, offset cursors, `first` bounded.
use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;

use crate::error::{AppError, AppResult};

/// Default page size.
pub const DEFAULT_FIRST: u64 = 50;
/// Largest page size; a larger `first` is refused.
pub const MAX_FIRST: u64 = 500;
/// Largest offset a cursor may hold. Cursors the server hands out hold row
/// numbers far below it; anything above is made up and refused rather than
/// bound as a SQL offset (an offset beyond `i64` used to panic the driver).
pub const MAX_OFFSET: u64 = 1_000_000_000;

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

/// Checks `first`: 0 to [`MAX_FIRST`], default [`DEFAULT_FIRST`].
pub fn limit(first: Option<i32>) -> AppResult<u64> {
    match first.map(u64::try_from) {
        None => Ok(DEFAULT_FIRST),
        Some(Ok(n)) if n <= MAX_FIRST => Ok(n),
        Some(_) => Err(AppError::bad_input(
            "first",
            format!("first must lie in 0-{MAX_FIRST}."),
        )),
    }
}

impl Page {
    /// Validates `first` and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let limit = limit(first)?;
        let offset = match after {
            None => 0,
            Some(cursor) => {
                decode(&cursor)
                    .filter(|o| *o < MAX_OFFSET)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_cursors_and_page_sizes_are_refused() {
        let cursor = |s: &str| Some(base64::engine::general_purpose::STANDARD.encode(s));
        assert_eq!(
            Page::new(None, cursor("o:4")).map(|p| p.offset).ok(),
            Some(5)
        );
        for bad in [
            "o:9223372036854775807",
            "o:18446744073709551615",
            "o:-1",
            "s:3",
            "x",
        ] {
            assert!(Page::new(None, cursor(bad)).is_err(), "{bad}");
        }
        assert!(Page::new(None, Some("not base64!".into())).is_err());
        assert_eq!(limit(Some(500)).ok(), Some(500));
        assert!(limit(Some(501)).is_err() && limit(Some(-1)).is_err());
    }
}

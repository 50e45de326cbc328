//! Relay connections with `totalCount`, offset cursors, `first` bounded.
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use base64::Engine;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Select};

use crate::error::{AppError, AppResult};

/// Default page size.
pub const DEFAULT_FIRST: u64 = 50;
/// Largest page size; a larger `first` is refused.
pub const MAX_FIRST: u64 = 500;
/// Largest offset a cursor may hold. Cursors the server hands out hold row
/// numbers far below it; anything above is made up and refused rather than
/// bound as a SQL offset (an offset beyond `i64` used to panic the driver).
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// Extra connection fields. The count is made only when the selection asks
/// for `totalCount`: counting costs a statement that reads every matching
/// row (at 10M audit events, most of the time of `auditEvents`; issue 12).
pub struct Counted(Option<u64>);

impl Counted {
    /// The count, made or not.
    pub fn new(total: Option<u64>) -> Self {
        Self(total)
    }
}

#[Object]
impl Counted {
    /// Number of records in the caller's scope that match the filter.
    async fn total_count(&self) -> async_graphql::Result<i64> {
        // Counted whenever the field is selected (`wants_total`); a missing
        // count is a bug, never a number to guess.
        let total = self
            .0
            .ok_or_else(|| AppError::internal("totalCount was selected but not counted"))?;
        Ok(i64::try_from(total).unwrap_or(i64::MAX))
    }
}

/// Whether the connection being resolved selects `totalCount`.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Counts `query`'s rows if the selection asks for `totalCount`.
pub async fn count_if_asked<E, C>(
    ctx: &Context<'_>,
    db: &C,
    query: &Select<E>,
) -> AppResult<Option<u64>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    if !wants_total(ctx) {
        return Ok(None);
    }
    Ok(Some(query.clone().count(db).await?))
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

    /// Rows to fetch: one more than the page, to tell whether a next page
    /// exists without counting.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// Cuts the extra row [`Page::fetch`] asked for; whether there was one.
    pub fn cut<T>(&self, rows: &mut Vec<T>) -> bool {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        more
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

/// Builds a connection from one page of nodes (cut with [`Page::cut`]).
pub fn connection<T: OutputType>(
    page: Page,
    nodes: Vec<T>,
    has_next: bool,
    total: Option<u64>,
) -> CountedConnection<T> {
    let mut conn = Connection::with_additional_fields(page.offset > 0, has_next, Counted(total));
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

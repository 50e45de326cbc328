//! Paging of event lists, newest first, with keyset cursors.
//!
//! The log grows while an auditor pages through it, not least by the
//! auditor's own queries, each of which appends an event. Offset cursors on
//! a newest-first list would then repeat events on the next page; a cursor
//! that holds the sequence number of the last event seen does not, because
//! the next page is "sequence below the cursor" however many events arrive.
use async_graphql::connection::{Connection, Edge};
use base64::Engine;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::types::AuditEvent;
use crate::entity::audit_event;
use crate::error::{AppError, AppResult};
use crate::graphql::pagination::{Counted, CountedConnection};

/// The cursor of the event with `sequence`.
pub fn encode(sequence: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("s:{sequence}"))
}

/// The sequence number in a cursor made by `encode`.
pub fn decode(cursor: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("s:")?
        .parse()
        .ok()
        .filter(|s| *s > 0)
}

/// One page of the events matching `cond`, newest first. `first` is bounded
/// like every other list (default 50, at most 500); `totalCount` counts
/// every matching event now in the log, when `count` says the selection asks
/// for it.
pub async fn page_of<C: ConnectionTrait>(
    db: &C,
    count: bool,
    cond: Condition,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<CountedConnection<AuditEvent>> {
    let limit = crate::graphql::pagination::limit(first)?;
    let below = match after {
        None => None,
        Some(cursor) => Some(
            decode(cursor)
                .ok_or_else(|| AppError::bad_input("after", "The cursor is not valid."))?,
        ),
    };
    let total = if count {
        Some(
            audit_event::Entity::find()
                .filter(cond.clone())
                .count(db)
                .await?,
        )
    } else {
        None
    };
    let mut query = audit_event::Entity::find().filter(cond);
    if let Some(below) = below {
        query = query.filter(audit_event::Column::Sequence.lt(below));
    }
    // One row more than asked tells whether there is a next page.
    let mut rows = query
        .order_by_desc(audit_event::Column::Sequence)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut conn =
        Connection::with_additional_fields(below.is_some(), has_next, Counted::new(total));
    conn.edges.extend(
        rows.into_iter()
            .map(|m| Edge::new(encode(m.sequence), AuditEvent(m))),
    );
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode(&encode(42)), Some(42));
        // An offset cursor of the other lists is not an event cursor.
        let offset = base64::engine::general_purpose::STANDARD.encode("o:3");
        assert_eq!(decode(&offset), None);
        assert_eq!(decode("not base64!"), None);
        let zero = base64::engine::general_purpose::STANDARD.encode("s:0");
        assert_eq!(decode(&zero), None);
    }
}

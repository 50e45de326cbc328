//! CSV export of a filtered event list for the monthly log review
//! (RFC 4180: a header row, CRLF line ends, fields quoted when they hold a
//! comma, a quote or a line break, quotes doubled).
//!
//! It is served as the GraphQL query `auditEventsCsv`, not as a separate
//! HTTP route, so that it shares the GraphQL handler's authentication, the
//! request's audit buffer and its fail-closed write without a second copy
//! of that logic.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::types::{changed_fields, split_list};
use crate::entity::audit_event;
use crate::error::{AppError, AppResult};

/// Most rows one export may hold; a wider filter must be narrowed.
pub const MAX_ROWS: u64 = 100_000;

/// Rows fetched per statement.
const PAGE: u64 = 1000;

/// The columns, in order. Never the values before or after a change.
pub const HEADER: &[&str] = &[
    "sequence",
    "id",
    "occurredAt",
    "actorId",
    "actorUsername",
    "roles",
    "action",
    "outcome",
    "entityType",
    "entityId",
    "subjectChildId",
    "fields",
    "changedFields",
    "justification",
    "flagged",
    "flagReason",
    "grantId",
    "requestId",
    "operationName",
    "clientAddress",
];

/// Quotes one field per RFC 4180. A field that a spreadsheet would run as
/// a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return)
/// gets a leading apostrophe: attempted usernames end up here, and the
/// review happens in a spreadsheet.
pub fn field(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if neutral.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

fn push_row(out: &mut String, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn row(m: &audit_event::Model) -> Vec<String> {
    vec![
        m.sequence.to_string(),
        m.id.to_string(),
        crate::audit::event::canonical_time(&m.occurred_at),
        opt(m.actor_id),
        opt(m.actor_username.as_deref()),
        split_list(&m.actor_roles).join(";"),
        m.action.clone(),
        m.outcome.clone(),
        opt(m.entity_type.as_deref()),
        opt(m.entity_id.as_deref()),
        opt(m.subject_child_id),
        split_list(&m.fields).join(";"),
        changed_fields(m.changes.as_deref())
            .map(|f| f.join(";"))
            .unwrap_or_default(),
        opt(m.justification.as_deref()),
        m.flagged.to_string(),
        opt(m.flag_reason.as_deref()),
        opt(m.grant_id),
        opt(m.request_id.as_deref()),
        opt(m.operation_name.as_deref()),
        opt(m.client_addr.as_deref()),
    ]
}

/// The events matching `cond` as CSV, oldest first. More than `MAX_ROWS`
/// matches is `BAD_USER_INPUT` on `filter`.
pub async fn export<C: ConnectionTrait>(db: &C, cond: Condition) -> AppResult<String> {
    // The export is of the log as it stands now: events appended while it
    // runs (the auditor's own query among them) are left for the next one.
    let upto: Option<i64> = audit_event::Entity::find()
        .select_only()
        .expr(Expr::col(audit_event::Column::Sequence).max())
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let cond = cond.add(audit_event::Column::Sequence.lte(upto.unwrap_or(0)));
    let total = audit_event::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    if total > MAX_ROWS {
        return Err(AppError::bad_input(
            "filter",
            format!(
                "{total} events match; an export holds at most {MAX_ROWS}. Narrow the filter, e.g. with from and to."
            ),
        ));
    }
    let mut out = String::new();
    push_row(
        &mut out,
        &HEADER.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>(),
    );
    let mut after = 0i64;
    // Keyset paging on the sequence: each page is one indexed range scan,
    // and events appended meanwhile cannot shift a page.
    loop {
        let page = audit_event::Entity::find()
            .filter(cond.clone())
            .filter(audit_event::Column::Sequence.gt(after))
            .order_by_asc(audit_event::Column::Sequence)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.sequence;
        for m in &page {
            push_row(&mut out, &row(m));
        }
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_per_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\r\nlines"), "\"two\r\nlines\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("@sum"), "'@sum");
        assert_eq!(field("+1"), "'+1");
    }
}

//! Appending to the hash chain and verifying it.
//!
//! Appends lock the single `audit_head` row (PostgreSQL `SELECT ... FOR
//! UPDATE`; SQLite has one writer), read the last sequence and hash, chain
//! the new events, insert them in one multi-row statement and move the head,
//! all inside the caller's transaction. Whoever appends, the writer task for
//! reads or a mutation in its own transaction, the head lock serialises them,
//! so the chain never forks and never has a gap, across processes too.
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::event::{Actor, Canonical, NewEvent, audit_now, bounds, canonical_time, clean};
use crate::entity::{audit_event, audit_head};
use crate::error::{AppError, AppResult};

/// Largest estimated size of one audit insert on the wire. sqlx 0.9.0 does
/// not set TCP_NODELAY on its sockets (launchbadge/sqlx#4335, fixed by
/// #4336 but not released), so over TCP part of a large message waits for
/// the server's delayed ACK, about 40 ms, while the audit head's row lock is
/// held, which serialised every request behind it (issue 12). Measured with
/// `scripts/bench-caseworker` at 2 connections: one insert of about 140 KB
/// per request gave 18.8 req/s (p50 103 ms); inserts of at most 32 KB
/// stalled on each (10.7 req/s); 8 KB gave 36.7 req/s (p50 53 ms), close to
/// a Unix socket (40.1 req/s), which has no Nagle at all and is the better
/// choice where the database is local (README, "Performance"). The extra
/// statements are a few round trips of well under a millisecond. It also
/// keeps far below SQLite's 32766 bound values.
const MAX_INSERT_BYTES: usize = 8 * 1024;

/// The bytes an event takes in an insert: its texts, plus the fixed-size
/// columns and the protocol's per-value overhead (about 4 bytes of length
/// for each of 26 values).
fn wire_size(c: &Canonical) -> usize {
    let texts = [
        c.actor_username.as_deref(),
        Some(c.actor_roles.as_str()),
        c.token_id.as_deref(),
        c.request_id.as_deref(),
        c.client_addr.as_deref(),
        c.operation_name.as_deref(),
        Some(c.action.as_str()),
        c.entity_type.as_deref(),
        c.entity_id.as_deref(),
        Some(c.fields.as_str()),
        Some(c.outcome.as_str()),
        c.justification.as_deref(),
        c.changes.as_deref(),
        c.flag_reason.as_deref(),
        Some(c.prev_hash.as_str()),
        c.client_request_id.as_deref(),
    ];
    // Two hashes of 64 characters, four ids of 16 bytes, times, numbers.
    let fixed = 64 + 4 * 16 + 64 + 26 * 4;
    fixed + texts.iter().flatten().map(|t| t.len()).sum::<usize>()
}

/// Appends `events`, each with its actor, inside `conn`'s transaction.
pub async fn append<C: ConnectionTrait>(conn: &C, events: Vec<(Actor, NewEvent)>) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let head = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal("audit head row is missing"))?;
    let mut sequence = head.last_sequence;
    let mut prev_hash = head.last_hash;
    let now = audit_now();
    let mut rows = Vec::with_capacity(events.len());
    for (actor, event) in events {
        sequence += 1;
        let (actor_id, actor_username) = match event.actor_override {
            Some((id, name)) => (id, Some(name)),
            None => (actor.user_id, actor.username),
        };
        // Every text is cleaned here, the one way into the log, so no
        // client-supplied value can break the shared insert or a report.
        let name = |v: Option<String>| v.map(|v| clean(&v, bounds::NAME));
        let text = |v: Option<String>| v.map(|v| clean(&v, bounds::TEXT));
        let canonical = Canonical {
            sequence,
            // Time-ordered (UUIDv7): a random id would land anywhere in
            // the unique index, touching a cold page per event at 10M
            // events; in time order the inserts share the rightmost pages.
            id: Uuid::now_v7(),
            occurred_at: canonical_time(&now),
            actor_id,
            actor_username: name(actor_username),
            actor_roles: clean(&actor.roles, bounds::TEXT),
            token_id: name(actor.token_id),
            request_id: name(actor.request_id),
            client_addr: name(actor.client_addr),
            operation_name: name(actor.operation_name),
            action: event.action.as_str().to_owned(),
            entity_type: name(event.entity_type),
            entity_id: name(event.entity_id),
            subject_child_id: event.subject_child_id,
            fields: clean(&event.fields.join(","), bounds::FIELDS),
            outcome: event.outcome.as_str().to_owned(),
            justification: text(event.justification),
            // Serialised JSON escapes every control character.
            changes: event.changes.map(|c| c.to_string()),
            flagged: event.flagged,
            flag_reason: text(event.flag_reason),
            grant_id: event.grant_id,
            prev_hash: prev_hash.clone(),
            client_request_id: name(actor.client_request_id),
            subject_protected: event.subject_protected,
            repeat_count: event.repeat_count.filter(|n| *n > 1),
        };
        let hash = canonical.hash();
        let size = wire_size(&canonical);
        rows.push((to_active(canonical, now, hash.clone()), size));
        prev_hash = hash;
    }
    // Inserts of at most `MAX_INSERT_BYTES` each: see there.
    let mut start = 0;
    while start < rows.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < rows.len() && (end == start || bytes + rows[end].1 <= MAX_INSERT_BYTES) {
            bytes += rows[end].1;
            end += 1;
        }
        let chunk: Vec<audit_event::ActiveModel> =
            rows[start..end].iter().map(|r| r.0.clone()).collect();
        audit_event::Entity::insert_many(chunk).exec(conn).await?;
        start = end;
    }
    audit_head::Entity::update(audit_head::ActiveModel {
        id: Set(1),
        last_sequence: Set(sequence),
        last_hash: Set(prev_hash),
    })
    .exec(conn)
    .await?;
    Ok(())
}

fn to_active(
    c: Canonical,
    now: chrono::DateTime<chrono::Utc>,
    hash: String,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        sequence: Set(c.sequence),
        id: Set(c.id),
        occurred_at: Set(now),
        actor_id: Set(c.actor_id),
        actor_username: Set(c.actor_username),
        actor_roles: Set(c.actor_roles),
        token_id: Set(c.token_id),
        request_id: Set(c.request_id),
        client_addr: Set(c.client_addr),
        operation_name: Set(c.operation_name),
        action: Set(c.action),
        entity_type: Set(c.entity_type),
        entity_id: Set(c.entity_id),
        subject_child_id: Set(c.subject_child_id),
        fields: Set(c.fields),
        outcome: Set(c.outcome),
        justification: Set(c.justification),
        changes: Set(c.changes),
        flagged: Set(c.flagged),
        flag_reason: Set(c.flag_reason),
        grant_id: Set(c.grant_id),
        prev_hash: Set(c.prev_hash),
        hash: Set(hash),
        client_request_id: Set(c.client_request_id),
        subject_protected: Set(c.subject_protected),
        repeat_count: Set(c.repeat_count),
    }
}

/// The canonical form of a stored event.
pub fn canonical_of(m: &audit_event::Model) -> Canonical {
    Canonical {
        sequence: m.sequence,
        id: m.id,
        occurred_at: canonical_time(&m.occurred_at),
        actor_id: m.actor_id,
        actor_username: m.actor_username.clone(),
        actor_roles: m.actor_roles.clone(),
        token_id: m.token_id.clone(),
        request_id: m.request_id.clone(),
        client_addr: m.client_addr.clone(),
        operation_name: m.operation_name.clone(),
        action: m.action.clone(),
        entity_type: m.entity_type.clone(),
        entity_id: m.entity_id.clone(),
        subject_child_id: m.subject_child_id,
        fields: m.fields.clone(),
        outcome: m.outcome.clone(),
        justification: m.justification.clone(),
        changes: m.changes.clone(),
        flagged: m.flagged,
        flag_reason: m.flag_reason.clone(),
        grant_id: m.grant_id,
        prev_hash: m.prev_hash.clone(),
        client_request_id: m.client_request_id.clone(),
        subject_protected: m.subject_protected,
        repeat_count: m.repeat_count,
    }
}

/// Result of checking the whole chain.
#[derive(Debug, Clone, async_graphql::SimpleObject)]
#[graphql(name = "AuditChainReport")]
pub struct ChainReport {
    /// Whether every event is intact and in place.
    pub valid: bool,
    /// Number of events checked.
    pub events_checked: i64,
    /// Sequence number of the first event that is altered, missing or out of place.
    pub first_broken_sequence: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

/// Walks the chain from the first event and reports the first break.
pub async fn verify<C: ConnectionTrait>(conn: &C) -> AppResult<ChainReport> {
    let head = audit_head::Entity::find_by_id(1).one(conn).await?;
    let mut expected_seq = 1i64;
    let mut prev_hash = super::event::GENESIS_HASH.to_owned();
    let broken = |seq: i64, checked: i64, problem: &str| ChainReport {
        valid: false,
        events_checked: checked,
        first_broken_sequence: Some(seq),
        problem: Some(problem.to_owned()),
    };
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Sequence.gte(expected_seq))
            .order_by_asc(audit_event::Column::Sequence)
            .limit(2000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for event in page {
            let checked = expected_seq - 1;
            if event.sequence != expected_seq {
                return Ok(broken(
                    expected_seq,
                    checked,
                    "event missing (gap in the sequence)",
                ));
            }
            if event.prev_hash != prev_hash {
                return Ok(broken(
                    event.sequence,
                    checked,
                    "previous-hash link does not match",
                ));
            }
            if canonical_of(&event).hash() != event.hash {
                return Ok(broken(
                    event.sequence,
                    checked,
                    "event content does not match its hash",
                ));
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
    }
    let checked = expected_seq - 1;
    if let Some(head) = head {
        if checked > head.last_sequence {
            // A well-chained event appended without moving the head: forged,
            // or written around the application.
            let first_extra = head.last_sequence + 1;
            return Ok(broken(
                first_extra,
                head.last_sequence,
                "event after the recorded end of the log",
            ));
        }
        if checked < head.last_sequence || head.last_hash != prev_hash {
            return Ok(broken(
                checked + 1,
                checked,
                "events at the end of the log are missing",
            ));
        }
    }
    Ok(ChainReport {
        valid: true,
        events_checked: checked,
        first_broken_sequence: None,
        problem: None,
    })
}

/// Runs `verify` on one snapshot of the log (PostgreSQL REPEATABLE READ,
/// read only), so events appended meanwhile cannot look like a broken end.
/// SQLite runs on one connection, where a transaction is a snapshot already.
pub async fn verify_snapshot(db: &sea_orm::DatabaseConnection) -> AppResult<ChainReport> {
    use sea_orm::{AccessMode, DbBackend, IsolationLevel, TransactionTrait};
    let txn = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    };
    let report = verify(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

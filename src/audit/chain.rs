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

pub use super::event::canonical_of;
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

/// Result of checking the chain.
#[derive(Debug, Clone, async_graphql::SimpleObject)]
#[graphql(name = "AuditChainReport")]
pub struct ChainReport {
    /// Whether every event checked is intact and in place.
    pub valid: bool,
    /// Number of events known intact: from the first up to here (those
    /// before `checkedFrom` by a verified checkpoint).
    pub events_checked: i64,
    /// The first sequence read in this check: 1 for a full walk, else the
    /// event after the latest verified checkpoint.
    pub checked_from: i64,
    /// Sequence number of the first event that is altered, missing or out of place.
    pub first_broken_sequence: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
    /// The latest full walk of this server process (`[audit]
    /// full_walk_minutes`), if one has finished since it started.
    pub last_full_walk: Option<super::checkpoint::FullWalk>,
}

/// Where a check starts: a verified checkpoint, or the first event.
pub type Start = Option<(i64, String)>;

/// Walks the chain from `start` (the first event when `None`) up to the
/// head as it is when the walk starts, and reports the first break; with
/// the hash of the last event found intact.
///
/// The walk reads pages of 2000 events, each its own statement, never one
/// long transaction: on SQLite's single connection other requests run
/// between pages. That is sound without a snapshot because an append adds
/// events and moves the head in one transaction, so everything up to the
/// head read first is complete, and events appended later are simply not
/// part of this walk. A forged event beyond the head is found by one
/// statement at the end that compares the log with the head of that moment.
///
/// `known` are verified checkpoints (sequence to hash): an event there must
/// still have that hash, and none may lie beyond the end of the walk, or
/// events were removed and the log refilled.
pub async fn verify_from<C: ConnectionTrait>(
    conn: &C,
    start: Start,
    known: &std::collections::HashMap<i64, String>,
) -> AppResult<(ChainReport, String)> {
    walk(conn, start, known, 0).await
}

/// `verify_from`, resting `rest` times as long as each page took before
/// the next: a background walk at `rest` 3 takes at most about a quarter
/// of the time it runs, so requests keep their speed (issue 12).
pub async fn walk<C: ConnectionTrait>(
    conn: &C,
    start: Start,
    known: &std::collections::HashMap<i64, String>,
    rest: u32,
) -> AppResult<(ChainReport, String)> {
    let head = audit_head::Entity::find_by_id(1).one(conn).await?;
    let end = head.as_ref().map_or(i64::MAX, |h| h.last_sequence);
    let (mut expected_seq, mut prev_hash) = match &start {
        None => (1i64, super::event::GENESIS_HASH.to_owned()),
        Some((seq, hash)) => (*seq + 1, hash.clone()),
    };
    let checked_from = expected_seq;
    let broken = |seq: i64, checked: i64, problem: &str| ChainReport {
        valid: false,
        events_checked: checked,
        checked_from,
        first_broken_sequence: Some(seq),
        problem: Some(problem.to_owned()),
        last_full_walk: None,
    };
    if let Some((seq, hash)) = &start {
        // The checkpointed event itself must still be the one verified.
        let event = audit_event::Entity::find_by_id(*seq).one(conn).await?;
        match event {
            Some(e) if e.hash == *hash && canonical_of(&e).hash() == e.hash => {}
            _ => {
                return Ok((
                    broken(
                        *seq,
                        seq - 1,
                        "the event of a verified checkpoint was altered",
                    ),
                    prev_hash,
                ));
            }
        }
    }
    let page_from = |from: i64| {
        audit_event::Entity::find()
            .filter(audit_event::Column::Sequence.gte(from))
            .filter(audit_event::Column::Sequence.lte(end))
            .order_by_asc(audit_event::Column::Sequence)
            .limit(2000)
            .all(conn)
    };
    let mut page = page_from(expected_seq).await?;
    while !page.is_empty() {
        let began = std::time::Instant::now();
        // The next page is asked for while this one is hashed, on blocking
        // threads in two halves (the hashes are most of the walk's CPU):
        // 180k events/s walking one page after the other, about 250k so
        // (issue 12 asks for 200k from the command line).
        let next_from = page.last().map_or(expected_seq, |e| e.sequence + 1);
        let hashing = tokio::task::spawn_blocking(move || {
            let intact = content_intact(&page);
            (page, intact)
        });
        let (next, hashed) = futures::join!(page_from(next_from), hashing);
        let (done, intact) = hashed.map_err(|_| AppError::internal("hashing task failed"))?;
        for (event, intact) in done.into_iter().zip(intact) {
            let checked = expected_seq - 1;
            let problem = if event.sequence != expected_seq {
                Some((expected_seq, "event missing (gap in the sequence)"))
            } else if event.prev_hash != prev_hash {
                Some((event.sequence, "previous-hash link does not match"))
            } else if !intact {
                Some((event.sequence, "event content does not match its hash"))
            } else if known.get(&event.sequence).is_some_and(|h| *h != event.hash) {
                Some((event.sequence, "event differs from a verified checkpoint"))
            } else {
                None
            };
            if let Some((seq, what)) = problem {
                return Ok((broken(seq, checked, what), prev_hash));
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
        page = next?;
        if rest > 0 {
            tokio::time::sleep(began.elapsed() * rest).await;
        }
    }
    let checked = expected_seq - 1;
    if known.keys().any(|s| *s > checked) {
        return Ok((
            broken(
                checked + 1,
                checked,
                "events verified at a checkpoint are missing (the log was cut)",
            ),
            prev_hash,
        ));
    }
    if let Some(extra) = beyond_head(conn).await? {
        // An event appended without moving the head: forged, or written
        // around the application.
        return Ok((
            broken(extra, extra - 1, "event after the recorded end of the log"),
            prev_hash,
        ));
    }
    if let Some(head) = head
        && (checked < head.last_sequence || head.last_hash != prev_hash)
    {
        return Ok((
            broken(
                checked + 1,
                checked,
                "events at the end of the log are missing",
            ),
            prev_hash,
        ));
    }
    let report = ChainReport {
        valid: true,
        events_checked: checked,
        checked_from,
        first_broken_sequence: None,
        problem: None,
        last_full_walk: None,
    };
    Ok((report, prev_hash))
}

/// Whether each event's content matches its stored hash, computed on two
/// threads.
fn content_intact(page: &[audit_event::Model]) -> Vec<bool> {
    let check = |part: &[audit_event::Model]| -> Vec<bool> {
        part.iter()
            .map(|e| canonical_of(e).hash() == e.hash)
            .collect()
    };
    let (a, b) = page.split_at(page.len() / 2);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| check(a));
        let mut second = check(b);
        // A panicking hash is a broken event, never an intact one.
        let mut out = first.join().unwrap_or_else(|_| vec![false; a.len()]);
        out.append(&mut second);
        out
    })
}

/// The first event beyond the head, judged in one statement (one
/// consistent view of the log and its head).
async fn beyond_head<C: ConnectionTrait>(conn: &C) -> AppResult<Option<i64>> {
    let sql = "SELECT MIN(e.sequence) AS first FROM audit_events e, audit_head h \
               WHERE h.id = 1 AND e.sequence > h.last_sequence";
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql.to_owned());
    Ok(match conn.query_one_raw(stmt).await? {
        Some(row) => row.try_get::<Option<i64>>("", "first")?,
        None => None,
    })
}

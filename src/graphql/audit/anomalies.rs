//! The anomaly reports: emergency access, protected identities, denied
//! attempts per user, and read volume far above the peers'. (Access outside
//! office hours is in `hours`.) Counting and grouping happen in SQL; only the
//! per-user counts come back for the median.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::types::{AuditActor, DeniedAttempts, ReadVolumeOutlier, split_list};
use crate::audit::{Action, Outcome};
use crate::entity::{audit_event, child};
use crate::error::AppResult;

/// Events under emergency access: the grants and every read under them.
pub fn emergency_access() -> Condition {
    Condition::any()
        .add(audit_event::Column::GrantId.is_not_null())
        .add(audit_event::Column::Action.eq(Action::EmergencyAccessGranted.as_str()))
}

/// Every event flagged for review: emergency access, protected identity
/// changes, duplicate personal identity numbers of children outside the
/// caller's scope, refresh-token reuse, case-data grants.
pub fn flagged() -> Condition {
    Condition::all().add(audit_event::Column::Flagged.eq(true))
}

/// Reads (allowed or denied) of children who had protected identity at
/// the time of the read, including reads of the address and phone of the
/// setting where such a child is placed. Events written before the time of
/// the read was recorded fall back to the child's protection now.
pub fn protected_identity_reads() -> Condition {
    use audit_event::Column as A;
    let protected_now = Query::select()
        .column(child::Column::Id)
        .from(child::Entity)
        .and_where(child::Column::ProtectedIdentity.eq(true))
        .to_owned();
    Condition::all()
        .add(A::Action.eq(Action::Read.as_str()))
        .add(
            Condition::any().add(A::SubjectProtected.eq(true)).add(
                Condition::all()
                    .add(A::SubjectProtected.is_null())
                    .add(A::SubjectChildId.in_subquery(protected_now)),
            ),
        )
}

type DeniedRow = (
    Option<Uuid>,
    Option<String>,
    i64,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// Denied events per actor in `period`, most first.
pub async fn denied_by_user<C: ConnectionTrait>(
    db: &C,
    period: Condition,
) -> AppResult<Vec<DeniedAttempts>> {
    use audit_event::Column as A;
    let failed_login = Expr::case(A::Action.eq(Action::LoginFailed.as_str()), 1).finally(0);
    let rows: Vec<DeniedRow> = audit_event::Entity::find()
        .select_only()
        .column(A::ActorId)
        .column(A::ActorUsername)
        .expr_as(
            Expr::cust("CAST(SUM(COALESCE(repeat_count, 1)) AS BIGINT)"),
            "denied",
        )
        .expr_as(Into::<Expr>::into(failed_login).sum(), "failed_logins")
        .expr_as(Expr::col(A::OccurredAt).min(), "first_at")
        .expr_as(Expr::col(A::OccurredAt).max(), "last_at")
        .filter(A::Outcome.eq(Outcome::Denied.as_str()))
        .filter(period)
        .group_by(A::ActorId)
        .group_by(A::ActorUsername)
        .order_by_desc(Expr::cust("CAST(SUM(COALESCE(repeat_count, 1)) AS BIGINT)"))
        .order_by_asc(A::ActorUsername)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, username, denied, failed, first, last)| DeniedAttempts {
                actor: AuditActor::of(id, username),
                denied_count: denied,
                failed_logins: failed,
                first_occurred_at: first,
                last_occurred_at: last,
            },
        )
        .collect())
}

/// One user's allowed reads in a period under one role set.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadCount {
    pub user_id: Uuid,
    pub username: Option<String>,
    pub roles: String,
    pub reads: i64,
}

/// Allowed `READ` events per user and role set in `period`.
pub async fn read_counts<C: ConnectionTrait>(
    db: &C,
    period: Condition,
) -> AppResult<Vec<ReadCount>> {
    use audit_event::Column as A;
    let rows: Vec<(Option<Uuid>, Option<String>, String, i64)> = audit_event::Entity::find()
        .select_only()
        .column(A::ActorId)
        .column(A::ActorUsername)
        .column(A::ActorRoles)
        .expr_as(Expr::col(A::Sequence).count(), "reads")
        .filter(A::Action.eq(Action::Read.as_str()))
        .filter(A::Outcome.eq(Outcome::Allowed.as_str()))
        .filter(A::ActorId.is_not_null())
        .filter(period)
        .group_by(A::ActorId)
        .group_by(A::ActorUsername)
        .group_by(A::ActorRoles)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, username, roles, reads)| {
            id.map(|user_id| ReadCount {
                user_id,
                username,
                roles,
                reads,
            })
        })
        .collect())
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// Ranks users whose reads are at least `min_ratio` times the median of
/// their peers (the other users with the same role set). A user without
/// peers cannot be compared and is left out.
pub fn outliers(counts: &[ReadCount], min_ratio: f64) -> Vec<ReadVolumeOutlier> {
    let mut groups: BTreeMap<&str, Vec<&ReadCount>> = BTreeMap::new();
    for c in counts {
        groups.entry(c.roles.as_str()).or_default().push(c);
    }
    let mut found = Vec::new();
    for members in groups.values() {
        for (i, user) in members.iter().enumerate() {
            let mut peers: Vec<i64> = members
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| p.reads)
                .collect();
            peers.sort_unstable();
            let Some(peer_median) = median(&peers).filter(|m| *m > 0.0) else {
                continue;
            };
            let ratio = user.reads as f64 / peer_median;
            if ratio >= min_ratio {
                found.push(ReadVolumeOutlier {
                    rank: 0,
                    actor: AuditActor {
                        id: Some(async_graphql::ID(user.user_id.to_string())),
                        username: user.username.clone(),
                    },
                    roles: split_list(&user.roles),
                    read_events: user.reads,
                    peer_count: i32::try_from(peers.len()).unwrap_or(i32::MAX),
                    peer_median,
                    ratio_to_peer_median: ratio,
                });
            }
        }
    }
    found.sort_by(|a, b| {
        b.ratio_to_peer_median
            .total_cmp(&a.ratio_to_peer_median)
            .then(b.read_events.cmp(&a.read_events))
            .then(a.actor.username.cmp(&b.actor.username))
    });
    for (i, o) in found.iter_mut().enumerate() {
        o.rank = i32::try_from(i + 1).unwrap_or(i32::MAX);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(name: &str, roles: &str, reads: i64) -> ReadCount {
        ReadCount {
            user_id: Uuid::new_v4(),
            username: Some(name.into()),
            roles: roles.into(),
            reads,
        }
    }

    #[test]
    fn outliers_are_measured_against_the_median_of_their_peers() {
        let counts = [
            count("a", "CASE_WORKER", 10),
            count("b", "CASE_WORKER", 12),
            count("c", "CASE_WORKER", 14),
            count("d", "CASE_WORKER", 90),
            count("e", "CASE_WORKER", 40),
            // Alone in the role: nobody to compare with.
            count("m", "UNIT_MANAGER", 1000),
            count("f", "FINANCE", 5),
            count("g", "FINANCE", 20),
        ];
        let found = outliers(&counts, 3.0);
        let names: Vec<_> = found
            .iter()
            .map(|o| o.actor.username.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, vec!["d", "g", "e"]);
        // d's peers: 10, 12, 14, 40 -> median 13.
        assert_eq!(found[0].peer_median, 13.0);
        assert_eq!(found[0].peer_count, 4);
        assert!((found[0].ratio_to_peer_median - 90.0 / 13.0).abs() < 1e-9);
        assert_eq!(found[1].ratio_to_peer_median, 4.0);
        // e's peers: 10, 12, 14, 90 -> median 13; 40 / 13 > 3.
        assert_eq!(found[2].peer_median, 13.0);
        assert_eq!(
            found.iter().map(|o| o.rank).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }
}

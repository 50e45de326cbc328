//! The auditors' view of audit events and of the anomaly reports.
//!
//! An `AuditEvent` shows who did what, when, to which record and which
//! fields, but never the `changes` column: the values before and after a
//! change are case content, which auditors may not read (access.md, field
//! policy). `changedFields` names the fields that changed instead.
use std::collections::BTreeSet;

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::audit::{Action, Outcome};
use crate::entity::audit_event;
use crate::error::{AppError, AppResult};

/// Who acted. A failed login by an unknown user has a username and no id.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    /// The user's id, where the actor is a known user.
    pub id: Option<ID>,
    /// The username at the time of the event (the one tried, for a failed login).
    pub username: Option<String>,
}

impl AuditActor {
    /// The actor of stored columns; `None` when neither is known.
    pub fn of(id: Option<uuid::Uuid>, username: Option<String>) -> Option<Self> {
        if id.is_none() && username.is_none() {
            return None;
        }
        Some(Self {
            id: id.map(|i| ID(i.to_string())),
            username,
        })
    }
}

/// One event of the audit log.
pub struct AuditEvent(pub audit_event::Model);

/// The action of a stored event. The stored text is the variant's
/// `as_str`; every variant is looked up, so a new one needs no change here.
pub fn parse_action(text: &str) -> Option<Action> {
    use async_graphql::resolver_utils::EnumType;
    Action::items()
        .iter()
        .map(|item| item.value)
        .find(|a| a.as_str() == text)
}

/// The outcome of a stored event.
pub fn parse_outcome(text: &str) -> Option<Outcome> {
    use async_graphql::resolver_utils::EnumType;
    Outcome::items()
        .iter()
        .map(|item| item.value)
        .find(|o| o.as_str() == text)
}

/// Splits a comma-joined column into its parts (an empty column has none).
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The names of the fields a change touched: the keys of its `before` and
/// `after` objects. Only the keys are read; the values never leave here.
pub fn changed_fields(changes: Option<&str>) -> Option<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(changes?).ok()?;
    let mut names = BTreeSet::new();
    for side in ["before", "after"] {
        if let Some(map) = value.get(side).and_then(serde_json::Value::as_object) {
            names.extend(map.keys().cloned());
        }
    }
    Some(names.into_iter().collect())
}

impl AuditEvent {
    /// The event's action, or `INTERNAL` if the stored text is unknown.
    pub fn action_value(&self) -> AppResult<Action> {
        parse_action(&self.0.action).ok_or_else(|| {
            AppError::internal(format!("unknown audit action at {}", self.0.sequence))
        })
    }

    /// The event's outcome, or `INTERNAL` if the stored text is unknown.
    pub fn outcome_value(&self) -> AppResult<Outcome> {
        parse_outcome(&self.0.outcome).ok_or_else(|| {
            AppError::internal(format!("unknown audit outcome at {}", self.0.sequence))
        })
    }
}

/// An event of the audit log as an auditor sees it: who, when, what and
/// which fields, never the values before or after a change.
#[Object]
impl AuditEvent {
    /// The event's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Place in the hash chain: gap-free, starting at 1.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }

    /// When it happened (UTC).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// Who acted; null only for events without any user.
    async fn actor(&self) -> Option<AuditActor> {
        AuditActor::of(self.0.actor_id, self.0.actor_username.clone())
    }

    /// What happened.
    async fn action(&self) -> async_graphql::Result<Action> {
        Ok(self.action_value()?)
    }

    /// Type of the record concerned (`Child`, `Placement`, `CareSetting`,
    /// `User`, `Operation`, `AuditLog`, ...).
    async fn entity_type(&self) -> Option<&str> {
        self.0.entity_type.as_deref()
    }

    /// Id of the record concerned (for `Operation` and `AuditLog`, the
    /// name of the operation or query).
    async fn entity_id(&self) -> Option<&str> {
        self.0.entity_id.as_deref()
    }

    /// The child the data is about, where there is one.
    async fn subject_child_id(&self) -> Option<ID> {
        self.0.subject_child_id.map(|id| ID(id.to_string()))
    }

    /// Fields read (`Type.field`), fields changed, the permission refused,
    /// or, for an auditor's query, its arguments as `name=value`.
    async fn fields(&self) -> Vec<String> {
        split_list(&self.0.fields)
    }

    /// Allowed or denied.
    async fn outcome(&self) -> async_graphql::Result<Outcome> {
        Ok(self.outcome_value()?)
    }

    /// The justification given (emergency access, corrections).
    async fn justification(&self) -> Option<&str> {
        self.0.justification.as_deref()
    }

    /// The request id the server generated, as in the response's
    /// `x-request-id` header and the logs.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The `x-request-id` the client sent, if any (cleaned, at most 100
    /// characters). Client-controlled: for correlation, not for trust.
    async fn client_request_id(&self) -> Option<&str> {
        self.0.client_request_id.as_deref()
    }

    /// The name of the GraphQL operation (of a batch, the operation itself)
    /// the client sent, if any (cleaned, at most 200 characters).
    async fn operation_name(&self) -> Option<&str> {
        self.0.operation_name.as_deref()
    }

    /// Whether the data subject had protected identity at the time of the
    /// read; null where the event has no child subject, or predates this record.
    async fn subject_protected(&self) -> Option<bool> {
        self.0.subject_protected
    }

    /// How many identical refusals of one request and operation this event
    /// stands for (1 for every other event).
    async fn repeat_count(&self) -> i64 {
        self.0.repeat_count.unwrap_or(1)
    }

    /// Whether the event is flagged for review (emergency access, protected
    /// identity changes, refresh-token reuse, a duplicate personal identity
    /// number outside scope, case-data grants, administrators created).
    async fn flagged(&self) -> bool {
        self.0.flagged
    }

    /// Why it is flagged.
    async fn flag_reason(&self) -> Option<&str> {
        self.0.flag_reason.as_deref()
    }

    /// The client's address.
    async fn client_address(&self) -> Option<&str> {
        self.0.client_addr.as_deref()
    }

    /// The actor's roles at the time of the event.
    async fn roles(&self) -> Vec<String> {
        split_list(&self.0.actor_roles)
    }

    /// For a create or update: the names of the fields that changed. The
    /// values before and after stay in the log but are not shown here,
    /// because they are case content.
    async fn changed_fields(&self) -> Option<Vec<String>> {
        changed_fields(self.0.changes.as_deref())
    }

    /// The emergency access grant the access happened under, if any.
    async fn grant_id(&self) -> Option<ID> {
        self.0.grant_id.map(|id| ID(id.to_string()))
    }
}

/// Denied attempts of one user (or one username tried at login).
#[derive(SimpleObject, Debug, Clone)]
pub struct DeniedAttempts {
    /// The user, or the username tried for a failed login of an unknown user.
    pub actor: Option<AuditActor>,
    /// Number of events with outcome `DENIED`: denied fields and records,
    /// refused operations, failed logins and lockouts.
    pub denied_count: i64,
    /// Of them, failed logins (`LOGIN_FAILED`).
    pub failed_logins: i64,
    /// The first denied attempt in the period.
    pub first_occurred_at: DateTime<Utc>,
    /// The last denied attempt in the period.
    pub last_occurred_at: DateTime<Utc>,
}

/// A user whose read volume is far above that of their peers.
///
/// Measure: the number of allowed `READ` events of the user in the period
/// (one event per request and record read), divided by the median of the
/// same count over the other users with exactly the same roles who read
/// anything in the period.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReadVolumeOutlier {
    /// 1 for the highest ratio.
    pub rank: i32,
    /// The user.
    pub actor: AuditActor,
    /// The role set the user read under; the peers share exactly this set.
    pub roles: Vec<String>,
    /// Allowed `READ` events of the user in the period.
    pub read_events: i64,
    /// Number of other users with the same roles who read in the period.
    pub peer_count: i32,
    /// Median of the peers' allowed `READ` events in the period.
    pub peer_median: f64,
    /// `readEvents / peerMedian`: the ranking measure.
    pub ratio_to_peer_median: f64,
}

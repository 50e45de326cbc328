//! Audit events: what is recorded, and the canonical encoding the hash
//! chain is computed over.
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Hash of the (absent) event before the first one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    async_graphql::Enum,
    Serialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "AuditAction")]
pub enum Action {
    /// Fields of a record were read.
    #[default]
    Read,
    /// A record was created.
    Create,
    /// A record was corrected or changed.
    Update,
    /// Successful login.
    LoginSucceeded,
    /// Failed login.
    LoginFailed,
    /// Refresh token used.
    TokenRefreshed,
    /// Logout.
    LoggedOut,
    /// An account was locked after failed logins.
    AccountLocked,
    /// Emergency access was granted.
    EmergencyAccessGranted,
    /// An auditor queried the log.
    AuditQuery,
    /// A password was changed.
    PasswordChanged,
    /// A request was refused (FORBIDDEN, NOT_FOUND or an identifier
    /// CONFLICT) somewhere the field gate does not record it itself.
    Refused,
    /// A role assignment or role change that gives case data waits for a
    /// second person's approval (flagged).
    GrantRequested,
    /// A pending case-data grant was approved and applied (flagged).
    GrantApproved,
    /// A pending case-data grant was rejected (flagged).
    GrantRejected,
}

impl Action {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::LoginSucceeded => "LOGIN_SUCCEEDED",
            Self::LoginFailed => "LOGIN_FAILED",
            Self::TokenRefreshed => "TOKEN_REFRESHED",
            Self::LoggedOut => "LOGGED_OUT",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::EmergencyAccessGranted => "EMERGENCY_ACCESS_GRANTED",
            Self::AuditQuery => "AUDIT_QUERY",
            Self::PasswordChanged => "PASSWORD_CHANGED",
            Self::Refused => "REFUSED",
            Self::GrantRequested => "GRANT_REQUESTED",
            Self::GrantApproved => "GRANT_APPROVED",
            Self::GrantRejected => "GRANT_REJECTED",
        }
    }
}

/// Allowed or denied.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    async_graphql::Enum,
    Serialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "AuditOutcome")]
pub enum Outcome {
    /// The access or change was allowed.
    #[default]
    Allowed,
    /// The access or change was refused.
    Denied,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "ALLOWED",
            Self::Denied => "DENIED",
        }
    }
}

/// An event as a request produces it, before it gets its place in the chain.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub action: Action,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub subject_child_id: Option<Uuid>,
    pub fields: Vec<String>,
    pub outcome: Outcome,
    pub justification: Option<String>,
    /// Before/after values of a change, as JSON.
    pub changes: Option<serde_json::Value>,
    pub flagged: bool,
    pub flag_reason: Option<String>,
    pub grant_id: Option<Uuid>,
    /// Overrides the request's actor (a failed login has no principal).
    pub actor_override: Option<(Option<Uuid>, String)>,
    /// Whether the data subject had protected identity at the time of a read.
    pub subject_protected: Option<bool>,
    /// How many identical refusals of one request and operation this event stands for.
    pub repeat_count: Option<i64>,
}

/// Who acted, and in which request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub roles: String,
    pub token_id: Option<String>,
    pub request_id: Option<String>,
    /// The `x-request-id` the client sent, kept apart from the server's id.
    pub client_request_id: Option<String>,
    pub client_addr: Option<String>,
    pub operation_name: Option<String>,
}

/// Every stored field of an event, in the fixed order that is hashed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Canonical {
    pub sequence: i64,
    pub id: Uuid,
    pub occurred_at: String,
    pub actor_id: Option<Uuid>,
    pub actor_username: Option<String>,
    pub actor_roles: String,
    pub token_id: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub operation_name: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub subject_child_id: Option<Uuid>,
    pub fields: String,
    pub outcome: String,
    pub justification: Option<String>,
    pub changes: Option<String>,
    pub flagged: bool,
    pub flag_reason: Option<String>,
    pub grant_id: Option<Uuid>,
    pub prev_hash: String,
    // Fields added after the first release are left out of the hashed text
    // when absent, so events written before them keep their hashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<i64>,
}

/// Timestamps are kept at microsecond precision, which both databases store
/// exactly, so that a stored event re-encodes to the same bytes.
pub fn audit_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Canonical text of a timestamp.
pub fn canonical_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Canonical {
    /// SHA-256 over the canonical JSON (which includes the previous hash).
    pub fn hash(&self) -> String {
        // Serialising a struct of strings, numbers and options cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}

/// The canonical form of a stored event.
pub fn canonical_of(m: &crate::entity::audit_event::Model) -> Canonical {
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

/// Longest text of a client-supplied value kept in an event, by kind.
pub mod bounds {
    /// Usernames, operation names, request ids, entity types and ids.
    pub const NAME: usize = 200;
    /// Justifications and flag reasons.
    pub const TEXT: usize = 2000;
    /// The list of fields read.
    pub const FIELDS: usize = 8000;
}

/// A client-supplied text as it may enter the audit log: without control
/// or invisible formatting characters (NUL breaks a PostgreSQL statement,
/// newlines and bidi overrides forge lines in a report) and at most `max`
/// characters, marked with an ellipsis where cut.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut kept = 0;
    for c in text.chars() {
        let invisible = c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if invisible {
            continue;
        }
        if kept == max {
            out.push('…');
            return out;
        }
        out.push(c);
        kept += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_strips_control_and_bidi_characters_and_bounds_length() {
        assert_eq!(clean("a\u{0}b\nc\u{202E}d", 10), "abcd");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(clean("åäö", 3), "åäö");
    }
}

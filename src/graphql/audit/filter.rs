//! `AuditEventFilter`: its SQL condition, and the summary of it that the
//! auditor's own `AUDIT_QUERY` event records.
use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use crate::audit::{Action, Outcome};
use crate::entity::audit_event::Column;
use crate::error::{AppError, AppResult};
use crate::graphql::common::parse_id;

/// Longest text accepted for `actorUsername` and `entityType`.
const MAX_TEXT: usize = 200;

/// Narrows a list of audit events. Every given criterion must hold.
#[derive(InputObject, Debug, Default, Clone)]
pub struct AuditEventFilter {
    /// Events whose actor is this user.
    pub actor_id: Option<ID>,
    /// Events whose actor had this username (also the name tried at a failed login).
    pub actor_username: Option<String>,
    /// Events about this child.
    pub subject_child_id: Option<ID>,
    /// Events of this action.
    pub action: Option<Action>,
    /// Allowed or denied events.
    pub outcome: Option<Outcome>,
    /// Events about records of this type (`Child`, `Placement`, `CareSetting`, ...).
    pub entity_type: Option<String>,
    /// Events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only flagged (true) or unflagged (false) events.
    pub flagged: Option<bool>,
}

fn checked_text<'a>(value: &'a str, field: &str) -> AppResult<&'a str> {
    if value.chars().count() > MAX_TEXT {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be at most {MAX_TEXT} characters."),
        ));
    }
    Ok(value)
}

/// Checks that a period is not inverted; `field` names the end in errors.
pub fn check_period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    field: &str,
) -> AppResult<()> {
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(AppError::bad_input(
            field,
            "The end of the period is before its start.",
        ));
    }
    Ok(())
}

/// The condition of a period on `occurred_at`: `from` inclusive, `to` exclusive.
pub fn period(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Condition {
    let mut cond = Condition::all();
    if let Some(from) = from {
        cond = cond.add(Column::OccurredAt.gte(from));
    }
    if let Some(to) = to {
        cond = cond.add(Column::OccurredAt.lt(to));
    }
    cond
}

impl AuditEventFilter {
    /// The SQL condition of the filter; invalid input is `BAD_USER_INPUT`
    /// naming the field.
    pub fn condition(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(id) = &self.actor_id {
            cond = cond.add(Column::ActorId.eq(parse_id(id, "filter.actorId")?));
        }
        if let Some(name) = &self.actor_username {
            let name = checked_text(name, "filter.actorUsername")?;
            cond = cond.add(Column::ActorUsername.eq(name));
        }
        if let Some(id) = &self.subject_child_id {
            cond = cond.add(Column::SubjectChildId.eq(parse_id(id, "filter.subjectChildId")?));
        }
        if let Some(action) = self.action {
            cond = cond.add(Column::Action.eq(action.as_str()));
        }
        if let Some(outcome) = self.outcome {
            cond = cond.add(Column::Outcome.eq(outcome.as_str()));
        }
        if let Some(entity_type) = &self.entity_type {
            let entity_type = checked_text(entity_type, "filter.entityType")?;
            cond = cond.add(Column::EntityType.eq(entity_type));
        }
        check_period(self.from, self.to, "filter.to")?;
        cond = cond.add(period(self.from, self.to));
        if let Some(flagged) = self.flagged {
            cond = cond.add(Column::Flagged.eq(flagged));
        }
        Ok(cond)
    }

    /// The criteria as `name=value` entries for the auditor's own event.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                out.push(entry(name, &v));
            }
        };
        add("actorId", self.actor_id.as_ref().map(|i| i.to_string()));
        add("actorUsername", self.actor_username.clone());
        add(
            "subjectChildId",
            self.subject_child_id.as_ref().map(|i| i.to_string()),
        );
        add("action", self.action.map(|a| a.as_str().to_owned()));
        add("outcome", self.outcome.map(|o| o.as_str().to_owned()));
        add("entityType", self.entity_type.clone());
        add("from", self.from.map(|t| t.to_rfc3339()));
        add("to", self.to.map(|t| t.to_rfc3339()));
        add("flagged", self.flagged.map(|f| f.to_string()));
        out
    }
}

/// One `name=value` entry of a query summary. The event stores its fields
/// comma-joined, so commas in a value become semicolons; values are cut to
/// the input limit so that a query cannot bloat the log.
pub fn entry(name: &str, value: &str) -> String {
    let value: String = value
        .chars()
        .take(MAX_TEXT)
        .map(|c| if c == ',' { ';' } else { c })
        .collect();
    format!("{name}={value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_each_given_criterion_and_keeps_commas_out() {
        let f = AuditEventFilter {
            actor_username: Some("a,b".into()),
            action: Some(Action::Read),
            flagged: Some(true),
            ..AuditEventFilter::default()
        };
        assert_eq!(
            f.summary(),
            vec!["actorUsername=a;b", "action=READ", "flagged=true"]
        );
    }

    #[test]
    fn invalid_input_names_the_field() {
        let f = AuditEventFilter {
            subject_child_id: Some(ID("nope".into())),
            ..AuditEventFilter::default()
        };
        match f.condition() {
            Err(AppError::BadInput { field, .. }) => assert_eq!(field, "filter.subjectChildId"),
            other => panic!("expected bad input, got {other:?}"),
        }
        let now = Utc::now();
        let inverted = AuditEventFilter {
            from: Some(now),
            to: Some(now - chrono::Duration::hours(1)),
            ..AuditEventFilter::default()
        };
        assert!(matches!(
            inverted.condition(),
            Err(AppError::BadInput { .. })
        ));
    }
}

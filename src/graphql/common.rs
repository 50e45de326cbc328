//! Helpers shared by the feature modules.
use async_graphql::{Context, ID};
use sea_orm::ConnectionTrait;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::audit::{Action, NewEvent, chain};
use crate::error::{AppError, AppResult};
use crate::request::RequestContext;

/// Writes a changed record only if its stored `version` is still the one
/// the change was based on: one conditional UPDATE whose affected-row count
/// decides, so of two concurrent changes from the same version exactly one
/// wins and the other is `CONFLICT` (no lost update, no duplicate "before"
/// in the audit trail).
pub async fn update_versioned<A, C>(
    conn: &C,
    row: A,
    version_column: <A::Entity as sea_orm::EntityTrait>::Column,
    version: i32,
    what: &str,
) -> AppResult<<A::Entity as sea_orm::EntityTrait>::Model>
where
    A: sea_orm::ActiveModelTrait,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    C: ConnectionTrait,
{
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    <A::Entity as EntityTrait>::update(row)
        .validate()?
        .filter(version_column.eq(version))
        .exec(conn)
        .await
        .map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => AppError::Conflict(format!(
                "The {what} was changed by someone else; reload and try again."
            )),
            e => e.into(),
        })
}

/// Parses an `ID` argument; `field` names it in the error.
pub fn parse_id(id: &ID, field: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::bad_input(field, "Not a valid id."))
}

/// The operation name of the request, for audit events.
pub fn operation_name<'a>(ctx: &'a Context<'_>) -> Option<&'a str> {
    ctx.query_env.operation_name.as_deref()
}

/// Trims a required text input and checks its length.
pub fn required_text(value: &str, field: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be 1 to {max} characters."),
        ));
    }
    Ok(v.to_owned())
}

/// Trims an optional text input; empty becomes `None`.
pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max => Err(AppError::bad_input(
            field,
            format!("{field} must be at most {max} characters."),
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Describes a change for the audit log: the names of the fields that
/// changed, and their values before and after.
pub struct Change {
    pub action: Action,
    pub entity_type: &'static str,
    /// The entity's id, or its natural key where it has no id (`2025/HVB`).
    pub entity_id: String,
    pub subject_child_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Value,
    pub justification: Option<String>,
}

/// The audit event of a change: the names of the fields that changed, and
/// their values before and after.
fn change_event(change: Change) -> NewEvent {
    let empty = Map::new();
    let before = change
        .before
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let after = change.after.as_object().unwrap_or(&empty);
    let mut fields: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    fields.sort();
    let mut diff_before = Map::new();
    let mut diff_after = Map::new();
    for f in &fields {
        diff_before.insert(f.clone(), before.get(f).cloned().unwrap_or(Value::Null));
        diff_after.insert(f.clone(), after.get(f).cloned().unwrap_or(Value::Null));
    }
    let changes = serde_json::json!({ "before": diff_before, "after": diff_after });
    NewEvent {
        action: change.action,
        entity_type: Some(change.entity_type.to_owned()),
        entity_id: Some(change.entity_id),
        subject_child_id: change.subject_child_id,
        fields,
        changes: Some(changes),
        justification: change.justification,
        ..NewEvent::default()
    }
}

/// Appends a change event in the mutation's own transaction, so the change
/// and its trace commit together or not at all.
pub async fn record_change<C: ConnectionTrait>(
    conn: &C,
    ctx: &Context<'_>,
    rc: &RequestContext,
    change: Change,
) -> AppResult<()> {
    let event = change_event(change);
    chain::append(conn, vec![(rc.actor(operation_name(ctx)), event)]).await
}

/// `record_change`, flagged for review with `flag_reason` when there is one.
pub async fn record_change_flagged<C: ConnectionTrait>(
    conn: &C,
    ctx: &Context<'_>,
    rc: &RequestContext,
    change: Change,
    flag_reason: Option<&str>,
) -> AppResult<()> {
    match flag_reason {
        Some(reason) => record_flagged_change(conn, ctx, rc, change, reason.to_owned()).await,
        None => record_change(conn, ctx, rc, change).await,
    }
}

/// Like `record_change`, with the event flagged for review and `reason`
/// saying why (e.g. a case-data grant requested or decided).
pub async fn record_flagged_change<C: ConnectionTrait>(
    conn: &C,
    ctx: &Context<'_>,
    rc: &RequestContext,
    change: Change,
    reason: String,
) -> AppResult<()> {
    let event = NewEvent {
        flagged: true,
        flag_reason: Some(reason),
        ..change_event(change)
    };
    chain::append(conn, vec![(rc.actor(operation_name(ctx)), event)]).await
}

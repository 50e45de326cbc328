//! The write side of the gate: every argument a mutation request sends is
//! decided by the write policy (`policy::write_rule`) against the record it
//! changes, as `gate` decides every field read, and a refusal is recorded.
use async_graphql::Context;
use uuid::Uuid;

use super::gate::{Subject, covers, require, response_path};
use super::policy::{self, Permission, Scope};
use super::principal::Principal;
use crate::audit::{Action, NewEvent, Outcome};
use crate::error::{AppError, AppResult};
use crate::request::RequestContext;

/// `require` for a mutation whose fields the write policy decides without a
/// record to cover (a new record, or administration): every argument sent
/// must have a row whose permission the caller holds (`gate_write`).
pub fn require_write<'a>(
    ctx: &'a Context<'_>,
    permission: Permission,
) -> AppResult<(&'a RequestContext, std::sync::Arc<Principal>, Scope)> {
    let (rc, p, scope) = require(ctx, permission)?;
    gate_write(ctx, rc, &p, None, None)?;
    Ok((rc, p, scope))
}

/// Whether a write permission granted at `scope` reaches `subject`.
/// Mutations ask here rather than deciding themselves. Children and
/// placements have the same reach as for reads; a care setting is changed
/// only by its own unit (UNIT) or its supporting secretary (OWN), not by
/// everyone whose children have lived there.
pub fn may_write(p: &Principal, scope: Scope, subject: &Subject) -> bool {
    match (subject, scope) {
        (Subject::Setting { .. }, Scope::All) => true,
        (Subject::Setting { unit_id, .. }, Scope::Unit) => {
            unit_id.is_some() && *unit_id == p.unit_id
        }
        (Subject::Setting { id, .. }, Scope::Own) => p.reach.supports(*id),
        _ => covers(p, scope, subject, false),
    }
}

/// The unit a write may place a record in. A caller with the whole
/// municipality in scope names any unit, or none; anyone else writes into
/// their own unit only (a different unit is `FORBIDDEN`, no mass assignment).
pub fn write_unit(p: &Principal, scope: Scope, requested: Option<Uuid>) -> AppResult<Option<Uuid>> {
    match (scope, requested, p.unit_id) {
        (Scope::All, r, _) => Ok(r),
        (_, Some(r), Some(own)) if r != own => Err(AppError::Forbidden),
        (_, _, Some(own)) => Ok(Some(own)),
        (_, _, None) => Err(AppError::Forbidden),
    }
}

/// Shortest justification a justified change accepts.
pub const MIN_JUSTIFICATION: usize = 20;

/// The arguments a mutation request sends, flattened: each argument, and
/// each field of its `input` object, with its value; absent and null ones
/// are left out (they change nothing).
fn sent_fields(ctx: &Context<'_>) -> AppResult<Vec<(String, serde_json::Value)>> {
    let args = ctx
        .field()
        .arguments()
        .map_err(|e| AppError::bad_input("input", e.message))?;
    let mut fields = Vec::new();
    for (name, value) in args {
        match value {
            async_graphql::Value::Object(map) if name.as_str() == "input" => {
                for (key, v) in map {
                    if v != async_graphql::Value::Null {
                        fields.push((key.to_string(), v.into_json().unwrap_or_default()));
                    }
                }
            }
            async_graphql::Value::Null => {}
            v => fields.push((name.to_string(), v.into_json().unwrap_or_default())),
        }
    }
    Ok(fields)
}

/// Decides a mutation by the write policy, as `gate` decides a read: every
/// argument and input field the request sends must have a row whose
/// permission covers `subject` (the record changed; `None` for a new
/// record, whose target unit `write_unit` decides), a protected row also
/// needs PROTECTED_IDENTITY when the record involves a child with protected
/// identity, and a justified row needs a justification. A field equal to
/// its value in `before` (the record's audit snapshot) is not a change,
/// unless its row is protected (the answer would confirm a guess). A
/// refusal is recorded with the fields refused. Returns the cleaned
/// justification when a justified field changes.
pub fn gate_write(
    ctx: &Context<'_>,
    rc: &RequestContext,
    p: &Principal,
    subject: Option<&Subject>,
    before: Option<&serde_json::Value>,
) -> AppResult<Option<String>> {
    let mutation = ctx.field().name();
    let sent = sent_fields(ctx)?;
    let reaches = |permission: Permission| {
        p.scope(permission)
            .is_some_and(|scope| subject.is_none_or(|s| may_write(p, scope, s)))
    };
    let protected = subject.is_some_and(Subject::protected);
    let mut refused = Vec::new();
    let mut justified = false;
    let mut justification = None;
    for (field, value) in &sent {
        if field == "justification" {
            justification = value.as_str().map(str::to_owned);
        }
        let rule = policy::write_rule(mutation, field);
        // Resending a stored value changes nothing, so it needs nothing
        // more, except where the value itself is protected: an answer that
        // differs between the stored and another value would confirm a
        // guessed address.
        let unchanged = before.is_some_and(|b| b.get(field) == Some(value));
        if unchanged && rule.is_some_and(|r| !r.protected) {
            continue;
        }
        let allowed = rule.is_some_and(|rule| {
            justified |= rule.justified;
            reaches(rule.permission)
                && (!rule.protected || !protected || reaches(Permission::ProtectedIdentity))
        });
        if !allowed {
            refused.push(format!("{mutation}.{field}"));
        }
    }
    if !refused.is_empty() {
        let ds = subject.map(Subject::data_subject);
        rc.audit.mark_refused(response_path(ctx));
        rc.audit.push(NewEvent {
            action: Action::Update,
            entity_type: Some(
                ds.as_ref()
                    .map_or("Operation", |d| d.entity_type)
                    .to_owned(),
            ),
            entity_id: Some(
                ds.as_ref()
                    .map_or_else(|| mutation.to_owned(), |d| d.entity_id.clone()),
            ),
            subject_child_id: ds.as_ref().and_then(|d| d.subject_child_id),
            fields: refused,
            outcome: Outcome::Denied,
            subject_protected: ds.and_then(|d| d.protected),
            ..NewEvent::default()
        });
        return Err(AppError::Forbidden);
    }
    if !justified {
        return Ok(None);
    }
    justification_text(justification.as_deref().unwrap_or_default()).map(Some)
}

/// A justification as it is judged and recorded: cleaned as every client
/// text entering the audit log is (control and invisible characters go),
/// whitespace runs collapsed, and then at least `MIN_JUSTIFICATION`
/// characters, so what the auditor reads is what was judged long enough.
pub fn justification_text(raw: &str) -> AppResult<String> {
    let cleaned = crate::audit::event::clean(raw, crate::audit::event::bounds::TEXT);
    let text = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() < MIN_JUSTIFICATION {
        return Err(AppError::bad_input(
            "justification",
            format!("State a justification of at least {MIN_JUSTIFICATION} characters."),
        ));
    }
    Ok(text)
}

/// Whether the caller may put `worker` (of `worker_unit`) on a child's
/// caseload: never themselves (an administrator would gain case access),
/// and within their own unit unless their scope is the whole municipality.
pub fn may_assign_caseload(
    p: &Principal,
    scope: Scope,
    worker: Uuid,
    worker_unit: Option<Uuid>,
) -> bool {
    worker != p.user_id && (scope == Scope::All || worker_unit == p.unit_id)
}

/// Whether the caller may name `secretary` for a foster home. Naming a
/// secretary widens that user's reach, so at OWN a foster care worker only
/// names themselves, for a home they register; UNIT and ALL name anyone who
/// passes `scope::may_support_home`.
pub fn may_name_secretary(p: &Principal, scope: Scope, secretary: Uuid, creating: bool) -> bool {
    scope != Scope::Own || (creating && secretary == p.user_id)
}

/// The review flag of a new placement. Placing a child in a setting makes
/// its contact details part of the child's record for the caller
/// (`reach::Rule::SettingsWhereCaseloadIsPlaced`). A setting the caller
/// could not read before is allowed, since placements are planned across
/// units, but flagged, so that a placement made only to reach an address
/// is found in review.
pub async fn placement_flag<C: sea_orm::ConnectionTrait>(
    db: &C,
    p: &Principal,
    setting_id: Uuid,
) -> AppResult<Option<&'static str>> {
    use sea_orm::{EntityTrait, QueryFilter};
    let readable = crate::entity::care_setting::Entity::find_by_id(setting_id)
        .filter(super::scope::settings(p))
        .one(db)
        .await?
        .is_some();
    Ok((!readable).then_some("placement in a setting outside the caller's scope"))
}

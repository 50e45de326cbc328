//! The gate: the one place where a sensitive field is allowed or denied,
//! and where the read is noted for the audit log. Every resolver of a
//! sensitive field calls `gate` first; the policy row is found from the
//! subject's GraphQL type and the name of the field being resolved, so a
//! resolver cannot name the wrong rule.
use async_graphql::Context;
use uuid::Uuid;

use super::policy::{self, Permission, Scope};
use super::principal::Principal;
use crate::audit::{Action, DataSubject, NewEvent, Outcome};
use crate::error::{AppError, AppResult};
use crate::request::{RequestContext, request_context};

/// The record a field belongs to, with the facts scope decisions need.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A child.
    Child {
        id: Uuid,
        unit_id: Uuid,
        protected: bool,
    },
    /// A placement, with facts about its child.
    Placement {
        id: Uuid,
        child_id: Uuid,
        child_unit_id: Uuid,
        setting_id: Uuid,
        child_protected: bool,
    },
    /// A care setting, with the children with protected identity placed
    /// there now or planned (whose protection extends to its address).
    Setting {
        id: Uuid,
        foster_home: bool,
        unit_id: Option<Uuid>,
        protected_children: Vec<Uuid>,
    },
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed within scope.
    Allow,
    /// Allowed under an emergency grant (flagged in the audit log).
    AllowEmergency(Uuid),
    /// Denied.
    Deny,
}

impl Subject {
    /// GraphQL type name of the subject.
    pub fn object_type(&self) -> &'static str {
        match self {
            Self::Child { .. } => "Child",
            Self::Placement { .. } => "Placement",
            Self::Setting {
                foster_home: true, ..
            } => "FosterHome",
            Self::Setting { .. } => "Institution",
        }
    }

    fn child_id(&self) -> Option<Uuid> {
        match self {
            Self::Child { id, .. } => Some(*id),
            Self::Placement { child_id, .. } => Some(*child_id),
            Self::Setting { .. } => None,
        }
    }

    fn protected(&self) -> bool {
        match self {
            Self::Child { protected, .. } => *protected,
            Self::Setting {
                protected_children, ..
            } => !protected_children.is_empty(),
            Self::Placement {
                child_protected, ..
            } => *child_protected,
        }
    }

    /// The audit data subject: the child for child and placement fields,
    /// the setting for setting fields.
    pub fn data_subject(&self) -> DataSubject {
        match self {
            Self::Setting { id, .. } => DataSubject {
                entity_type: "CareSetting",
                entity_id: id.to_string(),
                subject_child_id: None,
                // A setting has no identity to protect; reads of its
                // protected fields are noted on each protected child.
                protected: None,
            },
            _ => {
                let child = self.child_id();
                DataSubject {
                    entity_type: "Child",
                    entity_id: child.map(|c| c.to_string()).unwrap_or_default(),
                    subject_child_id: child,
                    protected: Some(self.protected()),
                }
            }
        }
    }
}

/// Whether `scope` reaches `subject` for this principal.
fn covers(p: &Principal, scope: Scope, subject: &Subject) -> bool {
    let own = match subject {
        Subject::Child { id, .. } => p.own_children.contains(id),
        Subject::Placement {
            child_id,
            setting_id,
            ..
        } => p.own_children.contains(child_id) || p.supported_settings.contains(setting_id),
        Subject::Setting { id, .. } => p.own_settings.contains(id),
    };
    let unit = match subject {
        Subject::Child { unit_id, .. }
        | Subject::Placement {
            child_unit_id: unit_id,
            ..
        } => p.unit_id == Some(*unit_id),
        Subject::Setting { id, .. } => p.unit_settings.contains(id),
    };
    match scope {
        Scope::All => true,
        Scope::Unit => unit || own,
        Scope::Own => own,
    }
}

/// Decides one field of one subject. Pure, so the matrix test can check
/// the decision table directly as well as over HTTP.
pub fn decide(p: &Principal, object: &str, field: &str, subject: &Subject) -> Decision {
    let Some(rule) = policy::lookup(object, field) else {
        return Decision::Deny;
    };
    let Some(scope) = p.scope(rule.permission) else {
        return Decision::Deny;
    };
    let grant = subject
        .child_id()
        .and_then(|c| p.grants.get(&c).copied())
        .or_else(|| match subject {
            Subject::Setting { id, .. } if p.granted_settings.contains(id) => {
                p.grants.values().next().copied()
            }
            _ => None,
        });
    let mut decision = if covers(p, scope, subject) {
        Decision::Allow
    } else if let Some(grant) = grant {
        Decision::AllowEmergency(grant)
    } else {
        return Decision::Deny;
    };
    if rule.protected && subject.protected() {
        match p.scope(Permission::ProtectedIdentity) {
            Some(s) if covers(p, s, subject) => {}
            Some(_) if matches!(decision, Decision::AllowEmergency(_)) => {}
            _ => decision = Decision::Deny,
        }
    }
    decision
}

/// The response path of the field being resolved, as refusal marks and
/// error paths are compared (`children/3/personalIdentityNumber`).
pub fn response_path(ctx: &Context<'_>) -> String {
    ctx.path_node
        .map(|n| n.to_string_vec().join("/"))
        .unwrap_or_default()
}

/// Allows or denies the field being resolved, and notes it for the audit log.
/// A setting's protected field read also counts as a read of each protected
/// child placed there, so the auditors' protected-identity report lists it.
pub fn gate(ctx: &Context<'_>, subject: &Subject) -> Result<(), async_graphql::Error> {
    let rc = request_context(ctx)?;
    let p = rc.principal()?;
    let object = subject.object_type();
    let field = ctx.field().name();
    let decision = decide(&p, object, field, subject);
    let noted = format!("{object}.{field}");
    let ds = subject.data_subject();
    let (outcome, grant) = match decision {
        Decision::Allow => (Outcome::Allowed, None),
        Decision::AllowEmergency(grant) => (Outcome::Allowed, Some(grant)),
        Decision::Deny => (Outcome::Denied, None),
    };
    let flag = grant.map(|_| "emergency access");
    rc.audit.note(&ds, noted.clone(), outcome, grant, flag);
    let protected_field = policy::lookup(object, field).is_some_and(|r| r.protected);
    if let (
        Subject::Setting {
            protected_children, ..
        },
        true,
    ) = (subject, protected_field)
    {
        for child in protected_children {
            let child_subject = DataSubject {
                entity_type: "Child",
                entity_id: child.to_string(),
                subject_child_id: Some(*child),
                protected: Some(true),
            };
            rc.audit
                .note(&child_subject, noted.clone(), outcome, grant, flag);
        }
    }
    if outcome == Outcome::Denied {
        rc.audit.mark_refused(response_path(ctx));
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

/// Requires an operation-level permission (mutations, statistics, admin),
/// noting a refusal in the audit log. Returns the caller and the scope.
pub fn require<'a>(
    ctx: &'a Context<'_>,
    permission: Permission,
) -> AppResult<(&'a RequestContext, std::sync::Arc<Principal>, Scope)> {
    let rc = request_context(ctx)?;
    let p = rc.principal()?;
    match p.scope(permission) {
        Some(scope) => Ok((rc, p, scope)),
        None => {
            rc.audit.mark_refused(response_path(ctx));
            rc.audit.push(NewEvent {
                action: Action::Read,
                entity_type: Some("Operation".into()),
                entity_id: Some(ctx.field().name().to_owned()),
                fields: vec![permission.as_str().to_owned()],
                outcome: Outcome::Denied,
                ..NewEvent::default()
            });
            Err(AppError::Forbidden)
        }
    }
}

/// Notes that a record asked for by id was not found in scope (it may not
/// exist, or be outside scope: the client cannot tell, the auditor can).
pub fn note_not_found(ctx: &Context<'_>, rc: &RequestContext, entity_type: &str, id: &str) {
    rc.audit.mark_refused(response_path(ctx));
    rc.audit.push(NewEvent {
        action: Action::Read,
        entity_type: Some(entity_type.to_owned()),
        entity_id: Some(id.to_owned()),
        fields: vec!["record".into()],
        outcome: Outcome::Denied,
        ..NewEvent::default()
    });
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
        (Subject::Setting { id, .. }, Scope::Own) => p.supported_settings.contains(id),
        _ => covers(p, scope, subject),
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

/// Decides a change of `input.field` of `subject` by the write policy: the
/// rule's permission must cover the record, and a justified change needs a
/// justification. A refusal is recorded with its field. Returns the cleaned
/// justification of a justified change.
pub fn gate_change(
    ctx: &Context<'_>,
    rc: &RequestContext,
    p: &Principal,
    input: &str,
    field: &str,
    subject: &Subject,
    justification: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(rule) = policy::write_rule(input, field) else {
        return Ok(None);
    };
    let allowed = p
        .scope(rule.permission)
        .is_some_and(|scope| may_write(p, scope, subject));
    if !allowed {
        let ds = subject.data_subject();
        rc.audit.mark_refused(response_path(ctx));
        rc.audit.push(NewEvent {
            action: Action::Update,
            entity_type: Some(ds.entity_type.to_owned()),
            entity_id: Some(ds.entity_id),
            subject_child_id: ds.subject_child_id,
            fields: vec![format!("{input}.{field}")],
            outcome: Outcome::Denied,
            subject_protected: ds.protected,
            ..NewEvent::default()
        });
        return Err(AppError::Forbidden);
    }
    if !rule.justified {
        return Ok(None);
    }
    let text = justification.map(str::trim).unwrap_or_default();
    if text.chars().count() < MIN_JUSTIFICATION {
        return Err(AppError::bad_input(
            "justification",
            format!("State a justification of at least {MIN_JUSTIFICATION} characters."),
        ));
    }
    Ok(Some(text.to_owned()))
}

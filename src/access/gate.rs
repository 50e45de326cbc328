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
    /// An intervention, with facts about its child. At OWN it is reached
    /// through the caseload only: a foster care worker sees the placements
    /// in the homes they support, not the child's whole case.
    Intervention {
        id: Uuid,
        child_id: Uuid,
        child_unit_id: Uuid,
        child_protected: bool,
        /// The GraphQL type read: `Intervention`, or `Deadline` (a
        /// deadline is a field group of its intervention).
        object: &'static str,
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
            Self::Intervention { object, .. } => object,
            Self::Setting {
                foster_home: true, ..
            } => "FosterHome",
            Self::Setting { .. } => "Institution",
        }
    }

    fn child_id(&self) -> Option<Uuid> {
        match self {
            Self::Child { id, .. } => Some(*id),
            Self::Placement { child_id, .. } | Self::Intervention { child_id, .. } => {
                Some(*child_id)
            }
            Self::Setting { .. } => None,
        }
    }

    /// Whether the record involves a child with protected identity.
    pub fn protected(&self) -> bool {
        match self {
            Self::Child { protected, .. } => *protected,
            Self::Setting {
                protected_children, ..
            } => !protected_children.is_empty(),
            Self::Placement {
                child_protected, ..
            }
            | Self::Intervention {
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

/// Whether `scope` reaches `subject` for this principal. `present` asks
/// for the present only (a setting's contact details at OWN).
pub(super) fn covers(p: &Principal, scope: Scope, subject: &Subject, present: bool) -> bool {
    let own = match subject {
        Subject::Child { id, .. } => p.reach.reaches_child(*id),
        Subject::Placement {
            child_id,
            setting_id,
            ..
        } => p.reach.reaches_placement(*child_id, *setting_id),
        Subject::Intervention { child_id, .. } => {
            p.reach.placement_children().any(|c| c == *child_id)
        }
        Subject::Setting { id, .. } => p.reach.reaches_setting(*id, present),
    };
    let unit = match subject {
        Subject::Child { unit_id, .. }
        | Subject::Placement {
            child_unit_id: unit_id,
            ..
        }
        | Subject::Intervention {
            child_unit_id: unit_id,
            ..
        } => p.unit_id == Some(*unit_id),
        Subject::Setting { id, .. } => p.reach.unit_reaches_setting(*id),
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
    let grant = match subject {
        Subject::Setting { id, .. } => p.reach.grant_for_setting(*id),
        _ => subject.child_id().and_then(|c| p.reach.grant_for_child(c)),
    };
    let mut decision = if covers(p, scope, subject, rule.present) {
        Decision::Allow
    } else if let Some(grant) = grant {
        Decision::AllowEmergency(grant)
    } else {
        return Decision::Deny;
    };
    if rule.protected && subject.protected() {
        match p.scope(Permission::ProtectedIdentity) {
            Some(s) if covers(p, s, subject, rule.present) => {}
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
/// Repeated asks for the same record in one operation are one event with a
/// count, like denied fields.
pub fn note_not_found(ctx: &Context<'_>, rc: &RequestContext, entity_type: &'static str, id: &str) {
    rc.audit.mark_refused(response_path(ctx));
    let subject = DataSubject {
        entity_type,
        entity_id: id.to_owned(),
        subject_child_id: None,
        protected: None,
    };
    rc.audit
        .note(&subject, "record".to_owned(), Outcome::Denied, None, None);
}

pub use super::writes::{
    MIN_JUSTIFICATION, gate_write, justification_text, may_write, require_write, write_unit,
};

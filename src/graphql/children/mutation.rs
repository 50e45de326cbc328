//! Child mutations: create, correct, assign a case worker.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::types::Child;
use crate::access::gate::{gate_write, may_write, write_unit};
use crate::access::{Permission, Principal, Scope, Subject, require, scope};
use crate::audit::Action;
use crate::domain::pin::PersonalIdentityNumber;
use crate::entity::{caseload, child, user};
use crate::error::AppError;
use crate::graphql::common::{
    Change, optional_text, parse_id, record_change, record_change_flagged, required_text,
    update_versioned,
};
use crate::state::AppState;

/// A new child.
#[derive(InputObject)]
pub struct CreateChildInput {
    pub given_name: String,
    pub family_name: String,
    /// `YYYYMMDD-NNNN` or `YYYYMMDDNNNN`; date of birth and sex are derived from it.
    pub personal_identity_number: String,
    pub protected_identity: Option<bool>,
    pub address: Option<String>,
    /// Defaults to the caller's unit.
    pub unit_id: Option<ID>,
}

/// A correction of a child; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateChildInput {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub personal_identity_number: Option<String>,
    pub protected_identity: Option<bool>,
    pub address: Option<String>,
    pub unit_id: Option<ID>,
    /// The version read; a stale version gives `CONFLICT`.
    pub expected_version: Option<i32>,
    /// Why protected identity is changed: needed (at least 20 characters)
    /// when `protectedIdentity` changes, which also needs PROTECTED_IDENTITY.
    pub justification: Option<String>,
}

fn parse_pin(text: &str) -> Result<PersonalIdentityNumber, AppError> {
    let pin = PersonalIdentityNumber::parse(text)
        .map_err(|e| AppError::bad_input("personalIdentityNumber", e.message()))?;
    if pin.date_of_birth() > crate::domain::today() {
        return Err(AppError::bad_input(
            "personalIdentityNumber",
            "The personal identity number's date of birth is in the future.",
        ));
    }
    Ok(pin)
}

/// The unit a write may target: the caller's own unless their scope is ALL.
fn target_unit(p: &Principal, scope: Scope, requested: Option<&ID>) -> Result<Uuid, AppError> {
    let requested = requested.map(|id| parse_id(id, "unitId")).transpose()?;
    write_unit(p, scope, requested)?
        .or(p.unit_id)
        .ok_or_else(|| {
            AppError::bad_input("unitId", "unitId is required for a user without a unit.")
        })
}

/// The audit view of a child's values.
pub fn snapshot(c: &child::Model) -> serde_json::Value {
    json!({
        "givenName": c.given_name, "familyName": c.family_name,
        "personalIdentityNumber": c.personal_identity_number, "protectedIdentity": c.protected_identity,
        "address": c.address, "unitId": c.unit_id.to_string(),
    })
}

/// Child mutations.
#[derive(Default)]
pub struct ChildMutation;

#[Object]
impl ChildMutation {
    /// Registers a child. A case worker gets the child in their own caseload.
    async fn create_child(&self, ctx: &Context<'_>, input: CreateChildInput) -> Result<Child> {
        let (rc, p, scope) = require(ctx, Permission::ChildWrite)?;
        gate_write(ctx, rc, &p, None, None)?;
        let state = ctx.data::<AppState>()?;
        let pin = parse_pin(&input.personal_identity_number)?;
        let given = required_text(&input.given_name, "givenName", 100)?;
        let family = required_text(&input.family_name, "familyName", 100)?;
        let address = optional_text(input.address.as_deref(), "address", 300)?;
        let unit_id = target_unit(&p, scope, input.unit_id.as_ref())?;
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(AppError::from)?;
        refuse_duplicate_pin(ctx, rc, &txn, &p, pin.digits(), None).await?;
        let row = child::ActiveModel {
            id: Set(Uuid::new_v4()),
            personal_identity_number: Set(pin.digits().to_owned()),
            given_name: Set(given),
            family_name: Set(family),
            date_of_birth: Set(pin.date_of_birth()),
            sex: Set(pin.sex().as_str().to_owned()),
            protected_identity: Set(input.protected_identity.unwrap_or(false)),
            address: Set(address),
            unit_id: Set(unit_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        if scope == Scope::Own {
            insert_assignment(&txn, p.user_id, row.id).await?;
        }
        let change = Change {
            action: Action::Create,
            entity_type: "Child",
            entity_id: row.id.to_string(),
            subject_child_id: Some(row.id),
            before: None,
            after: snapshot(&row),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(child_id = %row.id, "child created");
        rc.reload_principal(state).await?;
        Ok(Child(row))
    }

    /// Corrects a child. The earlier values stay in the audit trail.
    async fn update_child(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateChildInput,
    ) -> Result<Child> {
        let (rc, p, scope) = require(ctx, Permission::ChildWrite)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = writable_child(&txn, &p, scope, id).await?;
        let subject = Subject::Child {
            id,
            unit_id: before.unit_id,
            protected: before.protected_identity,
        };
        let justification = gate_write(ctx, rc, &p, Some(&subject), Some(&snapshot(&before)))?;
        if input.expected_version.is_some_and(|v| v != before.version) {
            return Err(AppError::Conflict(
                "The child was changed by someone else; reload and try again.".into(),
            )
            .into());
        }
        let mut row: child::ActiveModel = before.clone().into();
        if let Some(v) = &input.given_name {
            row.given_name = Set(required_text(v, "givenName", 100)?);
        }
        if let Some(v) = &input.family_name {
            row.family_name = Set(required_text(v, "familyName", 100)?);
        }
        if let Some(v) = &input.personal_identity_number {
            let pin = parse_pin(v)?;
            refuse_duplicate_pin(ctx, rc, &txn, &p, pin.digits(), Some(id)).await?;
            row.personal_identity_number = Set(pin.digits().to_owned());
            row.date_of_birth = Set(pin.date_of_birth());
            row.sex = Set(pin.sex().as_str().to_owned());
        }
        if let Some(v) = input.protected_identity {
            row.protected_identity = Set(v);
        }
        if input.address.is_some() {
            row.address = Set(optional_text(input.address.as_deref(), "address", 300)?);
        }
        if let Some(unit) = &input.unit_id {
            row.unit_id = Set(target_unit(&p, scope, Some(unit))?);
        }
        row.version = Set(before.version + 1);
        row.updated_at = Set(Utc::now());
        let after =
            update_versioned(&txn, row, child::Column::Version, before.version, "child").await?;
        let change = Change {
            action: Action::Update,
            entity_type: "Child",
            entity_id: id.to_string(),
            subject_child_id: Some(id),
            before: Some(snapshot(&before)),
            after: snapshot(&after),
            justification: justification.clone(),
        };
        let flag = justification.as_ref().map(|_| "protected identity changed");
        record_change_flagged(&txn, ctx, rc, change, flag).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(child_id = %id, "child updated");
        Ok(Child(after))
    }

    /// Makes a user responsible for a child's case.
    async fn assign_case_worker(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        user_id: ID,
    ) -> Result<Child> {
        let (rc, p, scope) = require(ctx, Permission::CaseloadManage)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&child_id, "childId")?;
        let user_id = parse_id(&user_id, "userId")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let found = child::Entity::find_by_id(child_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?;
        let (child, subject) = found
            .map(|c| {
                let subject = Subject::Child {
                    id: c.id,
                    unit_id: c.unit_id,
                    protected: c.protected_identity,
                };
                (c, subject)
            })
            .filter(|(_, subject)| may_write(&p, scope, subject))
            .ok_or(AppError::NotFound)?;
        gate_write(ctx, rc, &p, Some(&subject), None)?;
        let worker = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .filter(|u| u.active)
            .ok_or(AppError::NotFound)?;
        if !crate::access::writes::may_assign_caseload(&p, scope, worker.id, worker.unit_id) {
            return Err(AppError::Forbidden.into());
        }
        let assignment = insert_assignment(&txn, worker.id, child.id).await?;
        let change = Change {
            action: Action::Create,
            entity_type: "CaseloadAssignment",
            entity_id: assignment.to_string(),
            subject_child_id: Some(child.id),
            before: None,
            after: json!({"userId": worker.id.to_string(), "childId": child.id.to_string()}),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Child(child))
    }
}

/// Adds an active assignment unless one exists; returns its id.
async fn insert_assignment<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    child_id: Uuid,
) -> Result<Uuid, AppError> {
    let today = crate::domain::today();
    if let Some(existing) = caseload::Entity::find()
        .filter(caseload::Column::UserId.eq(user_id))
        .filter(caseload::Column::ChildId.eq(child_id))
        .filter(crate::access::scope::active_assignment(today))
        .one(txn)
        .await
        .map_err(AppError::from)?
    {
        return Ok(existing.id);
    }
    let id = Uuid::new_v4();
    caseload::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        child_id: Set(child_id),
        from_date: Set(today),
        to_date: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(AppError::from)?;
    Ok(id)
}

/// A child the caller may change: visible in scope, and inside the write
/// permission's scope. Anything else is `NOT_FOUND`.
pub async fn writable_child<C: sea_orm::ConnectionTrait>(
    txn: &C,
    p: &Principal,
    write: Scope,
    id: Uuid,
) -> Result<child::Model, AppError> {
    // Locked (PostgreSQL `FOR UPDATE`) for the rest of the write: every
    // write of a child's case takes the child first, so two of them never
    // take their rows in opposite orders (a deadlock was INTERNAL), and a
    // rule checked here still holds when the write commits.
    let row = child::Entity::find_by_id(id)
        .filter(scope::children(p))
        .lock_exclusive()
        .one(txn)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let subject = Subject::Child {
        id: row.id,
        unit_id: row.unit_id,
        protected: row.protected_identity,
    };
    let allowed = may_write(p, write, &subject);
    if allowed {
        Ok(row)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Refuses a personal identity number another child has. The answer is the
/// same CONFLICT whoever that child is; when the child is outside the
/// caller's scope the attempt is also an existence probe of someone else's
/// case, so it is recorded (through the request's buffer, which outlives
/// the rolled-back transaction) and flagged for review (access.md, "Audit
/// log").
async fn refuse_duplicate_pin<C: sea_orm::ConnectionTrait>(
    ctx: &Context<'_>,
    rc: &crate::request::RequestContext,
    txn: &C,
    p: &Principal,
    digits: &str,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    let mut query = child::Entity::find().filter(child::Column::PersonalIdentityNumber.eq(digits));
    if let Some(id) = except {
        query = query.filter(child::Column::Id.ne(id));
    }
    let Some(other) = query.one(txn).await? else {
        return Ok(());
    };
    let in_scope = child::Entity::find_by_id(other.id)
        .filter(scope::children(p))
        .one(txn)
        .await?
        .is_some();
    if !in_scope {
        rc.audit
            .mark_refused(crate::access::gate::response_path(ctx));
        rc.audit.push(crate::audit::NewEvent {
            action: Action::Refused,
            entity_type: Some("Child".into()),
            entity_id: Some(other.id.to_string()),
            subject_child_id: Some(other.id),
            fields: vec!["personalIdentityNumber".into(), "CONFLICT".into()],
            outcome: crate::audit::Outcome::Denied,
            flagged: true,
            flag_reason: Some(
                "personal identity number of a child outside the caller's scope".into(),
            ),
            subject_protected: Some(other.protected_identity),
            ..Default::default()
        });
    }
    Err(AppError::Conflict(
        "A child with this personal identity number already exists.".into(),
    ))
}

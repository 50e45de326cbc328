//! Administration mutations: roles, units and caseload endings. Built-in
//! roles stay as access.md defines them, and nobody changes a role they hold.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::foureyes::{self, GrantPair, RequestedRole, Target};
use super::types::{Role, Unit};
use crate::access::gate::may_write;
use crate::access::gate::require_write;
use crate::access::{Permission, Scope, Subject};
use crate::audit::Action;
use crate::entity::{caseload, role, role_permission, unit, user_role};
use crate::error::AppError;
use crate::graphql::common::{Change, parse_id, record_change, required_text};
use crate::graphql::date::Date;
use crate::state::AppState;

/// A permission with a scope, for roles.
#[derive(InputObject)]
pub struct GrantInput {
    pub permission: Permission,
    pub scope: Scope,
}

/// A new role.
#[derive(InputObject)]
pub struct CreateRoleInput {
    pub name: String,
    #[graphql(default)]
    pub description: String,
    pub permissions: Vec<GrantInput>,
}

/// A change of a role; `permissions` replaces the whole set.
#[derive(InputObject)]
pub struct UpdateRoleInput {
    pub description: Option<String>,
    pub permissions: Option<Vec<GrantInput>>,
}

async fn set_grants<C: sea_orm::ConnectionTrait>(
    c: &C,
    role_id: Uuid,
    grants: &[GrantInput],
) -> Result<(), AppError> {
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role_id))
        .exec(c)
        .await?;
    let mut seen = std::collections::HashSet::new();
    for g in grants {
        if !seen.insert(g.permission) {
            return Err(AppError::bad_input(
                "permissions",
                "Each permission may appear once.",
            ));
        }
        role_permission::ActiveModel {
            role_id: Set(role_id),
            permission: Set(g.permission.as_str().into()),
            scope: Set(g.scope.as_str().into()),
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

impl GrantInput {
    fn copy(&self) -> Self {
        Self {
            permission: self.permission,
            scope: self.scope,
        }
    }
}

/// Splits a role's new grants into those applied now and the case-data
/// grants that wait for approval: when users hold the role, a case-data
/// permission it lacked, or had at a narrower scope, is held back (the role
/// keeps its old grant of that permission meanwhile). Removals and
/// narrowings apply at once. A role nobody holds changes at once; assigning
/// it is what needs approval.
fn hold_back_case_data(
    old: &[GrantInput],
    new: &[GrantInput],
    held: bool,
) -> Result<(Vec<GrantInput>, Vec<GrantPair>), AppError> {
    let mut seen = std::collections::HashSet::new();
    if !new.iter().all(|g| seen.insert(g.permission)) {
        return Err(AppError::bad_input(
            "permissions",
            "Each permission may appear once.",
        ));
    }
    if !held {
        return Ok((new.iter().map(GrantInput::copy).collect(), Vec::new()));
    }
    let pair = |g: &GrantInput| (g.permission, g.scope);
    let old_pairs: Vec<GrantPair> = old.iter().map(pair).collect();
    let new_pairs: Vec<GrantPair> = new.iter().map(pair).collect();
    let pending = foureyes::widening(&old_pairs, &new_pairs);
    let applied = new
        .iter()
        .filter_map(|g| {
            if pending.iter().any(|(p, _)| *p == g.permission) {
                old.iter()
                    .find(|o| o.permission == g.permission)
                    .map(GrantInput::copy)
            } else {
                Some(g.copy())
            }
        })
        .collect();
    Ok((applied, pending))
}

fn role_snapshot(name: &str, description: &str, grants: &[GrantInput]) -> serde_json::Value {
    let mut g: Vec<String> = grants
        .iter()
        .map(|g| format!("{}:{}", g.permission.as_str(), g.scope.as_str()))
        .collect();
    g.sort();
    json!({"name": name, "description": description, "permissions": g})
}

async fn role_by_id(state: &AppState, id: Uuid) -> Result<Role, AppError> {
    let roles = super::load_roles(&state.db)
        .await
        .map_err(|_| AppError::internal("loading roles failed"))?;
    roles
        .into_iter()
        .find(|r| r.id.as_str() == id.to_string())
        .ok_or(AppError::NotFound)
}

/// Administration mutations: roles, units, caseloads.
#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Creates a role from permissions and scopes. Nobody holds it yet, so it
    /// needs no approval; assigning it does, if it gives case data.
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> Result<Role> {
        let (rc, _, _) = require_write(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let name = required_text(&input.name, "name", 64)?;
        if name.chars().count() < 2 {
            return Err(AppError::bad_input("name", "name must be 2 to 64 characters.").into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        if role::Entity::find()
            .filter(role::Column::Name.eq(&name))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some()
        {
            return Err(AppError::Conflict("A role with this name exists.".into()).into());
        }
        let id = Uuid::new_v4();
        role::ActiveModel {
            id: Set(id),
            name: Set(name.clone()),
            description: Set(input.description.clone()),
            built_in: Set(false),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        set_grants(&txn, id, &input.permissions).await?;
        let after = role_snapshot(&name, &input.description, &input.permissions);
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Create,
                entity_type: "Role",
                entity_id: id.to_string(),
                subject_child_id: None,
                before: None,
                after,
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(role_by_id(state, id).await?)
    }

    /// Changes a role. Built-in roles and roles the caller holds are refused.
    /// If users hold the role, a case-data permission it gains (or gains at a
    /// wider scope) is requested instead (`pendingGrants`); the rest applies.
    async fn update_role(&self, ctx: &Context<'_>, id: ID, input: UpdateRoleInput) -> Result<Role> {
        let (rc, p, _) = require_write(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        // Locked, so that nobody is given the role between the check whether
        // anyone holds it and the change (see `foureyes::roles_with_grants`).
        let before = role::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let held = user_role::Entity::find_by_id((p.user_id, id))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if held {
            return Err(AppError::Forbidden.into());
        }
        if before.built_in {
            return Err(AppError::Conflict(
                "Built-in roles follow access.md and cannot be changed; create a new role.".into(),
            )
            .into());
        }
        let old: Vec<GrantInput> = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.eq(id))
            .all(&txn)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .filter_map(|g| {
                Some(GrantInput {
                    permission: Permission::parse(&g.permission)?,
                    scope: Scope::parse(&g.scope)?,
                })
            })
            .collect();
        let description = input
            .description
            .clone()
            .unwrap_or_else(|| before.description.clone());
        let mut row: role::ActiveModel = before.clone().into();
        row.description = Set(description.clone());
        row.update(&txn).await.map_err(AppError::from)?;
        let (new, pending) = match &input.permissions {
            Some(grants) => {
                let held = user_role::Entity::find()
                    .filter(user_role::Column::RoleId.eq(id))
                    .one(&txn)
                    .await
                    .map_err(AppError::from)?
                    .is_some();
                let (applied, pending) = hold_back_case_data(&old, grants, held)?;
                set_grants(&txn, id, &applied).await?;
                (applied, pending)
            }
            None => (old.iter().map(GrantInput::copy).collect(), Vec::new()),
        };
        let change = Change {
            action: Action::Update,
            entity_type: "Role",
            entity_id: id.to_string(),
            subject_child_id: None,
            before: Some(role_snapshot(&before.name, &before.description, &old)),
            after: role_snapshot(&before.name, &description, &new),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        if !pending.is_empty() {
            let requested = RequestedRole::new(id, before.name.clone(), &pending);
            foureyes::request(&txn, ctx, rc, Target::Role(id), vec![requested]).await?;
        }
        txn.commit().await.map_err(AppError::from)?;
        Ok(role_by_id(state, id).await?)
    }

    /// Creates an organisation unit.
    async fn create_unit(&self, ctx: &Context<'_>, name: String) -> Result<Unit> {
        let (rc, _, _) = require_write(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let name = required_text(&name, "name", 200)?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let row = unit::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Create,
                entity_type: "Unit",
                entity_id: row.id.to_string(),
                subject_child_id: None,
                before: None,
                after: json!({"name": name}),
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(Unit(row))
    }

    /// Ends a user's caseload assignment for a child. `endDate` is the first
    /// day without access; by default today, so access ends at once.
    async fn end_caseload_assignment(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        user_id: ID,
        end_date: Option<Date>,
    ) -> Result<bool> {
        let (rc, p, scope) = require_write(ctx, Permission::CaseloadManage)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&child_id, "childId")?;
        let user_id = parse_id(&user_id, "userId")?;
        let end = end_date.map_or_else(crate::domain::today, |d| d.0);
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let child = crate::entity::child::Entity::find_by_id(child_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?;
        let reachable = child.is_some_and(|c| {
            may_write(
                &p,
                scope,
                &Subject::Child {
                    id: c.id,
                    unit_id: c.unit_id,
                    protected: c.protected_identity,
                },
            )
        });
        if !reachable {
            return Err(AppError::NotFound.into());
        }
        let open = caseload::Entity::find()
            .filter(caseload::Column::ChildId.eq(child_id))
            .filter(caseload::Column::UserId.eq(user_id))
            .filter(caseload::Column::ToDate.is_null())
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        if end < open.from_date {
            return Err(AppError::bad_input(
                "endDate",
                "The end date is before the assignment began.",
            )
            .into());
        }
        let mut row: caseload::ActiveModel = open.clone().into();
        row.to_date = Set(Some(end));
        row.update(&txn).await.map_err(AppError::from)?;
        let change = Change {
            action: Action::Update,
            entity_type: "CaseloadAssignment",
            entity_id: open.id.to_string(),
            subject_child_id: Some(child_id),
            before: Some(json!({"toDate": null})),
            after: json!({"toDate": end}),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(true)
    }
}

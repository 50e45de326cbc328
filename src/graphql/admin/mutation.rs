//! Administration mutations: users, roles, units, caseload endings. Every
//! change is audited in its own transaction. Nobody changes their own roles
//! or the permissions of a role they hold, so an administrator cannot grant
//! themselves case access.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::types::{Role, Unit, User};
use crate::access::{Permission, Scope, require};
use crate::audit::Action;
use crate::auth::password;
use crate::entity::{caseload, refresh_token, role, role_permission, unit, user, user_role};
use crate::error::AppError;
use crate::graphql::common::{Change, parse_id, record_change, required_text};
use crate::state::AppState;

/// A new user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// 3–64 characters: lower-case letters, digits, `.`, `_`, `-`.
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<ID>,
    #[graphql(default)]
    pub role_ids: Vec<ID>,
    /// 12–128 characters; the user must replace it at first login.
    pub temporary_password: String,
}

/// A change of a user; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub display_name: Option<String>,
    pub unit_id: Option<ID>,
    pub active: Option<bool>,
}

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

fn check_username(name: &str) -> Result<String, AppError> {
    let ok = (3..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(AppError::bad_input(
            "username",
            "The username must be 3-64 characters: a-z, 0-9, '.', '_', '-'.",
        ))
    }
}

async fn user_snapshot<C: sea_orm::ConnectionTrait>(
    c: &C,
    u: &user::Model,
) -> Result<serde_json::Value, AppError> {
    let mut roles: Vec<String> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(u.id))
        .all(c)
        .await?
        .into_iter()
        .map(|r| r.role_id.to_string())
        .collect();
    roles.sort();
    Ok(
        json!({"username": u.username, "displayName": u.display_name, "unitId": u.unit_id.map(|x| x.to_string()), "active": u.active, "roleIds": roles}),
    )
}

async fn set_roles<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: Uuid,
    role_ids: &[ID],
) -> Result<(), AppError> {
    let ids = role_ids
        .iter()
        .map(|r| parse_id(r, "roleIds"))
        .collect::<Result<Vec<_>, _>>()?;
    let found = role::Entity::find()
        .filter(role::Column::Id.is_in(ids.clone()))
        .all(c)
        .await?;
    if found.len() != ids.len() {
        return Err(AppError::bad_input(
            "roleIds",
            "One of the roles does not exist.",
        ));
    }
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .exec(c)
        .await?;
    for id in ids {
        user_role::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(id),
        }
        .insert(c)
        .await?;
    }
    Ok(())
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

/// Administration mutations.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a user with a temporary password they must change.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let (rc, _, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let username = check_username(&input.username)?;
        let display = required_text(&input.display_name, "displayName", 200)?;
        password::check_rules(&input.temporary_password, "temporaryPassword")?;
        let unit_id = input
            .unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        let hash = password::hash(&input.temporary_password).await?;
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(AppError::from)?;
        if user::Entity::find()
            .filter(user::Column::Username.eq(&username))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some()
        {
            return Err(AppError::Conflict("The username is taken.".into()).into());
        }
        let row = user::ActiveModel {
            id: Set(Uuid::new_v4()),
            username: Set(username),
            display_name: Set(display),
            password_hash: Set(hash),
            unit_id: Set(unit_id),
            active: Set(true),
            must_change_password: Set(true),
            failed_logins: Set(0),
            locked_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        set_roles(&txn, row.id, &input.role_ids).await?;
        let after = user_snapshot(&txn, &row).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Create,
                entity_type: "User",
                entity_id: row.id,
                subject_child_id: None,
                before: None,
                after,
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(row))
    }

    /// Changes a user's name, unit or active flag.
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let (rc, p, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        if id == p.user_id && (input.unit_id.is_some() || input.active.is_some()) {
            return Err(AppError::Forbidden.into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = user::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let before_json = user_snapshot(&txn, &before).await?;
        let mut row: user::ActiveModel = before.clone().into();
        if let Some(v) = &input.display_name {
            row.display_name = Set(required_text(v, "displayName", 200)?);
        }
        if let Some(u) = &input.unit_id {
            row.unit_id = Set(Some(parse_id(u, "unitId")?));
        }
        if let Some(a) = input.active {
            row.active = Set(a);
        }
        row.updated_at = Set(Utc::now());
        let after = row.update(&txn).await.map_err(AppError::from)?;
        let after_json = user_snapshot(&txn, &after).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Update,
                entity_type: "User",
                entity_id: id,
                subject_child_id: None,
                before: Some(before_json),
                after: after_json,
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(after))
    }

    /// Deactivates a user: their tokens stop working at their next request.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let (rc, p, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        if id == p.user_id {
            return Err(AppError::Forbidden.into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = user::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let before_json = user_snapshot(&txn, &before).await?;
        let mut row: user::ActiveModel = before.into();
        row.active = Set(false);
        row.updated_at = Set(Utc::now());
        let after = row.update(&txn).await.map_err(AppError::from)?;
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(refresh_token::Column::UserId.eq(id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(AppError::from)?;
        let after_json = user_snapshot(&txn, &after).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Update,
                entity_type: "User",
                entity_id: id,
                subject_child_id: None,
                before: Some(before_json),
                after: after_json,
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(after))
    }

    /// Creates a role from permissions and scopes.
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> Result<Role> {
        let (rc, _, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let name = required_text(&input.name, "name", 64)?;
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
                entity_id: id,
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
    async fn update_role(&self, ctx: &Context<'_>, id: ID, input: UpdateRoleInput) -> Result<Role> {
        let (rc, p, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = role::Entity::find_by_id(id)
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
        if let Some(grants) = &input.permissions {
            set_grants(&txn, id, grants).await?;
        }
        let new = input.permissions.as_deref().unwrap_or(&old);
        let change = Change {
            action: Action::Update,
            entity_type: "Role",
            entity_id: id,
            subject_child_id: None,
            before: Some(role_snapshot(&before.name, &before.description, &old)),
            after: role_snapshot(&before.name, &description, new),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(role_by_id(state, id).await?)
    }

    /// Replaces a user's roles. Nobody can change their own.
    async fn assign_roles(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_ids: Vec<ID>,
    ) -> Result<User> {
        let (rc, p, _) = require(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let user_id = parse_id(&user_id, "userId")?;
        if user_id == p.user_id {
            return Err(AppError::Forbidden.into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let target = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let before = user_snapshot(&txn, &target).await?;
        set_roles(&txn, user_id, &role_ids).await?;
        let after = user_snapshot(&txn, &target).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Update,
                entity_type: "User",
                entity_id: user_id,
                subject_child_id: None,
                before: Some(before),
                after,
                justification: None,
            },
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(target))
    }

    /// Creates an organisation unit.
    async fn create_unit(&self, ctx: &Context<'_>, name: String) -> Result<Unit> {
        let (rc, _, _) = require(ctx, Permission::AdminManage)?;
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
                entity_id: row.id,
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

    /// Ends a user's caseload assignment for a child (from `endDate`, default today).
    async fn end_caseload_assignment(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        user_id: ID,
        end_date: Option<NaiveDate>,
    ) -> Result<bool> {
        let (rc, p, scope) = require(ctx, Permission::CaseloadManage)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&child_id, "childId")?;
        let user_id = parse_id(&user_id, "userId")?;
        let end = end_date.unwrap_or_else(crate::domain::today);
        let txn = state.db.begin().await.map_err(AppError::from)?;
        if scope != Scope::All {
            let child = crate::entity::child::Entity::find_by_id(child_id)
                .one(&txn)
                .await
                .map_err(AppError::from)?;
            if child.is_none_or(|c| Some(c.unit_id) != p.unit_id) {
                return Err(AppError::NotFound.into());
            }
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
            entity_id: open.id,
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

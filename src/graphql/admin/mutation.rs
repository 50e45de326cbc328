//! Administration mutations: users and their roles. Every change is audited
//! in its own transaction. Nobody changes their own roles or the permissions
//! of a role they hold, so an administrator cannot grant themselves case
//! access; and a role that gives someone else case data is assigned only
//! when a second person approves it (`foureyes`): until then the user has
//! their other roles, and the request is listed by `pendingGrants`.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::foureyes::{self, RequestedRole, Target};
use super::types::User;
use crate::access::Permission;
use crate::access::gate::require_write;
use crate::audit::Action;
use crate::auth::password;
use crate::entity::{user, user_role};
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

fn check_username(name: &str) -> Result<String, AppError> {
    if crate::auth::token::is_username(name) {
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

/// Replaces a user's roles, except that a role giving case data which the
/// user does not hold yet is held back; the held-back roles are returned,
/// for a grant request. Removals and other roles apply at once.
async fn set_roles<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: Uuid,
    role_ids: &[ID],
) -> Result<Vec<RequestedRole>, AppError> {
    let ids = role_ids
        .iter()
        .map(|r| parse_id(r, "roleIds"))
        .collect::<Result<Vec<_>, _>>()?;
    let found = foureyes::roles_with_grants(c, &ids).await?;
    if found.len() != ids.len() {
        return Err(AppError::bad_input(
            "roleIds",
            "One of the roles does not exist.",
        ));
    }
    let held: Vec<Uuid> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(c)
        .await?
        .into_iter()
        .map(|r| r.role_id)
        .collect();
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .filter(user_role::Column::RoleId.is_not_in(ids.clone()))
        .exec(c)
        .await?;
    let mut pending = Vec::new();
    for r in found.into_iter().filter(|r| !held.contains(&r.id)) {
        if r.gives_case_data() {
            pending.push(r);
            continue;
        }
        user_role::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(r.id),
        }
        .insert(c)
        .await?;
    }
    Ok(pending)
}

/// Applies `edit` to a user in one transaction with its audit event. A
/// deactivation also ends all the user's sessions, so their access and
/// refresh tokens stop working at the next request.
async fn change_user(
    ctx: &Context<'_>,
    id: Uuid,
    edit: impl FnOnce(&mut user::ActiveModel) -> Result<(), AppError>,
) -> Result<User> {
    let (rc, _, _) = require_write(ctx, Permission::AdminManage)?;
    let state = ctx.data::<AppState>()?;
    let txn = state.db.begin().await.map_err(AppError::from)?;
    let before = user::Entity::find_by_id(id)
        .one(&txn)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let before_json = user_snapshot(&txn, &before).await?;
    let before_unit = before.unit_id;
    let mut row: user::ActiveModel = before.into();
    edit(&mut row)?;
    let moved = matches!(&row.unit_id, sea_orm::ActiveValue::Set(u) if *u != before_unit);
    if moved && super::foureyes::holds_approved_grants(&txn, id).await? {
        return Err(AppError::Conflict(
            "The user holds roles with case data or administration rights; remove them \
             before moving the user, then assign them again for approval in the new unit."
                .into(),
        )
        .into());
    }
    row.updated_at = Set(Utc::now());
    let after = row.update(&txn).await.map_err(AppError::from)?;
    if !after.active {
        crate::auth::service::revoke_all_sessions(&txn, id).await?;
    }
    let after_json = user_snapshot(&txn, &after).await?;
    let change = Change {
        action: Action::Update,
        entity_type: "User",
        entity_id: id.to_string(),
        subject_child_id: None,
        before: Some(before_json),
        after: after_json,
        justification: None,
    };
    record_change(&txn, ctx, rc, change).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(User(after))
}

/// Administration mutations: users.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a user with a temporary password they must change. Roles that
    /// give case data are not assigned yet but requested (`pendingGrants`).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let (rc, _, _) = require_write(ctx, Permission::AdminManage)?;
        let state = ctx.data::<AppState>()?;
        let username = check_username(&input.username)?;
        let display = required_text(&input.display_name, "displayName", 200)?;
        password::check_rules(&input.temporary_password, "temporaryPassword")?;
        let unit_id = input
            .unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        let hash = state
            .login_guard
            .hashing
            .hash(&input.temporary_password)
            .await?;
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
        let pending = set_roles(&txn, row.id, &input.role_ids).await?;
        let after = user_snapshot(&txn, &row).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Create,
                entity_type: "User",
                entity_id: row.id.to_string(),
                subject_child_id: None,
                before: None,
                after,
                justification: None,
            },
        )
        .await?;
        if !pending.is_empty() {
            foureyes::request(&txn, ctx, rc, Target::User(row.id), pending).await?;
        }
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(row))
    }

    /// Changes a user's name, unit or active flag (not one's own unit or flag).
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let (_, p, _) = require_write(ctx, Permission::AdminManage)?;
        let id = parse_id(&id, "id")?;
        if id == p.user_id && (input.unit_id.is_some() || input.active.is_some()) {
            return Err(AppError::Forbidden.into());
        }
        let display = input
            .display_name
            .as_deref()
            .map(|v| required_text(v, "displayName", 200))
            .transpose()?;
        let unit = input
            .unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        change_user(ctx, id, |row| {
            if let Some(v) = display {
                row.display_name = Set(v);
            }
            if let Some(u) = unit {
                row.unit_id = Set(Some(u));
            }
            if let Some(a) = input.active {
                row.active = Set(a);
            }
            Ok(())
        })
        .await
    }

    /// Deactivates a user: their tokens stop working at their next request.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let (_, p, _) = require_write(ctx, Permission::AdminManage)?;
        let id = parse_id(&id, "id")?;
        if id == p.user_id {
            return Err(AppError::Forbidden.into());
        }
        change_user(ctx, id, |row| {
            row.active = Set(false);
            Ok(())
        })
        .await
    }

    /// Replaces a user's roles. Nobody can change their own. Removals and
    /// roles without case data apply at once; a new role that gives case
    /// data is requested instead (`pendingGrants`, `approveGrant`).
    async fn assign_roles(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_ids: Vec<ID>,
    ) -> Result<User> {
        let (rc, p, _) = require_write(ctx, Permission::AdminManage)?;
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
        let pending = set_roles(&txn, user_id, &role_ids).await?;
        let after = user_snapshot(&txn, &target).await?;
        record_change(
            &txn,
            ctx,
            rc,
            Change {
                action: Action::Update,
                entity_type: "User",
                entity_id: user_id.to_string(),
                subject_child_id: None,
                before: Some(before),
                after,
                justification: None,
            },
        )
        .await?;
        if !pending.is_empty() {
            foureyes::request(&txn, ctx, rc, Target::User(user_id), pending).await?;
        }
        txn.commit().await.map_err(AppError::from)?;
        Ok(User(target))
    }
}

//! Four-eyes for case-data grants (access.md, "Writes"): the part of a role
//! assignment or role change that would give someone a case-data permission
//! (`access::policy::needs_approval`) is not applied but stored as a pending
//! request in `grant_requests`; `grants` lets a second person approve or
//! reject it. Everything else of the change (removals, other permissions,
//! descriptions) applies at once.
//!
//! A request records what it asks for as it was asked: for a user, the roles
//! with the grants they had at the time; for a role, the permissions to add
//! or widen. Approval applies exactly that, or refuses with `CONFLICT` if a
//! requested role has changed meanwhile, so nobody approves one thing and
//! grants another.
use std::collections::{BTreeSet, HashMap};

use async_graphql::Context;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::policy::needs_approval;
use crate::access::{Permission, Scope};
use crate::audit::Action;
use crate::entity::{role, role_permission, user_role};
use crate::error::{AppError, AppResult};
use crate::graphql::common::{Change, record_flagged_change};
use crate::request::RequestContext;

pub use crate::entity::grant_request;

pub use crate::access::approval::USER_ROLES;
/// Kind of a request that adds permissions to a role users hold.
pub const ROLE_PERMISSIONS: &str = "ROLE_PERMISSIONS";
/// Status of an undecided request.
pub const PENDING: &str = "PENDING";

/// A permission with its scope.
pub type GrantPair = (Permission, Scope);

fn grant_text((p, s): GrantPair) -> String {
    format!("{}:{}", p.as_str(), s.as_str())
}

fn parse_grant_text(text: &str) -> Option<GrantPair> {
    let (p, s) = text.split_once(':')?;
    Some((Permission::parse(p)?, Scope::parse(s)?))
}

/// A role as a request names it: for a user's roles, everything the role
/// granted when it was requested; for a role change, the grants to add.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RequestedRole {
    pub id: Uuid,
    pub name: String,
    /// `PERMISSION:SCOPE`, sorted.
    pub permissions: Vec<String>,
}

impl RequestedRole {
    /// A role with `grants`.
    pub fn new(id: Uuid, name: String, grants: &[GrantPair]) -> Self {
        let mut permissions: Vec<String> = grants.iter().copied().map(grant_text).collect();
        permissions.sort();
        Self {
            id,
            name,
            permissions,
        }
    }

    /// The grants, parsed.
    pub fn grants(&self) -> Vec<GrantPair> {
        self.permissions
            .iter()
            .filter_map(|t| parse_grant_text(t))
            .collect()
    }

    /// Whether the role grants any case-data permission.
    pub fn gives_case_data(&self) -> bool {
        self.grants().iter().any(|(p, _)| needs_approval(*p))
    }
}

/// Parses a request's payload.
pub fn payload(req: &grant_request::Model) -> AppResult<Vec<RequestedRole>> {
    serde_json::from_str(&req.payload).map_err(AppError::internal)
}

/// The grants of role `id` as they are now.
pub async fn grants_of<C: ConnectionTrait>(c: &C, id: Uuid) -> AppResult<Vec<GrantPair>> {
    Ok(role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.eq(id))
        .all(c)
        .await?
        .into_iter()
        .filter_map(|g| Some((Permission::parse(&g.permission)?, Scope::parse(&g.scope)?)))
        .collect())
}

/// Whether the user holds a role with a permission that needs approval.
/// Moving such a user to another unit would widen their UNIT reach (and
/// change who approves for them) without a second person, so it is refused.
pub async fn holds_approved_grants<C: ConnectionTrait>(c: &C, user_id: Uuid) -> AppResult<bool> {
    let roles: Vec<Uuid> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.eq(user_id))
        .into_tuple()
        .all(c)
        .await?;
    for role in roles {
        if grants_of(c, role)
            .await?
            .iter()
            .any(|(p, _)| needs_approval(*p))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The roles `ids` that exist, with the grants they have now. The role rows
/// stay locked to the end of the transaction (PostgreSQL; SQLite has one
/// writer), as `updateRole` locks its role: whether a role is held and what
/// it grants cannot change between reading and assigning it.
pub async fn roles_with_grants<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
) -> AppResult<Vec<RequestedRole>> {
    let found = role::Entity::find()
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(role::Column::Id)
        .lock_exclusive()
        .all(c)
        .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.push(RequestedRole::new(r.id, r.name, &grants_of(c, r.id).await?));
    }
    Ok(out)
}

/// The grants of `new` that give case data beyond `old`: a case-data
/// permission `old` lacks, or has at a narrower scope.
pub fn widening(old: &[GrantPair], new: &[GrantPair]) -> Vec<GrantPair> {
    new.iter()
        .copied()
        .filter(|(p, s)| needs_approval(*p) && old.iter().all(|(op, os)| op != p || os < s))
        .collect()
}

/// What a pending request is for.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The user who would gain the roles.
    User(Uuid),
    /// The role that would gain the permissions.
    Role(Uuid),
}

/// Stores a pending request for `roles` and its flagged `GRANT_REQUESTED`
/// event, in the caller's transaction.
pub async fn request<C: ConnectionTrait>(
    c: &C,
    ctx: &Context<'_>,
    rc: &RequestContext,
    target: Target,
    roles: Vec<RequestedRole>,
) -> AppResult<Uuid> {
    let requester = rc.principal()?.user_id;
    let id = Uuid::new_v4();
    let (kind, user_id, role_id, whom) = match target {
        Target::User(u) => (USER_ROLES, Some(u), None, format!("user {u}")),
        Target::Role(r) => (
            ROLE_PERMISSIONS,
            None,
            Some(r),
            format!("the holders of role {r}"),
        ),
    };
    let text = serde_json::to_string(&roles).map_err(AppError::internal)?;
    grant_request::ActiveModel {
        id: Set(id),
        kind: Set(kind.into()),
        user_id: Set(user_id),
        role_id: Set(role_id),
        payload: Set(text),
        requested_by: Set(requester),
        requested_at: Set(Utc::now()),
        status: Set(PENDING.into()),
        decided_by: Set(None),
        decided_at: Set(None),
    }
    .insert(c)
    .await?;
    let change = Change {
        action: Action::GrantRequested,
        entity_type: "GrantRequest",
        entity_id: id.to_string(),
        subject_child_id: None,
        before: None,
        after: json!({"status": PENDING, "kind": kind, "userId": user_id, "roleId": role_id, "roles": roles}),
        justification: None,
    };
    let reason = format!("case-data grant to {whom} awaits a second person's approval");
    record_flagged_change(c, ctx, rc, change, reason).await?;
    tracing::info!(grant_request = %id, kind, "case-data grant requested");
    Ok(id)
}

fn sorted(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    ids.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Applies an approved request in the caller's transaction; returns the
/// state before and after, for the decision's audit event.
pub async fn apply<C: ConnectionTrait>(
    c: &C,
    req: &grant_request::Model,
) -> AppResult<(Value, Value)> {
    let requested = payload(req)?;
    match (req.kind.as_str(), req.user_id, req.role_id) {
        (USER_ROLES, Some(user_id), _) => {
            let ids: Vec<Uuid> = requested.iter().map(|r| r.id).collect();
            let now = roles_with_grants(c, &ids).await?;
            for r in &requested {
                if !now.contains(r) {
                    return Err(AppError::Conflict(format!(
                        "Role {} has changed since the request; reject it and ask again.",
                        r.name
                    )));
                }
            }
            let held: Vec<Uuid> = user_role::Entity::find()
                .filter(user_role::Column::UserId.eq(user_id))
                .all(c)
                .await?
                .into_iter()
                .map(|r| r.role_id)
                .collect();
            for id in ids.iter().filter(|id| !held.contains(id)) {
                user_role::ActiveModel {
                    user_id: Set(user_id),
                    role_id: Set(*id),
                }
                .insert(c)
                .await?;
            }
            let before = sorted(held.iter().map(Uuid::to_string));
            let after = sorted(held.iter().chain(&ids).map(Uuid::to_string));
            Ok((json!({"roleIds": before}), json!({"roleIds": after})))
        }
        (ROLE_PERMISSIONS, _, Some(role_id)) => {
            role::Entity::find_by_id(role_id)
                .one(c)
                .await?
                .ok_or(AppError::NotFound)?;
            let old = grants_of(c, role_id).await?;
            let mut new: HashMap<Permission, Scope> = old.iter().copied().collect();
            for (p, s) in requested.iter().flat_map(RequestedRole::grants) {
                let scope = new.get(&p).map_or(s, |cur| (*cur).max(s));
                new.insert(p, scope);
                role_permission::Entity::delete_many()
                    .filter(role_permission::Column::RoleId.eq(role_id))
                    .filter(role_permission::Column::Permission.eq(p.as_str()))
                    .exec(c)
                    .await?;
                role_permission::ActiveModel {
                    role_id: Set(role_id),
                    permission: Set(p.as_str().into()),
                    scope: Set(scope.as_str().into()),
                }
                .insert(c)
                .await?;
            }
            let before = sorted(old.into_iter().map(grant_text));
            let after = sorted(new.into_iter().map(grant_text));
            Ok((
                json!({"permissions": before}),
                json!({"permissions": after}),
            ))
        }
        _ => Err(AppError::internal("grant request without its target")),
    }
}

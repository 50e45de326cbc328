//! Pending case-data grants (access.md, "Writes"): `pendingGrants`,
//! `approveGrant`, `rejectGrant`.
//!
//! Who decides: another ADMIN (`ADMIN_MANAGE`), or, for a user's roles, a
//! UNIT_MANAGER of that user's unit; a change to a role's permissions only
//! another ADMIN who does not hold the role. Nobody decides their own
//! request or a grant to themselves (`FORBIDDEN`, and the database refuses
//! it too). A unit manager sees only requests for users of their unit;
//! others are `NOT_FOUND` to them. The decision is one conditional UPDATE
//! of a PENDING row: of two concurrent decisions exactly one changes the
//! row, the other gets `CONFLICT`. An approval applies the change in the same
//! transaction; the access-version triggers on `user_roles` and
//! `role_permissions` make it effective at the affected users' next request.
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::foureyes::{self, PENDING, ROLE_PERMISSIONS, grant_request};
use super::types::{Grant, User};
use crate::access::approval::{self, Approver, visible};
use crate::access::{Permission, Principal, require};
use crate::audit::{Action, NewEvent, Outcome};
use crate::entity::user_role;
use crate::error::AppError;
use crate::graphql::common::{Change, parse_id, record_flagged_change};
use crate::graphql::loaders::UserKey;
use crate::graphql::prefetch::fetch;
use crate::request::RequestContext;
use crate::state::AppState;

/// What a grant request would change.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum GrantRequestKind {
    /// Roles for a user.
    UserRoles,
    /// Permissions for a role that users hold.
    RolePermissions,
}

/// Where a grant request stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum GrantRequestStatus {
    /// Waiting for a second person.
    Pending,
    /// Approved and applied.
    Approved,
    /// Rejected; nothing was applied.
    Rejected,
}

/// A role as a grant request names it.
#[derive(SimpleObject)]
pub struct RequestedRole {
    pub role_id: ID,
    pub role_name: String,
    /// For a user's roles: everything the role grants (as at the request);
    /// for a role change: the permissions to add or widen.
    pub permissions: Vec<Grant>,
}

/// A case-data grant that takes effect only when a second person approves it.
pub struct GrantRequest(pub grant_request::Model);

/// A case-data grant that takes effect only when a second person approves it.
#[Object]
impl GrantRequest {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> GrantRequestKind {
        if self.0.kind == ROLE_PERMISSIONS {
            GrantRequestKind::RolePermissions
        } else {
            GrantRequestKind::UserRoles
        }
    }
    async fn status(&self) -> GrantRequestStatus {
        match self.0.status.as_str() {
            "APPROVED" => GrantRequestStatus::Approved,
            "REJECTED" => GrantRequestStatus::Rejected,
            _ => GrantRequestStatus::Pending,
        }
    }
    /// The user who would gain the roles (`USER_ROLES`).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_of(ctx, self.0.user_id).await
    }
    /// The role that would gain the permissions (`ROLE_PERMISSIONS`).
    async fn role_id(&self) -> Option<ID> {
        self.0.role_id.map(|r| ID(r.to_string()))
    }
    /// What would be granted.
    async fn roles(&self) -> Result<Vec<RequestedRole>> {
        Ok(foureyes::payload(&self.0)?
            .into_iter()
            .map(|r| RequestedRole {
                role_id: ID(r.id.to_string()),
                permissions: r
                    .grants()
                    .into_iter()
                    .map(|(permission, scope)| Grant { permission, scope })
                    .collect(),
                role_name: r.name,
            })
            .collect())
    }
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<User> {
        user_of(ctx, Some(self.0.requested_by))
            .await?
            .ok_or_else(|| AppError::internal("the requester of a grant request is missing").into())
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_of(ctx, self.0.decided_by).await
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

async fn user_of(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(fetch(ctx, UserKey(id)).await?.map(User))
}

/// Notes a refused look at or decision of grant requests for the auditors.
fn refuse(
    ctx: &Context<'_>,
    rc: &RequestContext,
    action: Action,
    id: Option<String>,
    why: &str,
) -> AppError {
    // This event is the refusal's record; the response scan must not add a
    // second one for the same FORBIDDEN.
    rc.audit
        .mark_refused(crate::access::gate::response_path(ctx));
    rc.audit.push(NewEvent {
        action,
        entity_type: Some("GrantRequest".into()),
        entity_id: id,
        fields: vec!["status".into()],
        outcome: Outcome::Denied,
        flagged: true,
        flag_reason: Some(why.into()),
        ..NewEvent::default()
    });
    AppError::Forbidden
}

fn approver(
    ctx: &Context<'_>,
    rc: &RequestContext,
    p: &Principal,
    action: Action,
) -> Result<Approver, AppError> {
    approval::approver_of(p)
        .ok_or_else(|| refuse(ctx, rc, action, None, "neither ADMIN nor UNIT_MANAGER"))
}

/// Queries of pending grants.
#[derive(Default)]
pub struct GrantQuery;

#[Object]
impl GrantQuery {
    /// Case-data grants waiting for approval, oldest first (ADMIN: all;
    /// UNIT_MANAGER: role assignments of users of their unit).
    async fn pending_grants(&self, ctx: &Context<'_>) -> Result<Vec<GrantRequest>> {
        let (rc, p, _) = require(ctx, Permission::AdminRead)?;
        let who = approver(ctx, rc, &p, Action::Read)?;
        let state = ctx.data::<AppState>()?;
        Ok(grant_request::Entity::find()
            .filter(grant_request::Column::Status.eq(PENDING))
            .filter(visible(who))
            .order_by_asc(grant_request::Column::RequestedAt)
            .all(&state.db)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(GrantRequest)
            .collect())
    }
}

/// Decisions on pending grants.
#[derive(Default)]
pub struct GrantMutation;

#[Object]
impl GrantMutation {
    /// Approves a pending grant and applies it. Not by the requester, nor by
    /// the user who gains it (`FORBIDDEN`); `CONFLICT` if already decided or
    /// if a requested role has changed since the request.
    async fn approve_grant(&self, ctx: &Context<'_>, id: ID) -> Result<GrantRequest> {
        decide(ctx, &id, true).await
    }

    /// Rejects a pending grant; nothing of it is applied. Same rules as
    /// `approveGrant`.
    async fn reject_grant(&self, ctx: &Context<'_>, id: ID) -> Result<GrantRequest> {
        decide(ctx, &id, false).await
    }
}

async fn decide(ctx: &Context<'_>, id: &ID, approve: bool) -> Result<GrantRequest> {
    let (action, status) = if approve {
        (Action::GrantApproved, "APPROVED")
    } else {
        (Action::GrantRejected, "REJECTED")
    };
    let (rc, p, _) = crate::access::gate::require_write(ctx, Permission::AdminRead)?;
    let who = approver(ctx, rc, &p, action)?;
    let id = parse_id(id, "id")?;
    let state = ctx.data::<AppState>()?;
    let txn = state.db.begin().await.map_err(AppError::from)?;
    let Some(req) = grant_request::Entity::find_by_id(id)
        .filter(visible(who))
        .one(&txn)
        .await
        .map_err(AppError::from)?
    else {
        crate::access::gate::note_not_found(ctx, rc, "GrantRequest", &id.to_string());
        return Err(AppError::NotFound.into());
    };
    let refused = |why| Err(refuse(ctx, rc, action, Some(id.to_string()), why).into());
    if req.requested_by == p.user_id {
        return refused("nobody decides their own grant request");
    }
    if req.user_id == Some(p.user_id) {
        return refused("nobody decides a grant to themselves");
    }
    // Administration rights are decided by administrators alone: a unit
    // manager approves case work in their unit, not a new administrator.
    let gives_admin = foureyes::payload(&req)?.iter().any(|r| {
        r.grants()
            .iter()
            .any(|(p, _)| *p == Permission::AdminManage)
    });
    if gives_admin && !matches!(who, Approver::Admin) {
        return refused("administration rights are decided by another ADMIN");
    }
    if let Some(role_id) = req.role_id {
        let holds = user_role::Entity::find_by_id((p.user_id, role_id))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if !matches!(who, Approver::Admin) || holds {
            return refused("a role's permissions are decided by another ADMIN not holding it");
        }
    }
    let already = || AppError::Conflict("The grant request has already been decided.".into());
    if req.status != PENDING {
        return Err(already().into());
    }
    let now = Utc::now();
    let updated = grant_request::Entity::update_many()
        .col_expr(grant_request::Column::Status, Expr::value(status))
        .col_expr(grant_request::Column::DecidedBy, Expr::value(p.user_id))
        .col_expr(grant_request::Column::DecidedAt, Expr::value(now))
        .filter(grant_request::Column::Id.eq(id))
        .filter(grant_request::Column::Status.eq(PENDING))
        .exec(&txn)
        .await
        .map_err(AppError::from)?;
    if updated.rows_affected != 1 {
        return Err(already().into());
    }
    let (mut before, mut after) = if approve {
        foureyes::apply(&txn, &req).await?
    } else {
        (json!({}), json!({}))
    };
    before["status"] = json!(PENDING);
    after["status"] = json!(status);
    let whom = match (req.user_id, req.role_id) {
        (Some(u), _) => format!("user {u}"),
        (_, r) => format!("the holders of role {}", r.unwrap_or_default()),
    };
    let reason = format!(
        "case-data grant to {whom}, requested by user {}, {}",
        req.requested_by,
        status.to_lowercase()
    );
    let change = Change {
        action,
        entity_type: "GrantRequest",
        entity_id: id.to_string(),
        subject_child_id: None,
        before: Some(before),
        after,
        justification: None,
    };
    record_flagged_change(&txn, ctx, rc, change, reason).await?;
    txn.commit().await.map_err(AppError::from)?;
    tracing::info!(grant_request = %id, status, "case-data grant decided");
    let row = grant_request::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    Ok(GrantRequest(row))
}

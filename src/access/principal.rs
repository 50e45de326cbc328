//! The caller of a request: user, permissions with scopes, and their reach
//! (`access::reach`). Loaded from the database on
//! every request, so that a change of role, a deactivation or an ended
//! caseload assignment takes effect at the next request, not at token expiry.
use std::collections::HashMap;
use std::sync::RwLock;

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::policy::{Permission, Scope};
use super::reach::{Needs, Reach};
use crate::auth::token::Verified;
use crate::entity::{role, role_permission, user, user_role};
use crate::error::{AppError, AppResult};

/// Who is asking, and what they may reach.
#[derive(Debug, Clone, Default)]
pub struct Principal {
    /// User id (the token's subject).
    pub user_id: Uuid,
    /// Username, for audit events.
    pub username: String,
    /// The user's unit.
    pub unit_id: Option<Uuid>,
    /// Role names, for audit events.
    pub roles: Vec<String>,
    /// Access token id (jti), for audit events.
    pub token_id: String,
    /// The session the token belongs to.
    pub session_id: Uuid,
    /// Whether the user must change a temporary password first.
    pub must_change_password: bool,
    /// Granted permissions with the widest scope any role gives.
    pub permissions: HashMap<Permission, Scope>,
    /// What the OWN and UNIT scopes and emergency grants reach (the named
    /// rules of `access::reach`).
    pub reach: Reach,
}

/// What a principal's permissions depend on, cached per user and tagged with
/// the access version it was read at.
#[derive(Debug, Clone)]
struct Grants {
    version: i64,
    username: String,
    unit_id: Option<Uuid>,
    active: bool,
    must_change_password: bool,
    roles: Vec<String>,
    permissions: HashMap<Permission, Scope>,
}

/// Users' roles and permissions, reused while the database's access version
/// (bumped by triggers on users, roles, grants and assignments) is unchanged.
/// One small query per request checks the version, so a change takes effect
/// at the next request, from whichever process it was made.
#[derive(Debug, Default)]
pub struct PermissionCache(RwLock<HashMap<Uuid, Grants>>);

async fn load_grants(
    db: &DatabaseConnection,
    user_id: Uuid,
    version: i64,
) -> AppResult<Option<Grants>> {
    let Some(user) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let role_ids: Vec<Uuid> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let rows: Vec<(String, String)> = role_permission::Entity::find()
        .select_only()
        .column(role_permission::Column::Permission)
        .column(role_permission::Column::Scope)
        .filter(role_permission::Column::RoleId.is_in(role_ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let mut permissions: HashMap<Permission, Scope> = HashMap::new();
    for (perm, scope) in rows {
        if let (Some(p), Some(s)) = (Permission::parse(&perm), Scope::parse(&scope)) {
            let entry = permissions.entry(p).or_insert(s);
            *entry = (*entry).max(s);
        }
    }
    let mut roles: Vec<String> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    roles.sort();
    Ok(Some(Grants {
        version,
        username: user.username,
        unit_id: user.unit_id,
        active: user.active,
        must_change_password: user.must_change_password,
        roles,
        permissions,
    }))
}

impl Principal {
    /// Loads the principal of an authenticated token. An unknown or
    /// deactivated user, or a session that has ended, is `UNAUTHENTICATED`.
    pub async fn load(
        db: &DatabaseConnection,
        cache: &PermissionCache,
        token: &Verified,
    ) -> AppResult<Self> {
        let user_id = token.user_id;
        let today = crate::domain::today();
        let rows = super::reach_sql::load(db, token, today, Utc::now()).await?;
        let session = rows
            .iter()
            .find(|r| r.kind == super::reach_sql::Kind::Session)
            .ok_or_else(|| AppError::internal("the session row is missing"))?;
        // The token's session: not revoked, not past its maximum lifetime,
        // the user's own.
        if session.live.unwrap_or(0) == 0 {
            return Err(AppError::Unauthenticated);
        }
        let version = session
            .version
            .ok_or_else(|| AppError::internal("access_version row is missing"))?;
        let cached = cache
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&user_id)
            .filter(|g| g.version == version)
            .cloned();
        let grants = match cached {
            Some(g) => g,
            None => {
                let g = load_grants(db, user_id, version)
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                cache
                    .0
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(user_id, g.clone());
                g
            }
        };
        if !grants.active {
            return Err(AppError::Unauthenticated);
        }
        let mut principal = Principal {
            user_id,
            username: grants.username,
            unit_id: grants.unit_id,
            roles: grants.roles,
            token_id: token.token_id.clone(),
            session_id: token.session_id,
            must_change_password: grants.must_change_password,
            permissions: grants.permissions,
            ..Default::default()
        };
        let uses = |s: Scope| principal.permissions.values().any(|v| *v == s);
        let needs = Needs {
            own: uses(Scope::Own),
            unit: principal.unit_id.filter(|_| uses(Scope::Unit)),
            emergency: principal
                .permissions
                .contains_key(&Permission::EmergencyAccess),
        };
        principal.reach = super::reach::assemble(&rows, needs, today);
        Ok(principal)
    }

    /// The token this principal was loaded from.
    pub fn token(&self) -> Verified {
        Verified {
            user_id: self.user_id,
            token_id: self.token_id.clone(),
            session_id: self.session_id,
        }
    }

    /// The scope of `permission`, if granted.
    pub fn scope(&self, permission: Permission) -> Option<Scope> {
        self.permissions.get(&permission).copied()
    }

    /// Whether the user holds `permission` at any scope.
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains_key(&permission)
    }

    /// Requires `permission` at any scope, or `FORBIDDEN`.
    pub fn require(&self, permission: Permission) -> AppResult<Scope> {
        self.scope(permission).ok_or(AppError::Forbidden)
    }
}

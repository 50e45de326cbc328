//! The caller of a request: user, permissions with scopes, and their reach
//! (`access::reach`). Loaded from the database on
//! every request, so that a change of role, a deactivation or an ended
//! caseload assignment takes effect at the next request, not at token expiry.
use std::collections::HashMap;
use std::sync::RwLock;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
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

/// The access version, if the token's session is live (not revoked, not past
/// its maximum lifetime, the user's own); one statement per request.
async fn live_session_version(db: &DatabaseConnection, token: &Verified) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let sql = "SELECT (SELECT version FROM access_version WHERE id = 1) AS version, \
               (SELECT COUNT(*) FROM sessions WHERE id = $1 AND user_id = $2 \
                AND revoked_at IS NULL AND expires_at > $3) AS live";
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [
            token.session_id.into(),
            token.user_id.into(),
            Utc::now().into(),
        ],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| AppError::internal("access_version row is missing"))?;
    if row.try_get::<i64>("", "live")? == 0 {
        return Err(AppError::Unauthenticated);
    }
    Ok(row.try_get::<i64>("", "version")?)
}

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
        let version = live_session_version(db, token).await?;
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
        principal.load_reach(db).await?;
        Ok(principal)
    }

    async fn load_reach(&mut self, db: &DatabaseConnection) -> AppResult<()> {
        let uses = |s: Scope| self.permissions.values().any(|v| *v == s);
        let needs = Needs {
            own: uses(Scope::Own),
            unit: self.unit_id.filter(|_| uses(Scope::Unit)),
            emergency: self.permissions.contains_key(&Permission::EmergencyAccess),
        };
        self.reach = super::reach::load(db, self.user_id, needs).await?;
        Ok(())
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

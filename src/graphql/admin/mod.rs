//! Administration: users, roles, units, and the four-eyes approval of
//! case-data grants (`foureyes`, `grants`).
pub mod foureyes;
pub mod grants;
pub mod mutation;
pub mod roles;
pub mod types;

use async_graphql::{Context, ID, Object, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::access::{Permission, Principal, Scope, require};
use crate::entity::{role, role_permission, unit, user};
use crate::error::AppError;
use crate::graphql::pagination::{CountedConnection, Page, connection, count_if_asked};
use crate::state::AppState;
use types::{Grant, Role, Unit, User};

fn users_in_scope(p: &Principal, scope: Scope) -> Select<user::Entity> {
    let q = user::Entity::find();
    match (scope, p.unit_id) {
        (Scope::All, _) => q,
        (_, Some(unit)) => q.filter(user::Column::UnitId.eq(unit)),
        (_, None) => q.filter(user::Column::Id.eq(p.user_id)),
    }
}

/// Loads roles with their grants.
pub async fn load_roles(db: &sea_orm::DatabaseConnection) -> Result<Vec<Role>> {
    let roles = role::Entity::find()
        .order_by_asc(role::Column::Name)
        .all(db)
        .await
        .map_err(AppError::from)?;
    let grants = role_permission::Entity::find()
        .all(db)
        .await
        .map_err(AppError::from)?;
    Ok(roles
        .into_iter()
        .map(|r| Role {
            id: ID(r.id.to_string()),
            permissions: grants
                .iter()
                .filter(|g| g.role_id == r.id)
                .filter_map(|g| {
                    Some(Grant {
                        permission: Permission::parse(&g.permission)?,
                        scope: Scope::parse(&g.scope)?,
                    })
                })
                .collect(),
            name: r.name,
            description: r.description,
            built_in: r.built_in,
        })
        .collect())
}

/// Administration queries.
#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Users (a unit manager sees their own unit).
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<User>> {
        let (_, p, scope) = require(ctx, Permission::AdminRead)?;
        let state = ctx.data::<AppState>()?;
        let page = Page::new(first, after)?;
        let q = users_in_scope(&p, scope);
        let total = count_if_asked(ctx, &state.db, &q).await?;
        let mut rows = q
            .order_by_asc(user::Column::Username)
            .offset(page.offset)
            .limit(page.fetch())
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        let has_next = page.cut(&mut rows);
        crate::graphql::prefetch::users(
            ctx,
            &rows,
            crate::graphql::prefetch::connection_nodes(ctx),
        )
        .await?;
        Ok(connection(
            page,
            rows.into_iter().map(User).collect(),
            has_next,
            total,
        ))
    }

    /// Roles with their permissions and scopes.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        require(ctx, Permission::AdminRead)?;
        load_roles(&ctx.data::<AppState>()?.db).await
    }

    /// Organisation units.
    async fn units(&self, ctx: &Context<'_>) -> Result<Vec<Unit>> {
        let (_, p, scope) = require(ctx, Permission::AdminRead)?;
        let state = ctx.data::<AppState>()?;
        let mut q = unit::Entity::find().order_by_asc(unit::Column::Name);
        if scope != Scope::All {
            q = q.filter(unit::Column::Id.is_in(p.unit_id));
        }
        Ok(q.all(&state.db)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(Unit)
            .collect())
    }
}

//! Care settings: foster homes and institutions.
pub mod mutation;
pub mod types;

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::{Permission, gate::note_not_found, require, scope};
use crate::domain::enums::{FosterHomeKind, FosterHomeStatus};
use crate::entity::care_setting;
use crate::error::AppError;
use crate::graphql::common::parse_id;
use crate::graphql::loaders::with_protection;
use crate::graphql::pagination::{CountedConnection, Page, connection, count_if_asked};
use crate::graphql::prefetch;
use crate::state::AppState;
use types::{FosterHome, Institution};

/// Narrows the `fosterHomes` list.
#[derive(InputObject, Default)]
pub struct FosterHomeFilter {
    pub kind: Option<FosterHomeKind>,
    pub status: Option<FosterHomeStatus>,
    /// Only homes supported by this secretary.
    pub secretary_id: Option<ID>,
}

/// Care setting queries.
#[derive(Default)]
pub struct SettingQuery;

async fn page_of(
    ctx: &Context<'_>,
    category: &str,
    extra: Condition,
    first: Option<i32>,
    after: Option<String>,
) -> Result<(
    Page,
    Vec<crate::graphql::loaders::SettingRow>,
    bool,
    Option<u64>,
)> {
    let (_, p, _) = require(ctx, Permission::SettingRead)?;
    let state = ctx.data::<AppState>()?;
    let page = Page::new(first, after)?;
    let query = care_setting::Entity::find()
        .filter(scope::settings(&p))
        .filter(care_setting::Column::Category.eq(category))
        .filter(extra);
    let total = count_if_asked(ctx, &state.db, &query).await?;
    let mut rows = query
        .order_by_asc(care_setting::Column::Name)
        .order_by_asc(care_setting::Column::Id)
        .offset(page.offset)
        .limit(page.fetch())
        .all(&state.db)
        .await
        .map_err(AppError::from)?;
    let has_next = page.cut(&mut rows);
    let rows = with_protection(&state.db, rows).await?;
    prefetch::settings(ctx, &rows, prefetch::connection_nodes(ctx)).await?;
    Ok((page, rows, has_next, total))
}

async fn one_of(
    ctx: &Context<'_>,
    category: &str,
    id: &ID,
) -> Result<crate::graphql::loaders::SettingRow> {
    let (rc, p, _) = require(ctx, Permission::SettingRead)?;
    let state = ctx.data::<AppState>()?;
    let id = parse_id(id, "id")?;
    let row = care_setting::Entity::find_by_id(id)
        .filter(scope::settings(&p))
        .filter(care_setting::Column::Category.eq(category))
        .one(&state.db)
        .await
        .map_err(AppError::from)?;
    match row {
        Some(row) => {
            let rows = with_protection(&state.db, vec![row]).await?;
            prefetch::settings(ctx, &rows, Some(ctx.look_ahead())).await?;
            Ok(rows.into_iter().next().ok_or(AppError::NotFound)?)
        }
        None => {
            note_not_found(ctx, rc, "CareSetting", &id.to_string());
            Err(crate::error::AppError::NotFound.into())
        }
    }
}

#[Object]
impl SettingQuery {
    /// Foster homes in the caller's scope, by name.
    async fn foster_homes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<FosterHomeFilter>,
    ) -> Result<CountedConnection<FosterHome>> {
        let f = filter.unwrap_or_default();
        let mut cond = Condition::all();
        if let Some(kind) = f.kind {
            cond = cond.add(care_setting::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = f.status {
            cond = cond.add(care_setting::Column::Status.eq(status.as_str()));
        }
        if let Some(id) = &f.secretary_id {
            cond =
                cond.add(care_setting::Column::SecretaryId.eq(parse_id(id, "filter.secretaryId")?));
        }
        let (page, rows, has_next, total) = page_of(ctx, "FOSTER_HOME", cond, first, after).await?;
        Ok(connection(
            page,
            rows.into_iter().map(FosterHome).collect(),
            has_next,
            total,
        ))
    }

    /// One foster home, or null with `NOT_FOUND` (also when outside scope).
    async fn foster_home(&self, ctx: &Context<'_>, id: ID) -> Result<Option<FosterHome>> {
        Ok(Some(FosterHome(one_of(ctx, "FOSTER_HOME", &id).await?)))
    }

    /// Institutions in the caller's scope, by name.
    async fn institutions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Institution>> {
        let (page, rows, has_next, total) =
            page_of(ctx, "INSTITUTION", Condition::all(), first, after).await?;
        Ok(connection(
            page,
            rows.into_iter().map(Institution).collect(),
            has_next,
            total,
        ))
    }

    /// One institution, or null with `NOT_FOUND` (also when outside scope).
    async fn institution(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Institution>> {
        Ok(Some(Institution(one_of(ctx, "INSTITUTION", &id).await?)))
    }
}

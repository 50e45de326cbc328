//! Children: the `children` and `child` queries and the child mutations.
pub mod emergency;
pub mod mutation;
pub mod types;

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::{Permission, gate::note_not_found, require, scope};
use crate::entity::{child, placement};
use crate::error::AppError;
use crate::graphql::common::parse_id;
use crate::graphql::pagination::{CountedConnection, Page, connection, count_if_asked};
use crate::graphql::prefetch;
use crate::state::AppState;
use types::Child;

/// Narrows the `children` list.
#[derive(InputObject, Default)]
pub struct ChildFilter {
    /// Only children of this unit.
    pub unit_id: Option<ID>,
    /// Only children placed today (true) or not placed today (false).
    pub placed: Option<bool>,
}

/// Child queries.
#[derive(Default)]
pub struct ChildQuery;

#[Object]
impl ChildQuery {
    /// Children in the caller's scope, by family name.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ChildFilter>,
    ) -> Result<CountedConnection<Child>> {
        let (_, p, _) = require(ctx, Permission::ChildRead)?;
        let state = ctx.data::<AppState>()?;
        let page = Page::new(first, after)?;
        let filter = filter.unwrap_or_default();
        let mut cond = Condition::all().add(scope::children(&p));
        if let Some(unit) = &filter.unit_id {
            cond = cond.add(child::Column::UnitId.eq(parse_id(unit, "filter.unitId")?));
        }
        if let Some(placed) = filter.placed {
            let today = crate::domain::today();
            let current = sea_orm::sea_query::Query::select()
                .column(placement::Column::ChildId)
                .from(placement::Entity)
                .and_where(placement::Column::StartDate.lte(today))
                .and_where(
                    placement::Column::EndDate
                        .is_null()
                        .or(placement::Column::EndDate.gte(today)),
                )
                .to_owned();
            cond = cond.add(if placed {
                child::Column::Id.in_subquery(current)
            } else {
                child::Column::Id.not_in_subquery(current)
            });
        }
        let query = child::Entity::find().filter(cond);
        let total = count_if_asked(ctx, &state.db, &query).await?;
        let mut rows = query
            .order_by_asc(child::Column::FamilyName)
            .order_by_asc(child::Column::GivenName)
            .order_by_asc(child::Column::Id)
            .offset(page.offset)
            .limit(page.fetch())
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        let has_next = page.cut(&mut rows);
        prefetch::children(ctx, &rows, prefetch::connection_nodes(ctx)).await?;
        Ok(connection(
            page,
            rows.into_iter().map(Child).collect(),
            has_next,
            total,
        ))
    }

    /// One child, or null with `NOT_FOUND` (also when outside scope).
    async fn child(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Child>> {
        let (rc, p, _) = require(ctx, Permission::ChildRead)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let row = child::Entity::find_by_id(id)
            .filter(scope::children(&p))
            .one(&state.db)
            .await
            .map_err(AppError::from)?;
        match row {
            Some(row) => {
                prefetch::children(ctx, std::slice::from_ref(&row), Some(ctx.look_ahead())).await?;
                Ok(Some(Child(row)))
            }
            None => {
                note_not_found(ctx, rc, "Child", &id.to_string());
                Err(crate::error::AppError::NotFound.into())
            }
        }
    }
}

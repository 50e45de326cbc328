//! Placements: queries, mutations and the rules they keep.
pub mod mutation;
pub mod rules;
mod store;
pub mod types;

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::{Permission, gate::note_not_found, require, scope};
use crate::domain::enums::PlacementType;
use crate::entity::{placement, reason};
use crate::error::AppError;
use crate::graphql::common::parse_id;
use crate::graphql::loaders::scoped_placements;
use crate::graphql::pagination::{CountedConnection, Page, connection, count_if_asked};
use crate::graphql::prefetch;
use crate::state::AppState;
use types::{Placement, Reason};

/// Narrows the `placements` list.
#[derive(InputObject, Default)]
pub struct PlacementFilter {
    pub child_id: Option<ID>,
    pub setting_id: Option<ID>,
    #[graphql(name = "type")]
    pub placement_type: Option<PlacementType>,
    /// Only placements open today (true) or ended (false).
    pub current: Option<bool>,
}

/// Placement queries.
#[derive(Default)]
pub struct PlacementQuery;

#[Object]
impl PlacementQuery {
    /// Placements in the caller's scope, newest first.
    async fn placements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PlacementFilter>,
    ) -> Result<CountedConnection<Placement>> {
        let (_, p, _) = require(ctx, Permission::PlacementRead)?;
        let state = ctx.data::<AppState>()?;
        let page = Page::new(first, after)?;
        let f = filter.unwrap_or_default();
        let mut cond = Condition::all();
        if let Some(id) = &f.child_id {
            cond = cond.add(placement::Column::ChildId.eq(parse_id(id, "filter.childId")?));
        }
        if let Some(id) = &f.setting_id {
            cond = cond.add(placement::Column::SettingId.eq(parse_id(id, "filter.settingId")?));
        }
        if let Some(t) = f.placement_type {
            cond = cond.add(placement::Column::PlacementType.eq(t.as_str()));
        }
        if let Some(current) = f.current {
            let today = crate::domain::today();
            let open = Condition::all()
                .add(placement::Column::StartDate.lte(today))
                .add(
                    placement::Column::EndDate
                        .is_null()
                        .or(placement::Column::EndDate.gte(today)),
                );
            cond = cond.add(if current { open } else { open.not() });
        }
        let total = count_if_asked(
            ctx,
            &state.db,
            &placement::Entity::find()
                .filter(scope::placements(&p))
                .filter(cond.clone()),
        )
        .await?;
        let mut ids: Vec<uuid::Uuid> = placement::Entity::find()
            .select_only()
            .column(placement::Column::Id)
            .filter(scope::placements(&p))
            .filter(cond)
            .order_by_desc(placement::Column::StartDate)
            .order_by_asc(placement::Column::Id)
            .offset(page.offset)
            .limit(page.fetch())
            .into_tuple()
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        let has_next = page.cut(&mut ids);
        let mut rows = scoped_placements(
            &state.db,
            &p,
            Condition::all().add(placement::Column::Id.is_in(ids.clone())),
        )
        .await?;
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.placement.id));
        prefetch::placements(ctx, &rows, prefetch::connection_nodes(ctx)).await?;
        Ok(connection(
            page,
            rows.into_iter().map(Placement).collect(),
            has_next,
            total,
        ))
    }

    /// One placement, or null with `NOT_FOUND` (also when outside scope).
    async fn placement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Placement>> {
        let (rc, p, _) = require(ctx, Permission::PlacementRead)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let rows = scoped_placements(
            &state.db,
            &p,
            Condition::all().add(placement::Column::Id.eq(id)),
        )
        .await?;
        prefetch::placements(ctx, &rows, Some(ctx.look_ahead())).await?;
        match rows.into_iter().next() {
            Some(row) => Ok(Some(Placement(row))),
            None => {
                note_not_found(ctx, rc, "Placement", &id.to_string());
                Err(crate::error::AppError::NotFound.into())
            }
        }
    }

    /// The placement reasons (reference data).
    async fn reasons(&self, ctx: &Context<'_>) -> Result<Vec<Reason>> {
        crate::request::request_context(ctx)?.principal()?;
        let state = ctx.data::<AppState>()?;
        let rows = reason::Entity::find()
            .order_by_asc(reason::Column::Code)
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(Reason::from).collect())
    }
}

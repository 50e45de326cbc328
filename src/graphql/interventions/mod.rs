//! Interventions (issue 14): 24-hour care above placements, and open care.
pub mod load;
pub mod mutation;
pub mod store;
pub mod types;

use async_graphql::{Context, ID, Object, Result};

use crate::access::{Permission, gate::note_not_found, require};
use crate::error::AppError;
use crate::graphql::common::parse_id;
use crate::graphql::prefetch::{self, fetch};
use load::InterventionKey;
use types::Intervention;

/// Intervention queries.
#[derive(Default)]
pub struct InterventionQuery;

#[Object]
impl InterventionQuery {
    /// One intervention, or null with `NOT_FOUND` (also when outside scope).
    async fn intervention(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Intervention>> {
        let (rc, _, _) = require(ctx, Permission::PlacementRead)?;
        // An intervention is a child's care history: whoever may not link
        // placements to a child (FINANCE) may not look one up either, also
        // by a carried-over id (which is its first placement's).
        require(ctx, Permission::ChildRead)?;
        let id = parse_id(&id, "id")?;
        match fetch(ctx, InterventionKey(id)).await? {
            Some(row) => {
                let rows = [row];
                prefetch::interventions(ctx, &rows, Some(ctx.look_ahead())).await?;
                let [row] = rows;
                Ok(Some(Intervention(row)))
            }
            None => {
                note_not_found(ctx, rc, "Intervention", &id.to_string());
                Err(AppError::NotFound.into())
            }
        }
    }
}

//! Intervention mutations: decide one, end one.
use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::{ColumnTrait, Condition, EntityTrait, TransactionTrait};

use super::load::scoped_interventions;
use super::store::{self, NewIntervention};
use super::types::Intervention;
use crate::access::gate::{gate_write, note_not_found, write_unit};
use crate::access::{Permission, Subject, require};
use crate::domain::enums::{InterventionEndReason, InterventionKind, LegalBasis};
use crate::entity::{intervention, unit};
use crate::error::AppError;
use crate::graphql::children::mutation::writable_child;
use crate::graphql::common::{parse_id, record_change};
use crate::graphql::date::Date;
use crate::state::AppState;

/// A new intervention.
#[derive(InputObject)]
pub struct CreateInterventionInput {
    pub child_id: ID,
    pub kind: InterventionKind,
    /// Required for 24-hour care (SOL or LVU); SOL or none for open care.
    pub legal_basis: Option<LegalBasis>,
    /// The day it was decided; not after the start.
    pub decision_date: Date,
    pub start_date: Date,
    /// The responsible unit; by default the child's.
    pub unit_id: Option<ID>,
    /// What open care costs a day, in whole SEK (0-1,000,000); not for
    /// 24-hour care, which is costed on its placements.
    pub daily_cost: Option<i64>,
}

async fn reload(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Intervention> {
    let (_, p, _) = require(ctx, Permission::PlacementRead)?;
    let state = ctx.data::<AppState>()?;
    let filter = Condition::all().add(intervention::Column::Id.eq(id));
    let row = scoped_interventions(&state.db, &p, filter).await?;
    Ok(Intervention(
        row.into_iter().next().ok_or(AppError::NotFound)?,
    ))
}

/// Intervention mutations.
#[derive(Default)]
pub struct InterventionMutation;

#[Object]
impl InterventionMutation {
    /// Records a decided intervention for a child. Placements of a 24-hour
    /// intervention are added with `createPlacement(input: {interventionId})`.
    async fn create_intervention(
        &self,
        ctx: &Context<'_>,
        input: CreateInterventionInput,
    ) -> Result<Intervention> {
        // Read first: the answer is the intervention, so a caller who could
        // write but not read it would get FORBIDDEN after the commit.
        require(ctx, Permission::PlacementRead)?;
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&input.child_id, "childId")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let child = match writable_child(&txn, &p, scope, child_id).await {
            Err(AppError::NotFound) => {
                note_not_found(ctx, rc, "Child", &child_id.to_string());
                return Err(AppError::NotFound.into());
            }
            other => other?,
        };
        let subject = Subject::Child {
            id: child.id,
            unit_id: child.unit_id,
            protected: child.protected_identity,
        };
        gate_write(ctx, rc, &p, Some(&subject), None)?;
        let unit_id = match &input.unit_id {
            None => child.unit_id,
            Some(id) => {
                let id = parse_id(id, "unitId")?;
                // Below ALL, only the caller's own unit (as for children).
                write_unit(&p, scope, Some(id))?;
                unit::Entity::find_by_id(id)
                    .one(&txn)
                    .await
                    .map_err(AppError::from)?
                    .ok_or_else(|| AppError::bad_input("unitId", "No such unit."))?
                    .id
            }
        };
        let new = NewIntervention {
            kind: input.kind,
            legal_basis: input.legal_basis,
            decision_date: input.decision_date.0,
            start_date: input.start_date.0,
            end: None,
            unit_id,
            decided_by: p.user_id,
            daily_cost: input.daily_cost,
        };
        let (row, change) = store::insert(&txn, &child, &new).await?;
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(intervention_id = %row.id, child_id = %child.id, "intervention created");
        reload(ctx, row.id).await
    }

    /// Ends an open intervention; its placements must have ended by then.
    async fn end_intervention(
        &self,
        ctx: &Context<'_>,
        id: ID,
        end_date: Date,
        end_reason: InterventionEndReason,
    ) -> Result<Intervention> {
        require(ctx, Permission::PlacementRead)?;
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let Some((before, child)) = store::writable(&txn, &p, scope, id).await? else {
            // Absent and out of reach look alike; the auditor sees which.
            note_not_found(ctx, rc, "Intervention", &id.to_string());
            return Err(AppError::NotFound.into());
        };
        gate_write(ctx, rc, &p, Some(&store::subject(&before, &child)), None)?;
        let (_, change) = store::end(&txn, &before, end_date.0, end_reason).await?;
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        reload(ctx, id).await
    }
}

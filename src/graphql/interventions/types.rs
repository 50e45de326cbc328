//! The `Intervention` object. Every field passes the gate.
use async_graphql::{Context, ID, Object, Result};

use super::load::{InterventionRow, PlacementsOfIntervention};
use crate::access::{Subject, gate};
use crate::domain::enums::{InterventionEndReason, InterventionKind, LegalBasis};
use crate::graphql::admin::types::Unit;
use crate::graphql::children::types::Child;
use crate::graphql::date::Date;
use crate::graphql::loaders::{ChildKey, UnitKey};
use crate::graphql::placements::types::Placement;
use crate::graphql::prefetch::fetch;

/// An intervention (insats) for a child: 24-hour care made of placements,
/// or open care in the child's own home.
pub struct Intervention(pub InterventionRow);

impl Intervention {
    pub(crate) fn subject(&self) -> Subject {
        let i = &self.0.intervention;
        Subject::Intervention {
            id: i.id,
            child_id: i.child_id,
            child_unit_id: self.0.child_unit_id,
            child_protected: self.0.child_protected,
            object: "Intervention",
        }
    }
}

/// An intervention (insats) decided for a child (SFS 2025:400): 24-hour
/// care, whose parts are placements (each move a new placement), or open
/// care. Fields are null with `FORBIDDEN` where the caller may not see them.
#[Object]
impl Intervention {
    async fn id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        gate(ctx, &self.subject())?;
        Ok(Some(ID(self.0.intervention.id.to_string())))
    }
    /// The child; withheld (FORBIDDEN) from roles that may not see identities.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, ChildKey(self.0.intervention.child_id))
            .await?
            .map(Child))
    }
    async fn kind(&self, ctx: &Context<'_>) -> Result<Option<InterventionKind>> {
        gate(ctx, &self.subject())?;
        Ok(InterventionKind::parse(&self.0.intervention.kind))
    }
    /// SoL or LVU for 24-hour care; SoL (or none) for open care.
    async fn legal_basis(&self, ctx: &Context<'_>) -> Result<Option<LegalBasis>> {
        gate(ctx, &self.subject())?;
        Ok(self
            .0
            .intervention
            .legal_basis
            .as_deref()
            .and_then(LegalBasis::parse))
    }
    /// The day the intervention was decided.
    async fn decision_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Date(self.0.intervention.decision_date)))
    }
    async fn start_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Date(self.0.intervention.start_date)))
    }
    async fn end_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(self.0.intervention.end_date.map(Date))
    }
    async fn end_reason(&self, ctx: &Context<'_>) -> Result<Option<InterventionEndReason>> {
        gate(ctx, &self.subject())?;
        Ok(self
            .0
            .intervention
            .end_reason
            .as_deref()
            .and_then(InterventionEndReason::parse))
    }
    /// What open care costs a day, in whole SEK; null for 24-hour care
    /// (costed on its placements) and where none was recorded.
    async fn daily_cost(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        gate(ctx, &self.subject())?;
        Ok(self.0.intervention.daily_cost)
    }
    /// The unit responsible for the intervention.
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<Unit>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, UnitKey(self.0.intervention.unit_id))
            .await?
            .map(Unit))
    }
    /// The placements of a 24-hour intervention, oldest first (empty for
    /// open care); only those within the caller's scope.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Option<Vec<Placement>>> {
        gate(ctx, &self.subject())?;
        let rows = fetch(ctx, PlacementsOfIntervention(self.0.intervention.id))
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Placement).collect()))
    }
}

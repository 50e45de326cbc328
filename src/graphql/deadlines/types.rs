//! The `Deadline` object. Every field passes the gate, as a field of the
//! intervention it belongs to.
use async_graphql::{Context, Object, Result};

use crate::access::gate;
use crate::domain::deadlines::{Deadline as Rule, DeadlineKind};
use crate::graphql::children::types::Child;
use crate::graphql::date::Date;
use crate::graphql::interventions::load::InterventionRow;
use crate::graphql::interventions::types::Intervention as Care;
use crate::graphql::loaders::{ChildKey, PlacementRow};
use crate::graphql::placements::types::Placement;
use crate::graphql::prefetch::fetch;

/// Something the law asks for by a day: computed from the register, closed
/// by recording what was done (`recordFollowUp`) or, for an emergency
/// home, by the child moving on.
pub struct Deadline {
    pub rule: Rule,
    pub care: InterventionRow,
    pub placement: Option<PlacementRow>,
    pub today: chrono::NaiveDate,
}

impl Deadline {
    fn subject(&self) -> crate::access::Subject {
        let i = &self.care.intervention;
        crate::access::Subject::Intervention {
            id: i.id,
            child_id: i.child_id,
            child_unit_id: self.care.child_unit_id,
            child_protected: self.care.child_protected,
            object: "Deadline",
        }
    }
}

/// A follow-up deadline of 24-hour care (README "Interventions").
#[Object]
impl Deadline {
    async fn kind(&self, ctx: &Context<'_>) -> Result<Option<DeadlineKind>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.rule.kind))
    }
    /// The last day by which it must be done.
    async fn due_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Date(self.rule.due)))
    }
    /// Whether the due date has passed (today, Europe/Stockholm).
    async fn overdue(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.rule.due < self.today))
    }
    /// The intervention it belongs to.
    async fn intervention(&self, ctx: &Context<'_>) -> Result<Option<Care>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Care(self.care.clone())))
    }
    /// The placement it concerns (a foster home or an emergency home), if one.
    async fn placement(&self, ctx: &Context<'_>) -> Result<Option<Placement>> {
        gate(ctx, &self.subject())?;
        Ok(self.placement.clone().map(Placement))
    }
    /// The child; withheld (FORBIDDEN) from roles that may not see identities.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, ChildKey(self.care.intervention.child_id))
            .await?
            .map(Child))
    }
}

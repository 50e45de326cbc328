//! The `Child` object. Every field passes the gate.
use async_graphql::{Context, ID, Object, Result};

use crate::access::{Subject, gate};
use crate::domain::enums::Sex;
use crate::domain::pin::format_stored;
use crate::entity::child;
use crate::graphql::admin::types::{Unit, User};
use crate::graphql::date::Date;
use crate::graphql::interventions::load::InterventionsOfChild;
use crate::graphql::interventions::types::Intervention;
use crate::graphql::loaders::{CaseWorkersOf, PlacementsOfChild, UnitKey};
use crate::graphql::placements::types::Placement;
use crate::graphql::prefetch::fetch;

/// A child with a case.
pub struct Child(pub child::Model);

impl Child {
    fn subject(&self) -> Subject {
        Subject::Child {
            id: self.0.id,
            unit_id: self.0.unit_id,
            protected: self.0.protected_identity,
        }
    }
}

/// A child with a case. Sensitive fields are null with a `FORBIDDEN` error
/// where the caller's role or caseload does not allow them.
#[Object]
impl Child {
    async fn id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        gate(ctx, &self.subject())?;
        Ok(Some(ID(self.0.id.to_string())))
    }
    async fn given_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.0.given_name.clone()))
    }
    async fn family_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.0.family_name.clone()))
    }
    /// `YYYYMMDD-NNNN`.
    async fn personal_identity_number(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &self.subject())?;
        Ok(Some(format_stored(&self.0.personal_identity_number)))
    }
    /// Derived from the personal identity number.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Date(self.0.date_of_birth)))
    }
    /// Derived from the personal identity number.
    async fn sex(&self, ctx: &Context<'_>) -> Result<Option<Sex>> {
        gate(ctx, &self.subject())?;
        Ok(Sex::parse(&self.0.sex))
    }
    /// Protected identity (skyddade personuppgifter).
    async fn protected_identity(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.0.protected_identity))
    }
    /// Needs PROTECTED_IDENTITY as well when the child has protected identity.
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &self.subject())?;
        Ok(self.0.address.clone())
    }
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<Unit>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, UnitKey(self.0.unit_id)).await?.map(Unit))
    }
    /// Social workers with an active caseload assignment for the child.
    async fn case_workers(&self, ctx: &Context<'_>) -> Result<Option<Vec<User>>> {
        gate(ctx, &self.subject())?;
        let users = fetch(ctx, CaseWorkersOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(Some(users.into_iter().map(User).collect()))
    }
    /// Placements of the child, oldest first.
    async fn placements(&self, ctx: &Context<'_>) -> Result<Option<Vec<Placement>>> {
        gate(ctx, &self.subject())?;
        let rows = fetch(ctx, PlacementsOfChild(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Placement).collect()))
    }
    /// Interventions of the child (24-hour care and open care), oldest first.
    async fn interventions(&self, ctx: &Context<'_>) -> Result<Option<Vec<Intervention>>> {
        gate(ctx, &self.subject())?;
        let rows = fetch(ctx, InterventionsOfChild(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Intervention).collect()))
    }
    /// The placement covering today, if any.
    async fn current_placement(&self, ctx: &Context<'_>) -> Result<Option<Placement>> {
        gate(ctx, &self.subject())?;
        let today = crate::domain::today();
        let rows = fetch(ctx, PlacementsOfChild(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .find(|r| {
                r.placement.start_date <= today && r.placement.end_date.is_none_or(|e| e >= today)
            })
            .map(Placement))
    }
}

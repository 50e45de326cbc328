//! The `Placement` object and its reasons.
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::access::{Subject, gate};
use crate::domain::enums::{
    EndReason, LegalBasis, MoveReason, PlacementType, ReasonCategory, ReasonCode,
};
use crate::domain::period;
use crate::entity::reason;
use crate::graphql::children::types::Child;
use crate::graphql::date::Date;
use crate::graphql::interventions::load::InterventionKey;
use crate::graphql::interventions::types::Intervention;
use crate::graphql::loaders::{ChildKey, PlacementRow, ReasonsOf, SettingKey};
use crate::graphql::prefetch::fetch;
use crate::graphql::settings::types::CareSetting;

/// One child in one care setting for a period.
pub struct Placement(pub PlacementRow);

/// A placement reason (reference data).
#[derive(SimpleObject, Clone)]
pub struct Reason {
    pub code: Option<ReasonCode>,
    pub label: String,
    pub category: Option<ReasonCategory>,
}

impl From<reason::Model> for Reason {
    fn from(r: reason::Model) -> Self {
        Self {
            code: ReasonCode::parse(&r.code),
            label: r.label,
            category: ReasonCategory::parse(&r.category),
        }
    }
}

/// A reason of a placement; exactly one per placement is primary.
#[derive(SimpleObject)]
pub struct PlacementReason {
    pub reason: Reason,
    pub primary: bool,
}

impl Placement {
    fn subject(&self) -> Subject {
        let p = &self.0.placement;
        Subject::Placement {
            id: p.id,
            child_id: p.child_id,
            child_unit_id: self.0.child_unit_id,
            setting_id: p.setting_id,
            child_protected: self.0.child_protected,
        }
    }

    fn days(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> i64 {
        let p = &self.0.placement;
        let today = crate::domain::today();
        let from = from.unwrap_or(p.start_date);
        let to = to.unwrap_or_else(|| p.end_date.unwrap_or(today));
        period::placement_days(p.start_date, p.end_date, from, to, today)
    }
}

/// One child in one care setting for a period.
#[Object]
impl Placement {
    async fn id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        gate(ctx, &self.subject())?;
        Ok(Some(ID(self.0.placement.id.to_string())))
    }
    /// The child; withheld (FORBIDDEN) from roles that may not see identities.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, ChildKey(self.0.placement.child_id))
            .await?
            .map(Child))
    }
    /// The setting's kind at the time of placement.
    #[graphql(name = "type")]
    async fn placement_type(&self, ctx: &Context<'_>) -> Result<Option<PlacementType>> {
        gate(ctx, &self.subject())?;
        Ok(PlacementType::parse(&self.0.placement.placement_type))
    }
    async fn legal_basis(&self, ctx: &Context<'_>) -> Result<Option<LegalBasis>> {
        gate(ctx, &self.subject())?;
        Ok(LegalBasis::parse(&self.0.placement.legal_basis))
    }
    async fn start_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(Some(Date(self.0.placement.start_date)))
    }
    async fn end_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(self.0.placement.end_date.map(Date))
    }
    async fn planned_end_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &self.subject())?;
        Ok(self.0.placement.planned_end_date.map(Date))
    }
    async fn end_reason(&self, ctx: &Context<'_>) -> Result<Option<EndReason>> {
        gate(ctx, &self.subject())?;
        Ok(self
            .0
            .placement
            .end_reason
            .as_deref()
            .and_then(EndReason::parse))
    }
    /// The 24-hour intervention the placement is part of (null where the
    /// caller's scope does not reach the child's whole case).
    async fn intervention(&self, ctx: &Context<'_>) -> Result<Option<Intervention>> {
        gate(ctx, &self.subject())?;
        let Some(id) = self.0.placement.intervention_id else {
            return Ok(None);
        };
        Ok(fetch(ctx, InterventionKey(id)).await?.map(Intervention))
    }
    /// Why the child moved here (null for the first placement of an
    /// intervention, and for moves recorded before 0.2).
    async fn move_reason(&self, ctx: &Context<'_>) -> Result<Option<MoveReason>> {
        gate(ctx, &self.subject())?;
        Ok(self
            .0
            .placement
            .move_reason
            .as_deref()
            .and_then(MoveReason::parse))
    }
    /// Daily cost in whole SEK.
    async fn daily_cost(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        gate(ctx, &self.subject())?;
        Ok(Some(self.0.placement.daily_cost))
    }
    /// Reasons, primary first.
    async fn reasons(&self, ctx: &Context<'_>) -> Result<Option<Vec<PlacementReason>>> {
        gate(ctx, &self.subject())?;
        let rows = fetch(ctx, ReasonsOf(self.0.placement.id))
            .await?
            .unwrap_or_default();
        Ok(Some(
            rows.into_iter()
                .map(|(r, primary)| PlacementReason {
                    reason: r.into(),
                    primary,
                })
                .collect(),
        ))
    }
    /// Where the child lives during the placement.
    async fn setting(&self, ctx: &Context<'_>) -> Result<Option<CareSetting>> {
        gate(ctx, &self.subject())?;
        Ok(fetch(ctx, SettingKey(self.0.placement.setting_id))
            .await?
            .map(CareSetting::from))
    }
    /// Placement days inside `[from, to]` (inclusive); without bounds, the
    /// whole placement up to its end or today.
    async fn placement_days(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Option<i64>> {
        gate(ctx, &self.subject())?;
        let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
        Ok(Some(self.days(from, to)))
    }
    /// Cost in whole SEK inside `[from, to]`: placement days times daily cost.
    async fn cost(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Option<i64>> {
        gate(ctx, &self.subject())?;
        let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
        Ok(Some(period::cost(
            self.days(from, to),
            self.0.placement.daily_cost,
        )))
    }
}

//! Scoped, batched loading of interventions (`access::scope::interventions`).
use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::access::{Principal, scope};
use crate::entity::{child, intervention, placement};
use crate::error::AppError;
use crate::graphql::loaders::{Loaders, PlacementRow, apart, group, scoped_placements};

/// An intervention with the child facts scope and policy decisions need.
#[derive(Debug, Clone)]
pub struct InterventionRow {
    pub intervention: intervention::Model,
    pub child_unit_id: Uuid,
    pub child_protected: bool,
}

/// An intervention by id (scoped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterventionKey(pub Uuid);
/// The interventions of a child (scoped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterventionsOfChild(pub Uuid);
/// The placements of an intervention (scoped as placements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlacementsOfIntervention(pub Uuid);

/// Interventions matching `filter` within the caller's scope, oldest first.
pub async fn scoped_interventions(
    db: &DatabaseConnection,
    p: &Principal,
    filter: Condition,
) -> Result<Vec<InterventionRow>, AppError> {
    let rows = intervention::Entity::find()
        .find_also_related(child::Entity)
        .filter(scope::interventions(p))
        .filter(apart(
            intervention::Entity,
            intervention::Column::Id,
            filter,
        ))
        .order_by_asc(intervention::Column::StartDate)
        .order_by_asc(intervention::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(intervention, child)| {
            let child = child?;
            Some(InterventionRow {
                intervention,
                child_unit_id: child.unit_id,
                child_protected: child.protected_identity,
            })
        })
        .collect())
}

impl Loader<InterventionKey> for Loaders {
    type Value = InterventionRow;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[InterventionKey],
    ) -> Result<HashMap<InterventionKey, Self::Value>, Self::Error> {
        let filter = Condition::all().add(intervention::Column::Id.is_in(keys.iter().map(|k| k.0)));
        let rows = scoped_interventions(&self.db, &*self.principal()?, filter).await?;
        Ok(rows
            .into_iter()
            .map(|r| (InterventionKey(r.intervention.id), r))
            .collect())
    }
}

impl Loader<InterventionsOfChild> for Loaders {
    type Value = Vec<InterventionRow>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[InterventionsOfChild],
    ) -> Result<HashMap<InterventionsOfChild, Self::Value>, Self::Error> {
        let filter =
            Condition::all().add(intervention::Column::ChildId.is_in(keys.iter().map(|k| k.0)));
        let rows = scoped_interventions(&self.db, &*self.principal()?, filter).await?;
        Ok(group(rows.into_iter().map(|r| {
            (InterventionsOfChild(r.intervention.child_id), r)
        })))
    }
}

impl Loader<PlacementsOfIntervention> for Loaders {
    type Value = Vec<PlacementRow>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[PlacementsOfIntervention],
    ) -> Result<HashMap<PlacementsOfIntervention, Self::Value>, Self::Error> {
        let filter =
            Condition::all().add(placement::Column::InterventionId.is_in(keys.iter().map(|k| k.0)));
        let rows = scoped_placements(&self.db, &*self.principal()?, filter).await?;
        Ok(group(rows.into_iter().filter_map(|r| {
            Some((PlacementsOfIntervention(r.placement.intervention_id?), r))
        })))
    }
}

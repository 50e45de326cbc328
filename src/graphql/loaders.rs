//! Batched, scoped loaders for every nested list and reference, so a page of
//! 50 children costs the same handful of statements as a page of 5. Each
//! loader is built per request with the caller's principal and applies the
//! same scope conditions as the top-level queries.
use sea_orm::sea_query::ExprTrait;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::access::{Principal, scope};
use crate::domain::today;
use crate::entity::{
    care_setting, caseload, child, placement, placement_reason, reason, unit, user,
};
use crate::error::AppError;
use crate::request::SharedPrincipal;

/// The per-request loader set.
pub struct Loaders {
    pub(crate) db: DatabaseConnection,
    principal: SharedPrincipal,
    /// What the operation's roots loaded ahead, level by level.
    pub(crate) prefetched: crate::graphql::prefetch::Prefetched,
}

impl Loaders {
    pub(crate) fn principal(&self) -> Result<Arc<Principal>, AppError> {
        self.principal.get().ok_or(AppError::Unauthenticated)
    }
}

/// Builds an operation's loader. Query roots prefetch nested levels into
/// its store (`graphql::prefetch`), which does not depend on timing; the
/// DataLoader's time window only batches what no root prefetched (the
/// objects returned by mutations), so its store lives for one operation and
/// never outlasts a write.
pub fn new_loader(db: DatabaseConnection, principal: SharedPrincipal) -> Arc<DataLoader<Loaders>> {
    let loaders = Loaders {
        db,
        principal,
        prefetched: Default::default(),
    };
    Arc::new(DataLoader::new(loaders, tokio::spawn).delay(std::time::Duration::from_millis(5)))
}

/// `id IN (SELECT id FROM entity WHERE filter)`: what a loader asks for, in
/// a subquery of its own beside the caller's scope. Written as one
/// condition, two `IN` lists on one column (the keys asked for, the
/// caller's caseload) made PostgreSQL estimate one row and read the whole
/// table: 5.9 ms against 0.7 ms per request at 26k placements, growing with
/// the table (issue 12, `EXPLAIN ANALYZE`). The rows are the same.
pub(crate) fn apart<E: EntityTrait + Default, C: ColumnTrait>(
    entity: E,
    id: C,
    filter: Condition,
) -> sea_orm::sea_query::SimpleExpr {
    id.in_subquery(
        sea_orm::sea_query::Query::select()
            .column(id)
            .from(entity)
            .cond_where(filter)
            .to_owned(),
    )
}

/// A placement with the child facts scope and policy decisions need.
#[derive(Debug, Clone)]
pub struct PlacementRow {
    pub placement: placement::Model,
    pub child_unit_id: Uuid,
    pub child_protected: bool,
}

/// A care setting with the children with protected identity placed there.
#[derive(Debug, Clone)]
pub struct SettingRow {
    pub setting: care_setting::Model,
    pub protected_children: Vec<Uuid>,
}

macro_rules! key {
    ($($(#[$doc:meta])* $name:ident),+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);
    )+};
}

key!(
    /// A child by id (scoped).
    ChildKey,
    /// The placements of a child (scoped).
    PlacementsOfChild,
    /// A care setting by id (scoped).
    SettingKey,
    /// Current placements in a setting (scoped).
    CurrentPlacementsIn,
    /// Reasons of a placement.
    ReasonsOf,
    /// Active case workers of a child.
    CaseWorkersOf,
    /// A user by id.
    UserKey,
    /// A unit by id.
    UnitKey
);

/// Loads placements matching `filter` within the caller's scope, with child facts.
pub async fn scoped_placements(
    db: &DatabaseConnection,
    p: &Principal,
    filter: Condition,
) -> Result<Vec<PlacementRow>, AppError> {
    let rows = placement::Entity::find()
        .find_also_related(child::Entity)
        .filter(scope::placements(p))
        .filter(apart(placement::Entity, placement::Column::Id, filter))
        .order_by_asc(placement::Column::StartDate)
        .order_by_asc(placement::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(placement, child)| {
            let child = child?;
            Some(PlacementRow {
                placement,
                child_unit_id: child.unit_id,
                child_protected: child.protected_identity,
            })
        })
        .collect())
}

/// Adds the protected-identity fact (`access::reach::protected_children_in`)
/// to settings, in one query.
pub async fn with_protection(
    db: &DatabaseConnection,
    settings: Vec<care_setting::Model>,
) -> Result<Vec<SettingRow>, AppError> {
    let ids: Vec<Uuid> = settings.iter().map(|s| s.id).collect();
    let mut protected = crate::access::reach::protected_children_in(db, ids).await?;
    Ok(settings
        .into_iter()
        .map(|s| SettingRow {
            protected_children: protected.remove(&s.id).unwrap_or_default(),
            setting: s,
        })
        .collect())
}

pub(crate) fn group<K: std::hash::Hash + Eq, V>(
    items: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in items {
        map.entry(k).or_default().push(v);
    }
    map
}

impl Loader<ChildKey> for Loaders {
    type Value = child::Model;
    type Error = AppError;
    async fn load(&self, keys: &[ChildKey]) -> Result<HashMap<ChildKey, Self::Value>, Self::Error> {
        let asked = Condition::all().add(child::Column::Id.is_in(keys.iter().map(|k| k.0)));
        let rows = child::Entity::find()
            .filter(scope::children(&*self.principal()?))
            .filter(apart(child::Entity, child::Column::Id, asked))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (ChildKey(c.id), c)).collect())
    }
}

impl Loader<PlacementsOfChild> for Loaders {
    type Value = Vec<PlacementRow>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[PlacementsOfChild],
    ) -> Result<HashMap<PlacementsOfChild, Self::Value>, Self::Error> {
        let filter =
            Condition::all().add(placement::Column::ChildId.is_in(keys.iter().map(|k| k.0)));
        let rows = scoped_placements(&self.db, &*self.principal()?, filter).await?;
        Ok(group(
            rows.into_iter()
                .map(|r| (PlacementsOfChild(r.placement.child_id), r)),
        ))
    }
}

impl Loader<CurrentPlacementsIn> for Loaders {
    type Value = Vec<PlacementRow>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[CurrentPlacementsIn],
    ) -> Result<HashMap<CurrentPlacementsIn, Self::Value>, Self::Error> {
        let today = today();
        let filter = Condition::all()
            .add(placement::Column::SettingId.is_in(keys.iter().map(|k| k.0)))
            .add(placement::Column::StartDate.lte(today))
            .add(
                placement::Column::EndDate
                    .is_null()
                    .or(placement::Column::EndDate.gte(today)),
            );
        let rows = scoped_placements(&self.db, &*self.principal()?, filter).await?;
        Ok(group(
            rows.into_iter()
                .map(|r| (CurrentPlacementsIn(r.placement.setting_id), r)),
        ))
    }
}

impl Loader<SettingKey> for Loaders {
    type Value = SettingRow;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[SettingKey],
    ) -> Result<HashMap<SettingKey, Self::Value>, Self::Error> {
        let asked = Condition::all().add(care_setting::Column::Id.is_in(keys.iter().map(|k| k.0)));
        let rows = care_setting::Entity::find()
            .filter(scope::settings(&*self.principal()?))
            .filter(apart(care_setting::Entity, care_setting::Column::Id, asked))
            .all(&self.db)
            .await?;
        let rows = with_protection(&self.db, rows).await?;
        Ok(rows
            .into_iter()
            .map(|s| (SettingKey(s.setting.id), s))
            .collect())
    }
}

impl Loader<ReasonsOf> for Loaders {
    type Value = Vec<(reason::Model, bool)>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[ReasonsOf],
    ) -> Result<HashMap<ReasonsOf, Self::Value>, Self::Error> {
        // With their reasons joined: one statement, not two.
        let rows = placement_reason::Entity::find()
            .find_also_related(reason::Entity)
            .filter(placement_reason::Column::PlacementId.is_in(keys.iter().map(|k| k.0)))
            .order_by_desc(placement_reason::Column::IsPrimary)
            .order_by_asc(placement_reason::Column::ReasonCode)
            .all(&self.db)
            .await?;
        Ok(group(rows.into_iter().filter_map(|(pr, r)| {
            Some((ReasonsOf(pr.placement_id), (r?, pr.is_primary)))
        })))
    }
}

impl Loader<CaseWorkersOf> for Loaders {
    type Value = Vec<user::Model>;
    type Error = AppError;
    async fn load(
        &self,
        keys: &[CaseWorkersOf],
    ) -> Result<HashMap<CaseWorkersOf, Self::Value>, Self::Error> {
        let today = today();
        let rows = caseload::Entity::find()
            .filter(caseload::Column::ChildId.is_in(keys.iter().map(|k| k.0)))
            .filter(scope::active_assignment(today))
            .all(&self.db)
            .await?;
        let users: HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(group(rows.into_iter().filter_map(|r| {
            Some((CaseWorkersOf(r.child_id), users.get(&r.user_id)?.clone()))
        })))
    }
}

impl Loader<UserKey> for Loaders {
    type Value = user::Model;
    type Error = AppError;
    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, Self::Value>, Self::Error> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|u| (UserKey(u.id), u)).collect())
    }
}

impl Loader<UnitKey> for Loaders {
    type Value = unit::Model;
    type Error = AppError;
    async fn load(&self, keys: &[UnitKey]) -> Result<HashMap<UnitKey, Self::Value>, Self::Error> {
        let rows = unit::Entity::find()
            .filter(unit::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|u| (UnitKey(u.id), u)).collect())
    }
}

/// Fetches the request's loader from a resolver's context.
pub fn loader<'a>(
    ctx: &'a async_graphql::Context<'_>,
) -> Result<&'a DataLoader<Loaders>, AppError> {
    ctx.data::<Arc<DataLoader<Loaders>>>()
        .map(|l| &**l)
        .map_err(|_| AppError::Unauthenticated)
}

//! Level-by-level prefetching: one statement per nested level, at any
//! concurrency.
//!
//! A DataLoader gathers the keys of sibling resolvers within a time window;
//! on a busy runtime the window closes before every sibling has asked, and a
//! batch splits (issue 8). So a query root that has materialised a level of
//! objects looks ahead at the selection set and loads the next level for all
//! of them at once, by the parent ids, recursively. Nested resolvers then
//! find their values in the operation's store through [`fetch`]; only what
//! no root prefetched (the objects returned by mutations) falls back to the
//! DataLoader.
//!
//! Prefetching loads only rows within the caller's scope (the loaders apply
//! `access::scope`), and it decides nothing: every field still passes the gate.
use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Mutex;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead, SelectionField};
use futures::future::BoxFuture;
use uuid::Uuid;

use crate::entity::{child, user};
use crate::error::AppError;
use crate::graphql::interventions::load::{
    InterventionKey, InterventionRow, InterventionsOfChild, PlacementsOfIntervention,
};
use crate::graphql::loaders::{
    CaseWorkersOf, ChildKey, CurrentPlacementsIn, Loaders, PlacementRow, PlacementsOfChild,
    ReasonsOf, SettingKey, SettingRow, UnitKey, UserKey, loader,
};

type Map<K, V> = HashMap<K, Option<V>>;

/// Values loaded ahead for one operation, by key type. A key present with
/// `None` was looked up and is absent (or outside scope).
#[derive(Default)]
pub struct Prefetched(Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>);

impl Prefetched {
    fn get<K, V>(&self, key: &K) -> Option<Option<V>>
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let stores = self.0.lock().unwrap_or_else(|e| e.into_inner());
        stores
            .get(&TypeId::of::<K>())?
            .downcast_ref::<Map<K, V>>()?
            .get(key)
            .cloned()
    }

    fn put<K, V>(&self, values: Map<K, V>)
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let mut stores = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = stores
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(Map::<K, V>::new()));
        if let Some(map) = entry.downcast_mut::<Map<K, V>>() {
            map.extend(values);
        }
    }
}

/// A nested resolver's value: from the operation's prefetch store when a
/// root loaded it ahead, otherwise through the batched loader.
pub async fn fetch<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<Loaders as Loader<K>>::Value>, AppError>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    Loaders: Loader<K, Error = AppError>,
{
    let dl = loader(ctx)?;
    if let Some(v) = dl.loader().prefetched.get::<K, _>(&key) {
        return Ok(v);
    }
    dl.load_one(key).await
}

/// Loads `keys` not yet in the store in one batch, stores every key (absent
/// ones as `None`) and returns the values of all of them.
async fn prime<K>(
    ctx: &Context<'_>,
    keys: impl IntoIterator<Item = K>,
) -> Result<Vec<<Loaders as Loader<K>>::Value>, AppError>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    Loaders: Loader<K, Error = AppError>,
{
    let loaders = loader(ctx)?.loader();
    let keys: HashSet<K> = keys.into_iter().collect();
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for k in keys {
        match loaders
            .prefetched
            .get::<K, <Loaders as Loader<K>>::Value>(&k)
        {
            Some(v) => found.extend(v),
            None => missing.push(k),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let mut loaded = loaders.load(&missing).await?;
    let stored: Map<K, _> = missing
        .into_iter()
        .map(|k| {
            let v = loaded.remove(&k);
            (k, v)
        })
        .collect();
    found.extend(stored.values().flatten().cloned());
    loaders.prefetched.put(stored);
    Ok(found)
}

/// The union of the selections of several fields (say `placements` and
/// `currentPlacement`, or `edges.node` and `nodes`).
fn merge<'a>(looks: &[Lookahead<'a>]) -> Option<Lookahead<'a>> {
    let fields: Vec<SelectionField<'a>> = looks.iter().flat_map(|l| l.selection_fields()).collect();
    Lookahead::try_from(fields.as_slice()).ok()
}

/// The node selection of a connection field resolved by `ctx`.
pub fn connection_nodes<'a>(ctx: &'a Context<'_>) -> Option<Lookahead<'a>> {
    let look = ctx.look_ahead();
    merge(&[look.field("edges").field("node"), look.field("nodes")])
}

/// Prefetches what `look` selects below these children.
pub fn children<'a>(
    ctx: &'a Context<'_>,
    rows: &'a [child::Model],
    look: Option<Lookahead<'a>>,
) -> BoxFuture<'a, Result<(), AppError>> {
    Box::pin(async move {
        let Some(look) = look else { return Ok(()) };
        if rows.is_empty() {
            return Ok(());
        }
        let ids = || rows.iter().map(|c| c.id);
        if let Some(next) = merge(&[look.field("placements"), look.field("currentPlacement")]) {
            let placed: Vec<PlacementRow> = prime(ctx, ids().map(PlacementsOfChild))
                .await?
                .into_iter()
                .flatten()
                .collect();
            placements(ctx, &placed, Some(next)).await?;
        }
        let cares = look.field("interventions");
        if cares.exists() {
            let found: Vec<InterventionRow> = prime(ctx, ids().map(InterventionsOfChild))
                .await?
                .into_iter()
                .flatten()
                .collect();
            interventions(ctx, &found, Some(cares)).await?;
        }
        let workers = look.field("caseWorkers");
        if workers.exists() {
            let found: Vec<user::Model> = prime(ctx, ids().map(CaseWorkersOf))
                .await?
                .into_iter()
                .flatten()
                .collect();
            users(ctx, &found, Some(workers)).await?;
        }
        if look.field("unit").exists() {
            prime(ctx, rows.iter().map(|c| UnitKey(c.unit_id))).await?;
        }
        Ok(())
    })
}

/// Prefetches what `look` selects below these placements.
pub fn placements<'a>(
    ctx: &'a Context<'_>,
    rows: &'a [PlacementRow],
    look: Option<Lookahead<'a>>,
) -> BoxFuture<'a, Result<(), AppError>> {
    Box::pin(async move {
        let Some(look) = look else { return Ok(()) };
        if rows.is_empty() {
            return Ok(());
        }
        let child = look.field("child");
        if child.exists() {
            let found = prime(ctx, rows.iter().map(|r| ChildKey(r.placement.child_id))).await?;
            children(ctx, &found, Some(child)).await?;
        }
        let setting = look.field("setting");
        if setting.exists() {
            let found = prime(ctx, rows.iter().map(|r| SettingKey(r.placement.setting_id))).await?;
            settings(ctx, &found, Some(setting)).await?;
        }
        if look.field("reasons").exists() {
            prime(ctx, rows.iter().map(|r| ReasonsOf(r.placement.id))).await?;
        }
        let care = look.field("intervention");
        if care.exists() {
            let ids: Vec<Uuid> = rows
                .iter()
                .filter_map(|r| r.placement.intervention_id)
                .collect();
            let found = prime(ctx, ids.into_iter().map(InterventionKey)).await?;
            interventions(ctx, &found, Some(care)).await?;
        }
        Ok(())
    })
}

/// Prefetches what `look` selects below these interventions.
pub fn interventions<'a>(
    ctx: &'a Context<'_>,
    rows: &'a [InterventionRow],
    look: Option<Lookahead<'a>>,
) -> BoxFuture<'a, Result<(), AppError>> {
    Box::pin(async move {
        let Some(look) = look else { return Ok(()) };
        if rows.is_empty() {
            return Ok(());
        }
        let placed = look.field("placements");
        if placed.exists() {
            let found: Vec<PlacementRow> = prime(
                ctx,
                rows.iter()
                    .map(|r| PlacementsOfIntervention(r.intervention.id)),
            )
            .await?
            .into_iter()
            .flatten()
            .collect();
            placements(ctx, &found, Some(placed)).await?;
        }
        let child = look.field("child");
        if child.exists() {
            let found = prime(ctx, rows.iter().map(|r| ChildKey(r.intervention.child_id))).await?;
            children(ctx, &found, Some(child)).await?;
        }
        if look.field("unit").exists() {
            prime(ctx, rows.iter().map(|r| UnitKey(r.intervention.unit_id))).await?;
        }
        Ok(())
    })
}

/// Prefetches what `look` selects below these care settings.
pub fn settings<'a>(
    ctx: &'a Context<'_>,
    rows: &'a [SettingRow],
    look: Option<Lookahead<'a>>,
) -> BoxFuture<'a, Result<(), AppError>> {
    Box::pin(async move {
        let Some(look) = look else { return Ok(()) };
        if rows.is_empty() {
            return Ok(());
        }
        let current = look.field("currentPlacements");
        if current.exists() {
            let found: Vec<PlacementRow> =
                prime(ctx, rows.iter().map(|s| CurrentPlacementsIn(s.setting.id)))
                    .await?
                    .into_iter()
                    .flatten()
                    .collect();
            placements(ctx, &found, Some(current)).await?;
        }
        let secretary = look.field("secretary");
        if secretary.exists() {
            let ids: Vec<Uuid> = rows.iter().filter_map(|s| s.setting.secretary_id).collect();
            let found = prime(ctx, ids.into_iter().map(UserKey)).await?;
            users(ctx, &found, Some(secretary)).await?;
        }
        Ok(())
    })
}

/// Prefetches the units of these users when selected.
pub async fn users(
    ctx: &Context<'_>,
    rows: &[user::Model],
    look: Option<Lookahead<'_>>,
) -> Result<(), AppError> {
    if look.is_some_and(|l| l.field("unit").exists()) {
        prime(ctx, rows.iter().filter_map(|u| u.unit_id).map(UnitKey)).await?;
    }
    Ok(())
}

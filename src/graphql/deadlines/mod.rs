//! Follow-up deadlines (issue 14): computed by `domain::deadlines` from the
//! interventions, placements and follow-ups within the caller's scope.
pub mod mutation;
pub mod types;

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, Result};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::access::{Permission, Principal, require, scope};
use crate::domain::deadlines::{self, Care, DeadlineKind, Stay};
use crate::domain::enums::{InterventionEndReason, InterventionKind, PlacementType};
use crate::entity::{follow_up, intervention, placement};
use crate::error::AppError;
use crate::graphql::common::parse_id;
use crate::graphql::date::Date;
use crate::graphql::interventions::load::scoped_interventions;
use crate::graphql::loaders::{PlacementRow, scoped_placements};
use crate::graphql::pagination::{CountedConnection, Page, connection};
use crate::graphql::prefetch;
use crate::state::AppState;
use sea_orm::sea_query::Query;
use types::Deadline;

/// Deadline queries.
#[derive(Default)]
pub struct DeadlineQuery;

#[Object]
impl DeadlineQuery {
    /// What the law asks for by `due` (due then or overdue), for the 24-hour
    /// care within the caller's scope (a case worker's caseload, a unit
    /// manager's unit), optionally of one responsible `unit`; soonest
    /// first, `first` (at most 500) at a time.
    async fn deadlines(
        &self,
        ctx: &Context<'_>,
        due: Date,
        unit: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Deadline>> {
        let (_, p, _) = require(ctx, Permission::PlacementRead)?;
        // Case work: a deadline ties a placement to its child's care history
        // (as `Placement.intervention` does), so CHILD_READ too; FINANCE,
        // which sees placements and costs of no one in particular, has none.
        require(ctx, Permission::ChildRead)?;
        let page = Page::new(first, after)?;
        let state = ctx.data::<AppState>()?;
        let mut filter = Condition::all()
            .add(intervention::Column::Kind.eq(InterventionKind::TwentyFourHour.as_str()));
        if let Some(unit) = &unit {
            filter = filter.add(intervention::Column::UnitId.eq(parse_id(unit, "unit")?));
        }
        let today = crate::domain::today();
        // Every deadline of the scope is computed: an aggregate, in a slot.
        let timeout = std::time::Duration::from_secs(state.config.server.request_timeout_secs);
        let slot = state.case_lists.take(ctx, timeout).await?;
        let mut found = compute(&state.db, &p, filter, today, &state.config.deadlines).await?;
        drop(slot);
        found.retain(|d| d.rule.due <= due.0);
        found.sort_by_key(|d| (d.rule.due, d.rule.kind, d.rule.intervention_id));
        let total = found.len() as u64;
        let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let fetch = usize::try_from(page.fetch()).unwrap_or(usize::MAX);
        let mut rows: Vec<Deadline> = found.into_iter().skip(offset).take(fetch).collect();
        let has_next = page.cut(&mut rows);
        // One statement per nested level, as for every other list root.
        if let Some(node) = prefetch::connection_nodes(ctx) {
            let cares: Vec<_> = rows.iter().map(|d| d.care.clone()).collect();
            // `child` below a deadline as below an intervention.
            prefetch::interventions(ctx, &cares, prefetch::connection_nodes(ctx)).await?;
            prefetch::interventions(ctx, &cares, Some(node.field("intervention"))).await?;
            let placed: Vec<_> = rows.iter().filter_map(|d| d.placement.clone()).collect();
            prefetch::placements(ctx, &placed, Some(node.field("placement"))).await?;
        }
        Ok(connection(page, rows, has_next, Some(total)))
    }
}

/// The deadlines of the scoped interventions matching `filter`: three
/// statements (interventions, their placements, their follow-ups) whatever
/// their number.
async fn compute(
    db: &DatabaseConnection,
    p: &Principal,
    filter: Condition,
    today: chrono::NaiveDate,
    config: &deadlines::DeadlineConfig,
) -> Result<Vec<Deadline>, AppError> {
    let cares = scoped_interventions(db, p, filter.clone()).await?;
    if cares.is_empty() {
        return Ok(Vec::new());
    }
    // The same interventions as a subquery, not a list of ids: a unit's
    // can be tens of thousands, beyond what a statement may bind.
    let same = || {
        Query::select()
            .column(intervention::Column::Id)
            .from(intervention::Entity)
            .cond_where(scope::interventions(p))
            .cond_where(filter.clone())
            .to_owned()
    };
    let placed = scoped_placements(
        db,
        p,
        Condition::all().add(placement::Column::InterventionId.in_subquery(same())),
    )
    .await?;
    let done = follow_up::Entity::find()
        .filter(follow_up::Column::InterventionId.in_subquery(same()))
        .all(db)
        .await?;
    let mut stays: HashMap<Uuid, Vec<PlacementRow>> = HashMap::new();
    for row in placed {
        if let Some(care) = row.placement.intervention_id {
            stays.entry(care).or_default().push(row);
        }
    }
    let mut records: HashMap<Uuid, Vec<(DeadlineKind, chrono::NaiveDate)>> = HashMap::new();
    for f in done {
        if let Some(kind) = DeadlineKind::parse(&f.kind) {
            records
                .entry(f.intervention_id)
                .or_default()
                .push((kind, f.done_on));
        }
    }
    let mut out = Vec::new();
    for row in cares {
        let i = &row.intervention;
        let rows = stays.remove(&i.id).unwrap_or_default();
        let care = Care {
            id: i.id,
            decision_date: i.decision_date,
            start: i.start_date,
            end: i.end_date,
            end_reason: i
                .end_reason
                .as_deref()
                .and_then(InterventionEndReason::parse),
            stays: rows
                .iter()
                .filter_map(|r| {
                    Some(Stay {
                        id: r.placement.id,
                        setting_id: r.placement.setting_id,
                        placement_type: PlacementType::parse(&r.placement.placement_type)?,
                        start: r.placement.start_date,
                        end: r.placement.end_date,
                    })
                })
                .collect(),
            done: records.remove(&i.id).unwrap_or_default(),
        };
        for rule in deadlines::due(&care, today, config) {
            let placement = rule
                .placement_id
                .and_then(|id| rows.iter().find(|r| r.placement.id == id).cloned());
            out.push(Deadline {
                rule,
                care: row.clone(),
                placement,
                today,
            });
        }
    }
    Ok(out)
}

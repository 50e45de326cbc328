//! Budgets and the child population: the figures finance enters.
use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::types::Budget;
use crate::access::gate::require_write;
use crate::access::gate::write_unit;
use crate::access::{Permission, Principal, Scope};
use crate::audit::Action;
use crate::domain::bounds::{MAX_BUDGET, MAX_POPULATION, within};
use crate::domain::enums::PlacementType;
use crate::entity::{budget, child_population};
use crate::error::{AppError, AppResult};
use crate::graphql::common::{Change, parse_id, record_change};
use crate::request::RequestContext;
use crate::state::AppState;

/// Years a budget or population figure may be set for (as the tables'
/// CHECK constraints).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn check_year(year: i32) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "year",
            "The year must lie in 2000-2100.",
        ))
    }
}

/// Appends the change event in the mutation's transaction.
///
/// Records a budget or population change in the mutation's transaction.
/// These figures have no UUID; the auditor sees the natural key (`2025/HVB`).
async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &Context<'_>,
    rc: &RequestContext,
    entity_type: &'static str,
    entity_id: String,
    before: Option<Value>,
    after: Value,
) -> AppResult<()> {
    let action = if before.is_some() {
        Action::Update
    } else {
        Action::Create
    };
    let change = Change {
        action,
        entity_type,
        entity_id,
        subject_child_id: None,
        before,
        after,
        justification: None,
    };
    record_change(conn, ctx, rc, change).await
}

/// Budget and population mutations. Both need `BUDGET_WRITE` (FINANCE, and
/// UNIT_MANAGER); the figures are the municipality's.
#[derive(Default)]
pub struct StatisticsMutation;

#[Object]
impl StatisticsMutation {
    /// Sets the budget of a placement type for a year, in whole SEK
    /// (replacing an earlier amount; the audit log keeps it).
    async fn set_budget(
        &self,
        ctx: &Context<'_>,
        year: i32,
        #[graphql(name = "type")] placement_type: PlacementType,
        amount: i64,
        #[graphql(
            desc = "The unit the budget is for. A unit manager sets their own unit's budget \
                          (the default for them); FINANCE may name any unit, or leave it out for the \
                          whole municipality's budget."
        )]
        unit_id: Option<ID>,
    ) -> Result<Budget> {
        let (rc, p, scope) = require_write(ctx, Permission::BudgetWrite)?;
        check_year(year)?;
        if !within(amount, MAX_BUDGET) {
            return Err(AppError::bad_input(
                "amount",
                format!("The amount must lie in 0-{MAX_BUDGET} SEK."),
            )
            .into());
        }
        let requested = unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        let unit = match scope {
            Scope::All => requested,
            _ => match (requested, p.unit_id) {
                (Some(r), Some(own)) if r != own => return Err(AppError::Forbidden.into()),
                (_, Some(own)) => Some(own),
                (_, None) => return Err(AppError::Forbidden.into()),
            },
        };
        let state = ctx.data::<AppState>()?;
        Ok(set_budget(
            state,
            ctx,
            rc,
            BudgetKey {
                year,
                placement_type,
                unit,
            },
            amount,
        )
        .await?)
    }

    /// Sets the municipality's child population for a year, the
    /// denominator of `populationShare`.
    /// Like budgets, the figure is the municipality's (FINANCE, no
    /// `unitId`) or a unit's (a unit manager's own unit), and each is the
    /// denominator of that caller's `populationShare`.
    async fn set_child_population(
        &self,
        ctx: &Context<'_>,
        year: i32,
        count: i32,
        unit_id: Option<ID>,
    ) -> Result<bool> {
        let (rc, p, scope) = require_write(ctx, Permission::BudgetWrite)?;
        let unit = target_unit(&p, scope, unit_id.as_ref())?;
        check_year(year)?;
        if !(1..=MAX_POPULATION).contains(&count) {
            return Err(AppError::bad_input(
                "count",
                format!("The count must lie in 1-{MAX_POPULATION}."),
            )
            .into());
        }
        let state = ctx.data::<AppState>()?;
        set_population(state, ctx, rc, (year, unit), count).await?;
        Ok(true)
    }
}

/// The unit a budget or population figure is for (`None`: the municipality).
fn target_unit(p: &Principal, scope: Scope, requested: Option<&ID>) -> AppResult<Option<Uuid>> {
    let requested = requested.map(|u| parse_id(u, "unitId")).transpose()?;
    write_unit(p, scope, requested)
}

/// Which budget: year, type, and unit (`None`: the whole municipality).
struct BudgetKey {
    year: i32,
    placement_type: PlacementType,
    unit: Option<Uuid>,
}

async fn set_budget(
    state: &AppState,
    ctx: &Context<'_>,
    rc: &RequestContext,
    key: BudgetKey,
    amount: i64,
) -> AppResult<Budget> {
    let BudgetKey {
        year,
        placement_type,
        unit,
    } = key;
    let txn = state.db.begin().await?;
    let unit_filter = match unit {
        Some(u) => budget::Column::UnitId.eq(u),
        None => budget::Column::UnitId.is_null(),
    };
    let before = budget::Entity::find()
        .filter(budget::Column::Year.eq(year))
        .filter(budget::Column::PlacementType.eq(placement_type.as_str()))
        .filter(unit_filter)
        .one(&txn)
        .await?;
    let now = Utc::now();
    let row = budget::ActiveModel {
        id: Set(before.as_ref().map_or_else(Uuid::new_v4, |b| b.id)),
        year: Set(year),
        placement_type: Set(placement_type.as_str().to_owned()),
        unit_id: Set(unit),
        amount: Set(amount),
        updated_at: Set(now),
    };
    let saved = if before.is_some() {
        row.update(&txn).await?
    } else {
        row.insert(&txn).await?
    };
    record(
        &txn,
        ctx,
        rc,
        "Budget",
        match unit {
            Some(u) => format!("{year}/{}/{u}", placement_type.as_str()),
            None => format!("{year}/{}", placement_type.as_str()),
        },
        before.map(|b| json!({ "amount": b.amount })),
        json!({ "amount": saved.amount }),
    )
    .await?;
    txn.commit().await?;
    Ok(Budget {
        year: saved.year,
        unit_id: saved.unit_id.map(|u| ID(u.to_string())),
        placement_type,
        amount: saved.amount,
        updated_at: saved.updated_at,
    })
}

async fn set_population(
    state: &AppState,
    ctx: &Context<'_>,
    rc: &RequestContext,
    (year, unit): (i32, Option<Uuid>),
    count: i32,
) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let unit_filter = match unit {
        Some(u) => child_population::Column::UnitId.eq(u),
        None => child_population::Column::UnitId.is_null(),
    };
    let before = child_population::Entity::find()
        .filter(child_population::Column::Year.eq(year))
        .filter(unit_filter)
        .one(&txn)
        .await?;
    let row = child_population::ActiveModel {
        id: Set(before.as_ref().map_or_else(Uuid::new_v4, |b| b.id)),
        unit_id: Set(unit),
        year: Set(year),
        child_count: Set(count),
        updated_at: Set(Utc::now()),
    };
    if before.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    record(
        &txn,
        ctx,
        rc,
        "ChildPopulation",
        match unit {
            Some(u) => format!("{year}/{u}"),
            None => year.to_string(),
        },
        before.map(|b| json!({ "childCount": b.child_count })),
        json!({ "childCount": count }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

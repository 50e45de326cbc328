//! Row scoping as SQL conditions. Every query of a case table goes through
//! one of these, so lists, counts, single lookups and nested lists only ever
//! see rows inside the caller's scope; a row outside it is never loaded and
//! so looks exactly like one that does not exist.
use sea_orm::sea_query::ExprTrait;
use std::collections::HashSet;

use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::policy::{Permission, Scope};
use super::principal::Principal;
use crate::entity::{care_setting, child, intervention, placement};

fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

fn always() -> SimpleExpr {
    Expr::cust("1 = 1")
}

/// `column IN (ids)`, or nothing when there are no ids.
fn in_set<C: ColumnTrait>(column: C, ids: impl IntoIterator<Item = Uuid>) -> Option<SimpleExpr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    (!ids.is_empty()).then(|| column.is_in(ids))
}

/// Any of `alternatives`; none at all is "no rows". Empty alternatives are
/// left out rather than written as `OR 1 = 0`: PostgreSQL estimates such a
/// disjunction at one row and answers it with a sequential scan of every
/// placement instead of the index on `child_id` (5.7 ms against 0.2 ms per
/// request at 26k placements, growing with the table; issue 12).
fn any_of(alternatives: impl IntoIterator<Item = Option<SimpleExpr>>) -> Condition {
    let found: Vec<SimpleExpr> = alternatives.into_iter().flatten().collect();
    if found.is_empty() {
        return Condition::all().add(never());
    }
    found
        .into_iter()
        .fold(Condition::any(), |cond, expr| cond.add(expr))
}

fn children_of_unit(unit: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(child::Column::Id)
        .from(child::Entity)
        .and_where(Expr::col(child::Column::UnitId).eq(unit))
        .to_owned()
}

/// Children under an emergency grant, where `permission` is held at all.
fn granted<C: ColumnTrait>(p: &Principal, permission: Permission, column: C) -> Option<SimpleExpr> {
    if p.has(permission) && p.reach.has_grants() {
        in_set(
            column,
            p.reach.granted_children().collect::<HashSet<Uuid>>(),
        )
    } else {
        None
    }
}

/// Children the caller may see (`CHILD_READ`), plus emergency grants.
pub fn children(p: &Principal) -> Condition {
    let base = match (p.scope(Permission::ChildRead), p.unit_id) {
        (Some(Scope::All), _) => Some(always()),
        (Some(Scope::Unit), Some(unit)) => Some(child::Column::UnitId.eq(unit)),
        (Some(_), _) => in_set(child::Column::Id, p.reach.own_children()),
        (None, _) => None,
    };
    any_of([base, granted(p, Permission::ChildRead, child::Column::Id)])
}

/// Placements the caller may see (`PLACEMENT_READ`), plus those of children
/// under an emergency grant.
pub fn placements(p: &Principal) -> Condition {
    let grants = granted(p, Permission::PlacementRead, placement::Column::ChildId);
    match (p.scope(Permission::PlacementRead), p.unit_id) {
        (Some(Scope::All), _) => any_of([Some(always())]),
        (Some(Scope::Unit), Some(unit)) => any_of([
            Some(placement::Column::ChildId.in_subquery(children_of_unit(unit))),
            grants,
        ]),
        (Some(_), _) => any_of([
            in_set(placement::Column::ChildId, p.reach.placement_children()),
            in_set(placement::Column::SettingId, p.reach.placement_settings()),
            grants,
        ]),
        (None, _) => any_of([grants]),
    }
}

/// Interventions the caller may see (`PLACEMENT_READ`): at OWN those of
/// the caseload (not of children merely placed in a supported home), plus
/// those of children under an emergency grant.
pub fn interventions(p: &Principal) -> Condition {
    let grants = granted(p, Permission::PlacementRead, intervention::Column::ChildId);
    match (p.scope(Permission::PlacementRead), p.unit_id) {
        (Some(Scope::All), _) => any_of([Some(always())]),
        (Some(Scope::Unit), Some(unit)) => any_of([
            Some(intervention::Column::ChildId.in_subquery(children_of_unit(unit))),
            grants,
        ]),
        (Some(_), _) => any_of([
            in_set(intervention::Column::ChildId, p.reach.placement_children()),
            grants,
        ]),
        (None, _) => any_of([grants]),
    }
}

/// Care settings the caller may see (`SETTING_READ`).
pub fn settings(p: &Principal) -> Condition {
    let base = match p.scope(Permission::SettingRead) {
        Some(Scope::All) => Some(always()),
        // `UnitSettings` as the gate reads it, but as a subquery: a unit's
        // settings can be many, and a list of ids is a plan per length.
        Some(Scope::Unit) => p.unit_id.map(|unit| {
            care_setting::Column::UnitId
                .eq(unit)
                .or(care_setting::Column::Id.in_subquery(
                    Query::select()
                        .column(Alias::new("setting_id"))
                        .from(Alias::new("setting_units"))
                        .and_where(Expr::col(Alias::new("unit_id")).eq(unit))
                        .to_owned(),
                ))
        }),
        Some(Scope::Own) => in_set(care_setting::Column::Id, p.reach.own_settings()),
        None => None,
    };
    // The setting of a child under an emergency grant belongs to that child's record.
    let grants = (p.has(Permission::SettingRead) && p.reach.has_grants())
        .then(|| in_set(care_setting::Column::Id, p.reach.granted_settings()))
        .flatten();
    any_of([base, grants])
}

/// The reach rule "own caseload": an assignment is active from its
/// `from_date` up to the day before its `to_date`. `to_date` is the first
/// day without access, so ending an assignment today (the default) takes
/// effect at the caller's next request, not at midnight (issue 9).
pub fn active_assignment(today: chrono::NaiveDate) -> Condition {
    use crate::entity::caseload;
    Condition::all()
        .add(caseload::Column::FromDate.lte(today))
        .add(
            caseload::Column::ToDate
                .is_null()
                .or(caseload::Column::ToDate.gt(today)),
        )
}

/// The role whose holders may support foster homes (access.md: a foster
/// care worker's OWN scope reaches the children placed in the homes they
/// support, so naming a secretary is a grant and must not name just anyone).
pub const SECRETARY_ROLE: &str = "FOSTER_CARE_WORKER";

/// The reach rule "supported foster homes", at its source: whether
/// `user_id` may be named secretary of a home of `unit_id`, that is, is an
/// active FOSTER_CARE_WORKER of that unit (issue 9).
pub async fn may_support_home<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    unit_id: Option<Uuid>,
) -> Result<bool, sea_orm::DbErr> {
    use crate::entity::{role, user, user_role};
    use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
    let Some(unit_id) = unit_id else {
        return Ok(false);
    };
    let secretaries = Query::select()
        .column(user_role::Column::UserId)
        .from(user_role::Entity)
        .and_where(
            Expr::col(user_role::Column::RoleId).in_subquery(
                Query::select()
                    .column(role::Column::Id)
                    .from(role::Entity)
                    .and_where(Expr::col(role::Column::Name).eq(SECRETARY_ROLE))
                    .to_owned(),
            ),
        )
        .to_owned();
    let found = user::Entity::find()
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Id.in_subquery(secretaries))
        .count(db)
        .await?;
    Ok(found > 0)
}

//! Row scoping as SQL conditions. Every query of a case table goes through
//! one of these, so lists, counts, single lookups and nested lists only ever
//! see rows inside the caller's scope; a row outside it is never loaded and
//! so looks exactly like one that does not exist.
use sea_orm::sea_query::ExprTrait;
use std::collections::HashSet;

use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::policy::{Permission, Scope};
use super::principal::Principal;
use crate::entity::{care_setting, child, placement};

fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

fn in_set<C: ColumnTrait>(column: C, ids: impl IntoIterator<Item = Uuid>) -> SimpleExpr {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        never()
    } else {
        column.is_in(ids)
    }
}

fn children_of_unit(unit: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(child::Column::Id)
        .from(child::Entity)
        .and_where(Expr::col(child::Column::UnitId).eq(unit))
        .to_owned()
}

fn granted(p: &Principal) -> HashSet<Uuid> {
    p.grants.keys().copied().collect()
}

/// Children the caller may see (`CHILD_READ`), plus emergency grants.
pub fn children(p: &Principal) -> Condition {
    let base = match (p.scope(Permission::ChildRead), p.unit_id) {
        (Some(Scope::All), _) => Expr::cust("1 = 1"),
        (Some(Scope::Unit), Some(unit)) => child::Column::UnitId.eq(unit),
        (Some(_), _) => in_set(child::Column::Id, p.own_children.iter().copied()),
        (None, _) => never(),
    };
    let mut cond = Condition::any().add(base);
    if p.has(Permission::ChildRead) && !p.grants.is_empty() {
        cond = cond.add(in_set(child::Column::Id, granted(p)));
    }
    cond
}

/// Placements the caller may see (`PLACEMENT_READ`), plus those of children
/// under an emergency grant.
pub fn placements(p: &Principal) -> Condition {
    let base = match (p.scope(Permission::PlacementRead), p.unit_id) {
        (Some(Scope::All), _) => Condition::any().add(Expr::cust("1 = 1")),
        (Some(Scope::Unit), Some(unit)) => {
            Condition::any().add(placement::Column::ChildId.in_subquery(children_of_unit(unit)))
        }
        (Some(_), _) => Condition::any()
            .add(in_set(
                placement::Column::ChildId,
                p.own_children.iter().copied(),
            ))
            .add(in_set(
                placement::Column::SettingId,
                p.supported_settings.iter().copied(),
            )),
        (None, _) => Condition::any().add(never()),
    };
    if p.has(Permission::PlacementRead) && !p.grants.is_empty() {
        base.add(in_set(placement::Column::ChildId, granted(p)))
    } else {
        base
    }
}

/// Care settings the caller may see (`SETTING_READ`).
pub fn settings(p: &Principal) -> Condition {
    let expr = match p.scope(Permission::SettingRead) {
        Some(Scope::All) => Expr::cust("1 = 1"),
        Some(Scope::Unit) => in_set(care_setting::Column::Id, p.unit_settings.iter().copied()),
        Some(Scope::Own) => in_set(care_setting::Column::Id, p.own_settings.iter().copied()),
        None => never(),
    };
    let mut cond = Condition::any().add(expr);
    if p.has(Permission::SettingRead) && !p.granted_settings.is_empty() {
        // The setting of a child under an emergency grant belongs to that child's record.
        cond = cond.add(in_set(
            care_setting::Column::Id,
            p.granted_settings.iter().copied(),
        ));
    }
    cond
}

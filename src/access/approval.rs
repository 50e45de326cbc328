//! Who decides a pending grant request (access.md, "Writes"): another
//! ADMIN for every request, or the unit manager of the user's unit for a
//! user's roles. The rest of four-eyes (what needs approval:
//! `policy::needs_approval`) is in `graphql::admin::foureyes`.
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::policy::Permission;
use super::principal::Principal;
use crate::entity::{grant_request, user};

/// The role whose holders decide their unit's users' role requests.
pub const UNIT_APPROVER_ROLE: &str = "UNIT_MANAGER";

/// Kind of a request for a user's roles (`grant_requests.kind`).
pub const USER_ROLES: &str = "USER_ROLES";

/// Who may decide grant requests, and which ones they see.
#[derive(Debug, Clone, Copy)]
pub enum Approver {
    /// An administrator: every request.
    Admin,
    /// A unit manager: requests for roles of users of their unit.
    UnitManager(Uuid),
}

/// The caller as an approver, if they are one.
pub fn approver_of(p: &Principal) -> Option<Approver> {
    if p.has(Permission::AdminManage) {
        return Some(Approver::Admin);
    }
    match p.unit_id {
        Some(unit) if p.roles.iter().any(|r| r == UNIT_APPROVER_ROLE) => {
            Some(Approver::UnitManager(unit))
        }
        _ => None,
    }
}

/// The requests `who` may see and decide, as an SQL condition.
pub fn visible(who: Approver) -> Condition {
    match who {
        Approver::Admin => Condition::all(),
        Approver::UnitManager(unit) => Condition::all()
            .add(grant_request::Column::Kind.eq(USER_ROLES))
            .add(
                grant_request::Column::UserId.in_subquery(
                    Query::select()
                        .column(user::Column::Id)
                        .from(user::Entity)
                        .and_where(Expr::col(user::Column::UnitId).eq(unit))
                        .to_owned(),
                ),
            ),
    }
}

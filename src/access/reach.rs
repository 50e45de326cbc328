//! The reach rules of access.md ("Scopes"), named and in one place. A
//! permission granted at OWN reaches what these rules say; UNIT adds the
//! unit's records; an emergency grant adds one child. `scope.rs` turns the
//! rules into SQL conditions and `gate.rs` into per-field decisions, both
//! through the methods below, so a list and a field can never disagree.
//!
//! The sets are loaded once per request, with the session, in one
//! statement (`reach_sql`), so that an ended assignment or a new secretary
//! takes effect at the next request.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use crate::domain::today;
use crate::entity::{child, placement};
use crate::error::AppResult;

/// The named reach rules, for documentation and for the audit of a
/// decision; each is implemented by the `Reach` method of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// OWN: the children of the user's active caseload. An assignment
    /// counts from its first day until it is ended; ending it takes effect
    /// at the next request (`active_assignment`).
    OwnCaseload,
    /// OWN: foster homes the user supports as named secretary.
    SupportedHomes,
    /// OWN: the children placed now in a home the user supports (name and
    /// the other fields their permissions give), but not their placements
    /// elsewhere (`PlacementsInSupportedHomes`).
    ChildrenInSupportedHomes,
    /// OWN: the placements in the homes the user supports.
    PlacementsInSupportedHomes,
    /// OWN: settings where a caseload child is placed now; they alone give
    /// contact details (address, phone) besides the supported homes.
    SettingsWhereCaseloadIsPlaced,
    /// OWN: settings where a caseload child was placed before (history:
    /// name, kind and the like, no contact details).
    SettingsWhereCaseloadWasPlaced,
    /// UNIT: settings of the unit, and settings where a child of the unit
    /// is or was placed.
    UnitSettings,
    /// Emergency access: one child outside scope, time-limited and flagged,
    /// with the settings it is or was placed in.
    EmergencyGrant,
}

/// What the caller's OWN and UNIT scopes and emergency grants reach.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    caseload: HashSet<Uuid>,
    hosted_children: HashSet<Uuid>,
    supported_homes: HashSet<Uuid>,
    settings_placed_now: HashSet<Uuid>,
    settings_placed_ever: HashSet<Uuid>,
    unit_settings: HashSet<Uuid>,
    grants: HashMap<Uuid, Uuid>,
    granted_settings: HashSet<Uuid>,
}

/// Which scopes the caller's permissions use, so that only the sets they
/// need are loaded.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Some permission is granted at OWN.
    pub own: bool,
    /// Some permission is granted at UNIT (and the user has a unit).
    pub unit: Option<Uuid>,
    /// The user holds EMERGENCY_ACCESS.
    pub emergency: bool,
}

/// Whether a placement from `start` to `end` (inclusive) is current `today`.
fn current(start: NaiveDate, end: Option<NaiveDate>, today: NaiveDate) -> bool {
    start <= today && end.is_none_or(|e| e >= today)
}

/// The caller's reach from the rows of the caller's statement
/// (`reach_sql`), keeping only the sets `needs` asks for: a set the
/// caller's scopes do not use must not widen a UNIT scope (`covers`).
pub(super) fn assemble(rows: &[super::reach_sql::Row], needs: Needs, today: NaiveDate) -> Reach {
    use super::reach_sql::Kind;
    let mut reach = Reach::default();
    if needs.own {
        for r in rows {
            match (r.kind, r.a, r.b) {
                (Kind::Caseload, Some(child), _) => {
                    reach.caseload.insert(child);
                }
                (Kind::Supported, _, Some(home)) => {
                    reach.supported_homes.insert(home);
                }
                _ => {}
            }
        }
        for r in rows.iter().filter(|r| r.kind == Kind::Placement) {
            let (Some(child_id), Some(setting_id), Some(start)) = (r.a, r.b, r.start) else {
                continue;
            };
            let now = current(start, r.end, today);
            if reach.caseload.contains(&child_id) {
                reach.settings_placed_ever.insert(setting_id);
                if now {
                    reach.settings_placed_now.insert(setting_id);
                }
            }
            if now && reach.supported_homes.contains(&setting_id) {
                reach.hosted_children.insert(child_id);
            }
        }
    }
    if needs.unit.is_some() {
        reach.unit_settings = rows
            .iter()
            .filter(|r| r.kind == Kind::UnitSetting)
            .filter_map(|r| r.b)
            .collect();
    }
    if needs.emergency {
        for r in rows {
            match (r.kind, r.a, r.b) {
                (Kind::Grant, Some(child), Some(grant)) => {
                    reach.grants.insert(child, grant);
                }
                (Kind::GrantedSetting, _, Some(setting)) => {
                    reach.granted_settings.insert(setting);
                }
                _ => {}
            }
        }
    }
    reach
}

impl Reach {
    /// Children reached at OWN: `OwnCaseload` and `ChildrenInSupportedHomes`.
    pub fn own_children(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.caseload.union(&self.hosted_children).copied()
    }

    /// Whether OWN reaches the child.
    pub fn reaches_child(&self, child: Uuid) -> bool {
        self.caseload.contains(&child) || self.hosted_children.contains(&child)
    }

    /// Children whose every placement OWN reaches: `OwnCaseload` only (a
    /// child in a supported home shows its placements there, not elsewhere).
    pub fn placement_children(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.caseload.iter().copied()
    }

    /// Settings whose placements OWN reaches: `PlacementsInSupportedHomes`.
    pub fn placement_settings(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.supported_homes.iter().copied()
    }

    /// Whether OWN reaches a placement of `child` in `setting`.
    pub fn reaches_placement(&self, child: Uuid, setting: Uuid) -> bool {
        self.caseload.contains(&child) || self.supported_homes.contains(&setting)
    }

    /// Settings OWN reaches as records (`SupportedHomes`,
    /// `SettingsWhereCaseloadIsPlaced`, `SettingsWhereCaseloadWasPlaced`).
    pub fn own_settings(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.supported_homes
            .union(&self.settings_placed_ever)
            .copied()
    }

    /// Whether OWN reaches a setting; `present` asks for the present only
    /// (contact details), where history does not count.
    pub fn reaches_setting(&self, setting: Uuid, present: bool) -> bool {
        self.supported_homes.contains(&setting)
            || if present {
                self.settings_placed_now.contains(&setting)
            } else {
                self.settings_placed_ever.contains(&setting)
            }
    }

    /// Whether the user supports the home (`SupportedHomes`): the reach of
    /// a setting write at OWN.
    pub fn supports(&self, setting: Uuid) -> bool {
        self.supported_homes.contains(&setting)
    }

    /// `UnitSettings`.
    pub fn unit_settings(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.unit_settings.iter().copied()
    }

    /// Whether `UnitSettings` holds the setting.
    pub fn unit_reaches_setting(&self, setting: Uuid) -> bool {
        self.unit_settings.contains(&setting)
    }

    /// Children under an active `EmergencyGrant`.
    pub fn granted_children(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.grants.keys().copied()
    }

    /// Whether any emergency grant is active.
    pub fn has_grants(&self) -> bool {
        !self.grants.is_empty()
    }

    /// Settings reached through an `EmergencyGrant`.
    pub fn granted_settings(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.granted_settings.iter().copied()
    }

    /// The emergency grant that reaches a child, if any.
    pub fn grant_for_child(&self, child: Uuid) -> Option<Uuid> {
        self.grants.get(&child).copied()
    }

    /// An emergency grant that reaches a setting, if any.
    pub fn grant_for_setting(&self, setting: Uuid) -> Option<Uuid> {
        if self.granted_settings.contains(&setting) {
            self.grants.values().min().copied()
        } else {
            None
        }
    }
}

/// The children with protected identity placed in each setting now or in
/// a planned placement (access.md, "Protected identity": their protection
/// extends to the setting's address and phone). One query for all settings.
pub async fn protected_children_in<C: ConnectionTrait>(
    db: &C,
    settings: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    if settings.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = placement::Entity::find()
        .select_only()
        .column(placement::Column::SettingId)
        .column(placement::Column::ChildId)
        .join(JoinType::InnerJoin, placement::Relation::Child.def())
        .filter(placement::Column::SettingId.is_in(settings))
        // Written as the bare column, as the partial index
        // `children_protected` is declared: a bound `= true` would leave a
        // generic plan unable to use it.
        .filter(Expr::col((child::Entity, child::Column::ProtectedIdentity)))
        .filter(
            placement::Column::EndDate
                .is_null()
                .or(placement::Column::EndDate.gte(today())),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (setting, child) in rows {
        map.entry(setting).or_default().push(child);
    }
    for children in map.values_mut() {
        children.sort();
        children.dedup();
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_foster_care_worker_reaches_placements_in_their_homes_only() {
        let reach = Reach {
            hosted_children: [id(1)].into(),
            supported_homes: [id(10)].into(),
            ..Reach::default()
        };
        assert!(reach.reaches_child(id(1)));
        assert!(reach.reaches_placement(id(1), id(10)));
        assert!(!reach.reaches_placement(id(1), id(11)));
    }

    #[test]
    fn contact_details_only_where_a_caseload_child_is_placed_now() {
        let reach = Reach {
            caseload: [id(1)].into(),
            settings_placed_ever: [id(10), id(11)].into(),
            settings_placed_now: [id(11)].into(),
            ..Reach::default()
        };
        assert!(reach.reaches_setting(id(10), false));
        assert!(!reach.reaches_setting(id(10), true));
        assert!(reach.reaches_setting(id(11), true));
    }
}

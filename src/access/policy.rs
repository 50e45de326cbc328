//! The field policy of access.md as one declarative table.
//!
//! Every sensitive field of the GraphQL schema has exactly one row here: the
//! permission it needs and whether protected identity also applies. The gate
//! looks the row up by the GraphQL type and field name of the field being
//! resolved, so a field without a row is denied (fail closed), and a test
//! checks that every field of the case types has a row.
use std::collections::HashMap;
use std::sync::OnceLock;

/// How far a granted permission reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, async_graphql::Enum)]
pub enum Scope {
    /// The user's own caseload, the foster homes they support, and settings
    /// where a child of the caseload is or was placed.
    Own,
    /// Everything belonging to the user's unit.
    Unit,
    /// The whole municipality.
    All,
}

impl Scope {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "OWN",
            Self::Unit => "UNIT",
            Self::All => "ALL",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "OWN" => Some(Self::Own),
            "UNIT" => Some(Self::Unit),
            "ALL" => Some(Self::All),
            _ => None,
        }
    }
}

macro_rules! permissions {
    ($($(#[$doc:meta])* $variant:ident => $text:literal),+ $(,)?) => {
        /// A named capability. Roles grant permissions, each with a scope.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, async_graphql::Enum)]
        pub enum Permission { $($(#[$doc])* $variant),+ }

        impl Permission {
            /// Every permission.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),+];
            /// Stored name.
            pub fn as_str(self) -> &'static str { match self { $(Permission::$variant => $text),+ } }
            /// Parses the stored name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Permission::$variant),)+ _ => None }
            }
        }
    };
}

permissions! {
    /// Child id and unit (the child record itself).
    ChildRead => "CHILD_READ",
    /// Child name, date of birth, sex, protected-identity flag.
    ChildIdentityRead => "CHILD_IDENTITY_READ",
    /// Child personal identity number.
    ChildPinRead => "CHILD_PIN_READ",
    /// Child address.
    ChildAddressRead => "CHILD_ADDRESS_READ",
    /// Placement dates, type and setting.
    PlacementRead => "PLACEMENT_READ",
    /// Placement legal basis and reasons.
    PlacementDetailsRead => "PLACEMENT_DETAILS_READ",
    /// Placement daily cost, days and cost.
    PlacementCostRead => "PLACEMENT_COST_READ",
    /// Care setting name, kind, capacity, status.
    SettingRead => "SETTING_READ",
    /// Care setting address and phone.
    SettingContactRead => "SETTING_CONTACT_READ",
    /// Create and correct children, assign them to the own caseload.
    ChildWrite => "CHILD_WRITE",
    /// Create, correct and end placements.
    PlacementWrite => "PLACEMENT_WRITE",
    /// Create and correct foster homes and institutions.
    SettingWrite => "SETTING_WRITE",
    /// Statistics and budget outcome.
    StatisticsRead => "STATISTICS_READ",
    /// Set budgets and child population.
    BudgetWrite => "BUDGET_WRITE",
    /// Audit events and access reports.
    AuditRead => "AUDIT_READ",
    /// Read users, roles and units.
    AdminRead => "ADMIN_READ",
    /// Manage users, roles and units.
    AdminManage => "ADMIN_MANAGE",
    /// Assign case workers to children and end assignments.
    CaseloadManage => "CASELOAD_MANAGE",
    /// Read addresses tied to children with protected identity.
    ProtectedIdentity => "PROTECTED_IDENTITY",
    /// Request emergency access to a child outside scope.
    EmergencyAccess => "EMERGENCY_ACCESS",
    /// Record the month's anonymous open care of the own unit (SoL 11:5,
    /// 14:5): how many took part, and the cost; no identities.
    OpenCareRecord => "OPEN_CARE_RECORD",
}

/// One row of the field policy.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    /// GraphQL object type.
    pub object: &'static str,
    /// GraphQL field name.
    pub field: &'static str,
    /// The permission the field needs, within the caller's scope.
    pub permission: Permission,
    /// Also needs `PROTECTED_IDENTITY` when the subject involves a child
    /// with protected identity.
    pub protected: bool,
    /// At OWN, only the present counts: a setting's contact details are
    /// reached where a caseload child is placed now, not where it was
    /// (`reach::Rule::SettingsWhereCaseloadIsPlaced`).
    pub present: bool,
}

const fn rule(object: &'static str, field: &'static str, permission: Permission) -> FieldRule {
    FieldRule {
        object,
        field,
        permission,
        protected: false,
        present: false,
    }
}

const fn protected(object: &'static str, field: &'static str, permission: Permission) -> FieldRule {
    FieldRule {
        object,
        field,
        permission,
        protected: true,
        present: false,
    }
}

/// A setting's contact detail: protected, and at OWN only where a caseload
/// child is placed now (access.md, "Scopes").
const fn contact(object: &'static str, field: &'static str) -> FieldRule {
    FieldRule {
        object,
        field,
        permission: SettingContactRead,
        protected: true,
        present: true,
    }
}

use Permission::*;

pub use super::write_policy::{SELF_SERVICE, WriteRule, write_policy, write_rule};

/// The field policy (access.md, "Field policy").
pub const POLICY: &[FieldRule] = &[
    rule("Child", "id", ChildRead),
    rule("Child", "unit", ChildRead),
    rule("Child", "caseWorkers", ChildRead),
    rule("Child", "givenName", ChildIdentityRead),
    rule("Child", "familyName", ChildIdentityRead),
    rule("Child", "dateOfBirth", ChildIdentityRead),
    rule("Child", "sex", ChildIdentityRead),
    rule("Child", "protectedIdentity", ChildIdentityRead),
    rule("Child", "personalIdentityNumber", ChildPinRead),
    protected("Child", "address", ChildAddressRead),
    rule("Child", "placements", PlacementRead),
    rule("Child", "currentPlacement", PlacementRead),
    rule("Placement", "id", PlacementRead),
    rule("Placement", "child", ChildRead),
    rule("Placement", "type", PlacementRead),
    rule("Placement", "startDate", PlacementRead),
    rule("Placement", "endDate", PlacementRead),
    rule("Placement", "plannedEndDate", PlacementRead),
    rule("Placement", "endReason", PlacementRead),
    rule("Placement", "setting", PlacementRead),
    rule("Placement", "legalBasis", PlacementDetailsRead),
    rule("Placement", "reasons", PlacementDetailsRead),
    rule("Placement", "dailyCost", PlacementCostRead),
    rule("Placement", "placementDays", PlacementCostRead),
    rule("Placement", "cost", PlacementCostRead),
    rule("Child", "interventions", PlacementRead),
    // Grouping placements into a child's care history links them to the child.
    rule("Placement", "intervention", ChildRead),
    rule("Placement", "moveReason", PlacementDetailsRead),
    rule("Intervention", "id", PlacementRead),
    rule("Intervention", "child", ChildRead),
    rule("Intervention", "kind", PlacementRead),
    rule("Intervention", "startDate", PlacementRead),
    rule("Intervention", "endDate", PlacementRead),
    rule("Intervention", "endReason", PlacementRead),
    rule("Intervention", "unit", PlacementRead),
    rule("Intervention", "placements", ChildRead),
    rule("Intervention", "legalBasis", PlacementDetailsRead),
    rule("Intervention", "decisionDate", PlacementDetailsRead),
    rule("Intervention", "dailyCost", PlacementCostRead),
    rule("Deadline", "kind", PlacementRead),
    rule("Deadline", "dueDate", PlacementRead),
    rule("Deadline", "overdue", PlacementRead),
    rule("Deadline", "intervention", PlacementRead),
    rule("Deadline", "placement", PlacementRead),
    rule("Deadline", "child", ChildRead),
    rule("FosterHome", "id", SettingRead),
    rule("FosterHome", "name", SettingRead),
    rule("FosterHome", "kind", SettingRead),
    rule("FosterHome", "agencyName", SettingRead),
    rule("FosterHome", "capacity", SettingRead),
    rule("FosterHome", "status", SettingRead),
    rule("FosterHome", "approvedOn", SettingRead),
    rule("FosterHome", "secretary", SettingRead),
    rule("FosterHome", "currentPlacements", PlacementRead),
    contact("FosterHome", "address"),
    contact("FosterHome", "phone"),
    rule("Institution", "id", SettingRead),
    rule("Institution", "name", SettingRead),
    rule("Institution", "kind", SettingRead),
    rule("Institution", "provider", SettingRead),
    rule("Institution", "dailyRate", SettingRead),
    contact("Institution", "address"),
    contact("Institution", "phone"),
];

/// The rule for `object.field`, if the policy has one.
pub fn lookup(object: &str, field: &str) -> Option<&'static FieldRule> {
    static INDEX: OnceLock<HashMap<String, &'static FieldRule>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            POLICY
                .iter()
                .map(|r| (format!("{}.{}", r.object, r.field), r))
                .collect()
        })
        .get(&format!("{object}.{field}"))
        .copied()
}

/// Whether a grant of `permission` needs a second person's approval: every
/// permission that reaches case data (reading or writing children,
/// placements or care settings, protected identity, and emergency access,
/// which widens the reach of the others to any child; access.md, "Writes"),
/// and ADMIN_MANAGE, because an administrator who could make a second
/// administrator at once could approve their own requests through that
/// account. A role assignment or role change that gives anyone such a
/// permission takes effect only after approval; this is the one place that
/// says which permissions those are.
pub fn needs_approval(permission: Permission) -> bool {
    match permission {
        ChildRead | ChildIdentityRead | ChildPinRead | ChildAddressRead | PlacementRead
        | PlacementDetailsRead | PlacementCostRead | SettingRead | SettingContactRead
        | ChildWrite | PlacementWrite | SettingWrite | ProtectedIdentity | EmergencyAccess
        | AdminManage => true,
        StatisticsRead | BudgetWrite | AuditRead | AdminRead | CaseloadManage | OpenCareRecord => {
            false
        }
    }
}

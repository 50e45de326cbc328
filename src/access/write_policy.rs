//! The write policy of access.md ("Writes") as one declarative table: every
//! argument of every mutation and what changing it needs.
use std::collections::HashMap;
use std::sync::OnceLock;

use super::policy::Permission::{self, *};

/// One row of the write policy: an argument of a mutation, or a field of
/// its `input` object, and what changing it needs. The gate
/// (`gate::gate_write`) looks every argument a request sends up here, so
/// an argument without a row is refused (fail closed), and a test checks
/// that every argument in the schema has a row.
#[derive(Debug, Clone, Copy)]
pub struct WriteRule {
    /// The mutation (GraphQL field of `Mutation`).
    pub mutation: &'static str,
    /// The argument, or the field of the `input` argument.
    pub field: &'static str,
    /// The permission the change needs, within its scope of the record.
    pub permission: Permission,
    /// Also needs `PROTECTED_IDENTITY` covering the record when it involves
    /// a child with protected identity (an address where such a child lives).
    pub protected: bool,
    /// Needs a justification of at least 20 characters, and the change is
    /// flagged for review.
    pub justified: bool,
}

/// Rows of one mutation whose fields all need `permission`.
macro_rules! writes {
    ($perm:ident: $($mutation:literal [$($field:literal),* $(,)?]),+ $(,)?) => {
        &[$($(WriteRule { mutation: $mutation, field: $field, permission: $perm, protected: false, justified: false }),*),+]
    };
}

/// Case-data writes: each field needs the write permission of its record.
const CASE_WRITES: &[WriteRule] = writes!(ChildWrite:
    "createChild" ["givenName", "familyName", "personalIdentityNumber", "protectedIdentity", "address", "unitId"],
    "updateChild" ["id", "givenName", "familyName", "personalIdentityNumber", "unitId", "expectedVersion", "justification"],
);
const PLACEMENT_WRITES: &[WriteRule] = writes!(PlacementWrite:
    "createPlacement" ["childId", "settingId", "legalBasis", "startDate", "endDate", "endReason", "plannedEndDate", "dailyCost", "reasons", "interventionId", "moveReason"],
    "updatePlacement" ["id", "legalBasis", "startDate", "plannedEndDate", "dailyCost", "reasons", "expectedVersion"],
    "endPlacement" ["id", "endDate", "endReason"],
    "createIntervention" ["childId", "kind", "legalBasis", "decisionDate", "startDate", "unitId", "dailyCost"],
    "endIntervention" ["id", "endDate", "endReason"],
    "recordFollowUp" ["interventionId", "kind", "doneOn"],
);
const SETTING_WRITES: &[WriteRule] = writes!(SettingWrite:
    "createFosterHome" ["name", "kind", "address", "phone", "capacity", "status", "agencyName", "secretaryId", "approvedOn"],
    "updateFosterHome" ["id", "name", "capacity", "status", "agencyName", "secretaryId", "approvedOn"],
    "createInstitution" ["name", "kind", "provider", "address", "phone", "dailyRate"],
);
const CASELOAD_WRITES: &[WriteRule] = writes!(CaseloadManage:
    "assignCaseWorker" ["childId", "userId"],
    "endCaseloadAssignment" ["childId", "userId", "endDate"],
);
const EMERGENCY_WRITES: &[WriteRule] = writes!(EmergencyAccess:
    "requestEmergencyAccess" ["childId", "justification"],
);
const BUDGET_WRITES: &[WriteRule] = writes!(BudgetWrite:
    "setBudget" ["year", "type", "amount", "unitId"],
    "setChildPopulation" ["year", "count", "unitId"],
);
/// Anonymous open care: figures without identities, for the own unit.
const OPEN_CARE_WRITES: &[WriteRule] = writes!(OpenCareRecord:
    "recordOpenCare" ["unitId", "kind", "month", "participants", "cost"],
);
const ADMIN_WRITES: &[WriteRule] = writes!(AdminManage:
    "createUser" ["username", "displayName", "unitId", "roleIds", "temporaryPassword"],
    "updateUser" ["id", "displayName", "unitId", "active"],
    "deactivateUser" ["id"],
    "assignRoles" ["userId", "roleIds"],
    "createRole" ["name", "description", "permissions"],
    "updateRole" ["id", "description", "permissions"],
    "createUnit" ["name"],
);
/// Deciding a grant request: another ADMIN or the user's unit manager
/// (who holds ADMIN_READ); the request decides who may (`foureyes`).
const GRANT_DECISIONS: &[WriteRule] = writes!(AdminRead:
    "approveGrant" ["id"],
    "rejectGrant" ["id"],
);

/// Fields whose change needs more than their mutation's permission.
const SPECIAL_WRITES: &[WriteRule] = &[
    // Protected identity restricts who may see where a child lives; only
    // those trusted with protected identities may lift or set it.
    WriteRule {
        mutation: "updateChild",
        field: "protectedIdentity",
        permission: ProtectedIdentity,
        protected: false,
        justified: true,
    },
    // Where a child with protected identity lives is known, and changed,
    // only by those trusted with protected identities.
    WriteRule {
        mutation: "updateChild",
        field: "address",
        permission: ChildWrite,
        protected: true,
        justified: false,
    },
    WriteRule {
        mutation: "updateFosterHome",
        field: "address",
        permission: SettingWrite,
        protected: true,
        justified: false,
    },
    WriteRule {
        mutation: "updateFosterHome",
        field: "phone",
        permission: SettingWrite,
        protected: true,
        justified: false,
    },
];

/// The write policy (access.md, "Writes"), all tables in one list.
pub fn write_policy() -> impl Iterator<Item = &'static WriteRule> {
    [
        CASE_WRITES,
        PLACEMENT_WRITES,
        SETTING_WRITES,
        CASELOAD_WRITES,
        EMERGENCY_WRITES,
        BUDGET_WRITES,
        OPEN_CARE_WRITES,
        ADMIN_WRITES,
        GRANT_DECISIONS,
        SPECIAL_WRITES,
    ]
    .into_iter()
    .flatten()
}

/// Mutations that change only the caller's own session or password; they
/// need no permission and have no write rows.
pub const SELF_SERVICE: &[&str] = &["login", "refresh", "logout", "changePassword"];

/// The write rule for `mutation`'s argument or input field, if any.
pub fn write_rule(mutation: &str, field: &str) -> Option<&'static WriteRule> {
    static INDEX: OnceLock<HashMap<String, &'static WriteRule>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            write_policy()
                .map(|r| (format!("{}.{}", r.mutation, r.field), r))
                .collect()
        })
        .get(&format!("{mutation}.{field}"))
        .copied()
}

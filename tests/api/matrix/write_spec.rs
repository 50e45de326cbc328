//! access.md's rules for writes, written down independently of the code's
//! write policy: which built-in role holds which write permission (the
//! roles table), what each scope reaches, and the protected-identity rule.
use super::spec::{Case, Outcome};

/// A writable field, with the mutation that changes it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub mutation: &'static str,
    pub field: &'static str,
}

/// Every writable field of an existing record that the matrix changes.
pub const FIELDS: &[Field] = &[
    Field {
        mutation: "updateChild",
        field: "givenName",
    },
    Field {
        mutation: "updateChild",
        field: "familyName",
    },
    Field {
        mutation: "updateChild",
        field: "personalIdentityNumber",
    },
    Field {
        mutation: "updateChild",
        field: "protectedIdentity",
    },
    Field {
        mutation: "updateChild",
        field: "address",
    },
    Field {
        mutation: "updateChild",
        field: "unitId",
    },
    Field {
        mutation: "updateChild",
        field: "expectedVersion",
    },
    Field {
        mutation: "assignCaseWorker",
        field: "userId",
    },
    Field {
        mutation: "updatePlacement",
        field: "legalBasis",
    },
    Field {
        mutation: "updatePlacement",
        field: "plannedEndDate",
    },
    Field {
        mutation: "updatePlacement",
        field: "dailyCost",
    },
    Field {
        mutation: "updatePlacement",
        field: "reasons",
    },
    Field {
        mutation: "updatePlacement",
        field: "expectedVersion",
    },
    Field {
        mutation: "updateFosterHome",
        field: "name",
    },
    Field {
        mutation: "updateFosterHome",
        field: "address",
    },
    Field {
        mutation: "updateFosterHome",
        field: "phone",
    },
    Field {
        mutation: "updateFosterHome",
        field: "capacity",
    },
    Field {
        mutation: "updateFosterHome",
        field: "agencyName",
    },
    Field {
        mutation: "updateFosterHome",
        field: "approvedOn",
    },
    // Last: ending a placement changes where a child is placed now.
    Field {
        mutation: "endPlacement",
        field: "endDate",
    },
];

/// The record type a mutation changes (and returns).
pub fn object_of(mutation: &str) -> &'static str {
    match mutation {
        "updateChild" | "assignCaseWorker" => "Child",
        "updatePlacement" | "endPlacement" => "Placement",
        _ => "FosterHome",
    }
}

/// Write permissions of the built-in roles (access.md, "Built-in roles":
/// case workers correct their children and placements, foster care workers
/// their homes, unit managers everything of their unit and the caseloads,
/// administrators assign caseloads but read no case data).
fn holds(role: &str, mutation: &str) -> bool {
    match mutation {
        "updateChild" | "updatePlacement" | "endPlacement" => {
            matches!(role, "CASE_WORKER" | "UNIT_MANAGER")
        }
        "updateFosterHome" => matches!(role, "FOSTER_CARE_WORKER" | "UNIT_MANAGER"),
        "assignCaseWorker" => matches!(role, "UNIT_MANAGER" | "ADMIN"),
        "createChild" => matches!(role, "CASE_WORKER" | "UNIT_MANAGER"),
        _ => false,
    }
}

/// Expected answer to changing `field` of the record chosen for `case`.
/// `home_writable` says whether the foster home is the caller's to change
/// (their unit's at UNIT, one they support at OWN), a fact of the data.
pub fn expected(role: &str, f: Field, case: Case, home_writable: bool) -> Outcome {
    if !holds(role, f.mutation) {
        return Outcome::Forbidden;
    }
    if case == Case::OutOfScope {
        return Outcome::NotFound;
    }
    if f.mutation == "updateFosterHome" && !home_writable {
        return Outcome::Forbidden;
    }
    // No built-in role holds PROTECTED_IDENTITY: the flag itself, and the
    // address where a protected child lives, are out of their reach.
    if f.field == "protectedIdentity" {
        return Outcome::Forbidden;
    }
    if case == Case::ProtectedInScope && matches!(f.field, "address" | "phone") {
        return Outcome::Forbidden;
    }
    Outcome::Value
}

/// Expected answer to registering a child: in the caller's unit
/// (`InScope`), in another unit (`OutOfScope`: the target unit must be in
/// scope, and no built-in role has ALL for children), or with protected
/// identity (which only narrows who reads the address, so it needs nothing
/// more).
pub fn expected_create(role: &str, case: Case) -> Outcome {
    if !holds(role, "createChild") || case == Case::OutOfScope {
        Outcome::Forbidden
    } else {
        Outcome::Value
    }
}

/// Fields of the returned object whose read the matrix checks as well.
pub fn returned_fields(object: &str) -> &'static [&'static str] {
    match object {
        "Child" => &["personalIdentityNumber", "address"],
        "Placement" => &["legalBasis", "dailyCost"],
        _ => &["address", "phone"],
    }
}

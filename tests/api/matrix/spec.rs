//! access.md's field-policy table, written down independently of the code's
//! policy table, and the expected outcome of each cell.

/// What a read of one field should give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Value,
    Forbidden,
    NotFound,
}

/// Which record is read, relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    clippy::enum_variant_names,
    reason = "the names mirror the issue's wording of the three cases"
)]
pub enum Case {
    InScope,
    OutOfScope,
    ProtectedInScope,
}

/// Field groups of access.md's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    ChildIdUnit,
    ChildIdentity,
    ChildPin,
    ChildAddress,
    PlacementBasic,
    PlacementChild,
    PlacementDetails,
    PlacementCost,
    SettingBasic,
    SettingContact,
}

/// The group of a field; `None` means the spec has no row for it (the
/// matrix test fails then, so a new field must be placed in the table).
pub fn group_of(object: &str, field: &str) -> Option<Group> {
    use Group::*;
    Some(match (object, field) {
        ("Child", "id" | "unit" | "caseWorkers") => ChildIdUnit,
        ("Child", "givenName" | "familyName" | "dateOfBirth" | "sex" | "protectedIdentity") => {
            ChildIdentity
        }
        ("Child", "personalIdentityNumber") => ChildPin,
        ("Child", "address") => ChildAddress,
        ("Child", "placements" | "currentPlacement" | "interventions") => PlacementBasic,
        ("Placement", "child" | "intervention") => PlacementChild,
        ("Placement", "legalBasis" | "reasons" | "moveReason") => PlacementDetails,
        ("Intervention", "child" | "placements") => PlacementChild,
        ("Intervention", "legalBasis" | "decisionDate") => PlacementDetails,
        ("Intervention", "dailyCost") => PlacementCost,
        ("Intervention", _) => PlacementBasic,
        ("Deadline", "child") => PlacementChild,
        ("Deadline", _) => PlacementBasic,
        ("Placement", "dailyCost" | "placementDays" | "cost") => PlacementCost,
        ("Placement", _) => PlacementBasic,
        ("FosterHome" | "Institution", "address" | "phone") => SettingContact,
        ("FosterHome", "currentPlacements") => PlacementBasic,
        ("FosterHome" | "Institution", _) => SettingBasic,
        _ => return None,
    })
}

/// ✓ cells of access.md's table per built-in role.
pub fn allowed(role: &str, group: Group) -> bool {
    use Group::*;
    match role {
        "CASE_WORKER" | "UNIT_MANAGER" => true,
        "FOSTER_CARE_WORKER" => !matches!(group, ChildPin | ChildAddress | PlacementDetails),
        "FINANCE" => matches!(group, PlacementBasic | PlacementCost | SettingBasic),
        _ => false,
    }
}

/// The group that decides whether the record itself can be reached.
pub fn record_group(object: &str) -> Group {
    match object {
        "Child" => Group::ChildIdUnit,
        "Placement" => Group::PlacementBasic,
        // Reaching an intervention at all links placements to a child.
        "Intervention" => Group::PlacementChild,
        _ => Group::SettingBasic,
    }
}

/// Expected outcome of reading `object.field` as `role` in `case`.
pub fn expected(role: &str, object: &str, field: &str, case: Case) -> Outcome {
    let Some(group) = group_of(object, field) else {
        return Outcome::Forbidden;
    };
    if !allowed(role, record_group(object)) {
        return Outcome::Forbidden;
    }
    match case {
        Case::OutOfScope => Outcome::NotFound,
        Case::ProtectedInScope if matches!(group, Group::ChildAddress | Group::SettingContact) => {
            Outcome::Forbidden
        }
        _ if allowed(role, group) => Outcome::Value,
        _ => Outcome::Forbidden,
    }
}

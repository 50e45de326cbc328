//! Compares observed outcomes with the spec and reports every mismatch.
//! A leak (a value where the spec says FORBIDDEN or NOT_FOUND) and an
//! over-denial are both failures.
use super::spec::{Case, Outcome, expected};

/// One checked cell.
#[derive(Debug, Clone)]
pub struct Cell {
    pub role: &'static str,
    pub object: &'static str,
    pub field: &'static str,
    pub case: Case,
    pub path: &'static str,
    pub observed: Outcome,
}

/// Cells whose observation differs from the spec, described.
pub fn mismatches(cells: &[Cell]) -> Vec<String> {
    cells
        .iter()
        .filter_map(|c| {
            let want = expected(c.role, c.object, c.field, c.case);
            (want != c.observed).then(|| {
                let kind = if c.observed == Outcome::Value {
                    "LEAK"
                } else {
                    "over-denied"
                };
                format!(
                    "{kind}: {} {}.{} {:?} via {}: expected {:?}, got {:?}",
                    c.role, c.object, c.field, c.case, c.path, want, c.observed
                )
            })
        })
        .collect()
}

/// A readable table of every cell, for the test output.
pub fn render(cells: &[Cell]) -> String {
    let mut out = String::from("| role | field | case | path | outcome |\n|---|---|---|---|---|\n");
    for c in cells {
        out.push_str(&format!(
            "| {} | {}.{} | {:?} | {} | {:?} |\n",
            c.role, c.object, c.field, c.case, c.path, c.observed
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a deliberately broken policy would produce: the code's decision
    /// function with a principal whose FINANCE role also reads personal
    /// identity numbers.
    #[test]
    fn the_checker_fails_on_a_broken_policy() {
        use hearth::access::gate::{Decision, Subject, decide};
        use hearth::access::{Permission, Principal, Scope};
        let mut finance = Principal::default();
        for p in [
            Permission::PlacementRead,
            Permission::PlacementCostRead,
            Permission::SettingRead,
        ] {
            finance.permissions.insert(p, Scope::All);
        }
        let child = Subject::Child {
            id: uuid::Uuid::new_v4(),
            unit_id: uuid::Uuid::new_v4(),
            protected: false,
        };
        let observe = |p: &Principal| match decide(p, "Child", "personalIdentityNumber", &child) {
            Decision::Deny => Outcome::Forbidden,
            _ => Outcome::Value,
        };
        let cell = |observed| Cell {
            role: "FINANCE",
            object: "Child",
            field: "personalIdentityNumber",
            case: Case::InScope,
            path: "unit",
            observed,
        };
        assert!(
            mismatches(&[cell(observe(&finance))]).is_empty(),
            "the correct policy passes"
        );
        // Break it: FINANCE may read child records and identity numbers.
        finance
            .permissions
            .insert(Permission::ChildRead, Scope::All);
        finance
            .permissions
            .insert(Permission::ChildPinRead, Scope::All);
        let found = mismatches(&[cell(observe(&finance))]);
        assert_eq!(found.len(), 1, "the leak is reported: {found:?}");
        assert!(found[0].starts_with("LEAK"));
    }

    #[test]
    fn the_checker_reports_over_denial_too() {
        let cell = Cell {
            role: "CASE_WORKER",
            object: "Child",
            field: "givenName",
            case: Case::InScope,
            path: "direct",
            observed: Outcome::Forbidden,
        };
        assert_eq!(mismatches(&[cell]).len(), 1);
    }
}

//! Who gets exact statistics (issue 11). Figures are exact only for a
//! caller who could read, in the whole scope the figures cover, every fact
//! they are broken down by: the children (`CHILD_READ`), their sex and date
//! of birth (`CHILD_IDENTITY_READ`), and the legal basis and reasons of the
//! placements (`PLACEMENT_DETAILS_READ`). Everyone else is under disclosure
//! control (`crate::domain::statistics::perturbation`).
use super::{Permission, Principal, Scope};

/// The permissions whose data a statistics breakdown exposes.
const EXPOSED: [Permission; 3] = [
    Permission::ChildRead,
    Permission::ChildIdentityRead,
    Permission::PlacementDetailsRead,
];

/// Whether `p` gets exact figures over `scope` (the scope of their
/// `STATISTICS_READ`).
pub fn exact_figures(p: &Principal, scope: Scope) -> bool {
    EXPOSED
        .iter()
        .all(|permission| p.scope(*permission).is_some_and(|granted| granted >= scope))
}

/// Whose anonymous open-care tallies (SoL 11:5, recorded without identity)
/// a caller reads with `STATISTICS_READ` at `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyReach {
    /// Every unit's.
    All,
    /// One unit's: the caller's own.
    Unit(uuid::Uuid),
    /// None: a caseload holds children, and tallies have none.
    Nothing,
}

/// The tallies `p` reads at `scope`: the whole municipality, or the own
/// unit; at OWN nothing, since a caseload has no anonymous part.
pub fn open_care_reach(p: &Principal, scope: Scope) -> TallyReach {
    match (scope, p.unit_id) {
        (Scope::All, _) => TallyReach::All,
        (Scope::Unit, Some(unit)) => TallyReach::Unit(unit),
        _ => TallyReach::Nothing,
    }
}

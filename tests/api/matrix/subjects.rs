//! Picks, from the demo municipality, a record of each kind in scope, out
//! of scope and in scope with protected identity, for each role. Setup reads
//! the database directly; the checks themselves go through HTTP.
use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::outsider;
use super::spec::Case;
use crate::harness::TestApp;
use hearth::entity::{care_setting, caseload, child, placement, user};

/// Chosen record ids by (role, object, case).
pub struct Subjects(HashMap<(String, String, String), String>);

impl Subjects {
    pub fn id(&self, role: &str, object: &str, case: Case) -> Option<String> {
        self.0
            .get(&(role.to_owned(), object.to_owned(), format!("{case:?}")))
            .cloned()
    }
}

async fn user_id(app: &TestApp, name: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(&app.state.db)
        .await
        .expect("db")
        .expect("demo user")
}

/// The open placement of a child, if any. A malformed id or a failed query
/// fails the test rather than reading as "no placement".
pub async fn current_placement_of(app: &TestApp, child: &str) -> Option<String> {
    let id = Uuid::parse_str(child).unwrap_or_else(|e| panic!("child id {child}: {e}"));
    let rows = placement::Entity::find()
        .filter(placement::Column::ChildId.eq(id))
        .filter(placement::Column::EndDate.is_null())
        .all(&app.state.db)
        .await
        .expect("db");
    rows.first().map(|p| p.id.to_string())
}

pub async fn find(app: &TestApp) -> Subjects {
    let db = &app.state.db;
    let anna = user_id(app, "anna.case").await;
    let bo = user_id(app, "bo.case").await;
    let fredrik = user_id(app, "fredrik.foster").await;
    let caseload_of = |u: Uuid| async move {
        caseload::Entity::find()
            .filter(caseload::Column::UserId.eq(u))
            .all(db)
            .await
            .expect("db")
            .into_iter()
            .map(|c| c.child_id)
            .collect::<HashSet<_>>()
    };
    let anna_cl = caseload_of(anna.id).await;
    let bo_cl = caseload_of(bo.id).await;
    let children: HashMap<Uuid, child::Model> = child::Entity::find()
        .all(db)
        .await
        .expect("db")
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let placements = placement::Entity::find().all(db).await.expect("db");
    let settings: HashMap<Uuid, care_setting::Model> = care_setting::Entity::find()
        .all(db)
        .await
        .expect("db")
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let open: Vec<&placement::Model> = placements.iter().filter(|p| p.end_date.is_none()).collect();
    let current_setting = |c: Uuid| open.iter().find(|p| p.child_id == c).map(|p| p.setting_id);
    let protected_settings: HashSet<Uuid> = open
        .iter()
        .filter(|p| children[&p.child_id].protected_identity)
        .map(|p| p.setting_id)
        .collect();
    let fredrik_homes: HashSet<Uuid> = settings
        .values()
        .filter(|s| s.secretary_id == Some(fredrik.id))
        .map(|s| s.id)
        .collect();
    let used_by = |kids: &HashSet<Uuid>| {
        placements
            .iter()
            .filter(|p| kids.contains(&p.child_id))
            .map(|p| p.setting_id)
            .collect::<HashSet<_>>()
    };
    let anna_settings = used_by(&anna_cl);
    // Contact details reach only where a caseload child is placed now.
    let anna_now: HashSet<Uuid> = open
        .iter()
        .filter(|p| anna_cl.contains(&p.child_id))
        .map(|p| p.setting_id)
        .collect();
    let all_kids: HashSet<Uuid> = children.keys().copied().collect();
    let unit_settings = used_by(&all_kids);
    let is_fh = |s: &Uuid| settings[s].category == "FOSTER_HOME";

    let protected_child = *anna_cl
        .iter()
        .find(|c| children[c].protected_identity && current_setting(**c).is_some())
        .expect("anna has a protected child placed");
    let anna_child = *anna_cl
        .iter()
        .find(|c| {
            !children[c].protected_identity
                && current_setting(**c)
                    .is_some_and(|s| is_fh(&s) && !protected_settings.contains(&s))
        })
        .expect("anna child in a foster home");
    let bo_child = *bo_cl
        .iter()
        .find(|c| {
            current_setting(**c)
                .is_some_and(|s| !fredrik_homes.contains(&s) && !anna_settings.contains(&s))
        })
        .expect("bo child outside anna's and fredrik's settings");
    let fredrik_child = *open
        .iter()
        .find(|p| {
            fredrik_homes.contains(&p.setting_id)
                && !children[&p.child_id].protected_identity
                && !protected_settings.contains(&p.setting_id)
        })
        .map(|p| &p.child_id)
        .expect("child in fredrik home");
    let pick_setting = |pred: &dyn Fn(&care_setting::Model) -> bool| {
        settings.values().filter(|s| pred(s)).map(|s| s.id).min()
    };
    let anna_fh = current_setting(anna_child).expect("placed");
    let anna_inst = pick_setting(&|s| {
        s.category == "INSTITUTION"
            && anna_now.contains(&s.id)
            && !protected_settings.contains(&s.id)
    });
    let out_fh = pick_setting(&|s| {
        s.category == "FOSTER_HOME"
            && !anna_settings.contains(&s.id)
            && !fredrik_homes.contains(&s.id)
            && !unit_settings.contains(&s.id)
    });
    let out_inst_anna =
        pick_setting(&|s| s.category == "INSTITUTION" && !anna_settings.contains(&s.id));
    let protected_setting = current_setting(protected_child).expect("placed");
    let fredrik_home = current_setting(fredrik_child).expect("placed");
    let unit_inst = pick_setting(&|s| {
        s.category == "INSTITUTION"
            && unit_settings.contains(&s.id)
            && !protected_settings.contains(&s.id)
    });

    let outsider = outsider::create(db).await;

    let cp = |c: Uuid| {
        open.iter()
            .find(|p| p.child_id == c)
            .map(|p| p.id)
            .expect("open placement")
    };
    // The intervention of a child's open placement.
    let ci = |c: Uuid| {
        open.iter()
            .find(|p| p.child_id == c)
            .and_then(|p| p.intervention_id)
            .expect("open placement in an intervention")
    };
    let mut map = HashMap::new();
    // Every subject named here must exist in the demo: a missing one would
    // silently drop its cells from the matrix.
    let mut put = |role: &str, object: &str, case: Case, id: Option<Uuid>| {
        let id = id.unwrap_or_else(|| panic!("the demo has no {object} {case:?} for {role}"));
        map.insert(
            (role.to_owned(), object.to_owned(), format!("{case:?}")),
            id.to_string(),
        );
    };
    use Case::*;
    put("CASE_WORKER", "Child", InScope, Some(anna_child));
    put("CASE_WORKER", "Child", OutOfScope, Some(bo_child));
    put(
        "CASE_WORKER",
        "Child",
        ProtectedInScope,
        Some(protected_child),
    );
    put("CASE_WORKER", "Placement", InScope, Some(cp(anna_child)));
    put("CASE_WORKER", "Placement", OutOfScope, Some(cp(bo_child)));
    put(
        "CASE_WORKER",
        "Placement",
        ProtectedInScope,
        Some(cp(protected_child)),
    );
    put("CASE_WORKER", "FosterHome", InScope, Some(anna_fh));
    put("CASE_WORKER", "FosterHome", OutOfScope, out_fh);
    put(
        "CASE_WORKER",
        if is_fh(&protected_setting) {
            "FosterHome"
        } else {
            "Institution"
        },
        ProtectedInScope,
        Some(protected_setting),
    );
    put("CASE_WORKER", "Institution", InScope, anna_inst);
    put("CASE_WORKER", "Institution", OutOfScope, out_inst_anna);
    put("FOSTER_CARE_WORKER", "Child", InScope, Some(fredrik_child));
    put("FOSTER_CARE_WORKER", "Child", OutOfScope, Some(bo_child));
    put(
        "FOSTER_CARE_WORKER",
        "Placement",
        InScope,
        Some(cp(fredrik_child)),
    );
    put(
        "FOSTER_CARE_WORKER",
        "Placement",
        OutOfScope,
        Some(cp(bo_child)),
    );
    put(
        "FOSTER_CARE_WORKER",
        "FosterHome",
        InScope,
        Some(fredrik_home),
    );
    put("FOSTER_CARE_WORKER", "FosterHome", OutOfScope, out_fh);
    put("FOSTER_CARE_WORKER", "Institution", OutOfScope, unit_inst);
    if fredrik_homes.contains(&protected_setting) {
        put(
            "FOSTER_CARE_WORKER",
            "FosterHome",
            ProtectedInScope,
            Some(protected_setting),
        );
    }
    put("UNIT_MANAGER", "Child", InScope, Some(bo_child));
    put("UNIT_MANAGER", "Child", OutOfScope, Some(outsider.child));
    put(
        "UNIT_MANAGER",
        "Child",
        ProtectedInScope,
        Some(protected_child),
    );
    put("UNIT_MANAGER", "Placement", InScope, Some(cp(bo_child)));
    put(
        "UNIT_MANAGER",
        "Placement",
        OutOfScope,
        Some(outsider.placement),
    );
    put(
        "UNIT_MANAGER",
        "Placement",
        ProtectedInScope,
        Some(cp(protected_child)),
    );
    put("UNIT_MANAGER", "FosterHome", InScope, Some(anna_fh));
    put("UNIT_MANAGER", "FosterHome", OutOfScope, out_fh);
    put(
        "UNIT_MANAGER",
        if is_fh(&protected_setting) {
            "FosterHome"
        } else {
            "Institution"
        },
        ProtectedInScope,
        Some(protected_setting),
    );
    put("UNIT_MANAGER", "Institution", InScope, unit_inst);
    put(
        "UNIT_MANAGER",
        "Institution",
        OutOfScope,
        Some(outsider.institution),
    );
    put("CASE_WORKER", "Intervention", InScope, Some(ci(anna_child)));
    put(
        "CASE_WORKER",
        "Intervention",
        OutOfScope,
        Some(ci(bo_child)),
    );
    put(
        "CASE_WORKER",
        "Intervention",
        ProtectedInScope,
        Some(ci(protected_child)),
    );
    // A child placed in a home the foster care worker supports: its
    // placement there is in reach, its case (the intervention) is not.
    put(
        "FOSTER_CARE_WORKER",
        "Intervention",
        OutOfScope,
        Some(ci(fredrik_child)),
    );
    put("UNIT_MANAGER", "Intervention", InScope, Some(ci(bo_child)));
    put(
        "UNIT_MANAGER",
        "Intervention",
        OutOfScope,
        Some(outsider.intervention),
    );
    put(
        "UNIT_MANAGER",
        "Intervention",
        ProtectedInScope,
        Some(ci(protected_child)),
    );
    for role in ["FINANCE", "AUDITOR", "ADMIN"] {
        put(role, "Intervention", InScope, Some(ci(anna_child)));
        put(
            role,
            "Intervention",
            ProtectedInScope,
            Some(ci(protected_child)),
        );
        put(role, "Child", InScope, Some(anna_child));
        put(role, "Placement", InScope, Some(cp(anna_child)));
        put(
            role,
            "Placement",
            ProtectedInScope,
            Some(cp(protected_child)),
        );
        put(role, "FosterHome", InScope, Some(anna_fh));
        put(
            role,
            if is_fh(&protected_setting) {
                "FosterHome"
            } else {
                "Institution"
            },
            ProtectedInScope,
            Some(protected_setting),
        );
        put(role, "Institution", InScope, unit_inst);
    }
    Subjects(map)
}

//! Reference data: the reason codes of domain.md and the built-in roles of
//! access.md with exactly the grants of its field-policy table.
use crate::sql::{run_all, uuid_lit};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const REASONS: &[(&str, &str, &str)] = &[
    (
        "CONFLICT_OR_VIOLENCE",
        "Conflict and/or violence at home",
        "PARENTAL_CAPACITY",
    ),
    ("NEGLECT", "Neglect (omsorgssvikt)", "PARENTAL_CAPACITY"),
    (
        "PARENTAL_SUBSTANCE_ABUSE",
        "Parental substance abuse",
        "PARENTAL_CAPACITY",
    ),
    (
        "PARENTAL_MENTAL_ILLNESS",
        "Parental mental illness",
        "PARENTAL_CAPACITY",
    ),
    (
        "CHILD_BEHAVIOUR",
        "The child's own behaviour",
        "CHILD_OWN_SITUATION",
    ),
    (
        "HONOUR_RELATED",
        "Honour-related violence and oppression",
        "PARENTAL_CAPACITY",
    ),
    ("UNACCOMPANIED_MINOR", "Unaccompanied minor", "OTHER"),
    ("OTHER", "Other reason", "OTHER"),
];

/// Case-reading grants shared by the roles that work with case content.
const CASE_READ: &[&str] = &[
    "CHILD_READ",
    "CHILD_IDENTITY_READ",
    "CHILD_PIN_READ",
    "CHILD_ADDRESS_READ",
    "PLACEMENT_READ",
    "PLACEMENT_DETAILS_READ",
    "PLACEMENT_COST_READ",
    "SETTING_READ",
    "SETTING_CONTACT_READ",
];

struct BuiltIn {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    scope: &'static str,
    grants: &'static [&'static [&'static str]],
}

const ROLES: &[BuiltIn] = &[
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000001",
        name: "CASE_WORKER",
        description: "Socialsekreterare: the children in their own caseload",
        scope: "OWN",
        grants: &[
            CASE_READ,
            &["CHILD_WRITE", "PLACEMENT_WRITE", "EMERGENCY_ACCESS"],
        ],
    },
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000002",
        name: "FOSTER_CARE_WORKER",
        description: "Familjehemssekreterare: the foster homes they support and the children placed there",
        scope: "OWN",
        grants: &[&[
            "CHILD_READ",
            "CHILD_IDENTITY_READ",
            "PLACEMENT_READ",
            "PLACEMENT_COST_READ",
            "SETTING_READ",
            "SETTING_CONTACT_READ",
            "SETTING_WRITE",
        ]],
    },
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000003",
        name: "UNIT_MANAGER",
        description: "Enhetschef: every child and setting of their unit",
        scope: "UNIT",
        grants: &[
            CASE_READ,
            &[
                "CHILD_WRITE",
                "PLACEMENT_WRITE",
                "SETTING_WRITE",
                "STATISTICS_READ",
                "BUDGET_WRITE",
                "EMERGENCY_ACCESS",
                "CASELOAD_MANAGE",
                "ADMIN_READ",
            ],
        ],
    },
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000004",
        name: "FINANCE",
        description: "Ekonom: costs, budgets and statistics; no identities",
        scope: "ALL",
        grants: &[&[
            "PLACEMENT_READ",
            "PLACEMENT_COST_READ",
            "SETTING_READ",
            "STATISTICS_READ",
            "BUDGET_WRITE",
        ]],
    },
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000005",
        name: "AUDITOR",
        description: "Loggranskare: the audit log and access reports; no case content",
        scope: "ALL",
        grants: &[&["AUDIT_READ", "ADMIN_READ"]],
    },
    BuiltIn {
        id: "00000000-0000-4000-8000-000000000006",
        name: "ADMIN",
        description: "Systemförvaltare: users, roles, units; no case data",
        scope: "ALL",
        grants: &[&["ADMIN_READ", "ADMIN_MANAGE", "CASELOAD_MANAGE"]],
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let now = "'2026-01-01T00:00:00Z'";
        let mut statements = Vec::new();
        for (code, label, category) in REASONS {
            statements.push(format!(
                "INSERT INTO reasons (code, label, category) VALUES ('{code}', '{}', '{category}')",
                label.replace('\'', "''")
            ));
        }
        for role in ROLES {
            let id = uuid_lit(backend, role.id);
            statements.push(format!(
                "INSERT INTO roles (id, name, description, built_in, created_at) \
                 VALUES ({id}, '{}', '{}', TRUE, {now})",
                role.name,
                role.description.replace('\'', "''")
            ));
            for permission in role.grants.iter().flat_map(|g| g.iter()) {
                statements.push(format!(
                    "INSERT INTO role_permissions (role_id, permission, scope) \
                     VALUES ({id}, '{permission}', '{}')",
                    role.scope
                ));
            }
        }
        run_all(manager, &statements).await
    }
}

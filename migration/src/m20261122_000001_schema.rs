//! Tables and indexes.
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE units (
        id {uuid} PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
        created_at {ts} NOT NULL
    )",
    "CREATE TABLE users (
        id {uuid} PRIMARY KEY,
        username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 64),
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        unit_id {uuid} REFERENCES units(id),
        active {bool} NOT NULL DEFAULT {true},
        must_change_password {bool} NOT NULL DEFAULT {false},
        failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
        locked_until {ts},
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL
    )",
    "CREATE TABLE roles (
        id {uuid} PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 2 AND 64),
        description TEXT NOT NULL DEFAULT '',
        built_in {bool} NOT NULL DEFAULT {false},
        created_at {ts} NOT NULL
    )",
    "CREATE TABLE role_permissions (
        role_id {uuid} NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
        permission TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('OWN', 'UNIT', 'ALL')),
        PRIMARY KEY (role_id, permission)
    )",
    "CREATE TABLE user_roles (
        user_id {uuid} NOT NULL REFERENCES users(id),
        role_id {uuid} NOT NULL REFERENCES roles(id),
        PRIMARY KEY (user_id, role_id)
    )",
    "CREATE TABLE children (
        id {uuid} PRIMARY KEY,
        personal_identity_number TEXT NOT NULL UNIQUE CHECK (length(personal_identity_number) = 12),
        given_name TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
        family_name TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
        date_of_birth {date} NOT NULL,
        sex TEXT NOT NULL CHECK (sex IN ('FEMALE', 'MALE')),
        protected_identity {bool} NOT NULL DEFAULT {false},
        address TEXT,
        unit_id {uuid} NOT NULL REFERENCES units(id),
        version INTEGER NOT NULL DEFAULT 1,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL
    )",
    "CREATE TABLE caseload_assignments (
        id {uuid} PRIMARY KEY,
        user_id {uuid} NOT NULL REFERENCES users(id),
        child_id {uuid} NOT NULL REFERENCES children(id),
        from_date {date} NOT NULL,
        to_date {date},
        created_at {ts} NOT NULL,
        CHECK (to_date IS NULL OR to_date >= from_date)
    )",
    "CREATE TABLE care_settings (
        id {uuid} PRIMARY KEY,
        category TEXT NOT NULL CHECK (category IN ('FOSTER_HOME', 'INSTITUTION')),
        kind TEXT NOT NULL,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        address TEXT,
        phone TEXT,
        unit_id {uuid} REFERENCES units(id),
        capacity INTEGER CHECK (capacity > 0),
        status TEXT CHECK (status IN ('RECRUITING', 'UNDER_ASSESSMENT', 'APPROVED', 'PAUSED', 'CLOSED')),
        agency_name TEXT,
        secretary_id {uuid} REFERENCES users(id),
        approved_on {date},
        provider TEXT,
        daily_rate {money} CHECK (daily_rate >= 0),
        version INTEGER NOT NULL DEFAULT 1,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL,
        CHECK ((category = 'FOSTER_HOME' AND kind IN ('OWN', 'AGENCY', 'KINSHIP', 'EMERGENCY')
                AND capacity IS NOT NULL AND status IS NOT NULL)
            OR (category = 'INSTITUTION' AND kind IN ('HVB', 'SIS', 'SUPPORTED_HOUSING')))
    )",
    "CREATE TABLE reasons (
        code TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('PARENTAL_CAPACITY', 'CHILD_OWN_SITUATION', 'OTHER'))
    )",
    "CREATE TABLE placements (
        id {uuid} PRIMARY KEY,
        child_id {uuid} NOT NULL REFERENCES children(id),
        setting_id {uuid} NOT NULL REFERENCES care_settings(id),
        placement_type TEXT NOT NULL CHECK (placement_type IN ('OWN_FOSTER_HOME', 'AGENCY_FOSTER_HOME',
            'KINSHIP_HOME', 'EMERGENCY_HOME', 'HVB', 'SIS', 'SUPPORTED_HOUSING')),
        legal_basis TEXT NOT NULL CHECK (legal_basis IN ('SOL', 'LVU_2', 'LVU_3', 'LVU_6')),
        start_date {date} NOT NULL,
        end_date {date},
        planned_end_date {date},
        end_reason TEXT CHECK (end_reason IN ('RETURNED_HOME', 'CUSTODY_TRANSFERRED',
            'MOVED_TO_OTHER_PLACEMENT', 'AGED_OUT', 'OTHER')),
        daily_cost {money} NOT NULL CHECK (daily_cost >= 0),
        decided_by {uuid} REFERENCES users(id),
        version INTEGER NOT NULL DEFAULT 1,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL,
        CHECK (end_date IS NULL OR end_date >= start_date),
        CHECK (planned_end_date IS NULL OR planned_end_date >= start_date),
        CHECK ((end_date IS NULL) = (end_reason IS NULL))
    )",
    "CREATE TABLE placement_reasons (
        placement_id {uuid} NOT NULL REFERENCES placements(id),
        reason_code TEXT NOT NULL REFERENCES reasons(code),
        is_primary {bool} NOT NULL,
        PRIMARY KEY (placement_id, reason_code)
    )",
    "CREATE TABLE budgets (
        id {uuid} PRIMARY KEY,
        year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        placement_type TEXT NOT NULL,
        unit_id {uuid} REFERENCES units(id),
        amount {money} NOT NULL CHECK (amount >= 0),
        updated_at {ts} NOT NULL
    )",
    "CREATE TABLE child_population (
        id {uuid} PRIMARY KEY,
        year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
        unit_id {uuid} REFERENCES units(id),
        child_count INTEGER NOT NULL CHECK (child_count > 0),
        updated_at {ts} NOT NULL
    )",
    "CREATE TABLE emergency_grants (
        id {uuid} PRIMARY KEY,
        user_id {uuid} NOT NULL REFERENCES users(id),
        child_id {uuid} NOT NULL REFERENCES children(id),
        justification TEXT NOT NULL CHECK (length(justification) >= 20),
        granted_at {ts} NOT NULL,
        expires_at {ts} NOT NULL,
        CHECK (expires_at > granted_at)
    )",
    "CREATE TABLE refresh_tokens (
        id {uuid} PRIMARY KEY,
        user_id {uuid} NOT NULL REFERENCES users(id),
        token_hash TEXT NOT NULL UNIQUE,
        family_id {uuid} NOT NULL,
        issued_at {ts} NOT NULL,
        expires_at {ts} NOT NULL,
        used_at {ts},
        revoked_at {ts}
    )",
    "CREATE TABLE audit_events (
        sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
        id {uuid} NOT NULL UNIQUE,
        occurred_at {ts} NOT NULL,
        actor_id {uuid},
        actor_username TEXT,
        actor_roles TEXT NOT NULL DEFAULT '',
        token_id TEXT,
        request_id TEXT,
        client_addr TEXT,
        operation_name TEXT,
        action TEXT NOT NULL,
        entity_type TEXT,
        entity_id TEXT,
        subject_child_id {uuid},
        fields TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL CHECK (outcome IN ('ALLOWED', 'DENIED')),
        justification TEXT,
        changes TEXT,
        flagged {bool} NOT NULL DEFAULT {false},
        flag_reason TEXT,
        grant_id {uuid},
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )",
    "CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_sequence BIGINT NOT NULL,
        last_hash TEXT NOT NULL
    )",
];

const INDEXES: &[&str] = &[
    "CREATE INDEX placements_by_child ON placements (child_id, start_date)",
    "CREATE INDEX placements_by_setting ON placements (setting_id, start_date)",
    "CREATE INDEX placements_by_dates ON placements (start_date, end_date)",
    "CREATE INDEX caseload_by_user ON caseload_assignments (user_id, child_id)",
    "CREATE INDEX caseload_by_child ON caseload_assignments (child_id)",
    "CREATE INDEX children_by_unit ON children (unit_id)",
    "CREATE INDEX settings_by_secretary ON care_settings (secretary_id)",
    "CREATE INDEX settings_by_unit ON care_settings (unit_id)",
    "CREATE UNIQUE INDEX one_primary_reason ON placement_reasons (placement_id) WHERE is_primary",
    "CREATE INDEX placement_reasons_by_code ON placement_reasons (reason_code)",
    "CREATE UNIQUE INDEX budgets_municipal ON budgets (year, placement_type) WHERE unit_id IS NULL",
    "CREATE UNIQUE INDEX budgets_of_unit ON budgets (year, placement_type, unit_id) WHERE unit_id IS NOT NULL",
    "CREATE UNIQUE INDEX population_municipal ON child_population (year) WHERE unit_id IS NULL",
    "CREATE UNIQUE INDEX population_of_unit ON child_population (year, unit_id) WHERE unit_id IS NOT NULL",
    "CREATE INDEX user_roles_by_role ON user_roles (role_id)",
    "CREATE INDEX grants_by_user ON emergency_grants (user_id, expires_at)",
    "CREATE INDEX refresh_by_family ON refresh_tokens (family_id)",
    "CREATE INDEX audit_by_subject ON audit_events (subject_child_id, sequence)",
    "CREATE INDEX audit_by_actor ON audit_events (actor_id, sequence)",
    "CREATE INDEX audit_by_time ON audit_events (occurred_at)",
    "INSERT INTO audit_head (id, last_sequence, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let statements: Vec<String> = TABLES
            .iter()
            .chain(INDEXES)
            .map(|s| ddl(backend, s))
            .collect();
        run_all(manager, &statements).await
    }
}

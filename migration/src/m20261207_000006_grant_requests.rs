//! Four-eyes for case-data grants (access.md, "Writes"): a role assignment
//! or role change that would give someone a case-data permission is stored
//! here as a pending request until a second person approves or rejects it.
//!
//! The database keeps the rules that must hold whatever code runs: a request
//! names a user (`USER_ROLES`) or a role (`ROLE_PERMISSIONS`), never both; it
//! is decided exactly when it has a decider and a time; nobody decides their
//! own request, nobody requests or decides a grant to themselves; and a
//! decided request is final (a trigger refuses any further update).
use crate::sql::{ddl, run_all};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Message of the trigger that keeps decisions final.
pub const FINAL_MESSAGE: &str = "hearth: a decided grant request is final";

const TABLE: &[&str] = &[
    "CREATE TABLE grant_requests (
        id {uuid} PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('USER_ROLES', 'ROLE_PERMISSIONS')),
        user_id {uuid} REFERENCES users(id),
        role_id {uuid} REFERENCES roles(id),
        payload TEXT NOT NULL,
        requested_by {uuid} NOT NULL REFERENCES users(id),
        requested_at {ts} NOT NULL,
        status TEXT NOT NULL DEFAULT 'PENDING'
            CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
        decided_by {uuid} REFERENCES users(id),
        decided_at {ts},
        CHECK ((kind = 'USER_ROLES' AND user_id IS NOT NULL AND role_id IS NULL)
            OR (kind = 'ROLE_PERMISSIONS' AND role_id IS NOT NULL AND user_id IS NULL)),
        CHECK ((status = 'PENDING') = (decided_by IS NULL)),
        CHECK ((status = 'PENDING') = (decided_at IS NULL)),
        CHECK (decided_by IS NULL OR decided_by <> requested_by),
        CHECK (user_id IS NULL OR user_id <> requested_by),
        CHECK (user_id IS NULL OR decided_by IS NULL OR decided_by <> user_id)
    )",
    "CREATE INDEX grant_requests_by_status ON grant_requests (status, requested_at)",
];

const PG: &[&str] = &[
    "CREATE FUNCTION hearth_grant_requests_final() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'hearth: a decided grant request is final' USING ERRCODE = '23514';
    END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER grant_requests_final BEFORE UPDATE OR DELETE ON grant_requests
        FOR EACH ROW WHEN (OLD.status <> 'PENDING') EXECUTE FUNCTION hearth_grant_requests_final()",
];

fn sqlite() -> Vec<String> {
    ["UPDATE", "DELETE"]
        .iter()
        .map(|event| {
            format!(
                "CREATE TRIGGER grant_requests_final_{} BEFORE {event} ON grant_requests
                 WHEN OLD.status <> 'PENDING'
                 BEGIN SELECT RAISE(ABORT, '{FINAL_MESSAGE}'); END",
                event.to_lowercase()
            )
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut statements: Vec<String> = TABLE.iter().map(|s| ddl(backend, s)).collect();
        match backend {
            DbBackend::Postgres => statements.extend(PG.iter().map(|s| (*s).to_owned())),
            _ => statements.extend(sqlite()),
        }
        run_all(manager, &statements).await
    }
}

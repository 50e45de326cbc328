//! Indexes for the protected-identity lookup the gate needs for every care
//! setting it shows (issue 12): which children with protected identity are
//! placed in these settings now or later. Without them PostgreSQL read every
//! child to find the few protected ones (1.2 ms per request at 10k
//! children, growing with the register). Protected children are few, so a
//! partial index holds only them; the placement side is found through
//! `placements_by_child`.
use crate::sql::run_all;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &[
                "CREATE INDEX children_protected ON children (id) WHERE protected_identity"
                    .to_owned(),
            ],
        )
        .await
    }
}

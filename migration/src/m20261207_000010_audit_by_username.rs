//! An index for the auditors' `auditEvents(filter: {actorUsername})`
//! (issue 12): without it, every such question read the whole log (1.8 s at
//! 10M events). Newest first, as the list pages.
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
                "CREATE INDEX audit_by_username ON audit_events (actor_username, sequence)"
                    .to_owned(),
            ],
        )
        .await
    }
}

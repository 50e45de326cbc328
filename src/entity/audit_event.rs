//! SeaORM entity for the `audit_events` table.
use sea_orm::entity::prelude::*;

/// A row of `audit_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor_username: Option<String>,
    pub actor_roles: String,
    pub token_id: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub operation_name: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub subject_child_id: Option<Uuid>,
    pub fields: String,
    pub outcome: String,
    pub justification: Option<String>,
    pub changes: Option<String>,
    pub flagged: bool,
    pub flag_reason: Option<String>,
    pub grant_id: Option<Uuid>,
    pub prev_hash: String,
    pub client_request_id: Option<String>,
    pub subject_protected: Option<bool>,
    pub repeat_count: Option<i64>,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

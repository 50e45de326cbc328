//! SeaORM entity for the `grant_requests` table (four-eyes approval).
use sea_orm::entity::prelude::*;

/// A row of `grant_requests`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grant_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `USER_ROLES` or `ROLE_PERMISSIONS`.
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub role_id: Option<Uuid>,
    /// JSON: the requested roles (`RequestedRole`).
    pub payload: String,
    pub requested_by: Uuid,
    pub requested_at: DateTimeUtc,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

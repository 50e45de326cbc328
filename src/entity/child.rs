//! SeaORM entity for the `children` table.
use sea_orm::entity::prelude::*;

/// A row of `children`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub personal_identity_number: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub protected_identity: bool,
    pub address: Option<String>,
    pub unit_id: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

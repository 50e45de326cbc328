//! SeaORM entity for the `placement_reasons` table.
use sea_orm::entity::prelude::*;

/// A row of `placement_reasons`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placement_reasons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub placement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub reason_code: String,
    pub is_primary: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

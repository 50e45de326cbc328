//! SeaORM entity for the `budgets` table.
use sea_orm::entity::prelude::*;

/// A row of `budgets`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    pub placement_type: String,
    /// The unit the budget is for; `None` for the whole municipality.
    pub unit_id: Option<Uuid>,
    pub amount: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

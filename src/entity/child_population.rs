//! SeaORM entity for the `child_population` table.
use sea_orm::entity::prelude::*;

/// A row of `child_population`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "child_population")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// The unit the figure is for; `None` for the whole municipality.
    pub unit_id: Option<Uuid>,
    pub child_count: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

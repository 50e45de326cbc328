//! SeaORM entity for the `follow_ups` table.
use sea_orm::entity::prelude::*;

/// A row of `follow_ups`: something the law asks for, done on a day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub intervention_id: Uuid,
    pub child_id: Uuid,
    pub kind: String,
    pub done_on: Date,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

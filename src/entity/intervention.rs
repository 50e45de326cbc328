//! SeaORM entity for the `interventions` table.
use sea_orm::entity::prelude::*;

/// A row of `interventions`: one intervention (insats) for one child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interventions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub kind: String,
    pub legal_basis: Option<String>,
    pub decision_date: Date,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub end_reason: Option<String>,
    pub unit_id: Uuid,
    pub decided_by: Option<Uuid>,
    /// Whole SEK a day, for open care only (24-hour care is costed on its
    /// placements).
    pub daily_cost: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::child::Entity",
        from = "Column::ChildId",
        to = "super::child::Column::Id"
    )]
    Child,
}

impl Related<super::child::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Child.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

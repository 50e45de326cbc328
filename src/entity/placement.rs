//! SeaORM entity for the `placements` table.
use sea_orm::entity::prelude::*;

/// A row of `placements`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub setting_id: Uuid,
    pub placement_type: String,
    pub legal_basis: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub planned_end_date: Option<Date>,
    pub end_reason: Option<String>,
    pub daily_cost: i64,
    /// The 24-hour intervention the placement belongs to.
    pub intervention_id: Option<Uuid>,
    /// Why the child moved here (every placement after the first of its
    /// intervention; not recorded before 0.2).
    pub move_reason: Option<String>,
    pub decided_by: Option<Uuid>,
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
    #[sea_orm(
        belongs_to = "super::care_setting::Entity",
        from = "Column::SettingId",
        to = "super::care_setting::Column::Id"
    )]
    Setting,
}

impl Related<super::child::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Child.def()
    }
}

impl Related<super::care_setting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Setting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

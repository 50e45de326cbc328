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

/// Relations of `placement_reasons`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The reason a row names (`reason_code` references `reasons.code`).
    #[sea_orm(
        belongs_to = "super::reason::Entity",
        from = "Column::ReasonCode",
        to = "super::reason::Column::Code"
    )]
    Reason,
}

impl Related<super::reason::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reason.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

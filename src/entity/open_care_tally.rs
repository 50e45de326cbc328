//! SeaORM entity for the `open_care_tallies` table.
use sea_orm::entity::prelude::*;

/// A row of `open_care_tallies`: open care given without an individual
/// needs assessment (SoL 11:5), recorded without identity (14:5), for one
/// unit, kind and month.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "open_care_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The month, as its first day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    /// How many took part during the month.
    pub participants: i32,
    /// What it cost, in whole SEK.
    pub cost: i64,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

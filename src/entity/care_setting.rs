//! SeaORM entity for the `care_settings` table.
use sea_orm::entity::prelude::*;

/// A row of `care_settings`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub category: String,
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub unit_id: Option<Uuid>,
    pub capacity: Option<i32>,
    pub status: Option<String>,
    pub agency_name: Option<String>,
    pub secretary_id: Option<Uuid>,
    pub approved_on: Option<Date>,
    pub provider: Option<String>,
    pub daily_rate: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

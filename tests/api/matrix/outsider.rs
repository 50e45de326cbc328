//! A child of another unit, placed in an institution no unit child uses: out
//! of the unit manager's scope, for the matrix's out-of-scope cells.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use hearth::entity::{care_setting, child, intervention, placement, unit};

/// The ids of what `create` made.
pub struct Outsider {
    pub child: Uuid,
    pub institution: Uuid,
    pub intervention: Uuid,
    pub placement: Uuid,
}

/// Creates the child of unit "Familjehem", its institution, its 24-hour
/// intervention and its open placement.
pub async fn create(db: &DatabaseConnection) -> Outsider {
    // A child of another unit, placed in an institution no unit child uses:
    // out of the unit manager's scope.
    let other_unit = unit::Entity::find()
        .filter(unit::Column::Name.eq("Familjehem"))
        .one(db)
        .await
        .expect("db")
        .expect("unit");
    let now = Utc::now();
    let pin = hearth::domain::pin::make(
        chrono::NaiveDate::from_ymd_opt(2013, 9, 9).expect("date"),
        977,
        false,
    );
    let child = child::ActiveModel {
        id: Set(Uuid::new_v4()),
        personal_identity_number: Set(pin),
        given_name: Set("Utom".into()),
        family_name: Set("Enhet".into()),
        date_of_birth: Set(chrono::NaiveDate::from_ymd_opt(2013, 9, 9).expect("date")),
        sex: Set("MALE".into()),
        protected_identity: Set(false),
        address: Set(Some("Annan väg 1".into())),
        unit_id: Set(other_unit.id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("outsider");
    let far_inst = care_setting::ActiveModel {
        id: Set(Uuid::new_v4()),
        category: Set("INSTITUTION".into()),
        kind: Set("HVB".into()),
        name: Set("Fjärran HVB".into()),
        address: Set(Some("Bortavägen 2".into())),
        phone: Set(Some("010-000".into())),
        unit_id: Set(None),
        capacity: Set(None),
        status: Set(None),
        agency_name: Set(None),
        secretary_id: Set(None),
        approved_on: Set(None),
        provider: Set(Some("Privat".into())),
        daily_rate: Set(Some(5000)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("institution");
    let outsider_care = intervention::ActiveModel {
        id: Set(Uuid::new_v4()),
        child_id: Set(child.id),
        kind: Set("TWENTY_FOUR_HOUR".into()),
        legal_basis: Set(Some("SOL".into())),
        decision_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")),
        start_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")),
        end_date: Set(None),
        end_reason: Set(None),
        unit_id: Set(other_unit.id),
        decided_by: Set(None),
        daily_cost: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("intervention");
    let outsider_placement = placement::ActiveModel {
        id: Set(Uuid::new_v4()),
        child_id: Set(child.id),
        setting_id: Set(far_inst.id),
        placement_type: Set("HVB".into()),
        legal_basis: Set("SOL".into()),
        start_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")),
        end_date: Set(None),
        planned_end_date: Set(None),
        end_reason: Set(None),
        daily_cost: Set(5000),
        intervention_id: Set(Some(outsider_care.id)),
        move_reason: Set(None),
        decided_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("placement");

    Outsider {
        child: child.id,
        institution: far_inst.id,
        intervention: outsider_care.id,
        placement: outsider_placement.id,
    }
}

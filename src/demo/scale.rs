//! Benchmark data at municipal and national scale (`hearth seed-scale`,
//! issue 12): the demo municipality plus `children` synthetic children with
//! `placements_per_child` consecutive placements each, modelled on the demo's
//! own placements (setting, type, legal basis, cost), so that every rule the
//! database enforces holds. anna.case's caseload is topped up to 50 children,
//! the caseworker query of the benchmark. Deterministic (seeded); inserted in
//! large multi-row statements, one transaction per 10,000 children.
use anyhow::ensure;
use chrono::{Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::insert;
use crate::domain::enums::ReasonCode;
use crate::entity::{caseload, child, intervention, placement, placement_reason, user};

/// Children in the benchmark caseworker's caseload.
const CASELOAD: usize = 50;
/// Children per transaction.
const BATCH: usize = 10_000;

/// What `seed_scale` added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSummary {
    /// Children added.
    pub children: usize,
    /// Placements added.
    pub placements: usize,
}

/// Adds the synthetic children and placements to a database holding the
/// demo municipality (`seed` first).
pub async fn seed_scale(
    db: &DatabaseConnection,
    children: usize,
    placements_per_child: usize,
) -> anyhow::Result<ScaleSummary> {
    let templates = placement::Entity::find().all(db).await?;
    ensure!(!templates.is_empty(), "seed the demo municipality first");
    let anna = user::Entity::find()
        .filter(user::Column::Username.eq("anna.case"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo user anna.case is missing"))?;
    let unit_id = anna
        .unit_id
        .ok_or_else(|| anyhow::anyhow!("anna.case has no unit"))?;
    let mine = caseload::Entity::find()
        .filter(caseload::Column::UserId.eq(anna.id))
        .all(db)
        .await?
        .len();
    // The demo's own children have random serials, so a synthetic number
    // can meet one of theirs; such a child moves to the next free serial
    // of the same parity (the same sex).
    let mut taken: std::collections::HashSet<String> = child::Entity::find()
        .select_only()
        .column(child::Column::PersonalIdentityNumber)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let now = Utc::now();
    let today = crate::domain::today();
    let first_day = NaiveDate::from_ymd_opt(2006, 1, 1).unwrap_or_default();
    let mut made = ScaleSummary {
        children: 0,
        placements: 0,
    };
    let mut start = 0;
    while start < children {
        let end = (start + BATCH).min(children);
        let mut kids = Vec::with_capacity(end - start);
        let mut places = Vec::new();
        let mut cares = Vec::new();
        let mut reasons = Vec::new();
        let mut loads = Vec::new();
        for i in start..end {
            // A day and a serial that no two children share (7919 is prime
            // to 6570, so `day` runs through every residue), with serials
            // above the demo's (up to 1,000,000 children).
            let day = (i * 7919) % 6570;
            // Children with one residue share a parity (6570 is even), so
            // the serial still tells them apart; its parity is the sex.
            let mut serial = u16::try_from(600 + 2 * (i / 6570) + i % 2).unwrap_or(999);
            let dob = first_day + Duration::days(i64::try_from(day).unwrap_or(0));
            let mut pin = crate::domain::pin::make(dob, serial, false);
            while taken.contains(&pin) {
                serial += 2;
                ensure!(serial < 1000, "no free personal identity number left");
                pin = crate::domain::pin::make(dob, serial, false);
            }
            taken.insert(pin.clone());
            let id = Uuid::from_u128((0x5CA1E_u128 << 96) | i as u128);
            let sex = if serial % 2 == 1 { "MALE" } else { "FEMALE" };
            kids.push(child::Model {
                id,
                personal_identity_number: pin,
                given_name: "Bench".into(),
                family_name: format!("Child{i}"),
                date_of_birth: dob,
                sex: sex.into(),
                protected_identity: false,
                address: None,
                unit_id,
                version: 1,
                created_at: now,
                updated_at: now,
            });
            if mine + i < CASELOAD {
                loads.push(caseload::Model {
                    id: Uuid::new_v4(),
                    user_id: anna.id,
                    child_id: id,
                    from_date: today,
                    to_date: None,
                    created_at: now,
                });
            }
            let mut from = dob + Duration::days(rng.gen_range(365..3000));
            for n in 0..placements_per_child {
                let Some(t) = templates.choose(&mut rng) else {
                    break;
                };
                if from >= today {
                    break;
                }
                let length = rng.gen_range(30..500);
                let last = n + 1 == placements_per_child;
                let open = last && i % 3 == 0;
                let until = from + Duration::days(length);
                let pid = Uuid::from_u128((0x5CA1F_u128 << 96) | ((i as u128) << 16) | n as u128);
                // Each placement returns the child home, so each is an
                // intervention of its own (taking the placement's id, as the
                // carry-over of 0.1 data does).
                cares.push(intervention::Model {
                    id: pid,
                    child_id: id,
                    kind: "TWENTY_FOUR_HOUR".into(),
                    legal_basis: Some(t.legal_basis.clone()),
                    decision_date: from,
                    start_date: from,
                    end_date: (!open).then_some(until.min(today)),
                    end_reason: (!open).then(|| "RETURNED_HOME".to_owned()),
                    unit_id,
                    decided_by: t.decided_by,
                    daily_cost: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                });
                places.push(placement::Model {
                    id: pid,
                    child_id: id,
                    setting_id: t.setting_id,
                    placement_type: t.placement_type.clone(),
                    legal_basis: t.legal_basis.clone(),
                    start_date: from,
                    end_date: (!open).then_some(until.min(today)),
                    planned_end_date: None,
                    end_reason: (!open).then(|| "RETURNED_HOME".to_owned()),
                    daily_cost: t.daily_cost,
                    intervention_id: Some(pid),
                    move_reason: None,
                    decided_by: t.decided_by,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                });
                let how_many = rng.gen_range(1..=2);
                let codes: Vec<&ReasonCode> = ReasonCode::ALL
                    .choose_multiple(&mut rng, how_many)
                    .collect();
                for (k, code) in codes.iter().enumerate() {
                    reasons.push(placement_reason::Model {
                        placement_id: pid,
                        reason_code: code.as_str().to_owned(),
                        is_primary: k == 0,
                    });
                }
                made.placements += 1;
                if open || until >= today {
                    break;
                }
                from = until + Duration::days(rng.gen_range(1..60));
            }
        }
        made.children += kids.len();
        let txn = db.begin().await?;
        insert(&txn, kids).await?;
        insert(&txn, cares).await?;
        insert(&txn, places).await?;
        insert(&txn, reasons).await?;
        insert(&txn, loads).await?;
        txn.commit().await?;
        start = end;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, PaginatorTrait};

    /// A demo child whose random serial meets a synthetic child's number
    /// made the 1M-placement benchmark fail on the unique constraint.
    #[tokio::test]
    async fn a_number_the_demo_already_holds_is_not_given_again() -> anyhow::Result<()> {
        let (db, _) = crate::db::connect("sqlite::memory:", 1).await?;
        crate::db::migrate(&db).await?;
        crate::demo::seed(&db, "not-a-real-hash").await?;
        // The number synthetic child 0 would get: day 0, serial 600.
        let first_day = NaiveDate::from_ymd_opt(2006, 1, 1).unwrap_or_default();
        let wanted = crate::domain::pin::make(first_day, 600, false);
        let mut demo = child::Entity::find()
            .one(&db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo has children"))?
            .into_active_model();
        demo.personal_identity_number = sea_orm::ActiveValue::Set(wanted.clone());
        demo.update(&db).await?;
        let before = child::Entity::find().count(&db).await?;
        let made = seed_scale(&db, 3, 1).await?;
        assert_eq!(made.children, 3);
        assert_eq!(child::Entity::find().count(&db).await?, before + 3);
        let holders = child::Entity::find()
            .filter(child::Column::PersonalIdentityNumber.eq(wanted))
            .count(&db)
            .await?;
        assert_eq!(holders, 1, "the demo child keeps its number, alone");
        Ok(())
    }
}

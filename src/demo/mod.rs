//! The demo municipality (`hearth seed-demo`, `hearth serve --demo`): two
//! units, seven users (one per built-in role, two case workers), 120
//! synthetic children, foster homes and institutions, 90 children placed now
//! and a 2023–2025 history that shows the shift from residential and agency
//! care to the municipality's own foster homes.
//!
//! Generation is a pure, seeded plan (`plan::plan`) that the tests check;
//! `seed` only inserts it, in one transaction. Every person, address and
//! number is made up; nothing here logs names or personal identity numbers.
mod follow_ups;
mod generator;
mod interventions;
mod names;
mod placements;
mod plan;
mod scale;
#[cfg(test)]
mod tests;

use anyhow::{bail, ensure};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionTrait,
};

use crate::entity::{
    budget, care_setting, caseload, child, child_population, placement, placement_reason, unit,
    user, user_role,
};
use plan::Plan;
pub use scale::{ScaleSummary, seed_scale};

/// Summary printed after seeding. It holds no names or personal identity
/// numbers, so it is safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// The demo users' login names; all share the password the caller hashed.
    pub usernames: Vec<String>,
    /// How many children were created.
    pub children: usize,
    /// How many of them are in an open placement today.
    pub placed_now: usize,
}

/// Rows per `INSERT`: few round trips, and far below the bind-parameter
/// limits of SQLite and PostgreSQL.
const CHUNK: usize = 200;

/// Loads the demo municipality into an empty database (returns Err if the
/// `children` or `units` table already has rows: "database is not empty").
/// Every demo user gets `password_hash`, which the caller has hashed.
pub async fn seed(db: &DatabaseConnection, password_hash: &str) -> anyhow::Result<DemoSummary> {
    let today = crate::domain::today();
    ensure!(
        today >= plan::first_open_day(),
        "the demo history covers 2023-2025, so it needs a run date in 2026 or later"
    );
    let txn = db.begin().await?;
    // Demo rows mixed into real ones would be indistinguishable from them.
    let children = child::Entity::find().count(&txn).await?;
    let units = unit::Entity::find().count(&txn).await?;
    if children > 0 || units > 0 {
        bail!("database is not empty");
    }
    let plan = plan::plan(today);
    insert_plan(&txn, &plan, password_hash, Utc::now()).await?;
    txn.commit().await?;
    Ok(DemoSummary {
        usernames: plan.users.iter().map(|u| u.username.to_owned()).collect(),
        children: plan.children.len(),
        placed_now: plan.placed_now(today),
    })
}

/// Inserts in dependency order: units, users, children, settings, then the
/// rows that refer to them.
async fn insert_plan(
    txn: &DatabaseTransaction,
    plan: &Plan,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let units = plan.units.iter().map(|&(id, name)| unit::Model {
        id,
        name: name.to_owned(),
        created_at: now,
    });
    insert(txn, units.collect()).await?;

    let users = plan.users.iter().map(|u| user::Model {
        id: u.id,
        username: u.username.to_owned(),
        display_name: u.display_name.to_owned(),
        password_hash: password_hash.to_owned(),
        unit_id: u.unit_id,
        active: true,
        must_change_password: false,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
        updated_at: now,
    });
    insert(txn, users.collect()).await?;
    let roles = plan.users.iter().map(|u| user_role::Model {
        user_id: u.id,
        role_id: u.role_id,
    });
    insert(txn, roles.collect()).await?;

    let unit_id = plan.units.first().map(|u| u.0).unwrap_or_default();
    let children = plan.children.iter().map(|c| child::Model {
        id: c.id,
        personal_identity_number: c.pin.clone(),
        given_name: c.given_name.to_owned(),
        family_name: c.family_name.to_owned(),
        date_of_birth: c.date_of_birth,
        sex: c.sex.as_str().to_owned(),
        protected_identity: c.protected,
        address: Some(c.address.clone()),
        unit_id,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    insert(txn, children.collect()).await?;

    let settings = plan.settings.iter().map(|s| care_setting::Model {
        id: s.id,
        category: if s.capacity.is_some() {
            "FOSTER_HOME"
        } else {
            "INSTITUTION"
        }
        .to_owned(),
        kind: s.kind.to_owned(),
        name: s.name.clone(),
        address: Some(s.address.clone()),
        phone: Some(s.phone.clone()),
        unit_id: s.unit_id,
        capacity: s.capacity,
        status: s.status.map(str::to_owned),
        agency_name: s.agency_name.map(str::to_owned),
        secretary_id: s.secretary_id,
        approved_on: s.approved_on,
        provider: s.provider.map(str::to_owned),
        daily_rate: s.daily_rate,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    insert(txn, settings.collect()).await?;

    let decided_by = Some(plan.user_id("maria.manager"));
    let linked = interventions::twenty_four_hour(plan, unit_id, decided_by, now);
    insert(txn, linked.interventions.clone()).await?;
    let today = crate::domain::today();
    insert(
        txn,
        interventions::open_care(plan, unit_id, decided_by, today, now),
    )
    .await?;
    insert(txn, interventions::tallies(unit_id, decided_by, today, now)).await?;
    let placements = plan.placements.iter().map(|p| placement::Model {
        id: p.id,
        child_id: plan.children[p.child].id,
        setting_id: plan.settings[p.setting].id,
        placement_type: p.ptype.as_str().to_owned(),
        legal_basis: p.legal_basis.as_str().to_owned(),
        start_date: p.start,
        end_date: p.end,
        planned_end_date: None,
        end_reason: p.end_reason.map(|r| r.as_str().to_owned()),
        daily_cost: p.daily_cost,
        intervention_id: linked.links.get(&p.id).map(|l| l.0),
        move_reason: linked
            .links
            .get(&p.id)
            .and_then(|l| l.1)
            .map(|r| r.as_str().to_owned()),
        decided_by,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    insert(txn, placements.collect()).await?;
    let reasons = plan.placements.iter().flat_map(|p| {
        p.reasons
            .iter()
            .enumerate()
            .map(|(i, code)| placement_reason::Model {
                placement_id: p.id,
                reason_code: code.as_str().to_owned(),
                is_primary: i == 0,
            })
    });
    insert(txn, reasons.collect()).await?;
    let follow_ups = follow_ups::recorded(
        plan,
        &linked.interventions,
        &linked.links,
        decided_by,
        today,
        now,
    );
    insert(txn, follow_ups).await?;

    let caseloads = plan.caseloads.iter().map(|c| caseload::Model {
        id: c.id,
        user_id: c.user_id,
        child_id: plan.children[c.child].id,
        from_date: c.from,
        to_date: None,
        created_at: now,
    });
    insert(txn, caseloads.collect()).await?;
    let budgets = plan
        .budgets
        .iter()
        .map(|&(year, ptype, amount)| budget::Model {
            // Stable ids, like everything else in the demo.
            id: uuid::Uuid::from_u128((0xB0D6_u128 << 64) | ((year as u128) << 8) | ptype as u128),
            unit_id: None,
            year,
            placement_type: ptype.as_str().to_owned(),
            amount,
            updated_at: now,
        });
    insert(txn, budgets.collect()).await?;
    let population = plan::YEARS.map(|year| child_population::Model {
        id: uuid::Uuid::from_u128((0x9090_u128 << 64) | year as u128),
        unit_id: None,
        year,
        child_count: plan::CHILD_POPULATION,
        updated_at: now,
    });
    insert(txn, population.collect()).await
}

/// Inserts `rows` in chunks of [`CHUNK`], without `RETURNING` (the ids are
/// known already, and some tables have composite keys).
async fn insert<M, A>(txn: &DatabaseTransaction, rows: Vec<M>) -> Result<(), DbErr>
where
    M: IntoActiveModel<A> + Send,
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter();
    loop {
        // `reset_all` marks every column as set, so each one is written.
        let chunk: Vec<A> = rows
            .by_ref()
            .take(CHUNK)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        if chunk.is_empty() {
            return Ok(());
        }
        A::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
}

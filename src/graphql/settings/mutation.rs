//! Care setting mutations.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::types::{FosterHome, Institution};
use crate::access::gate::{gate_write, may_write};
use crate::access::writes::may_name_secretary;
use crate::access::{Permission, Scope, Subject, require, scope};
use crate::audit::Action;
use crate::domain::enums::{FosterHomeKind, FosterHomeStatus, InstitutionKind};
use crate::entity::care_setting;
use crate::error::AppError;
use crate::graphql::common::{
    Change, optional_text, parse_id, record_change, required_text, update_versioned,
};
use crate::graphql::date::Date;
use crate::graphql::loaders::{SettingRow, with_protection};
use crate::state::AppState;

/// A new foster home.
#[derive(InputObject)]
pub struct CreateFosterHomeInput {
    pub name: String,
    pub kind: FosterHomeKind,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// At least 1.
    pub capacity: i32,
    /// Defaults to RECRUITING.
    pub status: Option<FosterHomeStatus>,
    pub agency_name: Option<String>,
    /// Defaults to the caller for a foster care worker.
    pub secretary_id: Option<ID>,
    pub approved_on: Option<Date>,
}

/// A correction of a foster home; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateFosterHomeInput {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub capacity: Option<i32>,
    pub status: Option<FosterHomeStatus>,
    pub agency_name: Option<String>,
    pub secretary_id: Option<ID>,
    pub approved_on: Option<Date>,
}

/// A new institution.
#[derive(InputObject)]
pub struct CreateInstitutionInput {
    pub name: String,
    pub kind: InstitutionKind,
    pub provider: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// List price per day in whole SEK.
    pub daily_rate: Option<i64>,
}

fn snapshot(s: &care_setting::Model) -> serde_json::Value {
    json!({
        "name": s.name, "kind": s.kind, "address": s.address, "phone": s.phone, "capacity": s.capacity,
        "status": s.status, "agencyName": s.agency_name, "secretaryId": s.secretary_id.map(|x| x.to_string()),
        "approvedOn": s.approved_on, "provider": s.provider, "dailyRate": s.daily_rate,
    })
}

fn check_capacity(c: i32) -> Result<i32, AppError> {
    if (1..=20).contains(&c) {
        Ok(c)
    } else {
        Err(AppError::bad_input(
            "capacity",
            "The capacity must be between 1 and 20.",
        ))
    }
}

async fn finish(state: &AppState, row: care_setting::Model) -> Result<SettingRow> {
    Ok(with_protection(&state.db, vec![row]).await?.remove(0))
}

/// Care setting mutations.
#[derive(Default)]
pub struct SettingMutation;

/// Naming a secretary widens that user's reach, so only a foster care
/// worker of the home's unit may be named (`access::scope::may_support_home`).
async fn check_secretary<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    unit_id: Option<Uuid>,
) -> Result<(), AppError> {
    if scope::may_support_home(txn, user_id, unit_id).await? {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "secretaryId",
            "The secretary must be an active foster care worker of the home's unit.",
        ))
    }
}

#[Object]
impl SettingMutation {
    /// Registers a foster home.
    async fn create_foster_home(
        &self,
        ctx: &Context<'_>,
        input: CreateFosterHomeInput,
    ) -> Result<FosterHome> {
        let (rc, p, scope) = require(ctx, Permission::SettingWrite)?;
        gate_write(ctx, rc, &p, None, None)?;
        let state = ctx.data::<AppState>()?;
        let secretary = match (&input.secretary_id, scope) {
            (Some(id), _) => Some(parse_id(id, "secretaryId")?),
            (None, Scope::Own) => Some(p.user_id),
            (None, _) => None,
        };
        if secretary.is_some_and(|s| !may_name_secretary(&p, scope, s, true)) {
            return Err(AppError::Forbidden.into());
        }
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(AppError::from)?;
        if let Some(id) = secretary {
            check_secretary(&txn, id, p.unit_id).await?;
        }
        let row = care_setting::ActiveModel {
            id: Set(Uuid::new_v4()),
            category: Set("FOSTER_HOME".into()),
            kind: Set(input.kind.as_str().into()),
            name: Set(required_text(&input.name, "name", 200)?),
            address: Set(optional_text(input.address.as_deref(), "address", 300)?),
            phone: Set(optional_text(input.phone.as_deref(), "phone", 40)?),
            unit_id: Set(p.unit_id),
            capacity: Set(Some(check_capacity(input.capacity)?)),
            status: Set(Some(
                input
                    .status
                    .unwrap_or(FosterHomeStatus::Recruiting)
                    .as_str()
                    .into(),
            )),
            agency_name: Set(optional_text(
                input.agency_name.as_deref(),
                "agencyName",
                200,
            )?),
            secretary_id: Set(secretary),
            approved_on: Set(input.approved_on.map(|d| d.0)),
            provider: Set(None),
            daily_rate: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        let change = Change {
            action: Action::Create,
            entity_type: "CareSetting",
            entity_id: row.id.to_string(),
            subject_child_id: None,
            before: None,
            after: snapshot(&row),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        rc.reload_principal(state).await?;
        Ok(FosterHome(finish(state, row).await?))
    }

    /// Corrects a foster home.
    async fn update_foster_home(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateFosterHomeInput,
    ) -> Result<FosterHome> {
        let (rc, p, write) = require(ctx, Permission::SettingWrite)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = care_setting::Entity::find_by_id(id)
            .filter(scope::settings(&p))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .filter(|s| s.category == "FOSTER_HOME")
            .ok_or(AppError::NotFound)?;
        let protected_children = crate::access::reach::protected_children_in(&txn, vec![id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let subject = Subject::Setting {
            id,
            foster_home: true,
            unit_id: before.unit_id,
            protected_children,
        };
        if !may_write(&p, write, &subject) {
            return Err(AppError::Forbidden.into());
        }
        gate_write(ctx, rc, &p, Some(&subject), Some(&snapshot(&before)))?;
        let mut row: care_setting::ActiveModel = before.clone().into();
        if let Some(v) = &input.name {
            row.name = Set(required_text(v, "name", 200)?);
        }
        if input.address.is_some() {
            row.address = Set(optional_text(input.address.as_deref(), "address", 300)?);
        }
        if input.phone.is_some() {
            row.phone = Set(optional_text(input.phone.as_deref(), "phone", 40)?);
        }
        if let Some(c) = input.capacity {
            row.capacity = Set(Some(check_capacity(c)?));
        }
        if let Some(s) = input.status {
            row.status = Set(Some(s.as_str().into()));
        }
        if input.agency_name.is_some() {
            row.agency_name = Set(optional_text(
                input.agency_name.as_deref(),
                "agencyName",
                200,
            )?);
        }
        if let Some(s) = &input.secretary_id {
            let secretary = parse_id(s, "secretaryId")?;
            if !may_name_secretary(&p, write, secretary, false) {
                return Err(AppError::Forbidden.into());
            }
            check_secretary(&txn, secretary, before.unit_id).await?;
            row.secretary_id = Set(Some(secretary));
        }
        if let Some(d) = input.approved_on {
            row.approved_on = Set(Some(d.0));
        }
        crate::graphql::placements::rules::check_home_change(
            &txn,
            id,
            input.capacity,
            input.status == Some(FosterHomeStatus::Closed),
        )
        .await?;
        row.version = Set(before.version + 1);
        row.updated_at = Set(Utc::now());
        let after = update_versioned(
            &txn,
            row,
            care_setting::Column::Version,
            before.version,
            "foster home",
        )
        .await?;
        let change = Change {
            action: Action::Update,
            entity_type: "CareSetting",
            entity_id: id.to_string(),
            subject_child_id: None,
            before: Some(snapshot(&before)),
            after: snapshot(&after),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(FosterHome(finish(state, after).await?))
    }

    /// Registers an institution (HVB, SIS, supported housing).
    async fn create_institution(
        &self,
        ctx: &Context<'_>,
        input: CreateInstitutionInput,
    ) -> Result<Institution> {
        let (rc, p, _) = crate::access::gate::require_write(ctx, Permission::SettingWrite)?;
        let state = ctx.data::<AppState>()?;
        use crate::domain::bounds::{MAX_DAILY_COST, within};
        if input.daily_rate.is_some_and(|r| !within(r, MAX_DAILY_COST)) {
            return Err(AppError::bad_input(
                "dailyRate",
                format!("The daily rate must lie in 0-{MAX_DAILY_COST} SEK."),
            )
            .into());
        }
        let now = Utc::now();
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let row = care_setting::ActiveModel {
            id: Set(Uuid::new_v4()),
            category: Set("INSTITUTION".into()),
            kind: Set(input.kind.as_str().into()),
            name: Set(required_text(&input.name, "name", 200)?),
            address: Set(optional_text(input.address.as_deref(), "address", 300)?),
            phone: Set(optional_text(input.phone.as_deref(), "phone", 40)?),
            unit_id: Set(p.unit_id),
            capacity: Set(None),
            status: Set(None),
            agency_name: Set(None),
            secretary_id: Set(None),
            approved_on: Set(None),
            provider: Set(optional_text(input.provider.as_deref(), "provider", 200)?),
            daily_rate: Set(input.daily_rate),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        let change = Change {
            action: Action::Create,
            entity_type: "CareSetting",
            entity_id: row.id.to_string(),
            subject_child_id: None,
            before: None,
            after: snapshot(&row),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        rc.reload_principal(state).await?;
        Ok(Institution(finish(state, row).await?))
    }
}

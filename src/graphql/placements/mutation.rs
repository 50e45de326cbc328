//! Placement mutations: create, correct, end.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::rules;
use super::store::{
    check_cost, check_dates, check_reasons, current_reasons, snapshot, subject_of, write_reasons,
    write_update,
};
use super::types::Placement;
use crate::access::gate::gate_write;
use crate::access::{Permission, Subject, require};
use crate::audit::Action;
use crate::domain::enums::{
    EndReason, InterventionEndReason, LegalBasis, MoveReason, ReasonCode, placement_type_of_kind,
};
use crate::entity::{care_setting, placement};
use crate::error::AppError;
use crate::graphql::children::mutation::writable_child;
use crate::graphql::common::{Change, parse_id, record_change, record_change_flagged};
use crate::graphql::date::Date;
use crate::graphql::interventions::store::{Placing, end as ended, for_placement};
use crate::graphql::loaders::scoped_placements;
use crate::state::AppState;

/// A reason of a new placement.
#[derive(InputObject, Clone)]
pub struct PlacementReasonInput {
    pub code: ReasonCode,
    pub primary: bool,
}

/// A new placement.
#[derive(InputObject)]
pub struct CreatePlacementInput {
    pub child_id: ID,
    pub setting_id: ID,
    pub legal_basis: LegalBasis,
    pub start_date: Date,
    /// For a placement registered after it ended; needs `endReason`.
    pub end_date: Option<Date>,
    pub end_reason: Option<EndReason>,
    pub planned_end_date: Option<Date>,
    /// Whole SEK per day, not negative.
    pub daily_cost: i64,
    /// At least one, exactly one primary.
    pub reasons: Vec<PlacementReasonInput>,
    /// The 24-hour intervention the placement is part of. Without it
    /// (deprecated, the 0.1 API): the child's 24-hour intervention that
    /// covers the start date, or a new one decided on the start date.
    pub intervention_id: Option<ID>,
    /// Why the child moves here, for every placement after the first of its
    /// intervention (refused on the first).
    pub move_reason: Option<MoveReason>,
}

/// A correction of a placement; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePlacementInput {
    pub legal_basis: Option<LegalBasis>,
    pub start_date: Option<Date>,
    pub planned_end_date: Option<Date>,
    pub daily_cost: Option<i64>,
    pub reasons: Option<Vec<PlacementReasonInput>>,
    /// The version read; a stale version gives `CONFLICT`.
    pub expected_version: Option<i32>,
}

async fn reload(state: &AppState, ctx: &Context<'_>, id: Uuid) -> Result<Placement> {
    let (_, p, _) = require(ctx, Permission::PlacementRead)?;
    let row = scoped_placements(
        &state.db,
        &p,
        Condition::all().add(placement::Column::Id.eq(id)),
    )
    .await?;
    Ok(Placement(row.into_iter().next().ok_or(AppError::NotFound)?))
}

/// Placement mutations.
#[derive(Default)]
pub struct PlacementMutation;

#[Object]
impl PlacementMutation {
    /// Places a child in a care setting.
    async fn create_placement(
        &self,
        ctx: &Context<'_>,
        input: CreatePlacementInput,
    ) -> Result<Placement> {
        // Read first: the answer is the placement (see `reload`).
        require(ctx, Permission::PlacementRead)?;
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&input.child_id, "childId")?;
        let setting_id = parse_id(&input.setting_id, "settingId")?;
        let (start_date, end_date, planned_end_date) = (
            input.start_date.0,
            input.end_date.map(|d| d.0),
            input.planned_end_date.map(|d| d.0),
        );
        check_dates(start_date, end_date, planned_end_date)?;
        check_cost(input.daily_cost)?;
        check_reasons(&input.reasons)?;
        if input.end_date.is_some() != input.end_reason.is_some() {
            return Err(AppError::bad_input(
                "endReason",
                "An ended placement needs an end reason, and only an ended one.",
            )
            .into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let child = writable_child(&txn, &p, scope, child_id).await?;
        let subject = Subject::Child {
            id: child.id,
            unit_id: child.unit_id,
            protected: child.protected_identity,
        };
        gate_write(ctx, rc, &p, Some(&subject), None)?;
        let setting = care_setting::Entity::find_by_id(setting_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::bad_input("settingId", "No such care setting."))?;
        let flag = crate::access::writes::placement_flag(&txn, &p, setting_id).await?;
        if setting.status.as_deref() == Some("CLOSED") {
            return Err(AppError::Conflict("The foster home is closed.".into()).into());
        }
        let placement_type = placement_type_of_kind(&setting.kind)
            .ok_or_else(|| AppError::internal("setting has an unknown kind"))?;
        rules::check(&txn, child.id, &setting, start_date, end_date, None).await?;
        let placing = Placing {
            asked: match &input.intervention_id {
                Some(id) => Some(parse_id(id, "interventionId")?),
                None => None,
            },
            legal_basis: input.legal_basis,
            start: start_date,
            end: end_date.zip(input.end_reason),
            decided_by: p.user_id,
        };
        let (care, is_move, created) = match for_placement(&txn, &child, &placing).await {
            Err(e @ AppError::BadInput { .. }) if matches!(&e, AppError::BadInput { field, .. } if field == "interventionId") =>
            {
                // Someone else's intervention, or none: a probe is traced.
                if let Some(id) = placing.asked {
                    crate::access::gate::note_not_found(ctx, rc, "Intervention", &id.to_string());
                }
                return Err(e.into());
            }
            other => other?,
        };
        if !is_move && input.move_reason.is_some() {
            return Err(AppError::bad_input(
                "moveReason",
                "The first placement of an intervention is not a move.",
            )
            .into());
        }
        if let Some(created) = created {
            record_change(&txn, ctx, rc, created).await?;
        }
        let now = Utc::now();
        let row = placement::ActiveModel {
            id: Set(Uuid::new_v4()),
            child_id: Set(child.id),
            setting_id: Set(setting.id),
            placement_type: Set(placement_type.as_str().to_owned()),
            legal_basis: Set(input.legal_basis.as_str().to_owned()),
            start_date: Set(start_date),
            end_date: Set(end_date),
            planned_end_date: Set(planned_end_date),
            end_reason: Set(input.end_reason.map(|r| r.as_str().to_owned())),
            daily_cost: Set(input.daily_cost),
            intervention_id: Set(Some(care.id)),
            move_reason: Set(input.move_reason.map(|r| r.as_str().to_owned())),
            decided_by: Set(Some(p.user_id)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        write_reasons(&txn, row.id, &input.reasons).await?;
        let change = Change {
            action: Action::Create,
            entity_type: "Placement",
            entity_id: row.id.to_string(),
            subject_child_id: Some(child.id),
            before: None,
            after: snapshot(&row, &input.reasons),
            justification: None,
        };
        record_change_flagged(&txn, ctx, rc, change, flag).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(placement_id = %row.id, child_id = %child.id, "placement created");
        rc.reload_principal(state).await?;
        reload(state, ctx, row.id).await
    }

    /// Corrects a placement. The earlier values stay in the audit trail.
    async fn update_placement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePlacementInput,
    ) -> Result<Placement> {
        // Read first: the answer is the placement (see `reload`).
        require(ctx, Permission::PlacementRead)?;
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = placement::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let child = writable_child(&txn, &p, scope, before.child_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        gate_write(ctx, rc, &p, Some(&subject_of(&before, &child)), None)?;
        if input.expected_version.is_some_and(|v| v != before.version) {
            return Err(AppError::Conflict(
                "The placement was changed by someone else; reload and try again.".into(),
            )
            .into());
        }
        let old_reasons = current_reasons(&txn, id).await?;
        let start = input.start_date.map_or(before.start_date, |d| d.0);
        let planned = input
            .planned_end_date
            .map(|d| d.0)
            .or(before.planned_end_date);
        check_dates(start, before.end_date, planned)?;
        let mut row: placement::ActiveModel = before.clone().into();
        if let Some(cost) = input.daily_cost {
            check_cost(cost)?;
            row.daily_cost = Set(cost);
        }
        if let Some(basis) = input.legal_basis {
            row.legal_basis = Set(basis.as_str().to_owned());
        }
        if start != before.start_date {
            let setting = care_setting::Entity::find_by_id(before.setting_id)
                .one(&txn)
                .await
                .map_err(AppError::from)?
                .ok_or(AppError::NotFound)?;
            rules::check(
                &txn,
                before.child_id,
                &setting,
                start,
                before.end_date,
                Some(id),
            )
            .await?;
            row.start_date = Set(start);
        }
        row.planned_end_date = Set(planned);
        let new_reasons = match &input.reasons {
            Some(reasons) => {
                check_reasons(reasons)?;
                write_reasons(&txn, id, reasons).await?;
                reasons.clone()
            }
            None => old_reasons.clone(),
        };
        write_update(&txn, ctx, rc, &before, row, (&old_reasons, &new_reasons)).await?;
        txn.commit().await.map_err(AppError::from)?;
        reload(state, ctx, id).await
    }

    /// Ends an open placement.
    async fn end_placement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        end_date: Date,
        end_reason: EndReason,
    ) -> Result<Placement> {
        // Read first: the answer is the placement (see `reload`).
        require(ctx, Permission::PlacementRead)?;
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let end_date = end_date.0;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&id, "id")?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let before = placement::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let child = writable_child(&txn, &p, scope, before.child_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        gate_write(ctx, rc, &p, Some(&subject_of(&before, &child)), None)?;
        if before.end_date.is_some() {
            return Err(AppError::Conflict("The placement has already ended.".into()).into());
        }
        check_dates(before.start_date, Some(end_date), None)?;
        let reasons = current_reasons(&txn, id).await?;
        let mut row: placement::ActiveModel = before.clone().into();
        row.end_date = Set(Some(end_date));
        row.end_reason = Set(Some(end_reason.as_str().to_owned()));
        write_update(&txn, ctx, rc, &before, row, (&reasons, &reasons)).await?;
        // A child who leaves care (not a move) ends the intervention too,
        // when this was its last open placement: so a 0.1 client, which
        // knows no interventions, leaves none open behind it.
        if end_reason != EndReason::MovedToOtherPlacement
            && let Some(care) = before.intervention_id
        {
            let open = crate::entity::intervention::Entity::find_by_id(care)
                .filter(crate::entity::intervention::Column::EndDate.is_null())
                .one(&txn)
                .await
                .map_err(AppError::from)?;
            let others_open = placement::Entity::find()
                .filter(placement::Column::InterventionId.eq(care))
                .filter(placement::Column::Id.ne(id))
                .filter(placement::Column::EndDate.is_null())
                .count(&txn)
                .await
                .map_err(AppError::from)?;
            if let Some(open) = open.filter(|_| others_open == 0) {
                let reason = InterventionEndReason::of_placement(end_reason);
                let (_, change) = ended(&txn, &open, end_date, reason).await?;
                record_change(&txn, ctx, rc, change).await?;
            }
        }
        txn.commit().await.map_err(AppError::from)?;
        reload(state, ctx, id).await
    }
}

//! Recording what was done about a deadline.
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::access::gate::{gate_write, note_not_found};
use crate::access::{Permission, require};
use crate::audit::Action;
use crate::domain::deadlines::DeadlineKind;
use crate::domain::enums::InterventionKind;
use crate::entity::follow_up;
use crate::error::AppError;
use crate::graphql::common::{Change, parse_id, record_change};
use crate::graphql::date::Date;
use crate::graphql::interventions::store;
use crate::state::AppState;

/// A review, custody consideration, care plan revision or follow-up done.
#[derive(InputObject)]
pub struct RecordFollowUpInput {
    pub intervention_id: ID,
    /// Not `EMERGENCY_HOME_LIMIT`, which the child moving on closes.
    pub kind: DeadlineKind,
    /// The day it was done: not in the future, not before the intervention.
    pub done_on: Date,
}

/// Follow-up mutations.
#[derive(Default)]
pub struct DeadlineMutation;

#[Object]
impl DeadlineMutation {
    /// Records that something the law asks for was done; the deadline it
    /// answers moves on (or closes).
    async fn record_follow_up(
        &self,
        ctx: &Context<'_>,
        input: RecordFollowUpInput,
    ) -> Result<bool> {
        let (rc, p, scope) = require(ctx, Permission::PlacementWrite)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id(&input.intervention_id, "interventionId")?;
        if input.kind == DeadlineKind::EmergencyHomeLimit {
            return Err(AppError::bad_input(
                "kind",
                "An emergency-home limit is met by the child moving on, not by a record.",
            )
            .into());
        }
        if input.done_on.0 > crate::domain::today() {
            return Err(AppError::bad_input("doneOn", "doneOn is in the future.").into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let Some((care, child)) = store::writable(&txn, &p, scope, id).await? else {
            note_not_found(ctx, rc, "Intervention", &id.to_string());
            return Err(AppError::NotFound.into());
        };
        gate_write(ctx, rc, &p, Some(&store::subject(&care, &child)), None)?;
        if care.kind != InterventionKind::TwentyFourHour.as_str() {
            return Err(AppError::bad_input(
                "interventionId",
                "Deadlines and their follow-ups are of 24-hour care.",
            )
            .into());
        }
        if input.kind == DeadlineKind::AftercareFollowUp
            && care.end_date.is_none_or(|end| input.done_on.0 <= end)
        {
            return Err(AppError::bad_input(
                "doneOn",
                "A follow-up after the care comes after the care has ended.",
            )
            .into());
        }
        let row = follow_up::ActiveModel {
            id: Set(Uuid::now_v7()),
            intervention_id: Set(care.id),
            child_id: Set(child.id),
            kind: Set(input.kind.as_str().to_owned()),
            done_on: Set(input.done_on.0),
            recorded_by: Set(Some(p.user_id)),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        let change = Change {
            action: Action::Create,
            entity_type: "FollowUp",
            entity_id: row.id.to_string(),
            subject_child_id: Some(child.id),
            before: None,
            after: json!({"interventionId": care.id.to_string(), "kind": row.kind, "doneOn": row.done_on}),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(true)
    }
}

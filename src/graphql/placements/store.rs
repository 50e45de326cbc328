//! What the placement mutations share: input checks, the audit snapshot,
//! reasons, and the versioned write of a correction.
use std::collections::HashSet;

use async_graphql::Context;
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::mutation::PlacementReasonInput;
use crate::access::Subject;
use crate::audit::Action;
use crate::domain::enums::ReasonCode;
use crate::entity::{child, placement, placement_reason};
use crate::error::AppError;
use crate::graphql::common::{Change, record_change, update_versioned};

pub(super) fn check_reasons(reasons: &[PlacementReasonInput]) -> Result<(), AppError> {
    let primaries = reasons.iter().filter(|r| r.primary).count();
    let distinct: HashSet<_> = reasons.iter().map(|r| r.code).collect();
    if reasons.is_empty() || primaries != 1 || distinct.len() != reasons.len() {
        return Err(AppError::bad_input(
            "reasons",
            "Give at least one reason, each once, exactly one of them primary.",
        ));
    }
    Ok(())
}

pub(super) fn check_dates(
    start: NaiveDate,
    end: Option<NaiveDate>,
    planned: Option<NaiveDate>,
) -> Result<(), AppError> {
    if end.is_some_and(|e| e < start) {
        return Err(AppError::bad_input(
            "endDate",
            "The end date is before the start date.",
        ));
    }
    if planned.is_some_and(|e| e < start) {
        return Err(AppError::bad_input(
            "plannedEndDate",
            "The planned end date is before the start date.",
        ));
    }
    Ok(())
}

pub(super) fn check_cost(cost: i64) -> Result<(), AppError> {
    use crate::domain::bounds::{MAX_DAILY_COST, within};
    if !within(cost, MAX_DAILY_COST) {
        return Err(AppError::bad_input(
            "dailyCost",
            format!("The daily cost must lie in 0-{MAX_DAILY_COST} SEK."),
        ));
    }
    Ok(())
}

pub(super) fn snapshot(
    p: &placement::Model,
    reasons: &[PlacementReasonInput],
) -> serde_json::Value {
    let mut codes: Vec<String> = reasons
        .iter()
        .map(|r| format!("{}{}", r.code.as_str(), if r.primary { "*" } else { "" }))
        .collect();
    codes.sort();
    json!({
        "childId": p.child_id.to_string(), "settingId": p.setting_id.to_string(), "type": p.placement_type,
        "legalBasis": p.legal_basis, "startDate": p.start_date, "endDate": p.end_date,
        "plannedEndDate": p.planned_end_date, "endReason": p.end_reason, "dailyCost": p.daily_cost, "reasons": codes,
    })
}

pub(super) async fn write_reasons<C: sea_orm::ConnectionTrait>(
    txn: &C,
    placement_id: Uuid,
    reasons: &[PlacementReasonInput],
) -> Result<(), AppError> {
    placement_reason::Entity::delete_many()
        .filter(placement_reason::Column::PlacementId.eq(placement_id))
        .exec(txn)
        .await
        .map_err(AppError::from)?;
    let rows = reasons.iter().map(|r| placement_reason::ActiveModel {
        placement_id: Set(placement_id),
        reason_code: Set(r.code.as_str().to_owned()),
        is_primary: Set(r.primary),
    });
    placement_reason::Entity::insert_many(rows)
        .exec(txn)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

pub(super) async fn current_reasons<C: sea_orm::ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<Vec<PlacementReasonInput>, AppError> {
    let rows = placement_reason::Entity::find()
        .filter(placement_reason::Column::PlacementId.eq(id))
        .all(txn)
        .await
        .map_err(AppError::from)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(PlacementReasonInput {
                code: ReasonCode::parse(&r.reason_code)?,
                primary: r.is_primary,
            })
        })
        .collect())
}

/// The gate's view of a placement being changed.
pub(super) fn subject_of(p: &placement::Model, child: &child::Model) -> Subject {
    Subject::Placement {
        id: p.id,
        child_id: p.child_id,
        child_unit_id: child.unit_id,
        setting_id: p.setting_id,
        child_protected: child.protected_identity,
    }
}

/// Writes a correction of `before` in one conditional statement (a stale
/// version is `CONFLICT`) and records it with its reasons before and after,
/// in the caller's transaction.
pub(super) async fn write_update(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Context<'_>,
    rc: &crate::request::RequestContext,
    before: &placement::Model,
    mut row: placement::ActiveModel,
    reasons: (&[PlacementReasonInput], &[PlacementReasonInput]),
) -> Result<(), AppError> {
    row.version = Set(before.version + 1);
    row.updated_at = Set(Utc::now());
    let after = update_versioned(
        txn,
        row,
        placement::Column::Version,
        before.version,
        "placement",
    )
    .await?;
    let change = Change {
        action: Action::Update,
        entity_type: "Placement",
        entity_id: before.id.to_string(),
        subject_child_id: Some(before.child_id),
        before: Some(snapshot(before, reasons.0)),
        after: snapshot(&after, reasons.1),
        justification: None,
    };
    record_change(txn, ctx, rc, change).await?;
    Ok(())
}

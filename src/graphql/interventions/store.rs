//! Writing interventions: creating one, ending one in one conditional
//! statement, and finding (or, for a 0.1 client, making) the 24-hour
//! intervention a new placement belongs to.
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::access::{Principal, Scope, Subject};
use crate::audit::Action;
use crate::domain::enums::{EndReason, InterventionEndReason, InterventionKind, LegalBasis};
use crate::entity::{child, intervention, placement};
use crate::error::AppError;
use crate::graphql::children::mutation::writable_child;
use crate::graphql::common::Change;

/// What a new intervention is.
pub struct NewIntervention {
    pub kind: InterventionKind,
    pub legal_basis: Option<LegalBasis>,
    pub decision_date: NaiveDate,
    pub start_date: NaiveDate,
    pub end: Option<(NaiveDate, InterventionEndReason)>,
    pub unit_id: Uuid,
    pub decided_by: Uuid,
    /// Whole SEK a day, open care only.
    pub daily_cost: Option<i64>,
}

/// The audit values of an intervention.
pub fn snapshot(i: &intervention::Model) -> serde_json::Value {
    json!({
        "childId": i.child_id.to_string(), "kind": i.kind, "legalBasis": i.legal_basis,
        "decisionDate": i.decision_date, "startDate": i.start_date, "endDate": i.end_date,
        "endReason": i.end_reason, "unitId": i.unit_id.to_string(), "dailyCost": i.daily_cost,
    })
}

/// Refuses what the law and the register do not allow: 24-hour care has a
/// legal basis (SoL or LVU); open care is given under SoL (11:1) or, without
/// an individual assessment, under none (11:5); nothing starts before it is
/// decided.
pub fn check(new: &NewIntervention) -> Result<(), AppError> {
    let twenty_four = new.kind == InterventionKind::TwentyFourHour;
    if twenty_four && new.legal_basis.is_none() {
        return Err(AppError::bad_input(
            "legalBasis",
            "24-hour care needs a legal basis (SOL or LVU).",
        ));
    }
    if !twenty_four && new.legal_basis.is_some_and(|b| b != LegalBasis::Sol) {
        return Err(AppError::bad_input(
            "legalBasis",
            "Open care is given under SOL, or without a legal basis.",
        ));
    }
    if twenty_four && new.daily_cost.is_some() {
        return Err(AppError::bad_input(
            "dailyCost",
            "24-hour care is costed on its placements, not on the intervention.",
        ));
    }
    if new
        .daily_cost
        .is_some_and(|c| !crate::domain::bounds::within(c, crate::domain::bounds::MAX_DAILY_COST))
    {
        return Err(AppError::bad_input(
            "dailyCost",
            format!(
                "The daily cost must lie in 0-{} SEK.",
                crate::domain::bounds::MAX_DAILY_COST
            ),
        ));
    }
    if new.decision_date > new.start_date {
        return Err(AppError::bad_input(
            "decisionDate",
            "An intervention cannot start before it is decided.",
        ));
    }
    Ok(())
}

/// Inserts the intervention and returns it with its audit change.
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    child: &child::Model,
    new: &NewIntervention,
) -> Result<(intervention::Model, Change), AppError> {
    check(new)?;
    let now = Utc::now();
    let row = intervention::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        kind: Set(new.kind.as_str().to_owned()),
        legal_basis: Set(new.legal_basis.map(|b| b.as_str().to_owned())),
        decision_date: Set(new.decision_date),
        start_date: Set(new.start_date),
        end_date: Set(new.end.map(|e| e.0)),
        end_reason: Set(new.end.map(|e| e.1.as_str().to_owned())),
        unit_id: Set(new.unit_id),
        decided_by: Set(Some(new.decided_by)),
        daily_cost: Set(new.daily_cost),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(AppError::from)?;
    let change = Change {
        action: Action::Create,
        entity_type: "Intervention",
        entity_id: row.id.to_string(),
        subject_child_id: Some(child.id),
        before: None,
        after: snapshot(&row),
        justification: None,
    };
    Ok((row, change))
}

/// Ends an open intervention in one conditional statement, so that of two
/// racing requests one ends it and the other gets `CONFLICT`. The database
/// refuses an end that would leave a placement outside (migration 000014).
pub async fn end<C: ConnectionTrait>(
    txn: &C,
    before: &intervention::Model,
    end_date: NaiveDate,
    reason: InterventionEndReason,
) -> Result<(intervention::Model, Change), AppError> {
    if end_date < before.start_date {
        return Err(AppError::bad_input(
            "endDate",
            "The end date is before the start date.",
        ));
    }
    let open_placements = placement::Entity::find()
        .filter(placement::Column::InterventionId.eq(before.id))
        .filter(
            placement::Column::EndDate
                .is_null()
                .or(placement::Column::EndDate.gt(end_date)),
        )
        .count(txn)
        .await
        .map_err(AppError::from)?;
    if open_placements > 0 {
        return Err(AppError::Conflict(
            "A placement of the intervention is open or ends later; end it first.".into(),
        ));
    }
    let done = intervention::Entity::update_many()
        .col_expr(intervention::Column::EndDate, Expr::value(end_date))
        .col_expr(
            intervention::Column::EndReason,
            Expr::value(reason.as_str()),
        )
        .col_expr(
            intervention::Column::Version,
            Expr::col(intervention::Column::Version).add(1),
        )
        .col_expr(intervention::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(intervention::Column::Id.eq(before.id))
        .filter(intervention::Column::EndDate.is_null())
        .exec(txn)
        .await
        .map_err(AppError::from)?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(
            "The intervention has already ended.".into(),
        ));
    }
    let after = intervention::Entity::find_by_id(before.id)
        .one(txn)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let change = Change {
        action: Action::Update,
        entity_type: "Intervention",
        entity_id: before.id.to_string(),
        subject_child_id: Some(before.child_id),
        before: Some(snapshot(before)),
        after: snapshot(&after),
        justification: None,
    };
    Ok((after, change))
}

/// Intervention `id` with its child, for a write by `p` at `scope`: the
/// child's row locked first (as every writer of the case takes it), the
/// intervention read again under that lock. `None` when it does not exist
/// or is out of reach, which look alike (the caller notes the probe).
pub async fn writable<C: ConnectionTrait>(
    txn: &C,
    p: &Principal,
    scope: Scope,
    id: Uuid,
) -> Result<Option<(intervention::Model, child::Model)>, AppError> {
    let find = || intervention::Entity::find_by_id(id).one(txn);
    let Some(found) = find().await? else {
        return Ok(None);
    };
    let child = match writable_child(txn, p, scope, found.child_id).await {
        Ok(child) => child,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(find().await?.map(|care| (care, child)))
}

/// The gate's subject for writing `care` of `child`.
pub fn subject(care: &intervention::Model, child: &child::Model) -> Subject {
    Subject::Intervention {
        id: care.id,
        child_id: child.id,
        child_unit_id: child.unit_id,
        child_protected: child.protected_identity,
        object: "Intervention",
    }
}

/// What a new placement needs from its intervention.
pub struct Placing {
    pub asked: Option<Uuid>,
    pub legal_basis: LegalBasis,
    pub start: NaiveDate,
    pub end: Option<(NaiveDate, EndReason)>,
    pub decided_by: Uuid,
}

/// The 24-hour intervention a new placement belongs to, and whether the
/// placement is a move (the intervention has placements already). Without
/// `asked` (a 0.1 client, deprecated): the child's 24-hour intervention that
/// covers the start, or a new one decided on the start day with the
/// placement's legal basis and end (whose creation is returned for the
/// audit trail).
pub async fn for_placement<C: ConnectionTrait>(
    txn: &C,
    child: &child::Model,
    placing: &Placing,
) -> Result<(intervention::Model, bool, Option<Change>), AppError> {
    let twenty_four = || {
        intervention::Entity::find()
            .filter(intervention::Column::ChildId.eq(child.id))
            .filter(intervention::Column::Kind.eq(InterventionKind::TwentyFourHour.as_str()))
    };
    let found = match placing.asked {
        Some(id) => Some(
            twenty_four()
                .filter(intervention::Column::Id.eq(id))
                .one(txn)
                .await
                .map_err(AppError::from)?
                .ok_or_else(|| {
                    AppError::bad_input(
                        "interventionId",
                        "No 24-hour intervention of this child has this id.",
                    )
                })?,
        ),
        None => twenty_four()
            .filter(intervention::Column::StartDate.lte(placing.start))
            .filter(
                intervention::Column::EndDate
                    .is_null()
                    .or(intervention::Column::EndDate.gte(placing.start)),
            )
            .one(txn)
            .await
            .map_err(AppError::from)?,
    };
    if let Some(found) = found {
        // The placement's legal basis is its intervention's decision.
        if placing.asked.is_some()
            && found.legal_basis.as_deref() != Some(placing.legal_basis.as_str())
        {
            return Err(AppError::bad_input(
                "legalBasis",
                "The placement's legal basis is its intervention's; a new basis is a new intervention.",
            ));
        }
        // A move is a placement after an earlier one of the intervention.
        let earlier = placement::Entity::find()
            .filter(placement::Column::InterventionId.eq(found.id))
            .filter(placement::Column::StartDate.lt(placing.start))
            .count(txn)
            .await
            .map_err(AppError::from)?;
        return Ok((found, earlier > 0, None));
    }
    let new = NewIntervention {
        kind: InterventionKind::TwentyFourHour,
        legal_basis: Some(placing.legal_basis),
        decision_date: placing.start,
        start_date: placing.start,
        end: placing
            .end
            .map(|(d, r)| (d, InterventionEndReason::of_placement(r))),
        unit_id: child.unit_id,
        decided_by: placing.decided_by,
        daily_cost: None,
    };
    let (row, change) = insert(txn, child, &new).await?;
    Ok((row, false, Some(change)))
}

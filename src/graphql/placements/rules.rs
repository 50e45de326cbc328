//! Rules a placement change must keep, checked inside the change's
//! transaction after locking the child and the setting (PostgreSQL
//! `FOR UPDATE`; SQLite has a single writer). The database repeats the
//! overlap rule in a trigger; capacity is checked here, because "most
//! placements on any one day" is beyond a portable constraint.
use chrono::NaiveDate;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{care_setting, child, placement};
use crate::error::{AppError, AppResult};

/// Stands for "no end" in comparisons. Not `NaiveDate::MAX`, whose text
/// form ("+262142-12-31") sorts before ordinary dates in SQLite.
const FAR_FUTURE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Checks that the period `[start, end]` of a placement (`exclude` is the
/// placement itself when it is being changed) overlaps no other placement
/// of the child, and keeps a foster home within its capacity on every day.
pub async fn check<C: ConnectionTrait>(
    txn: &C,
    child_id: Uuid,
    setting: &care_setting::Model,
    start: NaiveDate,
    end: Option<NaiveDate>,
    exclude: Option<Uuid>,
) -> AppResult<()> {
    child::Entity::find_by_id(child_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let end_or_max = end.unwrap_or(FAR_FUTURE);
    let mut overlap = placement::Entity::find()
        .filter(placement::Column::ChildId.eq(child_id))
        .filter(placement::Column::StartDate.lte(end_or_max))
        .filter(
            placement::Column::EndDate
                .is_null()
                .or(placement::Column::EndDate.gte(start)),
        );
    if let Some(id) = exclude {
        overlap = overlap.filter(placement::Column::Id.ne(id));
    }
    if overlap.one(txn).await?.is_some() {
        return Err(AppError::Conflict(
            "The placement overlaps another placement of the same child.".into(),
        ));
    }
    // The capacity is read again under the lock: a concurrent change of the
    // home (check_home_change) may have lowered it since `setting` was read.
    let locked = care_setting::Entity::find_by_id(setting.id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let Some(capacity) = locked.and_then(|s| s.capacity) else {
        return Ok(());
    };
    let mut others = placement::Entity::find()
        .filter(placement::Column::SettingId.eq(setting.id))
        .filter(placement::Column::StartDate.lte(end_or_max))
        .filter(
            placement::Column::EndDate
                .is_null()
                .or(placement::Column::EndDate.gte(start)),
        );
    if let Some(id) = exclude {
        others = others.filter(placement::Column::Id.ne(id));
    }
    let others: Vec<(NaiveDate, Option<NaiveDate>)> = others
        .select_only()
        .column(placement::Column::StartDate)
        .column(placement::Column::EndDate)
        .into_tuple()
        .all(txn)
        .await?;
    if max_concurrent(start, end_or_max, &others) + 1 > i64::from(capacity) {
        return Err(AppError::Conflict(
            "The foster home is full for part of this period.".into(),
        ));
    }
    Ok(())
}

/// Checks a change of a foster home's capacity or status against the
/// placements it holds from today on, after locking the home so that no
/// placement can be added meanwhile: capacity may not fall below the most
/// placements on any one day, and a home with current or planned placements
/// cannot be CLOSED (issue 9).
pub async fn check_home_change<C: ConnectionTrait>(
    txn: &C,
    setting_id: Uuid,
    capacity: Option<i32>,
    closing: bool,
) -> AppResult<()> {
    if capacity.is_none() && !closing {
        return Ok(());
    }
    care_setting::Entity::find_by_id(setting_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let today = crate::domain::today();
    let held: Vec<(NaiveDate, Option<NaiveDate>)> = placement::Entity::find()
        .filter(placement::Column::SettingId.eq(setting_id))
        .filter(
            placement::Column::EndDate
                .is_null()
                .or(placement::Column::EndDate.gte(today)),
        )
        .select_only()
        .column(placement::Column::StartDate)
        .column(placement::Column::EndDate)
        .into_tuple()
        .all(txn)
        .await?;
    if closing && !held.is_empty() {
        return Err(AppError::Conflict(
            "The foster home has current or planned placements and cannot be closed.".into(),
        ));
    }
    if let Some(capacity) = capacity
        && max_concurrent(today, FAR_FUTURE, &held) > i64::from(capacity)
    {
        return Err(AppError::Conflict(
            "The capacity is below the placements the home holds.".into(),
        ));
    }
    Ok(())
}

/// Most of `others` covering any one day of `[start, end]`. The maximum is
/// reached on `start` or on a day when one of them starts.
pub fn max_concurrent(
    start: NaiveDate,
    end: NaiveDate,
    others: &[(NaiveDate, Option<NaiveDate>)],
) -> i64 {
    let candidates = std::iter::once(start).chain(
        others
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| *s >= start && *s <= end),
    );
    candidates
        .map(|day| {
            others
                .iter()
                .filter(|(s, e)| *s <= day && e.is_none_or(|e| e >= day))
                .count() as i64
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).expect("date")
    }

    #[test]
    fn sequential_placements_do_not_add_up() {
        let others = [(d(1, 1), Some(d(1, 31))), (d(2, 1), Some(d(2, 28)))];
        assert_eq!(max_concurrent(d(1, 15), d(2, 15), &others), 1);
        let overlapping = [(d(1, 1), None), (d(1, 20), Some(d(3, 1)))];
        assert_eq!(max_concurrent(d(1, 15), d(2, 15), &overlapping), 2);
        assert_eq!(
            max_concurrent(d(4, 1), d(4, 2), &[(d(1, 1), Some(d(3, 1)))]),
            0
        );
    }
}

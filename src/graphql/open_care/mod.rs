//! Anonymous open care (issue 14): open care given without an individual
//! needs assessment (SoL 2025:400 11:5, for example a parenting group or a
//! drop-in family centre), which may be recorded without the person's
//! identity (14:5). A unit records per month and kind how many took part
//! and what it cost; management reads the counts and costs per month, kind
//! and unit. No identity is ever stored, so these figures need no
//! disclosure control: there is no child in them to single out.
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;

use crate::access::statistics::{TallyReach, open_care_reach};
use crate::access::writes::{require_write, write_unit};
use crate::access::{Permission, require};
use crate::audit::{Action, NewEvent};
use crate::domain::enums::InterventionKind;
use crate::entity::{open_care_tally as tally, unit};
use crate::error::{AppError, AppResult};
use crate::graphql::common::{Change, parse_id, record_change, update_versioned};
use crate::graphql::date::Date;
use crate::state::AppState;

/// Most participants one month's tally may count.
const MAX_PARTICIPANTS: i32 = migration::m20261208_000016_open_care::MAX_PARTICIPANTS;
/// Most one month's tally may cost, in whole SEK.
const MAX_COST: i64 = migration::m20261208_000016_open_care::MAX_COST;
/// Longest period one `openCare` answer covers, in months.
const MAX_MONTHS: i32 = 120;

/// One month of a unit's anonymous open care of one kind.
#[derive(SimpleObject)]
pub struct OpenCareMonth {
    /// The month, as its first day.
    pub month: Date,
    pub kind: InterventionKind,
    /// The unit that gave it.
    pub unit_id: ID,
    /// How many took part during the month.
    pub participants: i32,
    /// What it cost, in whole SEK.
    pub cost: i64,
}

impl From<tally::Model> for OpenCareMonth {
    fn from(t: tally::Model) -> Self {
        Self {
            month: Date(t.month),
            kind: InterventionKind::parse(&t.kind).unwrap_or(InterventionKind::OtherOpenCare),
            unit_id: ID(t.unit_id.to_string()),
            participants: t.participants,
            cost: t.cost,
        }
    }
}

/// A month's anonymous open care of one kind, for a unit.
#[derive(InputObject)]
pub struct RecordOpenCareInput {
    /// The unit; by default the caller's own (only FINANCE-wide callers,
    /// with the whole municipality in scope, name another).
    pub unit_id: Option<ID>,
    /// An open-care kind (not `TWENTY_FOUR_HOUR`).
    pub kind: InterventionKind,
    /// The first day of the month.
    pub month: Date,
    /// How many took part, 0-100,000.
    pub participants: i32,
    /// What it cost, in whole SEK, 0-1,000,000,000.
    pub cost: i64,
}

fn check_month(month: NaiveDate, field: &str) -> AppResult<()> {
    if month.day() != 1 || !(2000..=2100).contains(&month.year()) {
        return Err(AppError::bad_input(
            field,
            "A month is given as its first day, in 2000-2100.",
        ));
    }
    Ok(())
}

fn check(input: &RecordOpenCareInput) -> AppResult<()> {
    if input.kind == InterventionKind::TwentyFourHour {
        return Err(AppError::bad_input(
            "kind",
            "24-hour care is recorded as interventions with placements, not as open care.",
        ));
    }
    check_month(input.month.0, "month")?;
    if !(0..=MAX_PARTICIPANTS).contains(&input.participants) {
        return Err(AppError::bad_input(
            "participants",
            format!("participants must lie in 0-{MAX_PARTICIPANTS}."),
        ));
    }
    if !(0..=MAX_COST).contains(&input.cost) {
        return Err(AppError::bad_input(
            "cost",
            format!("cost must lie in 0-{MAX_COST} SEK."),
        ));
    }
    Ok(())
}

/// Anonymous open-care figures; need `STATISTICS_READ`.
#[derive(Default)]
pub struct OpenCareQuery;

#[Object]
impl OpenCareQuery {
    /// Anonymous open care per month, kind and unit for the months from
    /// `from` to `to` (first days of months, at most ten years): the whole
    /// municipality's with the whole municipality in scope (optionally one
    /// `unitId`), else the own unit's. Months nothing was recorded for are
    /// left out.
    async fn open_care(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        unit_id: Option<ID>,
    ) -> Result<Vec<OpenCareMonth>> {
        let (rc, p, scope) = require(ctx, Permission::StatisticsRead)?;
        check_month(from.0, "from")?;
        check_month(to.0, "to")?;
        let months =
            (to.0.year() - from.0.year()) * 12 + to.0.month() as i32 - from.0.month() as i32;
        if months < 0 {
            return Err(AppError::bad_input("to", "The period ends before it starts.").into());
        }
        if months >= MAX_MONTHS {
            return Err(AppError::bad_input("to", "At most ten years at a time.").into());
        }
        let asked = unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        let mut filter = Condition::all()
            .add(tally::Column::Month.gte(from.0))
            .add(tally::Column::Month.lte(to.0));
        filter = match (open_care_reach(&p, scope), asked) {
            (TallyReach::All, Some(u)) => filter.add(tally::Column::UnitId.eq(u)),
            (TallyReach::All, None) => filter,
            // Another unit's tallies are outside scope: none, as if absent.
            (TallyReach::Unit(own), Some(u)) if u != own => {
                filter.add(tally::Column::Month.lt(from.0))
            }
            (TallyReach::Unit(own), _) => filter.add(tally::Column::UnitId.eq(own)),
            (TallyReach::Nothing, _) => filter.add(tally::Column::Month.lt(from.0)),
        };
        let state = ctx.data::<AppState>()?;
        let rows = tally::Entity::find()
            .filter(filter)
            .order_by_asc(tally::Column::Month)
            .order_by_asc(tally::Column::Kind)
            .order_by_asc(tally::Column::UnitId)
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        let mut fields = vec![format!("from:{}", from.0), format!("to:{}", to.0)];
        fields.extend(asked.map(|u| format!("unitId:{u}")));
        rc.audit.push(NewEvent {
            action: Action::Read,
            entity_type: Some("Statistics".into()),
            entity_id: Some("openCare".into()),
            fields,
            ..NewEvent::default()
        });
        Ok(rows.into_iter().map(OpenCareMonth::from).collect())
    }
}

/// Recording anonymous open care; needs `OPEN_CARE_RECORD`.
#[derive(Default)]
pub struct OpenCareMutation;

#[Object]
impl OpenCareMutation {
    /// Sets a unit's anonymous open care of one kind for a month (replacing
    /// what was recorded before; the audit log keeps both).
    async fn record_open_care(
        &self,
        ctx: &Context<'_>,
        input: RecordOpenCareInput,
    ) -> Result<OpenCareMonth> {
        let (rc, p, scope) = require_write(ctx, Permission::OpenCareRecord)?;
        check(&input)?;
        let asked = input
            .unit_id
            .as_ref()
            .map(|u| parse_id(u, "unitId"))
            .transpose()?;
        let unit_id = write_unit(&p, scope, asked)?.ok_or_else(|| {
            AppError::bad_input("unitId", "Name the unit the open care was given by.")
        })?;
        let state = ctx.data::<AppState>()?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        if unit::Entity::find_by_id(unit_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_none()
        {
            return Err(AppError::bad_input("unitId", "No such unit.").into());
        }
        let kind = input.kind.as_str();
        let month = input.month.0;
        let before = tally::Entity::find_by_id((unit_id, kind.to_owned(), month))
            .one(&txn)
            .await
            .map_err(AppError::from)?;
        let now = Utc::now();
        let row = tally::ActiveModel {
            unit_id: Set(unit_id),
            kind: Set(kind.to_owned()),
            month: Set(month),
            participants: Set(input.participants),
            cost: Set(input.cost),
            recorded_by: Set(Some(p.user_id)),
            version: Set(before.as_ref().map_or(1, |b| b.version + 1)),
            updated_at: Set(now),
        };
        let saved = match &before {
            Some(b) => {
                update_versioned(&txn, row, tally::Column::Version, b.version, "tally").await?
            }
            None => {
                // One conditional statement decides between two first
                // recordings: the second inserts nothing and is CONFLICT.
                let inserted = tally::Entity::insert(row)
                    .on_conflict(
                        OnConflict::columns([
                            tally::Column::UnitId,
                            tally::Column::Kind,
                            tally::Column::Month,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await
                    .map_err(AppError::from)?;
                if inserted == 0 {
                    return Err(AppError::Conflict(
                        "The month was recorded by someone else; reload and try again.".into(),
                    )
                    .into());
                }
                tally::Entity::find_by_id((unit_id, kind.to_owned(), month))
                    .one(&txn)
                    .await
                    .map_err(AppError::from)?
                    .ok_or_else(|| AppError::internal("tally vanished"))?
            }
        };
        let figures = |t: &tally::Model| json!({"participants": t.participants, "cost": t.cost});
        let change = Change {
            action: if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            entity_type: "OpenCareTally",
            entity_id: format!("{unit_id}/{kind}/{month}"),
            subject_child_id: None,
            before: before.as_ref().map(figures),
            after: figures(&saved),
            justification: None,
        };
        record_change(&txn, ctx, rc, change).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(unit_id = %unit_id, "open care recorded");
        Ok(saved.into())
    }
}

//! The auditors' API (issue 4, item 5): the event list, access reports,
//! chain verification, anomaly reports and the CSV export.
//!
//! Every query needs `AUDIT_READ` (only AUDITOR has it); a refusal is noted
//! by `require`. Every query an auditor runs is itself an `AUDIT_QUERY`
//! event, pushed into the request's audit buffer before the query runs, so
//! it is written before the response leaves, or the response is withheld
//! (fail closed), even when the query then fails on its input. The event
//! names the query (`entityId`) and its arguments (`fields`).
//!
//! Filtering, counting and paging happen in SQL. Auditors never see the
//! before/after values of changes, only which fields changed.
pub mod anomalies;
pub mod csv;
pub mod filter;
pub mod hours;
pub mod list;
pub mod types;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::{Permission, require};
use crate::audit::chain::ChainReport;
use crate::audit::checkpoint;
use crate::audit::{Action, NewEvent};
use crate::entity::audit_event;
use crate::error::{AppError, AppResult};
use crate::graphql::common::parse_id;
use crate::graphql::pagination::CountedConnection;
use crate::graphql::pagination::wants_total;
use crate::state::AppState;
use filter::{AuditEventFilter, check_period, entry, period};
use hours::OfficeHours;
use list::page_of;
use types::{AuditEvent, DeniedAttempts, ReadVolumeOutlier};

/// Longest period of the office-hours report (one year and a day).
const MAX_AFTER_HOURS_DAYS: i64 = 366;

/// Requires `AUDIT_READ` and notes the query in the request's audit buffer.
fn audited<'a>(ctx: &'a Context<'_>, query: &str, fields: Vec<String>) -> AppResult<&'a AppState> {
    let (rc, _, _) = require(ctx, Permission::AuditRead)?;
    rc.audit.push(NewEvent {
        action: Action::AuditQuery,
        entity_type: Some("AuditLog".into()),
        entity_id: Some(query.to_owned()),
        fields,
        ..NewEvent::default()
    });
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal("application state missing"))
}

/// The summary of a page request and a filter.
fn summary(first: Option<i32>, after: Option<&str>, filter: &AuditEventFilter) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = first {
        out.push(entry("first", &n.to_string()));
    }
    if let Some(a) = after {
        out.push(entry("after", a));
    }
    out.extend(filter.summary());
    out
}

/// One page of an anomaly list: the events matching both `anomaly` and
/// the caller's `filter`, newest first, noted as the audit query `query`.
async fn anomaly_page(
    ctx: &Context<'_>,
    query: &str,
    anomaly: Condition,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<AuditEventFilter>,
) -> AppResult<CountedConnection<AuditEvent>> {
    let filter = filter.unwrap_or_default();
    let state = audited(ctx, query, summary(first, after.as_deref(), &filter))?;
    let cond = filter.condition()?.add(anomaly);
    page_of(&state.db, wants_total(ctx), cond, first, after.as_deref()).await
}

/// The largest page of `accessReport`, and its default: a child read in
/// every request of a busy day has thousands of events (issue 12).
pub const MAX_REPORT_PAGE: u64 = 500;

/// The auditors' queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events matching `filter`, newest first (by sequence). Cursors
    /// hold the sequence number, so the next page continues where the last
    /// one ended however many events arrive meanwhile. AUDITOR only.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<CountedConnection<AuditEvent>> {
        let filter = filter.unwrap_or_default();
        let state = audited(
            ctx,
            "auditEvents",
            summary(first, after.as_deref(), &filter),
        )?;
        Ok(page_of(
            &state.db,
            wants_total(ctx),
            filter.condition()?,
            first,
            after.as_deref(),
        )
        .await?)
    }

    /// Everyone who accessed or changed the child, or was refused: the
    /// events about the child, oldest first, with the fields read or changed
    /// and the emergency grant (`grantId`, `flagged`) it happened under.
    /// Paged: at most `first` events (default and largest 500) with a
    /// sequence above `afterSequence`; the next page starts after the last
    /// event's `sequence`, and a page shorter than `first` is the last.
    /// AUDITOR only.
    async fn access_report(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        first: Option<i32>,
        after_sequence: Option<i64>,
    ) -> Result<Vec<AuditEvent>> {
        let mut asked = vec![entry("childId", child_id.as_str())];
        if let Some(n) = first {
            asked.push(entry("first", &n.to_string()));
        }
        if let Some(s) = after_sequence {
            asked.push(entry("afterSequence", &s.to_string()));
        }
        let state = audited(ctx, "accessReport", asked)?;
        let child = parse_id(&child_id, "childId")?;
        let limit = match first {
            None => MAX_REPORT_PAGE,
            Some(n) => u64::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_REPORT_PAGE)
                .ok_or_else(|| {
                    AppError::bad_input("first", format!("first must lie in 0-{MAX_REPORT_PAGE}."))
                })?,
        };
        let after = match after_sequence {
            None => 0,
            Some(s) if s >= 0 => s,
            Some(_) => {
                return Err(AppError::bad_input(
                    "afterSequence",
                    "afterSequence must not be negative.",
                )
                .into());
            }
        };
        // One index range of `audit_by_subject`, however long the history.
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::SubjectChildId.eq(child))
            .filter(audit_event::Column::Sequence.gt(after))
            .order_by_asc(audit_event::Column::Sequence)
            .limit(limit)
            .all(&state.db)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(AuditEvent).collect())
    }

    /// Checks the hash chain and names the first altered, missing or
    /// misplaced event. By default only the events after the latest
    /// verified checkpoint (bounded time at any size of the log), with the
    /// outcome of the latest full walk (`lastFullWalk`); `full: true` walks
    /// the whole log now, which takes time in proportion to it. AUDITOR only.
    async fn verify_audit_chain(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] full: bool,
    ) -> Result<ChainReport> {
        let asked = if full {
            vec![entry("full", "true")]
        } else {
            Vec::new()
        };
        let state = audited(ctx, "verifyAuditChain", asked)?;
        Ok(if full {
            checkpoint::full_walk(&state.db, &state.walks, 0).await?
        } else {
            checkpoint::verify_incremental(&state.db, &state.walks).await?
        })
    }

    /// The events matching `filter` as CSV (RFC 4180, header row, CRLF),
    /// oldest first, for the monthly log review; at most 100,000 rows.
    /// Multi-valued cells (roles, fields) are joined with `;`. Cells that a
    /// spreadsheet would run as a formula get a leading `'`. AUDITOR only.
    async fn audit_events_csv(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
    ) -> Result<String> {
        let filter = filter.unwrap_or_default();
        let state = audited(ctx, "auditEventsCsv", filter.summary())?;
        Ok(csv::export(&state.db, filter.condition()?).await?)
    }

    /// Emergency access: the grants and every access under them (flagged
    /// events), newest first, further narrowed by `filter`. AUDITOR only.
    async fn emergency_access_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<CountedConnection<AuditEvent>> {
        Ok(anomaly_page(
            ctx,
            "emergencyAccessEvents",
            anomalies::emergency_access(),
            first,
            after,
            filter,
        )
        .await?)
    }

    /// Every event flagged for review (emergency access, protected identity
    /// changes, a duplicate personal identity number of a child outside the
    /// caller's scope, refresh-token reuse, case-data grants), newest first,
    /// further narrowed by `filter`. AUDITOR only.
    async fn flagged_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<CountedConnection<AuditEvent>> {
        Ok(anomaly_page(
            ctx,
            "flaggedEvents",
            anomalies::flagged(),
            first,
            after,
            filter,
        )
        .await?)
    }

    /// Reads (allowed and denied; narrow with `filter.outcome`) of children
    /// who had protected identity at the time of the read, the address and
    /// phone of the setting where such a child is placed included, newest
    /// first. AUDITOR only.
    async fn protected_identity_reads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<CountedConnection<AuditEvent>> {
        Ok(anomaly_page(
            ctx,
            "protectedIdentityReads",
            anomalies::protected_identity_reads(),
            first,
            after,
            filter,
        )
        .await?)
    }

    /// Denied attempts per user in the period (`from` inclusive, `to`
    /// exclusive, both optional): denied fields and records, refused
    /// operations, failed logins and lockouts, most first. A failed login
    /// of an unknown user counts under the username tried. AUDITOR only.
    async fn denied_attempts_by_user(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeniedAttempts>> {
        let mut fields = Vec::new();
        fields.extend(from.map(|t| entry("from", &t.to_rfc3339())));
        fields.extend(to.map(|t| entry("to", &t.to_rfc3339())));
        let state = audited(ctx, "deniedAttemptsByUser", fields)?;
        check_period(from, to, "to")?;
        Ok(anomalies::denied_by_user(&state.db, period(from, to)).await?)
    }

    /// Events in `[from, to)` (at most 366 days) outside office hours,
    /// newest first, further narrowed by `filter` (e.g. `action: READ`).
    /// Office hours are weekdays from `audit.office_hours_start` to
    /// `audit.office_hours_end` o'clock in `audit.timezone` (default 07–19
    /// Europe/Stockholm, daylight saving time followed); weekends are
    /// outside; public holidays count as weekdays. AUDITOR only.
    async fn after_hours_access(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<CountedConnection<AuditEvent>> {
        let filter = filter.unwrap_or_default();
        let mut fields = vec![
            entry("periodFrom", &from.to_rfc3339()),
            entry("periodTo", &to.to_rfc3339()),
        ];
        fields.extend(summary(first, after.as_deref(), &filter));
        let state = audited(ctx, "afterHoursAccess", fields)?;
        check_period(Some(from), Some(to), "to")?;
        if to - from > chrono::Duration::days(MAX_AFTER_HOURS_DAYS) {
            return Err(AppError::bad_input(
                "to",
                format!("The period may be at most {MAX_AFTER_HOURS_DAYS} days."),
            )
            .into());
        }
        let hours = OfficeHours::from_config(&state.config.audit)?;
        let cond = filter.condition()?.add(hours.outside(from, to)?);
        Ok(page_of(&state.db, wants_total(ctx), cond, first, after.as_deref()).await?)
    }

    /// Users whose read volume in `[from, to)` is far above their peers',
    /// highest first. Measure: a user's allowed `READ` events in the period
    /// divided by the median of the same count over the other users with
    /// the same roles who read in the period (`ratioToPeerMedian`); listed
    /// when at least `minRatio`. Users without such peers are not listed.
    /// AUDITOR only.
    async fn read_volume_outliers(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default = 3.0)] min_ratio: f64,
    ) -> Result<Vec<ReadVolumeOutlier>> {
        let fields = vec![
            entry("from", &from.to_rfc3339()),
            entry("to", &to.to_rfc3339()),
            entry("minRatio", &min_ratio.to_string()),
        ];
        let state = audited(ctx, "readVolumeOutliers", fields)?;
        check_period(Some(from), Some(to), "to")?;
        if !(min_ratio.is_finite() && min_ratio > 0.0) {
            return Err(
                AppError::bad_input("minRatio", "minRatio must be a positive number.").into(),
            );
        }
        let counts = anomalies::read_counts(&state.db, period(Some(from), Some(to))).await?;
        Ok(anomalies::outliers(&counts, min_ratio))
    }
}

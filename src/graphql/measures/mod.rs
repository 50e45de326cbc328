//! `careMeasures` (issue 14): the measures management steers the shift
//! from placements to open care by, per year and unit, with the trend
//! (definitions in `crate::domain::measures`). Inside the scope of the
//! caller's `STATISTICS_READ`, like every statistic; callers who may not
//! read every case of that scope get perturbed figures (cell-key method,
//! `crate::domain::statistics::perturbation`), and no median of fewer than
//! ten. Audited as an aggregate read.
mod fetch;
mod publish;
pub mod types;

use async_graphql::{Context, Object, Result};

use crate::domain::measures::compute;
use crate::domain::today;
use crate::error::AppError;
use crate::graphql::statistics::{aggregate_slot, caller, check_year};
use crate::state::AppState;
use types::CareMeasures;

/// Most years one answer covers.
const MAX_YEARS: i32 = 20;

/// The measures query; needs `STATISTICS_READ`.
#[derive(Default)]
pub struct MeasureQuery;

#[Object]
impl MeasureQuery {
    /// Measures of 24-hour care and open care for every year from
    /// `fromYear` to `toYear` (at most 20): placement stability, re-entry
    /// within 12 months, time to return home, how care ends, the forms of
    /// 24-hour care, and open care against placements in children and cost,
    /// each with the change from the year before. With `byUnit`, also one
    /// row per responsible unit.
    async fn care_measures(
        &self,
        ctx: &Context<'_>,
        from_year: i32,
        to_year: i32,
        #[graphql(default = false)] by_unit: bool,
    ) -> Result<CareMeasures> {
        let who = caller(ctx)?;
        check_year(from_year, "fromYear")?;
        check_year(to_year, "toYear")?;
        if to_year < from_year {
            return Err(AppError::bad_input("toYear", "toYear is before fromYear.").into());
        }
        if to_year - from_year >= MAX_YEARS {
            return Err(AppError::bad_input("toYear", "At most 20 years at a time.").into());
        }
        let state = ctx.data::<AppState>()?;
        let _slot = aggregate_slot(ctx, state).await?;
        let today = today();
        // The year before the first gives the first year's trend; a year's
        // re-entries may start up to 12 months after it.
        let rows = fetch::rows(&state.db, &who, from_year - 1, to_year + 1).await?;
        // Linear in the rows, but off the async workers: other requests go on.
        let measures = tokio::task::spawn_blocking(move || {
            compute(
                &rows.cares,
                &rows.stays,
                &rows.tallies,
                (from_year - 1)..=to_year,
                by_unit,
                today,
            )
        })
        .await
        .map_err(|_| AppError::internal("measures computation failed"))?;
        let years = publish::years(&who, &measures, from_year);
        let mut fields = vec![format!("fromYear:{from_year}"), format!("toYear:{to_year}")];
        if by_unit {
            fields.push("byUnit".to_owned());
        }
        who.audit("careMeasures", fields);
        Ok(CareMeasures {
            from_year,
            to_year,
            years,
            disclosure: who.disclosure(),
        })
    }
}

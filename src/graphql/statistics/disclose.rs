//! Disclosure control of `placementStatistics` rows (issue 11): every row and
//! the total perturbed by the cell-key method; no days or cost in a row
//! broken down by what the caller cannot see (they would point at the
//! placements in it, whose days and costs the caller knows one by one); and
//! the hidden breakdown of a slice the caller can list for themselves
//! withheld when it is too small.
use std::collections::HashMap;

use super::placement::Cell;
use super::types::{StatisticsDimension as Dim, StatisticsRow};
use crate::domain::enums::PlacementType;
use crate::domain::statistics::MIN_BREAKDOWN;
use crate::domain::statistics::perturbation::{CellKeys, Figures};

/// Record-key sums and slice sizes the statement returns for disclosure
/// control.
#[derive(Debug, Default)]
pub(super) struct Keys {
    /// Record keys of all placements of the period.
    pub(super) total: i64,
    /// Placements and their record keys per slice the caller can list (type
    /// and year, as grouped).
    pub(super) slices: HashMap<(Option<PlacementType>, Option<i32>), (i64, i64)>,
}

/// Whether a dimension is one the caller under disclosure control cannot
/// see per placement. FINANCE sees every placement's type and dates, so a
/// breakdown by type or year tells it nothing; a breakdown by these does.
pub(super) fn is_hidden(dim: Dim) -> bool {
    !matches!(dim, Dim::PlacementType | Dim::Year)
}

/// Replaces a row's figures by their published values; without days and
/// cost when `amounts` is false.
fn publish(
    control: &CellKeys<'_>,
    slice_keys: i64,
    cell_keys: i64,
    amounts: bool,
    row: &mut StatisticsRow,
) {
    let published = control.publish(
        slice_keys,
        cell_keys,
        Figures {
            children: row.children.unwrap_or(0),
            placements: row.placements.unwrap_or(0),
            days: row.placement_days.unwrap_or(0),
            cost: row.cost.unwrap_or(0),
        },
    );
    row.children = Some(published.children);
    row.placements = Some(published.placements);
    row.placement_days = amounts.then_some(published.days);
    row.cost = amounts.then_some(published.cost);
}

/// Applies disclosure control to the total and the rows of one answer
/// grouped by `dims`.
///
/// - Every figure is published by `control`, keyed by the record keys of
///   the row's slice (its type's and year's placements as grouped, else the
///   answer's) and of its own placements.
/// - A row broken down by a hidden dimension has no days and no cost.
/// - A row published as no children is dropped: a row says someone is in it.
/// - The hidden breakdown (legal basis, reasons, sex, age) of a slice the
///   caller can list (a type and year, or the whole period) with fewer than
///   `MIN_BREAKDOWN` placements is withheld: one row with the slice's
///   values, `suppressed` and no figures, takes the place of its rows.
///   Otherwise a slice of one placement would show that placement's values
///   as soon as its cell is rounded up to 3.
pub(super) fn apply(
    control: &CellKeys<'_>,
    dims: &[Dim],
    keys: &Keys,
    total: &mut StatisticsRow,
    cells: &mut Vec<Cell>,
) {
    let true_total = total.placements.unwrap_or(0);
    publish(control, keys.total, keys.total, true, total);
    let hidden = dims.iter().any(|d| is_hidden(*d));
    let by_type = dims.contains(&Dim::PlacementType);
    let by_year = dims.contains(&Dim::Year);
    let slice_of = |row: &StatisticsRow| {
        (
            row.placement_type.filter(|_| by_type),
            row.year.filter(|_| by_year),
        )
    };
    let small = |row: &StatisticsRow| {
        let size = if by_type || by_year {
            keys.slices.get(&slice_of(row)).map_or(0, |s| s.0)
        } else {
            true_total
        };
        hidden && size < MIN_BREAKDOWN
    };
    let mut withheld: Vec<Cell> = Vec::new();
    let mut kept: Vec<Cell> = Vec::new();
    for mut cell in cells.drain(..) {
        if small(&cell.row) {
            if !withheld
                .iter()
                .any(|w| slice_of(&w.row) == slice_of(&cell.row))
            {
                let (placement_type, year) = slice_of(&cell.row);
                withheld.push(Cell {
                    key: cell.key.iter().map(|_| -1).collect(),
                    row: StatisticsRow {
                        placement_type,
                        year,
                        suppressed: true,
                        ..StatisticsRow::default()
                    },
                    record_keys: 0,
                });
            }
            continue;
        }
        let slice = if by_type || by_year {
            keys.slices
                .get(&slice_of(&cell.row))
                .map_or(keys.total, |s| s.1)
        } else {
            keys.total
        };
        publish(control, slice, cell.record_keys, !hidden, &mut cell.row);
        if cell.row.children != Some(0) {
            kept.push(cell);
        }
    }
    // Withheld slices sort among the rows by their type and year.
    for w in &mut withheld {
        for (i, d) in dims.iter().enumerate() {
            w.key[i] = match d {
                Dim::PlacementType => w
                    .row
                    .placement_type
                    .map_or(-1, |t| super::rank(PlacementType::ALL, &t)),
                Dim::Year => w.row.year.map_or(-1, i64::from),
                _ => -1,
            };
        }
    }
    kept.extend(withheld);
    kept.sort_by(|a, b| a.key.cmp(&b.key));
    *cells = kept;
}

//! Depth and cost of each operation of a scanned document, computed once per
//! fragment. Expanding fragment spreads where they occur, as validation
//! does, costs time exponential in the number of fragments (25 fragments
//! each spreading the next twice is 2^25 expansions); here each fragment is
//! measured once, after the fragments it spreads, so the work is linear in
//! the document. Nothing recurses: fragments are ordered with an explicit
//! stack, and a definition's fields are summed in reverse arena order,
//! which puts every field after all of its descendants.
use super::scan::{Node, Shape};

/// Depth and cost of a selection set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Deepest field, counting through spreads; introspection fields
    /// (`__schema`, `__type`) and what they contain do not count.
    pub depth: u64,
    /// 1 per field, the fields below a list once per expected element.
    pub cost: u64,
}

/// A fragment that spreads itself, directly or through others: its cost is
/// unbounded and validation would expand it without end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Open,
    Done,
}

/// Measures every operation of `shape`; `multiplier` gives the expected
/// number of elements of a field's list (1 for a field that is no list).
pub fn measure(shape: &Shape, multiplier: impl Fn(&Node) -> u64) -> Result<Vec<Measure>, Cycle> {
    // The first definition of each fragment; a second one is the parser's
    // to refuse.
    let mut defined = vec![None; shape.fragments.len()];
    for (d, def) in shape.definitions.iter().enumerate() {
        if let Some(f) = def.fragment
            && defined[f].is_none()
        {
            defined[f] = Some(d);
        }
    }
    let spreads_of = |f: usize| -> Vec<usize> {
        defined[f]
            .map(|d| {
                shape.nodes[shape.definitions[d].nodes.clone()]
                    .iter()
                    .flat_map(|n| n.spreads.iter().copied())
                    .filter(|&s| defined[s].is_some())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Post-order over the spread graph: each fragment after those it spreads.
    let mut state = vec![State::New; shape.fragments.len()];
    let mut order = Vec::new();
    for start in 0..shape.fragments.len() {
        if state[start] != State::New || defined[start].is_none() {
            continue;
        }
        state[start] = State::Open;
        let mut stack = vec![(start, spreads_of(start), 0)];
        while let Some((f, deps, i)) = stack.last_mut() {
            if let Some(&dep) = deps.get(*i) {
                *i += 1;
                match state[dep] {
                    State::Open => return Err(Cycle(shape.fragments[dep].clone())),
                    State::Done => {}
                    State::New => {
                        state[dep] = State::Open;
                        let deps = spreads_of(dep);
                        stack.push((dep, deps, 0));
                    }
                }
            } else {
                state[*f] = State::Done;
                order.push(*f);
                stack.pop();
            }
        }
    }
    let mut fragments = vec![Measure::default(); shape.fragments.len()];
    for f in order {
        if let Some(d) = defined[f] {
            fragments[f] = definition(shape, d, &fragments, &multiplier);
        }
    }
    Ok(shape
        .definitions
        .iter()
        .enumerate()
        .filter(|(_, def)| def.fragment.is_none())
        .map(|(d, _)| definition(shape, d, &fragments, &multiplier))
        .collect())
}

fn definition(
    shape: &Shape,
    d: usize,
    fragments: &[Measure],
    multiplier: &impl Fn(&Node) -> u64,
) -> Measure {
    let range = shape.definitions[d].nodes.clone();
    let base = range.start;
    // What each node's selection set holds, filled by its children first.
    let mut below = vec![Measure::default(); range.len()];
    for i in range.clone().rev() {
        let node = &shape.nodes[i];
        let mut inner = below[i - base];
        for &s in &node.spreads {
            inner.cost = inner.cost.saturating_add(fragments[s].cost);
            inner.depth = inner.depth.max(fragments[s].depth);
        }
        below[i - base] = inner;
        let Some(parent) = node.parent.filter(|p| range.contains(p)) else {
            continue;
        };
        let cost = multiplier(node)
            .saturating_mul(inner.cost)
            .saturating_add(1);
        let depth = if node.name == "__schema" || node.name == "__type" {
            0
        } else {
            inner.depth + 1
        };
        let up = &mut below[parent - base];
        up.cost = up.cost.saturating_add(cost);
        up.depth = up.depth.max(depth);
    }
    below[0]
}

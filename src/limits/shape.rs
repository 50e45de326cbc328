//! What the pre-parse scan (`scan`) reports: the limits it checks, the
//! limit a document passed, and the flat shape of the document that `cost`
//! computes depth and cost from.
use std::ops::Range;

/// A limit the document passes: which, the value reached and the maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// The setting's name in `[limits]`.
    pub limit: &'static str,
    /// The value found (where the scan stopped, for limits checked while
    /// scanning: at least this much).
    pub value: u64,
    /// The configured maximum.
    pub max: u64,
}

/// The limits checked while scanning.
#[derive(Debug, Clone, Copy)]
pub struct ScanLimits {
    pub max_tokens: u64,
    pub max_aliases: u64,
    pub max_directives: u64,
    pub max_value_depth: u64,
    /// Brackets of any kind open at once: bounds the parser's recursion
    /// whatever the document (inline fragments and introspection included).
    pub max_nesting: u64,
}

/// The `first` argument of a field, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum First {
    /// An integer literal (saturated to `u64`; negative is 0).
    Literal(u64),
    /// A variable, resolved against the request's variables.
    Variable(String),
}

/// A field, or the selection set of a definition (its root).
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The enclosing field; `None` for a definition's root.
    pub parent: Option<usize>,
    /// The field's name (not its alias); empty for a root.
    pub name: String,
    /// The `first` argument, if written.
    pub first: Option<First>,
    /// Fragments spread directly in this field's selection set (inline
    /// fragments are transparent), as fragment ids.
    pub spreads: Vec<usize>,
}

/// An operation or fragment definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The fragment's id, or `None` for an operation.
    pub fragment: Option<usize>,
    /// Its nodes in the arena; the first is its root.
    pub nodes: Range<usize>,
}

/// What the scan found.
#[derive(Debug, Default)]
pub struct Shape {
    pub nodes: Vec<Node>,
    pub definitions: Vec<Definition>,
    /// Fragment names by id (defined or only spread).
    pub fragments: Vec<String>,
    pub tokens: u64,
    pub aliases: u64,
    pub directives: u64,
}

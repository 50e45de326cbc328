//! One pass over the raw text of a GraphQL document, in linear time and
//! without recursion, before any parser sees it. The parser recurses once
//! per nested list, object or selection set, so a small document nested
//! thousands deep overflows its stack; this scan counts the nesting with a
//! stack of its own and stops at the first limit passed.
//!
//! Besides the counts (tokens, aliases, directives, nesting), it records the
//! document's fields as a flat arena (parents before children) with the
//! fragment spreads of each selection set and the `first` argument of each
//! field, which is all `cost` needs. It does not validate: anything the
//! scan does not understand is counted and left to the parser to refuse.
use std::collections::HashMap;

use super::lex::{Tok, lex};

pub use super::shape::{Definition, Exceeded, First, Node, ScanLimits, Shape};

/// What the last tokens of a selection set announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sel {
    /// Nothing pending: a `{` here is not a field's.
    Idle,
    /// A field was named (node id); `just` if it was the last token.
    Field { node: usize, just: bool },
    /// After `alias:`, the field's name comes next.
    AliasColon(usize),
    /// After `...`.
    Dots,
    /// After `... on`.
    On,
    /// An inline fragment's `{` may come.
    Inline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    Name,
    Colon { first: bool },
    Value { first: bool },
    Dollar { first: bool },
}

#[derive(Debug, Clone, Copy)]
enum Frame {
    /// A selection set whose fields are children of `parent`.
    Selection {
        parent: usize,
        sel: Sel,
    },
    /// Arguments (of `field`, if a field's), or variable definitions.
    Args {
        field: Option<usize>,
        arg: Arg,
    },
    List,
    Object,
}

struct Scanner<'a> {
    limits: ScanLimits,
    shape: Shape,
    names: HashMap<&'a str, usize>,
    stack: Vec<Frame>,
    value_depth: u64,
    /// The next name is a directive's.
    after_at: bool,
    /// The last token was a directive's name (its `(` are its arguments).
    directive_name: bool,
    /// After `fragment` at the top level: the next name is the fragment's.
    fragment_keyword: bool,
    /// The fragment whose header is being read.
    fragment_header: Option<usize>,
}

/// Scans `text`, stopping at the first limit passed.
pub fn scan(text: &str, limits: ScanLimits) -> Result<Shape, Exceeded> {
    let mut s = Scanner {
        limits,
        shape: Shape::default(),
        names: HashMap::new(),
        stack: Vec::new(),
        value_depth: 0,
        after_at: false,
        directive_name: false,
        fragment_keyword: false,
        fragment_header: None,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (tok, next) = lex(text, i);
        i = next;
        let Some(tok) = tok else { continue };
        s.shape.tokens += 1;
        if s.shape.tokens > limits.max_tokens {
            return Err(exceeded("max_tokens", s.shape.tokens, limits.max_tokens));
        }
        s.token(tok)?;
    }
    // An unclosed definition still ends where the text does.
    if let Some(d) = s.shape.definitions.last_mut() {
        d.nodes.end = s.shape.nodes.len();
    }
    Ok(s.shape)
}

fn exceeded(limit: &'static str, value: u64, max: u64) -> Exceeded {
    Exceeded { limit, value, max }
}

impl<'a> Scanner<'a> {
    fn fragment_id(&mut self, name: &'a str) -> usize {
        if let Some(&id) = self.names.get(name) {
            return id;
        }
        let id = self.shape.fragments.len();
        self.shape.fragments.push(name.to_owned());
        self.names.insert(name, id);
        id
    }

    fn new_node(&mut self, parent: Option<usize>, name: &str) -> usize {
        self.shape.nodes.push(Node {
            parent,
            name: name.to_owned(),
            ..Node::default()
        });
        self.shape.nodes.len() - 1
    }

    fn push(&mut self, frame: Frame) -> Result<(), Exceeded> {
        if !matches!(frame, Frame::Selection { .. }) {
            self.value_depth += 1;
            if self.value_depth > self.limits.max_value_depth {
                let max = self.limits.max_value_depth;
                return Err(exceeded("max_value_depth", self.value_depth, max));
            }
        }
        self.stack.push(frame);
        let nesting = self.stack.len() as u64;
        if nesting > self.limits.max_nesting {
            return Err(exceeded("max_nesting", nesting, self.limits.max_nesting));
        }
        Ok(())
    }

    fn pop(&mut self) {
        let selection = match self.stack.pop() {
            None => return,
            Some(Frame::Selection { .. }) => true,
            Some(_) => {
                self.value_depth -= 1;
                false
            }
        };
        match self.stack.last_mut() {
            // A field's selection set or an inline fragment ended.
            Some(Frame::Selection { sel, .. }) if selection => *sel = Sel::Idle,
            // A field's (or directive's) arguments ended: a `{` may follow.
            Some(Frame::Selection { sel, .. }) => {
                if let Sel::Field { node, .. } = *sel {
                    *sel = Sel::Field { node, just: false };
                }
            }
            // A list or object value of an argument ended.
            Some(Frame::Args { arg, .. }) => *arg = Arg::Name,
            Some(_) => {}
            None => {
                if let Some(d) = self.shape.definitions.last_mut() {
                    d.nodes.end = self.shape.nodes.len();
                }
            }
        }
    }

    fn token(&mut self, tok: Tok<'a>) -> Result<(), Exceeded> {
        let directive_name = std::mem::take(&mut self.directive_name);
        if let Tok::Name(_) = tok
            && std::mem::take(&mut self.after_at)
        {
            self.directive_name = true;
            return Ok(());
        }
        self.after_at = false;
        match tok {
            Tok::Punct(b'@') => {
                self.shape.directives += 1;
                if self.shape.directives > self.limits.max_directives {
                    let max = self.limits.max_directives;
                    return Err(exceeded("max_directives", self.shape.directives, max));
                }
                self.after_at = true;
                if let Some(Frame::Selection { sel, .. }) = self.stack.last_mut() {
                    match *sel {
                        Sel::Dots => *sel = Sel::Inline,
                        Sel::Field { node, .. } => *sel = Sel::Field { node, just: false },
                        _ => {}
                    }
                }
                Ok(())
            }
            Tok::Punct(b'{') => self.open_brace(),
            Tok::Punct(b'[') => self.push(Frame::List),
            Tok::Punct(b'(') => {
                let field = match self.stack.last() {
                    Some(Frame::Selection {
                        sel: Sel::Field { node, just: true },
                        ..
                    }) if !directive_name => Some(*node),
                    _ => None,
                };
                self.push(Frame::Args {
                    field,
                    arg: Arg::Name,
                })
            }
            Tok::Punct(b'}' | b']' | b')') => {
                self.pop();
                Ok(())
            }
            _ => {
                match self.stack.last().copied() {
                    None => self.top_level(tok),
                    Some(Frame::Selection { parent, sel }) => {
                        self.in_selection(parent, sel, tok)?
                    }
                    Some(Frame::Args {
                        field: Some(node),
                        arg,
                    }) => self.in_arguments(node, arg, tok),
                    Some(_) => {}
                }
                Ok(())
            }
        }
    }

    fn open_brace(&mut self) -> Result<(), Exceeded> {
        match self.stack.last().copied() {
            None => {
                let root = self.new_node(None, "");
                self.shape.definitions.push(Definition {
                    fragment: self.fragment_header.take(),
                    nodes: root..root + 1,
                });
                self.fragment_keyword = false;
                self.push(Frame::Selection {
                    parent: root,
                    sel: Sel::Idle,
                })
            }
            Some(Frame::Selection { parent, sel }) => {
                // A field's selection set nests under the field; an inline
                // fragment's (or a stray brace's) merges into the enclosing one.
                let parent = match sel {
                    Sel::Field { node, .. } => node,
                    _ => parent,
                };
                self.push(Frame::Selection {
                    parent,
                    sel: Sel::Idle,
                })
            }
            Some(_) => self.push(Frame::Object),
        }
    }

    fn top_level(&mut self, tok: Tok<'a>) {
        if let Tok::Name(name) = tok {
            if std::mem::take(&mut self.fragment_keyword) {
                self.fragment_header = Some(self.fragment_id(name));
            } else if name == "fragment" && self.fragment_header.is_none() {
                self.fragment_keyword = true;
            }
        }
    }

    fn in_selection(&mut self, parent: usize, sel: Sel, tok: Tok<'a>) -> Result<(), Exceeded> {
        let next = match (sel, tok) {
            (_, Tok::Spread) => Sel::Dots,
            (Sel::Dots, Tok::Name("on")) => Sel::On,
            (Sel::Dots, Tok::Name(name)) => {
                let id = self.fragment_id(name);
                self.shape.nodes[parent].spreads.push(id);
                Sel::Idle
            }
            (Sel::On, Tok::Name(_)) => Sel::Inline,
            (Sel::AliasColon(node), Tok::Name(name)) => {
                self.shape.nodes[node].name = name.to_owned();
                Sel::Field { node, just: true }
            }
            (Sel::Field { node, just: true }, Tok::Punct(b':')) => {
                self.shape.aliases += 1;
                if self.shape.aliases > self.limits.max_aliases {
                    let max = self.limits.max_aliases;
                    return Err(exceeded("max_aliases", self.shape.aliases, max));
                }
                Sel::AliasColon(node)
            }
            (_, Tok::Name(name)) => {
                let node = self.new_node(Some(parent), name);
                Sel::Field { node, just: true }
            }
            (Sel::Field { node, .. }, _) => Sel::Field { node, just: false },
            (other, _) => other,
        };
        if let Some(Frame::Selection { sel, .. }) = self.stack.last_mut() {
            *sel = next;
        }
        Ok(())
    }

    /// Notes `first` of a field's arguments; everything else in them only
    /// matters for the nesting, counted by `push`.
    fn in_arguments(&mut self, node: usize, arg: Arg, tok: Tok<'a>) {
        let next = match (arg, tok) {
            (Arg::Name, Tok::Name(name)) => Arg::Colon {
                first: name == "first",
            },
            (Arg::Colon { first }, Tok::Punct(b':')) => Arg::Value { first },
            (Arg::Value { first }, Tok::Punct(b'$')) => Arg::Dollar { first },
            (Arg::Value { first: true }, Tok::Int(n)) => {
                let n = if n.starts_with('-') {
                    0
                } else {
                    n.parse::<u64>().unwrap_or(u64::MAX)
                };
                self.shape.nodes[node].first = Some(First::Literal(n));
                Arg::Name
            }
            (Arg::Dollar { first: true }, Tok::Name(var)) => {
                self.shape.nodes[node].first = Some(First::Variable(var.to_owned()));
                Arg::Name
            }
            _ => Arg::Name,
        };
        if let Some(Frame::Args { arg, .. }) = self.stack.last_mut() {
            *arg = next;
        }
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;

//! The audit log: events, the per-request buffer the gate fills, the hash
//! chain, and the writer that commits a request's events before its
//! response is sent.
pub mod buffer;
pub mod chain;
pub mod checkpoint;
pub mod event;
pub mod opname;
pub mod refusals;
pub mod writer;

pub use buffer::{AuditBuffer, DataSubject};
pub use event::{Action, Actor, NewEvent, Outcome};
pub use writer::AuditWriter;

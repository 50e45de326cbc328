//! Need-to-know access: the one policy table for reads and writes
//! (`policy`), the caller (`principal`), the named reach rules of the scopes
//! (`reach`), row scoping in SQL (`scope`), the gate every sensitive field
//! passes through (`gate`), which also notes the read for the audit log, and
//! its write side that decides every mutation argument (`writes`).
pub mod approval;
pub mod gate;
pub mod policy;
pub mod principal;
pub mod reach;
mod reach_sql;
pub mod scope;
pub mod statistics;
pub mod write_policy;
pub mod writes;

pub use gate::{Subject, gate, require};
pub use policy::{Permission, Scope};
pub use principal::Principal;

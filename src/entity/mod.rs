//! SeaORM entities, one per table. Only `access::scope` and the feature
//! modules' scoped queries read the case tables.
pub mod audit_event;
pub mod audit_head;
pub mod budget;
pub mod care_setting;
pub mod caseload;
pub mod child;
pub mod child_population;
pub mod emergency_grant;
pub mod follow_up;
pub mod grant_request;
pub mod intervention;
pub mod open_care_tally;
pub mod placement;
pub mod placement_reason;
pub mod reason;
pub mod refresh_token;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod unit;
pub mod user;
pub mod user_role;

//! Integration tests: each test starts Hearth on a fresh database and talks
//! to it over HTTP the way a client does. SQLite always; PostgreSQL too when
//! HEARTH_TEST_DATABASE_URL is set (each test gets its own new database).
mod harness;

mod access;
mod admin;
mod audit;
mod auditor;
mod auth;
mod deadlines;
mod foundation;
mod foureyes;
mod frontend;
mod hostile;
mod hostile_trace;
mod http;
mod insider;
mod interventions;
mod interventions_data;
mod interventions_holes;
mod interventions_races;
mod limits;
mod login_limits;
mod malformed;
mod matrix;
mod measures;
mod measures_access;
mod missing_variables;
mod paging;
mod pipeline;
mod production;
mod protected_trace;
mod reach;
mod schema;
mod sessions;
mod statistics;
mod trusted_docs;
mod unit_reach;

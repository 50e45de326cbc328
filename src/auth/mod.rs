//! Authentication: argon2id passwords, JWT access tokens, opaque rotating
//! refresh tokens, and the GraphQL operations login, refresh, logout, me
//! and changePassword; rate limits and bounded hashing for logins under load.
pub mod guard;
pub mod hashing;
pub mod password;
pub mod password_change;
pub mod rate_limit;
pub mod resolvers;
pub mod service;
pub mod token;

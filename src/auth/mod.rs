//! Authentication: argon2id passwords, JWT access tokens, opaque rotating
//! refresh tokens, and the GraphQL operations login, refresh, logout, me
//! and changePassword.
pub mod password;
pub mod password_change;
pub mod resolvers;
pub mod service;
pub mod token;

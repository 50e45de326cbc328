//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1, the OWASP
//! minimum), always off the async worker threads.
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

use crate::error::{AppError, AppResult};

/// Shortest accepted password.
pub const MIN_LEN: usize = 12;
/// Longest accepted password (bounds the hashing cost an attacker can cause).
pub const MAX_LEN: usize = 128;

fn argon2() -> Argon2<'static> {
    // Params::new only fails for values outside argon2's limits; these are constants inside them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks length rules; `field` names the input field in the error.
pub fn check_rules(password: &str, field: &str) -> AppResult<()> {
    let n = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return Err(AppError::bad_input(
            field,
            format!("The password must be {MIN_LEN} to {MAX_LEN} characters long."),
        ));
    }
    Ok(())
}

/// Hashes a password on the blocking pool, without a bound on how many run
/// at once: for command-line tools and tests. Servers use `HashPool::hash`.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(AppError::internal)?
}

/// Hashes synchronously (command-line tools).
pub fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// A hash of a random password, verified against when the user does not
/// exist, so that an unknown user and a wrong password take the same time.
/// Built once per process; `prepare` builds it at start-up, so no request
/// pays for it or waits on it.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("dummy-password-never-valid-0000").unwrap_or_default())
}

/// Builds the dummy hash (blocking work on the blocking pool).
pub async fn prepare() -> AppResult<()> {
    tokio::task::spawn_blocking(|| {
        dummy_hash();
    })
    .await
    .map_err(AppError::internal)
}

/// Verifies `password` against `stored`, or against the dummy hash when
/// there is no user, synchronously. Returns false for no user. Servers call
/// it through `HashPool::verify`, which bounds how many run at once.
pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let text = stored.unwrap_or_else(|| dummy_hash());
    let ok = PasswordHash::new(text)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && stored.is_some()
}

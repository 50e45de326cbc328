//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1, the OWASP
//! minimum), always off the async worker threads.
use argon2::password_hash::{
    self, Output, ParamsString, PasswordHash, Salt, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::OnceLock;

use crate::error::{AppError, AppResult};

/// Shortest accepted password.
pub const MIN_LEN: usize = 12;
/// Longest accepted password (bounds the hashing cost an attacker can cause).
pub const MAX_LEN: usize = 128;

fn params() -> Params {
    // Params::new only fails for values outside argon2's limits; these are constants inside them.
    Params::new(19_456, 2, 1, None).unwrap_or_default()
}

thread_local! {
    /// argon2's working memory, kept by each thread that hashes. Allocating
    /// 19 MiB per check and freeing it made glibc keep up to 300 MiB for
    /// two hashing threads (its mmap threshold rises after such a free);
    /// reusing one block per thread keeps exactly 19 MiB per thread.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2 of `password` with `salt` into `out_len` bytes, in this thread's
/// working memory.
fn compute(
    alg: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: Salt<'_>,
    out_len: usize,
) -> password_hash::Result<Output> {
    let mut salt_arr = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_arr)?;
    let n = params.block_count();
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < n {
            blocks.resize(n, Block::default());
        }
        Output::init_with(out_len, |out| {
            Ok(alg.hash_password_into_with_memory(password, salt_bytes, out, &mut blocks[..n])?)
        })
    })
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
    let params = params();
    let alg = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let out_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = compute(&alg, &params, password.as_bytes(), salt.as_salt(), out_len)
        .map_err(AppError::internal)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(AppError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(phc.to_string())
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
    let text: &str = match stored {
        Some(s) => s,
        None => dummy_hash(),
    };
    let ok = PasswordHash::new(text)
        .and_then(|parsed| matches(password.as_bytes(), &parsed))
        .unwrap_or(false);
    ok && stored.is_some()
}

/// Whether `password` gives `parsed`'s hash (compared in constant time).
fn matches(password: &[u8], parsed: &PasswordHash<'_>) -> password_hash::Result<bool> {
    let (Some(salt), Some(expected)) = (parsed.salt, &parsed.hash) else {
        return Ok(false);
    };
    let params = Params::try_from(parsed)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let alg = Argon2::new(
        Algorithm::try_from(parsed.algorithm)?,
        version,
        params.clone(),
    );
    Ok(compute(&alg, &params, password, salt, expected.len())? == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_the_standard_verifier_agrees() {
        use argon2::password_hash::PasswordVerifier;
        let h = hash_blocking("correct-horse-battery").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct-horse-battery", Some(&h)));
        assert!(!verify_blocking("correct-horse-battery!", Some(&h)));
        assert!(!verify_blocking("correct-horse-battery", None));
        let parsed = PasswordHash::new(&h).expect("phc");
        assert!(
            Argon2::default()
                .verify_password(b"correct-horse-battery", &parsed)
                .is_ok()
        );
        // And a hash made by the standard hasher verifies here.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"another-password-1", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_blocking("another-password-1", Some(&other)));
    }
}

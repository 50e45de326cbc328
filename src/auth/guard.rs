//! Login under load: the hashing pool, the per-address and per-username
//! rate limits, the client's address, and the pruning of `login_attempts`.
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::hashing::HashPool;
use super::rate_limit::RateLimiter;
use crate::config::AuthConfig;
use crate::error::{AppError, AppResult};

/// Seconds between two prunings of `login_attempts`.
const PRUNE_EVERY_SECS: i64 = 60;

/// What stands between a flood of logins and the server's memory and CPU.
#[derive(Debug)]
pub struct LoginGuard {
    /// Bounded password hashing.
    pub hashing: HashPool,
    per_address: RateLimiter,
    per_username: RateLimiter,
    refused_address: AtomicU64,
    refused_username: AtomicU64,
    last_prune: AtomicI64,
    window_secs: i64,
}

impl LoginGuard {
    /// Starts the hashing threads and empty limiters.
    pub fn start(auth: &AuthConfig) -> std::io::Result<Self> {
        Ok(Self {
            hashing: HashPool::start(auth)?,
            per_address: RateLimiter::new(
                auth.login_per_address_burst,
                auth.login_per_address_per_minute,
                auth.rate_limit_entries,
            ),
            per_username: RateLimiter::new(
                auth.login_per_username_burst,
                auth.login_per_username_per_minute,
                auth.rate_limit_entries,
            ),
            refused_address: AtomicU64::default(),
            refused_username: AtomicU64::default(),
            last_prune: AtomicI64::default(),
            window_secs: auth.lockout_secs,
        })
    }

    /// Counts one login or refresh attempt from `addr` (requests without an
    /// address share one bucket).
    pub fn admit_address(&self, addr: Option<&str>) -> AppResult<()> {
        self.per_address.take(addr.unwrap_or("-")).map_err(|secs| {
            self.refused_address.fetch_add(1, Ordering::Relaxed);
            AppError::TooManyRequests {
                retry_after_secs: secs,
            }
        })
    }

    /// Counts one password attempt for `username`, known or not.
    pub fn admit_username(&self, username: &str) -> AppResult<()> {
        self.per_username.take(username).map_err(|secs| {
            self.refused_username.fetch_add(1, Ordering::Relaxed);
            AppError::TooManyRequests {
                retry_after_secs: secs,
            }
        })
    }

    /// Attempts refused by the address limit, and by the username limit.
    pub fn refused(&self) -> (u64, u64) {
        (
            self.refused_address.load(Ordering::Relaxed),
            self.refused_username.load(Ordering::Relaxed),
        )
    }

    /// Deletes the `login_attempts` rows that no longer count (not locked,
    /// no attempt within the lockout period), at most once a minute, so
    /// that made-up usernames cannot fill the table. Returns rows deleted.
    pub async fn prune(&self, db: &DatabaseConnection) -> AppResult<u64> {
        let now = Utc::now();
        let last = self.last_prune.load(Ordering::SeqCst);
        if now.timestamp() - last < PRUNE_EVERY_SECS
            || self
                .last_prune
                .compare_exchange(last, now.timestamp(), Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return Ok(0);
        }
        self.prune_now(db).await
    }

    /// Deletes the rows that no longer count, now.
    pub async fn prune_now(&self, db: &DatabaseConnection) -> AppResult<u64> {
        let now = Utc::now();
        let stmt = super::service::statement(
            db.get_database_backend(),
            "DELETE FROM login_attempts WHERE (locked_until IS NULL OR locked_until <= $1) \
             AND (last_attempt_at IS NULL OR last_attempt_at <= $2)",
            vec![
                now.into(),
                (now - Duration::seconds(self.window_secs)).into(),
            ],
        );
        let deleted = db.execute_raw(stmt).await?.rows_affected();
        if deleted > 0 {
            tracing::debug!(deleted, "pruned login attempts");
        }
        Ok(deleted)
    }
}

/// The client's address: the connection's, unless the connection comes
/// from a trusted proxy, in which case the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(trusted_proxies: &[String], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|t| t.parse() == Ok(*ip));
    if !trusted(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().parse::<IpAddr>())
        .collect::<Vec<_>>();
    for hop in forwarded.into_iter().rev() {
        match hop {
            Ok(ip) if trusted(&ip) => continue,
            Ok(ip) => return ip,
            // A hop that is no address: what is left of it is the client's
            // to write, so the last trusted hop is the answer.
            Err(_) => break,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "1.1.1.1, 2.2.2.2, 10.0.0.2".parse().expect("header"),
        );
        let peer: IpAddr = "10.0.0.1".parse().expect("ip");
        assert_eq!(client_ip(&[], peer, &h), peer);
        let proxies = vec!["10.0.0.1".to_owned(), "10.0.0.2".to_owned()];
        assert_eq!(
            client_ip(&proxies, peer, &h),
            "2.2.2.2".parse::<IpAddr>().expect("ip")
        );
        let stranger: IpAddr = "3.3.3.3".parse().expect("ip");
        assert_eq!(client_ip(&proxies, stranger, &h), stranger);
        h.insert("x-forwarded-for", "nonsense".parse().expect("header"));
        assert_eq!(client_ip(&proxies, peer, &h), peer);
    }
}

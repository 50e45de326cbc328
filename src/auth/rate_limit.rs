//! In-memory token buckets, one per key (a client address or a username),
//! with a bounded number of keys: when full, the key first seen longest ago
//! is forgotten. Each process counts alone; several instances behind a load
//! balancer each allow the full rate.
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Default)]
struct Table {
    buckets: HashMap<u64, Bucket>,
    /// Keys in the order they were first seen, for eviction.
    order: VecDeque<u64>,
}

/// A token bucket per key: `burst` attempts at once, refilled at
/// `per_minute`. Keys are hashed with a per-process random key, so an
/// entry costs a few dozen bytes whatever the key's length, and nobody can
/// pick keys that collide with another's.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_sec: f64,
    max_entries: usize,
    hasher: RandomState,
    table: Mutex<Table>,
}

impl RateLimiter {
    /// A limiter allowing `burst` attempts, then `per_minute`, remembering at
    /// most `max_entries` keys. Zero values are treated as one.
    pub fn new(burst: u32, per_minute: u32, max_entries: usize) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_sec: f64::from(per_minute.max(1)) / 60.0,
            max_entries: max_entries.max(1),
            hasher: RandomState::new(),
            table: Mutex::default(),
        }
    }

    /// Takes one token for `key`: `Ok` if there was one, otherwise the
    /// whole seconds until there is (at least 1).
    pub fn take(&self, key: &str) -> Result<(), u64> {
        self.take_at(key, Instant::now())
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let id = self.hasher.hash_one(key);
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !table.buckets.contains_key(&id) {
            while table.buckets.len() >= self.max_entries {
                let Some(old) = table.order.pop_front() else {
                    break;
                };
                table.buckets.remove(&old);
            }
            table.order.push_back(id);
            table.buckets.insert(
                id,
                Bucket {
                    tokens: self.burst,
                    at: now,
                },
            );
        }
        let bucket = table.buckets.get_mut(&id).ok_or(1u64)?;
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_sec).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / self.per_sec).ceil();
            Err((wait as u64).max(1))
        }
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .buckets
            .len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_steady_rate_with_the_wait_until_the_next_token() {
        let l = RateLimiter::new(3, 60, 10);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take_at("a", t0), Ok(()));
        }
        assert_eq!(l.take_at("a", t0), Err(1));
        // Other keys are counted apart.
        assert_eq!(l.take_at("b", t0), Ok(()));
        // One per second refills.
        assert_eq!(l.take_at("a", t0 + Duration::from_millis(1000)), Ok(()));
        assert!(l.take_at("a", t0 + Duration::from_millis(1100)).is_err());
        let slow = RateLimiter::new(1, 6, 10);
        assert_eq!(slow.take_at("u", t0), Ok(()));
        assert_eq!(slow.take_at("u", t0), Err(10));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_key_is_forgotten() {
        let l = RateLimiter::new(1, 1, 100);
        let t0 = Instant::now();
        for i in 0..1000 {
            let _ = l.take_at(&format!("key-{i}"), t0);
        }
        assert_eq!(l.len(), 100);
        // The newest are still limited, the oldest forgotten.
        assert!(l.take_at("key-999", t0).is_err());
        assert_eq!(l.take_at("key-0", t0), Ok(()));
        assert_eq!(l.len(), 100);
    }
}

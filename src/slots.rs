//! Slots for computations over everything in a caller's scope (statistics,
//! care measures, deadline lists). Each pool runs at most a few at once per
//! process, and one caller at most one at a time, so that one request of
//! many aliases, a batch, or one busy user cannot take every core and
//! connection from everyone else. A computation that cannot get a slot in
//! time, or whose request has already outlived its timeout (requests run to
//! completion after the client is answered 408), is `TOO_MANY_REQUESTS`, and
//! the refusal is audited.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::Context;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::audit::{Action, NewEvent, Outcome};
use crate::error::{AppError, AppResult};
use crate::request::request_context;

/// Longest wait for a slot.
const WAIT: Duration = Duration::from_secs(10);

/// One pool of slots.
#[derive(Debug)]
pub struct Slots {
    all: Arc<Semaphore>,
    per_user: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
}

/// A held slot; dropping it frees it.
pub struct Slot {
    _user: OwnedSemaphorePermit,
    _all: OwnedSemaphorePermit,
}

impl Slots {
    /// A pool of `n` slots.
    pub fn new(n: usize) -> Self {
        Self {
            all: Arc::new(Semaphore::new(n)),
            per_user: Mutex::new(HashMap::new()),
        }
    }

    fn user(&self, id: Uuid) -> Arc<Semaphore> {
        let mut users = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        users
            .entry(id)
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone()
    }

    /// A slot for `user` within `wait`: first the user's own (one at a
    /// time), then one of the pool's.
    pub async fn acquire(&self, user: Uuid, wait: Duration) -> Option<Slot> {
        // No time left (the request has outlived its timeout): no work.
        if wait.is_zero() {
            return None;
        }
        let mine = self.user(user);
        let all = self.all.clone();
        tokio::time::timeout(wait, async move {
            let user = mine.acquire_owned().await.ok()?;
            let all = all.acquire_owned().await.ok()?;
            Some(Slot {
                _user: user,
                _all: all,
            })
        })
        .await
        .ok()
        .flatten()
    }

    /// Waits for a slot for the caller of `ctx`, whose request may run for
    /// `timeout` in all.
    pub async fn take(&self, ctx: &Context<'_>, timeout: Duration) -> AppResult<Slot> {
        let rc = request_context(ctx)?;
        let user = rc.principal()?.user_id;
        let wait = WAIT.min(timeout.saturating_sub(rc.started.elapsed()));
        match self.acquire(user, wait).await {
            Some(slot) => Ok(slot),
            None => {
                rc.audit
                    .mark_refused(crate::access::gate::response_path(ctx));
                rc.audit.push(NewEvent {
                    action: Action::Read,
                    entity_type: Some("Operation".into()),
                    entity_id: Some(ctx.field().name().to_owned()),
                    fields: vec!["TOO_MANY_REQUESTS".to_owned()],
                    outcome: Outcome::Denied,
                    ..NewEvent::default()
                });
                Err(AppError::TooManyRequests {
                    retry_after_secs: WAIT.as_secs(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn one_caller_holds_one_slot_and_leaves_the_rest_to_others() {
        let slots = Slots::new(2);
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let held = slots.acquire(a, SHORT).await;
        assert!(held.is_some());
        // A second computation of the same caller waits for the first...
        assert!(slots.acquire(a, SHORT).await.is_none());
        // ...while another caller gets the other slot.
        let other = slots.acquire(b, SHORT).await;
        assert!(other.is_some());
        // The pool is full now, for anyone.
        assert!(slots.acquire(Uuid::from_u128(3), SHORT).await.is_none());
        drop(held);
        assert!(slots.acquire(a, SHORT).await.is_some());
    }

    #[tokio::test]
    async fn no_wait_left_is_no_slot() {
        let slots = Slots::new(2);
        assert!(
            slots
                .acquire(Uuid::from_u128(1), Duration::ZERO)
                .await
                .is_none()
        );
    }
}

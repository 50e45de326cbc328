//! Login, refresh and logout against the database. (Password change, which
//! ends all of a user's sessions, is in `password_change`.)
//!
//! Each state change commits in one transaction with its audit event, and
//! each decision that concurrent requests could race on (counting a failed
//! login, spending a refresh token) is one conditional statement whose
//! result decides, so parallel requests cannot both win.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement, TransactionTrait, Value,
};
use uuid::Uuid;

pub use super::password_change::{change_password, revoke_all_sessions};
use super::token;
use crate::audit::{Action, NewEvent, Outcome, chain};
use crate::entity::{refresh_token, session, user};
use crate::error::{AppError, AppResult};
use crate::request::RequestContext;
use crate::state::AppState;

/// Tokens issued by login or refresh.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user: user::Model,
}

fn auth_event(action: Action, outcome: Outcome, user_id: Option<Uuid>, username: &str) -> NewEvent {
    NewEvent {
        action,
        entity_type: Some("User".into()),
        entity_id: user_id.map(|u| u.to_string()),
        outcome,
        actor_override: Some((user_id, username.to_owned())),
        ..NewEvent::default()
    }
}

/// Appends `events` inside `txn`, so they commit with the change they record.
pub(super) async fn record(
    txn: &DatabaseTransaction,
    rc: &RequestContext,
    operation: Option<&str>,
    events: Vec<NewEvent>,
) -> AppResult<()> {
    let actor = rc.actor(operation);
    chain::append(
        txn,
        events.into_iter().map(|e| (actor.clone(), e)).collect(),
    )
    .await
}

/// One statement in the backend's placeholder style (`$1` is `?1` in SQLite).
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Issues a new refresh token of `session` (and an access token for it).
async fn issue(
    state: &AppState,
    txn: &DatabaseTransaction,
    user: user::Model,
    session: Uuid,
    session_end: DateTime<Utc>,
) -> AppResult<Issued> {
    let (access_token, _) = state.keys.issue(user.id, session)?;
    let refresh = token::new_refresh_token();
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        token_hash: Set(token::refresh_hash(&refresh)),
        family_id: Set(session),
        issued_at: Set(now),
        expires_at: Set((now + Duration::seconds(state.keys.refresh_ttl)).min(session_end)),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(Issued {
        access_token,
        refresh_token: refresh,
        expires_in: state.keys.access_ttl,
        user,
    })
}

/// Counts one attempt for `username` before it is judged, in one statement:
/// the attempt's number, or `None` while the name is locked. Counting
/// first means parallel attempts cannot all be judged before one locks.
/// Failures older than the lockout period are forgotten (counting restarts
/// at 1), so their rows can be pruned.
async fn charge_attempt(state: &AppState, username: &str) -> AppResult<Option<i32>> {
    let backend = state.db.get_database_backend();
    let now = Utc::now();
    let forgotten = now - Duration::seconds(state.config.auth.lockout_secs);
    let stmt = statement(
        backend,
        "INSERT INTO login_attempts (username, failures, last_attempt_at) VALUES ($1, 1, $2) \
         ON CONFLICT (username) DO UPDATE SET failures = CASE \
         WHEN login_attempts.last_attempt_at IS NULL OR login_attempts.last_attempt_at <= $3 \
         THEN 1 ELSE login_attempts.failures + 1 END, last_attempt_at = $2 \
         WHERE login_attempts.locked_until IS NULL OR login_attempts.locked_until <= $2 \
         RETURNING failures",
        vec![username.into(), now.into(), forgotten.into()],
    );
    let row = state.db.query_one_raw(stmt).await?;
    Ok(match row {
        Some(row) => Some(row.try_get::<i32>("", "failures")?),
        None => None,
    })
}

/// Checks credentials. Lockout is counted per username tried, so an unknown
/// name locks exactly as a real one does, and unknown user and wrong
/// password give the same error after the same work. Before anything else,
/// the attempt is counted against the client address's and the username's
/// rate limits (`TOO_MANY_REQUESTS` beyond them).
pub async fn login(
    state: &AppState,
    rc: &RequestContext,
    operation: Option<&str>,
    username: &str,
    pw: &str,
) -> AppResult<Issued> {
    let guard = &state.login_guard;
    guard.admit_address(rc.client_addr.as_deref())?;
    guard.admit_username(username)?;
    if let Err(e) = guard.prune(&state.db).await {
        // Pruning is housekeeping: the login goes on without it.
        tracing::warn!(error = ?e, "pruning login attempts failed");
    }
    // A hashing thread first: an attempt refused for a full queue must not
    // count as a failed login, since it is never judged.
    let slot = guard.hashing.reserve().await?;
    let max = state.config.auth.max_failed_logins;
    // A name no user can have is never stored; it fails like a wrong password.
    let counted = token::is_username(username);
    let attempt = if counted {
        charge_attempt(state, username).await?
    } else {
        Some(1)
    };
    let attempt = match attempt {
        Some(n) if n <= max => n,
        _ => {
            rc.audit.push(auth_event(
                Action::LoginFailed,
                Outcome::Denied,
                None,
                username,
            ));
            return Err(AppError::AccountLocked);
        }
    };
    let found = if counted {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&state.db)
            .await?
    } else {
        None
    };
    let ok = slot
        .verify(pw, found.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let now = Utc::now();
    let backend = state.db.get_database_backend();
    let txn = state.db.begin().await?;
    match found {
        Some(found) if ok && found.active => {
            txn.execute_raw(statement(
                backend,
                "UPDATE login_attempts SET failures = 0 WHERE username = $1",
                vec![username.into()],
            ))
            .await?;
            let session_end = now + Duration::seconds(state.config.auth.session_max_secs);
            let session = session::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(found.id),
                created_at: Set(now),
                expires_at: Set(session_end),
                revoked_at: Set(None),
            }
            .insert(&txn)
            .await?;
            let event = auth_event(
                Action::LoginSucceeded,
                Outcome::Allowed,
                Some(found.id),
                username,
            );
            record(&txn, rc, operation, vec![event]).await?;
            let issued = issue(state, &txn, found, session.id, session_end).await?;
            txn.commit().await?;
            tracing::info!(user_id = %issued.user.id, "login succeeded");
            Ok(issued)
        }
        found => {
            let user_id = found.map(|u| u.id);
            let mut events = vec![auth_event(
                Action::LoginFailed,
                Outcome::Denied,
                user_id,
                username,
            )];
            if counted && attempt >= max {
                txn.execute_raw(statement(
                    backend,
                    "UPDATE login_attempts SET failures = 0, locked_until = $2 WHERE username = $1",
                    vec![
                        username.into(),
                        (now + Duration::seconds(state.config.auth.lockout_secs)).into(),
                    ],
                ))
                .await?;
                events.push(auth_event(
                    Action::AccountLocked,
                    Outcome::Denied,
                    user_id,
                    username,
                ));
            }
            record(&txn, rc, operation, events).await?;
            txn.commit().await?;
            tracing::info!(user_id = ?user_id, "login failed");
            Err(AppError::Unauthenticated)
        }
    }
}

/// Revokes a session and every refresh token of it, inside `txn`.
async fn revoke_session(txn: &DatabaseTransaction, session: Uuid) -> AppResult<()> {
    let now = Utc::now();
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session))
        .filter(session::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(session))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Rotates a refresh token. Spending it is one conditional UPDATE: of
/// parallel requests with the same token exactly one wins; every other use
/// is reuse, which revokes the whole session, since one of the two users
/// is a thief. A session past its maximum lifetime is not refreshed.
pub async fn refresh(
    state: &AppState,
    rc: &RequestContext,
    operation: Option<&str>,
    presented: &str,
) -> AppResult<Issued> {
    state.login_guard.admit_address(rc.client_addr.as_deref())?;
    let hash = token::refresh_hash(presented);
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        rc.audit.push(auth_event(
            Action::TokenRefreshed,
            Outcome::Denied,
            None,
            "",
        ));
        return Err(AppError::Unauthenticated);
    };
    // Every refresh and revocation of one session takes the session's row
    // first, so they queue in one order (session, tokens, audit head) and
    // cannot deadlock one another on PostgreSQL.
    let session_row = session::Entity::find_by_id(row.family_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let spent = txn
        .execute_raw(statement(
            state.db.get_database_backend(),
            "UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2 AND family_id IN \
             (SELECT id FROM sessions WHERE id = $3 AND revoked_at IS NULL AND expires_at > $2)",
            vec![row.id.into(), now.into(), row.family_id.into()],
        ))
        .await?
        .rows_affected();
    let user = if spent == 1 {
        user::Entity::find_by_id(row.user_id)
            .one(&txn)
            .await?
            .filter(|u| u.active)
    } else {
        None
    };
    let Some(user) = user else {
        let mut event = auth_event(
            Action::TokenRefreshed,
            Outcome::Denied,
            Some(row.user_id),
            "",
        );
        if spent == 0 && row.expires_at > now {
            // Spent before, or by a parallel request just now: reuse.
            event.flagged = true;
            event.flag_reason = Some("refresh token reused; session revoked".into());
        }
        revoke_session(&txn, row.family_id).await?;
        record(&txn, rc, operation, vec![event]).await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    let session_end = session_row
        .map(|s| s.expires_at)
        .ok_or(AppError::Unauthenticated)?;
    let event = auth_event(
        Action::TokenRefreshed,
        Outcome::Allowed,
        Some(user.id),
        &user.username,
    );
    record(&txn, rc, operation, vec![event]).await?;
    let issued = issue(state, &txn, user, row.family_id, session_end).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Ends the refresh token's session: its access tokens stop working at their
/// next request. Unknown tokens are accepted silently, so logout cannot be
/// used to probe tokens.
pub async fn logout(
    state: &AppState,
    rc: &RequestContext,
    operation: Option<&str>,
    presented: &str,
) -> AppResult<bool> {
    let hash = token::refresh_hash(presented);
    let txn = state.db.begin().await?;
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    {
        session::Entity::find_by_id(row.family_id)
            .lock_exclusive()
            .one(&txn)
            .await?;
        revoke_session(&txn, row.family_id).await?;
        let event = auth_event(Action::LoggedOut, Outcome::Allowed, Some(row.user_id), "");
        record(&txn, rc, operation, vec![event]).await?;
    }
    txn.commit().await?;
    Ok(true)
}

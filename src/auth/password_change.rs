//! Password change: replaces a user's password and ends all their sessions,
//! in one transaction with its audit event.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::service::record;
use crate::audit::{Action, NewEvent};
use crate::entity::{refresh_token, session, user};
use crate::error::{AppError, AppResult};
use crate::request::RequestContext;
use crate::state::AppState;

/// Ends every session of `user_id` (password change or reset), inside `txn`.
pub async fn revoke_all_sessions<C: ConnectionTrait>(txn: &C, user_id: Uuid) -> AppResult<()> {
    let now = Utc::now();
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Replaces a user's password and ends all their sessions, the current one
/// included, in one transaction with its audit event.
pub async fn change_password(
    state: &AppState,
    rc: &RequestContext,
    operation: Option<&str>,
    user_id: Uuid,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let row = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    // Each wrong `current` costs a hash: counted like a login of the name.
    let guard = &state.login_guard;
    guard.admit_username(&row.username)?;
    if !guard
        .hashing
        .verify(current, Some(&row.password_hash))
        .await?
    {
        return Err(AppError::bad_input(
            "current",
            "The current password is wrong.",
        ));
    }
    let hash = guard.hashing.hash(new).await?;
    let txn = state.db.begin().await?;
    // Only if the password is still the one just verified: a parallel
    // change cannot be overwritten unseen.
    let changed = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::PasswordHash.eq(row.password_hash))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::Conflict(
            "The password was changed meanwhile; log in again.".into(),
        ));
    }
    revoke_all_sessions(&txn, user_id).await?;
    let event = NewEvent {
        action: Action::PasswordChanged,
        entity_type: Some("User".into()),
        entity_id: Some(user_id.to_string()),
        ..NewEvent::default()
    };
    record(&txn, rc, operation, vec![event]).await?;
    txn.commit().await?;
    Ok(())
}

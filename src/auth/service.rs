//! Login, refresh and logout against the database.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::{password, token};
use crate::audit::{Action, NewEvent, Outcome};
use crate::entity::{refresh_token, user};
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

async fn issue(state: &AppState, user: user::Model, family: Uuid) -> AppResult<Issued> {
    let (access_token, _) = state.keys.issue(user.id)?;
    let refresh = token::new_refresh_token();
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        token_hash: Set(token::refresh_hash(&refresh)),
        family_id: Set(family),
        issued_at: Set(now),
        expires_at: Set(now + Duration::seconds(state.keys.refresh_ttl)),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    Ok(Issued {
        access_token,
        refresh_token: refresh,
        expires_in: state.keys.access_ttl,
        user,
    })
}

/// Checks credentials. Unknown user and wrong password give the same error
/// after the same work (a dummy hash is verified for unknown users).
pub async fn login(
    state: &AppState,
    rc: &RequestContext,
    username: &str,
    pw: &str,
) -> AppResult<Issued> {
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&state.db)
        .await?;
    let ok = password::verify(pw, found.as_ref().map(|u| u.password_hash.as_str())).await?;
    let now = Utc::now();
    let Some(found) = found else {
        rc.audit.push(auth_event(
            Action::LoginFailed,
            Outcome::Denied,
            None,
            username,
        ));
        return Err(AppError::Unauthenticated);
    };
    if found.locked_until.is_some_and(|t| t > now) {
        rc.audit.push(auth_event(
            Action::LoginFailed,
            Outcome::Denied,
            Some(found.id),
            username,
        ));
        return Err(AppError::AccountLocked);
    }
    if !ok || !found.active {
        let failures = found.failed_logins + 1;
        let max = state.config.auth.max_failed_logins;
        let mut active: user::ActiveModel = found.clone().into();
        rc.audit.push(auth_event(
            Action::LoginFailed,
            Outcome::Denied,
            Some(found.id),
            username,
        ));
        if failures >= max {
            active.failed_logins = Set(0);
            active.locked_until = Set(Some(
                now + Duration::seconds(state.config.auth.lockout_secs),
            ));
            rc.audit.push(auth_event(
                Action::AccountLocked,
                Outcome::Denied,
                Some(found.id),
                username,
            ));
        } else {
            active.failed_logins = Set(failures);
        }
        active.update(&state.db).await?;
        tracing::info!(user_id = %found.id, "login failed");
        return Err(AppError::Unauthenticated);
    }
    let mut active: user::ActiveModel = found.clone().into();
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    let user = active.update(&state.db).await?;
    rc.audit.push(auth_event(
        Action::LoginSucceeded,
        Outcome::Allowed,
        Some(user.id),
        username,
    ));
    tracing::info!(user_id = %user.id, "login succeeded");
    issue(state, user, Uuid::new_v4()).await
}

/// Rotates a refresh token. A token used twice revokes its whole family,
/// since one of the two users is a thief.
pub async fn refresh(state: &AppState, rc: &RequestContext, presented: &str) -> AppResult<Issued> {
    let hash = token::refresh_hash(presented);
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if row.used_at.is_some() || row.revoked_at.is_some() {
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(refresh_token::Column::FamilyId.eq(row.family_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        rc.audit.push(auth_event(
            Action::TokenRefreshed,
            Outcome::Denied,
            Some(row.user_id),
            "",
        ));
        return Err(AppError::Unauthenticated);
    }
    if row.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    let family = row.family_id;
    let user_id = row.user_id;
    let mut used: refresh_token::ActiveModel = row.into();
    used.used_at = Set(Some(now));
    used.update(&txn).await?;
    txn.commit().await?;
    let user = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::Unauthenticated)?;
    rc.audit.push(auth_event(
        Action::TokenRefreshed,
        Outcome::Allowed,
        Some(user.id),
        &user.username,
    ));
    issue(state, user, family).await
}

/// Revokes the refresh token's family. Unknown tokens are accepted
/// silently, so logout cannot be used to probe tokens.
pub async fn logout(state: &AppState, rc: &RequestContext, presented: &str) -> AppResult<bool> {
    let hash = token::refresh_hash(presented);
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&state.db)
        .await?
    {
        refresh_token::Entity::update_many()
            .col_expr(
                refresh_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(refresh_token::Column::FamilyId.eq(row.family_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&state.db)
            .await?;
        rc.audit.push(auth_event(
            Action::LoggedOut,
            Outcome::Allowed,
            Some(row.user_id),
            "",
        ));
    }
    Ok(true)
}

//! GraphQL operations of authentication.
use async_graphql::{Context, Object, Result, SimpleObject};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use super::{password, service};
use crate::audit::{Action, NewEvent};
use crate::entity::user;
use crate::error::AppError;
use crate::graphql::admin::types::User;
use crate::request::request_context;
use crate::state::AppState;

/// Tokens returned by `login` and `refresh`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use token for `refresh`.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    pub user: User,
}

impl From<service::Issued> for AuthPayload {
    fn from(i: service::Issued) -> Self {
        Self {
            access_token: i.access_token,
            refresh_token: i.refresh_token,
            expires_in: i32::try_from(i.expires_in).unwrap_or(i32::MAX),
            user: User(i.user),
        }
    }
}

/// Authentication queries.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let p = request_context(ctx)?.principal_any()?;
        let state = ctx.data::<AppState>()?;
        let row = user::Entity::find_by_id(p.user_id)
            .one(&state.db)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::Unauthenticated)?;
        Ok(User(row))
    }
}

/// Authentication mutations.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Logs in. Unknown user and wrong password give the same `UNAUTHENTICATED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<AuthPayload> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        Ok(service::login(state, rc, &username, &password)
            .await?
            .into())
    }

    /// Exchanges a refresh token for new tokens; the old one is spent.
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        Ok(service::refresh(state, rc, &refresh_token).await?.into())
    }

    /// Revokes the refresh token (and its rotations).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        Ok(service::logout(state, rc, &refresh_token).await?)
    }

    /// Replaces the caller's password (required after a temporary one).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current: String,
        new: String,
    ) -> Result<bool> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        let p = rc.principal_any()?;
        password::check_rules(&new, "new")?;
        if current == new {
            return Err(AppError::bad_input(
                "new",
                "The new password must differ from the current one.",
            )
            .into());
        }
        let row = user::Entity::find_by_id(p.user_id)
            .one(&state.db)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::Unauthenticated)?;
        if !password::verify(&current, Some(&row.password_hash)).await? {
            return Err(AppError::bad_input("current", "The current password is wrong.").into());
        }
        let hash = password::hash(&new).await?;
        let mut active: user::ActiveModel = row.into();
        active.password_hash = Set(hash);
        active.must_change_password = Set(false);
        active.updated_at = Set(chrono::Utc::now());
        active.update(&state.db).await.map_err(AppError::from)?;
        rc.audit.push(NewEvent {
            action: Action::PasswordChanged,
            entity_type: Some("User".into()),
            entity_id: Some(p.user_id.to_string()),
            ..NewEvent::default()
        });
        Ok(true)
    }
}

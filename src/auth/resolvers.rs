//! GraphQL operations of authentication.
use async_graphql::{Context, Object, Result, SimpleObject};
use sea_orm::EntityTrait;

use super::{password, password_change, service};
use crate::entity::user;
use crate::error::AppError;
use crate::graphql::admin::types::User;
use crate::graphql::common::operation_name;
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
        Ok(
            service::login(state, rc, operation_name(ctx), &username, &password)
                .await?
                .into(),
        )
    }

    /// Exchanges a refresh token for new tokens; the old one is spent.
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        Ok(
            service::refresh(state, rc, operation_name(ctx), &refresh_token)
                .await?
                .into(),
        )
    }

    /// Revokes the refresh token (and its rotations).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        let state = ctx.data::<AppState>()?;
        let rc = request_context(ctx)?;
        Ok(service::logout(state, rc, operation_name(ctx), &refresh_token).await?)
    }

    /// Replaces the caller's password (required after a temporary one) and
    /// ends all the caller's sessions, this one included: log in again.
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
        password_change::change_password(state, rc, operation_name(ctx), p.user_id, &current, &new)
            .await?;
        Ok(true)
    }
}

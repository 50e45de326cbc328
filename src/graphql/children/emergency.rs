//! Emergency access (nödåtkomst): a time-limited read grant for one child
//! outside the caller's scope, with a stated justification. The grant and
//! every read under it are flagged in the audit log.
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::access::gate::require_write;
use crate::access::{Permission, scope};
use crate::audit::{Action, NewEvent, chain};
use crate::entity::{child, emergency_grant};
use crate::error::AppError;
use crate::graphql::common::{operation_name, parse_id};
use crate::state::AppState;

/// Shortest accepted justification (the same for every justified action).
pub use crate::access::gate::MIN_JUSTIFICATION;

/// A granted emergency access.
#[derive(SimpleObject)]
pub struct EmergencyAccessGrant {
    pub id: ID,
    pub child_id: ID,
    pub justification: String,
    pub granted_at: DateTime<Utc>,
    /// Reads are allowed until this moment.
    pub expires_at: DateTime<Utc>,
}

/// Emergency access mutation.
#[derive(Default)]
pub struct EmergencyMutation;

#[Object]
impl EmergencyMutation {
    /// Opens one child outside the caller's scope for a limited time. Refused
    /// for a child already in scope; the justification needs 20 characters.
    async fn request_emergency_access(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
        justification: String,
    ) -> Result<EmergencyAccessGrant> {
        let (rc, p, _) = require_write(ctx, Permission::EmergencyAccess)?;
        let state = ctx.data::<AppState>()?;
        let child_id = parse_id(&child_id, "childId")?;
        let justification = crate::access::gate::justification_text(&justification)?;
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let exists = child::Entity::find_by_id(child_id)
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if !exists {
            return Err(AppError::NotFound.into());
        }
        let in_scope = child::Entity::find_by_id(child_id)
            .filter(scope::children(&p))
            .one(&txn)
            .await
            .map_err(AppError::from)?
            .is_some();
        if in_scope {
            return Err(AppError::Conflict(
                "The child is already within your scope; no emergency access is needed.".into(),
            )
            .into());
        }
        let now = Utc::now();
        let expires = now + Duration::minutes(state.config.access.emergency_access_minutes);
        let grant = emergency_grant::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(p.user_id),
            child_id: Set(child_id),
            justification: Set(justification.clone()),
            granted_at: Set(now),
            expires_at: Set(expires),
        }
        .insert(&txn)
        .await
        .map_err(AppError::from)?;
        let event = NewEvent {
            action: Action::EmergencyAccessGranted,
            entity_type: Some("Child".into()),
            entity_id: Some(child_id.to_string()),
            subject_child_id: Some(child_id),
            justification: Some(justification.clone()),
            flagged: true,
            flag_reason: Some("emergency access granted".into()),
            grant_id: Some(grant.id),
            ..NewEvent::default()
        };
        chain::append(&txn, vec![(rc.actor(operation_name(ctx)), event)]).await?;
        txn.commit().await.map_err(AppError::from)?;
        tracing::info!(grant_id = %grant.id, child_id = %child_id, "emergency access granted");
        rc.reload_principal(state).await?;
        Ok(EmergencyAccessGrant {
            id: ID(grant.id.to_string()),
            child_id: ID(child_id.to_string()),
            justification,
            granted_at: now,
            expires_at: expires,
        })
    }
}

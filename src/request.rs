//! What a GraphQL request carries through its resolvers: the caller, the
//! request id and client address, and the audit buffer.
use std::sync::{Arc, RwLock};

use crate::access::Principal;
use crate::audit::{Actor, AuditBuffer};
use crate::error::{AppError, AppResult};

/// Per-request data, placed in the GraphQL request's data.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The authenticated caller, if the request had a valid token. Shared
    /// and replaceable: after a mutation that changes the caller's reach
    /// (a child created into their own caseload), it is reloaded.
    pub principal: SharedPrincipal,
    /// The request id (`x-request-id`), also in logs and audit events.
    pub request_id: String,
    /// The client's address.
    pub client_addr: Option<String>,
    /// Reads and denials noted by the gate, written before the response.
    pub audit: AuditBuffer,
}

/// The request's caller, replaceable within the request.
#[derive(Debug, Clone, Default)]
pub struct SharedPrincipal(Arc<RwLock<Option<Arc<Principal>>>>);

impl SharedPrincipal {
    /// Wraps a caller (or none).
    pub fn new(p: Option<Principal>) -> Self {
        Self(Arc::new(RwLock::new(p.map(Arc::new))))
    }
    /// The current caller.
    pub fn get(&self) -> Option<Arc<Principal>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
    /// Replaces the caller.
    pub fn set(&self, p: Principal) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(p));
    }
}

impl RequestContext {
    /// The caller, or `UNAUTHENTICATED`. A user who must change a temporary
    /// password may do nothing else first.
    pub fn principal(&self) -> AppResult<Arc<Principal>> {
        let p = self.principal_any()?;
        if p.must_change_password {
            return Err(AppError::Forbidden);
        }
        Ok(p)
    }

    /// The caller even if a password change is pending (for `me` and
    /// `changePassword`).
    pub fn principal_any(&self) -> AppResult<Arc<Principal>> {
        self.principal.get().ok_or(AppError::Unauthenticated)
    }

    /// Reloads the caller after a change of their reach.
    pub async fn reload_principal(&self, state: &crate::state::AppState) -> AppResult<()> {
        if let Some(p) = self.principal.get() {
            let fresh =
                Principal::load(&state.db, &state.permissions, p.user_id, p.token_id.clone())
                    .await?;
            self.principal.set(fresh);
        }
        Ok(())
    }

    /// The actor fields of this request's audit events.
    pub fn actor(&self, operation_name: Option<&str>) -> Actor {
        let p = self.principal.get();
        let p = p.as_deref();
        Actor {
            user_id: p.map(|p| p.user_id),
            username: p.map(|p| p.username.clone()),
            roles: p.map(|p| p.roles.join(",")).unwrap_or_default(),
            token_id: p.map(|p| p.token_id.clone()),
            request_id: Some(self.request_id.clone()),
            client_addr: self.client_addr.clone(),
            operation_name: operation_name.map(str::to_owned),
        }
    }
}

/// Fetches the request context from a resolver's context.
pub fn request_context<'a>(ctx: &'a async_graphql::Context<'_>) -> AppResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::internal("request context missing"))
}

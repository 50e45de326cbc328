//! `User`, `Role` and `Unit` objects.
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::entity::{unit, user};
use crate::graphql::loaders::UnitKey;
use crate::graphql::prefetch::fetch;

/// An organisation unit of the IFO.
pub struct Unit(pub unit::Model);

/// An organisation unit of the IFO.
#[Object]
impl Unit {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A user of Hearth. Usernames and display names are staff data, visible
/// to colleagues (case workers of a child, secretaries of a home).
pub struct User(pub user::Model);

/// A user of Hearth.
#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Whether the user must replace a temporary password before anything else.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<Unit>> {
        let Some(id) = self.0.unit_id else {
            return Ok(None);
        };
        Ok(fetch(ctx, UnitKey(id)).await?.map(Unit))
    }
}

/// A permission granted by a role, with its scope.
#[derive(SimpleObject, Clone)]
pub struct Grant {
    pub permission: crate::access::Permission,
    pub scope: crate::access::Scope,
}

/// A role: a named set of permissions with scopes.
#[derive(SimpleObject, Clone)]
pub struct Role {
    pub id: ID,
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub permissions: Vec<Grant>,
}

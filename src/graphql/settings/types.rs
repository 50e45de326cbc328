//! Care settings: `FosterHome`, `Institution` and the `CareSetting` union.
use async_graphql::{Context, ID, Object, Result, Union};

use crate::access::{Subject, gate};
use crate::domain::enums::{FosterHomeKind, FosterHomeStatus, InstitutionKind};
use crate::graphql::admin::types::User;
use crate::graphql::date::Date;
use crate::graphql::loaders::{CurrentPlacementsIn, SettingRow, UserKey};
use crate::graphql::placements::types::Placement;
use crate::graphql::prefetch::fetch;

/// A foster home (familjehem).
pub struct FosterHome(pub SettingRow);
/// An institution: HVB, SIS or supported housing.
pub struct Institution(pub SettingRow);

/// Where a child lives during a placement.
#[derive(Union)]
pub enum CareSetting {
    FosterHome(FosterHome),
    Institution(Institution),
}

impl From<SettingRow> for CareSetting {
    fn from(row: SettingRow) -> Self {
        if row.setting.category == "FOSTER_HOME" {
            Self::FosterHome(FosterHome(row))
        } else {
            Self::Institution(Institution(row))
        }
    }
}

fn subject(row: &SettingRow) -> Subject {
    Subject::Setting {
        id: row.setting.id,
        foster_home: row.setting.category == "FOSTER_HOME",
        unit_id: row.setting.unit_id,
        protected_children: row.protected_children.clone(),
    }
}

/// A foster home. Address and phone need PROTECTED_IDENTITY as well while
/// a child with protected identity is placed there.
#[Object]
impl FosterHome {
    async fn id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        gate(ctx, &subject(&self.0))?;
        Ok(Some(ID(self.0.setting.id.to_string())))
    }
    async fn name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(Some(self.0.setting.name.clone()))
    }
    async fn kind(&self, ctx: &Context<'_>) -> Result<Option<FosterHomeKind>> {
        gate(ctx, &subject(&self.0))?;
        Ok(FosterHomeKind::parse(&self.0.setting.kind))
    }
    /// The agency of an agency-supported home.
    async fn agency_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.agency_name.clone())
    }
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.address.clone())
    }
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.phone.clone())
    }
    /// Most placements the home may hold at the same time.
    async fn capacity(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.capacity)
    }
    async fn status(&self, ctx: &Context<'_>) -> Result<Option<FosterHomeStatus>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self
            .0
            .setting
            .status
            .as_deref()
            .and_then(FosterHomeStatus::parse))
    }
    async fn approved_on(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.approved_on.map(Date))
    }
    /// The supporting foster home secretary.
    async fn secretary(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        gate(ctx, &subject(&self.0))?;
        let Some(id) = self.0.setting.secretary_id else {
            return Ok(None);
        };
        Ok(fetch(ctx, UserKey(id)).await?.map(User))
    }
    /// Placements in the home today, within the caller's scope.
    async fn current_placements(&self, ctx: &Context<'_>) -> Result<Option<Vec<Placement>>> {
        gate(ctx, &subject(&self.0))?;
        let rows = fetch(ctx, CurrentPlacementsIn(self.0.setting.id))
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Placement).collect()))
    }
}

/// An institution (HVB, SIS, supported housing).
#[Object]
impl Institution {
    async fn id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        gate(ctx, &subject(&self.0))?;
        Ok(Some(ID(self.0.setting.id.to_string())))
    }
    async fn name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(Some(self.0.setting.name.clone()))
    }
    async fn kind(&self, ctx: &Context<'_>) -> Result<Option<InstitutionKind>> {
        gate(ctx, &subject(&self.0))?;
        Ok(InstitutionKind::parse(&self.0.setting.kind))
    }
    async fn provider(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.provider.clone())
    }
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.address.clone())
    }
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.phone.clone())
    }
    /// The institution's list price per day in whole SEK.
    async fn daily_rate(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        gate(ctx, &subject(&self.0))?;
        Ok(self.0.setting.daily_rate)
    }
}

//! The statement the caller is loaded with (issue 12): whether the token's
//! session is live, the access version, and the rows the OWN, UNIT and
//! emergency reach rules (`access::reach`) are decided from, as one
//! `UNION ALL`. It replaced five or six statements per request, each a
//! round trip and a plan.
//!
//! Every branch has the same columns: `kind`, two ids, two dates and two
//! numbers, typed NULL where a branch has nothing to say. The placements
//! of the caseload and of the supported homes are separate branches, each
//! a semi-join the planner answers from an index; written as one `OR` of
//! two `IN (subquery)`, PostgreSQL reads every placement.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Query, QueryStatementBuilder, SelectStatement, UnionType,
};
use sea_orm::{ColumnTrait, ConnectionTrait, Statement};
use uuid::Uuid;

use crate::auth::token::Verified;
use crate::entity::{care_setting, caseload, emergency_grant, placement, user};
use crate::error::{AppError, AppResult};

/// Kinds of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The session row: `version` and `live`.
    Session,
    /// A caseload child (`a`).
    Caseload,
    /// A home the user supports (`b`).
    Supported,
    /// A placement of a caseload child or in a supported home: child `a`,
    /// setting `b`, `start`, `end`.
    Placement,
    /// An active emergency grant: child `a`, grant id `b`.
    Grant,
    /// A setting a child under a grant is or was placed in (`b`).
    GrantedSetting,
    /// A setting of the user's unit, or where a child of the unit is or
    /// was placed (`b`; `setting_units`).
    UnitSetting,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Session,
        Kind::Caseload,
        Kind::Supported,
        Kind::Placement,
        Kind::Grant,
        Kind::GrantedSetting,
        Kind::UnitSetting,
    ];

    fn code(self) -> i64 {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0) as i64
    }
}

/// One row of the statement.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub kind: Kind,
    pub a: Option<Uuid>,
    pub b: Option<Uuid>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub version: Option<i64>,
    pub live: Option<i64>,
}

fn none_uuid() -> Expr {
    Expr::val(Option::<Uuid>::None)
}

fn none_date() -> Expr {
    Expr::val(Option::<NaiveDate>::None)
}

fn none_int() -> Expr {
    Expr::val(Option::<i64>::None)
}

/// A branch with its kind and the columns in order; the first branch names
/// them.
fn branch(kind: Kind, columns: [Expr; 6]) -> SelectStatement {
    let names = ["a", "b", "start_date", "end_date", "version", "live"];
    let mut q = Query::select();
    q.expr_as(Expr::val(kind.code()), Alias::new("kind"));
    for (name, expr) in names.into_iter().zip(columns) {
        q.expr_as(expr, Alias::new(name));
    }
    q
}

fn caseload_children(user_id: Uuid, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(caseload::Column::ChildId)
        .from(caseload::Entity)
        .and_where(caseload::Column::UserId.eq(user_id))
        .cond_where(super::scope::active_assignment(today))
        .to_owned()
}

fn supported_homes(user_id: Uuid) -> SelectStatement {
    Query::select()
        .column(care_setting::Column::Id)
        .from(care_setting::Entity)
        .and_where(care_setting::Column::SecretaryId.eq(user_id))
        .to_owned()
}

fn granted_children(user_id: Uuid, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(emergency_grant::Column::ChildId)
        .from(emergency_grant::Entity)
        .and_where(emergency_grant::Column::UserId.eq(user_id))
        .and_where(emergency_grant::Column::ExpiresAt.gt(now))
        .to_owned()
}

fn placements_where(kind: Kind, cond: Expr) -> SelectStatement {
    let mut q = branch(
        kind,
        [
            Expr::col(placement::Column::ChildId),
            Expr::col(placement::Column::SettingId),
            Expr::col(placement::Column::StartDate),
            Expr::col(placement::Column::EndDate),
            none_int(),
            none_int(),
        ],
    );
    q.from(placement::Entity).and_where(cond);
    q
}

/// The statement for `token`'s user on `today` at `now`.
fn statement(token: &Verified, today: NaiveDate, now: DateTime<Utc>) -> SelectStatement {
    let user = token.user_id;
    let live = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new("sessions"))
        .and_where(Expr::col(Alias::new("id")).eq(token.session_id))
        .and_where(Expr::col(Alias::new("user_id")).eq(user))
        .and_where(Expr::col(Alias::new("revoked_at")).is_null())
        .and_where(Expr::col(Alias::new("expires_at")).gt(now))
        .to_owned();
    let version = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("access_version"))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    let mut q = branch(
        Kind::Session,
        [
            none_uuid(),
            none_uuid(),
            none_date(),
            none_date(),
            Expr::SubQuery(None, Box::new(version.into_sub_query_statement())),
            Expr::SubQuery(None, Box::new(live.into_sub_query_statement())),
        ],
    );
    let mut caseload = branch(
        Kind::Caseload,
        [
            Expr::col(caseload::Column::ChildId),
            none_uuid(),
            none_date(),
            none_date(),
            none_int(),
            none_int(),
        ],
    );
    caseload
        .from(caseload::Entity)
        .and_where(caseload::Column::UserId.eq(user))
        .cond_where(super::scope::active_assignment(today));
    let mut supported = branch(
        Kind::Supported,
        [
            none_uuid(),
            Expr::col(care_setting::Column::Id),
            none_date(),
            none_date(),
            none_int(),
            none_int(),
        ],
    );
    supported
        .from(care_setting::Entity)
        .and_where(care_setting::Column::SecretaryId.eq(user));
    let mut grants = branch(
        Kind::Grant,
        [
            Expr::col(emergency_grant::Column::ChildId),
            Expr::col(emergency_grant::Column::Id),
            none_date(),
            none_date(),
            none_int(),
            none_int(),
        ],
    );
    grants
        .from(emergency_grant::Entity)
        .and_where(emergency_grant::Column::UserId.eq(user))
        .and_where(emergency_grant::Column::ExpiresAt.gt(now));
    let by_child = placements_where(
        Kind::Placement,
        placement::Column::ChildId.in_subquery(caseload_children(user, today)),
    );
    let by_home = placements_where(
        Kind::Placement,
        placement::Column::SettingId.in_subquery(supported_homes(user)),
    );
    let granted = placements_where(
        Kind::GrantedSetting,
        placement::Column::ChildId.in_subquery(granted_children(user, now)),
    );
    let unit = || {
        Query::select()
            .column(user::Column::UnitId)
            .from(user::Entity)
            .and_where(user::Column::Id.eq(user))
            .to_owned()
    };
    let setting_only = |column: Expr| {
        [
            none_uuid(),
            column,
            none_date(),
            none_date(),
            none_int(),
            none_int(),
        ]
    };
    let mut unit_own = branch(
        Kind::UnitSetting,
        setting_only(Expr::col(care_setting::Column::Id)),
    );
    unit_own
        .from(care_setting::Entity)
        .and_where(care_setting::Column::UnitId.in_subquery(unit()));
    let mut unit_placed = branch(
        Kind::UnitSetting,
        setting_only(Expr::col(Alias::new("setting_id"))),
    );
    unit_placed
        .from(Alias::new("setting_units"))
        .and_where(Expr::col(Alias::new("unit_id")).in_subquery(unit()));
    for other in [
        caseload,
        supported,
        grants,
        by_child,
        by_home,
        granted,
        unit_own,
        unit_placed,
    ] {
        q.union(UnionType::All, other);
    }
    q
}

/// Runs the statement.
pub(super) async fn load<C: ConnectionTrait>(
    db: &C,
    token: &Verified,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Vec<Row>> {
    let backend = db.get_database_backend();
    let built: Statement = backend.build(&statement(token, today, now));
    let mut rows = Vec::new();
    for r in db.query_all_raw(built).await? {
        let code: i64 = r.try_get("", "kind")?;
        let kind = usize::try_from(code)
            .ok()
            .and_then(|i| Kind::ALL.get(i).copied())
            .ok_or_else(|| AppError::internal("unknown kind of reach row"))?;
        rows.push(Row {
            kind,
            a: r.try_get("", "a")?,
            b: r.try_get("", "b")?,
            start: r.try_get("", "start_date")?,
            end: r.try_get("", "end_date")?,
            version: r.try_get("", "version")?,
            live: r.try_get("", "live")?,
        });
    }
    Ok(rows)
}

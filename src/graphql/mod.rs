//! The GraphQL schema, assembled from one module per feature.
pub mod admin;
pub mod audit;
pub mod children;
pub mod common;
pub mod date;
pub mod deadlines;
pub mod input_check;
pub mod interventions;
pub mod loaders;
pub mod measures;
pub mod open_care;
pub mod pagination;
pub mod placements;
pub mod prefetch;
pub mod settings;
pub mod statistics;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::auth::resolvers::{AuthMutation, AuthQuery};
use crate::config::ServerConfig;

/// All queries; named `Query` in the schema, as GraphQL clients expect.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    AuthQuery,
    children::ChildQuery,
    placements::PlacementQuery,
    interventions::InterventionQuery,
    deadlines::DeadlineQuery,
    settings::SettingQuery,
    admin::AdminQuery,
    admin::grants::GrantQuery,
    audit::AuditQuery,
    statistics::StatisticsQuery,
    open_care::OpenCareQuery,
    measures::MeasureQuery,
);

/// All mutations; named `Mutation` in the schema.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    children::mutation::ChildMutation,
    placements::mutation::PlacementMutation,
    interventions::mutation::InterventionMutation,
    deadlines::mutation::DeadlineMutation,
    settings::mutation::SettingMutation,
    children::emergency::EmergencyMutation,
    admin::mutation::AdminMutation,
    admin::roles::RoleMutation,
    admin::grants::GrantMutation,
    statistics::StatisticsMutation,
    open_care::OpenCareMutation,
);

/// The schema type.
pub type HearthSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// What chrono's `DateTime<Utc>` scalar says of itself names the Rust type;
/// clients read this instead (issue 13: no implementation type in the schema).
const DATE_TIME: &str = "A point in time, an RFC 3339 date and time with offset (`2025-07-01T08:30:00Z`); answers are in UTC.";

fn builder() -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    type Utc = chrono::DateTime<chrono::Utc>;
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .override_output_type_description::<Utc>(DATE_TIME)
    .override_input_type_description::<Utc>(DATE_TIME)
}

/// Builds the schema with the configured limits.
pub fn build(server: &ServerConfig) -> HearthSchema {
    let mut builder = builder()
        .limit_depth(server.max_depth)
        .limit_complexity(server.max_complexity)
        .limit_recursive_depth(64)
        .extension(input_check::InputCheck)
        .extension(crate::graphql_errors::NullOnError)
        .extension(crate::audit::opname::OperationName);
    if !server.introspection {
        // "Did you mean ...?" would tell the schema to whoever guesses.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

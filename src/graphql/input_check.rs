//! Input coercion checked before execution, so that no malformed argument
//! reaches a resolver (issue 10, hole 6).
//!
//! async-graphql validates argument literals loosely (an `Int` is any 64-bit
//! number, a date any string, an input object may be a string) and coerces
//! them only when a resolver runs; a failure there has a path and no code,
//! and used to end as `INTERNAL`. This extension walks the parsed document
//! once (each fragment definition once, never expanded), substitutes the
//! request's variables, and coerces every argument as the resolvers would,
//! only stricter: `Int` is 32-bit as the GraphQL specification says, dates
//! must be real dates inside [`MIN_DATE`]..=[`MAX_DATE`]. The first problem
//! is answered `BAD_USER_INPUT` with `extensions.field` naming the innermost
//! argument or input field.
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection,
    SelectionSet, VariableDefinition,
};
use async_graphql::registry::{MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Positioned, Request, ServerError, ServerResult, Value, Variables};
use chrono::{DateTime, NaiveDate, Utc};

/// The earliest date any argument may hold (placement dates, approval
/// dates, statistics periods, audit filters).
pub const MIN_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The latest date any argument may hold.
pub const MAX_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// An argument that cannot be coerced: the field to name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The innermost argument or input field name.
    pub field: String,
    /// A sentence for the client.
    pub message: String,
}

fn problem(field: &str, message: String) -> Problem {
    Problem {
        field: field.to_owned(),
        message,
    }
}

/// A checked date: a real date inside the bounds.
fn date_in_bounds(d: NaiveDate, field: &str) -> Result<(), Problem> {
    if (MIN_DATE..=MAX_DATE).contains(&d) {
        Ok(())
    } else {
        Err(problem(
            field,
            format!("{field} must lie between {MIN_DATE} and {MAX_DATE}."),
        ))
    }
}

fn scalar(reg: &Registry, name: &str, value: &Value, field: &str) -> Result<(), Problem> {
    let wrong = || problem(field, format!("{field} must be of type {name}."));
    match (name, value) {
        ("Int", Value::Number(n)) => match n.as_i64().map(i32::try_from) {
            Some(Ok(_)) => Ok(()),
            _ => Err(problem(
                field,
                format!(
                    "{field} must be a whole number from {} to {}.",
                    i32::MIN,
                    i32::MAX
                ),
            )),
        },
        // PostgreSQL cannot store NUL in text (an INTERNAL error when it
        // tried), and no name, address or filter has one.
        ("String" | "ID", Value::String(s)) if s.contains('\0') => Err(problem(
            field,
            format!("{field} must not contain a NUL character."),
        )),
        ("Float", Value::Number(_))
        | ("String", Value::String(_))
        | ("Boolean", Value::Boolean(_))
        | ("ID", Value::String(_)) => Ok(()),
        ("ID", Value::Number(n)) if n.is_i64() => Ok(()),
        ("Date", Value::String(s)) => {
            let d = crate::graphql::date::parse_iso_date(s).ok_or_else(|| {
                problem(field, format!("{field} must be a real date, YYYY-MM-DD."))
            })?;
            date_in_bounds(d, field)
        }
        ("DateTime", Value::String(s)) => {
            let t = s.parse::<DateTime<Utc>>().map_err(|_| {
                problem(
                    field,
                    format!("{field} must be a date and time in RFC 3339 form."),
                )
            })?;
            date_in_bounds(t.date_naive(), field)
        }
        ("Int" | "Float" | "String" | "Boolean" | "ID" | "Date" | "DateTime", _) => Err(wrong()),
        _ => match reg.types.get(name) {
            Some(MetaType::Scalar {
                is_valid: Some(is_valid),
                ..
            }) if !is_valid(value) => Err(wrong()),
            _ => Ok(()),
        },
    }
}

fn input_object(
    reg: &Registry,
    name: &str,
    fields: &IndexMap<String, MetaInputValue>,
    value: &Value,
    field: &str,
) -> Result<(), Problem> {
    let Value::Object(given) = value else {
        return Err(problem(
            field,
            format!("{field} must be an object of type {name}."),
        ));
    };
    if let Some(unknown) = given.keys().find(|k| !fields.contains_key(k.as_str())) {
        return Err(problem(unknown, format!("{name} has no field {unknown}.")));
    }
    for meta in fields.values() {
        match given.get(meta.name.as_str()) {
            Some(v) => check(reg, &meta.ty, v, &meta.name)?,
            None if meta.ty.ends_with('!') && meta.default_value.is_none() => {
                return Err(problem(&meta.name, format!("{} is required.", meta.name)));
            }
            None => {}
        }
    }
    Ok(())
}

/// Checks `value` against the schema type `ty`; `field` names it.
pub fn check(reg: &Registry, ty: &str, value: &Value, field: &str) -> Result<(), Problem> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => match value {
            Value::Null => Err(problem(field, format!("{field} must not be null."))),
            _ => check(reg, inner, value, field),
        },
        MetaTypeName::List(inner) => match value {
            Value::Null => Ok(()),
            Value::List(items) => items.iter().try_for_each(|v| check(reg, inner, v, field)),
            // A single value stands for a list of one.
            other => check(reg, inner, other, field),
        },
        MetaTypeName::Named(_) if *value == Value::Null => Ok(()),
        MetaTypeName::Named(name) => match reg.types.get(name) {
            Some(MetaType::Scalar { .. }) => scalar(reg, name, value, field),
            Some(MetaType::Enum { enum_values, .. }) => match value {
                Value::Enum(v) if enum_values.contains_key(v.as_str()) => Ok(()),
                Value::String(v) if enum_values.contains_key(v.as_str()) => Ok(()),
                _ => Err(problem(
                    field,
                    format!("{field} must be one of the values of {name}."),
                )),
            },
            Some(MetaType::InputObject { input_fields, .. }) => {
                input_object(reg, name, input_fields, value, field)
            }
            _ => Ok(()),
        },
    }
}

/// Walks a document's arguments with the request's variables.
struct Walk<'a> {
    reg: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: &'a [Positioned<VariableDefinition>],
}

impl Walk<'_> {
    /// The argument with variables substituted; `None` when one is missing
    /// (validation reports that).
    fn resolve(&self, value: &async_graphql_value::Value) -> Option<Value> {
        value
            .clone()
            .into_const_with(|name: Name| {
                if let Some(v) = self.variables.get(&name) {
                    return Ok(v.clone());
                }
                self.defaults
                    .iter()
                    .find(|d| d.node.name.node == name)
                    .and_then(|d| d.node.default_value.as_ref())
                    .map(|v| v.node.clone())
                    .ok_or(())
            })
            .ok()
    }

    fn arguments(
        &self,
        metas: &IndexMap<String, MetaInputValue>,
        args: &[(Positioned<Name>, Positioned<async_graphql_value::Value>)],
    ) -> ServerResult<()> {
        for (name, value) in args {
            let (Some(meta), Some(v)) = (metas.get(name.node.as_str()), self.resolve(&value.node))
            else {
                continue;
            };
            check(self.reg, &meta.ty, &v, name.node.as_str()).map_err(|p| refusal(p, value.pos))?;
        }
        Ok(())
    }

    fn directives(&self, directives: &[Positioned<Directive>]) -> ServerResult<()> {
        for d in directives {
            if let Some(meta) = self.reg.directives.get(d.node.name.node.as_str()) {
                self.arguments(&meta.args, &d.node.arguments)?;
            }
        }
        Ok(())
    }

    fn field(&self, parent: &str, field: &Field) -> ServerResult<()> {
        self.directives(&field.directives)?;
        let Some(meta) = self
            .reg
            .types
            .get(parent)
            .and_then(|t| t.field_by_name(field.name.node.as_str()))
        else {
            return Ok(());
        };
        self.arguments(&meta.args, &field.arguments)?;
        self.selections(
            MetaTypeName::concrete_typename(&meta.ty),
            &field.selection_set.node,
        )
    }

    fn selections(&self, parent: &str, set: &SelectionSet) -> ServerResult<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => self.field(parent, &f.node)?,
                Selection::FragmentSpread(s) => self.directives(&s.node.directives)?,
                Selection::InlineFragment(i) => {
                    self.directives(&i.node.directives)?;
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.selections(on, &i.node.selection_set.node)?;
                }
            }
        }
        Ok(())
    }

    fn operation(&self, op: &OperationDefinition) -> ServerResult<()> {
        use async_graphql::parser::types::OperationType;
        let root = match op.ty {
            OperationType::Query => Some(self.reg.query_type.as_str()),
            OperationType::Mutation => self.reg.mutation_type.as_deref(),
            OperationType::Subscription => self.reg.subscription_type.as_deref(),
        };
        self.directives(&op.directives)?;
        match root {
            Some(root) => self.selections(root, &op.selection_set.node),
            None => Ok(()),
        }
    }
}

fn refusal(p: Problem, pos: Pos) -> ServerError {
    let mut err = ServerError::new(p.message, Some(pos));
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", "BAD_USER_INPUT");
    ext.set("field", p.field);
    err
}

/// Checks every argument of the operation that will run (`operation`, or
/// every operation when none is named) and of every fragment.
pub fn check_document(
    reg: &Registry,
    doc: &ExecutableDocument,
    variables: &Variables,
    operation: Option<&str>,
) -> ServerResult<()> {
    let ops: Vec<&OperationDefinition> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops
            .iter()
            .filter(|(name, _)| operation.is_none_or(|o| o == name.as_str()))
            .map(|(_, op)| &op.node)
            .collect(),
    };
    for op in &ops {
        let walk = Walk {
            reg,
            doc,
            variables,
            defaults: &op.variable_definitions,
        };
        walk.operation(op)?;
        for fragment in walk.doc.fragments.values() {
            let f = &fragment.node;
            walk.directives(&f.directives)?;
            walk.selections(
                f.type_condition.node.on.node.as_str(),
                &f.selection_set.node,
            )?;
        }
    }
    Ok(())
}

/// Extension factory: strict input coercion before execution.
pub struct InputCheck;

impl ExtensionFactory for InputCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputCheckExtension::default())
    }
}

#[derive(Default)]
struct InputCheckExtension {
    /// The operation the request names, kept from `prepare_request`.
    operation: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputCheckExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *self
            .operation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let operation = self
            .operation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        check_document(
            &ctx.schema_env.registry,
            &doc,
            variables,
            operation.as_deref(),
        )?;
        Ok(doc)
    }
}

#[cfg(test)]
#[path = "input_check_tests.rs"]
mod tests;

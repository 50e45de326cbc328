//! The name an operation is recorded under, taken from the document that
//! runs rather than from the request body: a body's `operationName` may be
//! missing (`query Probe { ... }` sent alone) or, for an anonymous
//! operation, name nothing that ran. The audit log must say what ran.
use async_graphql::ServerResult;
use async_graphql::Variables;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use std::sync::Arc;

use crate::request::RequestContext;

/// What the parsed document says about the operation's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentOperation {
    /// One anonymous operation: it has no name, whatever the body says.
    Anonymous,
    /// One named operation: it runs, whatever the body says.
    Named(String),
    /// Several named operations: the body's `operationName` chooses one
    /// (and the executor refuses a name the document lacks).
    Chosen,
}

/// Schema extension that notes the document's operation in the audit buffer.
pub struct OperationName;

impl ExtensionFactory for OperationName {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationNameExtension)
    }
}

struct OperationNameExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for OperationNameExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Some(rc) = ctx.data_opt::<RequestContext>() {
            let op = match &doc.operations {
                DocumentOperations::Single(_) => DocumentOperation::Anonymous,
                DocumentOperations::Multiple(ops) if ops.len() == 1 => {
                    ops.keys().next().map_or(DocumentOperation::Chosen, |n| {
                        DocumentOperation::Named(n.to_string())
                    })
                }
                DocumentOperations::Multiple(_) => DocumentOperation::Chosen,
            };
            rc.audit.set_document_operation(op);
        }
        Ok(doc)
    }
}

/// The name to record: the document's, or the body's where the body chose.
pub fn recorded_name(document: Option<DocumentOperation>, body: Option<String>) -> Option<String> {
    match document {
        Some(DocumentOperation::Anonymous) => None,
        Some(DocumentOperation::Named(name)) => Some(name),
        // Not parsed (a parse error) or chosen by the body.
        Some(DocumentOperation::Chosen) | None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_what_ran() {
        let body = Some("Harmless".to_owned());
        assert_eq!(
            recorded_name(Some(DocumentOperation::Anonymous), body.clone()),
            None
        );
        assert_eq!(
            recorded_name(Some(DocumentOperation::Named("Probe".into())), body.clone()),
            Some("Probe".into())
        );
        assert_eq!(
            recorded_name(Some(DocumentOperation::Chosen), body.clone()),
            body
        );
    }
}

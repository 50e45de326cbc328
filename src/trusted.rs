//! Trusted documents (persisted operations): under `server.trusted_documents`
//! only operations the project's own front ends registered at build time are
//! executed, so an insider or attacker with a valid token cannot send
//! hand-made documents (probing fields, aliases, batches of guesses).
//!
//! The manifest is the JSON object graphql-codegen's client preset writes
//! with `persistedDocuments: { hashAlgorithm: 'sha256' }`:
//! `{"<sha256 of the document, hex>": "<document>"}`. It is read once at
//! start, and every entry is checked against its hash, so a manifest edited
//! by hand cannot smuggle a document under another's id.
//!
//! A client asks for a document by `documentId` (`"<hex>"` or
//! `"sha256:<hex>"`, The Guild's convention) or, for Apollo clients, by
//! `extensions.persistedQuery.sha256Hash`. Automatic persisted queries
//! (registering a document at run time by sending it with its hash) are not
//! supported: registration is what trusted documents forbid.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Request;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::audit::{Action, NewEvent, Outcome};
use crate::error::AppError;

/// Largest manifest read (16 MiB: some thousand operations).
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

/// The registered documents, by hash.
#[derive(Debug, Default)]
pub struct TrustedDocuments {
    by_hash: HashMap<String, Arc<str>>,
    /// Names of the registered operations: the only operation names that
    /// become metric labels or appear in logs (`crate::observe`), since any
    /// other name is the client's free text.
    names: std::collections::HashSet<String>,
}

/// The id of a trusted document a request asks for, before lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentId(pub String);

/// The document id a request names, if any: `documentId` first, then the
/// Apollo `persistedQuery` extension. Normalised to lower-case hex.
pub fn requested_id(
    document_id: Option<String>,
    extensions: &Map<String, Value>,
) -> Option<DocumentId> {
    let id = document_id.or_else(|| {
        extensions
            .get("persistedQuery")
            .and_then(|p| p.get("sha256Hash"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    })?;
    let hex = id.strip_prefix("sha256:").unwrap_or(&id);
    Some(DocumentId(hex.to_ascii_lowercase()))
}

/// The names of the operations a document defines (none for one anonymous
/// operation); `None` if it does not parse.
fn operation_names(document: &str) -> Option<Vec<String>> {
    use async_graphql::parser::types::DocumentOperations;
    match async_graphql::parser::parse_query(document)
        .ok()?
        .operations
    {
        DocumentOperations::Multiple(ops) => Some(ops.keys().map(|n| n.to_string()).collect()),
        DocumentOperations::Single(_) => Some(Vec::new()),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl TrustedDocuments {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &str) -> anyhow::Result<Self> {
        use std::io::Read;
        let fail = |e: &dyn std::fmt::Display| {
            anyhow::anyhow!("HEARTH_SERVER__TRUSTED_DOCUMENTS: cannot read {path}: {e}")
        };
        let file = std::fs::File::open(path).map_err(|e| fail(&e))?;
        // Read at most one byte past the limit, so a wrong path (a device,
        // a huge file) fails at once instead of filling memory.
        let mut text = String::new();
        file.take(MAX_MANIFEST_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| fail(&e))?;
        if text.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(fail(&format!("larger than {MAX_MANIFEST_BYTES} bytes")));
        }
        Self::parse(&text)
            .map_err(|e| anyhow::anyhow!("HEARTH_SERVER__TRUSTED_DOCUMENTS: {path}: {e}"))
    }

    /// Parses a manifest: an object of sha256 hex hashes to documents, each
    /// document hashing to its key.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let entries: HashMap<String, String> = serde_json::from_str(text).map_err(|_| {
            anyhow::anyhow!("not a JSON object of {{\"<sha256 hex>\": \"<document>\"}}")
        })?;
        let mut by_hash = HashMap::with_capacity(entries.len());
        let mut names = std::collections::HashSet::new();
        for (hash, document) in entries {
            let hash = hash.to_ascii_lowercase();
            if sha256_hex(&document) != hash {
                anyhow::bail!(
                    "the document under {hash} does not hash to it (sha256 of the document text)"
                );
            }
            let found = operation_names(&document)
                .ok_or_else(|| anyhow::anyhow!("the document under {hash} is not GraphQL"))?;
            names.extend(found);
            by_hash.insert(hash, Arc::from(document));
        }
        if by_hash.is_empty() {
            anyhow::bail!("the manifest holds no documents, so nothing could be executed");
        }
        Ok(Self { by_hash, names })
    }

    /// Whether `name` is the name of a registered operation.
    pub fn registers(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The text that runs for a request: the registered document when an
    /// id names one, otherwise what was sent (which `resolve` then refuses
    /// or runs, as the setting says).
    pub fn text<'a>(&'a self, sent: &'a str, id: Option<&DocumentId>) -> &'a str {
        id.and_then(|id| self.by_hash.get(&id.0))
            .map_or(sent, |d| d.as_ref())
    }

    /// Number of registered documents.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the manifest is empty (`parse` refuses that).
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// Why a request was not executed under the trusted-documents setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untrusted {
    /// Trusted documents are on and the request sent a document's text.
    NotRegistered,
    /// The id names no registered document.
    UnknownId,
    /// The request sent only an id, and trusted documents are off.
    Off,
}

impl Untrusted {
    /// The error the client gets.
    pub fn error(self) -> AppError {
        let message = match self {
            Self::NotRegistered => {
                "Only registered operations are executed here: send the documentId of a trusted document."
            }
            Self::UnknownId => "No trusted document has this documentId.",
            Self::Off => "Trusted documents are not enabled here: send the query text.",
        };
        AppError::bad_input("documentId", message)
    }

    /// The audit event of the refusal (a refused attempt leaves a trace);
    /// never the document or the id, which are the client's text.
    pub fn event(self) -> NewEvent {
        NewEvent {
            action: Action::Refused,
            entity_type: Some("Operation".into()),
            fields: vec!["BAD_USER_INPUT".into(), "trusted_documents".into()],
            outcome: Outcome::Denied,
            ..NewEvent::default()
        }
    }

    /// The response: this error alone.
    pub fn response(self) -> async_graphql::Response {
        use async_graphql::ErrorExtensions;
        let error = self.error().extend();
        let mut server_error = async_graphql::ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        async_graphql::Response::from_errors(vec![server_error])
    }
}

/// The request to execute: the registered document in place of whatever
/// text was sent when trusted documents are on, the request as sent when
/// they are off.
pub fn resolve(
    trusted: Option<&TrustedDocuments>,
    mut request: Request,
    id: Option<&DocumentId>,
) -> Result<Request, Untrusted> {
    match (trusted, id) {
        (Some(docs), Some(id)) => {
            let document = docs.by_hash.get(&id.0).ok_or(Untrusted::UnknownId)?;
            request.query = document.to_string();
            Ok(request)
        }
        (Some(_), None) => Err(Untrusted::NotRegistered),
        (None, Some(_)) if request.query.is_empty() => Err(Untrusted::Off),
        (None, _) => Ok(request),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "query Me { me { id } }";

    fn manifest() -> TrustedDocuments {
        TrustedDocuments::parse(&serde_json::json!({ sha256_hex(DOC): DOC }).to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_registered_id_runs_its_own_document_whatever_text_came_with_it() {
        let docs = manifest();
        let id = DocumentId(sha256_hex(DOC));
        let sent = Request::new("{ children { edges { node { id } } } }");
        let run = resolve(Some(&docs), sent, Some(&id)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(run.query, DOC);
        assert_eq!(
            resolve(Some(&docs), Request::new(DOC), None).err(),
            Some(Untrusted::NotRegistered)
        );
        let unknown = DocumentId("00".repeat(32));
        assert_eq!(
            resolve(Some(&docs), Request::new(""), Some(&unknown)).err(),
            Some(Untrusted::UnknownId)
        );
        assert_eq!(
            resolve(None, Request::new(""), Some(&id)).err(),
            Some(Untrusted::Off)
        );
    }

    #[test]
    fn ids_come_from_document_id_or_the_apollo_extension() {
        let ext: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "persistedQuery": { "version": 1, "sha256Hash": "ABC" }
        }))
        .unwrap_or_default();
        assert_eq!(requested_id(None, &ext), Some(DocumentId("abc".into())));
        assert_eq!(
            requested_id(Some("sha256:DEF".into()), &ext),
            Some(DocumentId("def".into()))
        );
        assert_eq!(requested_id(None, &Map::new()), None);
    }

    #[test]
    fn a_manifest_entry_that_does_not_hash_to_its_key_is_refused() {
        let forged =
            serde_json::json!({ sha256_hex(DOC): "{ children { edges { node { id } } } }" });
        assert!(TrustedDocuments::parse(&forged.to_string()).is_err());
        assert!(TrustedDocuments::parse("[]").is_err());
        assert!(TrustedDocuments::parse("{}").is_err());
    }
}

//! The per-request audit buffer. The gate notes every allowed and denied
//! field here; reads are merged into one event per data subject. Before the
//! response leaves, the buffer is written through the audit writer.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::event::{Action, NewEvent, Outcome};

/// What a request has read or tried, waiting to be written.
#[derive(Debug, Default, Clone)]
pub struct AuditBuffer {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (entity type, entity id, outcome) to the merged event.
    reads: BTreeMap<(String, String, Outcome), Read>,
    others: Vec<NewEvent>,
    /// Response paths of refusals recorded already (by the gate, `require`
    /// or a not-found note), so the refusal check does not count them twice.
    refused_paths: HashMap<String, usize>,
    /// The operation the parsed document runs (`opname`).
    document_operation: Option<super::opname::DocumentOperation>,
}

#[derive(Debug, Default)]
struct Read {
    subject_child_id: Option<Uuid>,
    fields: BTreeSet<String>,
    grant_id: Option<Uuid>,
    flag_reason: Option<String>,
    protected: Option<bool>,
    /// How many times fields of the subject were noted: for a denied
    /// subject, the number of refusals folded into its one event.
    count: i64,
}

/// A data subject of a read: a child, a care setting, or an aggregate.
#[derive(Debug, Clone)]
pub struct DataSubject {
    /// `Child`, `CareSetting`, `Statistics`, ...
    pub entity_type: &'static str,
    /// The entity's id.
    pub entity_id: String,
    /// The child the data is about, where there is one.
    pub subject_child_id: Option<Uuid>,
    /// Whether the child had protected identity at the time of the read
    /// (for a setting: whether such a child is placed there).
    pub protected: Option<bool>,
}

impl AuditBuffer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another resolver panicked; the notes
        // made so far are still valid, and dropping them would lose trace.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes the read (or denied read) of `field` of `subject`.
    pub fn note(
        &self,
        subject: &DataSubject,
        field: String,
        outcome: Outcome,
        grant_id: Option<Uuid>,
        flag_reason: Option<&str>,
    ) {
        let mut inner = self.lock();
        let entry = inner
            .reads
            .entry((
                subject.entity_type.to_owned(),
                subject.entity_id.clone(),
                outcome,
            ))
            .or_default();
        if subject.subject_child_id.is_some() {
            entry.subject_child_id = subject.subject_child_id;
        }
        if subject.protected.is_some() {
            entry.protected = subject.protected;
        }
        entry.fields.insert(field);
        entry.count += 1;
        if grant_id.is_some() {
            entry.grant_id = grant_id;
        }
        if let Some(reason) = flag_reason {
            entry.flag_reason = Some(reason.to_owned());
        }
    }

    /// Adds a complete event (login, denial of a record, auditors' queries...).
    pub fn push(&self, event: NewEvent) {
        self.lock().others.push(event);
    }

    /// Notes that the refusal at response path `path` has its event.
    pub fn mark_refused(&self, path: String) {
        *self.lock().refused_paths.entry(path).or_default() += 1;
    }

    /// Whether a refusal at `path` was recorded already (consumes the mark).
    pub fn take_refused(&self, path: &str) -> bool {
        let mut inner = self.lock();
        match inner.refused_paths.get_mut(path) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Notes the operation the parsed document runs.
    pub fn set_document_operation(&self, op: super::opname::DocumentOperation) {
        self.lock().document_operation = Some(op);
    }

    /// The operation the parsed document runs, if it was parsed.
    pub fn document_operation(&self) -> Option<super::opname::DocumentOperation> {
        self.lock().document_operation.clone()
    }

    /// Takes everything noted so far, as events.
    pub fn drain(&self) -> Vec<NewEvent> {
        let mut inner = self.lock();
        let reads = std::mem::take(&mut inner.reads);
        let mut events: Vec<NewEvent> = reads
            .into_iter()
            .map(|((entity_type, entity_id, outcome), read)| NewEvent {
                action: Action::Read,
                entity_type: Some(entity_type),
                entity_id: Some(entity_id),
                subject_child_id: read.subject_child_id,
                fields: read.fields.into_iter().collect(),
                outcome,
                flagged: read.flag_reason.is_some(),
                flag_reason: read.flag_reason,
                grant_id: read.grant_id,
                subject_protected: read.protected,
                repeat_count: (outcome == Outcome::Denied && read.count > 1).then_some(read.count),
                ..NewEvent::default()
            })
            .collect();
        events.append(&mut inner.others);
        events
    }
}

//! Wire types of the sync protocol (DESIGN.md §3), shared by the device and the planner.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{ConditionNote, FailedAttempt, Pod};
use crate::route::StopStatus;

/// What one outbox entry asks the planner to apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpBody {
    PodRecorded {
        pod: Pod,
    },
    FailedAttemptRecorded {
        attempt: FailedAttempt,
    },
    ConditionNoteRecorded {
        note: ConditionNote,
    },
    StopAdvanced {
        stop_id: Uuid,
        status: StopStatus,
        at: DateTime<Utc>,
    },
}

impl OpBody {
    pub fn stop_id(&self) -> Uuid {
        match self {
            OpBody::PodRecorded { pod } => pod.stop_id,
            OpBody::FailedAttemptRecorded { attempt } => attempt.stop_id,
            OpBody::ConditionNoteRecorded { note } => note.stop_id,
            OpBody::StopAdvanced { stop_id, .. } => *stop_id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::PodRecorded { .. } => "pod_recorded",
            OpBody::FailedAttemptRecorded { .. } => "failed_attempt_recorded",
            OpBody::ConditionNoteRecorded { .. } => "condition_note_recorded",
            OpBody::StopAdvanced { .. } => "stop_advanced",
        }
    }

    /// Photos the planner must receive before the event is complete.
    pub fn photos(&self) -> Vec<&str> {
        match self {
            OpBody::PodRecorded { pod } => pod.photos.iter().map(String::as_str).collect(),
            OpBody::FailedAttemptRecorded { attempt } => {
                attempt.photo.iter().map(String::as_str).collect()
            }
            OpBody::ConditionNoteRecorded { note } => {
                note.photos.iter().map(String::as_str).collect()
            }
            OpBody::StopAdvanced { .. } => vec![],
        }
    }
}

/// One outbox entry, numbered `(device_id, epoch, seq)` with `seq` contiguous from 1 within an
/// epoch. `sha256` is the hash of the body's JSON: the same seq with another hash is a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub device_id: Uuid,
    pub epoch: u32,
    pub seq: u64,
    pub sha256: String,
    pub body: OpBody,
}

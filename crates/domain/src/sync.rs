//! Wire types of the sync protocol (DESIGN.md §3), shared by the device and the planner.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{ConditionNote, FailedAttempt, Pod};
use crate::route::StopStatus;

/// What one outbox entry asks the planner to apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// A sales rep's answer to a late or short delivery.
    DeliveryResolved {
        resolution: crate::resolution::ResolutionRecorded,
    },
}

impl OpBody {
    pub fn stop_id(&self) -> Uuid {
        match self {
            OpBody::PodRecorded { pod } => pod.stop_id,
            OpBody::FailedAttemptRecorded { attempt } => attempt.stop_id,
            OpBody::ConditionNoteRecorded { note } => note.stop_id,
            OpBody::StopAdvanced { stop_id, .. } => *stop_id,
            OpBody::DeliveryResolved { resolution } => resolution.stop_id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::PodRecorded { .. } => "pod_recorded",
            OpBody::FailedAttemptRecorded { .. } => "failed_attempt_recorded",
            OpBody::ConditionNoteRecorded { .. } => "condition_note_recorded",
            OpBody::StopAdvanced { .. } => "stop_advanced",
            OpBody::DeliveryResolved { .. } => "delivery_resolved",
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
            OpBody::StopAdvanced { .. } | OpBody::DeliveryResolved { .. } => vec![],
        }
    }
}

/// One outbox entry, numbered `(device_id, epoch, seq)` with `seq` contiguous from 1 within an
/// epoch. `sha256` is the hash of the body's JSON: the same seq with another hash is a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Op {
    pub device_id: Uuid,
    pub epoch: u32,
    pub seq: u64,
    pub sha256: String,
    pub body: OpBody,
}

/// `POST /v1/enroll`: a device trades a one-time code for a device token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "7Q4K-M2XD",
    "device_id": "0192f1d6-7d1c-7b4e-9a51-6c1f2e3d4a5b",
    "device_name": "Ana's phone"
})))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// Not blank.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"\S"))]
    pub code: String,
    pub device_id: Uuid,
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    /// Shown once; the planner keeps only its hash.
    pub token: String,
    pub user_name: String,
    pub role: String,
    pub tenant_name: String,
}

/// `POST /v1/sync/push`: ops `(device_id, epoch, seq)` in seq order, contiguous.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "device_id": "0192f1d6-7d1c-7b4e-9a51-6c1f2e3d4a5b",
    "epoch": 1,
    "ops": [{
        "device_id": "0192f1d6-7d1c-7b4e-9a51-6c1f2e3d4a5b",
        "epoch": 1,
        "seq": 1,
        "sha256": "9f2c4e0b7a1d3c5e8f6a4b2d0c9e7f5a3b1d8c6e4f2a0b9d7c5e3f1a8b6d4c2e",
        "body": {
            "type": "stop_advanced",
            "stop_id": "0192f1d6-9a0e-7c3d-8b2a-1f4e5d6c7b8a",
            "status": "en_route",
            "at": "2025-03-04T08:15:00Z"
        }
    }]
})))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub device_id: Uuid,
    pub epoch: u32,
    pub ops: Vec<Op>,
}

/// An op the planner stored and acknowledged but could not apply, with the reason in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub epoch: u32,
    pub seq: u64,
    pub stop_id: Option<Uuid>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Every op up to this seq (in the pushed epoch) is stored: the device may trim its outbox.
    pub acked_seq: u64,
    pub rejections: Vec<Rejection>,
}

/// `POST /v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "device_id": "0192f1d6-7d1c-7b4e-9a51-6c1f2e3d4a5b",
    "epoch": 1,
    "cursor": 0
})))]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub device_id: Uuid,
    pub epoch: u32,
    /// 0 on first sync: everything in scope.
    pub cursor: u64,
}

/// A route as the planner holds it now, with its version (the change-log position of its
/// last change) and the dispatch-owned state of each stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteState {
    pub route: crate::Route,
    pub version: u64,
    /// Stops dispatch cancelled.
    pub cancelled: Vec<Uuid>,
    /// What sales did about the route's stops (promised dates, replacements, escalations),
    /// oldest first.
    #[serde(default)]
    pub resolutions: Vec<crate::resolution::ResolutionEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub cursor: u64,
    /// The latest state of every route in scope that changed after the request's cursor.
    pub routes: Vec<RouteState>,
    /// Routes that left the caller's scope (reassigned, deleted).
    pub removed: Vec<Uuid>,
    /// SHA-256 over the sorted `route_id:version` lines of the whole scope.
    pub scope_checksum: String,
    /// The planner's acked seq for this device and epoch.
    pub acked_seq: u64,
    pub rejections: Vec<Rejection>,
}

/// The scope checksum both sides compute: SHA-256 over `route_id:version\n` lines, sorted by id.
pub fn scope_checksum(versions: &mut [(Uuid, u64)]) -> String {
    versions.sort_unstable();
    let mut text = String::with_capacity(versions.len() * 48);
    for (id, v) in versions.iter() {
        text.push_str(&format!("{id}:{v}\n"));
    }
    crate::sha256_hex(text.as_bytes())
}

/// The body of every 4xx/5xx answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "error": {"code": "invalid", "message": "type the enrolment code dispatch gave you"}
})))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable word a client may branch on: `invalid`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `gap`, `hash_mismatch`, `too_large`, `unavailable`, `internal`.
    pub code: String,
    /// What went wrong, in plain words a person can act on.
    pub message: String,
}

/// `GET /v1/sync/territory`: what a sales rep's phone holds. Their territories, and every stop
/// of the routes (on the days asked) that pass through them, with what lateness needs: a stop
/// outside the territories is there because the courier drives past it first. The whole
/// scope each time, so whatever left it is gone from the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerritoryScope {
    pub territories: Vec<TerritoryState>,
    pub stops: Vec<ScopeStop>,
    /// The B2B accounts inside the territories, with contacts and service plans.
    #[serde(default)]
    pub accounts: Vec<crate::account::Account>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerritoryState {
    pub id: Uuid,
    pub name: String,
    /// A GeoJSON MultiPolygon geometry.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub area: serde_json::Value,
}

/// One stop of a route in a sales rep's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeStop {
    pub id: Uuid,
    pub route_id: Uuid,
    pub date: chrono::NaiveDate,
    pub position: u32,
    pub customer_name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub window_start: chrono::NaiveTime,
    pub window_end: chrono::NaiveTime,
    pub status: StopStatus,
    pub cancelled: bool,
    /// A condition note says goods or packaging arrived damaged.
    pub damaged: bool,
    pub courier_name: String,
    /// The rep's territory it lies in; `None` for a stop outside them all.
    pub territory_id: Option<Uuid>,
    /// The route's version (its change-log position): an older one never overwrites a newer.
    pub route_version: u64,
    /// The account the stop was planned for, when it came from one.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub contact_name: Option<String>,
    /// E.164.
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// What was ordered; filled for stops inside a territory (others are there for lateness).
    #[serde(default)]
    pub lines: Vec<crate::OrderLine>,
    /// What happened at the door, oldest first; filled for stops inside a territory.
    #[serde(default)]
    pub events: Vec<crate::account::DoorEvent>,
    /// What sales did about it, oldest first; filled for stops inside a territory.
    #[serde(default)]
    pub resolutions: Vec<crate::resolution::ResolutionEntry>,
}

impl ScopeStop {
    /// What lateness needs to know about it.
    pub fn facts(&self) -> crate::lateness::StopFacts {
        crate::lateness::StopFacts {
            id: self.id,
            position: self.position,
            lat: self.lat,
            lon: self.lon,
            window_start: self.window_start,
            window_end: self.window_end,
            status: self.status,
            cancelled: self.cancelled,
            damaged: self.damaged,
        }
    }
}

//! What the screens read, shaped as docs/COMMANDS.md describes (snake_case JSON).

use doorstep_domain::{
    CustomerKind, FailureReason, GpsFix, LineOutcome, NoteCategory, OrderLine, StopStatus,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteView {
    pub route: Option<RouteHeader>,
    pub stops: Vec<StopSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteHeader {
    pub id: Uuid,
    pub date: String,
    pub courier_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopSummary {
    pub id: Uuid,
    pub position: u32,
    pub customer_name: String,
    pub customer_kind: CustomerKind,
    pub address: String,
    pub window_start: String,
    pub window_end: String,
    pub status: StopStatus,
    /// Dispatch cancelled this stop.
    pub cancelled: bool,
    pub line_count: u32,
    pub waiting_to_sync: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopDetail {
    #[serde(flatten)]
    pub summary: StopSummary,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub instructions: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub lines: Vec<OrderLine>,
    pub pods: Vec<PodView>,
    pub notes: Vec<NoteView>,
    pub failed_attempts: Vec<FailedView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodView {
    pub id: Uuid,
    pub recipient_name: String,
    pub captured_at: String,
    pub photo_count: u32,
    pub has_signature: bool,
    pub lines: Vec<LineOutcome>,
    pub gps: Option<GpsFix>,
    pub corrects: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: Uuid,
    pub category: NoteCategory,
    pub text: String,
    pub line_id: Option<Uuid>,
    pub photo_count: u32,
    pub captured_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedView {
    pub id: Uuid,
    pub reason: FailureReason,
    pub note: Option<String>,
    pub has_photo: bool,
    pub captured_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The answer to every write: what was saved and how much now waits to sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    pub id: Uuid,
    pub stop_status: StopStatus,
    pub waiting_to_sync: u32,
}

/// What waits to sync and how the last sync went. Never holds the device token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub waiting_ops: u32,
    pub waiting_photo_bytes: u64,
    pub planner_url: Option<String>,
    pub last_sync_at: Option<String>,
    /// In plain words; `None` after a clean sync.
    pub last_error: Option<String>,
    /// Rejections from the planner the courier has not looked at yet.
    pub unseen_rejections: u32,
}

/// An op the planner stored but could not apply, with its reason in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectionView {
    pub epoch: u32,
    pub seq: u64,
    pub stop_id: Option<Uuid>,
    /// The stop's customer, while the stop is on the device.
    pub customer_name: Option<String>,
    pub reason: String,
    pub received_at: String,
    pub seen: bool,
}

/// A territory cached on a sales rep's phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerritorySummary {
    pub id: Uuid,
    pub name: String,
}

/// One delivery inside a sales rep's territory, with how it stands: the domain's type, the
/// same the planner answers `GET /v1/territories/deliveries` with.
pub type DeliveryView = doorstep_domain::lateness::Delivery;

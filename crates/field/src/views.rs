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
    /// What sales did about the stop, newest first.
    pub resolutions: Vec<ResolutionView>,
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
    /// What the phone was enrolled for (`courier`, `sales_rep`, …); `None` before enrolment.
    pub role: Option<String>,
    pub user_name: Option<String>,
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
    /// A GeoJSON MultiPolygon geometry: what the map draws.
    pub area: serde_json::Value,
}

/// One delivery inside a sales rep's territory, with how it stands: the domain's type, the
/// same the planner answers `GET /v1/territories/deliveries` with.
pub type DeliveryView = doorstep_domain::lateness::Delivery;

/// A line of a sales rep's list: the delivery, its account and what was done about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRow {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    pub account_id: Option<Uuid>,
    /// Resolutions recorded for it, synced or waiting.
    pub resolutions: u32,
    /// The newest one's label, e.g. "replacement requested".
    pub last_resolution: Option<String>,
    /// This phone's resolutions for it not yet on the planner.
    pub waiting_to_sync: u32,
}

/// A rep's day: the list (filtered) and what the filters can choose from (unfiltered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerritoryDay {
    pub date: chrono::NaiveDate,
    /// The local time the standings were judged at.
    pub now: chrono::NaiveDateTime,
    pub deliveries: Vec<DeliveryRow>,
    pub couriers: Vec<String>,
    pub accounts: Vec<AccountChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountChoice {
    pub id: Option<Uuid>,
    pub name: String,
}

/// A resolution in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionView {
    pub id: Uuid,
    pub stop_id: Uuid,
    pub resolution: doorstep_domain::resolution::Resolution,
    pub summary: String,
    /// Who recorded it; `None` while only on this phone.
    pub by: Option<String>,
    pub captured_at: String,
    pub waiting_to_sync: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryDetail {
    pub delivery: DeliveryRow,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub lines: Vec<OrderLine>,
    /// What happened at the door, oldest first.
    pub events: Vec<doorstep_domain::account::DoorEvent>,
    /// Newest first.
    pub resolutions: Vec<ResolutionView>,
    /// What is missing: a replacement form starts from it.
    pub suggested_replacement: Vec<doorstep_domain::resolution::ReplacementLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountCard {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub contacts: Vec<doorstep_domain::account::Contact>,
    pub plan: Option<doorstep_domain::account::ServicePlan>,
    /// Newest first, from the synced days.
    pub deliveries: Vec<AccountDelivery>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDelivery {
    #[serde(flatten)]
    pub row: DeliveryRow,
    pub events: Vec<doorstep_domain::account::DoorEvent>,
}

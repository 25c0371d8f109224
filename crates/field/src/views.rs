//! What the screens read, shaped as docs/COMMANDS.md describes (snake_case JSON).

use chrono::NaiveDate;
use doorstep_domain::{
    CustomerKind, FailureReason, GpsFix, LineOutcome, NoteCategory, OrderLine, StopActions,
    StopStatus,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouteView {
    /// The engine clock's local date: what "today" means on every screen.
    pub today: NaiveDate,
    pub route: Option<RouteHeader>,
    /// The route's stops in order: all of them, or the page the caller asked for (`route_today`
    /// with `offset` and `limit`); `progress.total` counts the whole route.
    pub stops: Vec<StopSummary>,
    pub progress: RouteProgress,
    /// The first stop, in route order, the courier can still deliver or fail.
    pub next_stop: Option<Uuid>,
}

/// How far the route is: "30 stops · 4 done · 1 cancelled".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouteProgress {
    pub total: u32,
    /// Finished: delivered, partly delivered or failed.
    pub done: u32,
    /// Cancelled by dispatch before they were finished.
    pub cancelled: u32,
}

impl RouteView {
    /// The route's view from all its stops, in order: progress and the next stop follow from the
    /// stops' actions.
    pub fn new(today: NaiveDate, route: Option<RouteHeader>, stops: Vec<StopSummary>) -> Self {
        let (progress, next_stop) = RouteProgress::tally(
            stops
                .iter()
                .map(|s| (s.id, s.status, s.cancelled, s.actions.deliver)),
        );
        RouteView {
            today,
            route,
            stops,
            progress,
            next_stop,
        }
    }
}

impl RouteProgress {
    /// Progress and the next stop of a route from each stop's (id, status, cancelled, may be
    /// delivered), in route order: the one rule for a whole route and for a page of it.
    pub fn tally<Id>(
        stops: impl IntoIterator<Item = (Id, StopStatus, bool, bool)>,
    ) -> (RouteProgress, Option<Id>) {
        let mut progress = RouteProgress {
            total: 0,
            done: 0,
            cancelled: 0,
        };
        let mut next_stop = None;
        for (id, status, cancelled, deliver) in stops {
            progress.total += 1;
            if status.is_final() {
                progress.done += 1;
            } else if cancelled {
                progress.cancelled += 1;
            }
            if deliver && next_stop.is_none() {
                next_stop = Some(id);
            }
        }
        (progress, next_stop)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouteHeader {
    pub id: Uuid,
    pub date: String,
    pub courier_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// What the courier may still do here (the engine refuses the rest).
    pub actions: StopActions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoteView {
    pub id: Uuid,
    pub category: NoteCategory,
    pub text: String,
    pub line_id: Option<Uuid>,
    pub photo_count: u32,
    pub captured_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedView {
    pub id: Uuid,
    pub reason: FailureReason,
    pub note: Option<String>,
    pub has_photo: bool,
    pub captured_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhotoRef {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// The answer to every write: what was saved and how much now waits to sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Saved {
    pub id: Uuid,
    pub stop_status: StopStatus,
    pub waiting_to_sync: u32,
}

/// What waits to sync and how the last sync went. Never holds the device token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryRow {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// Late or incomplete: the rep acts on it (the domain's rule, `Standing::needs_attention`).
    pub needs_attention: bool,
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TerritoryDay {
    /// The engine clock's local date.
    pub today: NaiveDate,
    pub date: NaiveDate,
    /// The local time the standings were judged at.
    pub now: chrono::NaiveDateTime,
    pub deliveries: Vec<DeliveryRow>,
    pub couriers: Vec<String>,
    pub accounts: Vec<AccountChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountChoice {
    pub id: Option<Uuid>,
    pub name: String,
}

/// A resolution in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryDetail {
    /// The engine clock's local date.
    pub today: NaiveDate,
    /// Where a promise of a new delivery starts: the day after today and after the
    /// delivery's own date.
    pub suggested_promise_date: NaiveDate,
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountDelivery {
    #[serde(flatten)]
    pub row: DeliveryRow,
    pub events: Vec<doorstep_domain::account::DoorEvent>,
}

/// How the map is drawn: territories and deliveries always; tiles only when configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MapSettings {
    /// A raster tile URL template ({z}/{x}/{y}); `None` draws the map with no tiles.
    pub tile_url: Option<String>,
}

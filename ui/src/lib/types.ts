// The contract of docs/COMMANDS.md, written down for the UI. Keep in step with that file.

export type StopStatus = "pending" | "en_route" | "arrived" | "delivered" | "partly_delivered" | "failed";
export type CustomerKind = "b2b" | "b2c";
export type ShortfallReason = "damaged" | "missing" | "refused" | "wrong_item" | "other";
export type FailureReason = "nobody_home" | "refused" | "address_problem" | "no_access" | "other";
export type NoteCategory =
  | "damaged_packaging"
  | "damaged_goods"
  | "missing_item"
  | "wrong_item"
  | "temperature"
  | "other";

export interface RouteInfo {
  id: string;
  date: string; // YYYY-MM-DD
  courier_name: string;
}

export interface RouteView {
  route: RouteInfo | null;
  stops: StopSummary[];
}

export interface StopSummary {
  id: string;
  position: number;
  customer_name: string;
  customer_kind: CustomerKind;
  address: string;
  window_start: string;
  window_end: string;
  status: StopStatus;
  line_count: number;
  waiting_to_sync: number;
  /** dispatch cancelled this stop: nothing to deliver */
  cancelled: boolean;
}

export interface OrderLine {
  id: string;
  sku: string;
  description: string;
  ordered_qty: number;
  unit: string;
  barcode: string | null;
}

export interface LineOutcome {
  line_id: string;
  delivered_qty: number;
  shortfall_reason: ShortfallReason | null;
  note: string | null;
}

export interface GpsFix {
  lat: number;
  lon: number;
  accuracy_m: number;
}

export interface PodView {
  id: string;
  recipient_name: string;
  captured_at: string;
  photo_count: number;
  has_signature: boolean;
  lines: LineOutcome[];
  gps: GpsFix | null;
}

export interface NoteView {
  id: string;
  category: NoteCategory;
  text: string;
  line_id: string | null;
  photo_count: number;
  captured_at: string;
}

export interface FailedView {
  id: string;
  reason: FailureReason;
  note: string | null;
  has_photo: boolean;
  captured_at: string;
}

export interface StopDetail extends StopSummary {
  contact_name: string | null;
  contact_phone: string | null;
  instructions: string | null;
  lat: number;
  lon: number;
  lines: OrderLine[];
  pods: PodView[];
  notes: NoteView[];
  failed_attempts: FailedView[];
  /** what sales did about this stop (a promised date, a replacement, an escalation), newest first */
  resolutions: ResolutionView[];
}

export interface PhotoRef {
  sha256: string;
  width: number;
  height: number;
  bytes: number;
}

export interface SignaturePoint {
  x: number;
  y: number;
  t: number;
}

export interface Signature {
  width: number;
  height: number;
  strokes: SignaturePoint[][];
}

export interface Saved {
  id: string;
  stop_status: StopStatus;
  waiting_to_sync: number;
}

export interface SyncState {
  waiting_ops: number;
  waiting_photo_bytes: number;
  planner_url: string | null;
  last_sync_at: string | null;
  last_error: string | null;
  /** ops the planner stored but could not apply, not yet seen by the courier */
  unseen_rejections: number;
  /** who this phone is signed in as; null before enrolment */
  role: Role | null;
  user_name: string | null;
}

export type Role = "courier" | "sales_rep" | "merchandiser" | "dispatcher" | "admin";

export interface PodInput {
  stop_id: string;
  recipient_name: string;
  signature: Signature | null;
  photos: string[];
  gps: GpsFix | null;
  lines: LineOutcome[];
}

export interface FailedAttemptInput {
  stop_id: string;
  reason: FailureReason;
  note: string | null;
  photo: string | null;
  gps: GpsFix | null;
}

export interface ConditionNoteInput {
  stop_id: string;
  category: NoteCategory;
  text: string;
  photos: string[];
  line_id: string | null;
}

/** What `enroll` answers: the device is now connected to this planner. */
export interface Enrolled {
  planner_url: string;
  user_name: string;
  role: string;
  tenant_name: string;
}

/** A record the planner stored but could not apply (never a failed delivery). */
export interface RejectionView {
  epoch: number;
  seq: number;
  stop_id: string | null;
  /** the stop's customer, while the stop is on the device */
  customer_name: string | null;
  /** plain words from the planner */
  reason: string;
  received_at: string; // RFC 3339
  seen: boolean;
}

/** The error shape every command rejects with. */
export interface CommandError {
  code: string;
  message: string;
}

// ---------- sales rep (docs/COMMANDS.md, "Sales rep") ----------
// Times inside these views are "HH:MM:SS" local time; dates "YYYY-MM-DD"; instants RFC 3339.

export type LateBecause =
  | { because: "window_closed" }
  | { because: "cannot_make_window"; eta: string }
  | { because: "attempt_failed" };

export type Standing =
  | { standing: "on_track" }
  | { standing: "delivered" }
  | { standing: "incomplete"; short: boolean; damaged: boolean }
  | { standing: "late"; why: LateBecause }
  | { standing: "cancelled" };

export type StandingKind = Standing["standing"];

export interface TerritoryView {
  id: string;
  name: string;
  /** GeoJSON MultiPolygon geometry */
  area: unknown;
}

export interface DeliveryRow {
  stop_id: string;
  route_id: string;
  territory_id: string;
  date: string;
  position: number;
  customer_name: string;
  address: string;
  lat: number;
  lon: number;
  window_start: string;
  window_end: string;
  status: StopStatus;
  courier_name: string;
  standing: Standing;
  /** the B2B account, when the stop was planned for one */
  account_id: string | null;
  /** resolutions recorded for it (synced or waiting) */
  resolutions: number;
  /** plain words of the newest one, e.g. "replacement requested" */
  last_resolution: string | null;
  /** this phone's resolutions for it not yet on the planner */
  waiting_to_sync: number;
}

export interface AccountOption {
  id: string | null;
  name: string;
}

export interface TerritoryDay {
  date: string;
  /** the engine's today, "YYYY-MM-DD" (answers without it: the `date` of an answer asked for today) */
  today?: string;
  /** the local time the standings were judged at, "YYYY-MM-DDTHH:MM:SS" */
  now: string;
  /** filtered; late and incomplete first, then by window, then customer */
  deliveries: DeliveryRow[];
  /** of the day's deliveries before filtering */
  couriers: string[];
  accounts: AccountOption[];
}

export interface TerritoryFilter {
  status: StopStatus | null;
  courier: string | null;
  /** account id */
  account: string | null;
  /** part of the customer's name */
  search: string | null;
}

export interface ReplacementLine {
  line_id: string;
  qty: number;
}

export type Resolution =
  | { action: "note"; text: string }
  | { action: "promise"; date: string; window_start: string; window_end: string; note: string | null }
  | { action: "replacement"; lines: ReplacementLine[]; note: string | null }
  | { action: "escalate"; reason: string };

export type ResolutionAction = Resolution["action"];

export interface ResolutionView {
  id: string;
  stop_id: string;
  resolution: Resolution;
  /** plain words, e.g. "Replacement requested: 2 × Oat milk 1 L" */
  summary: string;
  /** who recorded it; null while only on this phone */
  by: string | null;
  captured_at: string;
  waiting_to_sync: boolean;
}

/** What happened at the door, as the courier recorded it. */
export interface DeliveryEvent {
  id: string;
  kind: "pod" | "failed_attempt" | "condition_note";
  captured_at: string;
  /** plain words, e.g. "Delivered to J. Visser, 1 line short" */
  summary: string;
  /** a POD's lines; [] otherwise */
  lines: LineOutcome[];
  /** sha256 of each photo (see `photo`) */
  photos: string[];
}

export interface DeliveryDetail {
  delivery: DeliveryRow;
  contact_name: string | null;
  contact_phone: string | null;
  lines: OrderLine[];
  /** oldest first */
  events: DeliveryEvent[];
  /** newest first */
  resolutions: ResolutionView[];
  /** what is missing: short lines, or all lines after a failed attempt */
  suggested_replacement: ReplacementLine[];
  /** the engine's today, "YYYY-MM-DD" */
  today?: string;
  /** the day a promised new delivery starts from, "YYYY-MM-DD" */
  suggested_promise_date?: string;
}

export interface Contact {
  name: string;
  role: string | null;
  phone: string | null;
  email: string | null;
}

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface ServicePlan {
  days: Weekday[];
  window_start: string;
  window_end: string;
  typical: { description: string; qty: number; unit: string }[];
  note: string | null;
}

export type AccountDelivery = DeliveryRow & { events: DeliveryEvent[] };

export interface AccountCard {
  id: string;
  name: string;
  address: string;
  lat: number;
  lon: number;
  contacts: Contact[];
  plan: ServicePlan | null;
  /** newest first, from the synced days */
  deliveries: AccountDelivery[];
}

export interface MapSettings {
  /** a raster tile URL template; null draws the territories and deliveries with no tiles */
  tile_url: string | null;
}

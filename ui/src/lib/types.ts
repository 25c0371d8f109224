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
}

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

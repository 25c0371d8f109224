// The contract with the engine is generated from its Rust types (./generated, by tests/app:
// `UPDATE_GENERATED=1 cargo test -p doorstep --test app`); this file only re-exports it under
// the names the screens use, and holds the few types that exist on the phone's side alone.
export type {
  AccountCard,
  AccountDelivery,
  CommandError,
  Contact,
  CustomerKind,
  DeliveryDetail,
  DeliveryRow,
  Enrolled,
  ErrorCode,
  FailedView,
  FailureReason,
  GpsFix,
  LateBecause,
  LineOutcome,
  MapSettings,
  NoteCategory,
  NoteView,
  OrderLine,
  PhotoRef,
  PodView,
  RejectionView,
  ReplacementLine,
  Resolution,
  ResolutionView,
  RouteProgress,
  RouteView,
  Saved,
  ServicePlan,
  ShortfallReason,
  Signature,
  Standing,
  StopActions,
  StopDetail,
  StopStatus,
  StopSummary,
  SyncState,
  TerritoryDay,
} from "./generated";
import type {
  AccountChoice,
  Day,
  DoorEvent,
  ErrorCode,
  NewConditionNote,
  NewFailedAttempt,
  NewPod,
  RepFilter,
  Resolution,
  Standing,
  TerritorySummary,
} from "./generated";

// The generated names, as the screens call them.
/** `record_pod`'s input. */
export type PodInput = NewPod;
/** `record_failed_attempt`'s input. */
export type FailedAttemptInput = NewFailedAttempt;
/** `record_condition_note`'s input. */
export type ConditionNoteInput = NewConditionNote;
/** What happened at the door, as the courier recorded it. */
export type DeliveryEvent = DoorEvent;
/** A territory on the rep's phone. */
export type TerritoryView = TerritorySummary;
/** `territory_day`'s filter. */
export type TerritoryFilter = RepFilter;
/** An account the filter can choose. */
export type AccountOption = AccountChoice;
export type Weekday = Day;

// ---------- the phone's side only ----------

/** Who the phone is signed in as (`SyncState.role`, a plain string on the wire). */
export type Role = "courier" | "sales_rep" | "merchandiser" | "dispatcher" | "admin";

export type StandingKind = Standing["standing"];

export type ResolutionAction = Resolution["action"];

/** What a command's promise rejects with on the phone: the engine's CommandError, or
 * "no_backend" when the screens run without the app's engine (a plain browser). */
export interface AppError {
  code: ErrorCode | "no_backend";
  message: string;
}

/** One point of a signature stroke as the pad gives it (the wire also takes [x, y, t]). */
export interface SignaturePoint {
  x: number;
  y: number;
  t: number;
}

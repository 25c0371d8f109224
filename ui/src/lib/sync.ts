// Words of the sync bar. Never says "offline" alone (that reads like the courier's duty status)
// and never "failed" (that reads like a failed delivery).
import { asSentence } from "./errors";
import { shortTime } from "./labels";
import type { ScreenName } from "./nav";
import type { SyncState } from "./types";

export type SyncTone = "ok" | "waiting" | "problem" | "unknown";

export interface SyncBarText {
  /** "3 waiting to sync" / "All synced" */
  count: string;
  /** when the planner last took everything ("Last synced 10:42"), or why there is none */
  detail: string;
  /** the last sync problem in plain words (shown amber), or null */
  problem: string | null;
  tone: SyncTone;
}

export const NOT_CONNECTED = "Not connected to a planner yet — records are safe on this phone";
export const NEVER_SYNCED = "Not synced with the planner yet";
export const SAFE_ON_PHONE = "Records are safe on this phone.";
export const UNAVAILABLE = "Sync status unavailable right now — records are safe on this phone";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** "Last synced 10:42" (or "Last synced 24 Nov 10:42" on another day). */
export function lastSyncedText(lastSyncAt: string | null, now: Date = new Date()): string {
  return lastSyncAt ? `Last synced ${shortTime(lastSyncAt, now)}` : NEVER_SYNCED;
}

export function syncBarText(state: SyncState | null, now: Date = new Date()): SyncBarText {
  if (!state) {
    return { count: "Sync status not known yet", detail: "Records are safe on this phone", problem: null, tone: "unknown" };
  }
  const ops = Math.max(0, state.waiting_ops);
  const photoBytes = Math.max(0, state.waiting_photo_bytes);
  let count: string;
  if (ops > 0) {
    count = `${ops} waiting to sync`;
    if (photoBytes > 0) count += ` (+ photos ${formatBytes(photoBytes)})`;
  } else if (photoBytes > 0) {
    count = `Photos waiting to sync (${formatBytes(photoBytes)})`;
  } else {
    count = "All synced";
  }
  const tone: SyncTone = ops > 0 || photoBytes > 0 ? "waiting" : "ok";

  if (state.planner_url === null) {
    return { count, detail: NOT_CONNECTED, problem: null, tone };
  }
  const detail = lastSyncedText(state.last_sync_at, now);
  const err = state.last_error?.trim() ?? "";
  if (err !== "") {
    return { count, detail, problem: `${asSentence(err)} ${SAFE_ON_PHONE}`, tone: "problem" };
  }
  return { count, detail, problem: null, tone };
}

/** What the sync bar offers on a screen. */
export interface SyncBarActions {
  /** "Connect" → the enrol screen (not connected yet) */
  connect: boolean;
  /** "Sync now" (connected) */
  syncNow: boolean;
  /** unseen rejections to show as a button; 0 hides it */
  rejections: number;
}

/** Screens the courier may leave from the sync bar without losing anything typed. */
function canLeave(screen: ScreenName): boolean {
  return (
    screen === "route" ||
    screen === "stop" ||
    screen === "territory" ||
    screen === "delivery" ||
    screen === "account"
  );
}

export function syncBarActions(state: SyncState | null, screen: ScreenName): SyncBarActions {
  if (!state) return { connect: false, syncNow: false, rejections: 0 };
  const leave = canLeave(screen);
  return {
    connect: state.planner_url === null && leave,
    syncNow: state.planner_url !== null,
    rejections: leave ? Math.max(0, state.unseen_rejections) : 0,
  };
}

/** "not accepted — see why": the words after the badge's number (kept to one line at 360 px). */
export function rejectionsNoun(): string {
  return "not accepted — see why";
}

/** "2 records not accepted by the planner — see why": the whole badge, read out as one. */
export function rejectionsLabel(n: number): string {
  return `${n} ${n === 1 ? "record" : "records"} not accepted by the planner — see why`;
}

/** Did anything change that may have changed the route (sync acked or pulled something)? */
export function syncChanged(a: SyncState | null, b: SyncState | null): boolean {
  if (!a || !b) return a !== b;
  return (
    a.waiting_ops !== b.waiting_ops ||
    a.last_sync_at !== b.last_sync_at ||
    a.planner_url !== b.planner_url ||
    (a.role ?? null) !== (b.role ?? null)
  );
}

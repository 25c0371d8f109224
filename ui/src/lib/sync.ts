// Words of the sync bar. Never says "offline" alone (that reads like the courier's duty status)
// and never "failed" (that reads like a failed delivery).
import { shortTime } from "./labels";
import type { SyncState } from "./types";

export type SyncTone = "ok" | "waiting" | "problem" | "unknown";

export interface SyncBarText {
  /** "3 waiting to sync" / "All synced" */
  count: string;
  /** the last sync result, or why there is none */
  detail: string;
  tone: SyncTone;
}

export const NOT_CONNECTED =
  "Not connected to a planner yet — records are safe on this phone";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function syncBarText(state: SyncState | null, now: Date = new Date()): SyncBarText {
  if (!state) {
    return { count: "Sync status not known yet", detail: "Records are safe on this phone", tone: "unknown" };
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
  const waiting = ops > 0 || photoBytes > 0;

  if (state.planner_url === null) {
    return { count, detail: NOT_CONNECTED, tone: waiting ? "waiting" : "ok" };
  }
  if (state.last_error) {
    const err = state.last_error.trim().replace(/[.\s]+$/, "");
    const last = state.last_sync_at ? ` Last synced ${shortTime(state.last_sync_at, now)}.` : "";
    return { count, detail: `Planner sync: ${err}.${last} Records are safe on this phone.`, tone: "problem" };
  }
  if (state.last_sync_at) {
    return { count, detail: `Last synced ${shortTime(state.last_sync_at, now)}`, tone: waiting ? "waiting" : "ok" };
  }
  return { count, detail: "Not synced with the planner yet", tone: waiting ? "waiting" : "ok" };
}

/** Did anything change that may have changed the route (sync acked or pulled something)? */
export function syncChanged(a: SyncState | null, b: SyncState | null): boolean {
  if (!a || !b) return a !== b;
  return a.waiting_ops !== b.waiting_ops || a.last_sync_at !== b.last_sync_at;
}

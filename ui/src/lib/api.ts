// Thin, typed wrappers over the Tauri commands of docs/COMMANDS.md.
// Every wrapper rejects with the engine's CommandError {code, message} (AppError on the phone).
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { toCommandError } from "./errors";
import type { Command } from "./generated";
import type {
  AccountCard,
  ConditionNoteInput,
  DeliveryDetail,
  Enrolled,
  FailedAttemptInput,
  MapSettings,
  PhotoRef,
  PodInput,
  RejectionView,
  Resolution,
  RouteView,
  Saved,
  StopDetail,
  SyncState,
  TerritoryDay,
  TerritoryFilter,
  TerritoryView,
} from "./types";

/** `cmd` is one of the app's commands (generated from src-tauri/src/command_list.rs). */
async function call<T>(cmd: Command, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/** Today's route; with `limit`, only the stops from `offset` (0 by default), at most `limit`
 * of them: progress and the next stop still cover the whole route. */
export const routeToday = (page?: { offset?: number; limit?: number }) => call<RouteView>("route_today", page);

export const stopDetail = (stopId: string) => call<StopDetail>("stop_detail", { stopId });

export const advanceStop = (stopId: string, status: "en_route" | "arrived") =>
  call<Saved>("advance_stop", { stopId, status });

/** Sends the image file's bytes as the raw request body. */
export const importPhoto = (bytes: Uint8Array) => call<PhotoRef>("import_photo", bytes);

export const recordPod = (input: PodInput) => call<Saved>("record_pod", { input });

export const recordFailedAttempt = (input: FailedAttemptInput) =>
  call<Saved>("record_failed_attempt", { input });

export const recordConditionNote = (input: ConditionNoteInput) =>
  call<Saved>("record_condition_note", { input });

export const syncState = () => call<SyncState>("sync_state");

/** Connects this phone to a planner with the one-time code from dispatch. */
export const enroll = (plannerUrl: string, code: string) => call<Enrolled>("enroll", { plannerUrl, code });

/** Wakes the background sync; the round runs on its own (poll syncState). */
export const syncNow = () => call<SyncState>("sync_now");

/** Records the planner could not apply, newest first. */
export const rejections = () => call<RejectionView[]>("rejections");

export const markRejectionsSeen = () => call<number>("mark_rejections_seen");

// ---------- sales rep ----------

/** The rep's territories, by name. */
export const territories = () => call<TerritoryView[]>("territories");

/** One day of deliveries in the rep's territory; `date` null is today, `territoryId` null all of them. */
export const territoryDay = (date: string | null, territoryId: string | null, filter: TerritoryFilter) =>
  call<TerritoryDay>("territory_day", { date, territoryId, filter });

export const deliveryDetail = (stopId: string) => call<DeliveryDetail>("delivery_detail", { stopId });

export const accountCard = (accountId: string) => call<AccountCard>("account_card", { accountId });

export const recordResolution = (stopId: string, resolution: Resolution) =>
  call<Saved>("record_resolution", { stopId, resolution });

/** A photo's JPEG bytes (fetched from the planner once, then kept on the phone). */
export async function photo(sha256: string): Promise<ArrayBuffer> {
  return toArrayBuffer(await call<unknown>("photo", { sha256 }));
}

export const mapSettings = () => call<MapSettings>("map_settings");

/** Tauri hands raw bytes over as an ArrayBuffer; accept a typed array or a number list too. */
export function toArrayBuffer(data: unknown): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return copy.buffer;
  }
  if (Array.isArray(data)) return Uint8Array.from(data as number[]).buffer;
  throw { code: "internal", message: "The photo came back in a form the app cannot show." };
}

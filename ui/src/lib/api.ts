// Thin, typed wrappers over the Tauri commands of docs/COMMANDS.md.
// Every wrapper rejects with a CommandError {code, message}.
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { toCommandError } from "./errors";
import type {
  ConditionNoteInput,
  Enrolled,
  FailedAttemptInput,
  PhotoRef,
  PodInput,
  RejectionView,
  RouteView,
  Saved,
  StopDetail,
  SyncState,
} from "./types";

async function call<T>(cmd: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

export const routeToday = () => call<RouteView>("route_today");

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

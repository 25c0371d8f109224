import type { StopDetail } from "./types";

/** In-app navigation: one screen at a time, no router. */
export type Screen =
  | { name: "route" }
  | { name: "stop"; stopId: string }
  | { name: "deliver"; stop: StopDetail }
  | { name: "failed"; stop: StopDetail }
  | { name: "note"; stop: StopDetail }
  | { name: "enrol" }
  | { name: "rejections" };

export type ScreenName = Screen["name"];

export type FormKind = "deliver" | "failed" | "note";

/** Where the header's back button goes from a screen. */
export function backOf(screen: Screen): Screen | null {
  switch (screen.name) {
    case "route":
      return null;
    case "stop":
    case "enrol":
    case "rejections":
      return { name: "route" };
    default:
      return { name: "stop", stopId: screen.stop.id };
  }
}

export function titleOf(screen: Screen): string {
  switch (screen.name) {
    case "route":
      return "Today's route";
    case "stop":
      return "Stop";
    case "deliver":
      return "Deliver";
    case "failed":
      return "Failed attempt";
    case "note":
      return "Condition note";
    case "enrol":
      return "Planner";
    case "rejections":
      return "Not accepted";
  }
}

export const SYNC_POLL_MS = 5000;
/** After "Sync now", look again this soon (the round runs in the background). */
export const SYNC_RECHECK_MS = 1500;

import type { StopDetail } from "./types";

/** In-app navigation: one screen at a time, no router. */
export type Screen =
  | { name: "route" }
  | { name: "stop"; stopId: string }
  | { name: "deliver"; stop: StopDetail }
  | { name: "failed"; stop: StopDetail }
  | { name: "note"; stop: StopDetail };

export type FormKind = "deliver" | "failed" | "note";

/** Where the header's back button goes from a screen. */
export function backOf(screen: Screen): Screen | null {
  switch (screen.name) {
    case "route":
      return null;
    case "stop":
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
  }
}

export const SYNC_POLL_MS = 5000;

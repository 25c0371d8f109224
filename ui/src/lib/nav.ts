import type { DeliveryDetail, Role, StopDetail } from "./types";

/** In-app navigation: one screen at a time, no router. */
export type Screen =
  | { name: "route" }
  | { name: "stop"; stopId: string }
  | { name: "deliver"; stop: StopDetail }
  | { name: "failed"; stop: StopDetail }
  | { name: "note"; stop: StopDetail }
  | { name: "enrol" }
  | { name: "rejections" }
  // the sales rep's screens
  | { name: "territory" }
  /** `from`: the screen it was opened from (the territory list when absent) */
  | { name: "delivery"; stopId: string; from?: Screen }
  | { name: "account"; accountId: string; from?: Screen }
  /** `from`: the delivery screen the form was opened from */
  | { name: "resolve"; detail: DeliveryDetail; from: Screen };

export type ScreenName = Screen["name"];

export type FormKind = "deliver" | "failed" | "note";

/** The first screen: the territory list for a sales rep, today's route for everyone else. */
export function homeOf(role: Role | string | null | undefined): Screen {
  return role === "sales_rep" ? { name: "territory" } : { name: "route" };
}

export function isHome(screen: Screen): boolean {
  return screen.name === "route" || screen.name === "territory";
}

/** Where the header's back button goes from a screen (`home`: the role's first screen). */
export function backOf(screen: Screen, home: Screen = { name: "route" }): Screen | null {
  switch (screen.name) {
    case "route":
    case "territory":
      return null;
    case "stop":
      return { name: "route" };
    case "enrol":
    case "rejections":
      return home;
    case "delivery":
    case "account":
      return screen.from ?? { name: "territory" };
    case "resolve":
      return screen.from;
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
    case "territory":
      return "My territory";
    case "delivery":
      return "Delivery";
    case "account":
      return "Account";
    case "resolve":
      return "Resolve";
  }
}

export const SYNC_POLL_MS = 5000;
/** After "Sync now", look again this soon (the round runs in the background). */
export const SYNC_RECHECK_MS = 1500;

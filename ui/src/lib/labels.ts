// Plain words shown to the courier. Delivery words and sync words are kept apart on purpose:
// a failed upload must never read like a failed delivery.
import type {
  CustomerKind,
  FailureReason,
  NoteCategory,
  ShortfallReason,
  StopStatus,
  StopSummary,
} from "./types";

export const STATUS_LABELS: Record<StopStatus, string> = {
  pending: "To do",
  en_route: "On the way",
  arrived: "Arrived",
  delivered: "Delivered",
  partly_delivered: "Partly delivered",
  failed: "Failed",
};

export function statusLabel(status: StopStatus): string {
  return STATUS_LABELS[status] ?? status;
}

/** A stop whose delivery is finished: no second POD or failed attempt is allowed. */
export function isClosed(status: StopStatus): boolean {
  return status === "delivered" || status === "partly_delivered" || status === "failed";
}

export const CANCELLED_LABEL = "Cancelled by dispatch";

/** The badges of a stop, in order: its status ("To do" is dropped once dispatch cancelled it). */
export function stopBadges(stop: Pick<StopSummary, "status" | "cancelled">): { text: string; cls: string }[] {
  const badges: { text: string; cls: string }[] = [];
  if (!stop.cancelled || isClosed(stop.status)) {
    badges.push({ text: statusLabel(stop.status), cls: `status-${stop.status}` });
  }
  if (stop.cancelled) badges.push({ text: CANCELLED_LABEL, cls: "badge-cancelled" });
  return badges;
}

/** A stop the courier can still deliver or fail: not finished and not cancelled by dispatch. */
export function isActionable(stop: Pick<StopSummary, "status" | "cancelled">): boolean {
  return !stop.cancelled && !isClosed(stop.status);
}

/** "30 stops · 4 done" (+ " · 1 cancelled" when dispatch cancelled any). */
export function routeSummary(stops: Pick<StopSummary, "status" | "cancelled">[]): string {
  const done = stops.filter((s) => isClosed(s.status)).length;
  const cancelled = stops.filter((s) => s.cancelled && !isClosed(s.status)).length;
  let text = `${stops.length} ${stops.length === 1 ? "stop" : "stops"} · ${done} done`;
  if (cancelled > 0) text += ` · ${cancelled} cancelled`;
  return text;
}

export function kindLabel(kind: CustomerKind): string {
  return kind === "b2b" ? "B2B" : "B2C";
}

export function kindDescription(kind: CustomerKind): string {
  return kind === "b2b" ? "Business customer" : "Home customer";
}

export const SHORTFALL_REASONS: { value: ShortfallReason; label: string }[] = [
  { value: "damaged", label: "Damaged" },
  { value: "missing", label: "Missing" },
  { value: "refused", label: "Refused by customer" },
  { value: "wrong_item", label: "Wrong item" },
  { value: "other", label: "Other" },
];

export const FAILURE_REASONS: { value: FailureReason; label: string }[] = [
  { value: "nobody_home", label: "Nobody home" },
  { value: "refused", label: "Refused" },
  { value: "address_problem", label: "Address problem" },
  { value: "no_access", label: "No access" },
  { value: "other", label: "Other" },
];

export const NOTE_CATEGORIES: { value: NoteCategory; label: string }[] = [
  { value: "damaged_packaging", label: "Damaged packaging" },
  { value: "damaged_goods", label: "Damaged goods" },
  { value: "missing_item", label: "Missing item" },
  { value: "wrong_item", label: "Wrong item" },
  { value: "temperature", label: "Temperature" },
  { value: "other", label: "Other" },
];

function labelOf<T extends string>(list: { value: T; label: string }[], value: T): string {
  return list.find((o) => o.value === value)?.label ?? value;
}

export const shortfallLabel = (r: ShortfallReason) => labelOf(SHORTFALL_REASONS, r);
export const failureLabel = (r: FailureReason) => labelOf(FAILURE_REASONS, r);
export const categoryLabel = (c: NoteCategory) => labelOf(NOTE_CATEGORIES, c);

export function timeWindow(start: string, end: string): string {
  return `${start}–${end}`;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "Wednesday 25 November 2026" from "2026-11-25"; the raw text when it does not parse. */
export function routeDateLabel(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(d.getTime()) || d.getMonth() !== Number(m[2]) - 1) return date;
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** "14:05" for today, "25 Nov 14:05" otherwise, from an RFC 3339 time. */
export function shortTime(rfc3339: string, now: Date = new Date()): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const sameDay =
    d.getFullYear() === now.getFullYear() &&
    d.getMonth() === now.getMonth() &&
    d.getDate() === now.getDate();
  if (sameDay) return hm;
  return `${d.getDate()} ${MONTHS[d.getMonth()].slice(0, 3)} ${hm}`;
}

export function quantity(qty: number, unit: string): string {
  return `${qty} ${unit}`.trim();
}

/** Confirmation shown on the route list after a save. */
export function savedToast(kind: "pod" | "failed" | "note", status: StopStatus, waiting: number): string {
  const what =
    kind === "pod" ? statusLabel(status) : kind === "failed" ? "Failed attempt recorded" : "Condition note saved";
  return `${what} · ${waiting > 0 ? "waiting to sync" : "synced"}`;
}

// Plain words shown to the courier. Delivery words and sync words are kept apart on purpose:
// a failed upload must never read like a failed delivery.
import type {
  CustomerKind,
  DeliveryEvent,
  FailureReason,
  LineOutcome,
  NoteCategory,
  OrderLine,
  Resolution,
  ResolutionAction,
  ResolutionView,
  RouteProgress,
  ShortfallReason,
  Standing,
  StandingKind,
  StopStatus,
  StopSummary,
  Weekday,
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

export const CANCELLED_LABEL = "Cancelled by dispatch";

/** The badges of a stop, in order: its status, then "Cancelled by dispatch". A cancelled stop
 * drops "To do" (there is nothing to do there); words of what already happened stay. */
export function stopBadges(stop: Pick<StopSummary, "status" | "cancelled">): { text: string; cls: string }[] {
  const badges: { text: string; cls: string }[] = [];
  if (!(stop.cancelled && stop.status === "pending")) {
    badges.push({ text: statusLabel(stop.status), cls: `status-${stop.status}` });
  }
  if (stop.cancelled) badges.push({ text: CANCELLED_LABEL, cls: "badge-cancelled" });
  return badges;
}

/** "30 stops · 4 done" (+ " · 1 cancelled"), as the engine counted them. */
export function routeSummary(progress: RouteProgress): string {
  let text = `${progress.total} ${progress.total === 1 ? "stop" : "stops"} · ${progress.done} done`;
  if (progress.cancelled > 0) text += ` · ${progress.cancelled} cancelled`;
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

/** A calendar day ("2026-11-25" split by a regex) as midnight UTC, so its weekday does not depend
 * on the phone's time zone; null for a day that does not exist (31 November). */
function calendarDay(m: RegExpExecArray): Date | null {
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(d.getTime()) || d.getUTCMonth() !== Number(m[2]) - 1 ? null : d;
}

/** "Wednesday 25 November 2026" from "2026-11-25"; the raw text when it does not parse. */
export function routeDateLabel(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = calendarDay(m);
  if (!d) return date;
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
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

// ---------- sales rep ----------

/** "10:00" from the rep views' "10:00:00" (and "10:00" as it is). */
export function hhmm(time: string): string {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(time.trim());
  return m ? `${m[1].padStart(2, "0")}:${m[2]}` : time;
}

/** "10:00–12:00" from "10:00:00" and "12:00:00". */
export function repWindow(start: string, end: string): string {
  return timeWindow(hhmm(start), hhmm(end));
}

/** How a delivery stands, in the words of the rep's list: never colour alone. */
export function standingLabel(s: Standing): string {
  switch (s.standing) {
    case "on_track":
      return "On track";
    case "delivered":
      return "Delivered";
    case "cancelled":
      return "Cancelled";
    case "incomplete": {
      const what = [s.short ? "short" : null, s.damaged ? "damaged" : null].filter(Boolean).join(" and ");
      return what ? `Incomplete: ${what}` : "Incomplete";
    }
    case "late":
      switch (s.why?.because) {
        case "window_closed":
          return "Late: window closed";
        case "cannot_make_window":
          return `Late: can't make it, ETA ${hhmm(s.why.eta)}`;
        case "attempt_failed":
          return "Late: attempt failed";
        default:
          return "Late";
      }
    default:
      return String((s as { standing?: unknown }).standing ?? "Unknown");
  }
}

/** The CSS class giving a standing its colour (the words come from standingLabel). */
export function standingClass(s: Standing): string {
  return `standing-${s.standing}`;
}

/** The map's legend and the list's words for each kind of standing. */
export const STANDING_KINDS: { kind: StandingKind; label: string }[] = [
  { kind: "late", label: "Late" },
  { kind: "incomplete", label: "Incomplete" },
  { kind: "on_track", label: "On track" },
  { kind: "delivered", label: "Delivered" },
  { kind: "cancelled", label: "Cancelled" },
];

const WEEKDAY_ORDER: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_SHORT: Record<Weekday, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};

/** "Mon, Wed, Fri" in week order; "Every day" for all seven; "No fixed days" for none. */
export function daysLabel(days: Weekday[]): string {
  const set = new Set(days);
  const known = WEEKDAY_ORDER.filter((d) => set.has(d));
  if (known.length === 0) return "No fixed days";
  if (known.length === 7) return "Every day";
  return known.map((d) => WEEKDAY_SHORT[d]).join(", ");
}

/** "Wed 25 Nov" from "2026-11-25"; the raw text when it does not parse. */
export function shortDateLabel(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = calendarDay(m);
  if (!d) return date;
  return `${WEEKDAYS[d.getUTCDay()].slice(0, 3)} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()].slice(0, 3)}`;
}

/** "replacement requested" → "Replacement requested" (the engine writes the list's words lower-case). */
export function capitalised(text: string): string {
  const t = text.trim();
  return t.charAt(0).toLocaleUpperCase() + t.slice(1);
}

export const RESOLUTION_ACTIONS: { value: ResolutionAction; label: string; hint: string }[] = [
  { value: "note", label: "Note", hint: "What you told the store, or learned" },
  { value: "promise", label: "Promise a new delivery", hint: "A new day and time window" },
  { value: "replacement", label: "Request replacement", hint: "Send the missing items again" },
  { value: "escalate", label: "Escalate to dispatch", hint: "Dispatch must look at it" },
];

export const resolutionActionLabel = (a: ResolutionAction) =>
  RESOLUTION_ACTIONS.find((r) => r.value === a)?.label ?? a;

/** A resolution in plain words, built on the phone (the engine's summary is preferred). */
export function describeResolution(r: Resolution, lines: Pick<OrderLine, "id" | "description" | "unit">[] = []): string {
  switch (r.action) {
    case "note":
      return `Note: ${r.text}`;
    case "promise": {
      const text = `New delivery promised: ${shortDateLabel(r.date)}, ${repWindow(r.window_start, r.window_end)}`;
      return r.note ? `${text} (${r.note})` : text;
    }
    case "replacement": {
      const items = r.lines.map((l) => {
        const line = lines.find((o) => o.id === l.line_id);
        return line ? `${l.qty} × ${line.description}` : `${l.qty} × an item`;
      });
      const text = items.length ? `Replacement requested: ${items.join(", ")}` : "Replacement requested";
      return r.note ? `${text} (${r.note})` : text;
    }
    case "escalate":
      return `Escalated to dispatch: ${r.reason}`;
    default:
      return "Resolution recorded";
  }
}

/** The engine's summary; when it has none, the phone's own words. */
export function resolutionText(
  view: Pick<ResolutionView, "summary" | "resolution">,
  lines: Pick<OrderLine, "id" | "description" | "unit">[] = [],
): string {
  const summary = view.summary?.trim() ?? "";
  return summary !== "" ? summary : describeResolution(view.resolution, lines);
}

/** "by Eva de Wit · 25 Nov 14:05", or "on this phone · waiting to sync" while not on the planner. */
export function resolutionByline(view: Pick<ResolutionView, "by" | "captured_at" | "waiting_to_sync">, now: Date = new Date()): string {
  const who = view.by?.trim() ? `by ${view.by.trim()}` : "on this phone";
  return `${who} · ${shortTime(view.captured_at, now)}`;
}

/** Confirmation after a resolution is saved, e.g. "Replacement requested — waiting to sync". */
export function resolutionToast(action: ResolutionAction, waiting: number): string {
  const what = {
    note: "Note saved",
    promise: "New delivery promised",
    replacement: "Replacement requested",
    escalate: "Escalated to dispatch",
  }[action];
  return `${what ?? "Saved"} — ${waiting > 0 ? "waiting to sync" : "synced"}`;
}

export function eventKindLabel(kind: DeliveryEvent["kind"]): string {
  switch (kind) {
    case "pod":
      return "Delivery";
    case "failed_attempt":
      return "Failed attempt";
    case "condition_note":
      return "Condition note";
    default:
      return kind;
  }
}

/** "Oat milk 1 L: 4 of 6 pcs (Damaged: two crushed)", or "… : 6 of 6 pcs" for a full line. */
export function outcomeText(o: LineOutcome, lines: OrderLine[]): string {
  const line = lines.find((l) => l.id === o.line_id);
  const name = line?.description ?? "An item";
  const of = line ? `${o.delivered_qty} of ${quantity(line.ordered_qty, line.unit)}` : `${o.delivered_qty} delivered`;
  const why = o.shortfall_reason ? shortfallLabel(o.shortfall_reason) : null;
  const extra = [why, o.note].filter(Boolean).join(": ");
  return extra ? `${name}: ${of} (${extra})` : `${name}: ${of}`;
}

/** A POD line that came short of its order. */
export function isShortOutcome(o: LineOutcome, lines: OrderLine[]): boolean {
  const line = lines.find((l) => l.id === o.line_id);
  return line ? o.delivered_qty < line.ordered_qty : o.shortfall_reason !== null;
}

/** A photo the phone does not have and cannot fetch right now. */
export const PHOTO_OFFLINE = "Photo not on this phone yet. It loads once the planner can be reached.";

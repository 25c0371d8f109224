// The resolve form: what it starts with (the engine's suggestions: what is missing, the day to
// promise), and the Resolution it sends. Whether a resolution is acceptable is the engine's to
// say; the form only refuses what it cannot put into a Resolution at all.
import { hhmm } from "./labels";
import type { DeliveryDetail, Resolution, ResolutionAction } from "./types";

/** One line of the replacement form: every line of the delivery, 0 meaning "not replaced". */
export interface ReplacementDraft {
  line_id: string;
  description: string;
  sku: string;
  unit: string;
  ordered: number;
  qty: number;
  /** what `suggested_replacement` proposed (0 when nothing) */
  suggested: number;
}

export interface ResolveDraft {
  action: ResolutionAction | null;
  noteText: string;
  /** "YYYY-MM-DD" */
  promiseDate: string;
  /** "HH:MM" as an <input type="time"> gives it */
  promiseStart: string;
  promiseEnd: string;
  promiseNote: string;
  replacement: ReplacementDraft[];
  replacementNote: string;
  escalateReason: string;
}

function clampQty(qty: number, ordered: number): number {
  if (!Number.isFinite(qty)) return 0;
  return Math.max(0, Math.min(Math.round(qty), ordered));
}

/** Every line of the delivery, with the suggested quantity where the engine proposes one. */
export function prefillReplacement(detail: Pick<DeliveryDetail, "lines" | "suggested_replacement">): ReplacementDraft[] {
  return detail.lines.map((line) => {
    const suggested = detail.suggested_replacement
      .filter((s) => s.line_id === line.id)
      .reduce((sum, s) => sum + s.qty, 0);
    const qty = clampQty(suggested, line.ordered_qty);
    return {
      line_id: line.id,
      description: line.description,
      sku: line.sku,
      unit: line.unit,
      ordered: line.ordered_qty,
      qty,
      suggested: qty,
    };
  });
}

/** The form as it opens: nothing chosen yet, each choice pre-filled with what the engine suggests. */
export function initialDraft(detail: DeliveryDetail): ResolveDraft {
  const d = detail.delivery;
  return {
    action: null,
    noteText: "",
    promiseDate: detail.suggested_promise_date,
    promiseStart: hhmm(d.window_start),
    promiseEnd: hhmm(d.window_end),
    promiseNote: "",
    replacement: prefillReplacement(detail),
    replacementNote: "",
    escalateReason: "",
  };
}

/** "10:00" → "10:00:00" (the engine's times carry seconds); anything else as it is. */
export function toEngineTime(time: string): string {
  const t = time.trim();
  return /^\d{2}:\d{2}$/.test(t) ? `${t}:00` : t;
}

function optional(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

/** Plain words when the form cannot be put into a Resolution yet (nothing chosen, a day or a
 * time not filled in), else null. Everything else the engine checks, and says so itself. */
export function unsendable(draft: ResolveDraft): string | null {
  switch (draft.action) {
    case null:
      return "Choose what to do about this delivery.";
    case "promise":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.promiseDate)) return "Choose the day of the new delivery.";
      if (!isTime(draft.promiseStart) || !isTime(draft.promiseEnd)) {
        return "Choose when the new delivery window starts and ends.";
      }
      return null;
    default:
      return null;
  }
}

function isTime(time: string): boolean {
  return /^\d{2}:\d{2}(:\d{2})?$/.test(time.trim());
}

/** What record_resolution is sent; null while no choice is made. */
export function buildResolution(draft: ResolveDraft): Resolution | null {
  switch (draft.action) {
    case null:
      return null;
    case "note":
      return { action: "note", text: draft.noteText.trim() };
    case "promise":
      return {
        action: "promise",
        date: draft.promiseDate,
        window_start: toEngineTime(draft.promiseStart),
        window_end: toEngineTime(draft.promiseEnd),
        note: optional(draft.promiseNote),
      };
    case "replacement":
      return {
        action: "replacement",
        lines: draft.replacement.filter((l) => l.qty > 0).map((l) => ({ line_id: l.line_id, qty: l.qty })),
        note: optional(draft.replacementNote),
      };
    case "escalate":
      return { action: "escalate", reason: draft.escalateReason.trim() };
  }
}

/** Sets one replacement line's quantity, kept between 0 and what was ordered. */
export function setReplacementQty(lines: ReplacementDraft[], lineId: string, qty: number): ReplacementDraft[] {
  return lines.map((l) => (l.line_id === lineId ? { ...l, qty: clampQty(qty, l.ordered) } : l));
}

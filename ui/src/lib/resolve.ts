// The resolve form: what it starts with (a replacement pre-filled with what is missing), its
// pre-checks (the engine checks too) and the Resolution it sends.
import { hhmm } from "./labels";
import { addDays } from "./territory";
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

/** The day a new delivery is promised for: the engine's suggestion; without one, the day after
 * today (the engine's) and after the delivery that went wrong. */
export function promiseDateOf(detail: DeliveryDetail, today: string | null): string {
  if (detail.suggested_promise_date) return detail.suggested_promise_date;
  const d = detail.delivery.date;
  const t = detail.today ?? today ?? d;
  return addDays(d > t ? d : t, 1);
}

/** The form as it opens: nothing chosen yet, each choice pre-filled as far as it can be. */
export function initialDraft(detail: DeliveryDetail, today: string | null): ResolveDraft {
  const d = detail.delivery;
  return {
    action: null,
    noteText: "",
    promiseDate: promiseDateOf(detail, today),
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

/** A plain message when the form cannot be sent yet, else null. */
export function precheckResolution(draft: ResolveDraft): string | null {
  switch (draft.action) {
    case null:
      return "Choose what to do about this delivery.";
    case "note":
      return draft.noteText.trim() === "" ? "Write the note." : null;
    case "promise": {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.promiseDate)) return "Choose the day of the new delivery.";
      if (draft.promiseStart.trim() === "" || draft.promiseEnd.trim() === "") {
        return "Choose when the new delivery window starts and ends.";
      }
      if (toEngineTime(draft.promiseEnd) <= toEngineTime(draft.promiseStart)) {
        return "The new window must end after it starts.";
      }
      return null;
    }
    case "replacement": {
      const over = draft.replacement.find((l) => l.qty > l.ordered);
      if (over) return `${over.description}: at most ${over.ordered} ${over.unit} can be replaced.`;
      if (!draft.replacement.some((l) => l.qty > 0)) return "Choose at least one item to replace.";
      return null;
    }
    case "escalate":
      return draft.escalateReason.trim() === "" ? "Say why dispatch must look at it." : null;
  }
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

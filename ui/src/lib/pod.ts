// The deliver form's logic, free of any component: defaults, line outcomes, the input sent, barcodes.
import type { GpsFix, LineOutcome, OrderLine, PodInput, ShortfallReason, Signature } from "./types";

/** What the courier can change on one order line. */
export interface LineState {
  line_id: string;
  /** null while the number field is empty */
  qty: number | null;
  reason: ShortfallReason | "";
  note: string;
  /** ticked by a barcode scan */
  checked: boolean;
}

/** Every line starts as "delivered in full": a clean delivery touches no line. */
export function initialLineStates(lines: OrderLine[]): LineState[] {
  return lines.map((l) => ({ line_id: l.id, qty: l.ordered_qty, reason: "", note: "", checked: false }));
}

/** The recipient name field starts with the stop's contact name when there is one. */
export function initialRecipientName(contactName: string | null | undefined): string {
  return (contactName ?? "").trim();
}

export function isShort(line: OrderLine, state: LineState): boolean {
  return state.qty === null || !Number.isFinite(state.qty) || state.qty < line.ordered_qty;
}

/** Quantity after a stepper tap, kept within 0..ordered. */
export function stepQty(line: OrderLine, current: number | null, delta: number): number {
  const base = current === null || !Number.isFinite(current) ? line.ordered_qty : current;
  return clamp(base + delta, 0, line.ordered_qty);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/** LineOutcome[] for record_pod: one per order line, in the stop's order. */
export function buildLineOutcomes(lines: OrderLine[], states: LineState[]): LineOutcome[] {
  return lines.map((line) => {
    const st = states.find((s) => s.line_id === line.id);
    if (!st || !isShort(line, st)) {
      return { line_id: line.id, delivered_qty: line.ordered_qty, shortfall_reason: null, note: null };
    }
    const note = st.note.trim();
    return {
      line_id: line.id,
      delivered_qty: st.qty === null || !Number.isFinite(st.qty) ? 0 : st.qty,
      shortfall_reason: st.reason === "" ? null : st.reason,
      note: note === "" ? null : note,
    };
  });
}

export function hasStroke(sig: Signature | null): boolean {
  return sig !== null && sig.strokes.some((s) => s.length > 0);
}

export function buildPodInput(args: {
  stopId: string;
  recipientName: string;
  signature: Signature | null;
  photos: string[];
  gps: GpsFix | null;
  lines: OrderLine[];
  states: LineState[];
}): PodInput {
  return {
    stop_id: args.stopId,
    recipient_name: args.recipientName.trim(),
    signature: hasStroke(args.signature) ? args.signature : null,
    photos: [...args.photos],
    gps: args.gps,
    lines: buildLineOutcomes(args.lines, args.states),
  };
}

/**
 * A typed quantity the engine's input cannot carry (it counts whole items, 0 or more), in plain
 * words; null when every line can be sent. Whether the quantities, the name and the proofs are
 * acceptable is the engine's to say: its message is shown as it comes.
 */
export function unsendableQuantity(lines: OrderLine[], states: LineState[]): string | null {
  for (const line of lines) {
    const st = states.find((s) => s.line_id === line.id);
    if (!st || st.qty === null) continue;
    if (!Number.isInteger(st.qty) || st.qty < 0) {
      return `Type the quantity of “${line.description}” as a whole number.`;
    }
  }
  return null;
}

export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, "").toLowerCase();
}

/**
 * Index of the order line a scanned or typed code belongs to: by barcode first, then by SKU.
 * With several lines sharing a code, the first one not yet checked wins. -1 when none matches.
 */
export function matchBarcode(lines: OrderLine[], code: string, checked: boolean[] = []): number {
  const c = normaliseCode(code);
  if (c === "") return -1;
  const pick = (pred: (l: OrderLine) => boolean): number => {
    const hits = lines.map((l, i) => (pred(l) ? i : -1)).filter((i) => i >= 0);
    if (hits.length === 0) return -1;
    return hits.find((i) => !checked[i]) ?? hits[0];
  };
  const byBarcode = pick((l) => l.barcode !== null && normaliseCode(l.barcode) === c);
  if (byBarcode >= 0) return byBarcode;
  return pick((l) => normaliseCode(l.sku) === c);
}

/** "All 3 items delivered in full" / "2 of 3 items in full" */
export function linesSummary(lines: OrderLine[], states: LineState[]): string {
  const full = lines.filter((l, i) => states[i] && !isShort(l, states[i])).length;
  const n = lines.length;
  if (n === 0) return "No items on this stop";
  if (full === n) return n === 1 ? "The item is delivered in full" : `All ${n} items delivered in full`;
  return `${full} of ${n} items in full`;
}

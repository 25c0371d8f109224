import { describe, expect, it } from "vitest";
import {
  buildLineOutcomes,
  buildPodInput,
  initialLineStates,
  initialRecipientName,
  linesSummary,
  matchBarcode,
  unsendableQuantity,
  stepQty,
  type LineState,
} from "./pod";
import type { OrderLine, Signature } from "./types";

const lines: OrderLine[] = [
  { id: "a", sku: "MILK-1L", description: "Milk", ordered_qty: 6, unit: "pcs", barcode: "8712345000011" },
  { id: "b", sku: "BREAD-W", description: "Bread", ordered_qty: 2, unit: "pcs", barcode: null },
  { id: "c", sku: "EGGS-10", description: "Eggs", ordered_qty: 1, unit: "box", barcode: "8712345000011" },
];

const sig: Signature = { width: 300, height: 150, strokes: [[{ x: 1, y: 2, t: 0 }]] };

function states(): LineState[] {
  return initialLineStates(lines);
}

describe("defaults", () => {
  it("starts every line delivered in full, unchecked, with no reason", () => {
    expect(states()).toEqual([
      { line_id: "a", qty: 6, reason: "", note: "", checked: false },
      { line_id: "b", qty: 2, reason: "", note: "", checked: false },
      { line_id: "c", qty: 1, reason: "", note: "", checked: false },
    ]);
  });

  it("pre-fills the recipient with the contact name", () => {
    expect(initialRecipientName(" Anne Visser ")).toBe("Anne Visser");
    expect(initialRecipientName(null)).toBe("");
    expect(initialRecipientName(undefined)).toBe("");
  });

  it("turns untouched lines into full outcomes without reasons", () => {
    expect(buildLineOutcomes(lines, states())).toEqual([
      { line_id: "a", delivered_qty: 6, shortfall_reason: null, note: null },
      { line_id: "b", delivered_qty: 2, shortfall_reason: null, note: null },
      { line_id: "c", delivered_qty: 1, shortfall_reason: null, note: null },
    ]);
  });
});

describe("line outcomes", () => {
  it("keeps a short line's quantity, reason and trimmed note", () => {
    const s = states();
    s[0] = { ...s[0], qty: 4, reason: "damaged", note: "  two crushed " };
    const out = buildLineOutcomes(lines, s);
    expect(out[0]).toEqual({ line_id: "a", delivered_qty: 4, shortfall_reason: "damaged", note: "two crushed" });
    expect(out[1].shortfall_reason).toBeNull();
  });

  it("drops a stale reason and note when the line is back to full", () => {
    const s = states();
    s[1] = { ...s[1], qty: 2, reason: "missing", note: "x" };
    expect(buildLineOutcomes(lines, s)[1]).toEqual({
      line_id: "b",
      delivered_qty: 2,
      shortfall_reason: null,
      note: null,
    });
  });

  it("treats an emptied quantity field as 0 delivered", () => {
    const s = states();
    s[1] = { ...s[1], qty: null, reason: "refused" };
    expect(buildLineOutcomes(lines, s)[1]).toMatchObject({ delivered_qty: 0, shortfall_reason: "refused" });
  });

  it("lists every line once, in the stop's order", () => {
    const s = states().reverse();
    expect(buildLineOutcomes(lines, s).map((o) => o.line_id)).toEqual(["a", "b", "c"]);
  });

  it("steps quantities within 0..ordered", () => {
    expect(stepQty(lines[1], 2, 1)).toBe(2);
    expect(stepQty(lines[1], 2, -1)).toBe(1);
    expect(stepQty(lines[1], 0, -1)).toBe(0);
    expect(stepQty(lines[1], null, -1)).toBe(1);
  });

  it("summarises the lines in words", () => {
    const s = states();
    expect(linesSummary(lines, s)).toBe("All 3 items delivered in full");
    s[2] = { ...s[2], qty: 0 };
    expect(linesSummary(lines, s)).toBe("2 of 3 items in full");
    expect(linesSummary([], [])).toBe("No items on this stop");
  });
});

describe("the record_pod input", () => {
  const base = {
    stopId: "s-1",
    recipientName: "  Anne ",
    signature: sig,
    photos: ["abc"],
    gps: null,
    lines,
  };

  it("builds the record_pod input", () => {
    const input = buildPodInput({ ...base, states: states() });
    expect(input.stop_id).toBe("s-1");
    expect(input.recipient_name).toBe("Anne");
    expect(input.signature).toEqual(sig);
    expect(input.photos).toEqual(["abc"]);
    expect(input.lines).toHaveLength(3);
  });

  it("sends no signature when the pad has no stroke", () => {
    const input = buildPodInput({ ...base, signature: { width: 1, height: 1, strokes: [[]] }, states: states() });
    expect(input.signature).toBeNull();
  });

  it("sends the name, the proofs and the short lines as typed, for the engine to judge", () => {
    const s = states();
    s[0] = { ...s[0], qty: 5 };
    const input = buildPodInput({ ...base, recipientName: "   ", signature: null, photos: [], states: s });
    expect(input.recipient_name, "an empty name goes to the engine, which says what is missing").toBe("");
    expect(input.signature, "no proof is sent as no proof").toBeNull();
    expect(input.lines[0], "a short line without a reason is sent as it is").toEqual({
      line_id: lines[0].id,
      delivered_qty: 5,
      shortfall_reason: null,
      note: null,
    });
    expect(unsendableQuantity(lines, s), "a whole number can always be sent").toBeNull();
  });

  it("cannot send a quantity that is not a whole number of items", () => {
    const s = states();
    s[1] = { ...s[1], qty: -1, reason: "missing" };
    expect(unsendableQuantity(lines, s), "a negative count has no wire form").toBe(
      "Type the quantity of “Bread” as a whole number.",
    );
    s[1] = { ...s[1], qty: 1.5 };
    expect(unsendableQuantity(lines, s), "half an item has no wire form").toBe(
      "Type the quantity of “Bread” as a whole number.",
    );
    s[1] = { ...s[1], qty: null };
    expect(unsendableQuantity(lines, s), "an empty field is sent as 0 delivered").toBeNull();
  });
});

describe("barcodes", () => {
  it("matches a barcode, ignoring spaces and case", () => {
    expect(matchBarcode(lines, " 8712345000011\n")).toBe(0);
    expect(matchBarcode(lines, "8712 3450 00011")).toBe(0);
  });

  it("falls back to the SKU", () => {
    expect(matchBarcode(lines, "bread-w")).toBe(1);
  });

  it("picks the next unchecked line when lines share a code", () => {
    expect(matchBarcode(lines, "8712345000011", [true, false, false])).toBe(2);
    expect(matchBarcode(lines, "8712345000011", [true, false, true])).toBe(0);
  });

  it("says -1 for an unknown or empty code", () => {
    expect(matchBarcode(lines, "999")).toBe(-1);
    expect(matchBarcode(lines, "   ")).toBe(-1);
  });
});

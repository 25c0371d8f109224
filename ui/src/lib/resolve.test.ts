import { describe, expect, it } from "vitest";
import {
  buildResolution,
  initialDraft,
  prefillReplacement,
  setReplacementQty,
  toEngineTime,
  unsendable,
  type ResolveDraft,
} from "./resolve";
import { sampleDeliveryDetail } from "../test/fixtures";

function draft(overrides: Partial<ResolveDraft> = {}): ResolveDraft {
  return { ...initialDraft(sampleDeliveryDetail()), ...overrides };
}

describe("replacement pre-fill", () => {
  it("fills every line, with what is missing where the engine suggests it", () => {
    const lines = prefillReplacement(sampleDeliveryDetail());
    expect(lines.map((l) => [l.line_id, l.qty, l.ordered])).toEqual([
      ["l-1", 2, 6],
      ["l-2", 0, 12],
      ["l-3", 0, 4],
    ]);
  });

  it("sends only the suggested lines when the rep changes nothing", () => {
    expect(buildResolution(draft({ action: "replacement" }))).toEqual({
      action: "replacement",
      lines: [{ line_id: "l-1", qty: 2 }],
      note: null,
    });
  });

  it("after a failed attempt suggests every line in full", () => {
    const detail = sampleDeliveryDetail({
      suggested_replacement: [
        { line_id: "l-1", qty: 6 },
        { line_id: "l-2", qty: 12 },
        { line_id: "l-3", qty: 4 },
      ],
    });
    expect(prefillReplacement(detail).map((l) => l.qty)).toEqual([6, 12, 4]);
  });

  it("keeps a suggestion within what was ordered and ignores lines not on the delivery", () => {
    const detail = sampleDeliveryDetail({
      suggested_replacement: [
        { line_id: "l-1", qty: 99 },
        { line_id: "l-x", qty: 1 },
      ],
    });
    expect(prefillReplacement(detail).map((l) => l.qty)).toEqual([6, 0, 0]);
  });

  it("a line set to 0 is left out; quantities stay between 0 and the ordered", () => {
    let lines = prefillReplacement(sampleDeliveryDetail());
    lines = setReplacementQty(lines, "l-2", 3);
    lines = setReplacementQty(lines, "l-3", 50);
    lines = setReplacementQty(lines, "l-1", 0);
    expect(lines.map((l) => l.qty)).toEqual([0, 3, 4]);
    expect(setReplacementQty(lines, "l-2", -4).map((l) => l.qty)).toEqual([0, 0, 4]);
    expect(buildResolution(draft({ action: "replacement", replacement: lines, replacementNote: " urgent " }))).toEqual({
      action: "replacement",
      lines: [
        { line_id: "l-2", qty: 3 },
        { line_id: "l-3", qty: 4 },
      ],
      note: "urgent",
    });
  });
});

describe("what the form cannot send", () => {
  it("asks for a choice first", () => {
    expect(unsendable(draft()), "nothing chosen: there is no resolution to send").toBe(
      "Choose what to do about this delivery.",
    );
    expect(buildResolution(draft()), "nothing chosen: nothing built").toBeNull();
  });

  it("leaves the engine's rules to the engine: empty texts, no item, a window backwards", () => {
    const none = prefillReplacement({ ...sampleDeliveryDetail(), suggested_replacement: [] });
    for (const d of [
      draft({ action: "note", noteText: "  " }),
      draft({ action: "escalate" }),
      draft({ action: "replacement", replacement: none }),
      draft({ action: "promise", promiseStart: "12:00", promiseEnd: "10:00" }),
    ]) {
      expect(unsendable(d), `${d.action}: sent, and the engine says what is wrong`).toBeNull();
    }
  });

  it("needs a day and both times of a promise to build one", () => {
    expect(unsendable(draft({ action: "promise", promiseEnd: "" })), "an empty time is no time").toBe(
      "Choose when the new delivery window starts and ends.",
    );
    expect(unsendable(draft({ action: "promise", promiseDate: "" })), "an empty day is no day").toBe(
      "Choose the day of the new delivery.",
    );
  });
});

describe("a promise", () => {
  it("starts on the next day, in the delivery's own window", () => {
    const d = draft();
    expect(d.promiseDate).toBe("2026-11-26");
    expect(d.promiseStart).toBe("10:00");
    expect(d.promiseEnd).toBe("12:00");
  });

  it("starts on the day the engine suggests, never one the phone's clock makes up", () => {
    const detail = sampleDeliveryDetail();
    expect(
      initialDraft({ ...detail, suggested_promise_date: "2026-11-30" }).promiseDate,
      "the engine's suggested day is the form's day",
    ).toBe("2026-11-30");
  });

  it("sends the engine's times with seconds and a null note when none is typed", () => {
    expect(buildResolution(draft({ action: "promise" }))).toEqual({
      action: "promise",
      date: "2026-11-26",
      window_start: "10:00:00",
      window_end: "12:00:00",
      note: null,
    });
    expect(toEngineTime("09:30")).toBe("09:30:00");
    expect(toEngineTime("09:30:15")).toBe("09:30:15");
  });

  it("trims a note and an escalation's reason", () => {
    expect(buildResolution(draft({ action: "note", noteText: " Store agrees " }))).toEqual({
      action: "note",
      text: "Store agrees",
    });
    expect(buildResolution(draft({ action: "escalate", escalateReason: " Short again " }))).toEqual({
      action: "escalate",
      reason: "Short again",
    });
  });
});

import { describe, expect, it } from "vitest";
import {
  capitalised,
  daysLabel,
  describeResolution,
  hhmm,
  outcomeText,
  repWindow,
  resolutionByline,
  resolutionText,
  resolutionToast,
  shortDateLabel,
  standingClass,
  standingLabel,
} from "./labels";
import { sampleDeliveryDetail, sampleResolutionView } from "../test/fixtures";
import type { Standing } from "./types";

describe("standings in plain words", () => {
  it("names every standing the engine sends", () => {
    const all: [Standing, string][] = [
      [{ standing: "late", why: { because: "window_closed" } }, "Late: window closed"],
      [{ standing: "late", why: { because: "cannot_make_window", eta: "11:40:00" } }, "Late: can't make it, ETA 11:40"],
      [{ standing: "late", why: { because: "attempt_failed" } }, "Late: attempt failed"],
      [{ standing: "incomplete", short: true, damaged: false }, "Incomplete: short"],
      [{ standing: "incomplete", short: false, damaged: true }, "Incomplete: damaged"],
      [{ standing: "incomplete", short: true, damaged: true }, "Incomplete: short and damaged"],
      [{ standing: "on_track" }, "On track"],
      [{ standing: "delivered" }, "Delivered"],
      [{ standing: "cancelled" }, "Cancelled"],
    ];
    for (const [s, words] of all) expect(standingLabel(s), JSON.stringify(s)).toBe(words);
  });

  it("never shows a raw code for a late reason it does not know", () => {
    const odd = { standing: "late", why: { because: "traffic" } } as unknown as Standing;
    expect(standingLabel(odd)).toBe("Late");
  });

  it("gives each standing its own colour class", () => {
    expect(standingClass({ standing: "late", why: { because: "attempt_failed" } })).toBe("standing-late");
    expect(standingClass({ standing: "on_track" })).toBe("standing-on_track");
  });
});

describe("times, days and dates", () => {
  it("drops the seconds of the rep views' times", () => {
    expect(hhmm("10:00:00")).toBe("10:00");
    expect(hhmm("9:05:00")).toBe("09:05");
    expect(hhmm("10:00")).toBe("10:00");
    expect(hhmm("soon")).toBe("soon");
    expect(repWindow("10:00:00", "12:00:00")).toBe("10:00–12:00");
  });

  it("says the service plan's days in week order", () => {
    expect(daysLabel(["fri", "mon", "wed"])).toBe("Mon, Wed, Fri");
    expect(daysLabel([])).toBe("No fixed days");
    expect(daysLabel(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])).toBe("Every day");
  });

  it("writes a short date", () => {
    expect(shortDateLabel("2026-11-25")).toBe("Wed 25 Nov");
    expect(shortDateLabel("2026-02-30")).toBe("2026-02-30");
  });

  it("capitalises the engine's lower-case words", () => {
    expect(capitalised("replacement requested")).toBe("Replacement requested");
  });
});

describe("resolutions", () => {
  const lines = sampleDeliveryDetail().lines;

  it("prefers the engine's summary", () => {
    expect(resolutionText(sampleResolutionView(), lines)).toBe("New delivery promised for Thu 26 Nov, 10:00–12:00");
  });

  it("falls back to the phone's own words when the summary is empty", () => {
    const blank = (resolution: Parameters<typeof describeResolution>[0]) =>
      resolutionText(sampleResolutionView({ summary: "  ", resolution }), lines);
    expect(blank({ action: "note", text: "Store called" })).toBe("Note: Store called");
    expect(
      blank({ action: "promise", date: "2026-11-26", window_start: "10:00:00", window_end: "12:00:00", note: "Back door" }),
    ).toBe("New delivery promised: Thu 26 Nov, 10:00–12:00 (Back door)");
    expect(
      blank({
        action: "replacement",
        lines: [
          { line_id: "l-1", qty: 2 },
          { line_id: "l-9", qty: 1 },
        ],
        note: null,
      }),
    ).toBe("Replacement requested: 2 × Oat milk 1 L, 1 × an item");
    expect(blank({ action: "escalate", reason: "Third time short" })).toBe("Escalated to dispatch: Third time short");
  });

  it("says who recorded it, or that it is only on this phone", () => {
    const at = new Date(2026, 10, 25, 10, 5).toISOString();
    const now = new Date(2026, 10, 25, 12, 0);
    expect(resolutionByline(sampleResolutionView({ captured_at: at }), now)).toBe("by Eva de Wit · 10:05");
    expect(resolutionByline(sampleResolutionView({ captured_at: at, by: null }), now)).toBe("on this phone · 10:05");
  });

  it("confirms a save with what was done and whether it waits to sync", () => {
    expect(resolutionToast("replacement", 3)).toBe("Replacement requested — waiting to sync");
    expect(resolutionToast("promise", 0)).toBe("New delivery promised — synced");
    expect(resolutionToast("note", 1)).toBe("Note saved — waiting to sync");
    expect(resolutionToast("escalate", 1)).toBe("Escalated to dispatch — waiting to sync");
  });

  it("writes a POD line as ordered against delivered", () => {
    expect(outcomeText({ line_id: "l-1", delivered_qty: 4, shortfall_reason: "damaged", note: "two crushed" }, lines)).toBe(
      "Oat milk 1 L: 4 of 6 pcs (Damaged: two crushed)",
    );
    expect(outcomeText({ line_id: "l-2", delivered_qty: 12, shortfall_reason: null, note: null }, lines)).toBe(
      "Croissant: 12 of 12 pcs",
    );
  });
});

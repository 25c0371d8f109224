import { describe, expect, it } from "vitest";
import {
  CANCELLED_LABEL,
  FAILURE_REASONS,
  NOTE_CATEGORIES,
  SHORTFALL_REASONS,
  routeDateLabel,
  routeSummary,
  savedToast,
  shortTime,
  statusLabel,
  stopBadges,
} from "./labels";
import type { StopStatus } from "./types";

describe("labels", () => {
  it("names every stop status in plain words", () => {
    const all: [StopStatus, string][] = [
      ["pending", "To do"],
      ["en_route", "On the way"],
      ["arrived", "Arrived"],
      ["delivered", "Delivered"],
      ["partly_delivered", "Partly delivered"],
      ["failed", "Failed"],
    ];
    for (const [s, label] of all) expect(statusLabel(s)).toBe(label);
  });

  it("offers exactly the contract's reasons and categories", () => {
    expect(SHORTFALL_REASONS.map((r) => r.value)).toEqual(["damaged", "missing", "refused", "wrong_item", "other"]);
    expect(FAILURE_REASONS.map((r) => r.value)).toEqual([
      "nobody_home",
      "refused",
      "address_problem",
      "no_access",
      "other",
    ]);
    expect(NOTE_CATEGORIES.map((c) => c.value)).toEqual([
      "damaged_packaging",
      "damaged_goods",
      "missing_item",
      "wrong_item",
      "temperature",
      "other",
    ]);
  });

  it("writes the route date in words", () => {
    expect(routeDateLabel("2026-11-25")).toBe("Wednesday 25 November 2026");
    expect(routeDateLabel("soon")).toBe("soon");
  });

  it("writes times short: hours today, a date otherwise", () => {
    const now = new Date(2026, 10, 25, 16, 0);
    expect(shortTime(new Date(2026, 10, 25, 14, 5).toISOString(), now)).toBe("14:05");
    expect(shortTime(new Date(2026, 10, 24, 9, 30).toISOString(), now)).toBe("24 Nov 09:30");
    expect(shortTime("garbage", now)).toBe("garbage");
  });

  it("confirms a save with the sync state", () => {
    expect(savedToast("pod", "delivered", 3)).toBe("Delivered · waiting to sync");
    expect(savedToast("pod", "partly_delivered", 1)).toBe("Partly delivered · waiting to sync");
    expect(savedToast("failed", "failed", 1)).toBe("Failed attempt recorded · waiting to sync");
    expect(savedToast("note", "pending", 0)).toBe("Condition note saved · synced");
  });

  it("shows a cancelled stop as cancelled, not as to do", () => {
    expect(CANCELLED_LABEL).toBe("Cancelled by dispatch");
    expect(stopBadges({ status: "pending", cancelled: false })).toEqual([{ text: "To do", cls: "status-pending" }]);
    expect(stopBadges({ status: "pending", cancelled: true })).toEqual([
      { text: "Cancelled by dispatch", cls: "badge-cancelled" },
    ]);
    expect(
      stopBadges({ status: "arrived", cancelled: true }).map((b) => b.text),
      "what already happened stays beside the cancellation; only 'To do' is dropped",
    ).toEqual(["Arrived", "Cancelled by dispatch"]);
    // delivered before dispatch cancelled: both are true, both are shown
    expect(stopBadges({ status: "delivered", cancelled: true }).map((b) => b.text)).toEqual([
      "Delivered",
      "Cancelled by dispatch",
    ]);
  });

  it("sums the route up as the engine counted it", () => {
    expect(routeSummary({ total: 3, done: 1, cancelled: 1 }), "cancelled stops are named").toBe(
      "3 stops · 1 done · 1 cancelled",
    );
    expect(routeSummary({ total: 2, done: 1, cancelled: 0 }), "no cancelled part when none is").toBe("2 stops · 1 done");
    expect(routeSummary({ total: 1, done: 0, cancelled: 0 }), "one stop is singular").toBe("1 stop · 0 done");
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeAllTimers } from "../test/clock";
import {
  accountChoices,
  activeFilterCount,
  addDays,
  dateOfChoice,
  dayChoice,
  daySummary,
  debounce,
  defaultQuery,
  emptyMessage,
  filterOf,
} from "./territory";
import { sampleTerritoryDay } from "../test/fixtures";

describe("the territory_day filter", () => {
  it("sends null for everything not chosen", () => {
    expect(filterOf(defaultQuery(), "")).toEqual({ status: null, courier: null, account: null, search: null });
  });

  it("sends the chosen status, courier, account and the trimmed search", () => {
    const q = { ...defaultQuery(), status: "failed" as const, courier: "Sam Jansen", account: "a-2" };
    expect(filterOf(q, "  noord ")).toEqual({ status: "failed", courier: "Sam Jansen", account: "a-2", search: "noord" });
    expect(filterOf(q, "   ").search).toBeNull();
    expect(activeFilterCount(q)).toBe(3);
    expect(activeFilterCount(defaultQuery())).toBe(0);
  });

  it("offers only accounts with an id, once each", () => {
    const accounts = [...sampleTerritoryDay().accounts, { id: "a-1", name: "Bakkerij De Vries" }];
    expect(accountChoices(accounts).map((a) => a.id)).toEqual(["a-1", "a-2", "a-3"]);
  });
});

describe("days", () => {
  it("counts days across months and years", () => {
    expect(addDays("2026-11-30", 1)).toBe("2026-12-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(addDays("2028-02-28", 1), "2028 is a leap year").toBe("2028-02-29");
    // the night the clocks go back in Europe and forward in New Zealand: still one day
    expect(addDays("2026-10-24", 1), "a daylight-saving change never skips or repeats a day").toBe("2026-10-25");
    expect(addDays("2026-09-27", -1), "a daylight-saving change never skips or repeats a day").toBe("2026-09-26");
  });

  it("knows which day button is on", () => {
    const today = "2026-11-25";
    expect(dayChoice(null, today)).toBe("today");
    expect(dayChoice("2026-11-25", today)).toBe("today");
    expect(dayChoice("2026-11-24", today)).toBe("yesterday");
    expect(dayChoice("2026-11-26", today)).toBe("tomorrow");
    expect(dayChoice("2026-11-20", today)).toBe("other");
    expect(dateOfChoice("today", today)).toBeNull();
    expect(dateOfChoice("yesterday", today)).toBe("2026-11-24");
    expect(dateOfChoice("tomorrow", today)).toBe("2026-11-26");
    expect(dayChoice(null, null), "asking for today needs no date").toBe("today");
    expect(dayChoice("2026-11-24", null), "without the engine's today a chosen day is no relative day").toBe("other");
  });

  it("says plainly when there is nothing", () => {
    expect(emptyMessage("2026-11-25", false)).toBe("No deliveries in your territory on Wed 25 Nov");
    expect(emptyMessage("2026-11-25", true)).toBe("No deliveries match these filters on Wed 25 Nov");
  });

  it("sums the day up", () => {
    expect(daySummary(sampleTerritoryDay().deliveries)).toBe("5 deliveries · 2 late · 1 incomplete");
    expect(daySummary([])).toBe("0 deliveries");
  });
});

describe("debounce", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("calls once after typing pauses, and not at all when cancelled", () => {
    fakeAllTimers();
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d.call();
    vi.advanceTimersByTime(200);
    d.call();
    vi.advanceTimersByTime(200);
    expect(fn).not.toHaveBeenCalled();
    expect(d.pending).toBe(true);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(1);
    d.call();
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

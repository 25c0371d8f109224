import { describe, expect, it } from "vitest";
import { enrolledMessage, normalisePlannerUrl, precheckEnrol } from "./enrol";
import { rejectionItems, NO_REASON } from "./rejections";
import { sampleEnrolled, sampleRejections } from "../test/fixtures";

describe("enrol", () => {
  it("keeps a full address and adds https:// to a bare host", () => {
    expect(normalisePlannerUrl("  https://planner.example.com/ ")).toBe("https://planner.example.com/");
    expect(normalisePlannerUrl("http://10.0.0.5:8080")).toBe("http://10.0.0.5:8080");
    expect(normalisePlannerUrl("planner.example.com")).toBe("https://planner.example.com");
    expect(normalisePlannerUrl("HTTPS://Planner.Example.com")).toBe("HTTPS://Planner.Example.com");
    expect(normalisePlannerUrl("   ")).toBe("");
  });

  it("asks for what is missing, in plain words", () => {
    expect(precheckEnrol("", "ABC")).toBe("Type the planner address dispatch gave you.");
    expect(precheckEnrol("planner example", "ABC")).toMatch(/spaces/);
    expect(precheckEnrol("ftp://planner", "ABC")).toMatch(/https:\/\//);
    expect(precheckEnrol("https://", "ABC")).toMatch(/https:\/\//);
    expect(precheckEnrol("https://planner.test", "  ")).toBe("Type the one-time code from dispatch.");
    expect(precheckEnrol("planner.test", "ABC-123")).toBeNull();
    expect(precheckEnrol("http://10.0.0.5:8080", "x")).toBeNull();
  });

  it("says who the phone is connected as", () => {
    expect(enrolledMessage(sampleEnrolled())).toBe("Connected as Sam Jansen (Fresh Foods Amsterdam)");
    expect(enrolledMessage(sampleEnrolled({ tenant_name: " " }))).toBe("Connected as Sam Jansen");
  });
});

describe("rejections list", () => {
  const now = new Date("2026-11-25T16:00:00Z");

  it("names the customer or 'A stop', with the reason and the time", () => {
    const items = rejectionItems(sampleRejections(), now);
    expect(items.map((i) => i.who)).toEqual(["Kees Bakker", "A stop"]);
    expect(items[0].reason).toBe("The stop was cancelled by dispatch before this delivery arrived.");
    // the planner's lower-case fragment becomes a sentence
    expect(items[1].reason).toBe("The stop is no longer on your route.");
    expect(items.map((i) => i.isNew)).toEqual([true, false]);
    expect(items[0].key).toBe("1-7");
    const local = new Date("2026-11-25T13:42:00Z");
    const hm = `${String(local.getHours()).padStart(2, "0")}:${String(local.getMinutes()).padStart(2, "0")}`;
    expect(items[0].when).toContain(hm);
  });

  it("copes with a blank reason or name", () => {
    const [r] = sampleRejections();
    const [item] = rejectionItems([{ ...r, reason: " ", customer_name: "  " }], now);
    expect(item.reason).toBe(NO_REASON);
    expect(item.who).toBe("A stop");
    expect(rejectionItems([], now)).toEqual([]);
  });
});

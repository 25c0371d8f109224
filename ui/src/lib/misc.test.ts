import { describe, expect, it } from "vitest";
import { FALLBACK_MESSAGE, NO_BACKEND_MESSAGE, asSentence, errorMessage, toCommandError } from "./errors";
import { buildFailedInput, buildNoteInput, missingCategory, missingReason } from "./forms";
import { stopHistory } from "./history";
import { backOf } from "./nav";
import { PendingWork, readFileBytes } from "./pending";
import { sampleStop } from "../test/fixtures";

describe("errors", () => {
  it("keeps the contract's {code, message}", () => {
    expect(toCommandError({ code: "illegal_status", message: "Already delivered." })).toEqual({
      code: "illegal_status",
      message: "Already delivered.",
    });
  });
  it("makes the engine's lower-case fragments read as sentences", () => {
    expect(errorMessage({ code: "invalid", message: "the enrolment code is empty: ask dispatch for one" })).toBe(
      "The enrolment code is empty: ask dispatch for one.",
    );
    expect(asSentence("Planner unreachable — will retry")).toBe("Planner unreachable — will retry.");
    expect(asSentence(" Done! ")).toBe("Done!");
    expect(asSentence("")).toBe("");
  });
  it("turns Tauri's bare strings and odd values into plain messages", () => {
    expect(errorMessage("command record_pod not found")).toBe("command record_pod not found");
    expect(errorMessage(undefined)).toBe(FALLBACK_MESSAGE);
    expect(errorMessage({ code: "x", message: "  " })).toBe(FALLBACK_MESSAGE);
  });
  it("says so when the app engine is missing", () => {
    expect(errorMessage(new TypeError("Cannot read properties of undefined (reading 'invoke')"))).toBe(
      NO_BACKEND_MESSAGE,
    );
  });
});

describe("failed attempt and note inputs", () => {
  it("asks only for the reason it cannot send without; the note for 'other' is the engine's to ask", () => {
    expect(missingReason(null), "no reason chosen: nothing to send").toBe("Choose why you could not deliver.");
    expect(missingReason("other"), "'other' without a note goes to the engine").toBeNull();
    expect(missingReason("nobody_home"), "a reason is enough to send").toBeNull();
  });
  it("builds record_failed_attempt input", () => {
    expect(buildFailedInput({ stopId: "s", reason: "nobody_home", note: " ", photo: null, gps: null })).toEqual({
      stop_id: "s",
      reason: "nobody_home",
      note: null,
      photo: null,
      gps: null,
    });
    expect(buildFailedInput({ stopId: "s", reason: null, note: "", photo: null, gps: null })).toBeNull();
  });
  it("asks only for the category it cannot send without; words or a photo are the engine's to ask", () => {
    expect(missingCategory(""), "no category chosen: nothing to send").toBe("Choose what the note is about.");
    expect(missingCategory("damaged_goods"), "an empty text goes to the engine").toBeNull();
    expect(buildNoteInput({ stopId: "s", category: "temperature", text: " warm ", photos: [], lineId: "" })).toEqual({
      stop_id: "s",
      category: "temperature",
      text: "warm",
      photos: [],
      line_id: null,
    });
  });
});

describe("stop history", () => {
  it("lists PODs, notes and failed attempts in words, oldest first", () => {
    const stop = sampleStop({
      pods: [
        {
          id: "p1",
          recipient_name: "Anne",
          captured_at: "2026-11-25T12:00:00Z",
          photo_count: 2,
          has_signature: true,
          gps: null,
          corrects: null,
          lines: [
            { line_id: "l-1", delivered_qty: 4, shortfall_reason: "damaged", note: "crushed" },
            { line_id: "l-2", delivered_qty: 2, shortfall_reason: null, note: null },
          ],
        },
      ],
      notes: [
        {
          id: "n1",
          category: "damaged_packaging",
          text: "Box torn",
          line_id: "l-1",
          photo_count: 1,
          captured_at: "2026-11-25T11:00:00Z",
        },
      ],
      failed_attempts: [
        { id: "f1", reason: "nobody_home", note: null, has_photo: false, captured_at: "2026-11-25T10:00:00Z" },
      ],
    });
    const h = stopHistory(stop);
    expect(h.map((i) => i.id)).toEqual(["f1", "n1", "p1"]);
    expect(h[0].title).toMatch(/^Not delivered: Nobody home/);
    expect(h[1].details).toEqual(["Box torn", "Item: Whole milk 1 l", "1 photo"]);
    expect(h[2].title).toMatch(/^Delivered to Anne/);
    expect(h[2].details).toEqual(["signed, 2 photos", "Whole milk 1 l: 4 of 6 pcs (Damaged: crushed)"]);
  });
});

describe("navigation and pending work", () => {
  it("goes back from a form to its stop, from a stop to the route", () => {
    const stop = sampleStop();
    expect(backOf({ name: "deliver", stop })).toEqual({ name: "stop", stopId: stop.id });
    expect(backOf({ name: "stop", stopId: "x" })).toEqual({ name: "route" });
    expect(backOf({ name: "route" })).toBeNull();
    expect(backOf({ name: "enrol" })).toEqual({ name: "route" });
    expect(backOf({ name: "rejections" })).toEqual({ name: "route" });
  });

  it("waits for work started before and during idle()", async () => {
    const w = new PendingWork();
    const order: string[] = [];
    w.track(
      new Promise<void>((r) =>
        setTimeout(() => {
          order.push("a");
          w.track(new Promise<void>((r2) => setTimeout(() => (order.push("b"), r2()), 5)));
          r();
        }, 5),
      ),
    );
    await w.idle();
    expect(order).toEqual(["a", "b"]);
    expect(w.size).toBe(0);
  });

  it("reads a file's bytes", async () => {
    const bytes = await readFileBytes(new Blob([new Uint8Array([1, 2, 3])]));
    expect(Array.from(bytes)).toEqual([1, 2, 3]);
  });
});

import { describe, expect, it } from "vitest";
import {
  NOT_CONNECTED,
  formatBytes,
  lastSyncedText,
  rejectionsLabel,
  rejectionsNoun,
  syncBarActions,
  syncBarText,
  syncChanged,
} from "./sync";
import { sampleSync } from "../test/fixtures";

const now = new Date(2026, 10, 25, 16, 0);

function words(t: { count: string; detail: string; problem: string | null }): string {
  return `${t.count} ${t.detail} ${t.problem ?? ""}`;
}

describe("sync bar", () => {
  it("says all synced when nothing waits", () => {
    const t = syncBarText(sampleSync({ planner_url: "https://planner.example" }), now);
    expect(t.count).toBe("All synced");
    expect(t.detail).toBe("Not synced with the planner yet");
  });

  it("counts what waits", () => {
    expect(syncBarText(sampleSync({ waiting_ops: 3 }), now).count).toBe("3 waiting to sync");
    expect(syncBarText(sampleSync({ waiting_ops: 1, waiting_photo_bytes: 2_500_000 }), now).count).toBe(
      "1 waiting to sync (+ photos 2.4 MB)",
    );
    expect(syncBarText(sampleSync({ waiting_photo_bytes: 2048 }), now).count).toBe(
      "Photos waiting to sync (2 KB)",
    );
  });

  it("says plainly when there is no planner", () => {
    const t = syncBarText(sampleSync({ waiting_ops: 2 }), now);
    expect(t.count).toBe("2 waiting to sync");
    expect(t.detail).toBe(NOT_CONNECTED);
    expect(t.detail).toBe("Not connected to a planner yet — records are safe on this phone");
  });

  it("shows the last sync time", () => {
    const t = syncBarText(
      sampleSync({ planner_url: "https://p", last_sync_at: new Date(2026, 10, 25, 14, 5).toISOString() }),
      now,
    );
    expect(t.detail).toBe("Last synced 14:05");
    expect(t.tone).toBe("ok");
  });

  it("shows the last error without words that read like a failed delivery or a duty status", () => {
    const t = syncBarText(
      sampleSync({ planner_url: "https://p", waiting_ops: 4, last_error: "Planner unreachable — will retry" }),
      now,
    );
    expect(t.problem).toBe("Planner unreachable — will retry. Records are safe on this phone.");
    expect(t.detail).toBe("Not synced with the planner yet");
    expect(t.tone).toBe("problem");
    expect(words(t)).not.toMatch(/fail|offline/i);
  });

  it("shows the last sync time and the last error side by side", () => {
    const t = syncBarText(
      sampleSync({
        planner_url: "https://p",
        last_sync_at: new Date(2026, 10, 25, 10, 42).toISOString(),
        last_error: "the planner did not answer in time — will retry",
      }),
      now,
    );
    expect(t.detail).toBe("Last synced 10:42");
    expect(t.problem).toBe("The planner did not answer in time — will retry. Records are safe on this phone.");
    expect(t.tone).toBe("problem");
  });

  it("ignores an empty error and has no problem when things are fine", () => {
    const t = syncBarText(sampleSync({ planner_url: "https://p", waiting_ops: 1, last_error: "  " }), now);
    expect(t.problem).toBeNull();
    expect(t.tone).toBe("waiting");
    expect(syncBarText(sampleSync(), now).problem).toBeNull();
    expect(syncBarText(null, now).problem).toBeNull();
  });

  it("writes the last sync of another day with its date", () => {
    expect(lastSyncedText(new Date(2026, 10, 24, 18, 3).toISOString(), now)).toBe("Last synced 24 Nov 18:03");
    expect(lastSyncedText(null, now)).toBe("Not synced with the planner yet");
  });

  it("never says offline or failed in any state", () => {
    const states = [
      sampleSync(),
      sampleSync({ waiting_ops: 5 }),
      sampleSync({ planner_url: "https://p", last_error: "Timed out." }),
      sampleSync({ planner_url: "https://p", last_sync_at: "2026-11-25T10:00:00Z" }),
    ];
    for (const s of states) expect(words(syncBarText(s, now))).not.toMatch(/fail|offline/i);
    expect(words(syncBarText(null, now))).not.toMatch(/fail|offline/i);
  });

  it("offers Connect before enrolment, Sync now after", () => {
    expect(syncBarActions(sampleSync(), "route")).toEqual({ connect: true, syncNow: false, rejections: 0 });
    expect(syncBarActions(sampleSync({ planner_url: "https://p" }), "route")).toEqual({
      connect: false,
      syncNow: true,
      rejections: 0,
    });
    expect(syncBarActions(null, "route")).toEqual({ connect: false, syncNow: false, rejections: 0 });
  });

  it("shows the rejections badge only when some are unseen", () => {
    const s = sampleSync({ planner_url: "https://p", unseen_rejections: 2 });
    expect(syncBarActions(s, "route").rejections).toBe(2);
    expect(syncBarActions(s, "stop").rejections).toBe(2);
    expect(syncBarActions({ ...s, unseen_rejections: 0 }, "route").rejections).toBe(0);
    expect(syncBarActions({ ...s, unseen_rejections: -1 }, "route").rejections).toBe(0);
    expect(syncBarActions(s, "rejections").rejections).toBe(0);
  });

  it("never leads away from a form being filled in", () => {
    const s = sampleSync({ unseen_rejections: 3 });
    for (const screen of ["deliver", "failed", "note", "enrol"] as const) {
      expect(syncBarActions(s, screen)).toEqual({ connect: false, syncNow: false, rejections: 0 });
    }
    // Sync now does not leave the screen, so it stays
    expect(syncBarActions({ ...s, planner_url: "https://p" }, "deliver").syncNow).toBe(true);
  });

  it("names the rejections in plain words, never as failed deliveries", () => {
    expect(rejectionsLabel(1)).toBe("1 record not accepted by the planner — see why");
    expect(rejectionsLabel(4)).toBe("4 records not accepted by the planner — see why");
    expect(rejectionsNoun()).toBe("not accepted — see why");
    expect(rejectionsLabel(2)).not.toMatch(/fail/i);
  });

  it("formats bytes", () => {
    expect(formatBytes(500)).toBe("500 B");
    expect(formatBytes(300 * 1024)).toBe("300 KB");
  });

  it("notices changes that may change the route", () => {
    const a = sampleSync({ waiting_ops: 2 });
    expect(syncChanged(a, { ...a })).toBe(false);
    expect(syncChanged(a, { ...a, waiting_ops: 1 })).toBe(true);
    expect(syncChanged(a, { ...a, last_sync_at: "x" })).toBe(true);
    expect(syncChanged(a, { ...a, planner_url: "https://p" })).toBe(true);
    expect(syncChanged(a, { ...a, unseen_rejections: 4 })).toBe(false);
    expect(syncChanged(null, a)).toBe(true);
  });
});

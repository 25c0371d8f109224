import { describe, expect, it } from "vitest";
import { NOT_CONNECTED, formatBytes, syncBarText, syncChanged } from "./sync";
import { sampleSync } from "../test/fixtures";

const now = new Date(2026, 10, 25, 16, 0);

function words(t: { count: string; detail: string }): string {
  return `${t.count} ${t.detail}`;
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
    expect(t.detail).toBe("Planner sync: Planner unreachable — will retry. Records are safe on this phone.");
    expect(t.tone).toBe("problem");
    expect(words(t)).not.toMatch(/fail|offline/i);
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

  it("formats bytes", () => {
    expect(formatBytes(500)).toBe("500 B");
    expect(formatBytes(300 * 1024)).toBe("300 KB");
  });

  it("notices changes that may change the route", () => {
    const a = sampleSync({ waiting_ops: 2 });
    expect(syncChanged(a, { ...a })).toBe(false);
    expect(syncChanged(a, { ...a, waiting_ops: 1 })).toBe(true);
    expect(syncChanged(a, { ...a, last_sync_at: "x" })).toBe(true);
    expect(syncChanged(null, a)).toBe(true);
  });
});

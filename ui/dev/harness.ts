// DEV ONLY: the app against an in-memory fake backend, to look at it in a plain browser
// (`npm run dev`, then open http://localhost:1420/dev/harness.html).
// Never part of the production build: vite build only bundles ui/index.html.
// ?go=stop-1,deliver-button clicks those data-testids one after the other (for screenshots).
// ?planner=1 pretends a planner is configured and unreachable; ?enrolled=1 a planner that answers;
// ?rejections=N gives N unseen records the planner did not accept. Connect with any code but "bad".
import { mockIPC } from "@tauri-apps/api/mocks";
import { mount } from "svelte";
import App from "../src/App.svelte";
import "../src/app.css";
import { sampleEnrolled, sampleRejections, sampleRoute, sampleStop, sampleSync } from "../src/test/fixtures";
import type { StopDetail, StopStatus } from "../src/lib/types";

const params = new URLSearchParams(location.search);
const route = sampleRoute();
const stops: Record<string, StopDetail> = {};
for (const s of route.stops) stops[s.id] = sampleStop({ ...s });
let waiting = 2;
let photoN = 0;
let plannerUrl: string | null =
  params.has("planner") || params.has("enrolled") ? "https://planner.example" : null;
let lastSyncAt: string | null = params.has("enrolled") ? new Date(Date.now() - 600_000).toISOString() : null;
let unseen = Number(params.get("rejections") ?? 0) || 0;
const rejectionList = () => {
  const all = sampleRejections();
  return all.map((r, i) => ({ ...r, seen: i >= unseen }));
};
const sync = () =>
  sampleSync({
    waiting_ops: waiting,
    waiting_photo_bytes: photoN * 180_000,
    planner_url: plannerUrl,
    last_sync_at: lastSyncAt,
    unseen_rejections: unseen,
    ...(params.has("planner") ? { last_error: "Planner unreachable — will retry" } : {}),
  });

function setStatus(id: string, status: StopStatus) {
  const row = route.stops.find((s) => s.id === id);
  if (row) {
    row.status = status;
    row.waiting_to_sync++;
  }
  stops[id].status = status;
  stops[id].waiting_to_sync++;
  waiting++;
  return { id: `op-${waiting}`, stop_status: status, waiting_to_sync: waiting };
}

mockIPC((cmd, args) => {
  const a = args as Record<string, any>;
  switch (cmd) {
    case "route_today":
      return structuredClone(route);
    case "stop_detail":
      return structuredClone(stops[a.stopId]);
    case "sync_state":
      return sync();
    case "import_photo":
      photoN++;
      return { sha256: `fake-${photoN}`, width: 1200, height: 900, bytes: 180_000 };
    case "advance_stop":
      return setStatus(a.stopId, a.status);
    case "record_pod": {
      const short = a.input.lines.some((l: any) => l.shortfall_reason !== null);
      return setStatus(a.input.stop_id, short ? "partly_delivered" : "delivered");
    }
    case "record_failed_attempt":
      return setStatus(a.input.stop_id, "failed");
    case "record_condition_note":
      return setStatus(a.input.stop_id, stops[a.input.stop_id].status);
    case "enroll":
      if (a.code === "bad") throw { code: "sync", message: "The planner refused the enrolment code: unknown code" };
      plannerUrl = a.plannerUrl;
      return sampleEnrolled({ planner_url: a.plannerUrl });
    case "sync_now":
      if (plannerUrl && !params.has("planner")) {
        waiting = 0;
        lastSyncAt = new Date().toISOString();
      }
      return sync();
    case "rejections":
      return rejectionList();
    case "mark_rejections_seen": {
      const n = unseen;
      unseen = 0;
      return n;
    }
  }
  throw { code: "invalid", message: `The fake backend has no command ${cmd}.` };
});

mount(App, { target: document.getElementById("app")! });

const steps = (params.get("go") ?? "").split(",").filter(Boolean);
(async () => {
  for (const id of steps) {
    let el: HTMLElement | null = null;
    for (let i = 0; i < 50 && !el; i++) {
      await new Promise((r) => setTimeout(r, 50));
      el = document.querySelector(`[data-testid="${id}"]`);
    }
    el?.click();
  }
})();

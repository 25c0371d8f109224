// DEV ONLY: the app against an in-memory fake backend, to look at it in a plain browser
// (`npm run dev`, then open http://localhost:1420/dev/harness.html).
// Never part of the production build: vite build only bundles ui/index.html.
// ?go=stop-1,deliver-button clicks those data-testids one after the other (for screenshots).
// ?planner=1 pretends a planner is configured and unreachable; ?enrolled=1 a planner that answers;
// ?rejections=N gives N unseen records the planner did not accept. Connect with any code but "bad".
// ?rep=1 signs the phone in as a sales rep (territory list, map, delivery, resolve, account card);
// ?tiles=URL gives the map a tile server; ?offline=1 makes photos unreachable.
import { mockIPC } from "@tauri-apps/api/mocks";
import { mount } from "svelte";
import App from "../src/App.svelte";
import "../src/app.css";
import {
  engineActions,
  sampleAccountCard,
  sampleDeliveryDetail,
  sampleEnrolled,
  sampleRejections,
  sampleRoute,
  sampleStop,
  sampleSync,
  sampleTerritories,
  sampleTerritoryDay,
} from "../src/test/fixtures";
import { describeResolution } from "../src/lib/labels";
import type { DeliveryDetail, ResolutionView, RouteView, StopActions, StopDetail, StopStatus } from "../src/lib/types";

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
const rep = params.has("rep");
const repDetails: Record<string, DeliveryDetail> = {};
for (const d of sampleTerritoryDay().deliveries) {
  repDetails[d.stop_id] = sampleDeliveryDetail({
    delivery: d,
    events: d.stop_id === "d-2" ? sampleDeliveryDetail().events : [],
    suggested_replacement: d.stop_id === "d-2" ? sampleDeliveryDetail().suggested_replacement : [],
  });
}
repDetails["d-old"] = sampleDeliveryDetail({
  delivery: { ...sampleTerritoryDay().deliveries[1], stop_id: "d-old", date: "2026-11-23", standing: { standing: "delivered" } },
  events: [],
  suggested_replacement: [],
});
// One drawn JPEG stands in for every photo.
async function samplePhoto(): Promise<ArrayBuffer> {
  const c = document.createElement("canvas");
  c.width = 160;
  c.height = 120;
  const g = c.getContext("2d")!;
  g.fillStyle = "#c2410c";
  g.fillRect(0, 0, 160, 120);
  g.fillStyle = "#fff";
  g.font = "bold 22px sans-serif";
  g.fillText("photo", 48, 68);
  const blob = await new Promise<Blob | null>((resolve) => c.toBlob(resolve, "image/jpeg"));
  return blob ? blob.arrayBuffer() : new ArrayBuffer(0);
}
const sync = () =>
  sampleSync({
    ...(rep ? { role: "sales_rep" as const, user_name: "Eva de Wit" } : {}),
    waiting_ops: waiting,
    waiting_photo_bytes: photoN * 180_000,
    planner_url: plannerUrl,
    last_sync_at: lastSyncAt,
    unseen_rejections: unseen,
    ...(params.has("planner") ? { last_error: "Planner unreachable — will retry" } : {}),
  });

// What a stop allows after a change: the engine's actions for a stop like it (fixtures).
const fakeActions = (status: StopStatus, cancelled: boolean): StopActions => engineActions(status, cancelled);

function routeNow(): RouteView {
  const all = route.stops;
  return {
    ...structuredClone(route),
    progress: {
      total: all.length,
      done: all.filter((s) => s.actions.closed && !s.cancelled).length,
      cancelled: all.filter((s) => s.cancelled).length,
    },
    next_stop: all.find((s) => s.actions.deliver)?.id ?? null,
  };
}

function setStatus(id: string, status: StopStatus) {
  const row = route.stops.find((s) => s.id === id);
  if (row) {
    row.status = status;
    row.actions = fakeActions(status, row.cancelled);
    row.waiting_to_sync++;
  }
  stops[id].status = status;
  stops[id].actions = fakeActions(status, stops[id].cancelled);
  stops[id].waiting_to_sync++;
  waiting++;
  return { id: `op-${waiting}`, stop_status: status, waiting_to_sync: waiting };
}

mockIPC((cmd, args) => {
  const a = args as Record<string, any>;
  switch (cmd) {
    case "route_today":
      return routeNow();
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
    case "territories":
      return sampleTerritories();
    case "territory_day": {
      const day = sampleTerritoryDay({ date: a.date ?? "2026-11-25" });
      const f = a.filter ?? {};
      day.deliveries = day.deliveries
        .map((d) => ({ ...d, ...repDetails[d.stop_id]?.delivery }))
        .filter(
          (d) =>
            (!f.status || d.status === f.status) &&
            (!f.courier || d.courier_name === f.courier) &&
            (!f.account || d.account_id === f.account) &&
            (!f.search || d.customer_name.toLowerCase().includes(String(f.search).toLowerCase())),
        );
      return day;
    }
    case "delivery_detail": {
      const d = repDetails[a.stopId];
      if (!d) throw { code: "not_found", message: "This delivery is not on the phone." };
      return structuredClone(d);
    }
    case "account_card":
      return sampleAccountCard();
    case "map_settings":
      return { tile_url: params.get("tiles") };
    case "photo":
      if (params.has("offline")) throw { code: "sync", message: "The planner could not be reached." };
      return samplePhoto();
    case "record_resolution": {
      const d = repDetails[a.stopId];
      if (!d) throw { code: "not_found", message: "This delivery is not on the phone." };
      waiting++;
      const view: ResolutionView = {
        id: `res-${waiting}`,
        stop_id: a.stopId,
        resolution: a.resolution,
        summary: describeResolution(a.resolution, d.lines),
        by: null,
        captured_at: new Date().toISOString(),
        waiting_to_sync: true,
      };
      d.resolutions = [view, ...d.resolutions];
      d.delivery = {
        ...d.delivery,
        resolutions: d.resolutions.length,
        last_resolution: view.summary.split(":")[0].toLowerCase(),
        waiting_to_sync: d.delivery.waiting_to_sync + 1,
      };
      return { id: view.id, stop_status: d.delivery.status, waiting_to_sync: waiting };
    }
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
      el = document.querySelector(`[data-testid="${id}"], [data-test="${id}"], [data-stop-id="${id}"]`);
    }
    el?.click();
  }
})();

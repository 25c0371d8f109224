// Sample data for tests and the dev harness. The main fixtures are the engine's own answers
// (fixtures/*.json, written through the real commands by tests/app/fixtures.rs and typed by the
// generated types, see engine-json.ts): `engine` hands them out as they are. The samples below
// are variations derived from them (a spread of an engine object, then the values a test
// names), so every field the engine sends is there and a change of shape fails the suite.
import type {
  AccountCard,
  DeliveryDetail,
  DeliveryRow,
  Enrolled,
  RejectionView,
  ResolutionView,
  RouteView,
  Saved,
  StopActions,
  StopDetail,
  StopStatus,
  StopSummary,
  SyncState,
  TerritoryDay,
  TerritoryView,
} from "../lib/types";
import { fromEngine } from "./engine-json";
import accountJson from "./fixtures/account.json";
import deliveryJson from "./fixtures/delivery.json";
import repDayJson from "./fixtures/rep-day.json";
import routeJson from "./fixtures/route.json";
import stopCancelledJson from "./fixtures/stop-cancelled.json";
import stopDeliveredJson from "./fixtures/stop-delivered.json";
import stopFailedJson from "./fixtures/stop-failed.json";
import stopPartlyJson from "./fixtures/stop-partly-delivered.json";
import stopPendingJson from "./fixtures/stop-pending.json";
import territoriesJson from "./fixtures/territories.json";

/** The engine's answers, fresh copies each call (FakeClock 2026-11-25 08:30 Amsterdam). */
export const engine = {
  /** route_today: the demo route, 30 stops: 1 delivered, 2 partly delivered, 3 failed, 4 arrived,
   * 5 en route, 6 cancelled by dispatch, 7–30 to do. */
  route: () => fromEngine<RouteView>(routeJson),
  /** stop_detail of stop 1: one POD and one condition note */
  stopDelivered: () => fromEngine<StopDetail>(stopDeliveredJson),
  stopPartlyDelivered: () => fromEngine<StopDetail>(stopPartlyJson),
  /** stop 3: one failed attempt */
  stopFailed: () => fromEngine<StopDetail>(stopFailedJson),
  /** stop 6, cancelled by dispatch */
  stopCancelled: () => fromEngine<StopDetail>(stopCancelledJson),
  /** stop 7, to do */
  stopPending: () => fromEngine<StopDetail>(stopPendingJson),
  territories: () => fromEngine<TerritoryView[]>(territoriesJson),
  /** territory_day for today, territory West: first a short delivery of an account, then on track */
  repDay: () => fromEngine<TerritoryDay>(repDayJson),
  /** delivery_detail of that short delivery */
  delivery: () => fromEngine<DeliveryDetail>(deliveryJson),
  /** account_card of its account */
  account: () => fromEngine<AccountCard>(accountJson),
};

/** The engine's actions for a stop like one on its demo route (same status, same cancelled). */
export function engineActions(status: StopStatus, cancelled: boolean): StopActions {
  const same = engine.route().stops.find((s) => s.status === status && s.cancelled === cancelled);
  if (!same) throw new Error(`the engine's demo route has no stop ${status}${cancelled ? ", cancelled" : ""}`);
  return same.actions;
}

/** One of the engine's stops, made to look like the courier tests' stop. */
function stopLike(base: StopSummary, overrides: Omit<Partial<StopSummary>, "actions">): StopSummary {
  const status = overrides.status ?? base.status;
  const cancelled = overrides.cancelled ?? base.cancelled;
  return { ...base, ...overrides, actions: engineActions(status, cancelled) };
}

/** Four stops: to do, delivered (2 waiting to sync), failed, cancelled by dispatch. */
export function sampleRoute(): RouteView {
  const route = engine.route();
  const base = route.stops[6]; // to do
  const stops = [
    stopLike(base, {
      id: "s-1",
      position: 1,
      customer_name: "Anne Visser",
      customer_kind: "b2c",
      address: "Prinsengracht 263, 1016 GV Amsterdam",
      window_start: "09:00",
      window_end: "11:00",
      status: "pending",
      line_count: 2,
      waiting_to_sync: 0,
      cancelled: false,
    }),
    stopLike(base, {
      id: "s-2",
      position: 2,
      customer_name: "Bakkerij De Vries",
      customer_kind: "b2b",
      address: "Haarlemmerstraat 12, 1013 ER Amsterdam",
      window_start: "10:00",
      window_end: "12:00",
      status: "delivered",
      line_count: 3,
      waiting_to_sync: 2,
      cancelled: false,
    }),
    stopLike(base, {
      id: "s-3",
      position: 3,
      customer_name: "Café Noord",
      customer_kind: "b2b",
      address: "Buiksloterweg 5, 1031 CC Amsterdam",
      window_start: "12:00",
      window_end: "14:00",
      status: "failed",
      line_count: 1,
      waiting_to_sync: 0,
      cancelled: false,
    }),
    stopLike(base, {
      id: "s-4",
      position: 4,
      customer_name: "Kees Bakker",
      customer_kind: "b2c",
      address: "Lindengracht 90, 1015 KK Amsterdam",
      window_start: "14:00",
      window_end: "16:00",
      status: "pending",
      line_count: 1,
      waiting_to_sync: 0,
      cancelled: true,
    }),
  ];
  return {
    ...route,
    route: { ...route.route!, id: "r-1", courier_name: "Sam Jansen" },
    stops,
    progress: { total: 4, done: 2, cancelled: 1 },
    next_stop: "s-1",
  };
}

/** Stop 1 of sampleRoute: two lines, a contact, instructions, nothing recorded yet. */
export function sampleStop(overrides: Partial<StopDetail> = {}): StopDetail {
  return {
    ...engine.stopPending(),
    ...sampleRoute().stops[0],
    contact_name: "Anne Visser",
    contact_phone: "+31205550123",
    instructions: "Ring twice. Leave with neighbour at no. 265 if nobody answers.",
    lat: 52.3752,
    lon: 4.8839,
    lines: [
      {
        id: "l-1",
        sku: "MILK-1L",
        description: "Whole milk 1 l",
        ordered_qty: 6,
        unit: "pcs",
        barcode: "8712345000011",
      },
      {
        id: "l-2",
        sku: "BREAD-W",
        description: "Wholemeal bread",
        ordered_qty: 2,
        unit: "pcs",
        barcode: "8712345000028",
      },
    ],
    pods: [],
    notes: [],
    failed_attempts: [],
    resolutions: [],
    ...overrides,
  };
}

export function sampleSync(overrides: Partial<SyncState> = {}): SyncState {
  return {
    waiting_ops: 0,
    waiting_photo_bytes: 0,
    planner_url: null,
    last_sync_at: null,
    last_error: null,
    unseen_rejections: 0,
    role: null,
    user_name: null,
    ...overrides,
  };
}

export function sampleSaved(overrides: Partial<Saved> = {}): Saved {
  return { id: "pod-1", stop_status: "delivered", waiting_to_sync: 3, ...overrides };
}

export function sampleEnrolled(overrides: Partial<Enrolled> = {}): Enrolled {
  return {
    planner_url: "https://planner.test",
    user_name: "Sam Jansen",
    role: "courier",
    tenant_name: "Fresh Foods Amsterdam",
    ...overrides,
  };
}

/** Newest first, as `rejections` answers: one unseen with a customer, one seen without. */
export function sampleRejections(): RejectionView[] {
  return [
    {
      epoch: 1,
      seq: 7,
      stop_id: "s-4",
      customer_name: "Kees Bakker",
      reason: "The stop was cancelled by dispatch before this delivery arrived.",
      received_at: "2026-11-25T13:42:00Z",
      seen: false,
    },
    {
      epoch: 1,
      seq: 3,
      stop_id: null,
      customer_name: null,
      reason: "the stop is no longer on your route",
      received_at: "2026-11-24T09:05:00Z",
      seen: true,
    },
  ];
}

// ---------- sales rep ----------

/** A rep connected to a planner that has synced once. */
export function sampleRepSync(overrides: Partial<SyncState> = {}): SyncState {
  return sampleSync({
    planner_url: "https://planner.test",
    last_sync_at: "2026-11-25T09:30:00Z",
    role: "sales_rep",
    user_name: "Eva de Wit",
    ...overrides,
  });
}

export function sampleTerritories(): TerritoryView[] {
  return [
    {
      ...engine.territories()[0],
      id: "t-1",
      name: "Amsterdam Centrum",
      area: {
        type: "MultiPolygon",
        coordinates: [
          [
            [
              [4.86, 52.36],
              [4.92, 52.36],
              [4.92, 52.39],
              [4.86, 52.39],
              [4.86, 52.36],
            ],
          ],
        ],
      },
    },
  ];
}

function row(overrides: Partial<DeliveryRow> & Pick<DeliveryRow, "stop_id" | "customer_name">): DeliveryRow {
  return {
    ...engine.repDay().deliveries[1], // on track
    route_id: "r-1",
    territory_id: "t-1",
    date: "2026-11-25",
    position: 1,
    address: "Haarlemmerstraat 12, 1013 ER Amsterdam",
    lat: 52.38,
    lon: 4.89,
    window_start: "10:00:00",
    window_end: "12:00:00",
    status: "pending",
    courier_name: "Sam Jansen",
    standing: { standing: "on_track" },
    needs_attention: false,
    account_id: null,
    resolutions: 0,
    last_resolution: null,
    waiting_to_sync: 0,
    ...overrides,
  };
}

/** Late and incomplete first, as territory_day answers. */
export function sampleTerritoryDay(overrides: Partial<TerritoryDay> = {}): TerritoryDay {
  return {
    ...engine.repDay(),
    today: "2026-11-25",
    date: "2026-11-25",
    now: "2026-11-25T10:42:00",
    deliveries: [
      row({
        stop_id: "d-1",
        customer_name: "Bakkerij De Vries",
        position: 2,
        window_start: "08:00:00",
        window_end: "10:00:00",
        standing: { standing: "late", why: { because: "window_closed" } },
        needs_attention: true,
        account_id: "a-1",
      }),
      row({
        stop_id: "d-2",
        customer_name: "Café Noord",
        position: 3,
        address: "Buiksloterweg 5, 1031 CC Amsterdam",
        status: "partly_delivered",
        standing: { standing: "incomplete", short: true, damaged: false },
        needs_attention: true,
        account_id: "a-2",
        lat: 52.383,
        lon: 4.902,
      }),
      row({
        stop_id: "d-3",
        customer_name: "Anne Visser",
        position: 6,
        window_start: "09:00:00",
        window_end: "11:00:00",
        standing: { standing: "late", why: { because: "cannot_make_window", eta: "11:40:00" } },
        needs_attention: true,
        lat: 52.3752,
        lon: 4.8839,
      }),
      row({
        stop_id: "d-4",
        customer_name: "Hotel Amstel",
        position: 7,
        window_start: "12:00:00",
        window_end: "14:00:00",
        courier_name: "Lisa Smit",
        route_id: "r-2",
        account_id: "a-3",
        resolutions: 1,
        last_resolution: "replacement requested",
        waiting_to_sync: 1,
      }),
      row({
        stop_id: "d-5",
        customer_name: "Kees Bakker",
        position: 1,
        status: "delivered",
        standing: { standing: "delivered" },
      }),
    ],
    couriers: ["Lisa Smit", "Sam Jansen"],
    accounts: [
      { id: "a-1", name: "Bakkerij De Vries" },
      { id: "a-2", name: "Café Noord" },
      { id: "a-3", name: "Hotel Amstel" },
      { id: null, name: "Anne Visser" },
    ],
    ...overrides,
  };
}

export function sampleResolutionView(overrides: Partial<ResolutionView> = {}): ResolutionView {
  return {
    id: "res-1",
    stop_id: "d-2",
    resolution: { action: "promise", date: "2026-11-26", window_start: "10:00:00", window_end: "12:00:00", note: null },
    summary: "New delivery promised for Thu 26 Nov, 10:00–12:00",
    by: "Eva de Wit",
    captured_at: "2026-11-25T10:05:00Z",
    waiting_to_sync: false,
    ...overrides,
  };
}

/** Café Noord: delivered 2 short of 6 oat milk (damaged), with two photos. */
export function sampleDeliveryDetail(overrides: Partial<DeliveryDetail> = {}): DeliveryDetail {
  const delivery = sampleTerritoryDay().deliveries[1];
  return {
    ...engine.delivery(),
    today: "2026-11-25",
    suggested_promise_date: "2026-11-26",
    delivery,
    contact_name: "Joris Noord",
    contact_phone: "+31205550199",
    lines: [
      { id: "l-1", sku: "OAT-1L", description: "Oat milk 1 L", ordered_qty: 6, unit: "pcs", barcode: null },
      { id: "l-2", sku: "CROIS", description: "Croissant", ordered_qty: 12, unit: "pcs", barcode: null },
      { id: "l-3", sku: "BUT-250", description: "Butter 250 g", ordered_qty: 4, unit: "pcs", barcode: null },
    ],
    events: [
      {
        id: "ev-1",
        kind: "pod",
        captured_at: "2026-11-25T09:12:00Z",
        summary: "Delivered to J. Noord, 1 line short",
        lines: [
          { line_id: "l-1", delivered_qty: 4, shortfall_reason: "damaged", note: "two crushed" },
          { line_id: "l-2", delivered_qty: 12, shortfall_reason: null, note: null },
          { line_id: "l-3", delivered_qty: 4, shortfall_reason: null, note: null },
        ],
        photos: ["sha-a", "sha-b"],
      },
    ],
    resolutions: [],
    suggested_replacement: [{ line_id: "l-1", qty: 2 }],
    ...overrides,
  };
}

export function sampleAccountCard(overrides: Partial<AccountCard> = {}): AccountCard {
  const day = sampleTerritoryDay();
  const detail = sampleDeliveryDetail();
  return {
    ...engine.account(),
    id: "a-2",
    name: "Café Noord",
    address: "Buiksloterweg 5, 1031 CC Amsterdam",
    lat: 52.383,
    lon: 4.902,
    contacts: [
      { name: "Joris Noord", role: "Owner", phone: "+31205550199", email: "joris@cafenoord.example" },
      { name: "Mila", role: null, phone: null, email: "orders@cafenoord.example" },
    ],
    plan: {
      days: ["fri", "mon", "wed"],
      window_start: "10:00:00",
      window_end: "12:00:00",
      typical: [
        { description: "Oat milk 1 L", qty: 6, unit: "pcs" },
        { description: "Croissant", qty: 12, unit: "pcs" },
      ],
      note: "Back door on the canal side.",
    },
    deliveries: [
      { ...day.deliveries[1], events: detail.events },
      {
        ...day.deliveries[1],
        stop_id: "d-old",
        date: "2026-11-23",
        status: "delivered",
        standing: { standing: "delivered" },
        events: [],
      },
    ],
    ...overrides,
  };
}

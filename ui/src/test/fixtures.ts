// Sample data in the exact shapes of docs/COMMANDS.md, for tests and the dev harness.
import type { Enrolled, RejectionView, RouteView, Saved, StopDetail, SyncState } from "../lib/types";

export function sampleRoute(): RouteView {
  return {
    route: { id: "r-1", date: "2026-11-25", courier_name: "Sam Jansen" },
    stops: [
      {
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
      },
      {
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
      },
      {
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
      },
      {
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
      },
    ],
  };
}

export function sampleStop(overrides: Partial<StopDetail> = {}): StopDetail {
  return {
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

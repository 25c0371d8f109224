// The app against a fake backend (mockIPC): what it shows and exactly what it sends.
import { describe, expect, it, beforeEach } from "vitest";
import { render, screen, fireEvent, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import {
  engine,
  sampleEnrolled,
  sampleRejections,
  sampleRoute,
  sampleSaved,
  sampleStop,
  sampleSync,
} from "./test/fixtures";
import type { PhotoRef, RouteView, StopDetail, SyncState } from "./lib/types";

interface Call {
  cmd: string;
  args: unknown;
}

interface Backend {
  calls: Call[];
  route: RouteView;
  stops: Record<string, StopDetail>;
  sync: SyncState;
  /** replace a command's answer; throw to reject */
  override: Record<string, (args: unknown) => unknown>;
}

let backend: Backend;

function installBackend(): Backend {
  const b: Backend = {
    calls: [],
    route: sampleRoute(),
    stops: {
      "s-1": sampleStop(),
      "s-2": sampleStop({ ...sampleRoute().stops[1], contact_name: null, contact_phone: null }),
      "s-4": sampleStop({ ...sampleRoute().stops[3], contact_name: null }),
    },
    sync: sampleSync({ waiting_ops: 2 }),
    override: {},
  };
  let photoN = 0;
  mockIPC((cmd, args) => {
    b.calls.push({ cmd, args });
    if (b.override[cmd]) return b.override[cmd](args);
    switch (cmd) {
      case "route_today":
        return b.route;
      case "stop_detail": {
        const stop = b.stops[(args as { stopId: string }).stopId];
        if (!stop) throw { code: "not_found", message: "This stop is not on your route." };
        return stop;
      }
      case "sync_state":
        return b.sync;
      case "import_photo": {
        photoN++;
        const ref: PhotoRef = { sha256: `sha-${photoN}`, width: 1200, height: 900, bytes: 120_000 };
        return ref;
      }
      case "record_pod":
        return sampleSaved();
      case "record_failed_attempt":
        return sampleSaved({ id: "fa-1", stop_status: "failed" });
      case "record_condition_note":
        return sampleSaved({ id: "cn-1", stop_status: "pending" });
      case "advance_stop":
        return sampleSaved({ id: "adv-1", stop_status: (args as { status: "en_route" }).status });
      case "enroll": {
        const { plannerUrl } = args as { plannerUrl: string; code: string };
        b.sync = { ...b.sync, planner_url: plannerUrl };
        return sampleEnrolled({ planner_url: plannerUrl });
      }
      case "sync_now":
        return b.sync;
      case "rejections":
        return sampleRejections();
      case "mark_rejections_seen": {
        const n = b.sync.unseen_rejections;
        b.sync = { ...b.sync, unseen_rejections: 0 };
        return n;
      }
      default:
        throw { code: "invalid", message: `unknown command ${cmd}` };
    }
  });
  return b;
}

function callsOf(cmd: string): unknown[] {
  return backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** One interaction = one tap, one typed field, one signature, one chosen photo. */
class Budget {
  count = 0;
  tap(el: HTMLElement) {
    this.count++;
    return fireEvent.click(el);
  }
  async type(el: HTMLElement, text: string) {
    this.count++;
    const user = userEvent.setup();
    await user.clear(el);
    await user.type(el, text);
  }
  async photo(el: HTMLElement, file: File) {
    this.count++;
    await userEvent.setup().upload(el, file);
  }
  sign(canvas: HTMLElement) {
    this.count++;
    drawStroke(canvas);
  }
}

function drawStroke(canvas: HTMLElement) {
  const at = (type: string, x: number, y: number, buttons: number) =>
    canvas.dispatchEvent(
      new PointerEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, buttons, pointerId: 1 }),
    );
  at("pointerdown", 10, 20, 1);
  at("pointermove", 40, 30, 1);
  at("pointermove", 80, 60, 1);
  at("pointerup", 80, 60, 0);
}

function jpeg(name = "door.jpg"): File {
  return new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], name, { type: "image/jpeg" });
}

async function openStop(position: number) {
  const row = await screen.findByTestId(`stop-${position}`);
  await fireEvent.click(row);
  await screen.findByTestId("stop-status");
}

beforeEach(() => {
  backend = installBackend();
});

describe("route list", () => {
  it("shows today's route with status words and pending-sync badges", async () => {
    render(App, { props: { pollMs: 60_000 } });
    const first = await screen.findByTestId("stop-1");
    expect(first.textContent).toContain("Anne Visser");
    expect(first.textContent).toContain("B2C");
    expect(first.textContent).toContain("Prinsengracht 263, 1016 GV Amsterdam");
    expect(first.textContent).toContain("09:00–11:00");
    expect(first.textContent).toContain("To do");
    expect(within(first).queryByText(/waiting to sync/)).toBeNull();

    const second = screen.getByTestId("stop-2");
    expect(second.textContent).toContain("B2B");
    expect(second.textContent).toContain("Delivered");
    expect(within(second).getByText("2 waiting to sync")).toBeTruthy();
    expect(screen.getByTestId("stop-3").textContent).toContain("Failed");

    expect(screen.getByText("Wednesday 25 November 2026")).toBeTruthy();
    expect(screen.getByText("Sam Jansen")).toBeTruthy();
  });

  it("says when there is no route today", async () => {
    backend.route = { ...sampleRoute(), route: null, stops: [], progress: { total: 0, done: 0, cancelled: 0 }, next_stop: null };
    render(App, { props: { pollMs: 60_000 } });
    expect(await screen.findByText("No route for today")).toBeTruthy();
  });

  it("shows the sync state on every screen, in words that are not about deliveries", async () => {
    render(App, { props: { pollMs: 60_000 } });
    const bar = await screen.findByTestId("sync-bar");
    await waitFor(() => expect(bar.textContent).toContain("2 waiting to sync"));
    expect(bar.textContent).toContain("Not connected to a planner yet — records are safe on this phone");
    await openStop(1);
    expect(screen.getByTestId("sync-bar").textContent).toContain("2 waiting to sync");
  });

  it("refreshes the sync state on a timer", async () => {
    render(App, { props: { pollMs: 30 } });
    const bar = await screen.findByTestId("sync-bar");
    await waitFor(() => expect(bar.textContent).toContain("2 waiting to sync"));
    backend.sync = sampleSync({ planner_url: "https://planner.test", last_error: "Planner unreachable — will retry" });
    await waitFor(() => expect(bar.textContent).toContain("All synced"));
    expect(bar.textContent).toContain("Planner unreachable — will retry");
    expect(bar.textContent).not.toMatch(/fail/i);
  });

  it("draws a long route a page at a time and the next page on request, with the whole route's progress", async () => {
    const base = sampleRoute();
    const stops = Array.from({ length: 120 }, (_, i) => ({
      ...base.stops[i % base.stops.length],
      id: `long-${i + 1}`,
      position: i + 1,
    }));
    const progress = { total: 120, done: 0, cancelled: 0 };
    backend.override.route_today = (args) => {
      const { offset = 0, limit } = (args ?? {}) as { offset?: number; limit?: number };
      const page = stops.slice(offset, limit === undefined ? undefined : offset + limit);
      return { ...base, stops: page, progress, next_stop: "long-1" };
    };
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("stop-1");
    expect(screen.getByTestId("stop-50"), "the first page is drawn whole").toBeTruthy();
    expect(screen.queryByTestId("stop-51"), "the stops after the first page wait until asked for").toBeNull();
    expect(screen.getByTestId("route-summary").textContent, "progress counts the whole route").toContain("120 stops");
    const loads = callsOf("route_today");
    expect(loads.length, "the list has loaded").toBeGreaterThan(0);
    for (const args of loads) expect(args, "the list asks the engine for one page, not the whole route").toEqual({ limit: 50 });

    await fireEvent.click(screen.getByTestId("route-more"));
    await screen.findByTestId("stop-100");
    expect(callsOf("route_today"), "the next page starts after the stops drawn").toContainEqual({ offset: 50, limit: 50 });
    expect(screen.queryByTestId("stop-101"), "one page more, not the rest of the route").toBeNull();
    expect(screen.getByTestId("route-shown").textContent, "the list says how much of the route it shows").toMatch(/1–100 of 120/);

    await fireEvent.click(screen.getByTestId("route-more"));
    await screen.findByTestId("stop-120");
    expect(screen.queryByTestId("route-more"), "nothing more to show at the end of the route").toBeNull();
    expect(document.querySelectorAll('button[data-testid^="stop-"]'), "every stop drawn once").toHaveLength(120);
  });

  it("shows a load error in the banner", async () => {
    backend.override.route_today = () => {
      throw { code: "storage", message: "The phone's storage could not be read." };
    };
    render(App, { props: { pollMs: 60_000 } });
    const banner = await screen.findByTestId("error-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("The phone's storage could not be read.");
  });
});

describe("stop screen", () => {
  it("shows the stop and offers the three actions", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    expect(callsOf("stop_detail")).toEqual([{ stopId: "s-1" }]);
    expect(screen.getByTestId("stop-status").textContent).toBe("To do");
    const call = screen.getByTestId("call-link") as HTMLAnchorElement;
    expect(call.getAttribute("href")).toBe("tel:+31205550123");
    expect(screen.getByText(/Ring twice/)).toBeTruthy();
    expect(screen.getByText("Whole milk 1 l")).toBeTruthy();
    expect(screen.getByText("6 pcs")).toBeTruthy();
    expect(screen.getByTestId("deliver-button")).toBeTruthy();
    expect(screen.getByTestId("fail-button")).toBeTruthy();
    expect(screen.getByTestId("note-button")).toBeTruthy();
  });

  it("hides Deliver and Failed attempt on a delivered stop", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(2);
    expect(screen.getByTestId("stop-status").textContent).toBe("Delivered");
    expect(screen.queryByTestId("deliver-button")).toBeNull();
    expect(screen.queryByTestId("fail-button")).toBeNull();
    expect(screen.getByTestId("note-button")).toBeTruthy();
  });

  it("goes back to the route list", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("back-button"));
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
    expect(screen.queryByTestId("back-button")).toBeNull();
  });

  it("moves the stop forward with advance_stop", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByText("I'm on my way"));
    await waitFor(() => expect(callsOf("advance_stop")).toEqual([{ stopId: "s-1", status: "en_route" }]));
  });
});

describe("deliver", () => {
  it("records a clean delivery with photo, signature and typed name in 6 interactions", async () => {
    backend.stops["s-1"] = sampleStop({ contact_name: null });
    render(App, { props: { pollMs: 60_000 } });
    const b = new Budget();
    await b.tap(await screen.findByTestId("stop-1"));
    await b.tap(await screen.findByTestId("deliver-button"));
    await b.photo(screen.getByTestId("photo-input"), jpeg());
    await waitFor(() => expect(screen.getByTestId("photo-thumb-0")).toBeTruthy());
    b.sign(screen.getByTestId("signature-canvas"));
    await b.type(screen.getByTestId("recipient-name"), "J. de Boer");
    await b.tap(screen.getByTestId("save-pod"));

    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Delivered · waiting to sync"));
    expect(b.count).toBeLessThanOrEqual(8);
    expect(b.count).toBe(6);

    // the photo's bytes went as the raw body
    const [body] = callsOf("import_photo");
    expect(body).toBeInstanceOf(Uint8Array);
    expect(Array.from(body as Uint8Array)).toEqual([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

    const [args] = callsOf("record_pod") as { input: Record<string, unknown> }[];
    const input = args.input as {
      stop_id: string;
      recipient_name: string;
      photos: string[];
      gps: unknown;
      signature: { width: number; height: number; strokes: { x: number; y: number; t: number }[][] };
      lines: unknown[];
    };
    expect(Object.keys(args)).toEqual(["input"]);
    expect(input.stop_id).toBe("s-1");
    expect(input.recipient_name).toBe("J. de Boer");
    expect(input.photos).toEqual(["sha-1"]);
    expect(input.gps).toBeNull();
    expect(input.lines).toEqual([
      { line_id: "l-1", delivered_qty: 6, shortfall_reason: null, note: null },
      { line_id: "l-2", delivered_qty: 2, shortfall_reason: null, note: null },
    ]);
    expect(input.signature.width).toBeGreaterThan(0);
    expect(input.signature.height).toBeGreaterThan(0);
    expect(input.signature.strokes).toHaveLength(1);
    expect(input.signature.strokes[0][0]).toEqual({ x: 10, y: 20, t: 0 });
    for (const p of input.signature.strokes[0]) expect(Object.keys(p).sort()).toEqual(["t", "x", "y"]);

    // back on the route list, the sync bar refreshed
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
    await waitFor(() => expect(callsOf("sync_state").length).toBeGreaterThanOrEqual(2));
  });

  it("pre-fills the name with the contact: 5 interactions", async () => {
    render(App, { props: { pollMs: 60_000 } });
    const b = new Budget();
    await b.tap(await screen.findByTestId("stop-1"));
    await b.tap(await screen.findByTestId("deliver-button"));
    expect((screen.getByTestId("recipient-name") as HTMLInputElement).value).toBe("Anne Visser");
    await b.photo(screen.getByTestId("photo-input"), jpeg());
    b.sign(screen.getByTestId("signature-canvas"));
    await b.tap(screen.getByTestId("save-pod"));
    await screen.findByTestId("toast");
    expect(b.count).toBe(5);
    expect(b.count).toBeLessThanOrEqual(7);
    const [{ input }] = callsOf("record_pod") as { input: { recipient_name: string; photos: string[] } }[];
    expect(input.recipient_name).toBe("Anne Visser");
    expect(input.photos).toEqual(["sha-1"]);
  });

  it("sends a short line with its reason and note; the result reads 'Partly delivered'", async () => {
    backend.override.record_pod = () => sampleSaved({ stop_status: "partly_delivered" });
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    const user = userEvent.setup();
    const qty = screen.getByTestId("line-qty-0") as HTMLInputElement;
    await user.clear(qty);
    await user.type(qty, "4");
    const reason = (await screen.findByTestId("line-reason-0")) as HTMLSelectElement;
    await user.selectOptions(reason, "damaged");
    await user.type(screen.getByTestId("line-note-0"), "two crushed");
    expect(screen.queryByTestId("line-reason-1")).toBeNull();
    b_sign();
    await fireEvent.click(screen.getByTestId("save-pod"));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Partly delivered · waiting to sync"));
    const [{ input }] = callsOf("record_pod") as { input: { lines: unknown[] } }[];
    expect(input.lines).toEqual([
      { line_id: "l-1", delivered_qty: 4, shortfall_reason: "damaged", note: "two crushed" },
      { line_id: "l-2", delivered_qty: 2, shortfall_reason: null, note: null },
    ]);

    function b_sign() {
      drawStroke(screen.getByTestId("signature-canvas"));
    }
  });

  it("uses the steppers", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    const line = screen.getByTestId("line-1");
    await fireEvent.click(within(line).getByLabelText("One less Wholemeal bread"));
    expect((screen.getByTestId("line-qty-1") as HTMLInputElement).value).toBe("1");
    expect(screen.getByTestId("line-reason-1")).toBeTruthy();
    await fireEvent.click(within(line).getByLabelText("One more Wholemeal bread"));
    expect(screen.queryByTestId("line-reason-1")).toBeNull();
  });

  it("a scanned barcode highlights and checks its line", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    const input = screen.getByTestId("barcode-input") as HTMLInputElement;
    await userEvent.setup().type(input, "8712345000028{Enter}");
    const line = screen.getByTestId("line-1");
    await waitFor(() => expect(line.classList.contains("highlight")).toBe(true));
    expect(line.classList.contains("checked")).toBe(true);
    expect(screen.getByTestId("line-0").classList.contains("checked")).toBe(false);
    expect(input.value).toBe("");
    expect(screen.getByTestId("scan-message").textContent).toContain("Wholemeal bread");
    // an unknown code says so and checks nothing
    await userEvent.setup().type(input, "000{Enter}");
    expect(screen.getByTestId("scan-message").textContent).toContain("No item on this stop has the code 000");
    expect(callsOf("record_pod")).toEqual([]);
  });

  it("shows the engine's error message and keeps everything typed", async () => {
    backend.override.record_pod = () => {
      throw { code: "illegal_status", message: "This stop is already delivered." };
    };
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    const user = userEvent.setup();
    const name = screen.getByTestId("recipient-name") as HTMLInputElement;
    await user.clear(name);
    await user.type(name, "Neighbour at 265");
    const qty = screen.getByTestId("line-qty-1") as HTMLInputElement;
    await user.clear(qty);
    await user.type(qty, "1");
    await user.selectOptions(screen.getByTestId("line-reason-1"), "missing");
    await user.upload(screen.getByTestId("photo-input"), jpeg());
    await waitFor(() => expect(screen.getByTestId("photo-thumb-0")).toBeTruthy());
    await fireEvent.click(screen.getByTestId("save-pod"));

    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("This stop is already delivered.");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(screen.queryByTestId("toast")).toBeNull();
    // still on the form, nothing lost
    expect((screen.getByTestId("recipient-name") as HTMLInputElement).value).toBe("Neighbour at 265");
    expect((screen.getByTestId("line-qty-1") as HTMLInputElement).value).toBe("1");
    expect((screen.getByTestId("line-reason-1") as HTMLSelectElement).value).toBe("missing");
    expect(screen.getByTestId("photo-thumb-0")).toBeTruthy();

    // a second try sends the same record
    backend.override.record_pod = () => sampleSaved({ stop_status: "partly_delivered" });
    await fireEvent.click(screen.getByTestId("save-pod"));
    await screen.findByTestId("toast");
    const sent = callsOf("record_pod") as { input: unknown }[];
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });

  it("shows the engine's refusal of a delivery with no proof, and keeps the form", async () => {
    backend.override.record_pod = () => {
      throw { code: "invalid", message: "Add a photo or a signature as proof of delivery." };
    };
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    await fireEvent.click(screen.getByTestId("save-pod"));
    expect(
      (await screen.findByTestId("error-banner")).textContent,
      "the engine's words, where the form's own check used to speak",
    ).toContain("Add a photo or a signature as proof of delivery.");
    const [{ input }] = callsOf("record_pod") as { input: { signature: unknown; photos: string[] } }[];
    expect([input.signature, input.photos], "the engine was asked with no proof at all").toEqual([null, []]);
    expect(screen.getByTestId("save-pod"), "still on the form").toBeTruthy();
    expect(screen.queryByTestId("toast"), "nothing was saved").toBeNull();
  });

  it("shows a refused photo's message and keeps the others", async () => {
    let n = 0;
    backend.override.import_photo = () => {
      n++;
      if (n === 2) throw { code: "photo_rejected", message: "That file is not a photo." };
      return { sha256: `ok-${n}`, width: 10, height: 10, bytes: 10 };
    };
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    const user = userEvent.setup();
    await user.upload(screen.getByTestId("photo-input"), jpeg("a.jpg"));
    await user.upload(screen.getByTestId("photo-input"), jpeg("b.jpg"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("That file is not a photo.");
    await fireEvent.click(screen.getByTestId("save-pod"));
    await screen.findByTestId("toast");
    const [{ input }] = callsOf("record_pod") as { input: { photos: string[] } }[];
    expect(input.photos).toEqual(["ok-1"]);
  });
});

describe("failed attempt", () => {
  it("records one in 4 interactions", async () => {
    render(App, { props: { pollMs: 60_000 } });
    const b = new Budget();
    await b.tap(await screen.findByTestId("stop-1"));
    await b.tap(await screen.findByTestId("fail-button"));
    await b.tap(screen.getByTestId("fail-reason-nobody_home"));
    expect(screen.getByTestId("fail-reason-nobody_home").getAttribute("aria-pressed")).toBe("true");
    await b.tap(screen.getByTestId("fail-confirm"));
    await waitFor(() =>
      expect(screen.getByTestId("toast").textContent).toBe("Failed attempt recorded · waiting to sync"),
    );
    expect(b.count).toBe(4);
    expect(callsOf("record_failed_attempt")).toEqual([
      { input: { stop_id: "s-1", reason: "nobody_home", note: null, photo: null, gps: null } },
    ]);
  });

  it("says 'synced' in the toast once the sync bar has nothing waiting", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", waiting_ops: 1, last_error: "Planner unreachable — will retry" });
    render(App, { props: { pollMs: 30 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("fail-button"));
    await fireEvent.click(screen.getByTestId("fail-reason-nobody_home"));
    await fireEvent.click(screen.getByTestId("fail-confirm"));
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toBe("Failed attempt recorded · waiting to sync");
    // While the planner is away, polls keep the toast as it is.
    const polls = callsOf("sync_state").length;
    await waitFor(() => expect(callsOf("sync_state").length).toBeGreaterThan(polls + 2));
    expect(screen.getByTestId("toast").textContent).toBe("Failed attempt recorded · waiting to sync");
    // A photo still uploading is still waiting.
    backend.sync = sampleSync({ planner_url: "https://planner.test", waiting_ops: 0, waiting_photo_bytes: 5000 });
    const polls2 = callsOf("sync_state").length;
    await waitFor(() => expect(callsOf("sync_state").length).toBeGreaterThan(polls2 + 2));
    expect(screen.getByTestId("toast").textContent).toBe("Failed attempt recorded · waiting to sync");
    // The planner took everything: the bar says so, and the toast no longer contradicts it.
    backend.sync = sampleSync({ planner_url: "https://planner.test", last_sync_at: "2026-11-25T10:42:00Z" });
    await waitFor(() => expect(screen.getByTestId("sync-bar").textContent).toContain("All synced"));
    expect(screen.getByTestId("toast").textContent).toBe("Failed attempt recorded · synced");
  });

  it("shows the engine's refusal of 'other' without a note, then sends it with one", async () => {
    backend.override.record_failed_attempt = (args) => {
      if ((args as { input: { note: string | null } }).input.note === null) {
        throw { code: "invalid", message: "Add a note saying why the delivery failed." };
      }
      return sampleSaved({ id: "fa-1", stop_status: "failed" });
    };
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("fail-button"));
    await fireEvent.click(screen.getByTestId("fail-reason-other"));
    await fireEvent.click(screen.getByTestId("fail-confirm"));
    expect(
      (await screen.findByTestId("error-banner")).textContent,
      "the engine's words, where the form's own check used to speak",
    ).toContain("Add a note saying why the delivery failed.");
    expect(callsOf("record_failed_attempt"), "the engine judged the attempt").toHaveLength(1);
    await userEvent.setup().type(screen.getByTestId("fail-note"), "Dog in the front garden");
    await userEvent.setup().upload(screen.getByTestId("photo-input"), jpeg());
    await fireEvent.click(screen.getByTestId("fail-confirm"));
    await screen.findByTestId("toast");
    expect(callsOf("record_failed_attempt")[1], "the second try carries the note and the photo").toEqual({
      input: { stop_id: "s-1", reason: "other", note: "Dog in the front garden", photo: "sha-1", gps: null },
    });
  });
});

describe("condition note", () => {
  it("records a note on one line and returns to the stop", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("note-button"));
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId("note-category"), "damaged_packaging");
    await user.selectOptions(screen.getByTestId("note-line"), "l-2");
    await user.type(screen.getByTestId("note-text"), "Bag torn at the corner");
    await fireEvent.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Condition note saved · waiting to sync"));
    expect(callsOf("record_condition_note")).toEqual([
      {
        input: {
          stop_id: "s-1",
          category: "damaged_packaging",
          text: "Bag torn at the corner",
          photos: [],
          line_id: "l-2",
        },
      },
    ]);
    expect(await screen.findByTestId("deliver-button")).toBeTruthy();
  });

  it("needs a category", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("note-button"));
    await userEvent.setup().type(screen.getByTestId("note-text"), "x");
    await fireEvent.click(screen.getByTestId("note-save"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("Choose what the note is about");
    expect(callsOf("record_condition_note")).toEqual([]);
  });
});

describe("the engine's own answers", () => {
  it("shows the demo route as the engine counts it: progress, next stop, cancelled and finished stops", async () => {
    const route = engine.route();
    backend.route = route;
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("stop-1");
    const p = route.progress;
    expect(screen.getByTestId("route-summary").textContent, "the summary is the engine's progress").toBe(
      `${p.total} stops · ${p.done} done · ${p.cancelled} cancelled`,
    );
    const next = route.stops.find((s) => s.id === route.next_stop)!;
    const withNext = route.stops.filter((s) => screen.getByTestId(`stop-${s.position}`).textContent!.includes("Next"));
    expect(withNext.map((s) => s.id), "exactly the engine's next stop is marked Next").toEqual([next.id]);
    for (const s of route.stops) {
      const row = screen.getByTestId(`stop-${s.position}`);
      expect(row.classList.contains("closed"), `stop ${s.position} greyed exactly when the engine says closed`).toBe(
        s.actions.closed,
      );
      expect(row.classList.contains("cancelled"), `stop ${s.position} struck through when cancelled`).toBe(s.cancelled);
    }
  });

  it("offers on each of the engine's stops exactly the actions it allows, and says why not in its words", async () => {
    const route = engine.route();
    backend.route = route;
    const stops = [engine.stopDelivered(), engine.stopFailed(), engine.stopCancelled(), engine.stopPending()];
    for (const s of stops) backend.stops[s.id] = s;
    render(App, { props: { pollMs: 60_000 } });
    for (const s of stops) {
      await fireEvent.click(await screen.findByTestId(`stop-${s.position}`));
      await screen.findByTestId("stop-status");
      const shown = (id: string) => screen.queryByTestId(id) !== null;
      expect(shown("deliver-button"), `stop ${s.position}: Deliver as the engine allows`).toBe(s.actions.deliver);
      expect(shown("fail-button"), `stop ${s.position}: Failed attempt as the engine allows`).toBe(s.actions.fail);
      expect(shown("note-button"), `stop ${s.position}: Condition note as the engine allows`).toBe(s.actions.note);
      expect(shown("advance-en_route"), `stop ${s.position}: "on my way" only when the engine says it is next`).toBe(
        s.actions.advance_to === "en_route",
      );
      if (s.actions.why_not && !s.actions.deliver) {
        expect(screen.getByTestId("why-not").textContent, `stop ${s.position}: the engine's reason`).toContain(
          s.actions.why_not,
        );
      } else {
        expect(shown("why-not"), `stop ${s.position}: no reason when nothing is refused`).toBe(false);
      }
      await fireEvent.click(screen.getByTestId("back-button"));
    }
  });

  it("shows a delivered stop's history as the engine recorded it", async () => {
    backend.route = engine.route();
    const stop = engine.stopDelivered();
    backend.stops[stop.id] = stop;
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId(`stop-${stop.position}`));
    expect(
      (await screen.findByText(new RegExp(`^Delivered to ${stop.pods[0].recipient_name}`))).textContent,
      "the engine's POD is listed with its recipient",
    ).toBeTruthy();
    expect(screen.getByText(stop.notes[0].text), "the engine's condition note is listed").toBeTruthy();
  });
});

describe("cancelled stops", () => {
  it("shows the engine's refusal when dispatch cancelled the stop while the form was open", async () => {
    backend.override.record_pod = () => {
      throw { code: "cancelled", message: "Dispatch cancelled this stop: nothing more can be recorded on it." };
    };
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    await fireEvent.click(screen.getByTestId("deliver-button"));
    drawStroke(screen.getByTestId("signature-canvas"));
    await fireEvent.click(screen.getByTestId("save-pod"));
    expect((await screen.findByTestId("error-banner")).textContent, "the engine's words, as they come").toContain(
      "Dispatch cancelled this stop: nothing more can be recorded on it.",
    );
    expect(screen.queryByTestId("toast"), "nothing was saved").toBeNull();
  });

  it("the route list says 'Cancelled by dispatch' and never offers it as next", async () => {
    render(App, { props: { pollMs: 60_000 } });
    const row = await screen.findByTestId("stop-4");
    expect(row.textContent).toContain("Cancelled by dispatch");
    expect(row.textContent).not.toContain("To do");
    expect(row.textContent).not.toContain("Next");
    expect(row.classList.contains("cancelled")).toBe(true);
    expect(screen.getByText("4 stops · 2 done · 1 cancelled")).toBeTruthy();
  });

  it("the stop screen offers only what the engine allows, and says why in its words", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await openStop(4);
    expect(screen.getByTestId("stop-status").textContent).toBe("Cancelled by dispatch");
    expect(screen.getByTestId("why-not").textContent, "the engine's reason is shown").toContain(
      "Dispatch cancelled this stop.",
    );
    expect(screen.queryByTestId("deliver-button"), "the engine allows no delivery").toBeNull();
    expect(screen.queryByTestId("fail-button"), "the engine allows no failed attempt").toBeNull();
    expect(screen.queryByTestId("note-button"), "the engine allows no note on a cancelled stop").toBeNull();
    expect(screen.queryByText("I'm on my way"), "nothing to advance to").toBeNull();
  });

  it("follows the engine's actions, not the stop's status", async () => {
    // a stop the engine still lets the courier note, though it allows neither delivery nor failure
    const stop = sampleStop();
    backend.stops["s-1"] = sampleStop({
      actions: { ...stop.actions, deliver: false, fail: false, advance_to: null, why_not: "Wait for dispatch." },
    });
    render(App, { props: { pollMs: 60_000 } });
    await openStop(1);
    expect(screen.getByTestId("stop-status").textContent, "the status is still 'To do'").toBe("To do");
    expect(screen.queryByTestId("deliver-button"), "no Deliver when the engine says no").toBeNull();
    expect(screen.queryByTestId("fail-button"), "no Failed attempt when the engine says no").toBeNull();
    expect(screen.getByTestId("note-button"), "a note is still allowed").toBeTruthy();
    expect(screen.getByTestId("why-not").textContent, "the engine's words say why").toContain("Wait for dispatch.");
  });
});

describe("connecting to the planner", () => {
  async function fillEnrol(url: string, code: string) {
    const user = userEvent.setup();
    const u = (await screen.findByTestId("enrol-url")) as HTMLInputElement;
    await user.clear(u);
    if (url) await user.type(u, url);
    const c = screen.getByTestId("enrol-code") as HTMLInputElement;
    await user.clear(c);
    if (code) await user.type(c, code);
  }

  it("enrols from the sync bar's Connect button and says who the phone is connected as", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("stop-1");
    await fireEvent.click(await screen.findByTestId("open-enrol"));
    expect(screen.getByText("Connect to your planner")).toBeTruthy();
    await fillEnrol("https://planner.test", " ABC-123 ");
    await fireEvent.click(screen.getByTestId("enrol-submit"));

    await waitFor(() =>
      expect(screen.getByTestId("toast").textContent).toBe("Connected as Sam Jansen (Fresh Foods Amsterdam)"),
    );
    expect(callsOf("enroll")).toEqual([{ plannerUrl: "https://planner.test", code: "ABC-123" }]);
    // back on the route list; the bar now offers Sync now instead of Connect
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
    expect(screen.queryByTestId("enrol-url")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("sync-now")).toBeTruthy());
    expect(screen.queryByTestId("open-enrol")).toBeNull();
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("adds https:// to a bare planner host", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("open-enrol"));
    await fillEnrol("planner.test", "XYZ");
    await fireEvent.click(screen.getByTestId("enrol-submit"));
    await screen.findByTestId("toast");
    expect(callsOf("enroll")).toEqual([{ plannerUrl: "https://planner.test", code: "XYZ" }]);
  });

  it("shows the planner's refusal in the banner and keeps what was typed", async () => {
    backend.override.enroll = () => {
      throw { code: "sync", message: "The planner refused the enrolment code: this code has expired" };
    };
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("open-enrol"));
    await fillEnrol("https://planner.test", "OLD-1");
    await fireEvent.click(screen.getByTestId("enrol-submit"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("The planner refused the enrolment code: this code has expired.");
    expect(screen.queryByTestId("toast")).toBeNull();
    expect((screen.getByTestId("enrol-url") as HTMLInputElement).value).toBe("https://planner.test");
    expect((screen.getByTestId("enrol-code") as HTMLInputElement).value).toBe("OLD-1");
    expect((screen.getByTestId("enrol-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("asks for the address and the code before calling enroll", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("open-enrol"));
    await fireEvent.click(screen.getByTestId("enrol-submit"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("Type the planner address");
    await fillEnrol("https://planner.test", "");
    await fireEvent.click(screen.getByTestId("enrol-submit"));
    await waitFor(() => expect(screen.getByTestId("error-banner").textContent).toContain("one-time code"));
    expect(callsOf("enroll")).toEqual([]);
  });

  it("is reachable from the Planner entry, showing the current address", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", last_sync_at: "2026-11-25T10:42:00Z" });
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("stop-1");
    await waitFor(() => expect(screen.getByTestId("sync-now")).toBeTruthy());
    await fireEvent.click(screen.getByTestId("open-settings"));
    expect((await screen.findByTestId("enrol-current")).textContent).toContain("https://planner.test");
    expect((screen.getByTestId("enrol-url") as HTMLInputElement).value).toBe("https://planner.test");
    await fireEvent.click(screen.getByTestId("back-button"));
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
  });

  it("does not offer Connect in the middle of a form", async () => {
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("open-enrol");
    await openStop(1);
    expect(screen.getByTestId("open-enrol")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("deliver-button"));
    expect(screen.queryByTestId("open-enrol")).toBeNull();
    expect(screen.queryByTestId("open-settings")).toBeNull();
  });
});

describe("sync bar actions", () => {
  it("shows the last sync time and the last error in amber, not as a failed delivery", async () => {
    backend.sync = sampleSync({
      planner_url: "https://planner.test",
      waiting_ops: 1,
      last_sync_at: new Date(2026, 10, 25, 10, 42).toISOString(),
      last_error: "Planner unreachable — will retry",
    });
    render(App, { props: { pollMs: 60_000 } });
    const bar = await screen.findByTestId("sync-bar");
    await waitFor(() => expect(screen.getByTestId("sync-problem").textContent).toContain("Planner unreachable"));
    expect(bar.classList.contains("tone-problem")).toBe(true);
    expect(screen.getByTestId("sync-detail").textContent, "a sync earlier today shows its time alone").toBe(
      "Last synced 10:42",
    );
    expect(bar.textContent).not.toMatch(/fail|offline/i);
  });

  it("Sync now wakes the sync and looks again shortly after", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", waiting_ops: 2 });
    render(App, { props: { pollMs: 60_000, recheckMs: 30 } });
    const button = (await screen.findByTestId("sync-now")) as HTMLButtonElement;
    const before = callsOf("sync_state").length;
    backend.override.sync_now = () => {
      backend.sync = { ...backend.sync, waiting_ops: 0, last_sync_at: new Date().toISOString() };
      return sampleSync({ planner_url: "https://planner.test", waiting_ops: 2 });
    };
    await fireEvent.click(button);
    expect(callsOf("sync_now")).toHaveLength(1);
    await waitFor(() => expect(button.textContent).toBe("Syncing…"));
    expect(button.disabled).toBe(true);
    await waitFor(() => expect(screen.getByTestId("sync-bar").textContent).toContain("All synced"));
    expect(callsOf("sync_state").length).toBeGreaterThan(before);
    await waitFor(() => expect(button.disabled).toBe(false));
    expect(button.textContent).toBe("Sync now");
  });

  it("a Sync now the engine refuses shows its message in the banner", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test" });
    backend.override.sync_now = () => {
      throw { code: "storage", message: "the phone's storage failed: disk full" };
    };
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("sync-now"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("The phone's storage failed: disk full.");
    expect((screen.getByTestId("sync-now") as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("records not accepted by the planner", () => {
  it("the badge opens the list, which marks them seen", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", unseen_rejections: 1 });
    render(App, { props: { pollMs: 60_000 } });
    const badge = await screen.findByTestId("open-rejections");
    expect(badge.textContent).toContain("1");
    expect(badge.getAttribute("aria-label")).toBe("1 record not accepted by the planner — see why");
    await fireEvent.click(badge);

    const first = await screen.findByTestId("rejection-0");
    expect(first.textContent).toContain("Kees Bakker");
    expect(first.textContent).toContain("The stop was cancelled by dispatch before this delivery arrived.");
    expect(first.textContent).toContain("New");
    const second = screen.getByTestId("rejection-1");
    expect(second.textContent).toContain("A stop");
    expect(second.textContent).toContain("The stop is no longer on your route.");
    expect(second.textContent).toContain("24 Nov");
    expect(second.textContent).not.toContain("New");
    expect(screen.getByText("Not accepted")).toBeTruthy();

    await waitFor(() => expect(callsOf("mark_rejections_seen")).toHaveLength(1));
    const order = backend.calls.map((c) => c.cmd).filter((c) => c === "rejections" || c === "mark_rejections_seen");
    expect(order).toEqual(["rejections", "mark_rejections_seen"]);
    // the sync bar looked again: the badge is gone
    await waitFor(() => expect(screen.queryByTestId("open-rejections")).toBeNull());
    for (const item of screen.getAllByTestId(/^rejection-/)) expect(item.textContent).not.toMatch(/fail/i);

    await fireEvent.click(screen.getByTestId("back-button"));
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
    expect(screen.queryByTestId("open-rejections")).toBeNull();
  });

  it("shows no badge when nothing is unseen", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", unseen_rejections: 0 });
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("sync-now");
    expect(screen.queryByTestId("open-rejections")).toBeNull();
  });

  it("a list that cannot be loaded says so and marks nothing seen", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", unseen_rejections: 2 });
    backend.override.rejections = () => {
      throw { code: "storage", message: "The phone's storage could not be read." };
    };
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("open-rejections"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("The phone's storage could not be read.");
    expect(screen.getByText("Try again")).toBeTruthy();
    expect(callsOf("mark_rejections_seen")).toEqual([]);
  });

  it("says so when the list is empty", async () => {
    backend.sync = sampleSync({ planner_url: "https://planner.test", unseen_rejections: 1 });
    backend.override.rejections = () => [];
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("open-rejections"));
    expect((await screen.findByTestId("no-rejections")).textContent).not.toMatch(/fail/i);
  });
});

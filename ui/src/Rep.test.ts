// The sales rep's screens against a fake backend (mockIPC): what they show and exactly what they send.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import {
  engine,
  sampleAccountCard,
  sampleDeliveryDetail,
  sampleEnrolled,
  sampleRepSync,
  sampleResolutionView,
  sampleRoute,
  sampleSaved,
  sampleStop,
  sampleSync,
  sampleTerritories,
  sampleTerritoryDay,
} from "./test/fixtures";
import { PHOTO_OFFLINE } from "./lib/labels";
import { STANDING_COLOURS } from "./lib/map";
import type { AccountCard, DeliveryDetail, MapSettings, SyncState, TerritoryDay, TerritoryView } from "./lib/types";

// ---------- a fake Leaflet: jsdom cannot draw a map, so the test looks at what was asked of it ----------
const leaflet = vi.hoisted(() => {
  interface FakeLayer {
    kind: string;
    args: unknown[];
    popup: (() => HTMLElement) | null;
    addTo(target: { add?: (l: FakeLayer) => void }): FakeLayer;
    bindPopup(content: () => HTMLElement): FakeLayer;
  }
  interface FakeGroup {
    items: FakeLayer[];
    add(l: FakeLayer): void;
    addTo(): FakeGroup;
    clearLayers(): void;
  }
  const state = {
    maps: [] as { el: HTMLElement; opts: Record<string, unknown>; removed: boolean }[],
    tiles: [] as string[],
    groups: [] as FakeGroup[],
    fits: [] as unknown[],
  };
  function layer(kind: string, args: unknown[]): FakeLayer {
    const l: FakeLayer = {
      kind,
      args,
      popup: null,
      addTo(target) {
        target.add?.(l);
        return l;
      },
      bindPopup(content) {
        l.popup = content;
        return l;
      },
    };
    return l;
  }
  const api = {
    map(el: HTMLElement, opts: Record<string, unknown>) {
      const rec = { el, opts, removed: false };
      state.maps.push(rec);
      const m = {
        add() {},
        fitBounds(b: unknown) {
          state.fits.push(b);
          return m;
        },
        setView() {
          return m;
        },
        invalidateSize() {},
        remove() {
          rec.removed = true;
        },
      };
      return m;
    },
    tileLayer(url: string) {
      state.tiles.push(url);
      return layer("tile", [url]);
    },
    layerGroup() {
      const g: FakeGroup = {
        items: [],
        add(l) {
          g.items.push(l);
        },
        addTo() {
          return g;
        },
        clearLayers() {
          g.items = [];
        },
      };
      state.groups.push(g);
      return g;
    },
    polygon(latlngs: unknown, opts: unknown) {
      return layer("polygon", [latlngs, opts]);
    },
    circleMarker(latlng: unknown, opts: unknown) {
      return layer("marker", [latlng, opts]);
    },
  };
  function reset() {
    state.maps = [];
    state.tiles = [];
    state.groups = [];
    state.fits = [];
  }
  return { state, api, reset };
});
vi.mock("leaflet", () => ({ ...leaflet.api, default: leaflet.api }));

// ---------- the fake backend ----------
interface Call {
  cmd: string;
  args: unknown;
}

interface Backend {
  calls: Call[];
  sync: SyncState;
  territories: TerritoryView[];
  day: (date: string | null) => TerritoryDay;
  details: Record<string, DeliveryDetail>;
  accounts: Record<string, AccountCard>;
  map: MapSettings;
  override: Record<string, (args: unknown) => unknown>;
}

let backend: Backend;

function installBackend(): Backend {
  const old = sampleDeliveryDetail();
  const b: Backend = {
    calls: [],
    sync: sampleRepSync(),
    territories: sampleTerritories(),
    day: (date) => sampleTerritoryDay({ date: date ?? "2026-11-25" }),
    details: {
      "d-1": sampleDeliveryDetail({ delivery: sampleTerritoryDay().deliveries[0], events: [], suggested_replacement: [] }),
      "d-2": sampleDeliveryDetail(),
      "d-old": sampleDeliveryDetail({
        delivery: { ...old.delivery, stop_id: "d-old", date: "2026-11-23", standing: { standing: "delivered" } },
        events: [],
        suggested_replacement: [],
      }),
    },
    accounts: { "a-2": sampleAccountCard() },
    map: { tile_url: null },
    override: {},
  };
  mockIPC((cmd, args) => {
    b.calls.push({ cmd, args });
    if (b.override[cmd]) return b.override[cmd](args);
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "sync_state":
      case "sync_now":
        return b.sync;
      case "territories":
        return b.territories;
      case "territory_day":
        return b.day(a.date as string | null);
      case "delivery_detail": {
        const d = b.details[a.stopId as string];
        if (!d) throw { code: "not_found", message: "This delivery is not on the phone." };
        return d;
      }
      case "account_card":
        return b.accounts[a.accountId as string];
      case "map_settings":
        return b.map;
      case "photo":
        return new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
      case "record_resolution":
        return sampleSaved({ id: "res-9", stop_status: "partly_delivered", waiting_to_sync: 1 });
      case "route_today":
        return sampleRoute();
      case "stop_detail":
        return sampleStop();
      case "enroll":
        b.sync = sampleRepSync({ planner_url: a.plannerUrl as string });
        return sampleEnrolled({ planner_url: a.plannerUrl as string, user_name: "Eva de Wit", role: "sales_rep" });
      default:
        throw { code: "invalid", message: `unknown command ${cmd}` };
    }
  });
  return b;
}

function callsOf(cmd: string): unknown[] {
  return backend.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

function lastDayCall() {
  const all = callsOf("territory_day") as {
    date: string | null;
    territoryId: string | null;
    filter: { status: string | null; courier: string | null; account: string | null; search: string | null };
  }[];
  return all[all.length - 1];
}

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('[data-test="delivery-row"]'));
}

function byTest(name: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-test="${name}"]`);
  if (!el) throw new Error(`no [data-test="${name}"] on screen`);
  return el;
}

async function findByTest(name: string): Promise<HTMLElement> {
  return waitFor(() => byTest(name));
}

function row(stopId: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-test="delivery-row"][data-stop-id="${stopId}"]`);
  if (!el) throw new Error(`no row for ${stopId}`);
  return el;
}

async function start(props: Record<string, unknown> = {}) {
  render(App, { props: { pollMs: 60_000, searchDelayMs: 40, ...props } });
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
}

async function openDelivery(stopId: string) {
  await fireEvent.click(row(stopId));
  await findByTest("resolve");
}

let objectUrls = 0;
beforeEach(() => {
  backend = installBackend();
  leaflet.reset();
  objectUrls = 0;
  Object.defineProperty(URL, "createObjectURL", {
    configurable: true,
    writable: true,
    value: () => `blob:photo-${++objectUrls}`,
  });
  Object.defineProperty(URL, "revokeObjectURL", { configurable: true, writable: true, value: () => {} });
});

afterEach(() => {
  delete (URL as unknown as Record<string, unknown>).createObjectURL;
  delete (URL as unknown as Record<string, unknown>).revokeObjectURL;
});

describe("home screen by role", () => {
  it("opens a sales rep on the territory list, late deliveries first, never asking for a route", async () => {
    await start();
    expect(screen.getByText("My territory")).toBeTruthy();
    expect(rows().map((r) => r.dataset.stopId)).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5"]);
    expect(callsOf("route_today")).toEqual([]);
    expect(callsOf("territory_day")[0]).toEqual({
      date: null,
      territoryId: null,
      filter: { status: null, courier: null, account: null, search: null },
    });
    // the sync bar is there on the rep's home screen too
    expect(screen.getByTestId("sync-bar").textContent).toContain("All synced");
  });

  it("keeps a courier on today's route", async () => {
    backend.sync = sampleSync({ role: "courier", user_name: "Sam Jansen" });
    render(App, { props: { pollMs: 60_000 } });
    expect(await screen.findByTestId("stop-1")).toBeTruthy();
    expect(callsOf("territory_day")).toEqual([]);
    expect(rows()).toEqual([]);
  });

  it("switches to the territory list when the phone is enrolled as a rep", async () => {
    backend.sync = sampleSync();
    render(App, { props: { pollMs: 60_000 } });
    await screen.findByTestId("stop-1");
    await fireEvent.click(await screen.findByTestId("open-enrol"));
    const user = userEvent.setup();
    await user.type(screen.getByTestId("enrol-url"), "https://planner.test");
    await user.type(screen.getByTestId("enrol-code"), "REP-1");
    await fireEvent.click(screen.getByTestId("enrol-submit"));
    await waitFor(() => expect(rows().length).toBe(5));
    expect(screen.getByTestId("toast").textContent).toContain("Connected as Eva de Wit");
  });
});

describe("territory list", () => {
  it("shows each delivery's customer, window, courier, standing in words, last resolution and sync state", async () => {
    await start();
    const late = row("d-1");
    expect(late.textContent).toContain("Bakkerij De Vries");
    expect(late.textContent).toContain("08:00–10:00");
    expect(late.textContent).toContain("Sam Jansen");
    const badge = late.querySelector('[data-test="standing"]') as HTMLElement;
    expect(badge.textContent).toBe("Late: window closed");
    expect(badge.classList.contains("standing-late")).toBe(true);
    expect(row("d-2").querySelector('[data-test="standing"]')?.textContent).toBe("Incomplete: short");
    expect(row("d-3").querySelector('[data-test="standing"]')?.textContent).toBe("Late: can't make it, ETA 11:40");
    expect(row("d-5").querySelector('[data-test="standing"]')?.textContent).toBe("Delivered");

    const waiting = row("d-4");
    expect(waiting.textContent).toContain("Lisa Smit");
    expect(within(waiting).getByTestId("last-resolution").textContent).toContain("Replacement requested");
    expect(within(waiting).getByText("1 waiting to sync")).toBeTruthy();
    expect(within(late).queryByText(/waiting to sync/)).toBeNull();
    expect(within(late).queryByTestId("last-resolution")).toBeNull();

    expect(screen.getByTestId("territory-date").textContent).toBe("Wed 25 Nov");
    expect(screen.getByText(/5 deliveries · 2 late · 1 incomplete/)).toBeTruthy();
  });

  it("sends the chosen status, courier and account to territory_day", async () => {
    await start();
    await fireEvent.click(screen.getByTestId("filters-toggle"));
    const user = userEvent.setup();
    const courier = screen.getByTestId("filter-courier") as HTMLSelectElement;
    expect(Array.from(courier.options).map((o) => o.textContent)).toEqual(["All couriers", "Lisa Smit", "Sam Jansen"]);
    const account = screen.getByTestId("filter-account") as HTMLSelectElement;
    expect(Array.from(account.options).map((o) => o.textContent)).toEqual([
      "All accounts",
      "Bakkerij De Vries",
      "Café Noord",
      "Hotel Amstel",
    ]);

    await user.selectOptions(screen.getByTestId("filter-status"), "failed");
    await waitFor(() => expect(lastDayCall().filter.status).toBe("failed"));
    await user.selectOptions(courier, "Lisa Smit");
    await waitFor(() => expect(lastDayCall().filter.courier).toBe("Lisa Smit"));
    await user.selectOptions(account, "Café Noord");
    await waitFor(() =>
      expect(lastDayCall()).toEqual({
        date: null,
        territoryId: null,
        filter: { status: "failed", courier: "Lisa Smit", account: "a-2", search: null },
      }),
    );
    expect(screen.getByTestId("filters-toggle").textContent).toContain("Filters (3)");

    await fireEvent.click(screen.getByTestId("clear-filters"));
    await waitFor(() =>
      expect(lastDayCall().filter).toEqual({ status: null, courier: null, account: null, search: null }),
    );
  });

  it("searches by name once typing pauses, not on every key", async () => {
    await start();
    const before = callsOf("territory_day").length;
    await userEvent.setup().type(screen.getByTestId("search"), "noord");
    await waitFor(() => expect(lastDayCall().filter.search).toBe("noord"));
    const searches = (callsOf("territory_day") as { filter: { search: string | null } }[])
      .slice(before)
      .map((c) => c.filter.search);
    expect(searches).toEqual(["noord"]);
  });

  it("moves between days with Yesterday, Today, Tomorrow and the date input", async () => {
    await start();
    expect(screen.getByTestId("day-today").getAttribute("aria-pressed")).toBe("true");
    await fireEvent.click(screen.getByTestId("day-yesterday"));
    await waitFor(() => expect(lastDayCall().date).toBe("2026-11-24"));
    await waitFor(() => expect(screen.getByTestId("territory-date").textContent).toBe("Tue 24 Nov"));
    expect(screen.getByTestId("day-yesterday").getAttribute("aria-pressed")).toBe("true");
    await fireEvent.click(screen.getByTestId("day-tomorrow"));
    await waitFor(() => expect(lastDayCall().date).toBe("2026-11-26"));
    await fireEvent.click(screen.getByTestId("day-today"));
    await waitFor(() => expect(lastDayCall().date).toBeNull());
    const input = screen.getByTestId("day-input") as HTMLInputElement;
    await fireEvent.change(input, { target: { value: "2026-11-20" } });
    await waitFor(() => expect(lastDayCall().date).toBe("2026-11-20"));
    expect(screen.getByTestId("day-today").getAttribute("aria-pressed")).toBe("false");
  });

  it("offers a territory picker only to a rep with more than one territory", async () => {
    await start();
    await waitFor(() => expect(callsOf("territories").length).toBeGreaterThan(0));
    expect(screen.queryByTestId("territory-picker")).toBeNull();
  });

  it("sends the chosen territory", async () => {
    backend.territories = [...sampleTerritories(), { ...sampleTerritories()[0], id: "t-2", name: "Amsterdam Noord" }];
    await start();
    const picker = (await screen.findByTestId("territory-picker")) as HTMLSelectElement;
    await userEvent.setup().selectOptions(picker, "Amsterdam Noord");
    await waitFor(() => expect(lastDayCall().territoryId).toBe("t-2"));
  });

  it("says plainly when the day has no deliveries, naming the day", async () => {
    backend.day = (date) => sampleTerritoryDay({ date: date ?? "2026-11-25", deliveries: [] });
    render(App, { props: { pollMs: 60_000 } });
    const empty = await screen.findByTestId("no-deliveries");
    expect(empty.textContent).toContain("No deliveries in your territory on Wed 25 Nov");
  });

  it("says the territory has not synced yet rather than showing an empty day", async () => {
    backend.territories = [];
    backend.sync = sampleRepSync({ last_sync_at: null });
    backend.day = () => sampleTerritoryDay({ deliveries: [], couriers: [], accounts: [] });
    render(App, { props: { pollMs: 60_000 } });
    const msg = await screen.findByTestId("nothing-synced");
    expect(msg.textContent).toContain("Your territory is not on this phone yet");
    expect(msg.textContent).toContain("Sync now");
    expect(screen.queryByTestId("no-deliveries")).toBeNull();
  });

  it("keeps the chosen day and filters when coming back from a delivery", async () => {
    await start();
    await fireEvent.click(screen.getByTestId("day-yesterday"));
    await waitFor(() => expect(lastDayCall().date).toBe("2026-11-24"));
    await waitFor(() => expect(screen.getByTestId("territory-date").textContent).toBe("Tue 24 Nov"));
    await openDelivery("d-2");
    await fireEvent.click(screen.getByTestId("back-button"));
    await waitFor(() => expect(rows().length).toBe(5));
    expect(screen.getByTestId("day-yesterday").getAttribute("aria-pressed")).toBe("true");
    expect(lastDayCall().date).toBe("2026-11-24");
  });

  it("takes today from the engine's answer, whatever the phone's clock says", async () => {
    // the phone's clock is a year and a half off; the engine's day is the only "today" there is
    vi.setSystemTime(new Date(2028, 4, 3, 9, 0));
    await start();
    expect(screen.getByTestId("territory-date").textContent, "today is the engine's day").toBe("Wed 25 Nov");
    expect((screen.getByTestId("day-input") as HTMLInputElement).value, "the date input shows the engine's today").toBe(
      "2026-11-25",
    );
    await fireEvent.click(screen.getByTestId("day-tomorrow"));
    await waitFor(() => expect(lastDayCall().date, "tomorrow counts from the engine's today").toBe("2026-11-26"));
    await openDelivery("d-2");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-promise"));
    expect(
      (screen.getByTestId("promise-date") as HTMLInputElement).value,
      "a promise starts the day after the engine's today",
    ).toBe("2026-11-26");
    await fireEvent.click(screen.getByTestId("back-button"));
    await findByTest("resolve");
    await fireEvent.click(screen.getByTestId("back-button"));
    await waitFor(() => expect(rows().length, "back on the list of the chosen day").toBe(5));
    expect(
      screen.getByTestId("day-tomorrow").getAttribute("aria-pressed"),
      "coming back, the chosen day is still 'tomorrow' by the engine's today",
    ).toBe("true");
    await fireEvent.click(screen.getByTestId("day-yesterday"));
    await waitFor(() => expect(lastDayCall().date, "yesterday counts from the engine's today").toBe("2026-11-24"));
  });
});

describe("the engine's own answers", () => {
  it("lists the engine's day for the rep, today by the engine", async () => {
    const day = engine.repDay();
    backend.territories = engine.territories();
    backend.day = () => engine.repDay();
    await start();
    expect(rows().map((r) => r.dataset.stopId), "the rows in the engine's order").toEqual(
      day.deliveries.map((d) => d.stop_id),
    );
    const first = day.deliveries[0];
    expect(first.needs_attention, "the engine's first row needs attention").toBe(true);
    expect(row(first.stop_id).querySelector('[data-test="standing"]')?.textContent, "its standing in words").toBe(
      "Incomplete: short",
    );
    expect(screen.getByTestId("day-today").getAttribute("aria-pressed"), "the engine's today is today").toBe("true");
    expect((screen.getByTestId("day-input") as HTMLInputElement).value, "the date input shows the engine's today").toBe(
      day.today,
    );
  });

  it("pre-fills the resolve form with the engine's suggestions and opens its account card", async () => {
    const detail = engine.delivery();
    const account = engine.account();
    backend.day = () => engine.repDay();
    backend.details[detail.delivery.stop_id] = detail;
    backend.accounts[account.id] = account;
    await start();
    await openDelivery(detail.delivery.stop_id);
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-replacement"));
    const suggested = detail.suggested_replacement[0];
    const i = detail.lines.findIndex((l) => l.id === suggested.line_id);
    expect((screen.getByTestId(`replace-qty-${i}`) as HTMLInputElement).value, "the engine's suggested quantity").toBe(
      String(suggested.qty),
    );
    await fireEvent.click(byTest("resolve-promise"));
    expect((screen.getByTestId("promise-date") as HTMLInputElement).value, "the engine's suggested day").toBe(
      detail.suggested_promise_date,
    );
    await fireEvent.click(screen.getByTestId("back-button"));
    await fireEvent.click(await screen.findByTestId("open-account"));
    expect((await screen.findByTestId("account-name")).textContent, "the engine's account card").toBe(account.name);
    expect(screen.getAllByTestId("contact")[0].textContent, "its contact").toContain(account.contacts[0].name);
  });
});

describe("territory map", () => {
  it("draws the territory and each delivery coloured by standing on a canvas, with no tiles by default", async () => {
    await start();
    await fireEvent.click(byTest("view-map"));
    expect(byTest("view-map").getAttribute("aria-pressed")).toBe("true");
    await waitFor(() => expect(leaflet.state.maps).toHaveLength(1));
    const container = byTest("map");
    expect(leaflet.state.maps[0].el).toBe(container);
    expect(leaflet.state.maps[0].opts.preferCanvas).toBe(true);
    await waitFor(() => expect(leaflet.state.groups[1]?.items.length).toBe(5));
    expect(leaflet.state.tiles).toEqual([]);
    expect(callsOf("map_settings")).toHaveLength(1);

    const [areas, points] = leaflet.state.groups;
    expect(areas.items).toHaveLength(1);
    const ring = (areas.items[0].args[0] as number[][][][])[0][0];
    expect(ring[0]).toEqual([52.36, 4.86]);
    const late = points.items.find((m) => (m.args[0] as number[])[0] === 52.38 && (m.args[1] as { fillColor: string }).fillColor === STANDING_COLOURS.late);
    expect(late).toBeTruthy();
    expect(leaflet.state.fits[0]).toEqual([
      [52.36, 4.86],
      [52.39, 4.92],
    ]);

    // the legend says in words what each colour means
    const legend = screen.getByTestId("map-legend");
    for (const words of ["Late", "Incomplete", "On track", "Delivered", "Cancelled"]) {
      expect(legend.textContent).toContain(words);
    }

    // a point's popup names the delivery and opens it
    const cafe = points.items.find((m) => (m.args[0] as number[])[0] === 52.383)!;
    const popup = cafe.popup!();
    expect(popup.textContent).toContain("Café Noord");
    expect(popup.textContent).toContain("Incomplete: short");
    document.body.append(popup);
    await fireEvent.click(popup.querySelector('[data-test="map-open"]')!);
    await findByTest("resolve");
    expect(callsOf("delivery_detail")).toEqual([{ stopId: "d-2" }]);
    popup.remove();
    expect(leaflet.state.maps[0].removed).toBe(true);
  });

  it("adds a tile layer only when the planner configured one", async () => {
    backend.map = { tile_url: "https://tiles.example/{z}/{x}/{y}.png" };
    await start();
    await fireEvent.click(byTest("view-map"));
    await waitFor(() => expect(leaflet.state.tiles).toEqual(["https://tiles.example/{z}/{x}/{y}.png"]));
  });

  it("goes back to the list", async () => {
    await start();
    await fireEvent.click(byTest("view-map"));
    await waitFor(() => expect(leaflet.state.maps).toHaveLength(1));
    expect(rows()).toEqual([]);
    await fireEvent.click(byTest("view-list"));
    await waitFor(() => expect(rows().length).toBe(5));
  });
});

describe("delivery screen", () => {
  it("shows the delivery, a call link, what happened at the door and the photos", async () => {
    backend.override.photo = (args) => {
      if ((args as { sha256: string }).sha256 === "sha-b") {
        throw { code: "sync", message: "The planner could not be reached." };
      }
      return new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
    };
    await start();
    await openDelivery("d-2");
    expect(callsOf("delivery_detail")).toEqual([{ stopId: "d-2" }]);
    expect(screen.getByTestId("delivery-customer").textContent).toBe("Café Noord");
    expect(byTest("standing").textContent).toBe("Incomplete: short");
    expect(screen.getByText("Buiksloterweg 5, 1031 CC Amsterdam")).toBeTruthy();
    expect((screen.getByTestId("call-link") as HTMLAnchorElement).getAttribute("href")).toBe("tel:+31205550199");
    expect(screen.getByText("Delivered to J. Noord, 1 line short")).toBeTruthy();
    expect(screen.getByText("Oat milk 1 L: 4 of 6 pcs (Damaged: two crushed)")).toBeTruthy();
    expect(screen.getByTestId("sync-bar")).toBeTruthy();

    // photos come through the photo command; one the phone cannot fetch says so plainly
    await waitFor(() => expect(callsOf("photo")).toEqual([{ sha256: "sha-a" }, { sha256: "sha-b" }]));
    const shown = await waitFor(() => screen.getByTestId("photo-sha-a").querySelector("img")!);
    expect(shown.getAttribute("src")).toMatch(/^blob:/);
    await waitFor(() => expect(screen.getByTestId("photo-sha-b").textContent).toBe(PHOTO_OFFLINE));
  });

  it("lists resolutions newest first, marking those waiting to sync", async () => {
    backend.details["d-2"] = sampleDeliveryDetail({
      resolutions: [
        sampleResolutionView({
          id: "r-new",
          summary: "",
          resolution: { action: "escalate", reason: "Short three times" },
          by: null,
          waiting_to_sync: true,
        }),
        sampleResolutionView({ id: "r-old" }),
      ],
    });
    await start();
    await openDelivery("d-2");
    const items = screen.getAllByTestId("resolution");
    expect(items.map((i) => i.querySelector("strong")?.textContent)).toEqual([
      "Escalated to dispatch: Short three times",
      "New delivery promised for Thu 26 Nov, 10:00–12:00",
    ]);
    expect(items[0].textContent).toContain("Waiting to sync");
    expect(items[0].textContent).toContain("on this phone");
    expect(items[1].textContent).toContain("by Eva de Wit");
    expect(items[1].textContent).not.toContain("Waiting to sync");
  });

  it("says so when a delivery is not on the phone", async () => {
    await start();
    await fireEvent.click(row("d-3"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("This delivery is not on the phone.");
  });
});

describe("resolve", () => {
  it("requests the missing items of a short delivery in 4 interactions", async () => {
    await start();
    let taps = 0;
    const tap = async (el: HTMLElement) => {
      taps++;
      await fireEvent.click(el);
    };
    await tap(row("d-2"));
    await tap(await findByTest("resolve"));
    await tap(await findByTest("resolve-replacement"));
    expect((screen.getByTestId("replace-qty-0") as HTMLInputElement).value).toBe("2");
    expect((screen.getByTestId("replace-qty-1") as HTMLInputElement).value).toBe("0");
    await tap(byTest("resolve-save"));

    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Replacement requested — waiting to sync"));
    expect(taps).toBe(4);
    expect(callsOf("record_resolution")).toEqual([
      { stopId: "d-2", resolution: { action: "replacement", lines: [{ line_id: "l-1", qty: 2 }], note: null } },
    ]);
    // back on the delivery screen, which loads again to show the new resolution
    await findByTest("resolve");
    expect(screen.getByText("Delivery")).toBeTruthy();
    await waitFor(() => expect(callsOf("delivery_detail")).toHaveLength(2));
  });

  it("lets the rep change only the lines that differ", async () => {
    await start();
    await openDelivery("d-2");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-replacement"));
    await fireEvent.click(screen.getByLabelText("One more Butter 250 g"));
    await fireEvent.click(screen.getByLabelText("Do not replace Oat milk 1 L"));
    await userEvent.setup().type(screen.getByTestId("replacement-note"), "Before Friday");
    await fireEvent.click(byTest("resolve-save"));
    await screen.findByTestId("toast");
    expect(callsOf("record_resolution")).toEqual([
      {
        stopId: "d-2",
        resolution: { action: "replacement", lines: [{ line_id: "l-3", qty: 1 }], note: "Before Friday" },
      },
    ]);
  });

  it("shows the engine's refusal in plain words and keeps the form", async () => {
    backend.override.record_resolution = () => {
      throw { code: "outside_territory", message: "this delivery is outside your territory" };
    };
    await start();
    await openDelivery("d-2");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-replacement"));
    await fireEvent.click(screen.getByLabelText("One more Croissant"));
    await fireEvent.click(byTest("resolve-save"));

    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("This delivery is outside your territory.");
    expect(screen.queryByTestId("toast")).toBeNull();
    expect(byTest("resolve-replacement").getAttribute("aria-pressed")).toBe("true");
    expect((screen.getByTestId("replace-qty-0") as HTMLInputElement).value).toBe("2");
    expect((screen.getByTestId("replace-qty-1") as HTMLInputElement).value).toBe("1");
    expect((byTest("resolve-save") as HTMLButtonElement).disabled).toBe(false);

    backend.override.record_resolution = () => sampleSaved({ waiting_to_sync: 2 });
    await fireEvent.click(byTest("resolve-save"));
    await screen.findByTestId("toast");
    const sent = callsOf("record_resolution");
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });

  it("promises a new delivery, pre-filled with the next day and the same window", async () => {
    await start();
    await openDelivery("d-2");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-promise"));
    const date = screen.getByTestId("promise-date") as HTMLInputElement;
    expect(date.value, "the day after the engine's today (the delivery was today)").toBe("2026-11-26");
    expect((screen.getByTestId("promise-start") as HTMLInputElement).value).toBe("10:00");
    await fireEvent.input(date, { target: { value: "2026-11-27" } });
    await fireEvent.input(screen.getByTestId("promise-end"), { target: { value: "11:30" } });
    await fireEvent.click(byTest("resolve-save"));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("New delivery promised — waiting to sync"));
    expect(callsOf("record_resolution")).toEqual([
      {
        stopId: "d-2",
        resolution: { action: "promise", date: "2026-11-27", window_start: "10:00:00", window_end: "11:30:00", note: null },
      },
    ]);
  });

  it("writes a note", async () => {
    await start();
    await openDelivery("d-1");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-note"));
    await userEvent.setup().type(screen.getByTestId("resolve-note-text"), "Store knows, fine for tomorrow");
    await fireEvent.click(byTest("resolve-save"));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Note saved — waiting to sync"));
    expect(callsOf("record_resolution")).toEqual([
      { stopId: "d-1", resolution: { action: "note", text: "Store knows, fine for tomorrow" } },
    ]);
  });

  it("shows the engine's refusal of an escalation without a reason, then sends one with it", async () => {
    backend.override.record_resolution = (args) => {
      const { resolution } = args as { resolution: { action: string; reason?: string } };
      if (resolution.action === "escalate" && !resolution.reason) {
        throw { code: "invalid", message: "Say why dispatch must look at it." };
      }
      return sampleSaved({ id: "res-9", stop_status: "partly_delivered", waiting_to_sync: 1 });
    };
    await start();
    await openDelivery("d-1");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-escalate"));
    await fireEvent.click(byTest("resolve-save"));
    expect(
      (await screen.findByTestId("error-banner")).textContent,
      "the engine's words, where the form's own check used to speak",
    ).toContain("Say why dispatch must look at it.");
    expect(callsOf("record_resolution"), "the empty reason went to the engine, which judged it").toEqual([
      { stopId: "d-1", resolution: { action: "escalate", reason: "" } },
    ]);
    expect(screen.queryByTestId("toast"), "nothing was saved").toBeNull();
    await userEvent.setup().type(screen.getByTestId("escalate-reason"), "Third short delivery this week");
    await fireEvent.click(byTest("resolve-save"));
    await screen.findByTestId("toast");
    expect(callsOf("record_resolution")[1], "the second try carries the typed reason").toEqual({
      stopId: "d-1",
      resolution: { action: "escalate", reason: "Third short delivery this week" },
    });
  });

  it("the toast says synced once nothing waits", async () => {
    backend.sync = sampleRepSync({ waiting_ops: 1 });
    await start({ pollMs: 30 });
    await openDelivery("d-2");
    await fireEvent.click(byTest("resolve"));
    await fireEvent.click(await findByTest("resolve-replacement"));
    await fireEvent.click(byTest("resolve-save"));
    expect((await screen.findByTestId("toast")).textContent).toBe("Replacement requested — waiting to sync");
    backend.sync = sampleRepSync({ waiting_ops: 0, last_sync_at: "2026-11-25T10:50:00Z" });
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toBe("Replacement requested — synced"));
  });
});

describe("account card", () => {
  it("shows the plan, contacts and recent deliveries, and opens one", async () => {
    await start();
    await openDelivery("d-2");
    await fireEvent.click(screen.getByTestId("open-account"));
    expect((await screen.findByTestId("account-name")).textContent).toBe("Café Noord");
    expect(callsOf("account_card")).toEqual([{ accountId: "a-2" }]);
    expect(screen.getByTestId("plan-days").textContent).toContain("Mon, Wed, Fri");
    expect(screen.getByText("Back door on the canal side.")).toBeTruthy();
    const [owner, orders] = screen.getAllByTestId("contact");
    expect(within(owner).getByRole("link", { name: /Call Joris Noord/ }).getAttribute("href")).toBe("tel:+31205550199");
    expect(within(owner).getByRole("link", { name: /Email Joris Noord/ }).getAttribute("href")).toBe(
      "mailto:joris@cafenoord.example",
    );
    expect(within(orders).queryByRole("link", { name: /Call/ })).toBeNull();

    const deliveries = screen.getAllByTestId("account-delivery");
    expect(deliveries.map((d) => d.querySelector(".stop-name")?.textContent)).toEqual(["Wed 25 Nov", "Mon 23 Nov"]);
    expect(deliveries[0].textContent).toContain("Incomplete: short");
    expect(deliveries[0].textContent).toContain("Delivered to J. Noord, 1 line short");

    await fireEvent.click(deliveries[1].querySelector("button")!);
    await findByTest("resolve");
    expect(callsOf("delivery_detail")).toEqual([{ stopId: "d-2" }, { stopId: "d-old" }]);
    // back: the account, then the delivery it was opened from, then the list
    await fireEvent.click(screen.getByTestId("back-button"));
    expect((await screen.findByTestId("account-name")).textContent).toBe("Café Noord");
    await fireEvent.click(screen.getByTestId("back-button"));
    await waitFor(() => expect(screen.getByTestId("delivery-customer").textContent).toBe("Café Noord"));
    await fireEvent.click(screen.getByTestId("back-button"));
    await waitFor(() => expect(rows().length).toBe(5));
  });
});

describe("courier's stop", () => {
  it("shows what sales did about the stop", async () => {
    backend.sync = sampleSync({ role: "courier" });
    backend.override.stop_detail = () =>
      sampleStop({
        resolutions: [
          sampleResolutionView({
            stop_id: "s-1",
            summary: "Replacement requested: 2 × Whole milk 1 l",
            resolution: { action: "replacement", lines: [{ line_id: "l-1", qty: 2 }], note: null },
          }),
        ],
      });
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("stop-1"));
    const sales = await screen.findByTestId("from-sales");
    expect(sales.textContent).toContain("From sales");
    expect(sales.textContent).toContain("Replacement requested: 2 × Whole milk 1 l");
    expect(sales.textContent).toContain("by Eva de Wit");
  });

  it("has no 'From sales' section when sales did nothing", async () => {
    backend.sync = sampleSync({ role: "courier" });
    render(App, { props: { pollMs: 60_000 } });
    await fireEvent.click(await screen.findByTestId("stop-1"));
    await screen.findByTestId("stop-status");
    expect(screen.queryByTestId("from-sales")).toBeNull();
  });
});

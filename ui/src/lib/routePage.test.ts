import { describe, expect, it } from "vitest";
import { appendPage, hasMore, reloadLimit, ROUTE_PAGE } from "./routePage";
import { engine } from "../test/fixtures";
import type { RouteView } from "./types";

function page(view: RouteView, from: number, to: number, total: number): RouteView {
  return { ...view, stops: view.stops.slice(from, to), progress: { ...view.progress, total } };
}

describe("route pages", () => {
  it("reloads at least a page, and never fewer stops than the list shows", () => {
    const route = engine.route();
    expect(reloadLimit(null), "a first load asks for one page").toBe(ROUTE_PAGE);
    expect(reloadLimit(page(route, 0, 10, 30)), "a short list still asks for a page").toBe(ROUTE_PAGE);
    const long = { ...route, stops: Array.from({ length: 80 }, () => route.stops[0]) };
    expect(reloadLimit(long), "a refresh keeps the stops the courier scrolled to").toBe(80);
  });

  it("has more while the list holds fewer stops than the route", () => {
    const route = engine.route();
    expect(hasMore(page(route, 0, 10, 30)), "20 stops are not drawn yet").toBe(true);
    expect(hasMore(route), "the whole demo route is drawn").toBe(false);
    expect(hasMore({ ...route, route: null, stops: [] }), "no route, nothing more").toBe(false);
    expect(hasMore(null), "nothing loaded, nothing more").toBe(false);
  });

  it("appends a page where it was asked for, and refuses one the list no longer fits", () => {
    const route = engine.route();
    const first = page(route, 0, 10, 30);
    const second = { ...page(route, 10, 20, 30), next_stop: "newer" };
    const both = appendPage(first, 10, second);
    expect(both?.stops.map((s) => s.position), "the page follows the first one").toEqual(route.stops.slice(0, 20).map((s) => s.position));
    expect(both?.next_stop, "the newer answer's next stop").toBe("newer");
    expect(appendPage(first, 5, second), "asked from another offset: the list changed meanwhile").toBeNull();
    const other = { ...second, route: { ...route.route!, id: "another-route" } };
    expect(appendPage(first, 10, other), "another route's page is not added").toBeNull();
  });
});

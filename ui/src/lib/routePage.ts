// The route list draws its stops a page at a time: the first screenful and a margin at once,
// the next page when the end of the list comes near (a route may hold 10,000 stops; drawing
// them all before the first one can be tapped takes seconds). The engine answers a page with
// the whole route's progress and next stop (route_today with offset and limit).
import type { RouteView } from "./types";

/** Stops asked for and drawn at a time: more than a screenful on any phone (a row is ≥ 48 px). */
export const ROUTE_PAGE = 50;

/** How many stops to ask for when the list (re)loads: what it already shows, at least a page,
 * so a refresh after a save does not shorten a list the courier scrolled down. */
export function reloadLimit(view: RouteView | null): number {
  return Math.max(ROUTE_PAGE, view?.stops.length ?? 0);
}

/** The route has stops after the ones the list holds. */
export function hasMore(view: RouteView | null): boolean {
  return view !== null && view.route !== null && view.stops.length < view.progress.total;
}

/** `view` with `page` (asked for from `offset`) added at its end; the page's progress and next
 * stop are the newer ones. `null` when the page no longer fits: the list changed meanwhile (a
 * reload, another route), and the caller keeps what it has. */
export function appendPage(view: RouteView, offset: number, page: RouteView): RouteView | null {
  if (view.stops.length !== offset || page.route?.id !== view.route?.id) return null;
  return { ...page, stops: [...view.stops, ...page.stops] };
}

// The territory map's logic, apart from Leaflet so it can be tested: a colour per standing,
// GeoJSON areas as Leaflet's [lat, lon] rings, the bounds to fit, and whether to draw tiles.
import { STANDING_KINDS, standingLabel, repWindow } from "./labels";
import type { DeliveryRow, MapSettings, Standing, StandingKind, TerritoryView } from "./types";

export type LatLng = [number, number];
/** One polygon: its outer ring, then its holes. */
export type PolygonRings = LatLng[][];

/** Fill colours of the delivery points; the legend and every popup say the same in words. */
export const STANDING_COLOURS: Record<StandingKind, string> = {
  late: "#b91c1c",
  incomplete: "#d97706",
  on_track: "#2563eb",
  delivered: "#16a34a",
  cancelled: "#6b7280",
};

export function standingColour(s: Standing): string {
  return STANDING_COLOURS[s.standing] ?? "#6b7280";
}

export interface MarkerStyle {
  radius: number;
  color: string;
  weight: number;
  fillColor: string;
  fillOpacity: number;
  dashArray?: string;
}

/** A delivery's circle: those the engine says need attention larger, so they stand out beside
 * colour too. */
export function markerStyle(d: Pick<DeliveryRow, "standing" | "needs_attention">): MarkerStyle {
  const s = d.standing;
  const style: MarkerStyle = {
    radius: d.needs_attention ? 11 : 8,
    color: "#ffffff",
    weight: 2,
    fillColor: standingColour(s),
    fillOpacity: s.standing === "cancelled" ? 0.5 : 0.95,
  };
  if (s.standing === "cancelled") style.dashArray = "3 3";
  return style;
}

export const TERRITORY_STYLE = { color: "#166534", weight: 2, fillColor: "#166534", fillOpacity: 0.08 };

/** The legend: each colour with its words. */
export const LEGEND: { kind: StandingKind; label: string; colour: string }[] = STANDING_KINDS.map((k) => ({
  ...k,
  colour: STANDING_COLOURS[k.kind],
}));

function isPosition(p: unknown): p is [number, number] {
  return (
    Array.isArray(p) &&
    p.length >= 2 &&
    typeof p[0] === "number" &&
    typeof p[1] === "number" &&
    Number.isFinite(p[0]) &&
    Number.isFinite(p[1])
  );
}

/** GeoJSON's [lon, lat] ring as Leaflet's [lat, lon]. */
function ringOf(ring: unknown): LatLng[] | null {
  if (!Array.isArray(ring)) return null;
  const out = ring.filter(isPosition).map(([lon, lat]) => [lat, lon] as LatLng);
  return out.length >= 3 ? out : null;
}

function polygonOf(coords: unknown): PolygonRings | null {
  if (!Array.isArray(coords)) return null;
  const rings = coords.map(ringOf).filter((r): r is LatLng[] => r !== null);
  return rings.length > 0 ? rings : null;
}

/**
 * The polygons of a territory's area: a GeoJSON MultiPolygon or Polygon geometry (also inside a
 * Feature, FeatureCollection or GeometryCollection, or as JSON text). Anything else: none.
 */
export function polygonsOf(area: unknown, depth = 0): PolygonRings[] {
  if (depth > 4) return [];
  let a = area;
  if (typeof a === "string") {
    try {
      a = JSON.parse(a);
    } catch {
      return [];
    }
  }
  if (typeof a !== "object" || a === null) return [];
  const g = a as { type?: unknown; coordinates?: unknown; geometry?: unknown; features?: unknown; geometries?: unknown };
  switch (g.type) {
    case "Polygon": {
      const p = polygonOf(g.coordinates);
      return p ? [p] : [];
    }
    case "MultiPolygon":
      return Array.isArray(g.coordinates)
        ? g.coordinates.map(polygonOf).filter((p): p is PolygonRings => p !== null)
        : [];
    case "Feature":
      return polygonsOf(g.geometry, depth + 1);
    case "FeatureCollection":
      return Array.isArray(g.features) ? g.features.flatMap((f) => polygonsOf(f, depth + 1)) : [];
    case "GeometryCollection":
      return Array.isArray(g.geometries) ? g.geometries.flatMap((x) => polygonsOf(x, depth + 1)) : [];
    default:
      return [];
  }
}

/** A point worth drawing: finite, on the globe, and not the "no fix" 0,0. */
export function isPlottable(lat: number, lon: number): boolean {
  return (
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 &&
    !(lat === 0 && lon === 0)
  );
}

export type Bounds = [LatLng, LatLng];

function boundsOfPoints(points: LatLng[]): Bounds | null {
  if (points.length === 0) return null;
  let [minLat, minLon] = points[0];
  let [maxLat, maxLon] = points[0];
  for (const [lat, lon] of points) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
  }
  return [
    [minLat, minLon],
    [maxLat, maxLon],
  ];
}

/** What the map fits: the territories; the deliveries only when no territory has an area. */
export function boundsOf(
  territories: Pick<TerritoryView, "area">[],
  deliveries: Pick<DeliveryRow, "lat" | "lon">[],
): Bounds | null {
  const areaPoints = territories.flatMap((t) => polygonsOf(t.area).flatMap((p) => p[0] ?? []));
  const fromAreas = boundsOfPoints(areaPoints.filter(([lat, lon]) => isPlottable(lat, lon)));
  if (fromAreas) return fromAreas;
  return boundsOfPoints(deliveries.filter((d) => isPlottable(d.lat, d.lon)).map((d) => [d.lat, d.lon] as LatLng));
}

/** The tile URL template to draw under the map, or null for none (no tile server is needed). */
export function tileUrlOf(settings: MapSettings | null): string | null {
  const url = settings?.tile_url?.trim() ?? "";
  return url === "" ? null : url;
}

/** The words a delivery's point shows when tapped. */
export function pointText(d: Pick<DeliveryRow, "customer_name" | "standing" | "window_start" | "window_end" | "courier_name">) {
  return {
    title: d.customer_name,
    standing: standingLabel(d.standing),
    detail: `${repWindow(d.window_start, d.window_end)} · ${d.courier_name}`,
  };
}

/** The deliveries to draw, attention last so their points sit on top. */
export function drawOrder<T extends Pick<DeliveryRow, "needs_attention" | "lat" | "lon">>(deliveries: T[]): T[] {
  const rank = (d: T) => (d.needs_attention ? 1 : 0);
  return deliveries
    .filter((d) => isPlottable(d.lat, d.lon))
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d);
}

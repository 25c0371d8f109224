import { describe, expect, it } from "vitest";
import { LEGEND, STANDING_COLOURS, boundsOf, drawOrder, isPlottable, markerStyle, pointText, polygonsOf, tileUrlOf } from "./map";
import { sampleTerritories, sampleTerritoryDay } from "../test/fixtures";
import type { Standing } from "./types";

describe("colours", () => {
  it("gives every standing a distinct colour, and the legend the same in words", () => {
    const colours = Object.values(STANDING_COLOURS);
    expect(new Set(colours).size).toBe(colours.length);
    expect(LEGEND.map((l) => l.label)).toEqual(["Late", "Incomplete", "On track", "Delivered", "Cancelled"]);
    for (const l of LEGEND) expect(l.colour).toBe(STANDING_COLOURS[l.kind]);
  });

  it("fills a delivery's circle with its standing's colour, late ones larger", () => {
    const late: Standing = { standing: "late", why: { because: "window_closed" } };
    const row = (standing: Standing, needs_attention = false) => ({ standing, needs_attention });
    expect(markerStyle(row(late, true)).fillColor, "a late point is red").toBe(STANDING_COLOURS.late);
    expect(markerStyle(row({ standing: "delivered" })).fillColor, "a delivered point is green").toBe(
      STANDING_COLOURS.delivered,
    );
    expect(
      markerStyle(row(late, true)).radius,
      "what the engine says needs attention is drawn larger",
    ).toBeGreaterThan(markerStyle(row({ standing: "on_track" })).radius);
    expect(markerStyle(row({ standing: "cancelled" })).dashArray, "a cancelled point is dashed").toBeTruthy();
  });
});

describe("GeoJSON areas", () => {
  it("turns a MultiPolygon's [lon, lat] into Leaflet's [lat, lon]", () => {
    const polys = polygonsOf(sampleTerritories()[0].area);
    expect(polys).toHaveLength(1);
    expect(polys[0][0][0]).toEqual([52.36, 4.86]);
    expect(polys[0][0][1]).toEqual([52.36, 4.92]);
  });

  it("reads a Polygon, a Feature, and JSON text; ignores what is not an area", () => {
    const ring = [
      [4, 52],
      [5, 52],
      [5, 53],
      [4, 52],
    ];
    expect(polygonsOf({ type: "Polygon", coordinates: [ring] })).toHaveLength(1);
    expect(polygonsOf({ type: "Feature", geometry: { type: "Polygon", coordinates: [ring] } })).toHaveLength(1);
    expect(polygonsOf(JSON.stringify({ type: "MultiPolygon", coordinates: [[ring], [ring]] }))).toHaveLength(2);
    expect(polygonsOf({ type: "Point", coordinates: [4, 52] })).toEqual([]);
    expect(polygonsOf(null)).toEqual([]);
    expect(polygonsOf("not json")).toEqual([]);
    expect(polygonsOf({ type: "Polygon", coordinates: [[[4, 52]]] })).toEqual([]);
  });
});

describe("bounds", () => {
  it("fits the territories", () => {
    expect(boundsOf(sampleTerritories(), sampleTerritoryDay().deliveries)).toEqual([
      [52.36, 4.86],
      [52.39, 4.92],
    ]);
  });

  it("fits the deliveries when no territory has an area, skipping 0,0", () => {
    const deliveries = [
      { lat: 52.1, lon: 4.1 },
      { lat: 52.4, lon: 4.9 },
      { lat: 0, lon: 0 },
    ];
    expect(boundsOf([{ area: null }], deliveries)).toEqual([
      [52.1, 4.1],
      [52.4, 4.9],
    ]);
    expect(boundsOf([], [])).toBeNull();
    expect(isPlottable(0, 0)).toBe(false);
    expect(isPlottable(Number.NaN, 4)).toBe(false);
  });
});

describe("tiles", () => {
  it("draws tiles only when a tile URL is configured", () => {
    expect(tileUrlOf({ tile_url: null })).toBeNull();
    expect(tileUrlOf({ tile_url: "  " })).toBeNull();
    expect(tileUrlOf(null)).toBeNull();
    expect(tileUrlOf({ tile_url: "https://tiles.example/{z}/{x}/{y}.png" })).toBe(
      "https://tiles.example/{z}/{x}/{y}.png",
    );
  });
});

describe("points", () => {
  it("draws the points that need attention last so they sit on top, and says the standing in words", () => {
    const rows = sampleTerritoryDay().deliveries;
    const attention = rows.filter((d) => d.needs_attention).length;
    expect(attention, "the fixture has rows that need attention and rows that do not").toBeGreaterThan(0);
    expect(attention, "the fixture has rows that need attention and rows that do not").toBeLessThan(rows.length);
    const order = drawOrder(rows).map((d) => d.needs_attention);
    expect(order, "every point that needs attention is drawn after every other").toEqual([
      ...Array(rows.length - attention).fill(false),
      ...Array(attention).fill(true),
    ]);
    expect(pointText(sampleTerritoryDay().deliveries[0])).toEqual({
      title: "Bakkerij De Vries",
      standing: "Late: window closed",
      detail: "08:00–10:00 · Sam Jansen",
    });
  });
});

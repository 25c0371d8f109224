// signature_pad's point data → the contract's Signature.
import type { Signature, SignaturePoint } from "./types";

/** The part of signature_pad's PointGroup we use (its toData() output). */
export interface PadPointGroup {
  points: { x: number; y: number; time: number }[];
}

/**
 * Converts signature_pad's toData() into {width, height, strokes:[[{x,y,t}]]}.
 * width/height are the canvas size in CSS pixels, the space the points are in.
 * x and y are rounded to whole pixels and kept inside the canvas; t is whole milliseconds
 * since the first point of the signature (the device clock is data, never an order).
 * Returns null when there is no stroke at all.
 */
export function toSignature(groups: PadPointGroup[], width: number, height: number): Signature | null {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const nonEmpty = groups.filter((g) => g.points.length > 0);
  if (nonEmpty.length === 0) return null;
  const t0 = Math.min(...nonEmpty.map((g) => g.points[0].time));
  const strokes: SignaturePoint[][] = nonEmpty.map((g) =>
    g.points.map((p) => ({
      x: clamp(Math.round(p.x), 0, w),
      y: clamp(Math.round(p.y), 0, h),
      t: Math.max(0, Math.round(p.time - t0)),
    })),
  );
  return { width: w, height: h, strokes };
}

function clamp(n: number, lo: number, hi: number): number {
  if (!Number.isFinite(n)) return lo;
  return Math.min(hi, Math.max(lo, n));
}

import { describe, expect, it } from "vitest";
import { toSignature } from "./signature";

describe("toSignature", () => {
  it("converts signature_pad point groups into strokes of {x, y, t}", () => {
    const sig = toSignature(
      [
        { points: [{ x: 10.4, y: 20.6, time: 1_700_000_000_000 }, { x: 30, y: 40, time: 1_700_000_000_016.7 }] },
        { points: [{ x: 50, y: 60, time: 1_700_000_000_500 }] },
      ],
      320.2,
      160,
    );
    expect(sig).toEqual({
      width: 320,
      height: 160,
      strokes: [
        [
          { x: 10, y: 21, t: 0 },
          { x: 30, y: 40, t: 17 },
        ],
        [{ x: 50, y: 60, t: 500 }],
      ],
    });
  });

  it("keeps points inside the canvas", () => {
    const sig = toSignature([{ points: [{ x: -5, y: 999, time: 1 }] }], 100, 50);
    expect(sig?.strokes[0][0]).toEqual({ x: 0, y: 50, t: 0 });
  });

  it("returns null without strokes", () => {
    expect(toSignature([], 100, 50)).toBeNull();
    expect(toSignature([{ points: [] }], 100, 50)).toBeNull();
  });

  it("drops empty groups but keeps the others", () => {
    const sig = toSignature([{ points: [] }, { points: [{ x: 1, y: 1, time: 5 }] }], 100, 50);
    expect(sig?.strokes).toHaveLength(1);
  });
});

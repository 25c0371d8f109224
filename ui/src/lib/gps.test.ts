import { describe, expect, it, vi } from "vitest";
import { startGps, toGpsFix } from "./gps";

describe("toGpsFix", () => {
  it("keeps a real fix", () => {
    expect(toGpsFix({ latitude: 52.37, longitude: 4.89, accuracy: 12 })).toEqual({
      lat: 52.37,
      lon: 4.89,
      accuracy_m: 12,
    });
  });
  it("treats 0,0 as no fix (the desktop stub)", () => {
    expect(toGpsFix({ latitude: 0, longitude: 0, accuracy: 5 })).toBeNull();
  });
  it("refuses nonsense", () => {
    expect(toGpsFix({ latitude: NaN, longitude: 4, accuracy: 5 })).toBeNull();
    expect(toGpsFix({ latitude: 95, longitude: 4, accuracy: 5 })).toBeNull();
    expect(toGpsFix(null)).toBeNull();
  });
});

describe("startGps", () => {
  it("never waits: null until the device answers, the fix after", () => {
    let answer: PositionCallback | undefined;
    const geo = {
      getCurrentPosition: vi.fn((ok: PositionCallback, _err?: PositionErrorCallback | null, _opts?: PositionOptions) => {
        answer = ok;
      }),
    };
    const probe = startGps(geo, 5000);
    expect(geo.getCurrentPosition).toHaveBeenCalledOnce();
    expect(geo.getCurrentPosition.mock.calls[0][2]).toMatchObject({ timeout: 5000 });
    expect(probe.current()).toBeNull();
    answer?.({ coords: { latitude: 51.5, longitude: -0.12, accuracy: 8 } } as GeolocationPosition);
    expect(probe.current()).toEqual({ lat: 51.5, lon: -0.12, accuracy_m: 8 });
  });

  it("ignores an answer after stop()", () => {
    let answer: PositionCallback | undefined;
    const probe = startGps({ getCurrentPosition: (ok: PositionCallback) => (answer = ok) }, 5000);
    probe.stop();
    answer?.({ coords: { latitude: 51.5, longitude: -0.12, accuracy: 8 } } as GeolocationPosition);
    expect(probe.current()).toBeNull();
  });

  it("copes with no geolocation, a refusal, and a throwing API", () => {
    expect(startGps(undefined).current()).toBeNull();
    expect(startGps({ getCurrentPosition: (_ok, err) => err?.({ code: 1 } as GeolocationPositionError) }).current()).toBeNull();
    expect(
      startGps({
        getCurrentPosition: () => {
          throw new Error("nope");
        },
      }).current(),
    ).toBeNull();
  });
});

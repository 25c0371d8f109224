// One GPS fix, asked for when a form opens and never waited for.
import type { GpsFix } from "./types";

export const GPS_TIMEOUT_MS = 8000;

/** A position as the browser gives it → GpsFix, or null for no fix (0,0 is the desktop stub). */
export function toGpsFix(coords: { latitude: number; longitude: number; accuracy: number } | null | undefined): GpsFix | null {
  if (!coords) return null;
  const { latitude: lat, longitude: lon, accuracy } = coords;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (lat === 0 && lon === 0) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon, accuracy_m: Number.isFinite(accuracy) && accuracy >= 0 ? accuracy : 0 };
}

export interface GpsProbe {
  /** The fix if one has arrived by now, else null. Never waits. */
  current(): GpsFix | null;
  /** Ignore any answer that arrives later. */
  stop(): void;
}

/** Starts one getCurrentPosition with a short timeout; read the result with current() at save time. */
export function startGps(
  geo: Pick<Geolocation, "getCurrentPosition"> | null | undefined = typeof navigator !== "undefined"
    ? navigator.geolocation
    : undefined,
  timeoutMs: number = GPS_TIMEOUT_MS,
): GpsProbe {
  let fix: GpsFix | null = null;
  let stopped = false;
  if (geo && typeof geo.getCurrentPosition === "function") {
    try {
      geo.getCurrentPosition(
        (pos) => {
          if (!stopped) fix = toGpsFix(pos.coords);
        },
        () => {
          /* no fix: the record goes without one */
        },
        { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
      );
    } catch {
      /* no geolocation here: no fix */
    }
  }
  return {
    current: () => fix,
    stop: () => {
      stopped = true;
    },
  };
}

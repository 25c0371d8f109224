// The moment every UI test runs at (src/test/setup.ts fakes Date to it).
//
// 11:00 on Wednesday 25 November 2026 on the phone's own clock, built from local parts, so the
// phone's "today" is the fixtures' day in every time zone (TZ=Pacific/Auckland and
// TZ=America/Los_Angeles alike). Instants a test compares against it are built the same way
// (`localInstant`), never written with a fixed offset.
import { vi } from "vitest";

export const TEST_NOW = new Date(2026, 10, 25, 11, 0, 0);

/** The RFC 3339 instant of a wall-clock time on the phone, e.g. localInstant(2026, 11, 25, 10, 42). */
export function localInstant(year: number, month: number, day: number, hour: number, minute: number): string {
  return new Date(year, month - 1, day, hour, minute, 0).toISOString();
}

/** Fakes every timer too (setTimeout, setInterval…), still at TEST_NOW, for a test that steps
 * time by hand with vi.advanceTimersByTime. The setup fakes only Date, and asking for fake
 * timers again while Date is faked changes nothing, hence the switch through real timers. */
export function fakeAllTimers(): void {
  vi.useRealTimers();
  vi.useFakeTimers();
  vi.setSystemTime(TEST_NOW);
}

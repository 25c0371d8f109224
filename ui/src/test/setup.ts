// Test setup: one fake clock for the whole suite, and jsdom's missing pieces.
import { afterEach, beforeEach, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { TEST_NOW } from "./clock";

// Every test runs at TEST_NOW, whatever the machine's date: only Date is faked, so timers,
// waitFor and user-event run on real time. A test that wants another moment calls
// vi.setSystemTime itself; the next test starts at TEST_NOW again.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TEST_NOW);
});

// jsdom has no canvas 2D context; give signature_pad a do-nothing one.

function fakeContext2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const target: Record<string | symbol, unknown> = { canvas };
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t) return t[prop];
      return () => undefined;
    },
    set(t, prop, value) {
      t[prop] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();
HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string) {
  if (kind !== "2d") return null;
  let ctx = contexts.get(this);
  if (!ctx) {
    ctx = fakeContext2d(this);
    contexts.set(this, ctx);
  }
  return ctx;
} as typeof HTMLCanvasElement.prototype.getContext;

if (typeof Element.prototype.scrollIntoView !== "function") {
  Element.prototype.scrollIntoView = function () {};
}

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

// jsdom logs "Not implemented" for scrolling; the app only scrolls for comfort.
window.scrollTo = (() => {}) as typeof window.scrollTo;

// Test setup: jsdom has no canvas 2D context; give signature_pad a do-nothing one.
import { afterEach } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";

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
});

// jsdom logs "Not implemented" for scrolling; the app only scrolls for comfort.
window.scrollTo = (() => {}) as typeof window.scrollTo;

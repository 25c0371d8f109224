import type { AppError } from "./types";

export const FALLBACK_MESSAGE = "Something went wrong. Please try again.";
export const NO_BACKEND_MESSAGE =
  "This screen only works inside the Doorstep app (the app engine is not running).";

/** "planner unreachable" → "Planner unreachable." (the engine sometimes writes lower-case fragments). */
export function asSentence(text: string): string {
  const t = text.trim();
  if (t === "") return t;
  const first = t.charAt(0).toLocaleUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

export function isCommandError(e: unknown): e is AppError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/** Normalises whatever a command rejected with into the contract's {code, message}. */
export function toCommandError(e: unknown): AppError {
  if (isCommandError(e)) {
    return { code: e.code, message: asSentence(e.message) || FALLBACK_MESSAGE };
  }
  if (typeof e === "string" && e.trim() !== "") {
    // Tauri itself rejects with a bare string (e.g. an unknown command or bad arguments).
    return { code: "internal", message: e.trim() };
  }
  if (e instanceof Error) {
    if (typeof window !== "undefined" && !("__TAURI_INTERNALS__" in window)) {
      return { code: "no_backend", message: NO_BACKEND_MESSAGE };
    }
    return { code: "internal", message: e.message || FALLBACK_MESSAGE };
  }
  return { code: "internal", message: FALLBACK_MESSAGE };
}

export function errorMessage(e: unknown): string {
  return toCommandError(e).message;
}

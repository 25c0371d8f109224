// The engine's JSON, checked against the generated types at compile time.
//
// A JSON import is typed by TypeScript with its strings widened (`"pending"` becomes `string`),
// so it is never assignable to a generated type with string unions, and a plain `as` cast checks
// nothing (a fixture missing a field still casts). `EngineJson<T>` is T with its unions widened
// the same way: `fromEngine<T>(json)` compiles only when the JSON has every field of T, each of
// the right kind, so `npm run check` fails when the engine's answers and the generated types part.
export type EngineJson<T> = T extends string
  ? string
  : T extends number | bigint
    ? number
    : T extends boolean
      ? boolean
      : T extends null | undefined
        ? T
        : T extends readonly (infer U)[]
          ? EngineJson<U>[]
          : T extends object
            ? { [K in keyof T]: EngineJson<T[K]> }
            : T;

/** The engine's JSON as T: checked against T's shape (above), then a fresh copy, so a test
 * that changes it changes only its own. */
export function fromEngine<T>(json: EngineJson<T>): T {
  return structuredClone(json) as T;
}

import { describe, expect, it } from "vitest";
import { advanceChoices } from "./stop";

describe("progress buttons", () => {
  it("offer the engine's next step, and 'arrived' beside 'on my way'", () => {
    expect(advanceChoices("en_route").map((c) => c.status), "the engine accepts skipping to arrived").toEqual([
      "en_route",
      "arrived",
    ]);
    expect(advanceChoices("arrived").map((c) => c.label), "on the way: only arriving is left").toEqual([
      "I've arrived",
    ]);
    expect(advanceChoices(null), "nothing comes next: no button").toEqual([]);
  });
});

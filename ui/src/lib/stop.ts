// The stop screen's progress buttons, from what the engine says comes next.
import type { StopStatus } from "./types";

export type AdvanceTo = "en_route" | "arrived";

const ADVANCE_LABELS: Record<AdvanceTo, string> = {
  en_route: "I'm on my way",
  arrived: "I've arrived",
};

/** The buttons for the engine's `advance_to`: its next step, and "arrived" beside "on my way"
 * (the engine accepts skipping a step, so a courier who never said "on my way" taps once). */
export function advanceChoices(advanceTo: StopStatus | null): { status: AdvanceTo; label: string }[] {
  if (advanceTo === "en_route") {
    return [
      { status: "en_route", label: ADVANCE_LABELS.en_route },
      { status: "arrived", label: ADVANCE_LABELS.arrived },
    ];
  }
  if (advanceTo === "arrived") return [{ status: "arrived", label: ADVANCE_LABELS.arrived }];
  return [];
}

// Inputs of the failed-attempt and condition-note forms. The engine checks them and says what is
// wrong; the form only asks for the one choice it cannot send without.
import type { ConditionNoteInput, FailedAttemptInput, FailureReason, GpsFix, NoteCategory } from "./types";

export function buildFailedInput(args: {
  stopId: string;
  reason: FailureReason | null;
  note: string;
  photo: string | null;
  gps: GpsFix | null;
}): FailedAttemptInput | null {
  if (args.reason === null) return null;
  const note = args.note.trim();
  return { stop_id: args.stopId, reason: args.reason, note: note === "" ? null : note, photo: args.photo, gps: args.gps };
}

/** Plain words when no reason is chosen yet (the input cannot be sent without one), else null. */
export function missingReason(reason: FailureReason | null): string | null {
  return reason === null ? "Choose why you could not deliver." : null;
}

export function buildNoteInput(args: {
  stopId: string;
  category: NoteCategory | "";
  text: string;
  photos: string[];
  lineId: string | null;
}): ConditionNoteInput | null {
  if (args.category === "") return null;
  return {
    stop_id: args.stopId,
    category: args.category,
    text: args.text.trim(),
    photos: [...args.photos],
    line_id: args.lineId === "" ? null : args.lineId,
  };
}

/** Plain words when no category is chosen yet (the input cannot be sent without one), else null. */
export function missingCategory(category: NoteCategory | ""): string | null {
  return category === "" ? "Choose what the note is about." : null;
}

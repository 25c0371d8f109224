// Pre-checks and inputs of the failed-attempt and condition-note forms (the engine checks too).
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

export function precheckFailed(reason: FailureReason | null, note: string): string | null {
  if (reason === null) return "Choose why you could not deliver.";
  if (reason === "other" && note.trim() === "") return "Add a note saying what happened.";
  return null;
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

export function precheckNote(category: NoteCategory | "", text: string, photoCount: number): string | null {
  if (category === "") return "Choose what the note is about.";
  if (text.trim() === "" && photoCount === 0) return "Describe what you see, or add a photo.";
  return null;
}

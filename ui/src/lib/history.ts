// The stop's previous events as one list, oldest first, in plain words.
import { categoryLabel, failureLabel, shortfallLabel, shortTime } from "./labels";
import type { StopDetail } from "./types";

export interface HistoryItem {
  id: string;
  kind: "pod" | "note" | "failed";
  at: string;
  title: string;
  details: string[];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function stopHistory(stop: StopDetail, now: Date = new Date()): HistoryItem[] {
  const lineName = (id: string | null) =>
    id === null ? null : (stop.lines.find((l) => l.id === id)?.description ?? "an item");
  const items: HistoryItem[] = [];
  for (const p of stop.pods) {
    const details: string[] = [];
    const proofs: string[] = [];
    if (p.has_signature) proofs.push("signed");
    if (p.photo_count > 0) proofs.push(plural(p.photo_count, "photo", "photos"));
    if (proofs.length) details.push(proofs.join(", "));
    for (const o of p.lines) {
      const line = stop.lines.find((l) => l.id === o.line_id);
      if (line && o.delivered_qty < line.ordered_qty) {
        const why = o.shortfall_reason ? shortfallLabel(o.shortfall_reason) : "short";
        details.push(
          `${line.description}: ${o.delivered_qty} of ${line.ordered_qty} ${line.unit} (${why}${o.note ? `: ${o.note}` : ""})`,
        );
      }
    }
    items.push({
      id: p.id,
      kind: "pod",
      at: p.captured_at,
      title: `Delivered to ${p.recipient_name} · ${shortTime(p.captured_at, now)}`,
      details,
    });
  }
  for (const n of stop.notes) {
    const details: string[] = [];
    if (n.text) details.push(n.text);
    const line = lineName(n.line_id);
    if (line) details.push(`Item: ${line}`);
    if (n.photo_count > 0) details.push(plural(n.photo_count, "photo", "photos"));
    items.push({
      id: n.id,
      kind: "note",
      at: n.captured_at,
      title: `Note: ${categoryLabel(n.category)} · ${shortTime(n.captured_at, now)}`,
      details,
    });
  }
  for (const f of stop.failed_attempts) {
    const details: string[] = [];
    if (f.note) details.push(f.note);
    if (f.has_photo) details.push("1 photo");
    items.push({
      id: f.id,
      kind: "failed",
      at: f.captured_at,
      title: `Not delivered: ${failureLabel(f.reason)} · ${shortTime(f.captured_at, now)}`,
      details,
    });
  }
  return items.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0));
}

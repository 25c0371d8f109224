// The list of records the planner could not apply, in plain words. Never worded as a failed delivery.
import { asSentence } from "./errors";
import { shortTime } from "./labels";
import type { RejectionView } from "./types";

export interface RejectionItem {
  key: string;
  /** the customer's name, or "A stop" */
  who: string;
  reason: string;
  /** "10:42", or "24 Nov 10:42" on another day */
  when: string;
  /** not seen before this screen opened */
  isNew: boolean;
}

export const NO_REASON = "The planner gave no reason.";

export function rejectionItems(list: RejectionView[], now: Date = new Date()): RejectionItem[] {
  return list.map((r) => ({
    key: `${r.epoch}-${r.seq}`,
    who: r.customer_name?.trim() || "A stop",
    reason: r.reason.trim() ? asSentence(r.reason) : NO_REASON,
    when: shortTime(r.received_at, now),
    isNew: !r.seen,
  }));
}

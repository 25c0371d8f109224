// The rep's territory list: what was chosen on screen, and what `territory_day` is asked for.
import { shortDateLabel } from "./labels";
import type { AccountOption, StopStatus, TerritoryFilter } from "./types";

export type TerritoryViewMode = "list" | "map";

/** What the rep chose on the territory screen; kept by the app while the rep looks at a delivery. */
export interface TerritoryQuery {
  /** "YYYY-MM-DD", or null for today (the engine's today) */
  date: string | null;
  /** null: all the rep's territories */
  territoryId: string | null;
  status: StopStatus | null;
  courier: string | null;
  /** account id */
  account: string | null;
  /** as typed; sent trimmed, after a pause in typing */
  search: string;
  view: TerritoryViewMode;
}

export function defaultQuery(): TerritoryQuery {
  return { date: null, territoryId: null, status: null, courier: null, account: null, search: "", view: "list" };
}

/** How long typing must pause before the search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;

/** The `filter` argument of territory_day: every field null when not chosen. */
export function filterOf(q: Pick<TerritoryQuery, "status" | "courier" | "account">, search: string): TerritoryFilter {
  const s = search.trim();
  return {
    status: q.status ?? null,
    courier: q.courier || null,
    account: q.account || null,
    search: s === "" ? null : s,
  };
}

/** How many of status, courier and account are chosen (the search box shows itself). */
export function activeFilterCount(q: Pick<TerritoryQuery, "status" | "courier" | "account">): number {
  return [q.status, q.courier, q.account].filter((v) => v !== null && v !== "").length;
}

export function hasFilters(q: Pick<TerritoryQuery, "status" | "courier" | "account" | "search">): boolean {
  return activeFilterCount(q) > 0 || q.search.trim() !== "";
}

/** Accounts the filter can choose: only those with an id (a stop not planned for an account has none). */
export function accountChoices(accounts: AccountOption[]): { id: string; name: string }[] {
  const seen = new Set<string>();
  const out: { id: string; name: string }[] = [];
  for (const a of accounts) {
    if (a.id === null || seen.has(a.id)) continue;
    seen.add(a.id);
    out.push({ id: a.id, name: a.name });
  }
  return out;
}

/** "2026-11-26" from addDays("2026-11-25", 1); the input as it is when it does not parse.
 * Calendar arithmetic only (in UTC), so no time zone or daylight-saving change can shift it. */
export function addDays(date: string, n: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n));
  const y = String(d.getUTCFullYear()).padStart(4, "0");
  return `${y}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")}`;
}

export type DayChoice = "yesterday" | "today" | "tomorrow" | "other";

/** Which day button is on for the chosen date (today not known yet: only "today" can be). */
export function dayChoice(date: string | null, today: string | null): DayChoice {
  if (date === null || date === today) return "today";
  if (today === null) return "other";
  if (date === addDays(today, -1)) return "yesterday";
  if (date === addDays(today, 1)) return "tomorrow";
  return "other";
}

/** The date to ask for when a day button is tapped (today is asked as null: the engine's today). */
export function dateOfChoice(choice: Exclude<DayChoice, "other">, today: string): string | null {
  if (choice === "today") return null;
  return addDays(today, choice === "yesterday" ? -1 : 1);
}

/** The empty list's words: "No deliveries in your territory on Wed 25 Nov". */
export function emptyMessage(date: string, filtered: boolean): string {
  return filtered
    ? `No deliveries match these filters on ${shortDateLabel(date)}`
    : `No deliveries in your territory on ${shortDateLabel(date)}`;
}

/** "3 deliveries · 1 late · 1 incomplete" */
export function daySummary(rows: { standing: { standing: string } }[]): string {
  const late = rows.filter((r) => r.standing.standing === "late").length;
  const incomplete = rows.filter((r) => r.standing.standing === "incomplete").length;
  let text = `${rows.length} ${rows.length === 1 ? "delivery" : "deliveries"}`;
  if (late > 0) text += ` · ${late} late`;
  if (incomplete > 0) text += ` · ${incomplete} incomplete`;
  return text;
}

/** Calls `fn` once typing has paused for `ms`; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    call(...args: A) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        fn(...args);
      }, ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
    get pending() {
      return timer !== undefined;
    },
  };
}

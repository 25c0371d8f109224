// The enrol screen: pre-checks (the engine checks too) and what to say when it worked.
import type { Enrolled } from "./types";

/** Trims the address and adds https:// when the courier typed only the host ("planner.example.com"). */
export function normalisePlannerUrl(raw: string): string {
  const url = raw.trim();
  if (url === "") return url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  return `https://${url}`;
}

/** A plain message when the form cannot be sent yet, else null. */
export function precheckEnrol(url: string, code: string): string | null {
  const u = url.trim();
  if (u === "") return "Type the planner address dispatch gave you.";
  if (/\s/.test(u)) return "The planner address cannot contain spaces.";
  if (!/^https?:\/\/[^/]/i.test(normalisePlannerUrl(u))) {
    return "The planner address should start with https:// (check it with dispatch).";
  }
  if (code.trim() === "") return "Type the one-time code from dispatch.";
  return null;
}

/** "Connected as Sam Jansen (Fresh Foods Amsterdam)" */
export function enrolledMessage(e: Pick<Enrolled, "user_name" | "tenant_name">): string {
  const who = e.user_name.trim() || "you";
  const tenant = e.tenant_name.trim();
  return tenant ? `Connected as ${who} (${tenant})` : `Connected as ${who}`;
}

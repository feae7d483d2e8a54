/**
 * CSDL conformance of calendar and event exchanges (the counterpart of `checkExchanges` in csdl.ts
 * for `/calendars`, `/calendar`, `/events`, `instances`, `calendarView` and its delta): request
 * bodies a client sent and every entity answered — members of `value`, expanded
 * `exceptionOccurrences` included (they are events, checked as part of their master) — against the
 * official v1.0 CSDL. `@removed` rows are annotations the CSDL check accepts.
 */
import { loadGraphSchema, type LoggedExchange } from "./csdl.js";

/** The entity type a calendar path's answers and bodies hold (undefined: none to check). */
export function calendarTypeOfPath(path: string): "calendar" | "event" | undefined {
  const p = path.replace(/^\/(me|users\/[^/]+)/, "");
  if (/^\/calendars(\/[^/]+)?$/.test(p) || p === "/calendar") return "calendar";
  // An action's parameters, and an event's attachments (the attachments module checks those), are not events.
  if (/\/(cancel|microsoft\.graph\.cancel)$/.test(p) || /\/attachments(\/|$)/.test(p)) return undefined;
  if (/^\/(calendar\/|calendars\/[^/]+\/)?(events|calendarView)(\/|$)/.test(p)) return "event";
  return undefined;
}

/** Violations of the CSDL in the logged calendar exchanges, each prefixed with its request. */
export function checkCalendarExchanges(exchanges: readonly LoggedExchange[], schema = loadGraphSchema()): string[] {
  const out: string[] = [];
  for (const x of exchanges) {
    const path = x.url.split("?")[0]!;
    if (path === "/$batch") continue;
    const type = calendarTypeOfPath(path);
    if (!type) continue;
    const where = `${x.method} ${path}`;
    if (x.body !== undefined && x.method !== "GET") out.push(...schema.check(type, x.body).map((v) => `${where} request: ${v}`));
    if (x.status >= 400 || x.response === undefined) continue;
    const answer = x.response as Record<string, unknown>;
    const members = Array.isArray(answer.value) ? (answer.value as unknown[]) : [answer];
    for (const m of members) out.push(...schema.check(type, m).map((v) => `${where} answer: ${v}`));
  }
  return out;
}

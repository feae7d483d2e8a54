/**
 * VTIMEZONE ⇄ transitions. Writing compresses a list of offset transitions into STANDARD/DAYLIGHT
 * observances: runs of yearly changes on the same rule become one RRULE (open-ended when the run
 * reaches the end of the data), one-off changes become RDATEs. Reading expands the observances of a
 * VTIMEZONE (RRULE, RDATE, DTSTART; offsets to the second) back into transitions — an RRULE only when
 * it is one a zone can have (`zone-rule.ts`); any other makes the VTIMEZONE invalid.
 *
 * VTIMEZONE blocks for IANA zones are generated from the runtime's own zone data (`Intl`) for
 * 1970–2037 with the rule in force at the end left open, so they agree with the offsets the runtime
 * computes — including zones whose rules changed (Brazil, Egypt, Morocco …), which a block carrying
 * only today's rule would get wrong for past events.
 */
import { escapeText as escapeVObjectText } from "@ewsdav/vobject";
import ICAL from "ical.js";
import { currentLimits } from "../limits.js";
import {
  DAY_MS,
  daysInMonth,
  fieldsOf,
  formatICalDateTime,
  formatUtcOffset,
  ICAL_WEEKDAYS,
  localMs,
  parseUtcOffset,
  timeOfDayMs,
  weekdayOf,
} from "./clock.js";
import { ianaTransitions, ianaOffsetSeconds, markDaylight } from "./iana.js";
import type { ZoneTransition } from "./zone.js";
import { checkZoneRule, expandZoneRule } from "./zone-rule.js";

/** A component in jCal form: `[name, properties, subcomponents]`. */
export type JCalComponent = [string, JCalProperty[], JCalComponent[]];
/** A property in jCal form: `[name, params, valueType, ...values]`. */
export type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];

/** First year of generated VTIMEZONE data. */
export const VTIMEZONE_FIRST_YEAR = 1970;
/** Last year of generated data; a rule still in force then is written open-ended. */
export const VTIMEZONE_LAST_YEAR = 2037;

/** Escapes a TEXT value (RFC 5545 §3.3.11) with `@ewsdav/vobject`'s iCalendar rules. */
function escapeText(value: string): string {
  return escapeVObjectText(value, "icalendar");
}

interface Run {
  kind: "STANDARD" | "DAYLIGHT";
  from: number;
  to: number;
  name: string | undefined;
  items: ZoneTransition[];
  rule: string | null;
}

function ruleCandidates(local: number): string[] {
  const f = fieldsOf(local);
  const weekday = ICAL_WEEKDAYS[weekdayOf(local)]!;
  const out: string[] = [];
  if (f.day <= 28) out.push(`BYDAY=${Math.ceil(f.day / 7)}${weekday}`);
  if (f.day + 7 > daysInMonth(f.year, f.month)) out.push(`BYDAY=-1${weekday}`);
  out.push(`BYMONTHDAY=${f.day}`);
  return out;
}

/** Options of {@link writeVTimezone}. */
export interface WriteVTimezoneOptions {
  /** Year the data starts; an observance holding the initial offset is dated 1 January of it. */
  firstYear?: number;
  /** Last year of the data; a rule with a change in this year is written without UNTIL. */
  lastYear?: number;
  /** Extra properties for the VTIMEZONE (e.g. `X-LIC-LOCATION`), as content lines. */
  extraLines?: string[];
}

/**
 * Writes a VTIMEZONE (content lines joined with CRLF, no final CRLF) for the zone whose offset is
 * `initialOffset` at the start of `firstYear` and changes as `transitions` say.
 */
export function writeVTimezone(
  tzid: string,
  initialOffset: number,
  transitions: readonly ZoneTransition[],
  options: WriteVTimezoneOptions = {},
): string {
  const firstYear = options.firstYear ?? VTIMEZONE_FIRST_YEAR;
  const lastYear = options.lastYear ?? VTIMEZONE_LAST_YEAR;
  // Group transitions by what an RRULE keeps constant: kind, offsets, name, month and time of day.
  const groups = new Map<string, ZoneTransition[]>();
  for (const transition of transitions) {
    const local = transition.at + transition.from * 1000;
    const f = fieldsOf(local);
    const key = [transition.daylight, transition.from, transition.to, transition.name ?? "", f.month, timeOfDayMs(local)].join("|");
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(transition);
  }
  const runs: Run[] = [];
  for (const list of groups.values()) {
    let current: { items: ZoneTransition[]; rules: string[] } | null = null;
    const flush = (): void => {
      if (!current) return;
      const first = current.items[0]!;
      runs.push({
        kind: first.daylight ? "DAYLIGHT" : "STANDARD",
        from: first.from,
        to: first.to,
        name: first.name,
        items: current.items,
        rule: current.items.length > 1 ? current.rules[0]! : null,
      });
      current = null;
    };
    let previousYear = Number.NaN;
    for (const transition of list) {
      const local = transition.at + transition.from * 1000;
      const year = fieldsOf(local).year;
      const candidates = ruleCandidates(local);
      if (current) {
        const shared: string[] = current.rules.filter((rule) => candidates.includes(rule));
        if (year === previousYear + 1 && shared.length > 0) {
          current.items.push(transition);
          current.rules = shared;
          previousYear = year;
          continue;
        }
        flush();
      }
      current = { items: [transition], rules: candidates };
      previousYear = year;
    }
    flush();
  }
  const lines: string[] = ["BEGIN:VTIMEZONE", `TZID:${escapeText(tzid)}`, ...(options.extraLines ?? [])];
  const observances: Array<{ start: number; lines: string[] }> = [];
  const firstAt = transitions[0]?.at ?? Number.POSITIVE_INFINITY;
  const initialStart = localMs(firstYear, 1, 1);
  if (firstAt > initialStart - initialOffset * 1000) {
    observances.push({
      start: initialStart,
      lines: ["BEGIN:STANDARD", `TZOFFSETFROM:${formatUtcOffset(initialOffset)}`, `TZOFFSETTO:${formatUtcOffset(initialOffset)}`, `DTSTART:${formatICalDateTime(initialStart)}`, "END:STANDARD"],
    });
  }
  // One-off changes with the same kind, offsets and name share one observance with RDATEs.
  const singles = new Map<string, Run[]>();
  for (const run of runs) {
    if (run.rule) {
      const first = run.items[0]!;
      const last = run.items[run.items.length - 1]!;
      const start = first.at + first.from * 1000;
      const open = fieldsOf(last.at + last.from * 1000).year >= lastYear;
      const rrule = `RRULE:FREQ=YEARLY;BYMONTH=${fieldsOf(start).month};${run.rule}${open ? "" : `;UNTIL=${formatICalDateTime(last.at)}Z`}`;
      observances.push({ start, lines: observanceLines(run, start, [rrule]) });
    } else {
      const key = [run.kind, run.from, run.to, run.name ?? ""].join("|");
      let list = singles.get(key);
      if (!list) singles.set(key, (list = []));
      list.push(run);
    }
  }
  for (const list of singles.values()) {
    const items = list.flatMap((run) => run.items).sort((a, b) => a.at - b.at);
    const starts = items.map((item) => item.at + item.from * 1000);
    const extra = starts.length > 1 ? starts.map((start) => `RDATE:${formatICalDateTime(start)}`) : [];
    observances.push({ start: starts[0]!, lines: observanceLines(list[0]!, starts[0]!, extra) });
  }
  observances.sort((a, b) => a.start - b.start);
  for (const observance of observances) lines.push(...observance.lines);
  lines.push("END:VTIMEZONE");
  return lines.join("\r\n");
}

function observanceLines(run: Run, start: number, extra: string[]): string[] {
  return [
    `BEGIN:${run.kind}`,
    `TZOFFSETFROM:${formatUtcOffset(run.from)}`,
    `TZOFFSETTO:${formatUtcOffset(run.to)}`,
    ...(run.name ? [`TZNAME:${escapeText(run.name)}`] : []),
    `DTSTART:${formatICalDateTime(start)}`,
    ...extra,
    `END:${run.kind}`,
  ];
}

const ianaBlocks = new Map<string, string>();

/**
 * The VTIMEZONE for an IANA zone, generated from the runtime's zone data for 1970–2037 (cached).
 * `tzid` defaults to the zone name; pass another when the object names the zone differently.
 */
export function vtimezoneForIana(zone: string, tzid: string = zone): string {
  const cacheKey = `${zone}\u0000${tzid}`;
  let block = ianaBlocks.get(cacheKey);
  if (!block) {
    const transitions = ianaTransitions(zone, VTIMEZONE_FIRST_YEAR, VTIMEZONE_LAST_YEAR);
    const initial = ianaOffsetSeconds(zone, localMs(VTIMEZONE_FIRST_YEAR, 1, 1));
    block = writeVTimezone(tzid, initial, transitions, { extraLines: [`X-LIC-LOCATION:${escapeText(zone)}`] });
    ianaBlocks.set(cacheKey, block);
  }
  return block;
}

/** Transitions read from a VTIMEZONE, with the offset in force before the first of them. */
export interface ReadZoneTransitions {
  /** The VTIMEZONE's TZID. */
  tzid: string;
  /** Offset (seconds east of UTC) before the first onset. */
  initialOffset: number;
  /** The offset changes, in order. */
  transitions: ZoneTransition[];
  /**
   * Why the VTIMEZONE cannot be used, when it cannot: an RRULE no time zone can have (see
   * `zone-rule.ts`), or more observances or onsets than the mappers accept. The transitions are
   * then empty and the zone is to be treated as unknown.
   */
  invalid?: string;
}

function propertyOf(component: JCalComponent, name: string): JCalProperty | undefined {
  return component[1].find((property) => property[0] === name);
}

function textValue(property: JCalProperty | undefined): string | undefined {
  const value = property?.[3];
  return value === undefined || value === null ? undefined : String(value);
}

function localOfJCal(value: string): number | null {
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d))?/.exec(value);
  if (!match) return null;
  return localMs(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
}

/**
 * Expands a VTIMEZONE (jCal) into transitions up to the end of `lastYear` (never past the
 * mappers' horizon year). Observances without DTSTART or offsets are skipped. An RRULE is expanded
 * only when it is one a zone can have (`zone-rule.ts`), its UNTIL read in UTC; any other RRULE, or
 * more observances or onsets than `maxZoneOnsets`, makes the whole VTIMEZONE invalid (`invalid`
 * says why, and no transitions are returned).
 */
export function readVTimezone(component: JCalComponent, lastYear = 2100): ReadZoneTransitions {
  const tzid = textValue(propertyOf(component, "tzid")) ?? "";
  const limits = currentLimits();
  const invalid = (reason: string): ReadZoneTransitions => ({ tzid, initialOffset: 0, transitions: [], invalid: reason });
  const all: ZoneTransition[] = [];
  const horizon = localMs(Math.min(lastYear, limits.horizonYear) + 1, 1, 1);
  const observances = component[2].filter((observance) => ["standard", "daylight"].includes(observance[0].toLowerCase()));
  if (observances.length > limits.maxZoneOnsets) return invalid(`${observances.length} observances, more than the ${limits.maxZoneOnsets} the mappers accept`);
  for (const observance of observances) {
    const kind = observance[0].toLowerCase();
    const from = parseUtcOffset(textValue(propertyOf(observance, "tzoffsetfrom")) ?? "");
    const to = parseUtcOffset(textValue(propertyOf(observance, "tzoffsetto")) ?? "");
    const startText = textValue(propertyOf(observance, "dtstart"));
    const start = startText ? localOfJCal(startText) : null;
    if (from === null || to === null || start === null) continue;
    const name = textValue(propertyOf(observance, "tzname"));
    const starts = new Set<number>([start]);
    for (const property of observance[1]) {
      if (property[0] !== "rdate") continue;
      if (starts.size + property.length - 3 > limits.maxZoneOnsets) return invalid(`a ${kind.toUpperCase()} observance lists more than ${limits.maxZoneOnsets} onsets`);
      for (const value of property.slice(3)) {
        const text = typeof value === "string" ? value : String((value as { start?: unknown })?.start ?? "");
        const local = localOfJCal(text);
        if (local === null) continue;
        // An RDATE in UTC is an instant; a local one is read in TZOFFSETFROM. A DATE takes DTSTART's time.
        if (text.endsWith("Z")) starts.add(local + from * 1000);
        else if (text.length === 10) starts.add(local + timeOfDayMs(start));
        else starts.add(local);
      }
    }
    for (const property of observance[1]) {
      if (property[0] !== "rrule") continue;
      const data = property[3];
      if (!data || typeof data !== "object") return invalid(`unreadable RRULE in a ${kind.toUpperCase()} observance`);
      const rule = checkZoneRule(data as Record<string, unknown>, start);
      if ("refused" in rule) return invalid(`the RRULE of a ${kind.toUpperCase()} observance is not one a time zone can have: ${rule.refused}`);
      let untilLocal: number | null = null;
      const untilText = (data as Record<string, unknown>).until;
      if (typeof untilText === "string") {
        const until = localOfJCal(untilText);
        if (until === null) return invalid(`unreadable UNTIL "${untilText.slice(0, 40)}" in a ${kind.toUpperCase()} observance`);
        untilLocal = untilText.endsWith("Z") ? until + from * 1000 : until;
      }
      for (const local of expandZoneRule(rule, start, horizon, untilLocal)) starts.add(local);
    }
    for (const local of starts) {
      if (local >= horizon) continue;
      all.push({ at: local - from * 1000, from, to, daylight: kind === "daylight", ...(name ? { name } : {}) });
    }
  }
  all.sort((a, b) => a.at - b.at);
  // Before the first onset the zone has that onset's TZOFFSETFROM (RFC 5545 §3.6.5). Onsets that
  // do not change the offset (a first observance restating it, duplicates) are dropped.
  const initialOffset = all[0]?.from ?? 0;
  const transitions: ZoneTransition[] = [];
  let offset = initialOffset;
  for (const transition of all) {
    if (transition.to === offset) continue;
    transitions.push({ ...transition, from: offset });
    offset = transition.to;
  }
  return { tzid, initialOffset, transitions };
}

/** Recomputes daylight flags of transitions read from a source that does not say (see `markDaylight`). */
export function inferDaylight(transitions: ZoneTransition[]): void {
  markDaylight(transitions);
}

/** Parses VTIMEZONE text (a bare VTIMEZONE or a VCALENDAR holding one) into jCal, or null. */
export function parseVTimezoneText(text: string): JCalComponent | null {
  try {
    const parsed = ICAL.parse(text.includes("BEGIN:VCALENDAR") ? text : `BEGIN:VCALENDAR\r\n${text}\r\nEND:VCALENDAR`) as unknown;
    const root = (Array.isArray(parsed) && typeof parsed[0] === "string" ? parsed : (parsed as unknown[])[0]) as JCalComponent;
    return root[2].find((child) => child[0] === "vtimezone") ?? null;
  } catch {
    return null;
  }
}

/** Days between the epoch and a local-time number, for callers that bucket by day. */
export function dayNumber(local: number): number {
  return Math.floor(local / DAY_MS);
}

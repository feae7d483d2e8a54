/**
 * EWS `TimeZoneDefinition` (periods, transition groups, transitions) ⇄ offset transitions, and the
 * Exchange 2007 `MeetingTimeZone` (`TimeZoneType`). Through transitions a definition becomes a
 * VTIMEZONE and back, so custom zones ("Customized Time Zone", zones no table knows) are carried
 * exactly: the same offset at every instant, the same id and name.
 *
 * Reading: each top-level transition switches to a group (or a period) from its instant on; a group
 * of recurring transitions repeats them every year; a group with one plain transition is a fixed
 * offset. Writing: years are grouped into eras with the same yearly rule (two changes on an n-th or
 * last weekday or a fixed day) or no change; an era starts with an `AbsoluteDateTransition` on
 * 1 January; a year that fits no rule gets one `AbsoluteDateTransition` per change, to a fixed group.
 */
import type {
  AbsoluteDateTransition,
  DayOfWeek,
  DayOfWeekIndex,
  LegacyTimeZone,
  RecurringDateTransition,
  RecurringDayTransition,
  TimeChange,
  TimeZoneDefinition,
  TimeZonePeriod,
  Transition,
  TransitionList,
} from "@ewsdav/ews-client";
import { checkBudget, checkCount, currentLimits } from "../limits.js";
import { MapperError } from "../result.js";
import {
  daysInMonth,
  EWS_MONTHS,
  EWS_WEEKDAYS,
  fieldsOf,
  formatIsoDateTime,
  formatXsDuration,
  localMs,
  nthWeekdayOfMonth,
  parseXsDuration,
  timeOfDayMs,
  weekdayOf,
} from "./clock.js";
import { markDaylight } from "./iana.js";
import type { ZoneTransition } from "./zone.js";

/** Transitions of a definition with the offset in force before the first. */
export interface DefinitionTransitions {
  /** Offset (seconds east of UTC) before the first transition. */
  initialOffset: number;
  /** The offset changes, in order. */
  transitions: ZoneTransition[];
}

interface PeriodInfo {
  offset: number;
  name: string | undefined;
  daylight: boolean;
}

function weekdayIndex(day: DayOfWeek): number {
  const index = (EWS_WEEKDAYS as readonly string[]).indexOf(day);
  if (index < 0) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `transition on "${day}" is not a single weekday`);
  return index;
}

function parseAbsoluteDateTime(text: string, offsetBefore: number): number {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$/.exec(text.trim());
  if (!match) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `AbsoluteDateTransition DateTime "${text}" is not an xs:dateTime`);
  const local = localMs(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]));
  const zone = match[7];
  if (zone === "Z") return local;
  if (zone) {
    const sign = zone.startsWith("-") ? -1 : 1;
    return local - sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60) * 1000;
  }
  return local - offsetBefore * 1000;
}

/** True when a definition carries rules (periods), not just an id. */
export function hasRules(definition: TimeZoneDefinition | undefined): boolean {
  return !!definition?.periods && definition.periods.length > 0;
}

/**
 * Expands a definition into transitions up to the end of `lastYear`. Throws {@link MapperError}
 * `INVALID_VALUE` naming `TimeZoneDefinition` when it references a period or group it does not
 * define, or a duration cannot be read.
 */
export function definitionTransitions(definition: TimeZoneDefinition, firstYear = 1970, lastYear = 2100): DefinitionTransitions {
  const periods = new Map<string, PeriodInfo>();
  for (const period of definition.periods ?? []) {
    const bias = parseXsDuration(period.bias ?? "PT0M");
    if (bias === null) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `period "${period.id ?? ""}" has an unreadable Bias "${period.bias}"`);
    const label = `${period.name ?? ""} ${period.id ?? ""}`;
    periods.set(period.id ?? "", { offset: bias === 0 ? 0 : -bias, name: period.name, daylight: /daylight|summer|dst/i.test(label) });
  }
  const groups = new Map<string, Transition[]>();
  for (const group of definition.transitionsGroups ?? []) groups.set(group.id ?? "", group.transitions);
  const limits = currentLimits();
  const transitionCount = (definition.transitions?.transitions?.length ?? 0) + (definition.transitionsGroups ?? []).reduce((sum, group) => sum + (group.transitions?.length ?? 0), 0);
  checkCount("TimeZoneDefinition", transitionCount + (definition.periods?.length ?? 0), limits.maxZoneTransitions, "periods and transitions");
  lastYear = Math.min(lastYear, limits.horizonYear);
  const period = (id: string): PeriodInfo => {
    const found = periods.get(id);
    if (!found) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `transition to unknown period "${id}"`);
    return found;
  };

  // Top-level eras: [start instant, group or period target].
  const top = definition.transitions?.transitions ?? [];
  if (top.length === 0 && periods.size === 1) {
    const only = [...periods.values()][0]!;
    return { initialOffset: only.offset, transitions: [] };
  }
  const horizon = localMs(lastYear + 1, 1, 1);
  const out: ZoneTransition[] = [];
  let offset: number | null = null;
  let initialOffset = 0;
  const emit = (at: number, info: PeriodInfo): void => {
    if (offset === null) {
      offset = info.offset;
      initialOffset = info.offset;
      return;
    }
    if (info.offset === offset) return;
    out.push({ at, from: offset, to: info.offset, daylight: info.daylight, ...(info.name ? { name: info.name } : {}) });
    offset = info.offset;
  };
  for (let index = 0; index < top.length; index++) {
    const entry = top[index]!;
    const start = entry.kind === "AbsoluteDateTransition" ? parseAbsoluteDateTime((entry as AbsoluteDateTransition).dateTime, offset ?? 0) : Number.NEGATIVE_INFINITY;
    const nextEntry = top[index + 1];
    const endGuess = nextEntry?.kind === "AbsoluteDateTransition" ? parseAbsoluteDateTime((nextEntry as AbsoluteDateTransition).dateTime, offset ?? 0) : horizon;
    const target = entry.to;
    if (target.kind === "Period") {
      emit(start, period(target.value));
      continue;
    }
    const group = groups.get(target.value);
    if (!group) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `transition to unknown group "${target.value}"`);
    const recurring = group.filter((t): t is RecurringDayTransition | RecurringDateTransition => t.kind === "RecurringDayTransition" || t.kind === "RecurringDateTransition");
    if (recurring.length === 0) {
      const plain = group.find((t) => t.to.kind === "Period");
      if (plain) emit(start, period(plain.to.value));
      continue;
    }
    // Yearly changes: local time of each change in each year, read in the offset before it.
    const startYear = Number.isFinite(start) ? fieldsOf(start).year : firstYear;
    const endYear = Math.min(fieldsOf(Math.min(endGuess, horizon - 1)).year, lastYear);
    const yearly: Array<{ local: number; info: PeriodInfo }> = [];
    for (let year = startYear - 1; year <= endYear; year++) {
      checkBudget("TimeZoneDefinition");
      for (const rule of recurring) {
        const timeOfDay = parseXsDuration(rule.timeOffset);
        if (timeOfDay === null) throw new MapperError("INVALID_VALUE", "TimeZoneDefinition", `unreadable TimeOffset "${rule.timeOffset}"`);
        let day: number;
        if (rule.kind === "RecurringDayTransition") {
          const week = rule.occurrence >= 5 || rule.occurrence < 0 ? -1 : rule.occurrence;
          day = nthWeekdayOfMonth(year, rule.month, weekdayIndex(rule.dayOfWeek), week);
        } else {
          day = localMs(year, rule.month, Math.min(rule.day, daysInMonth(year, rule.month)));
        }
        yearly.push({ local: day + timeOfDay * 1000, info: period(rule.to.value) });
      }
    }
    yearly.sort((a, b) => a.local - b.local);
    if (yearly.length === 0) continue;
    // Offset in force at the era's start: the period the last change before it led to.
    let current = yearly[yearly.length - 1]!.info;
    for (let i = 0; i < yearly.length; i++) {
      const before = i === 0 ? yearly[yearly.length - 1]!.info : yearly[i - 1]!.info;
      const at = yearly[i]!.local - before.offset * 1000;
      if (at <= start) current = yearly[i]!.info;
    }
    emit(start, current);
    for (let i = 0; i < yearly.length; i++) {
      const before = i === 0 ? yearly[yearly.length - 1]!.info : yearly[i - 1]!.info;
      const at = yearly[i]!.local - before.offset * 1000;
      if (at <= start || at >= endGuess || at >= horizon) continue;
      emit(at, yearly[i]!.info);
    }
  }
  if (offset === null) {
    const first = [...periods.values()][0];
    return { initialOffset: first?.offset ?? 0, transitions: [] };
  }
  return { initialOffset, transitions: out };
}

/** Options of {@link definitionFromTransitions}. */
export interface DefinitionFromTransitionsOptions {
  /** First year of the data. */
  firstYear?: number;
  /** Last year of the data; the era in force then stays in force. */
  lastYear?: number;
}

interface YearShape {
  year: number;
  changes: ZoneTransition[];
  /** For a two-change year: candidate rules per change (`d:<week>:<weekday>` or `m:<day>`). */
  rules: string[][] | null;
  /** Offset in force on 1 January. */
  startOffset: number;
}

function candidates(local: number): string[] {
  const f = fieldsOf(local);
  const weekday = weekdayOf(local);
  const out: string[] = [];
  if (f.day <= 28) out.push(`d:${Math.ceil(f.day / 7)}:${weekday}`);
  if (f.day + 7 > daysInMonth(f.year, f.month)) out.push(`d:-1:${weekday}`);
  out.push(`m:${f.day}`);
  return out;
}

/**
 * Builds a definition from transitions: the inverse of {@link definitionTransitions} for the years
 * covered. `id` and `name` become the definition's `Id` and `Name`.
 */
export function definitionFromTransitions(
  id: string,
  name: string | undefined,
  initialOffset: number,
  transitions: readonly ZoneTransition[],
  options: DefinitionFromTransitionsOptions = {},
): TimeZoneDefinition {
  const firstYear = options.firstYear ?? 1970;
  const lastYear = options.lastYear ?? 2037;
  const periods: TimeZonePeriod[] = [];
  const periodIds = new Map<string, string>();
  const periodFor = (offset: number, daylight: boolean, periodName: string | undefined): string => {
    const label = periodName ?? (daylight ? "Daylight" : "Standard");
    const key = `${offset}|${daylight}|${label}`;
    let periodId = periodIds.get(key);
    if (!periodId) {
      periodId = `${label}-${periods.length}`;
      periodIds.set(key, periodId);
      periods.push({ bias: formatXsDuration(-offset), name: label, id: periodId });
    }
    return periodId;
  };
  const groups: TransitionList[] = [];
  const groupIds = new Map<string, string>();
  const groupFor = (key: string, build: () => Transition[]): string => {
    let groupId = groupIds.get(key);
    if (!groupId) {
      groupId = String(groups.length);
      groupIds.set(key, groupId);
      groups.push({ id: groupId, transitions: build() });
    }
    return groupId;
  };
  const fixedGroup = (offset: number, daylight: boolean, periodName: string | undefined): string =>
    groupFor(`f|${offset}|${daylight}|${periodName ?? ""}`, () => [{ kind: "Transition", to: { kind: "Period", value: periodFor(offset, daylight, periodName) } }]);

  // Shape of each year.
  const years: YearShape[] = [];
  let offset = initialOffset;
  let cursor = 0;
  const dataStart = localMs(firstYear, 1, 1);
  while (cursor < transitions.length && transitions[cursor]!.at + transitions[cursor]!.from * 1000 < dataStart) offset = transitions[cursor++]!.to;
  for (let year = firstYear; year <= lastYear; year++) {
    const end = localMs(year + 1, 1, 1);
    const changes: ZoneTransition[] = [];
    while (cursor < transitions.length && transitions[cursor]!.at + transitions[cursor]!.from * 1000 < end) changes.push(transitions[cursor++]!);
    const startOffset = offset;
    if (changes.length > 0) offset = changes[changes.length - 1]!.to;
    let rules: string[][] | null = null;
    if (changes.length === 2 && changes[1]!.to === startOffset && changes[0]!.from === startOffset) {
      rules = changes.map((change) => candidates(change.at + change.from * 1000));
    }
    years.push({ year, changes, rules, startOffset });
  }
  // Eras of consecutive years with the same shape.
  const top: Transition[] = [];
  let previousDescription = "";
  const switchTo = (groupId: string, at: number | null): void => {
    if (at === null) {
      top.push({ kind: "Transition", to: { kind: "Group", value: groupId } });
      return;
    }
    top.push({ kind: "AbsoluteDateTransition", to: { kind: "Group", value: groupId }, dateTime: `${formatIsoDateTime(at)}Z` });
  };
  let index = 0;
  while (index < years.length) {
    const shape = years[index]!;
    const jan1 = localMs(shape.year, 1, 1) - shape.startOffset * 1000;
    if (shape.changes.length === 0) {
      let end = index;
      while (end + 1 < years.length && years[end + 1]!.changes.length === 0) end++;
      const description = `f${shape.startOffset}`;
      if (description !== previousDescription) {
        const last = transitions.filter((t) => t.at <= jan1).pop();
        switchTo(fixedGroup(shape.startOffset, last?.daylight ?? false, last?.name), top.length === 0 ? null : jan1);
        previousDescription = description;
      }
      index = end + 1;
      continue;
    }
    if (shape.rules) {
      let shared = shape.rules.map((list) => [...list]);
      let end = index;
      const same = (other: YearShape): boolean =>
        !!other.rules &&
        other.startOffset === shape.startOffset &&
        other.changes.every((change, i) => {
          const mine = shape.changes[i]!;
          const local = change.at + change.from * 1000;
          const mineLocal = mine.at + mine.from * 1000;
          return change.to === mine.to && change.daylight === mine.daylight && change.name === mine.name && fieldsOf(local).month === fieldsOf(mineLocal).month && timeOfDayMs(local) === timeOfDayMs(mineLocal);
        });
      while (end + 1 < years.length && same(years[end + 1]!)) {
        const next = shared.map((list, i) => list.filter((rule) => years[end + 1]!.rules![i]!.includes(rule)));
        if (next.some((list) => list.length === 0)) break;
        shared = next;
        end++;
      }
      const transitionsOfGroup: Transition[] = shape.changes.map((change, i) => {
        const local = change.at + change.from * 1000;
        const f = fieldsOf(local);
        const rule = shared[i]![0]!;
        const to = { kind: "Period" as const, value: periodFor(change.to, change.daylight, change.name) };
        const timeOffset = formatXsDuration(timeOfDayMs(local) / 1000);
        if (rule.startsWith("d:")) {
          const [, week, weekday] = rule.split(":");
          return { kind: "RecurringDayTransition", to, timeOffset, month: f.month, dayOfWeek: EWS_WEEKDAYS[Number(weekday)]! as DayOfWeek, occurrence: Number(week) };
        }
        return { kind: "RecurringDateTransition", to, timeOffset, month: f.month, day: Number(rule.slice(2)) };
      });
      const description = `r${JSON.stringify(transitionsOfGroup)}`;
      const groupId = groupFor(`r|${description}`, () => transitionsOfGroup);
      if (description !== previousDescription) {
        switchTo(groupId, top.length === 0 ? null : jan1);
        previousDescription = description;
      }
      index = end + 1;
      continue;
    }
    // A year no rule describes: first make sure the offset on 1 January is right, then each change.
    if (top.length === 0) switchTo(fixedGroup(shape.startOffset, false, undefined), null);
    else if (previousDescription.startsWith("r")) switchTo(fixedGroup(shape.startOffset, false, undefined), jan1);
    for (const change of shape.changes) switchTo(fixedGroup(change.to, change.daylight, change.name), change.at);
    previousDescription = `x${shape.changes[shape.changes.length - 1]!.to}`;
    index++;
  }
  const definition: TimeZoneDefinition = { id, periods, transitionsGroups: groups, transitions: { transitions: top } };
  if (name !== undefined) definition.name = name;
  return definition;
}

/** Recomputes daylight flags (see `markDaylight`). */
export function inferDefinitionDaylight(transitions: ZoneTransition[]): void {
  markDaylight(transitions);
}

const INDEX_NAMES: DayOfWeekIndex[] = ["First", "Second", "Third", "Fourth", "Last"];

/**
 * The Exchange 2007 `MeetingTimeZone` for a zone: its rule in force in `year` (2007-era servers
 * know one rule per zone). Null when the zone's changes in that year fit no yearly rule.
 */
export function legacyTimeZoneFromTransitions(
  name: string | undefined,
  initialOffset: number,
  transitions: readonly ZoneTransition[],
  year: number,
): LegacyTimeZone | null {
  const definition = definitionFromTransitions(name ?? "", name, initialOffset, transitions, { firstYear: year, lastYear: year });
  const group = definition.transitionsGroups?.[0];
  if (!group) return null;
  const periodsById = new Map((definition.periods ?? []).map((p) => [p.id ?? "", p]));
  if (group.transitions.length === 1) {
    const only = periodsById.get(group.transitions[0]!.to.value);
    return { ...(name ? { timeZoneName: name } : {}), baseOffset: only?.bias ?? "PT0M" };
  }
  if (group.transitions.length !== 2 || group.transitions.some((t) => t.kind !== "RecurringDayTransition")) return null;
  const [a, b] = group.transitions as [RecurringDayTransition, RecurringDayTransition];
  const biasOf = (t: RecurringDayTransition): number => parseXsDuration(periodsById.get(t.to.value)?.bias ?? "PT0M") ?? 0;
  // Standard is the period with the larger bias (smaller offset).
  const [standard, daylight] = biasOf(a) >= biasOf(b) ? [a, b] : [b, a];
  const base = biasOf(standard);
  const change = (t: RecurringDayTransition): TimeChange => {
    const seconds = parseXsDuration(t.timeOffset) ?? 0;
    const time = `${String(Math.floor(seconds / 3600)).padStart(2, "0")}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
    return {
      offset: formatXsDuration(biasOf(t) - base),
      relativeYearlyRecurrence: {
        kind: "RelativeYearlyRecurrence",
        daysOfWeek: t.dayOfWeek,
        dayOfWeekIndex: INDEX_NAMES[t.occurrence < 0 || t.occurrence >= 5 ? 4 : t.occurrence - 1]!,
        month: EWS_MONTHS[t.month - 1]!,
      },
      time,
    };
  };
  return { ...(name ? { timeZoneName: name } : {}), baseOffset: formatXsDuration(base), standard: change(standard), daylight: change(daylight) };
}

/** The definition an Exchange 2007 `MeetingTimeZone` describes: one group, repeating every year. */
export function definitionFromLegacyTimeZone(legacy: LegacyTimeZone): TimeZoneDefinition {
  const base = parseXsDuration(legacy.baseOffset ?? "PT0M");
  if (base === null) throw new MapperError("INVALID_VALUE", "MeetingTimeZone", `unreadable BaseOffset "${legacy.baseOffset}"`);
  const id = legacy.timeZoneName ?? "Legacy Time Zone";
  const stdOffset = parseXsDuration(legacy.standard?.offset ?? "PT0M") ?? 0;
  const periods: TimeZonePeriod[] = [{ id: "Standard", name: "Standard", bias: formatXsDuration(base + stdOffset) }];
  if (!legacy.standard || !legacy.daylight || !legacy.daylight.relativeYearlyRecurrence || !legacy.standard.relativeYearlyRecurrence) {
    return { id, name: id, periods, transitionsGroups: [{ id: "0", transitions: [{ kind: "Transition", to: { kind: "Period", value: "Standard" } }] }], transitions: { transitions: [{ kind: "Transition", to: { kind: "Group", value: "0" } }] } };
  }
  const dstOffset = parseXsDuration(legacy.daylight.offset) ?? 0;
  periods.push({ id: "Daylight", name: "Daylight", bias: formatXsDuration(base + dstOffset) });
  const rule = (change: TimeChange, target: string): RecurringDayTransition => {
    const pattern = change.relativeYearlyRecurrence!;
    const [h, m, s] = change.time.split(":").map((part) => Number(part));
    return {
      kind: "RecurringDayTransition",
      to: { kind: "Period", value: target },
      timeOffset: formatXsDuration((h ?? 0) * 3600 + (m ?? 0) * 60 + Math.round(s ?? 0)),
      month: EWS_MONTHS.indexOf(pattern.month as (typeof EWS_MONTHS)[number]) + 1,
      dayOfWeek: pattern.daysOfWeek,
      occurrence: pattern.dayOfWeekIndex === "Last" ? -1 : INDEX_NAMES.indexOf(pattern.dayOfWeekIndex) + 1,
    };
  };
  return {
    id,
    name: id,
    periods,
    transitionsGroups: [{ id: "0", transitions: [rule(legacy.daylight, "Daylight"), rule(legacy.standard, "Standard")] }],
    transitions: { transitions: [{ kind: "Transition", to: { kind: "Group", value: "0" } }] },
  };
}

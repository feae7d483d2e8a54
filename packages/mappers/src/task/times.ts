/**
 * DTSTART / DUE / COMPLETED of tasks ⇄ the `xs:dateTime` values of EWS tasks, keeping the form of
 * each iCalendar time (a date, a floating time, UTC, or a time in a TZID) so it survives a round
 * trip through Exchange: EWS keeps only the instant, ewsdav remembers the form in an extended
 * property of its own set ({@link EWSDAV_TASK_TIME_FORMS_PROPERTY}).
 */
import type { ExtendedFieldUri, ExtendedProperty, Task } from "@ewsdav/ews-client";
import { EWSDAV_PROPERTY_SET_ID } from "../identity.js";
import { MapperError } from "../result.js";
import { resolveTzid, type EventTimeZone, type JCalComponent, type TzidResolution } from "../timezone/index.js";
import type { JComponent, JProperty } from "../vobject/codec.js";
import type { TaskSeriesAnchor } from "./recurrence.js";

/** How an iCalendar time is written: `date`, `floating`, `utc`, or `tz:<TZID>`. */
export type TimeForm = "date" | "floating" | "utc" | `tz:${string}`;

/** The remembered forms of a task's DTSTART and DUE. */
export interface TaskTimeForms {
  /** The form DTSTART was written in. */
  start?: TimeForm;
  /** The form DUE was written in. */
  due?: TimeForm;
}

/** Extended field that remembers the forms of DTSTART and DUE (JSON `{"start":"tz:Europe/Berlin","due":"date"}`). */
export const EWSDAV_TASK_TIME_FORMS_PROPERTY: ExtendedFieldUri = Object.freeze({
  propertySetId: EWSDAV_PROPERTY_SET_ID,
  propertyName: "ewsdav-task-time-forms",
  propertyType: "String",
});

/** A time read from a VTODO: its instant and its form. */
export interface TaskTime {
  /** The instant (for dates and floating times: the wall clock read as UTC). */
  utcMs: number;
  /** How the time was written. */
  form: TimeForm;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const DAY_MS = 86_400_000;

/** `YYYY-MM-DDTHH:MM:SSZ` of an instant. */
export function ewsDateTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** Parses an EWS `xs:dateTime` (an offset or `Z`; none means UTC) to an instant, or null. */
export function parseEwsDateTime(value: string): number | null {
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([zZ]|[+-]\d{2}:\d{2})?$/.test(text)) return null;
  const ms = Date.parse(/T/.test(text) ? (/([zZ]|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`) : `${text}T00:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** The nearest UTC midnight of an instant (Exchange keeps task dates as a local midnight). */
export function nearestMidnight(ms: number): number {
  return Math.floor((ms + DAY_MS / 2) / DAY_MS) * DAY_MS;
}

function wallClock(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  const check = new Date(ms);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 60) return null;
  return ms;
}

/** A TZID resolver over the VTIMEZONEs of one calendar (IANA and Windows names need none). */
export class ZoneBook {
  private readonly cache = new Map<string, TzidResolution>();
  constructor(private readonly vtimezones: Map<string, JComponent>) {}
  /** The zone of a TZID, or null when unknown. */
  zone(tzid: string): EventTimeZone | null {
    return this.resolution(tzid).zone;
  }
  /** Why the calendar's VTIMEZONE for a TZID cannot be used, when it has one that cannot. */
  problem(tzid: string): string | undefined {
    return this.resolution(tzid).problem;
  }
  private resolution(tzid: string): TzidResolution {
    let found = this.cache.get(tzid);
    if (!found) {
      try {
        found = resolveTzid(tzid, (this.vtimezones.get(tzid) ?? null) as JCalComponent | null);
      } catch (error) {
        // A bound of the mappers (the time budget) fails the item; anything else reads as unknown.
        if (error instanceof MapperError && error.code === "LIMIT_EXCEEDED") throw error;
        found = { zone: null };
      }
      this.cache.set(tzid, found);
    }
    return found;
  }
  /** True when the calendar already has a VTIMEZONE for the TZID. */
  has(tzid: string): boolean {
    return this.vtimezones.has(tzid);
  }
}

/** Reads DTSTART / DUE / COMPLETED. Throws {@link MapperError} for values or zones it cannot read. */
export function readTaskTime(property: JProperty, zones: ZoneBook): TaskTime {
  const name = property[0].toUpperCase();
  const value = String(property[3] ?? "");
  const local = wallClock(value);
  if (local === null) throw new MapperError("INVALID_VALUE", name, `not a date or date-time: ${JSON.stringify(value.slice(0, 40))}`);
  if (property[2] === "date" || !value.includes("T")) return { utcMs: local, form: "date" };
  if (value.endsWith("Z")) return { utcMs: local, form: "utc" };
  const tzidParam = property[1].tzid;
  const tzid = Array.isArray(tzidParam) ? tzidParam[0] : tzidParam;
  if (tzid === undefined || tzid === "") return { utcMs: local, form: "floating" };
  const zone = zones.zone(tzid);
  if (!zone) {
    const problem = zones.problem(tzid);
    throw new MapperError("INVALID_VALUE", name, problem ? `the VTIMEZONE of ${JSON.stringify(tzid.slice(0, 60))} is invalid: ${problem}` : `unknown time zone ${JSON.stringify(tzid.slice(0, 60))} (no VTIMEZONE and not an IANA or Windows name)`);
  }
  return { utcMs: zone.toUtc(local), form: `tz:${tzid}` };
}

function isoLocal(ms: number): string {
  return ewsDateTime(ms).slice(0, 19);
}

/**
 * The property for an instant in a form. A zone that cannot be resolved falls back to UTC.
 * Returns the TZID whose VTIMEZONE the calendar needs, if any.
 */
export function writeTaskTime(name: string, utcMs: number, form: TimeForm, zones: ZoneBook): { property: JProperty; tzid: string | null } {
  if (form === "date") return { property: [name, {}, "date", isoLocal(nearestMidnight(utcMs)).slice(0, 10)], tzid: null };
  if (form === "floating") return { property: [name, {}, "date-time", isoLocal(utcMs)], tzid: null };
  if (form.startsWith("tz:")) {
    const tzid = form.slice(3);
    const zone = zones.zone(tzid);
    if (zone && !zone.isUtc) return { property: [name, { tzid }, "date-time", isoLocal(zone.toLocal(utcMs))], tzid };
  }
  return { property: [name, {}, "date-time", `${isoLocal(utcMs)}Z`], tzid: null };
}

/** The instant EWS keeps for a time: dates and floating times as UTC midnight / UTC wall clock. */
export function ewsValueOf(time: TaskTime): string {
  return ewsDateTime(time.utcMs);
}

/** Reads the remembered forms from a task's extended properties. */
export function readTimeForms(task: Task): TaskTimeForms {
  const property = task.extendedProperties?.find((candidate) => candidate.fieldUri.propertyName === EWSDAV_TASK_TIME_FORMS_PROPERTY.propertyName && (candidate.fieldUri.propertySetId ?? "").toLowerCase() === EWSDAV_PROPERTY_SET_ID);
  if (!property?.value) return {};
  try {
    const parsed = JSON.parse(property.value) as Record<string, unknown>;
    const valid = (form: unknown): form is TimeForm => typeof form === "string" && (form === "date" || form === "floating" || form === "utc" || (form.startsWith("tz:") && form.length > 3));
    const forms: TaskTimeForms = {};
    if (valid(parsed.start)) forms.start = parsed.start;
    if (valid(parsed.due)) forms.due = parsed.due;
    return forms;
  } catch {
    return {};
  }
}

/** The extended property remembering the forms, or null when there is nothing to remember. */
export function timeFormsProperty(forms: TaskTimeForms): ExtendedProperty | null {
  if (!forms.start && !forms.due) return null;
  const value: Record<string, string> = {};
  if (forms.start) value.start = forms.start;
  if (forms.due) value.due = forms.due;
  return { fieldUri: { ...EWSDAV_TASK_TIME_FORMS_PROPERTY }, value: JSON.stringify(value) };
}

/**
 * The anchor of a task series (see {@link TaskSeriesAnchor}) for its first start at `utcMs` in
 * `form`; a TZID that cannot be resolved is read as UTC.
 */
export function seriesAnchor(utcMs: number, form: TimeForm, zones: ZoneBook): TaskSeriesAnchor {
  const zone = form.startsWith("tz:") ? zones.zone(form.slice(3)) : null;
  if (zone) return { local: zone.toLocal(utcMs), dateOnly: false, floating: false, toLocal: (ms) => zone.toLocal(ms), toUtc: (local) => zone.toUtc(local) };
  return { local: utcMs, dateOnly: form === "date", floating: form === "floating", toLocal: (ms) => ms, toUtc: (local) => local };
}

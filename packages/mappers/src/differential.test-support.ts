/**
 * The differential check of the mappers' output (test support only: nothing in the package imports
 * it). Every mapper direction is run over the client-shaped fixtures and over EWS items and texts
 * drawn by fast-check from a fixed seed of its own ({@link DIFFERENTIAL_SEED}, not the suite's), and
 * each output is reduced to a digest. `differential.pinned.json` holds the digests the mappers of
 * BASE 3e7a8d2 (before the speed work of issue 16) gave for the same inputs, so the test proves that
 * the output stayed byte for byte what it was: texts are digested as written; items and dropped
 * lists as canonical JSON (sorted keys, so only a value or an order inside a list counts).
 *
 * `EWSDAV_PIN_DIFFERENTIAL=1 npx vitest run --project mappers src/differential.test.ts` rewrites the
 * pinned file from the mappers in the tree (to be run on BASE only).
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { CalendarItem, Contact, Task } from "@ewsdav/ews-client";
import { cardContent, cardStyle, cardText, ewsContact, ewsTask, todoContent, todoText } from "./arbitraries.test-support.js";
import { CONTACT_FIXTURES } from "./contact/client-fixtures.test-support.js";
import { itemArbitrary } from "./event/arbitraries.test-support.js";
import { EVENT_FIXTURES } from "./event/client-fixtures.test-support.js";
import { TASK_FIXTURES } from "./task/client-fixtures.test-support.js";
import { contactFromVCard, contactToVCard, eventFromVEvent, eventToVEvent, normalizeVCard, normalizeVEvent, normalizeVTodo, taskFromVTodo, taskToVTodo, vcardHash, veventHash, vtodoHash } from "./index.js";

/** The seed every generated input is drawn from (fixed: the pinned digests depend on it). */
export const DIFFERENTIAL_SEED = 160_016;
/** Generated inputs of each kind pinned (the suite checks the first {@link SUITE_RUNS}, fuzz mode all). */
export const PINNED_RUNS = 300;
/** Generated inputs of each kind the suite checks. */
export const SUITE_RUNS = 60;

/** Generated items' zones whose VTIMEZONE and local times (from the runtime's Intl data) differ between the runtimes CI runs. */
const RUNTIME_DEPENDENT_ZONES = new Set(["Asia/Tehran", "America/Sao_Paulo"]);

/** Canonical JSON: object keys sorted, errors as their code and message. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (entry instanceof Error) return { error: entry.name, code: (entry as { code?: unknown }).code, message: entry.message };
    if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
      return Object.fromEntries(Object.keys(entry as Record<string, unknown>).sort().map((key) => [key, (entry as Record<string, unknown>)[key]]));
    }
    return entry;
  });
}

function digest(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 10);
}

const DIGEST_LENGTH = 10;
const ABSENT = "-".repeat(DIGEST_LENGTH);

/**
 * The digests packed for the pinned file: keys `kind.source.index.direction` grouped by
 * `kind.source.direction`, each group one string of the digests in index order (a case not run is
 * dashes).
 */
export function packDigests(digests: Record<string, string>): Record<string, string> {
  const groups = new Map<string, string[]>();
  for (const [key, value] of Object.entries(digests)) {
    const [kind, source, index, direction] = key.split(".");
    const group = `${kind}.${source}.${direction}`;
    const list = groups.get(group) ?? [];
    list[Number(index)] = value;
    groups.set(group, list);
  }
  return Object.fromEntries([...groups].map(([group, list]) => [group, Array.from(list, (value) => value ?? ABSENT).join("")]));
}

/** The digests of a packed file by key (see {@link packDigests}). */
export function unpackDigests(packed: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [group, joined] of Object.entries(packed)) {
    const [kind, source, direction] = group.split(".");
    for (let index = 0; index * DIGEST_LENGTH < joined.length; index++) {
      const value = joined.slice(index * DIGEST_LENGTH, (index + 1) * DIGEST_LENGTH);
      if (value !== ABSENT) out[`${kind}.${source}.${index}.${direction}`] = value;
    }
  }
  return out;
}

/** The digest of one call: its text (a string result) or canonical JSON, or the error it threw. */
function outcome(run: () => unknown): string {
  try {
    const result = run();
    return digest(typeof result === "string" ? result : canonical(result));
  } catch (error) {
    return digest(`throw ${canonical(error)}`);
  }
}

/** A text edited at random: lines deleted, duplicated or swapped (the parser's odd paths). */
function mutated(text: string, edits: Array<[number, number, number]>): string {
  const lines = text.split(/\r\n/);
  for (const [kind, a, b] of edits) {
    if (lines.length < 3) break;
    const i = 1 + (a % (lines.length - 2));
    const j = 1 + (b % (lines.length - 2));
    if (kind === 0) lines.splice(i, 1);
    else if (kind === 1) lines.splice(i, 0, lines[j]!);
    else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return lines.join("\r\n");
}

const sample = <T>(arbitrary: fc.Arbitrary<T>, runs: number, offset: number): T[] => fc.sample(arbitrary, { seed: DIFFERENTIAL_SEED + offset, numRuns: runs });
const EDITS = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(400), fc.nat(400)), { minLength: 1, maxLength: 4 });
const NOW = new Date(0);

/**
 * The digest of every mapper direction over the fixtures and `runs` generated inputs of each kind,
 * keyed by a name that says which input and which direction (`contact.generated.17.new4`).
 */
export function differentialDigests(runs: number): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, run: () => unknown) => {
    out[key] = outcome(run);
  };

  // Contacts: each card read, written anew (3.0, 4.0) and merged onto itself; generated items
  // written anew and merged onto the fixtures (changed fields on a client's card).
  const cardBases = CONTACT_FIXTURES.map((fixture) => fixture.text);
  const contactTexts: Array<[string, string]> = [
    ...cardBases.map((text, index): [string, string] => [`fixture.${index}`, text]),
    ...sample(fc.tuple(cardContent, cardStyle), runs, 1).map(([content, style], index): [string, string] => [`text.${index}`, cardText(content, style)]),
    ...sample(EDITS, runs, 2).map((edits, index): [string, string] => [`mutated.${index}`, mutated(cardBases[index % cardBases.length]!, edits)]),
  ];
  for (const [name, text] of contactTexts) {
    const key = `contact.${name}`;
    put(`${key}.from`, () => contactFromVCard(text));
    let item: Contact | null = null;
    try {
      item = contactFromVCard(text).item;
    } catch {
      item = null;
    }
    if (item === null) continue;
    const read = item;
    put(`${key}.new3`, () => contactToVCard(read, { version: "3.0" }).text);
    put(`${key}.new4`, () => contactToVCard(read, { version: "4.0", uid: "new@ewsdav.test" }));
    put(`${key}.merge`, () => contactToVCard(read, { base: text }));
    put(`${key}.hash`, () => [vcardHash(text), normalizeVCard(text)]);
  }
  sample(ewsContact, runs, 3).forEach((item, index) => {
    const key = `contact.generated.${index}`;
    put(`${key}.new3`, () => contactToVCard(item, { version: "3.0" }));
    put(`${key}.new4`, () => contactToVCard(item, { version: "4.0" }).text);
    put(`${key}.merge`, () => contactToVCard(item, { base: cardBases[index % cardBases.length]! }));
    put(`${key}.mergeNew`, () => contactToVCard(item, { base: contactToVCard(item, { version: index % 2 === 0 ? "3.0" : "4.0" }).text }).text);
  });

  // Tasks.
  const todoBases = TASK_FIXTURES.map((fixture) => fixture.text);
  const todoTexts: Array<[string, string]> = [
    ...todoBases.map((text, index): [string, string] => [`fixture.${index}`, text]),
    ...sample(todoContent, runs, 4).map((content, index): [string, string] => [`text.${index}`, todoText(content)]),
    ...sample(EDITS, runs, 5).map((edits, index): [string, string] => [`mutated.${index}`, mutated(todoBases[index % todoBases.length]!, edits)]),
  ];
  for (const [name, text] of todoTexts) {
    const key = `task.${name}`;
    put(`${key}.from`, () => taskFromVTodo(text));
    let item: Task | null = null;
    try {
      item = taskFromVTodo(text).item;
    } catch {
      item = null;
    }
    if (item === null) continue;
    const read = item;
    put(`${key}.new`, () => taskToVTodo(read, { now: NOW }));
    put(`${key}.merge`, () => taskToVTodo(read, { base: text, now: NOW }));
    put(`${key}.hash`, () => [vtodoHash(text), normalizeVTodo(text)]);
  }
  sample(ewsTask, runs, 6).forEach((item, index) => {
    const key = `task.generated.${index}`;
    put(`${key}.new`, () => taskToVTodo(item, { now: NOW }));
    put(`${key}.merge`, () => taskToVTodo(item, { base: todoBases[index % todoBases.length]!, now: NOW }));
  });

  // Events: fixtures read, written anew and merged; generated items (single and series) written,
  // read back and merged onto what was written and onto the fixtures.
  const eventBases = EVENT_FIXTURES.map((fixture) => ({ text: fixture.text, zone: fixture.timeZone ?? "UTC" }));
  const eventTexts: Array<[string, string, string]> = [
    ...eventBases.map(({ text, zone }, index): [string, string, string] => [`fixture.${index}`, text, zone]),
    ...sample(EDITS, runs, 7).map((edits, index): [string, string, string] => [`mutated.${index}`, mutated(eventBases[index % eventBases.length]!.text, edits), eventBases[index % eventBases.length]!.zone]),
  ];
  for (const [name, text, zone] of eventTexts) {
    const key = `event.${name}`;
    put(`${key}.from`, () => eventFromVEvent(text, { timeZone: zone }));
    let item: CalendarItem | null = null;
    try {
      item = eventFromVEvent(text, { timeZone: zone }).item;
    } catch {
      item = null;
    }
    if (item === null) continue;
    const read: CalendarItem = { ...item, uid: item.uid ?? "differential@ewsdav.test" };
    put(`${key}.new`, () => eventToVEvent(read, { timeZone: zone, now: NOW }));
    put(`${key}.merge`, () => eventToVEvent(read, { timeZone: zone, base: text, now: NOW }));
    put(`${key}.hash`, () => [veventHash(text), normalizeVEvent(text)]);
  }
  sample(itemArbitrary, runs, 8).forEach(({ item, zone }, index) => {
    // The pinned digests must not depend on the runtime's time-zone data: an item in a zone whose
    // rules differ between the tz releases of the runtimes CI runs (tzdata 2025c on Node 20, 2026e
    // on Node 22/24) is not run (its digests are pinned as not run).
    if (RUNTIME_DEPENDENT_ZONES.has(zone)) return;
    const key = `event.generated.${index}`;
    put(`${key}.new`, () => eventToVEvent(item, { timeZone: zone, now: NOW }));
    let written: string | null = null;
    try {
      written = eventToVEvent(item, { timeZone: zone, now: NOW }).text;
    } catch {
      written = null;
    }
    if (written !== null) {
      const text = written;
      put(`${key}.from`, () => eventFromVEvent(text, { timeZone: zone }));
      put(`${key}.merge`, () => eventToVEvent(item, { timeZone: zone, base: text, now: NOW }));
    }
    const other = eventBases[index % eventBases.length]!;
    put(`${key}.mergeFixture`, () => eventToVEvent(item, { timeZone: zone, base: other.text, now: NOW }));
  });
  return out;
}

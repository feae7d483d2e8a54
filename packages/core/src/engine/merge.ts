/**
 * Three-way merge of vobjects: property by property, and value by value for the properties that
 * repeat.
 *
 * An item is seen as a map from keys to values. A key is the component path (with the
 * RECURRENCE-ID of an occurrence, the TZID of a time zone, the index of an alarm) and the property
 * name. For a single-valued property (FN, N, SUMMARY, DTSTART …) the value is every line of that
 * name in that component, compared and copied as one block. A multi-valued property
 * ({@link MULTI_VALUED_PROPERTIES}: EMAIL, TEL, ADR, IMPP, URL, RELATED, ATTENDEE, CATEGORIES,
 * EXDATE …) is split into its values, each under a key of its own that adds the value's identity
 * ({@link valueIdentity}: the normalised value plus its TYPE); a comma list (CATEGORIES, EXDATE,
 * RDATE, RESOURCES) is split into one value per element. So a card's four EMAILs are four keys,
 * and a change of one parameter of one value (PREF, PARTSTAT) changes that value's key only.
 *
 * Each side's changes are the keys that differ from that side's own base: values it added, removed
 * or changed. Within one property of one component, a value a side removed and a value it added
 * with the same TYPE make a replacement (an edited address), paired in text order. Conflicts,
 * settled by the policy: a key both sides changed to different values; a value both sides replaced
 * differently (or one replaced and the other removed). The winner's outcome goes to both sides;
 * the loser's replacement value is taken back, so the two never both survive as duplicates, and
 * nothing is lost silently (every conflict is in the result). Each side's other changes are then
 * applied onto the other side's current text, leaving every other line (and its parameters, group
 * and spelling) as it is there, so values and properties one side cannot hold stay untouched on
 * the other.
 *
 * @module
 */
import {
  modifiedOfText,
  normalLine,
  paramsOf,
  parseVObject,
  serializeVObject,
  sha256,
  VOLATILE_PROPERTIES,
  type Component,
  type ContentLine,
} from "@ewsdav/vobject";
import type { Slot } from "./state.js";

/** One property (or one value of a multi-valued property) both sides changed differently, as handed to a {@link ConflictResolver}. */
export interface PropertyConflict {
  uid: string;
  /** Component path, e.g. `VCALENDAR/VEVENT[]` or `VCALENDAR/VEVENT[20240105T090000Z]`. */
  path: string;
  /** The property name (`SUMMARY`), or `""` for the component itself (added on one side, removed on the other). */
  property: string;
  /**
   * For a multi-valued property: the identity ({@link valueIdentity}) of the base value both sides
   * changed, replaced or removed differently. Absent for a whole property.
   */
  value?: string;
  /** The normalised lines on each side and in the base (`null`: no base, a first pairing). */
  local: string[];
  remote: string[];
  base: string[] | null;
}

/** Decides a conflict: which slot's value survives. Must be synchronous and deterministic. */
export type ConflictResolver = (conflict: PropertyConflict) => Slot;

/**
 * How a property changed on both sides is settled. `newest-wins` compares each side's own
 * modification time of its version (see {@link mergeItem}'s `modified`); a tie goes to `remote`.
 */
export type ConflictPolicy = "remote-wins" | "local-wins" | "newest-wins" | ConflictResolver;

/** A conflict with the slot whose value was kept. */
export interface ResolvedConflict extends PropertyConflict {
  winner: Slot;
}

/** What {@link mergeItem} returns: the new text for each slot and whether it differs. */
export interface MergeResult {
  local: string;
  remote: string;
  localChanged: boolean;
  remoteChanged: boolean;
  conflicts: ResolvedConflict[];
}

interface PropertyEntry {
  /** Sorted normalised lines: what comparisons use. */
  normal: string[];
  /** The lines as written on their side (for a comma list, one line per element): what is copied. */
  lines: ContentLine[];
}

type PropertyMap = Map<string, PropertyEntry>;

const SEP = "\u0001";
/** Separates the parameter part of a value identity from its value part. */
const ID_SEP = "\u0002";

/** Volatile lines that a component added by the merge takes along from the side that added it. */
const COMPONENT_IDENTITY: ReadonlySet<string> = new Set(["UID", "DTSTAMP"]);

/** Properties that say which format the text is in, not what the item is: never merged across sides. */
const FORMAT_PROPERTIES: ReadonlySet<string> = new Set(["VERSION", "CALSCALE", "METHOD"]);

/**
 * Properties merged value by value: vCard's repeatable properties (and the X- forms the mappers
 * write for them: Outlook's phones and IM addresses, vCard 3.0's children), iCalendar's attendees,
 * attachments, categories and recurrence dates.
 */
export const MULTI_VALUED_PROPERTIES: ReadonlySet<string> = new Set([
  "EMAIL", "TEL", "ADR", "IMPP", "URL", "RELATED", "MEMBER", "LANG", "KEY", "X-MS-TEL", "X-MS-IMADDRESS", "X-CHILD", "X-SOCIALPROFILE",
  "ATTENDEE", "ATTACH", "CATEGORIES", "EXDATE", "RDATE", "RESOURCES",
]);

/** Multi-valued properties whose value is a comma list: each element is a value of its own. */
const LIST_PROPERTIES: ReadonlySet<string> = new Set(["CATEGORIES", "EXDATE", "RDATE", "RESOURCES"]);

/** The parameters that are part of a value's identity (default: TYPE). */
const IDENTITY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  ATTENDEE: [],
  MEMBER: [],
  ATTACH: [],
  CATEGORIES: [],
  RESOURCES: [],
  EXDATE: ["TZID", "VALUE"],
  RDATE: ["TZID", "VALUE"],
};

/** TYPE values that say nothing about which value it is (preference, vCard 3.0's INTERNET). */
const IGNORED_TYPES: ReadonlySet<string> = new Set(["pref", "internet"]);

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/**
 * The identity of one value of a multi-valued property: the parameters that say what kind of value
 * it is (TYPE, lower case, without PREF and INTERNET, sorted; TZID and VALUE for EXDATE/RDATE;
 * none for ATTENDEE, CATEGORIES …), then the normalised value (e-mail and calendar addresses
 * without `mailto:` in lower case, telephone numbers without `tel:` and visual separators, other
 * values trimmed; a long value by its SHA-256). Two lines with the same identity are the same value,
 * possibly with other parameters (PREF, PARTSTAT, a group).
 */
export function valueIdentity(line: ContentLine): string {
  const wanted = IDENTITY_PARAMS[line.name] ?? ["TYPE"];
  const parts: string[] = [];
  for (const param of paramsOf(line.params)) {
    const eq = param.indexOf("=");
    const name = (eq < 0 ? "TYPE" : param.slice(0, eq)).toUpperCase();
    if (!wanted.includes(name)) continue;
    const raw = eq < 0 ? param : param.slice(eq + 1);
    if (name === "TYPE") {
      for (const t of raw.split(",")) {
        const v = unquote(t.trim()).toLowerCase();
        if (v && !IGNORED_TYPES.has(v)) parts.push(`TYPE=${v}`);
      }
    } else parts.push(`${name}=${name === "VALUE" ? unquote(raw).toUpperCase() : unquote(raw)}`);
  }
  let value = line.value.trim();
  if (line.name === "EMAIL" || line.name === "ATTENDEE" || line.name === "MEMBER") value = value.replace(/^mailto:/i, "").toLowerCase();
  else if (line.name === "TEL" || line.name === "X-MS-TEL") value = value.replace(/^tel:/i, "").replace(/[\s().\-]/g, "");
  if (value.length > 100) value = `#${sha256(value).slice(0, 32)}`;
  return `${[...new Set(parts)].sort().join(";")}${ID_SEP}${value}`.replaceAll(SEP, " ");
}

/** The elements of a comma-list line (split at unescaped commas), each as a line of its own. */
function listElements(line: ContentLine): ContentLine[] {
  const out: ContentLine[] = [];
  let current = "";
  for (let i = 0; i < line.value.length; i++) {
    const c = line.value[i]!;
    if (c === "\\" && i + 1 < line.value.length) {
      current += c + line.value[i + 1];
      i++;
    } else if (c === ",") {
      out.push({ ...line, value: current });
      current = "";
    } else current += c;
  }
  out.push({ ...line, value: current });
  return out.filter((l) => l.value.trim() !== "");
}

/** The values a line holds: itself, or the elements of a comma list. */
function valuesOf(line: ContentLine): ContentLine[] {
  return LIST_PROPERTIES.has(line.name) ? listElements(line) : [line];
}

function firstValue(c: Component, name: string): string {
  return c.lines.find((l) => l.name === name)?.value.trim() ?? "";
}

/** The path segment of each child of a component, unique among its siblings. */
function childSegments(parent: Component): string[] {
  const seen = new Map<string, number>();
  return parent.children.map((child) => {
    let disc: string;
    if (child.name === "VEVENT" || child.name === "VTODO" || child.name === "VJOURNAL") disc = firstValue(child, "RECURRENCE-ID");
    else if (child.name === "VTIMEZONE") disc = firstValue(child, "TZID");
    else if (child.name === "STANDARD" || child.name === "DAYLIGHT") disc = firstValue(child, "DTSTART");
    else disc = "";
    const base = `${child.name}[${disc}]`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}#${n}`;
  });
}

/** Indexes every component of a tree by path. */
function componentIndex(root: Component): Map<string, Component> {
  const index = new Map<string, Component>();
  const walk = (c: Component, path: string): void => {
    index.set(path, c);
    const segments = childSegments(c);
    c.children.forEach((child, i) => walk(child, `${path}/${segments[i]}`));
  };
  walk(root, root.name);
  return index;
}

/** A key split into its parts: component path, property name (`""`: the component), value identity. */
interface KeyParts {
  path: string;
  name: string;
  identity: string | null;
}

function keyParts(key: string): KeyParts {
  const [path, name = "", identity] = key.split(SEP) as [string, string?, string?];
  return { path, name, identity: identity ?? null };
}

/** The property map of a tree (volatile properties left out). */
function propertyMap(root: Component): PropertyMap {
  const map: PropertyMap = new Map();
  for (const [path, component] of componentIndex(root)) {
    // The presence entry carries the component's identity lines (UID, DTSTAMP …), which the property
    // keys leave out as volatile: a component added on the other side needs them (an override without
    // its series' UID is another item to a reader, and RFC 5545 requires DTSTAMP in a VEVENT/VTODO).
    map.set(`${path}${SEP}`, { normal: ["present"], lines: component.lines.filter((l) => COMPONENT_IDENTITY.has(l.name)) });
    const byKey = new Map<string, ContentLine[]>();
    for (const line of component.lines) {
      if (VOLATILE_PROPERTIES.has(line.name) || FORMAT_PROPERTIES.has(line.name)) continue;
      const values = MULTI_VALUED_PROPERTIES.has(line.name) ? valuesOf(line).map((v) => [`${path}${SEP}${line.name}${SEP}${valueIdentity(v)}`, v] as const) : [[`${path}${SEP}${line.name}`, line] as const];
      for (const [key, value] of values) {
        const list = byKey.get(key) ?? [];
        list.push(value);
        byKey.set(key, list);
      }
    }
    for (const [key, lines] of byKey) map.set(key, { normal: lines.map(normalLine).sort(), lines });
  }
  return map;
}

function sameValue(a: PropertyEntry | undefined, b: PropertyEntry | undefined): boolean {
  if (!a || !b) return a === b;
  return a.normal.length === b.normal.length && a.normal.every((v, i) => v === b.normal[i]);
}

/** Keys whose value differs between base and current (value `undefined`: removed). */
function diff(base: PropertyMap, current: PropertyMap): Map<string, PropertyEntry | undefined> {
  const changes = new Map<string, PropertyEntry | undefined>();
  for (const [key, entry] of current) if (!sameValue(base.get(key), entry)) changes.set(key, entry);
  for (const key of base.keys()) if (!current.has(key)) changes.set(key, undefined);
  return changes;
}

/**
 * A side's replacements: each value it removed (a key of its base missing now), paired with a value
 * it added (a key new since its base) of the same property, component and TYPE, in text order;
 * `null` for a removal with no such addition.
 */
function replacements(base: PropertyMap, changes: Map<string, PropertyEntry | undefined>): Map<string, string | null> {
  const group = (key: string) => {
    const { path, name, identity } = keyParts(key);
    return `${path}${SEP}${name}${SEP}${identity!.slice(0, identity!.indexOf(ID_SEP))}`;
  };
  const removed = new Map<string, string[]>();
  const added = new Map<string, string[]>();
  for (const [key, value] of changes) {
    if (keyParts(key).identity === null) continue;
    const into = value === undefined ? removed : base.has(key) ? null : added;
    if (!into) continue;
    const list = into.get(group(key)) ?? [];
    list.push(key);
    into.set(group(key), list);
  }
  const out = new Map<string, string | null>();
  for (const [g, keys] of removed) {
    const adds = added.get(g) ?? [];
    keys.forEach((key, i) => out.set(key, adds[i] ?? null));
  }
  return out;
}

/** A comma-list line with its elements joined back into one value. */
function joinElements(line: ContentLine, elements: readonly string[]): ContentLine {
  return { ...line, value: elements.join(",") };
}

/** The normalised parameters of a line (to tell which list line an element may join). */
function paramKey(line: ContentLine): string {
  return normalLine({ ...line, value: "" });
}

/**
 * Applies the changes of one multi-valued property of one component (keys with a value identity).
 * `replacing` maps an added key to the key it replaces on the side it came from: the new value takes
 * the old one's place when the old one is here.
 */
function applyValues(component: Component, name: string, entries: Array<[string, PropertyEntry | undefined]>, replacing: ReadonlyMap<string, string | null>): void {
  const identityOf = (key: string) => keyParts(key).identity!;
  if (LIST_PROPERTIES.has(name)) {
    // Elements per line of that name; removed elements leave their place for a replacement.
    const rows = component.lines.map((line) => (line.name === name ? { line, elements: listElements(line).map((e) => ({ raw: e.value, identity: valueIdentity(e) })) } : null));
    const placeOf = new Map<string, number>();
    for (const [key] of entries) {
      const identity = identityOf(key);
      rows.forEach((row, i) => {
        if (!row) return;
        const before = row.elements.length;
        row.elements = row.elements.filter((e) => e.identity !== identity);
        if (row.elements.length !== before && !placeOf.has(key)) placeOf.set(key, i);
      });
    }
    const appended: ContentLine[] = [];
    for (const [key, value] of entries) {
      if (!value) continue;
      for (const element of value.lines) {
        const replaced = replacing.get(key);
        const at = placeOf.get(key) ?? (replaced ? placeOf.get(replaced) : undefined);
        const wantParams = paramKey(element);
        // The line the replaced element was on, else the first line with the same parameters, else a new line.
        const index = at !== undefined && paramKey(rows[at]!.line) === wantParams ? at : rows.findIndex((row) => row !== null && paramKey(row.line) === wantParams);
        if (index >= 0) rows[index]!.elements.push({ raw: element.value, identity: valueIdentity(element) });
        else {
          const open = appended.find((l) => paramKey(l) === wantParams);
          if (open) open.value += `,${element.value}`;
          else appended.push({ ...element });
        }
      }
    }
    const lines: ContentLine[] = [];
    let last = -1;
    component.lines.forEach((line, i) => {
      const row = rows[i];
      if (!row) return void lines.push(line);
      if (row.elements.length === 0) return;
      lines.push(joinElements(line, row.elements.map((e) => e.raw)));
      last = lines.length - 1;
    });
    lines.splice(last < 0 ? lines.length : last + 1, 0, ...appended);
    component.lines = lines;
    return;
  }
  const lines: Array<ContentLine | null> = [...component.lines];
  const inserted = new Set<ContentLine>();
  const positionOf = (identity: string) => lines.findIndex((l) => l !== null && !inserted.has(l) && l.name === name && valueIdentity(l) === identity);
  // Replacements first: the new value goes where the value it replaces is.
  const placed = new Set<string>();
  for (const [key, value] of entries) {
    const replaced = replacing.get(key);
    if (!value || !replaced) continue;
    const at = positionOf(identityOf(replaced));
    if (at < 0) continue;
    const copies = value.lines.map((l) => ({ ...l }));
    copies.forEach((l) => inserted.add(l));
    lines.splice(at, 0, ...copies);
    placed.add(key);
  }
  for (const [key, value] of entries) {
    const identity = identityOf(key);
    let at = -1;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (!l || inserted.has(l) || l.name !== name || valueIdentity(l) !== identity) continue;
      if (at < 0) at = i;
      lines[i] = null;
    }
    if (!value || placed.has(key)) continue;
    if (at < 0) {
      let last = -1;
      lines.forEach((l, i) => {
        if (l && l.name === name) last = i;
      });
      at = last < 0 ? lines.length : last + 1;
    }
    const copies = value.lines.map((l) => ({ ...l }));
    copies.forEach((l) => inserted.add(l));
    lines.splice(at, 0, ...copies);
  }
  component.lines = lines.filter((l): l is ContentLine => l !== null);
}

/** Applies changes onto a tree in place; returns whether anything changed. */
function applyChanges(root: Component, changes: Map<string, PropertyEntry | undefined>, replacing: ReadonlyMap<string, string | null> = new Map()): boolean {
  const index = componentIndex(root);
  const current = propertyMap(root);
  let changed = false;
  const entries = [...changes].filter(([key, value]) => !sameValue(current.get(key), value));
  const depth = (key: string) => key.split(SEP)[0]!.split("/").length;
  // Components to add, parents first.
  for (const [key] of entries.filter(([k, v]) => k.endsWith(SEP) && v).sort((a, b) => depth(a[0]) - depth(b[0]))) {
    const path = key.slice(0, -1);
    if (index.has(path)) continue;
    const cut = path.lastIndexOf("/");
    const parent = index.get(path.slice(0, cut));
    if (!parent) continue;
    const segment = path.slice(cut + 1);
    const component: Component = { name: segment.slice(0, segment.indexOf("[")), lines: (changes.get(key)?.lines ?? []).map((l) => ({ ...l })), children: [] };
    parent.children.push(component);
    index.set(path, component);
    changed = true;
  }
  // Properties: whole single-valued ones, and the values of multi-valued ones per property.
  const valueGroups = new Map<string, Array<[string, PropertyEntry | undefined]>>();
  for (const [key, value] of entries) {
    if (key.endsWith(SEP)) continue;
    const { path, name, identity } = keyParts(key);
    const component = index.get(path);
    if (!component) continue;
    changed = true;
    if (identity !== null) {
      const list = valueGroups.get(`${path}${SEP}${name}`) ?? [];
      list.push([key, value]);
      valueGroups.set(`${path}${SEP}${name}`, list);
      continue;
    }
    const at = component.lines.findIndex((l) => l.name === name);
    component.lines = component.lines.filter((l) => l.name !== name);
    if (value) component.lines.splice(at < 0 ? component.lines.length : at, 0, ...value.lines.map((l) => ({ ...l })));
  }
  for (const [group, list] of valueGroups) {
    const { path, name } = keyParts(group);
    applyValues(index.get(path)!, name, list, replacing);
  }
  // Components to remove, children first.
  for (const [key] of entries.filter(([k, v]) => k.endsWith(SEP) && !v).sort((a, b) => depth(b[0]) - depth(a[0]))) {
    const path = key.slice(0, -1);
    const component = index.get(path);
    const parent = index.get(path.slice(0, path.lastIndexOf("/")));
    if (!component || !parent) continue;
    parent.children = parent.children.filter((c) => c !== component);
    index.delete(path);
    changed = true;
  }
  return changed;
}

/**
 * A sortable timestamp of the last modification an item's text states (LAST-MODIFIED, REV or
 * DTSTAMP), digits only. Kept for callers of earlier versions; the merge itself no longer reads it
 * (see {@link mergeItem}'s `modified`).
 * @deprecated Use {@link modifiedOfText} (an ISO instant from LAST-MODIFIED / REV) or the sides' `modified`.
 */
export function modifiedStamp(text: string): string {
  for (const name of ["LAST-MODIFIED", "REV", "DTSTAMP"]) {
    const match = new RegExp(`^(?:[^:\\r\\n]*\\.)?${name}[;:][^\\r\\n]*?([0-9][0-9T:\\-Z]+)\\s*$`, "im").exec(text);
    if (match) return match[1]!.replace(/[^0-9]/g, "").padEnd(14, "0");
  }
  return "";
}

function decide(policy: ConflictPolicy, conflict: PropertyConflict, modified: Record<Slot, string | null>): Slot {
  if (typeof policy === "function") return policy(conflict);
  if (policy === "local-wins") return "local";
  if (policy === "remote-wins") return "remote";
  const local = modified.local === null ? Number.NaN : Date.parse(modified.local);
  const remote = modified.remote === null ? Number.NaN : Date.parse(modified.remote);
  if (Number.isFinite(local) && Number.isFinite(remote)) return local > remote ? "local" : "remote";
  if (Number.isFinite(local) !== Number.isFinite(remote)) return Number.isFinite(local) ? "local" : "remote";
  return "remote";
}

/**
 * Merges two versions of an item against each side's base (`null`: none, as when an item found on
 * both sides at the first sync is paired: every difference is then a conflict, and properties and
 * values only one side has are kept).
 *
 * `modified` gives each side's own modification time of the version merged (an ISO instant: EWS
 * LastModifiedTime, a DAV object's LAST-MODIFIED / REV, or when the state first saw that version),
 * which `newest-wins` compares; the later one wins, a tie or two unknown times go to `remote`, a
 * known time beats an unknown one. Without it, the LAST-MODIFIED / REV of each text is used.
 */
export function mergeItem(input: {
  uid: string;
  base: Record<Slot, string | null>;
  local: string;
  remote: string;
  policy: ConflictPolicy;
  modified?: Partial<Record<Slot, string | null>>;
}): MergeResult {
  const trees: Record<Slot, Component> = { local: parseVObject(input.local), remote: parseVObject(input.remote) };
  const bases: Record<Slot, PropertyMap> = {
    local: input.base.local === null ? new Map() : propertyMap(parseVObject(input.base.local)),
    remote: input.base.remote === null ? new Map() : propertyMap(parseVObject(input.base.remote)),
  };
  const modified: Record<Slot, string | null> = {
    local: input.modified?.local !== undefined ? input.modified.local : modifiedOfText(input.local),
    remote: input.modified?.remote !== undefined ? input.modified.remote : modifiedOfText(input.remote),
  };
  const changes = { local: diff(bases.local, propertyMap(trees.local)), remote: diff(bases.remote, propertyMap(trees.remote)) };
  const replaced = { local: replacements(bases.local, changes.local), remote: replacements(bases.remote, changes.remote) };
  const noBase = input.base.local === null && input.base.remote === null;
  const conflicts: ResolvedConflict[] = [];
  const to: Record<Slot, Map<string, PropertyEntry | undefined>> = { local: new Map(), remote: new Map() };
  /** Changes of a side that lost a conflict and must not travel (its replacement values). */
  const withheld: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
  const baseEntry = (key: string) => (input.base.remote === null ? undefined : bases.remote.get(key)) ?? bases.local.get(key);
  /** Where an added value goes on a slot: in place of the value (key) it replaces there. */
  const hints: Record<Slot, Map<string, string | null>> = { local: new Map(), remote: new Map() };
  for (const slot of ["local", "remote"] as const) {
    for (const [removed, added] of replaced[slot]) if (added) hints[slot === "local" ? "remote" : "local"].set(added, removed);
  }
  /**
   * Takes back a replacement value the loser added: not sent to the winner, removed from the loser;
   * the winner's value for it (`instead`) takes its place there.
   */
  const withdraw = (loser: Slot, key: string | null | undefined, instead: string | null | undefined) => {
    if (!key) return;
    const winner: Slot = loser === "local" ? "remote" : "local";
    withheld[loser].add(key);
    if (!changes[winner].has(key)) to[loser].set(key, bases[loser].get(key));
    if (instead) hints[loser].set(instead, key);
  };
  /** Reports a conflict on `key` with each side's lines, and decides it by the policy. */
  const settle = (key: string, lines: { local: string[]; remote: string[] }): Slot => {
    const { path, name, identity } = keyParts(key);
    const conflict: PropertyConflict = {
      uid: input.uid,
      path,
      property: name,
      ...(identity !== null ? { value: identity.replace(ID_SEP, " ").trim() } : {}),
      local: lines.local,
      remote: lines.remote,
      base: noBase ? null : (baseEntry(key)?.normal ?? []),
    };
    const winner = decide(input.policy, conflict, modified);
    conflicts.push({ ...conflict, winner });
    return winner;
  };

  // A key both sides changed differently.
  for (const [key, remoteValue] of changes.remote) {
    if (!changes.local.has(key)) continue;
    const localValue = changes.local.get(key);
    if (sameValue(localValue, remoteValue)) continue;
    const winner = settle(key, { local: localValue?.normal ?? [], remote: remoteValue?.normal ?? [] });
    const loser: Slot = winner === "local" ? "remote" : "local";
    to[loser].set(key, winner === "local" ? localValue : remoteValue);
    withdraw(loser, replaced[loser].get(key), replaced[winner].get(key));
  }
  // A value both sides removed, replaced with different values (or replaced on one side only).
  for (const [key, localWith] of replaced.local) {
    if (!replaced.remote.has(key)) continue;
    const remoteWith = replaced.remote.get(key)!;
    if (localWith === remoteWith) continue;
    const entryOf = (slot: Slot, k: string | null) => (k === null ? [] : (changes[slot].get(k)?.normal ?? []));
    const winner = settle(key, { local: entryOf("local", localWith), remote: entryOf("remote", remoteWith) });
    if (winner === "local") withdraw("remote", remoteWith, localWith);
    else withdraw("local", localWith, remoteWith);
  }
  // Everything else travels.
  for (const slot of ["local", "remote"] as const) {
    const other: Slot = slot === "local" ? "remote" : "local";
    for (const [key, value] of changes[slot]) {
      if (changes[other].has(key) || withheld[slot].has(key) || to[other].has(key)) continue;
      to[other].set(key, value);
    }
  }
  const localChanged = applyChanges(trees.local, to.local, hints.local);
  const remoteChanged = applyChanges(trees.remote, to.remote, hints.remote);
  return {
    local: localChanged ? serializeVObject(trees.local) : input.local,
    remote: remoteChanged ? serializeVObject(trees.remote) : input.remote,
    localChanged,
    remoteChanged,
    conflicts,
  };
}

/**
 * A property a write changes: its key (component path and name, separated by U+0001; for a value of
 * a {@link MULTI_VALUED_PROPERTIES multi-valued property}, then its {@link valueIdentity}) and
 * whether the item lacked it before.
 */
export interface ChangedProperty {
  key: string;
  added: boolean;
}

/**
 * The properties (and, of multi-valued properties, the values) a write of `written` over `replaced` changes (`replaced`: `null` for a create:
 * every property), volatile and format properties aside. The journal keeps them, so that the next
 * cycle can tell whether an item holds that write ({@link compareWritten}).
 */
export function changedProperties(replaced: string | null, written: string): ChangedProperty[] {
  const before = replaced === null ? new Map<string, PropertyEntry>() : propertyMap(parseVObject(replaced));
  return [...diff(before, propertyMap(parseVObject(written))).keys()].map((key) => ({ key, added: !before.has(key) }));
}

/**
 * How the item a slot holds (`found`) compares with a text written to it (the resume rules of the
 * journal): `same` — the same properties with the same values (volatile and format properties
 * aside, so a side that rewrites vCard 3.0 as 4.0 still matches); `carries` — every property the
 * write changed ({@link changedProperties}) has the written value there, or is absent there and was
 * added by the write (a property the slot cannot hold); otherwise `differs`.
 */
export function compareWritten(found: string, written: string, changed: readonly ChangedProperty[]): "same" | "carries" | "differs" {
  const f = propertyMap(parseVObject(found));
  const w = propertyMap(parseVObject(written));
  if (f.size === w.size && [...w].every(([key, entry]) => sameValue(f.get(key), entry))) return "same";
  const carried = (key: string, added: boolean): boolean => {
    const entry = w.get(key);
    const there = f.get(key);
    if (entry === undefined ? there === undefined : sameValue(there, entry)) return true;
    return entry !== undefined && there === undefined && added;
  };
  for (const { key, added } of changed) {
    const { name, identity } = keyParts(key);
    if (identity === null && MULTI_VALUED_PROPERTIES.has(name)) {
      // A whole-property key of a multi-valued property (a journal written before per-value keys): its values.
      const prefix = `${key}${SEP}`;
      const keys = new Set([...w.keys(), ...f.keys()].filter((k) => k.startsWith(prefix)));
      if ([...keys].every((k) => carried(k, added || !f.has(k)))) continue;
      return "differs";
    }
    if (!carried(key, added)) return "differs";
  }
  return "carries";
}

/**
 * The written text without the properties and components the slot's item (`found`) does not have:
 * the base of a write the slot stored lossily, so that what the slot dropped never looks like a
 * removal made there, while an edit made there since still looks like an edit.
 */
export function restrictToPropertiesOf(written: string, found: string): string {
  const keep = propertyMap(parseVObject(found));
  const tree = parseVObject(written);
  const prune = (component: Component, path: string): void => {
    const lines: ContentLine[] = [];
    for (const l of component.lines) {
      if (VOLATILE_PROPERTIES.has(l.name) || FORMAT_PROPERTIES.has(l.name)) lines.push(l);
      else if (!MULTI_VALUED_PROPERTIES.has(l.name)) {
        if (keep.has(`${path}${SEP}${l.name}`)) lines.push(l);
      } else if (LIST_PROPERTIES.has(l.name)) {
        const elements = listElements(l).filter((e) => keep.has(`${path}${SEP}${l.name}${SEP}${valueIdentity(e)}`));
        if (elements.length) lines.push(joinElements(l, elements.map((e) => e.value)));
      } else if (keep.has(`${path}${SEP}${l.name}${SEP}${valueIdentity(l)}`)) lines.push(l);
    }
    component.lines = lines;
    const segments = childSegments(component);
    const kept: Component[] = [];
    component.children.forEach((child, i) => {
      const childPath = `${path}/${segments[i]}`;
      if (!keep.has(`${childPath}${SEP}`)) return;
      prune(child, childPath);
      kept.push(child);
    });
    component.children = kept;
  };
  prune(tree, tree.name);
  return serializeVObject(tree);
}

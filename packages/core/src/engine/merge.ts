/**
 * Three-way merge of vobjects, property by property.
 *
 * An item is seen as a map from property keys to values: the key is the component path (with the
 * RECURRENCE-ID of an occurrence, the TZID of a time zone, the index of an alarm) and the property
 * name; the value is every line of that name in that component (so the four EMAILs of a card, or
 * the EXDATEs of an event, are one value). Each side's changes are the keys that differ from that
 * side's own base; a key changed on both sides to different values is a conflict, settled by the
 * policy. Each side's changes are then applied onto the other side's current text, so properties
 * one side cannot hold (and never reported) stay untouched on the other.
 *
 * @module
 */
import { normalLine, VOLATILE_PROPERTIES } from "./normalise.js";
import type { Slot } from "./state.js";
import { parseVObject, serializeVObject, type Component, type ContentLine } from "./vobject.js";

/** One property both sides changed differently, as handed to a {@link ConflictResolver}. */
export interface PropertyConflict {
  uid: string;
  /** Component path, e.g. `VCALENDAR/VEVENT[]` or `VCALENDAR/VEVENT[20240105T090000Z]`. */
  path: string;
  /** The property name (`SUMMARY`), or `""` for the component itself (added on one side, removed on the other). */
  property: string;
  /** The normalised lines on each side and in the base (`null`: no base, a first pairing). */
  local: string[];
  remote: string[];
  base: string[] | null;
}

/** Decides a conflict: which slot's value survives. Must be synchronous and deterministic. */
export type ConflictResolver = (conflict: PropertyConflict) => Slot;

/** How a property changed on both sides is settled. */
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
  /** The lines as written on their side: what is copied. */
  lines: ContentLine[];
}

type PropertyMap = Map<string, PropertyEntry>;

const SEP = "\u0001";

/** Properties that say which format the text is in, not what the item is: never merged across sides. */
const FORMAT_PROPERTIES: ReadonlySet<string> = new Set(["VERSION", "CALSCALE", "METHOD"]);

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

/** The property map of a tree (volatile properties left out). */
function propertyMap(root: Component): PropertyMap {
  const map: PropertyMap = new Map();
  for (const [path, component] of componentIndex(root)) {
    map.set(`${path}${SEP}`, { normal: ["present"], lines: [] });
    const byName = new Map<string, ContentLine[]>();
    for (const line of component.lines) {
      if (VOLATILE_PROPERTIES.has(line.name) || FORMAT_PROPERTIES.has(line.name)) continue;
      const list = byName.get(line.name) ?? [];
      list.push(line);
      byName.set(line.name, list);
    }
    for (const [name, lines] of byName) map.set(`${path}${SEP}${name}`, { normal: lines.map(normalLine).sort(), lines });
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

/** Applies changes onto a tree in place; returns whether anything changed. */
function applyChanges(root: Component, changes: Map<string, PropertyEntry | undefined>): boolean {
  const index = componentIndex(root);
  const current = propertyMap(root);
  let changed = false;
  const entries = [...changes].filter(([key, value]) => !sameValue(current.get(key), value));
  const depth = (key: string) => key.split(SEP)[0]!.split("/").length;
  // Components to add, parents first.
  for (const [key, value] of entries.filter(([k, v]) => k.endsWith(SEP) && v).sort((a, b) => depth(a[0]) - depth(b[0]))) {
    void value;
    const path = key.slice(0, -1);
    if (index.has(path)) continue;
    const cut = path.lastIndexOf("/");
    const parent = index.get(path.slice(0, cut));
    if (!parent) continue;
    const segment = path.slice(cut + 1);
    const component: Component = { name: segment.slice(0, segment.indexOf("[")), lines: [], children: [] };
    parent.children.push(component);
    index.set(path, component);
    changed = true;
  }
  // Properties.
  for (const [key, value] of entries) {
    if (key.endsWith(SEP)) continue;
    const [path, name] = key.split(SEP) as [string, string];
    const component = index.get(path);
    if (!component) continue;
    const at = component.lines.findIndex((l) => l.name === name);
    component.lines = component.lines.filter((l) => l.name !== name);
    if (value) component.lines.splice(at < 0 ? component.lines.length : at, 0, ...value.lines.map((l) => ({ ...l })));
    changed = true;
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

/** A sortable timestamp of the last modification an item states (LAST-MODIFIED, REV or DTSTAMP). */
export function modifiedStamp(text: string): string {
  for (const name of ["LAST-MODIFIED", "REV", "DTSTAMP"]) {
    const match = new RegExp(`^(?:[^:\\r\\n]*\\.)?${name}[;:][^\\r\\n]*?([0-9][0-9T:\\-Z]+)\\s*$`, "im").exec(text);
    if (match) return match[1]!.replace(/[^0-9]/g, "").padEnd(14, "0");
  }
  return "";
}

function decide(policy: ConflictPolicy, conflict: PropertyConflict, local: string, remote: string): Slot {
  if (typeof policy === "function") return policy(conflict);
  if (policy === "local-wins") return "local";
  if (policy === "remote-wins") return "remote";
  return modifiedStamp(local) > modifiedStamp(remote) ? "local" : "remote";
}

/**
 * Merges two versions of an item against each side's base (`null`: none, as when an item found on
 * both sides at the first sync is paired: every difference is then a conflict, and properties only
 * one side has are kept).
 */
export function mergeItem(input: {
  uid: string;
  base: Record<Slot, string | null>;
  local: string;
  remote: string;
  policy: ConflictPolicy;
}): MergeResult {
  const localTree = parseVObject(input.local);
  const remoteTree = parseVObject(input.remote);
  const localBase = input.base.local === null ? new Map() : propertyMap(parseVObject(input.base.local));
  const remoteBase = input.base.remote === null ? new Map() : propertyMap(parseVObject(input.base.remote));
  const localChanges = diff(localBase, propertyMap(localTree));
  const remoteChanges = diff(remoteBase, propertyMap(remoteTree));
  const conflicts: ResolvedConflict[] = [];
  const toLocal = new Map<string, PropertyEntry | undefined>();
  const toRemote = new Map<string, PropertyEntry | undefined>();
  for (const [key, value] of localChanges) {
    if (!remoteChanges.has(key)) toRemote.set(key, value);
  }
  for (const [key, value] of remoteChanges) {
    if (!localChanges.has(key)) {
      toLocal.set(key, value);
      continue;
    }
    const localValue = localChanges.get(key);
    if (sameValue(localValue, value)) continue;
    const [path, property] = key.split(SEP) as [string, string];
    const baseEntry = (input.base.remote === null ? undefined : remoteBase.get(key)) ?? localBase.get(key);
    const conflict: PropertyConflict = {
      uid: input.uid,
      path,
      property,
      local: localValue?.normal ?? [],
      remote: value?.normal ?? [],
      base: input.base.local === null && input.base.remote === null ? null : (baseEntry?.normal ?? []),
    };
    const winner = decide(input.policy, conflict, input.local, input.remote);
    conflicts.push({ ...conflict, winner });
    if (winner === "local") toRemote.set(key, localValue);
    else toLocal.set(key, value);
  }
  const localChanged = applyChanges(localTree, toLocal);
  const remoteChanged = applyChanges(remoteTree, toRemote);
  return {
    local: localChanged ? serializeVObject(localTree) : input.local,
    remote: remoteChanged ? serializeVObject(remoteTree) : input.remote,
    localChanged,
    remoteChanged,
    conflicts,
  };
}

/** A property a write changes: its key (component path and name) and whether the item lacked it before. */
export interface ChangedProperty {
  key: string;
  added: boolean;
}

/**
 * The properties a write of `written` over `replaced` changes (`replaced`: `null` for a create:
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
  for (const { key, added } of changed) {
    const entry = w.get(key);
    const there = f.get(key);
    if (entry === undefined ? there === undefined : sameValue(there, entry)) continue;
    if (entry !== undefined && there === undefined && added) continue;
    return "differs";
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
    component.lines = component.lines.filter((l) => VOLATILE_PROPERTIES.has(l.name) || FORMAT_PROPERTIES.has(l.name) || keep.has(`${path}${SEP}${l.name}`));
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

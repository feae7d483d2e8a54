/**
 * The identity and the modification time a vobject states of itself.
 *
 * The UID rule, one for the whole library: the UID of an item is the vCard's own UID, or the UID
 * of the first VEVENT / VTODO / VJOURNAL directly inside the VCALENDAR (a bare VEVENT/VTODO/
 * VJOURNAL: its own). Never a VALARM's, nor any other nested component's, nor the VCALENDAR's own
 * (RFC 7986 UID names the calendar, not the item).
 *
 * @module
 */
import { parseVObject, serializeVObject, type Component } from "./component.js";
import { unfold, parseContentLine, type ContentLine } from "./lines.js";

/** Components of an iCalendar object that carry the item's UID. */
export const UID_COMPONENTS: ReadonlySet<string> = new Set(["VEVENT", "VTODO", "VJOURNAL"]);

function ownUid(component: Component): string | null {
  const uid = component.lines.find((l) => l.name === "UID");
  const value = uid?.value.trim();
  return value ? value : null;
}

/** The UID of a parsed vobject by the module's rule, or `null` when it has none. */
export function uidOf(root: Component): string | null {
  if (root.name !== "VCALENDAR") return ownUid(root);
  for (const child of root.children) {
    if (!UID_COMPONENTS.has(child.name)) continue;
    const uid = ownUid(child);
    if (uid) return uid;
  }
  return null;
}

/** Reads the UID of a vobject text (`null` when it has none); throws `VObjectError` when it is not a vobject. */
export function uidOfText(text: string): string | null {
  return uidOf(parseVObject(text));
}

/**
 * The UID of a vobject text by the same rule, tolerant: lines it cannot read and unbalanced
 * components are passed over, and it never throws (`null` when no UID is found). For text as a
 * server returns it, which the engine then reads strictly (and reports) itself.
 */
export function findUid(text: string): string | null {
  const path: string[] = [];
  for (const raw of unfold(text)) {
    let line: ContentLine;
    try {
      line = parseContentLine(raw);
    } catch {
      continue;
    }
    if (line.name === "BEGIN") path.push(line.value.trim().toUpperCase());
    else if (line.name === "END") {
      const name = line.value.trim().toUpperCase();
      const at = path.lastIndexOf(name);
      if (at >= 0) path.length = at;
    } else if (line.name === "UID" && line.value.trim()) {
      const owner = path.length === 1 ? path[0] : path.length === 2 && path[0] === "VCALENDAR" ? path[1] : undefined;
      if (owner !== undefined && owner !== "VCALENDAR" && (path.length === 1 || UID_COMPONENTS.has(owner))) return line.value.trim();
    }
  }
  return null;
}

/**
 * Returns the text with its UID set to `uid`: on a vCard, its UID property; on an iCalendar object,
 * every VEVENT/VTODO/VJOURNAL (all instances of a recurring item share the UID).
 */
export function withUid(text: string, uid: string): string {
  const root = parseVObject(text);
  const set = (c: Component): void => {
    const existing = c.lines.find((l) => l.name === "UID");
    if (existing) existing.value = uid;
    else c.lines.splice(Math.min(1, c.lines.length), 0, { name: "UID", group: null, params: "", value: uid });
  };
  if (root.name === "VCALENDAR") {
    for (const child of root.children) if (UID_COMPONENTS.has(child.name)) set(child);
  } else {
    set(root);
  }
  return serializeVObject(root);
}

/** Reads an iCalendar / vCard date-time (`20240301T100000Z`, `2024-03-01T10:00:00Z`, `20240301`) as an ISO instant (UTC when no offset is given). */
function instantOf(value: string): string | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", zone = "Z"] = m;
  const offset = zone === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * The modification time a vobject text states of itself, as an ISO instant: the latest
 * LAST-MODIFIED of its VEVENT/VTODO/VJOURNAL components (iCalendar) or its REV (vCard); `null`
 * when it states none or is not a vobject (DTSTAMP is not read: EWS-made events carry the time
 * they were read there).
 */
export function modifiedOfText(text: string): string | null {
  let root: Component;
  try {
    root = parseVObject(text);
  } catch {
    return null;
  }
  const stamps: string[] = [];
  const collect = (c: Component, names: readonly string[]) => {
    for (const line of c.lines) if (names.includes(line.name)) {
      const instant = instantOf(line.value);
      if (instant) stamps.push(instant);
    }
  };
  if (root.name === "VCARD") collect(root, ["REV", "LAST-MODIFIED"]);
  else for (const child of root.children) if (UID_COMPONENTS.has(child.name)) collect(child, ["LAST-MODIFIED"]);
  return stamps.length ? stamps.sort().at(-1)! : null;
}

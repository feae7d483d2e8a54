/**
 * A small vobject reader and writer, enough for the engine: content lines (RFC 5545 §3.1,
 * RFC 6350 §3.2) unfolded into properties, grouped into nested components. Values stay raw
 * (escaped as on the wire): the engine compares and copies properties, it never interprets them.
 *
 * @module
 */

/** One unfolded content line: `[group.]NAME[;PARAM=…]*:value`. */
export interface ContentLine {
  /** The property name in upper case, without its group (`EMAIL`, `DTSTART`, `X-ABLABEL`). */
  name: string;
  /** The vCard group (`item1`) or `null`. */
  group: string | null;
  /** The parameters as written, without the leading `;` (may be empty). */
  params: string;
  /** The raw value after the first unquoted colon. */
  value: string;
}

/** A component: `BEGIN:NAME` … `END:NAME` with its properties and sub-components. */
export interface Component {
  name: string;
  lines: ContentLine[];
  children: Component[];
}

/** The text is not a vobject (unbalanced BEGIN/END, a line without a colon, no component). */
export class VObjectError extends Error {
  override readonly name = "VObjectError";
  readonly code = "vobject-parse";
  constructor(
    message: string,
    /** 1-based unfolded line number where reading stopped, when known. */
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}

/** Splits text into unfolded logical lines (CRLF or LF; continuation lines start with space or tab). */
export function unfold(text: string): string[] {
  const out: string[] = [];
  for (const physical of text.split(/\r?\n/)) {
    if ((physical.startsWith(" ") || physical.startsWith("\t")) && out.length > 0) {
      out[out.length - 1] += physical.slice(1);
    } else if (physical.length > 0) {
      out.push(physical);
    }
  }
  return out;
}

/** Reads one logical line. */
export function parseContentLine(line: string, lineNumber: number | null = null): ContentLine {
  let inQuotes = false;
  let nameEnd = -1;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === ";" && nameEnd < 0) nameEnd = i;
    else if (!inQuotes && c === ":") {
      colon = i;
      break;
    }
  }
  if (colon < 0) throw new VObjectError(`no ':' in content line "${line.slice(0, 40)}"`, lineNumber);
  if (nameEnd < 0) nameEnd = colon;
  const fullName = line.slice(0, nameEnd);
  if (fullName.length === 0) throw new VObjectError("empty property name", lineNumber);
  const dot = fullName.lastIndexOf(".");
  return {
    name: (dot >= 0 ? fullName.slice(dot + 1) : fullName).toUpperCase(),
    group: dot >= 0 ? fullName.slice(0, dot) : null,
    params: nameEnd < colon ? line.slice(nameEnd + 1, colon) : "",
    value: line.slice(colon + 1),
  };
}

/** Reads a vobject text into its single top-level component (VCALENDAR or VCARD). */
export function parseVObject(text: string): Component {
  const stack: Component[] = [];
  let root: Component | null = null;
  const lines = unfold(text);
  for (let i = 0; i < lines.length; i++) {
    const line = parseContentLine(lines[i]!, i + 1);
    if (line.name === "BEGIN") {
      const component: Component = { name: line.value.trim().toUpperCase(), lines: [], children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(component);
      else if (root) throw new VObjectError("more than one top-level component", i + 1);
      else root = component;
      stack.push(component);
    } else if (line.name === "END") {
      const open = stack.pop();
      if (!open || open.name !== line.value.trim().toUpperCase()) {
        throw new VObjectError(`END:${line.value} does not close ${open ? `BEGIN:${open.name}` : "anything"}`, i + 1);
      }
    } else {
      const current = stack[stack.length - 1];
      if (!current) throw new VObjectError(`property ${line.name} outside any component`, i + 1);
      current.lines.push(line);
    }
  }
  if (stack.length > 0) throw new VObjectError(`BEGIN:${stack[stack.length - 1]!.name} is never closed`);
  if (!root) throw new VObjectError("no component");
  return root;
}

/** Writes one content line, unfolded. */
export function formatContentLine(line: ContentLine): string {
  return `${line.group ? `${line.group}.` : ""}${line.name}${line.params ? `;${line.params}` : ""}:${line.value}`;
}

/** Folds a logical line at 75 octets without splitting a UTF-8 sequence. */
export function fold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** Writes a component as folded CRLF text. */
export function serializeVObject(component: Component): string {
  const out: string[] = [];
  const walk = (c: Component): void => {
    out.push(`BEGIN:${c.name}`);
    for (const line of c.lines) out.push(fold(formatContentLine(line)));
    for (const child of c.children) walk(child);
    out.push(`END:${c.name}`);
  };
  walk(component);
  return `${out.join("\r\n")}\r\n`;
}

/** Components of an iCalendar object that carry the item's UID. */
const UID_COMPONENTS = new Set(["VEVENT", "VTODO", "VJOURNAL"]);

/** The UID of a vCard or of the first VEVENT/VTODO/VJOURNAL of an iCalendar object, or `null`. */
export function uidOf(root: Component): string | null {
  const own = root.lines.find((l) => l.name === "UID");
  if (own) return own.value.trim() || null;
  for (const child of root.children) {
    if (!UID_COMPONENTS.has(child.name)) continue;
    const uid = child.lines.find((l) => l.name === "UID");
    if (uid && uid.value.trim()) return uid.value.trim();
  }
  return null;
}

/** Reads the UID of a vobject text (`null` when it has none). */
export function uidOfText(text: string): string | null {
  return uidOf(parseVObject(text));
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
 * when it states none (DTSTAMP is not read: EWS-made events carry the time they were read there).
 * What the DAV, vdir and memory sides give as `SideItem.modified`.
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

/**
 * Splitting files that hold many objects (an address book export, a calendar export) into one
 * text per object, as a CardDAV / CalDAV resource would hold it.
 */
import { readVObjects, writeComponent, type JComponent } from "./codec.js";

/** One text per top-level VCARD of a file, each as it was written (line endings kept). */
export function splitVCards(text: string): string[] {
  const cards: string[] = [];
  let current: string[] | null = null;
  let depth = 0;
  for (const line of text.split(/(?<=\r\n|\n|\r)/)) {
    const trimmed = line.trim();
    if (/^BEGIN\s*:\s*VCARD$/i.test(trimmed)) {
      if (depth === 0) current = [];
      depth++;
    }
    if (current) current.push(line);
    if (/^END\s*:\s*VCARD$/i.test(trimmed) && depth > 0) {
      depth--;
      if (depth === 0 && current) {
        cards.push(current.join(""));
        current = null;
      }
    }
  }
  if (current && current.length > 0) cards.push(current.join(""));
  return cards;
}

/**
 * One VCALENDAR text per object of the given kind (`vtodo`, `vevent`): the components sharing a
 * UID (a series and its overrides) stay together, each with the calendar's properties and the
 * VTIMEZONEs it references.
 */
export function splitICalendar(text: string, componentName: "vtodo" | "vevent"): string[] {
  const { components } = readVObjects(text, "icalendar");
  const out: string[] = [];
  for (const root of components) {
    const calendar: JComponent = root[0] === "vcalendar" ? root : ["vcalendar", [["version", {}, "text", "2.0"]], [root]];
    const zones = calendar[2].filter((child) => child[0] === "vtimezone");
    const byUid = new Map<string, JComponent[]>();
    let anonymous = 0;
    for (const child of calendar[2]) {
      if (child[0] !== componentName) continue;
      const uid = child[1].find((property) => property[0] === "uid");
      const key = uid ? String(uid[3]) : `\u0000${anonymous++}`;
      const group = byUid.get(key);
      if (group) group.push(child);
      else byUid.set(key, [child]);
    }
    for (const group of byUid.values()) {
      const tzids = new Set<string>();
      const collect = (component: JComponent) => {
        for (const property of component[1]) {
          const tzid = property[1].tzid;
          if (typeof tzid === "string") tzids.add(tzid);
        }
        component[2].forEach(collect);
      };
      group.forEach(collect);
      const neededZones = zones.filter((zone) => tzids.has(String(zone[1].find((property) => property[0] === "tzid")?.[3] ?? "")));
      out.push(writeComponent(["vcalendar", calendar[1], [...neededZones, ...group]], "icalendar"));
    }
  }
  return out;
}

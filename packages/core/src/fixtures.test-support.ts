/**
 * Small vobject builders for the engine's tests and benchmarks (not part of the public API).
 *
 * @module
 */

/** A vCard 4.0 with the given UID (or none) and properties (`{ FN: "Ada", EMAIL: "a@x" }`). */
export function vcard(uid: string | null, props: Record<string, string>, extra: string[] = []): string {
  const lines = ["BEGIN:VCARD", "VERSION:4.0"];
  if (uid !== null) lines.push(`UID:${uid}`);
  for (const [name, value] of Object.entries(props)) lines.push(`${name}:${value}`);
  lines.push(...extra, "END:VCARD");
  return `${lines.join("\r\n")}\r\n`;
}

/** An iCalendar object with one VEVENT. */
export function vevent(uid: string | null, props: Record<string, string>, extraComponents: string[] = []): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav//test//EN", "BEGIN:VEVENT"];
  if (uid !== null) lines.push(`UID:${uid}`);
  lines.push("DTSTAMP:20240101T000000Z");
  for (const [name, value] of Object.entries(props)) lines.push(`${name}:${value}`);
  lines.push("END:VEVENT", ...extraComponents, "END:VCALENDAR");
  return `${lines.join("\r\n")}\r\n`;
}

/** The value of the first property of that name in a text (unfolded), or `null`. */
export function prop(text: string, name: string): string | null {
  const unfolded = text.replace(/\r?\n[ \t]/g, "");
  const match = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, "m").exec(unfolded);
  return match ? match[1]!.replace(/\r$/, "") : null;
}

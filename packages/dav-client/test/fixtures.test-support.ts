/** Item texts for the conformance suite, one generator per flavour. */

/** A kind of item the suite runs over. */
export type Flavour = "VEVENT" | "VTODO" | "VCARD3" | "VCARD4";

/** Every flavour, in the order the suite runs them. */
export const FLAVOURS: readonly Flavour[] = ["VEVENT", "VTODO", "VCARD3", "VCARD4"];

/** Whether the flavour lives in a calendar. */
export function isCalendarFlavour(flavour: Flavour): boolean {
  return flavour === "VEVENT" || flavour === "VTODO";
}

function fold(line: string): string {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += 74) out.push((i === 0 ? "" : " ") + line.slice(i, i + 74));
  return out.join("\r\n");
}

/** The text of one item of the flavour, with the given UID and a summary / name that shows its revision. */
export function itemText(flavour: Flavour, uid: string, label: string, extraLines: readonly string[] = []): string {
  const lines: string[] = [];
  const escapedUid = uid.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,");
  if (flavour === "VEVENT" || flavour === "VTODO") {
    lines.push("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav//conformance//EN", `BEGIN:${flavour}`, `UID:${escapedUid}`, "DTSTAMP:20260101T000000Z");
    if (flavour === "VEVENT") lines.push("DTSTART:20260105T100000Z", "DTEND:20260105T110000Z");
    else lines.push("DUE:20260105T100000Z", "STATUS:NEEDS-ACTION");
    lines.push(`SUMMARY:${label}`, ...extraLines, `END:${flavour}`, "END:VCALENDAR");
  } else {
    const version = flavour === "VCARD3" ? "3.0" : "4.0";
    lines.push("BEGIN:VCARD", `VERSION:${version}`, `UID:${escapedUid}`, `FN:${label}`, `N:${label};;;;`, ...extraLines, "END:VCARD");
  }
  return lines.map(fold).join("\r\n") + "\r\n";
}

/** A line carrying about `bytes` of base64 data: PHOTO for vCards, ATTACH for iCalendar. */
export function largeLine(flavour: Flavour, bytes: number, options: { dataUri?: boolean } = {}): string {
  const raw = Buffer.alloc(Math.ceil((bytes * 3) / 4));
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  const data = raw.toString("base64").slice(0, bytes - (bytes % 4));
  if (flavour === "VCARD3" || (flavour === "VCARD4" && options.dataUri === false)) return `PHOTO;ENCODING=b;TYPE=JPEG:${data}`;
  if (flavour === "VCARD4") return `PHOTO:data:image/jpeg;base64,${data}`;
  return `ATTACH;FMTTYPE=image/jpeg;ENCODING=BASE64;VALUE=BINARY:${data}`;
}

/** The summary / formatted name in an item's text (unfolded). */
export function labelOf(text: string): string | undefined {
  const unfolded = text.replace(/\r?\n[ \t]/g, "");
  return /^(?:SUMMARY|FN):(.*?)\r?$/m.exec(unfolded)?.[1];
}

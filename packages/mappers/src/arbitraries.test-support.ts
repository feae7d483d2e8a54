/**
 * fast-check arbitraries for the mapper tests: vCards and VTODOs within the EWS limits (in the
 * varied shapes clients write: version, parameter case, property order, groups), EWS contacts and
 * tasks, and the overflow and unsupported properties beyond the limits.
 */
import fc from "fast-check";
import { ianaZone } from "./timezone/resolve.js";
import type { Contact, Task, TaskRecurrence } from "@ewsdav/ews-client";
import { EWSDAV_UID_PROPERTY } from "./identity.js";
import { PHONE_SLOTS } from "./contact/slots.js";

const CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", " ", ",", ";", ":", "\\", "ü", "é", "日", "本", "ß", "'", '"', "-", ".", "!", "😀"];

/** Text that survives every carrier: non-empty, no leading/trailing blanks, no control characters. */
export const safeText = (maxLength = 24): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...CHARS), { minLength: 1, maxLength })
    .map((chars) => chars.join("").trim())
    .filter((text) => text.length > 0);

/** Multi-line text (NOTE, DESCRIPTION). */
export const noteText = fc.array(safeText(30), { minLength: 1, maxLength: 3 }).map((lines) => lines.join("\n"));

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
/** An e-mail address. */
export const emailAddress = fc.tuple(word, word).map(([user, host]) => `${user}@${host}.example`);
/** A phone number as people type them. */
export const phoneNumber = fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 100, max: 999 }), fc.integer({ min: 1000, max: 9999 })).map(([cc, a, b]) => `+${cc} ${a} ${b}`);
/** An IM URI. */
export const imUri = fc.tuple(fc.constantFrom("xmpp", "sip", "skype", "aim"), word, word).map(([scheme, user, host]) => `${scheme}:${user}@${host}.example`);
/** Base64 content of a small "photo". */
export const photoContent = fc.uint8Array({ minLength: 3, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString("base64"));

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
/** A calendar date (day ≤ 28 keeps every month valid). */
export const calendarDate = fc.record({ year: fc.integer({ min: 1900, max: 2090 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) });

/** Escapes text for a vCard / iCalendar text value. */
export function escape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/,/g, "\\,").replace(/;/g, "\\;");
}

/** How a generated card spells things. */
export interface CardStyle {
  version: "3.0" | "4.0";
  upperTypes: boolean;
  repeatTypeParams: boolean;
  crlf: boolean;
  fold: boolean;
}

/** Spelling choices for a card. */
export const cardStyle: fc.Arbitrary<CardStyle> = fc.record({
  version: fc.constantFrom("3.0" as const, "4.0" as const),
  upperTypes: fc.boolean(),
  repeatTypeParams: fc.boolean(),
  crlf: fc.boolean(),
  fold: fc.boolean(),
});

/** The content of a card within the EWS limits (one value per EWS slot at most). */
export interface CardContent {
  uid: string;
  fn: string;
  n: [string, string, string, string, string] | null;
  nickname: string | null;
  org: [string, string] | null;
  title: string | null;
  role: string | null;
  emails: Array<{ type: "work" | "home" | "other"; address: string }>;
  phones: Array<{ slot: number; number: string }>;
  addresses: Array<{ type: "work" | "home" | "other"; parts: [string, string, string, string, string]; pref: boolean }>;
  ims: string[];
  url: string | null;
  bday: { year: number | null; month: number; day: number } | null;
  anniversary: { year: number; month: number; day: number } | null;
  gender: "M" | "F" | "O" | null;
  spouse: string | null;
  manager: string | null;
  assistant: string | null;
  children: string[];
  categories: string[];
  note: string | null;
  photo: string | null;
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const uniqueBy = <T>(arb: fc.Arbitrary<T>, key: (value: T) => unknown, maxLength: number) => fc.uniqueArray(arb, { selector: key, maxLength });

/** Card content within the limits. */
export const cardContent: fc.Arbitrary<CardContent> = fc.record({
  uid: fc.uuid(),
  fn: safeText(),
  n: optional(fc.tuple(safeText(), safeText(), fc.constantFrom("", "Q."), fc.constantFrom("", "Dr."), fc.constantFrom("", "Jr."))),
  nickname: optional(safeText()),
  org: optional(fc.tuple(safeText(), fc.constantFrom("", "Sales", "R&D"))),
  title: optional(safeText()),
  role: optional(safeText()),
  emails: uniqueBy(fc.record({ type: fc.constantFrom("work" as const, "home" as const, "other" as const), address: emailAddress }), (email) => email.type, 3).filter((emails) => new Set(emails.map((email) => email.address)).size === emails.length),
  phones: uniqueBy(fc.record({ slot: fc.integer({ min: 0, max: PHONE_SLOTS.length - 1 }), number: phoneNumber }), (phone) => phone.slot, 8),
  addresses: uniqueBy(
    fc.record({ type: fc.constantFrom("work" as const, "home" as const, "other" as const), parts: fc.tuple(safeText(), safeText(), fc.constantFrom("", "CA", "Bayern"), fc.constantFrom("", "12345", "95014"), fc.constantFrom("", "USA", "Deutschland")), pref: fc.constant(false) }),
    (address) => address.type,
    3,
  ),
  ims: fc.uniqueArray(imUri, { maxLength: 3 }),
  url: optional(fc.constantFrom("https://example.com/", "https://ewsdav.example/a?b=c")),
  bday: optional(fc.record({ year: fc.option(fc.integer({ min: 1900, max: 2090 }), { nil: null }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) })),
  anniversary: optional(calendarDate),
  gender: fc.constantFrom("M" as const, "F" as const, "O" as const, null),
  spouse: optional(safeText()),
  manager: optional(safeText()),
  assistant: optional(safeText()),
  children: fc.uniqueArray(safeText(), { maxLength: 3 }),
  categories: fc.uniqueArray(safeText(12), { maxLength: 3 }),
  note: optional(noteText),
  photo: optional(photoContent),
}).chain((content) =>
  // At most one preferred (mailing) address.
  fc.integer({ min: -1, max: content.addresses.length - 1 }).map((pref) => ({ ...content, addresses: content.addresses.map((address, index) => ({ ...address, pref: index === pref })) })),
);

function typeParam(style: CardStyle, types: string[]): string {
  const spelled = types.map((type) => (style.upperTypes ? type.toUpperCase() : type));
  if (spelled.length === 0) return "";
  return style.repeatTypeParams ? spelled.map((type) => `;TYPE=${type}`).join("") : `;TYPE=${spelled.join(",")}`;
}

function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (rest.length > 40) {
    let cut = 40;
    if (/[\uDC00-\uDFFF]/.test(rest[cut] ?? "")) cut--;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out.join("\r\n ");
}

const dateText = (date: { year: number | null; month: number; day: number }) => (date.year === null ? `--${pad(date.month)}${pad(date.day)}` : `${pad(date.year, 4)}${pad(date.month)}${pad(date.day)}`);

/** Writes card content as vCard text in a style; `extraLines` go before END:VCARD, `shuffle` orders the lines. */
export function cardText(content: CardContent, style: CardStyle, extraLines: string[] = [], order: number[] = []): string {
  const v4 = style.version === "4.0";
  const lines: string[] = [];
  lines.push(`UID:${content.uid}`);
  lines.push(`FN:${escape(content.fn)}`);
  if (content.n) lines.push(`N:${content.n.map(escape).join(";")}`);
  else if (!v4) lines.push("N:;;;;");
  if (content.nickname) lines.push(`NICKNAME:${escape(content.nickname)}`);
  if (content.org) lines.push(`ORG:${escape(content.org[0])}${content.org[1] ? `;${escape(content.org[1])}` : ""}`);
  if (content.title) lines.push(`TITLE:${escape(content.title)}`);
  if (content.role) lines.push(`ROLE:${escape(content.role)}`);
  for (const email of content.emails) lines.push(`EMAIL${typeParam(style, v4 ? [email.type] : ["internet", email.type])}:${email.address}`);
  for (const phone of content.phones) lines.push(`TEL${typeParam(style, PHONE_SLOTS[phone.slot]!.types)}${v4 ? ";VALUE=text" : ""}:${phone.number}`);
  for (const address of content.addresses) {
    const pref = address.pref ? (v4 ? ";PREF=1" : typeParam(style, ["pref"])) : "";
    lines.push(`ADR${typeParam(style, [address.type])}${pref}:;;${address.parts.map(escape).join(";")}`);
  }
  for (const im of content.ims) lines.push(`IMPP:${im}`);
  if (content.url) lines.push(`URL${typeParam(style, ["work"])}:${content.url}`);
  if (content.bday) {
    if (v4 || content.bday.year !== null) lines.push(`BDAY:${dateText(content.bday)}`);
    else lines.push(`BDAY;X-APPLE-OMIT-YEAR=1604:1604-${pad(content.bday.month)}-${pad(content.bday.day)}`);
  }
  if (content.anniversary) lines.push(`${v4 ? "ANNIVERSARY" : "X-ANNIVERSARY"}:${v4 ? dateText(content.anniversary) : `${pad(content.anniversary.year, 4)}-${pad(content.anniversary.month)}-${pad(content.anniversary.day)}`}`);
  if (content.gender) lines.push(v4 ? `GENDER:${content.gender}` : `X-GENDER:${{ M: "Male", F: "Female", O: "Other" }[content.gender]}`);
  if (content.spouse) lines.push(v4 ? `RELATED;TYPE=spouse;VALUE=text:${escape(content.spouse)}` : `X-MS-SPOUSE:${escape(content.spouse)}`);
  if (content.manager) lines.push(`X-MS-MANAGER:${escape(content.manager)}`);
  if (content.assistant) lines.push(`X-MS-ASSISTANT:${escape(content.assistant)}`);
  for (const child of content.children) lines.push(v4 ? `RELATED;TYPE=child;VALUE=text:${escape(child)}` : `X-CHILD:${escape(child)}`);
  if (content.categories.length > 0) lines.push(`CATEGORIES:${content.categories.map(escape).join(",")}`);
  if (content.note) lines.push(`NOTE:${escape(content.note)}`);
  if (content.photo) lines.push(v4 ? `PHOTO:data:image/jpeg;base64,${content.photo}` : `PHOTO;ENCODING=b;TYPE=JPEG:${content.photo}`);
  lines.push(...extraLines);
  const ordered = order.length > 0 ? [...lines].sort((a, b) => (order[lines.indexOf(a) % order.length] ?? 0) - (order[lines.indexOf(b) % order.length] ?? 0)) : lines;
  const all = ["BEGIN:VCARD", `VERSION:${style.version}`, "PRODID:-//ewsdav tests//EN", ...ordered, "END:VCARD"];
  return all.map((line) => (style.fold ? fold(line) : line)).join(style.crlf ? "\r\n" : "\n") + (style.crlf ? "\r\n" : "\n");
}

/** An EWS contact within what vCard carries. */
export const ewsContact: fc.Arbitrary<Contact> = fc
  .record(
    {
      displayName: safeText(),
      givenName: safeText(),
      surname: safeText(),
      middleName: safeText(),
      title: fc.constantFrom("Dr.", "Prof."),
      generation: fc.constantFrom("Jr.", "III"),
      nickname: safeText(),
      companyName: safeText(),
      department: safeText(),
      jobTitle: safeText(),
      profession: safeText(),
      spouseName: safeText(),
      manager: safeText(),
      assistantName: safeText(),
      children: fc.uniqueArray(safeText(), { minLength: 1, maxLength: 3 }),
      categories: fc.uniqueArray(safeText(12), { minLength: 1, maxLength: 3 }),
      businessHomePage: fc.constantFrom("https://example.com/", "https://ewsdav.example/x"),
      birthday: fc.tuple(fc.option(fc.integer({ min: 1900, max: 2090 }), { nil: null }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${y ?? 1604}-${pad(m)}-${pad(d)}T00:00:00Z`),
      weddingAnniversary: calendarDate.map((date) => `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}T00:00:00Z`),
      gender: fc.constantFrom("Male", "Female", "Other", "Unknown", "nonbinary"),
      body: noteText.map((value) => ({ bodyType: "Text" as const, value })),
      emailAddresses: fc.uniqueArray(emailAddress, { maxLength: 3 }).chain((addresses) =>
        fc.shuffledSubarray(["EmailAddress1", "EmailAddress2", "EmailAddress3"] as const, { minLength: addresses.length, maxLength: addresses.length }).map((keys) => Object.fromEntries(keys.map((key, index) => [key, { address: addresses[index]! }]))),
      ),
      phoneNumbers: fc.dictionary(fc.constantFrom(...PHONE_SLOTS.map((slot) => slot.key)), phoneNumber, { maxKeys: 10 }),
      physicalAddresses: fc.dictionary(fc.constantFrom("Home" as const, "Business" as const, "Other" as const), fc.record({ street: safeText(), city: safeText(), postalCode: fc.constantFrom("12345", "95014") }, { requiredKeys: ["city"] }), { maxKeys: 3 }),
      imAddresses: fc.uniqueArray(fc.oneof(imUri, safeText(12).filter((text) => !/^[a-z][a-z0-9+.-]*:/i.test(text))), { maxLength: 3 }).map((values) => Object.fromEntries(values.map((value, index) => [`ImAddress${index + 1}`, value]))),
      photo: photoContent,
      uid: fc.uuid(),
    },
    { requiredKeys: ["displayName", "uid"] },
  )
  .map((record) => {
    const { photo, uid, ...fields } = record;
    const contact: Contact = { ...fields } as Contact;
    contact.fileAs = contact.displayName;
    contact.extendedProperties = [{ fieldUri: { ...EWSDAV_UID_PROPERTY }, value: uid }];
    if (photo) contact.attachments = [{ kind: "file", name: "ContactPicture.jpg", contentType: "image/jpeg", isContactPhoto: true, content: photo }];
    for (const key of ["emailAddresses", "phoneNumbers", "physicalAddresses", "imAddresses"] as const) {
      const value = contact[key] as Record<string, unknown> | undefined;
      if (value && Object.keys(value).length === 0) delete contact[key];
    }
    // A second work or home number comes back in the first slot when that one is empty.
    const phones = contact.phoneNumbers;
    for (const [second, first] of [["HomePhone2", "HomePhone"], ["BusinessPhone2", "BusinessPhone"]] as const) {
      if (phones?.[second] !== undefined && phones[first] === undefined) {
        phones[first] = phones[second];
        delete phones[second];
      }
    }
    const addresses = contact.physicalAddresses;
    if (addresses && Object.keys(addresses).length > 0) contact.postalAddressIndex = Object.keys(addresses)[0] as "Home";
    return contact;
  });

/** A zone form for DTSTART / DUE. */
export type GeneratedForm = "date" | "utc" | "floating" | "Europe/Berlin" | "America/New_York";

const hourOfDay = fc.integer({ min: 8, max: 20 });

/** A VTODO time: local fields and form (no DST gaps: hours 8–20). */
export const todoTime = fc.record({ date: calendarDate.filter((date) => date.year >= 1971 && date.year <= 2036), hour: hourOfDay, minute: fc.constantFrom(0, 15, 30, 45), form: fc.constantFrom<GeneratedForm>("date", "utc", "floating", "Europe/Berlin", "America/New_York") });

/** Writes DTSTART / DUE text. */
export function todoTimeLine(name: string, time: { date: { year: number; month: number; day: number }; hour: number; minute: number; form: GeneratedForm }): string {
  const date = `${pad(time.date.year, 4)}${pad(time.date.month)}${pad(time.date.day)}`;
  const clock = `T${pad(time.hour)}${pad(time.minute)}00`;
  switch (time.form) {
    case "date":
      return `${name};VALUE=DATE:${date}`;
    case "utc":
      return `${name}:${date}${clock}Z`;
    case "floating":
      return `${name}:${date}${clock}`;
    default:
      return `${name};TZID=${time.form}:${date}${clock}`;
  }
}

const ICAL_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
/** RRULE text (without range) EWS can say exactly. */
export const rruleCore = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((n) => `FREQ=DAILY${n > 1 ? `;INTERVAL=${n}` : ""}`),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.uniqueArray(fc.constantFrom(...ICAL_DAYS), { minLength: 1, maxLength: 7 })).map(([n, days]) => `FREQ=WEEKLY${n > 1 ? `;INTERVAL=${n}` : ""};BYDAY=${days.join(",")}`),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 31 })).map(([n, day]) => `FREQ=MONTHLY${n > 1 ? `;INTERVAL=${n}` : ""};BYMONTHDAY=${day}`),
  fc.tuple(fc.constantFrom(1, 2, 3, 4, -1), fc.constantFrom(...ICAL_DAYS)).map(([n, day]) => `FREQ=MONTHLY;BYDAY=${n}${day}`),
  fc.tuple(fc.constantFrom(1, 2, 3, 4, -1), fc.constantFrom("MO,TU,WE,TH,FR", "SA,SU", "SU,MO,TU,WE,TH,FR,SA")).map(([n, days]) => `FREQ=MONTHLY;BYDAY=${days};BYSETPOS=${n}`),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([month, day]) => `FREQ=YEARLY;BYMONTH=${month};BYMONTHDAY=${day}`),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 2, -1), fc.constantFrom(...ICAL_DAYS)).map(([month, n, day]) => `FREQ=YEARLY;BYMONTH=${month};BYDAY=${n}${day}`),
);

/** The content of a VTODO within the EWS limits. */
export interface TodoContent {
  uid: string;
  summary: string | null;
  description: string | null;
  start: { date: { year: number; month: number; day: number }; hour: number; minute: number; form: GeneratedForm } | null;
  due: { date: { year: number; month: number; day: number }; hour: number; minute: number; form: GeneratedForm } | null;
  completed: { date: { year: number; month: number; day: number }; hour: number; minute: number } | null;
  percent: number | null;
  status: "NEEDS-ACTION" | "IN-PROCESS" | "COMPLETED" | "WaitingOnOthers" | "Deferred";
  priority: 1 | 9 | null;
  klass: "PRIVATE" | "CONFIDENTIAL" | "Personal" | null;
  categories: string[];
  rrule: { core: string; range: "none" | "count" | "until"; count: number; until: { year: number; month: number; day: number } } | null;
  regeneration: { freq: "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY"; interval: number; count: number | null } | null;
  alarm: { date: { year: number; month: number; day: number }; hour: number; minute: number } | null;
}

/** VTODO content within the limits. */
export const todoContent: fc.Arbitrary<TodoContent> = fc
  .record({
    uid: fc.uuid(),
    summary: optional(safeText()),
    description: optional(noteText),
    start: optional(todoTime),
    due: optional(todoTime),
    completed: optional(fc.record({ date: calendarDate.filter((date) => date.year > 1970 && date.year < 2037), hour: hourOfDay, minute: fc.constantFrom(0, 30) })),
    percent: optional(fc.integer({ min: 1, max: 100 })),
    status: fc.constantFrom("NEEDS-ACTION" as const, "IN-PROCESS" as const, "COMPLETED" as const, "WaitingOnOthers" as const, "Deferred" as const),
    priority: fc.constantFrom(1 as const, 9 as const, null),
    klass: fc.constantFrom("PRIVATE" as const, "CONFIDENTIAL" as const, "Personal" as const, null),
    categories: fc.uniqueArray(safeText(12), { maxLength: 3 }),
    rrule: optional(fc.record({ core: rruleCore, range: fc.constantFrom("none" as const, "count" as const, "until" as const), count: fc.integer({ min: 1, max: 50 }), until: calendarDate.filter((date) => date.year > 2036 && date.year < 2090) })),
    regeneration: optional(fc.record({ freq: fc.constantFrom("DAILY" as const, "WEEKLY" as const, "MONTHLY" as const, "YEARLY" as const), interval: fc.integer({ min: 1, max: 9 }), count: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }) })),
    alarm: optional(fc.record({ date: calendarDate.filter((date) => date.year > 1970 && date.year < 2037), hour: hourOfDay, minute: fc.constantFrom(0, 15, 45) })),
  })
  .map((content) => {
    // A recurrence needs DTSTART; only one of RRULE and regeneration.
    if ((content.rrule || content.regeneration) && !content.start) content.start = { date: { year: 2026, month: 3, day: 2 }, hour: 9, minute: 0, form: "date" };
    if (content.rrule && content.regeneration) content.regeneration = null;
    return content;
  });

const STATUS_LINES: Record<TodoContent["status"], string[]> = {
  "NEEDS-ACTION": ["STATUS:NEEDS-ACTION"],
  "IN-PROCESS": ["STATUS:IN-PROCESS"],
  COMPLETED: ["STATUS:COMPLETED"],
  WaitingOnOthers: ["STATUS:IN-PROCESS", "X-EWS-STATUS:WaitingOnOthers"],
  Deferred: ["STATUS:NEEDS-ACTION", "X-EWS-STATUS:Deferred"],
};

/** Writes VTODO content as a VCALENDAR. */
export function todoText(content: TodoContent, extraLines: string[] = [], extraComponents: string[] = []): string {
  const lines = [`UID:${content.uid}`, "DTSTAMP:20260101T000000Z"];
  if (content.summary) lines.push(`SUMMARY:${escape(content.summary)}`);
  if (content.description) lines.push(`DESCRIPTION:${escape(content.description)}`);
  if (content.start) lines.push(todoTimeLine("DTSTART", content.start));
  if (content.due) lines.push(todoTimeLine("DUE", content.due));
  if (content.completed) lines.push(todoTimeLine("COMPLETED", { ...content.completed, form: "utc" }));
  if (content.percent !== null) lines.push(`PERCENT-COMPLETE:${content.percent}`);
  lines.push(...STATUS_LINES[content.status]);
  if (content.priority !== null) lines.push(`PRIORITY:${content.priority}`);
  if (content.klass === "Personal") lines.push("CLASS;X-EWS-SENSITIVITY=Personal:PRIVATE");
  else if (content.klass) lines.push(`CLASS:${content.klass}`);
  if (content.categories.length > 0) lines.push(`CATEGORIES:${content.categories.map(escape).join(",")}`);
  if (content.rrule) {
    const dateOnly = content.start?.form === "date";
    // UNTIL within what EWS holds: the start of the last occurrence (on EndDate at DTSTART's time
    // of day), in UTC for UTC and zoned series, local for floating ones (RFC 5545 §3.3.10).
    const { year, month, day } = content.rrule.until;
    const start = content.start!;
    const lastStart = Date.UTC(year, month - 1, day, start.hour, start.minute);
    const utc = start.form === "Europe/Berlin" || start.form === "America/New_York" ? ianaZone(start.form).toUtc(lastStart) : lastStart;
    const basic = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").slice(0, 15);
    const until = dateOnly ? `${pad(year, 4)}${pad(month)}${pad(day)}` : start.form === "floating" ? basic(lastStart) : `${basic(utc)}Z`;
    const range = content.rrule.range === "count" ? `;COUNT=${content.rrule.count}` : content.rrule.range === "until" ? `;UNTIL=${until}` : "";
    lines.push(`RRULE:${content.rrule.core}${range}`);
  }
  if (content.regeneration) {
    lines.push(`X-EWS-REGENERATION:FREQ=${content.regeneration.freq};INTERVAL=${content.regeneration.interval}${content.regeneration.count ? `;COUNT=${content.regeneration.count}` : ""}`);
  }
  lines.push(...extraLines);
  const components: string[] = [];
  if (content.alarm) {
    components.push(["BEGIN:VALARM", "ACTION:DISPLAY", `DESCRIPTION:${escape(content.summary ?? "Reminder")}`, todoTimeLine("TRIGGER;VALUE=DATE-TIME", { ...content.alarm, form: "utc" }), "END:VALARM"].join("\r\n"));
  }
  components.push(...extraComponents);
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", "BEGIN:VTODO", ...lines, ...components, "END:VTODO", "END:VCALENDAR"].join("\r\n") + "\r\n";
}

/** An EWS task within what VTODO carries (dates without remembered forms are whole days). */
export const ewsTask: fc.Arbitrary<Task> = fc
  .record(
    {
      subject: safeText(),
      body: noteText.map((value) => ({ bodyType: "Text" as const, value })),
      startDay: calendarDate.filter((date) => date.year > 1970 && date.year < 2037),
      dueDay: calendarDate.filter((date) => date.year > 1970 && date.year < 2037),
      completeDate: fc.integer({ min: 0, max: 2_000_000_000 }).map((seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")),
      percentComplete: fc.integer({ min: 0, max: 100 }),
      status: fc.constantFrom("NotStarted" as const, "InProgress" as const, "Completed" as const, "WaitingOnOthers" as const, "Deferred" as const),
      importance: fc.constantFrom("Low" as const, "Normal" as const, "High" as const),
      sensitivity: fc.constantFrom("Normal" as const, "Personal" as const, "Private" as const, "Confidential" as const),
      categories: fc.uniqueArray(safeText(12), { minLength: 1, maxLength: 3 }),
      reminder: fc.integer({ min: 0, max: 2_000_000_000 }).map((seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")),
      recurrence: fc.oneof(
        fc.record({ kind: fc.constant("DailyRecurrence" as const), interval: fc.integer({ min: 1, max: 30 }) }),
        fc.record({ kind: fc.constant("WeeklyRecurrence" as const), interval: fc.integer({ min: 1, max: 4 }), daysOfWeek: fc.uniqueArray(fc.constantFrom("Sunday" as const, "Monday" as const, "Tuesday" as const, "Wednesday" as const, "Thursday" as const, "Friday" as const, "Saturday" as const), { minLength: 1, maxLength: 7 }) }),
        fc.record({ kind: fc.constant("AbsoluteMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 12 }), dayOfMonth: fc.integer({ min: 1, max: 31 }) }),
        fc.record({ kind: fc.constant("RelativeMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 12 }), daysOfWeek: fc.constantFrom("Monday" as const, "Day" as const, "Weekday" as const, "WeekendDay" as const, "Friday" as const), dayOfWeekIndex: fc.constantFrom("First" as const, "Second" as const, "Third" as const, "Fourth" as const, "Last" as const) }),
        fc.record({ kind: fc.constant("AbsoluteYearlyRecurrence" as const), dayOfMonth: fc.integer({ min: 1, max: 28 }), month: fc.constantFrom("January" as const, "June" as const, "December" as const) }),
        fc.record({ kind: fc.constant("RelativeYearlyRecurrence" as const), daysOfWeek: fc.constantFrom("Sunday" as const, "Weekday" as const), dayOfWeekIndex: fc.constantFrom("First" as const, "Last" as const), month: fc.constantFrom("March" as const, "October" as const) }),
        fc.record({ kind: fc.constantFrom("DailyRegeneration" as const, "WeeklyRegeneration" as const, "MonthlyRegeneration" as const, "YearlyRegeneration" as const), interval: fc.integer({ min: 1, max: 10 }) }),
      ),
      range: fc.oneof(fc.constant({ kind: "NoEndRecurrence" as const }), fc.integer({ min: 1, max: 999 }).map((n) => ({ kind: "NumberedRecurrence" as const, numberOfOccurrences: n })), calendarDate.map((date) => ({ kind: "EndDateRecurrence" as const, endDate: `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}` }))),
      uid: fc.uuid(),
    },
    { requiredKeys: ["uid", "status", "importance", "sensitivity", "percentComplete"] },
  )
  .map((record) => {
    const day = (date: { year: number; month: number; day: number }) => `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
    const task: Task = { status: record.status, importance: record.importance, sensitivity: record.sensitivity };
    if (record.subject) task.subject = record.subject;
    if (record.body) task.body = record.body;
    if (record.startDay) task.startDate = `${day(record.startDay)}T00:00:00Z`;
    if (record.dueDay) task.dueDate = `${day(record.dueDay)}T00:00:00Z`;
    if (record.completeDate) task.completeDate = record.completeDate;
    if (record.percentComplete !== undefined) task.percentComplete = record.percentComplete;
    if (record.categories) task.categories = record.categories;
    task.reminderIsSet = record.reminder !== undefined;
    if (record.reminder) task.reminderDueBy = record.reminder;
    if (record.recurrence && record.range && record.startDay) {
      task.recurrence = { pattern: record.recurrence, range: { ...record.range, startDate: day(record.startDay) } } as TaskRecurrence;
    }
    task.extendedProperties = [{ fieldUri: { ...EWSDAV_UID_PROPERTY }, value: record.uid }];
    return task;
  });

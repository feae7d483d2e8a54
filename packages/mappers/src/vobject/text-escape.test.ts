/**
 * Text escaping of vCard 3.0 (RFC 2426 §5), vCard 4.0 (RFC 6350 §3.4) and iCalendar (RFC 5545
 * §3.3.11) in every text property the mappers carry both ways (issue 13, item 4: "escape creep").
 * DAV → EWS → DAV and EWS → DAV → EWS are fixed points after the first pass, and any EWS text
 * round trips through the vCard / iCalendar text unchanged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CalendarItem, Contact, Task } from "@ewsdav/ews-client";
import { fuzzRuns } from "../fuzz.test-support.js";
import { contactFromVCard, contactToVCard, eventFromVEvent, eventToVEvent, taskFromVTodo, taskToVTodo } from "../index.js";

const card = (version: "3.0" | "4.0", ...lines: string[]) => ["BEGIN:VCARD", `VERSION:${version}`, "FN:Test Person", ...lines, "END:VCARD", ""].join("\r\n");
const calendar = (component: "VEVENT" | "VTODO", ...lines: string[]) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//escape//EN", `BEGIN:${component}`, "UID:escape-1", "DTSTAMP:20260101T000000Z", ...(component === "VEVENT" ? ["DTSTART:20260301T090000Z", "DTEND:20260301T100000Z"] : []), ...lines, `END:${component}`, "END:VCALENDAR", ""].join("\r\n");

/** DTSTAMP of written events and tasks: fixed, so two writes of the same item give the same text. */
const NOW = { now: new Date("2026-01-01T00:00:00Z") };

const ISSUE_NOTE = "NOTE:Line one\\, with comma\\; and semicolon";
const ISSUE_TEXT = "Line one, with comma; and semicolon";
/** The same escapes in a value: comma, semicolon, backslash, newline (both spellings). */
const ESCAPED = "a\\, b\\; c\\\\d\\ne\\Nf";
const PLAIN = "a, b; c\\d\ne\nf";

/** The text fields of a contact the tests look at. */
function contactText(item: Contact): Record<string, unknown> {
  return {
    body: item.body?.value ?? null,
    jobTitle: item.jobTitle ?? null,
    companyName: item.companyName ?? null,
    department: item.department ?? null,
    surname: item.surname ?? null,
    givenName: item.givenName ?? null,
    middleName: item.middleName ?? null,
    title: item.title ?? null,
    generation: item.generation ?? null,
    business: item.physicalAddresses?.Business ?? null,
    categories: item.categories ?? [],
  };
}

/** DAV → EWS → DAV → EWS → DAV: the second text equals the first written one, and the item is the same each time. */
function contactFixedPoint(text: string, version: "3.0" | "4.0"): { item: Contact; written: string } {
  const first = contactFromVCard(text).item;
  const written = contactToVCard(first, { version }).text;
  const second = contactFromVCard(written).item;
  expect(contactText(second)).toEqual(contactText(first));
  expect(contactToVCard(second, { version }).text).toBe(written);
  // Written onto the text it was read from (the sync's merge), nothing changes either.
  const merged = contactToVCard(first, { base: text }).text;
  expect(contactText(contactFromVCard(merged).item)).toEqual(contactText(first));
  return { item: first, written };
}

describe("vCard text escapes (RFC 2426 §5, RFC 6350 §3.4)", () => {
  for (const version of ["3.0", "4.0"] as const) {
    it(`reads the issue's NOTE in ${version} as plain text and the round trip adds no backslash`, () => {
      const { item, written } = contactFixedPoint(card(version, ISSUE_NOTE), version);
      expect(item.body?.value).toBe(ISSUE_TEXT);
      expect(written).not.toContain("\\\\");
      // A second and third round trip give the same text.
      let text = written;
      for (let pass = 0; pass < 3; pass++) text = contactToVCard(contactFromVCard(text).item, { version }).text;
      expect(text).toBe(written);
    });

    it(`unescapes NOTE, TITLE, ORG, N, ADR and CATEGORIES in ${version}`, () => {
      const text = card(
        version,
        `NOTE:${ESCAPED}`,
        `TITLE:${ESCAPED}`,
        "ORG:Acme\\; Co\\, Ltd\\\\x;Sales\\; East",
        "N:Doe\\; Jr\\,;Jane\\;A;M\\, N;Dr\\;;III\\\\",
        "ADR;TYPE=WORK:;;1 Main St\\; Suite 2\\, Floor 3;Town\\;ship;Re\\,gion;12\\;34;Coun\\\\try",
        "CATEGORIES:one\\;two,three\\,four,five\\\\six",
      );
      const { item } = contactFixedPoint(text, version);
      expect(contactText(item)).toEqual({
        body: PLAIN,
        jobTitle: PLAIN,
        companyName: "Acme; Co, Ltd\\x",
        department: "Sales; East",
        surname: "Doe; Jr,",
        givenName: "Jane;A",
        middleName: "M, N",
        title: "Dr;",
        generation: "III\\",
        business: { street: "1 Main St; Suite 2, Floor 3", city: "Town;ship", state: "Re,gion", postalCode: "12;34", countryOrRegion: "Coun\\try" },
        categories: ["one;two", "three,four", "five\\six"],
      });
    });
  }

  it("writes `;` escaped in every vCard 3.0 text value (RFC 2426 SAFE-CHAR), bare in 4.0 single text values", () => {
    const item: Contact = { displayName: "P", body: { bodyType: "Text", value: "a;b" }, jobTitle: "c;d" };
    const v3 = contactToVCard(item, { version: "3.0" }).text;
    expect(v3).toContain("NOTE:a\\;b\r\n");
    expect(v3).toContain("TITLE:c\\;d\r\n");
    const v4 = contactToVCard(item, { version: "4.0" }).text;
    expect(v4).toContain("NOTE:a;b\r\n");
    expect(v4).toContain("TITLE:c;d\r\n");
  });

  it("keeps a value holding a noncharacter and a backslash (the reader's stand-in for `\\\\`)", () => {
    const value = "x\uFDD0\\y";
    for (const version of ["3.0", "4.0"] as const) {
      const text = contactToVCard({ displayName: "P", body: { bodyType: "Text", value } }, { version }).text;
      expect(contactFromVCard(text).item.body?.value).toBe(value);
    }
  });
});

describe("iCalendar text escapes (RFC 5545 §3.3.11)", () => {
  it("VEVENT SUMMARY, DESCRIPTION, LOCATION and CATEGORIES round trip with no creep", () => {
    const text = calendar("VEVENT", `SUMMARY:${ESCAPED}`, `DESCRIPTION:${ESCAPED}`, `LOCATION:${ESCAPED}`, "CATEGORIES:one\\;two,three\\,four,five\\\\six");
    const first = eventFromVEvent(text).item;
    expect([first.subject, first.body?.value, first.location, first.categories]).toEqual([PLAIN, PLAIN, PLAIN, ["one;two", "three,four", "five\\six"]]);
    const written = eventToVEvent(first, NOW).text;
    const second = eventFromVEvent(written).item;
    expect([second.subject, second.body?.value, second.location, second.categories]).toEqual([first.subject, first.body?.value, first.location, first.categories]);
    expect(eventToVEvent(second, NOW).text).toBe(written);
  });

  it("VTODO SUMMARY and DESCRIPTION round trip with no creep", () => {
    const text = calendar("VTODO", `SUMMARY:${ESCAPED}`, `DESCRIPTION:${ESCAPED}`, "CATEGORIES:one\\;two,three\\,four");
    const first = taskFromVTodo(text).item;
    expect([first.subject, first.body?.value, first.categories]).toEqual([PLAIN, PLAIN, ["one;two", "three,four"]]);
    const written = taskToVTodo(first, NOW).text;
    const second = taskFromVTodo(written).item;
    expect([second.subject, second.body?.value, second.categories]).toEqual([first.subject, first.body?.value, first.categories]);
    expect(taskToVTodo(second, NOW).text).toBe(written);
  });
});

// Text as Exchange holds it after a write: no CR (a content line holds LF only, RFC 5545 §3.1), no
// other control characters, and not empty or blank (an empty field is absent). Characters that
// need escaping are drawn often.
const special = fc.constantFrom("\\", ",", ";", ":", "\n", "\\n", "\\;", "\\,", "\\\\", "\"", " ");
const ewsText = fc
  .array(fc.oneof({ weight: 2, arbitrary: special }, { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) }), { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join("").replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ""))
  .filter((text) => text.trim() !== "" && text === text.trim());
// Categories are trimmed and deduplicated when read.
const categoryList = fc.uniqueArray(ewsText, { minLength: 1, maxLength: 3 });
const RUNS = { numRuns: fuzzRuns(200) };

describe("property: EWS text → vCard / iCalendar → EWS is unchanged, and the written text is a fixed point", () => {
  it("contacts in vCard 3.0 and 4.0 (note, job title, company, department, name parts, street, categories)", () => {
    fc.assert(
      fc.property(fc.constantFrom("3.0" as const, "4.0" as const), ewsText, ewsText, ewsText, ewsText, categoryList, (version, note, job, company, part, categories) => {
        const item: Contact = {
          displayName: "P",
          body: { bodyType: "Text", value: note },
          jobTitle: job,
          companyName: company,
          department: part,
          surname: part,
          givenName: note,
          physicalAddresses: { Business: { street: part, city: job } },
          categories,
        };
        const text = contactToVCard(item, { version }).text;
        const back = contactFromVCard(text).item;
        expect(contactText(back)).toEqual(contactText(item));
        expect(contactToVCard(back, { version }).text).toBe(text);
      }),
      RUNS,
    );
  });

  it("events (subject, body, location, categories) and tasks (subject, body, categories)", () => {
    fc.assert(
      fc.property(ewsText, ewsText, ewsText, categoryList, (subject, body, location, categories) => {
        const event: CalendarItem = { uid: "escape-1", start: "2026-03-01T09:00:00Z", end: "2026-03-01T10:00:00Z", subject, body: { bodyType: "Text", value: body }, location, categories };
        const eventText = eventToVEvent(event, NOW).text;
        const eventBack = eventFromVEvent(eventText).item;
        expect([eventBack.subject, eventBack.body?.value, eventBack.location, eventBack.categories]).toEqual([subject, body, location, categories]);
        expect(eventToVEvent(eventBack, NOW).text).toBe(eventText);

        const task: Task = { subject, body: { bodyType: "Text", value: body }, categories };
        const taskText = taskToVTodo(task, NOW).text;
        const taskBack = taskFromVTodo(taskText).item;
        expect([taskBack.subject, taskBack.body?.value, taskBack.categories]).toEqual([subject, body, categories]);
        expect(taskToVTodo(taskBack, NOW).text).toBe(taskText);
      }),
      RUNS,
    );
  });
});

// Text as DAV clients write it: escaped and unescaped specials mixed, including escapes RFC 5545
// does not define (`\:`) and a lone trailing backslash.
const davValue = fc
  .array(fc.constantFrom("\\\\", "\\;", "\\,", "\\n", "\\N", "\\:", "\\", ",", ";", ":", "x", "é", " ", "\""), { minLength: 1, maxLength: 12 })
  .map((parts) => `v${parts.join("")}`);

/** RFC 2426 §5 / RFC 6350 §3.4 / RFC 5545 §3.3.11 text decoding; an escape none defines (`\:`) is kept as written. */
function unescapeReference(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, char: string) => (char === "n" || char === "N" ? "\n" : char));
}

describe("property: DAV text → EWS → DAV is a fixed point after the first pass", () => {
  it("contacts in vCard 3.0 and 4.0", () => {
    fc.assert(
      fc.property(fc.constantFrom("3.0" as const, "4.0" as const), davValue, davValue, davValue, (version, a, b, c) => {
        const text = card(version, `NOTE:${a}`, `TITLE:${b}`, `ORG:${c}`, `N:${a};${b};;;`, `ADR;TYPE=WORK:;;${c};${a};;;`, `CATEGORIES:${b}`);
        const read = contactFromVCard(text).item;
        expect([read.body?.value, read.jobTitle]).toEqual([unescapeReference(a), unescapeReference(b)]);
        const once = contactToVCard(read, { version }).text;
        const item = contactFromVCard(once).item;
        expect(contactToVCard(item, { version }).text).toBe(once);
        expect(contactText(contactFromVCard(contactToVCard(item, { version }).text).item)).toEqual(contactText(item));
      }),
      RUNS,
    );
  });

  it("every other text property of a card (NICKNAME, ROLE, ORG units, the whole ADR, related names)", () => {
    fc.assert(
      fc.property(fc.constantFrom("3.0" as const, "4.0" as const), davValue, davValue, davValue, (version, a, b, c) => {
        const related = version === "3.0" ? [`X-MS-SPOUSE:${c}`, `X-CHILD:${a}`] : [`RELATED;TYPE=spouse;VALUE=text:${c}`, `RELATED;TYPE=child;VALUE=text:${a}`];
        const text = card(version, `NICKNAME:${b}`, `ROLE:${c}`, `ORG:${a};${b}`, `ADR;TYPE=HOME:;;${a};${b};${c};${a};${b}`, `X-MS-MANAGER:${b}`, `X-MS-ASSISTANT:${c}`, ...related);
        const read = contactFromVCard(text).item;
        // Structured values (ORG, ADR) split at bare `;` and NICKNAME is a list split at bare `,`, so ROLE is the single
        // text value compared with the reference; every property is held to the fixed point below.
        expect(read.profession).toEqual(unescapeReference(c));
        const once = contactToVCard(read, { version }).text;
        const item = contactFromVCard(once).item;
        expect(contactToVCard(item, { version }).text).toBe(once);
      }),
      RUNS,
    );
  });

  it("events and tasks", () => {
    fc.assert(
      fc.property(davValue, davValue, davValue, (a, b, c) => {
        const event = calendar("VEVENT", `SUMMARY:${a}`, `DESCRIPTION:${b}`, `LOCATION:${c}`, `CATEGORIES:${a}`);
        const read = eventFromVEvent(event).item;
        expect([read.subject, read.body?.value, read.location]).toEqual([a, b, c].map(unescapeReference));
        const eventOnce = eventToVEvent(read, NOW).text;
        expect(eventToVEvent(eventFromVEvent(eventOnce).item, NOW).text).toBe(eventOnce);
        const task = calendar("VTODO", `SUMMARY:${a}`, `DESCRIPTION:${b}`, `CATEGORIES:${c}`);
        const taskOnce = taskToVTodo(taskFromVTodo(task).item, NOW).text;
        expect(taskToVTodo(taskFromVTodo(taskOnce).item, NOW).text).toBe(taskOnce);
      }),
      RUNS,
    );
  });
});

describe("counterexamples the properties found, kept as examples", () => {
  it("vCard 3.0 `NOTE:v\\;\\\\` reads as `v;\\` (the unfixed reader kept the `\\;`)", () => {
    const text = card("3.0", "NOTE:v\\;\\\\", "TITLE:v\\\\", "ORG:v\\\\", "N:v\\;\\\\;v\\\\;;;", "ADR;TYPE=WORK:;;v\\\\;v\\;\\\\;;;", "CATEGORIES:v\\\\");
    const read = contactFromVCard(text).item;
    expect([read.body?.value, read.jobTitle]).toEqual(["v;\\", "v\\"]);
    const once = contactToVCard(read, { version: "3.0" }).text;
    expect(contactToVCard(contactFromVCard(once).item, { version: "3.0" }).text).toBe(once);
  });

  it("an event and a task written twice give the same text (DTSTAMP from `now`, not the clock)", () => {
    const [a, b, c] = ["v\\;", "v\"x\\;é", "v\\:\"  \\N\"x;\"\\;é;"];
    const event = calendar("VEVENT", `SUMMARY:${a}`, `DESCRIPTION:${b}`, `LOCATION:${c}`, `CATEGORIES:${a}`);
    const read = eventFromVEvent(event).item;
    expect([read.subject, read.body?.value, read.location]).toEqual(["v;", "v\"x;é", "v\\:\"  \n\"x;\";é;"]);
    const eventOnce = eventToVEvent(read, NOW).text;
    expect(eventToVEvent(eventFromVEvent(eventOnce).item, NOW).text).toBe(eventOnce);
    const taskOnce = taskToVTodo(taskFromVTodo(calendar("VTODO", `SUMMARY:${a}`, `DESCRIPTION:${b}`, `CATEGORIES:${c}`)).item, NOW).text;
    expect(taskToVTodo(taskFromVTodo(taskOnce).item, NOW).text).toBe(taskOnce);
  });
});

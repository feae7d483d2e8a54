/**
 * The UID rule: the item's UID is the vCard's, or the first VEVENT/VTODO/VJOURNAL's directly inside
 * the VCALENDAR — never a VALARM's (DavSide took the first `UID:` line anywhere before), nor any
 * other nested component's, nor the calendar's own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUid, modifiedOfText, uidOfText, VObjectError, withUid } from "./index.js";

const calendar = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
const ALARM_FIRST = calendar(
  "BEGIN:VEVENT",
  "DTSTART:20240301T090000Z",
  "BEGIN:VALARM",
  "UID:alarm-1",
  "ACTION:DISPLAY",
  "TRIGGER:-PT15M",
  "END:VALARM",
  "UID:event-1",
  "END:VEVENT",
);

describe("the UID rule", () => {
  it("ignores a VALARM's UID that comes before the event's own", () => {
    expect(uidOfText(ALARM_FIRST)).toBe("event-1");
    expect(findUid(ALARM_FIRST)).toBe("event-1");
  });

  it("ignores the VCALENDAR's own UID (RFC 7986) and components other than VEVENT/VTODO/VJOURNAL", () => {
    const text = calendar("UID:calendar-1", "BEGIN:VTIMEZONE", "TZID:X", "UID:zone-1", "END:VTIMEZONE", "BEGIN:VTODO", "UID:todo-1", "END:VTODO");
    expect(uidOfText(text)).toBe("todo-1");
    expect(findUid(text)).toBe("todo-1");
  });

  it("takes the first VEVENT that has one (a series and its overrides share it)", () => {
    const text = calendar("BEGIN:VEVENT", "SUMMARY:no uid", "END:VEVENT", "BEGIN:VEVENT", "UID:ev-2", "END:VEVENT", "BEGIN:VEVENT", "UID:ev-3", "END:VEVENT");
    expect(uidOfText(text)).toBe("ev-2");
    expect(findUid(text)).toBe("ev-2");
  });

  it("reads a vCard's UID (grouped, folded, with parameters) and a bare VEVENT's", () => {
    const card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nUID;VALUE=text:urn:uuid:12\r\n 34\r\nEND:VCARD\r\n";
    expect(uidOfText(card)).toBe("urn:uuid:1234");
    expect(findUid(card)).toBe("urn:uuid:1234");
    const bare = "BEGIN:VEVENT\nUID:bare-1\nEND:VEVENT\n";
    expect(uidOfText(bare)).toBe("bare-1");
    expect(findUid(bare)).toBe("bare-1");
  });

  it("gives null for no UID or an empty one", () => {
    expect(uidOfText(calendar("BEGIN:VEVENT", "UID: ", "BEGIN:VALARM", "UID:alarm", "END:VALARM", "END:VEVENT"))).toBeNull();
    expect(findUid(calendar("BEGIN:VEVENT", "UID: ", "BEGIN:VALARM", "UID:alarm", "END:VALARM", "END:VEVENT"))).toBeNull();
    expect(findUid("BEGIN:VCARD\nFN:x\nEND:VCARD\n")).toBeNull();
  });

  it("uidOfText throws a VObjectError naming the line; findUid passes bad lines over and never throws", () => {
    const broken = calendar("BEGIN:VEVENT", "no colon here", "UID:ev-9", "END:VEVENT");
    expect(() => uidOfText(broken)).toThrow(VObjectError);
    expect(() => uidOfText(broken)).toThrow(/line 5: no ':'/);
    expect(findUid(broken)).toBe("ev-9");
    expect(findUid("")).toBeNull();
    expect(findUid("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:unclosed\n")).toBe("unclosed");
  });

  it("withUid sets every VEVENT's UID and no VALARM's", () => {
    const text = withUid(ALARM_FIRST, "new-1");
    expect(uidOfText(text)).toBe("new-1");
    expect(text).toContain("UID:alarm-1");
    expect(text).not.toContain("UID:event-1");
  });

  it("findUid agrees with uidOfText on well-formed texts (property)", () => {
    const uid = fc.stringMatching(/^[A-Za-z0-9@.-]{1,20}$/);
    const component = fc.record({ name: fc.constantFrom("VEVENT", "VTODO", "VJOURNAL", "VTIMEZONE", "VFREEBUSY"), uid: fc.option(uid), alarm: fc.option(uid), alarmFirst: fc.boolean() });
    fc.assert(
      fc.property(fc.option(uid), fc.array(component, { maxLength: 4 }), (calendarUid, components) => {
        const lines: string[] = calendarUid ? [`UID:${calendarUid}`] : [];
        for (const c of components) {
          const alarm = c.alarm ? ["BEGIN:VALARM", `UID:${c.alarm}`, "TRIGGER:-PT5M", "END:VALARM"] : [];
          const own = c.uid ? [`UID:${c.uid}`] : [];
          lines.push(`BEGIN:${c.name}`, ...(c.alarmFirst ? [...alarm, ...own] : [...own, ...alarm]), `END:${c.name}`);
        }
        const text = calendar(...lines);
        const expected = components.find((c) => c.uid && ["VEVENT", "VTODO", "VJOURNAL"].includes(c.name))?.uid ?? null;
        expect(uidOfText(text)).toBe(expected);
        expect(findUid(text)).toBe(expected);
      }),
    );
  });
});

describe("modifiedOfText", () => {
  it("reads the latest LAST-MODIFIED of the items, or a vCard's REV; null for none or a bad text", () => {
    const text = calendar("BEGIN:VEVENT", "UID:a", "LAST-MODIFIED:20240301T100000Z", "BEGIN:VALARM", "LAST-MODIFIED:20990101T000000Z", "END:VALARM", "END:VEVENT");
    expect(modifiedOfText(text)).toBe("2024-03-01T10:00:00.000Z");
    expect(modifiedOfText("BEGIN:VCARD\nREV:2024-03-01T10:00:00+01:00\nEND:VCARD\n")).toBe("2024-03-01T09:00:00.000Z");
    expect(modifiedOfText("not a vobject")).toBeNull();
  });
});

import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { mapText } from "./map.js";

const run = promisify(execFile);

const VCF = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A Person\r\nN:Person;A;;;\r\nEMAIL;TYPE=WORK:a@x.example\r\nX-FOO:bar\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:B Person\r\nBDAY:garbage\r\nEND:VCARD\r\n";
const SERIES = [
  "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN",
  "BEGIN:VEVENT", "UID:series@ewsdav.test", "DTSTAMP:20260101T000000Z",
  "DTSTART;TZID=Europe/Berlin:20260302T090000", "DTEND;TZID=Europe/Berlin:20260302T100000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260316T090000", "SUMMARY:Weekly", "COLOR:teal", "END:VEVENT",
  "BEGIN:VEVENT", "UID:series@ewsdav.test", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000",
  "DTSTART;TZID=Europe/Berlin:20260406T113000", "DTEND;TZID=Europe/Berlin:20260406T123000", "SUMMARY:Weekly (moved)", "END:VEVENT",
  "END:VCALENDAR", "",
].join("\r\n");
const ALL_DAY = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260502\r\nDTEND;VALUE=DATE:20260503\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t1\r\nSUMMARY:Task one\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:t2\r\nSUMMARY:Task two\r\nSTATUS:IN-PROCESS\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

describe("npm run map", () => {
  it("maps every contact of a .vcf, with items, round-tripped text and dropped lists", () => {
    const objects = mapText(VCF);
    expect(objects).toHaveLength(2);
    expect(objects[0]).toMatchObject({ kind: "contact", item: { displayName: "A Person", emailAddresses: { EmailAddress1: { address: "a@x.example" } } }, dropped: [{ property: "X-FOO" }], mergeIsEcho: true });
    expect(objects[0]!.roundTripped).toContain("VERSION:3.0");
    expect(objects[1]).toMatchObject({ kind: "contact", dropped: [{ property: "BDAY", error: { code: "INVALID_VALUE" } }] });
  });

  it("maps every task and event of an .ics", () => {
    const objects = mapText(ICS);
    expect(objects.filter((object) => object.kind === "task").map((object) => (object.item as { subject: string }).subject)).toEqual(["Task one", "Task two"]);
    const events = objects.filter((object) => object.kind === "event");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ uid: "e1", item: { subject: "Meeting", start: "2026-01-05T09:00:00Z", end: "2026-01-05T10:00:00Z" }, occurrenceOperations: [], dropped: [], mergeIsEcho: true });
    expect(events[0]!.error).toBeUndefined();
    expect(events[0]!.roundTripped).toContain("DTSTART:20260105T090000Z");
  });

  it("gives a series its occurrence operations and writes the series back with its exceptions", () => {
    const objects = mapText(SERIES, { timeZone: "Europe/Berlin" });
    expect(objects).toHaveLength(1);
    const [series] = objects;
    expect(series).toMatchObject({
      kind: "event",
      item: { subject: "Weekly", recurrence: { pattern: { kind: "WeeklyRecurrence" } }, startTimeZone: { id: "W. Europe Standard Time" } },
      occurrenceOperations: [
        { kind: "deleteOccurrence", originalStart: "2026-03-16T08:00:00Z", instanceIndex: 3 },
        { kind: "modifyOccurrence", originalStart: "2026-04-06T07:00:00Z", instanceIndex: 6 },
      ],
      dropped: [{ property: "COLOR" }],
      mergeIsEcho: true,
    });
    expect(series!.roundTripped).toContain("EXDATE;TZID=Europe/Berlin:20260316T090000");
    expect(series!.roundTripped).toContain("RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000");
    // The new object has what EWS holds: the colour stayed on the DAV side only.
    expect(series!.roundTripped).not.toContain("COLOR");
    // An all-day event is placed in the mailbox zone.
    expect(mapText(ALL_DAY, { timeZone: "Asia/Tokyo" })[0]).toMatchObject({ item: { isAllDayEvent: true, start: "2026-05-01T15:00:00Z" }, mergeIsEcho: true });
  });

  it("runs as a command and prints JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-map-"));
    const file = join(dir, "contacts.vcf");
    writeFileSync(file, VCF);
    const { stdout } = await run("npx", ["tsx", "examples/map/main.ts", file], { cwd: join(import.meta.dirname, "../.."), timeout: 60_000 });
    const printed = JSON.parse(stdout) as Array<{ kind: string }>;
    expect(printed.map((object) => object.kind)).toEqual(["contact", "contact"]);
    // An .ics with a series, with the mailbox zone given.
    const ics = join(dir, "calendar.ics");
    writeFileSync(ics, SERIES);
    const events = JSON.parse((await run("npx", ["tsx", "examples/map/main.ts", "--time-zone", "Europe/Berlin", ics], { cwd: join(import.meta.dirname, "../.."), timeout: 60_000 })).stdout) as Array<{ kind: string; occurrenceOperations: unknown[] }>;
    expect(events.map((object) => [object.kind, object.occurrenceOperations.length])).toEqual([["event", 2]]);
  });
});

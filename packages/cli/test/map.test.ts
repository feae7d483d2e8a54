import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { mapText } from "../src/commands/map/map.js";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

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

/** A VTIMEZONE whose rules no zone can have: one never fires, one is finer than yearly (issue 12, item 2). */
const STALL = [
  "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN",
  "BEGIN:VTIMEZONE", "TZID:Nowhere Standard Time",
  "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "END:STANDARD",
  "BEGIN:DAYLIGHT", "DTSTART:19700301T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "RRULE:FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU", "END:DAYLIGHT",
  "END:VTIMEZONE",
  "BEGIN:VEVENT", "UID:stall@ewsdav.test", "DTSTAMP:20260101T000000Z",
  "DTSTART;TZID=Nowhere Standard Time:20260105T090000", "DTEND;TZID=Nowhere Standard Time:20260105T100000", "SUMMARY:Stall", "END:VEVENT",
  "END:VCALENDAR", "",
].join("\r\n");
/** The same event, resolved through each of the two rules alone. */
const stallWith = (rule: string): string => STALL.replace(/RRULE:FREQ=DAILY[^\r]*|RRULE:FREQ=SECONDLY[^\r]*/g, rule);

describe("ewsdav map", () => {
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

  it("returns on an event whose VTIMEZONE has a rule that never fires or is finer than yearly, reading it as with an unknown zone", () => {
    for (const text of [STALL, stallWith("RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"), stallWith("RRULE:FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU")]) {
      const [event] = mapText(text, { timeZone: "Europe/Berlin" });
      expect(event).toMatchObject({ kind: "event", uid: "stall@ewsdav.test", item: { start: "2026-01-05T08:00:00Z", startTimeZone: { id: "W. Europe Standard Time" } } });
      const reasons = event!.dropped!.filter((entry) => entry.property === "DTSTART").map((entry) => entry.reason);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/VTIMEZONE of TZID "Nowhere Standard Time" is invalid .*not one a time zone can have: FREQ=(DAILY|SECONDLY)/);
    }
  });

  it("reports an event past a bound as a typed error naming its UID and field, and maps the others of the file", () => {
    const attendees = Array.from({ length: 2001 }, (_, i) => `ATTENDEE:mailto:guest${i}@example.org`);
    const big = ["BEGIN:VEVENT", "UID:crowd@ewsdav.test", "DTSTART:20260105T090000Z", "SUMMARY:Crowd", ...attendees, "END:VEVENT"];
    const text = ["BEGIN:VCALENDAR", "VERSION:2.0", ...big, "BEGIN:VEVENT", "UID:small@ewsdav.test", "DTSTART:20260106T090000Z", "SUMMARY:Small", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
    const [crowd, small] = mapText(text);
    expect(crowd).toMatchObject({ kind: "event", error: { code: "LIMIT_EXCEEDED", property: "ATTENDEE", uid: "crowd@ewsdav.test" } });
    expect(crowd!.error!.reason).toMatch(/2001 attendees, more than the 2000/);
    expect(small).toMatchObject({ kind: "event", uid: "small@ewsdav.test", item: { subject: "Small" } });
    expect(small!.error).toBeUndefined();
  });

  it("runs as a command and prints JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-map-"));
    const file = join(dir, "contacts.vcf");
    writeFileSync(file, VCF);
    const { stdout } = await run(process.execPath, [EWSDAV_BIN, "map", file], { timeout: 60_000 });
    const printed = JSON.parse(stdout) as Array<{ kind: string }>;
    expect(printed.map((object) => object.kind)).toEqual(["contact", "contact"]);
    // An .ics with a series, with the mailbox zone given.
    const ics = join(dir, "calendar.ics");
    writeFileSync(ics, SERIES);
    const events = JSON.parse((await run(process.execPath, [EWSDAV_BIN, "map", "--time-zone", "Europe/Berlin", ics], { timeout: 60_000 })).stdout) as Array<{ kind: string; occurrenceOperations: unknown[] }>;
    expect(events.map((object) => [object.kind, object.occurrenceOperations.length])).toEqual([["event", 2]]);
    // The event whose VTIMEZONE once stalled the process returns, read as with an unknown zone.
    const stall = join(dir, "stall.ics");
    writeFileSync(stall, STALL);
    const stalled = JSON.parse((await run(process.execPath, [EWSDAV_BIN, "map", stall], { timeout: 60_000 })).stdout) as Array<{ uid: string; dropped: Array<{ property: string; reason: string }> }>;
    expect(stalled.map((object) => [object.uid, object.dropped.map((entry) => entry.property)])).toEqual([["stall@ewsdav.test", ["DTSTART", "DTEND"]]]);
  });

  it("--json-lines prints one object per line; a file with nothing to map exits 1; an unknown zone exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-map-"));
    const file = join(dir, "contacts.vcf");
    writeFileSync(file, VCF);
    const lines = (await runCli(["map", "--json-lines", file])).stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; file: string; kind: string });
    expect(lines.map((line) => [line.type, line.kind])).toEqual([["object", "contact"], ["object", "contact"]]);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "nothing to see\n");
    const none = await runCli(["map", text]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no VCARD, VTODO or VEVENT");
    const zone = await runCli(["map", "--time-zone", "Bogus/Zone", file]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('"Bogus/Zone" is not an IANA time zone');
  });
});

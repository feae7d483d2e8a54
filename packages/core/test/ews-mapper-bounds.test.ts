/**
 * Bounded work on any input, at engine level: the EWS simulator over HTTP, a vdir folder, the
 * memory state store. An item past a bound of the mappers fails alone with an error naming its UID
 * and the field, in both directions; an event whose VTIMEZONE once stalled the process syncs (read
 * as with an unknown zone); every other item of the cycle syncs, and the cycle ends.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";

const calendar = (...lines: string[]): string => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
const event = (uid: string, summary: string, ...lines: string[]): string[] => ["BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", `SUMMARY:${summary}`, ...lines, "END:VEVENT"];

/** The VTIMEZONE of issue 12 item 2: one rule never fires, the other is finer than yearly. */
const STALLING_ZONE = [
  "BEGIN:VTIMEZONE", "TZID:Nowhere Standard Time",
  "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "END:STANDARD",
  "BEGIN:DAYLIGHT", "DTSTART:19700301T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "RRULE:FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU", "END:DAYLIGHT",
  "END:VTIMEZONE",
];

describe("an item past a bound of the mappers, in a real cycle", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator();
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
  });
  afterAll(async () => {
    await client?.close?.();
    await sim?.stop();
  });

  it("fails alone with its UID and field named, in both directions, while the others sync", async () => {
    const box = sim.mailbox("alice@example.com");
    const folder = box.createFolder("calendar", "Bounds", "IPF.Appointment");
    const root = mkdtempSync(join(tmpdir(), "ewsdav-bounds-"));
    const vdir = new VdirSide({ root, fsync: false });
    const ews = new EwsSide({ client, name: "ews", timeZone: "Europe/Berlin" });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    const local = await vdir.createCollection("events", "cal");

    // DAV side: an ordinary event, the event whose VTIMEZONE stalled the process, one with 2001 attendees.
    const crowd = Array.from({ length: 2001 }, (_, i) => `ATTENDEE;CN=Guest ${i}:mailto:guest${i}@example.org`);
    writeFileSync(join(root, local.id, "plain.ics"), calendar(...event("plain@files", "Plain", "DTSTART:20260105T090000Z", "DTEND:20260105T100000Z")));
    writeFileSync(join(root, local.id, "stall.ics"), calendar(...STALLING_ZONE, ...event("stall@files", "Stall", "DTSTART;TZID=Nowhere Standard Time:20260106T090000", "DTEND;TZID=Nowhere Standard Time:20260106T100000")));
    writeFileSync(join(root, local.id, "crowd.ics"), calendar(...event("crowd@files", "Crowd", "DTSTART:20260107T090000Z", "ORGANIZER:mailto:alice@example.com", ...crowd)));
    // EWS side: an ordinary appointment, and one another client gave 2001 attendees.
    const attendees = Array.from({ length: 2001 }, (_, i) => `<t:Attendee><t:Mailbox><t:EmailAddress>guest${i}@example.org</t:EmailAddress></t:Mailbox></t:Attendee>`).join("");
    box.createItem(folder.id, `<t:CalendarItem xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Subject>From Outlook</t:Subject><t:Start>2026-01-08T09:00:00Z</t:Start><t:End>2026-01-08T10:00:00Z</t:End><t:UID>outlook@ews</t:UID></t:CalendarItem>`);
    box.createItem(folder.id, `<t:CalendarItem xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Subject>Outlook crowd</t:Subject><t:Start>2026-01-09T09:00:00Z</t:Start><t:End>2026-01-09T10:00:00Z</t:End><t:UID>outlook-crowd@ews</t:UID><t:RequiredAttendees>${attendees}</t:RequiredAttendees></t:CalendarItem>`);

    await engine.link({ id: "cal", kind: "events", remote: { side: "ews", collection: folder.id }, local: { side: "vdir", collection: local.id } });
    const first = await engine.runOnce();
    const report = first.pairs[0]!;
    expect(report.error ?? null).toBeNull();

    // The two items past a bound: one error each, naming the UID and the field.
    const errors = report.errors.map((error) => error.message);
    expect(errors).toHaveLength(2);
    expect(errors.find((message) => message.includes("crowd@files"))).toMatch(/crowd@files: ATTENDEE: 2001 attendees, more than the 2000/);
    expect(errors.find((message) => message.includes("outlook-crowd@ews"))).toMatch(/outlook-crowd@ews: RequiredAttendees: 2001 attendees and resources, more than the 2000/);

    // The others synced both ways; the stalling zone was read as an unknown zone (in the mailbox's zone) and reported.
    const subjects = box.items(folder.id).map((item) => item.get("Subject")).sort();
    expect(subjects).toEqual(["From Outlook", "Outlook crowd", "Plain", "Stall"]);
    const stall = box.items(folder.id).find((item) => item.get("Subject") === "Stall")!;
    expect(stall.get("Start")).toBe("2026-01-06T08:00:00Z");
    const dropped = JSON.stringify(report);
    expect(dropped).toMatch(/VTIMEZONE of TZID \\"Nowhere Standard Time\\" is invalid/);
    const files = readdirSync(join(root, local.id)).filter((name) => name.endsWith(".ics"));
    expect(files).toHaveLength(4);
    expect(files.map((name) => readFileSync(join(root, local.id, name), "utf8")).some((text) => text.includes("SUMMARY:From Outlook"))).toBe(true);

    // The next cycle ends as well, with the same two errors and nothing else to do.
    const second = await engine.runOnce();
    for (const error of second.pairs[0]!.errors) expect(error.message).toMatch(/crowd@files: ATTENDEE|outlook-crowd@ews: RequiredAttendees/);
    expect(box.items(folder.id)).toHaveLength(4);
  });
});

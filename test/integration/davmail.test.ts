/**
 * Issue 13 item 7: DavMail (Debian `davmail-server`, an EWS ↔ CalDAV/CardDAV gateway written
 * independently of ewsdav) logs in to the simulator and lists the calendar and the contacts
 * through its CalDAV/CardDAV listener.
 *
 * One JVM for the file (test/harness/davmail.ts), EWS mode, loopback. The login name is
 * `EXAMPLE\alice` (no `@`), so DavMail learns the mailbox's address with ConvertId of the root
 * folder's id, as it does against Exchange. Listing a calendar reads the MAPI properties Exchange
 * computes (container class, article numbers, PidLidRecurring in a restriction, modification
 * times as etags, the commit time as ctag); events are read as the iCalendar MimeContent of
 * GetItem; an address book's vCards are built from the contacts' MAPI names. Every response the
 * simulator sent validates against the official schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startDavMail, type DavMailGateway } from "../harness/davmail.js";
import { EWS_SCHEMA_DIR } from "../harness/ews-schema.js";

const AUTH = { Authorization: `Basic ${Buffer.from("EXAMPLE\\alice:secret").toString("base64")}` };
const HOME = "/users/alice@example.com";

/** DavMail's item name for an EWS id (StringUtil.base64ToUrl + ".EML"/".vcf"), as it appears URL-encoded in an href. */
const hrefName = (id: string, ext: string) => `${id.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "%3D")}.${ext}`;

describe("DavMail drives the EWS simulator (issue 13 item 7)", () => {
  let sim: EwsSimulator;
  let davmail: DavMailGateway;

  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
    davmail = await startDavMail(sim.url);
  });
  afterAll(async () => {
    await davmail?.stop();
    await sim?.stop();
  });

  const dav = async (method: string, path: string, body: string, depth: string) => {
    const res = await fetch(`${davmail.url}${path}`, { method, headers: { ...AUTH, Depth: depth, "Content-Type": "application/xml; charset=utf-8" }, body });
    return { status: res.status, text: await res.text() };
  };
  const hrefs = (xml: string) => [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]!);
  const failure = () => `DavMail log:\n${davmail.log().split("\n").filter((l) => /WARN|ERROR|Exception/.test(l)).slice(-30).join("\n")}`;

  it("logs in as DOMAIN\\user through ConvertId and lists every seeded event of the calendar (and the tasks DavMail shows there)", async () => {
    const box = sim.mailbox("alice@example.com");
    const listing = await dav("PROPFIND", `${HOME}/calendar/`, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>`, "1");
    expect(listing.status, failure()).toBe(207);
    expect(sim.requestCount("ConvertId")).toBeGreaterThan(0);
    const names = hrefs(listing.text).map((h) => h.slice(h.lastIndexOf("/") + 1));
    for (const event of box.items("calendar")) expect(names, failure()).toContain(hrefName(event.id, "EML"));
    for (const task of box.items("tasks")) expect(names, failure()).toContain(hrefName(task.id, "EML"));
    expect(listing.text).toContain("<C:calendar/>");
    expect(hrefs(listing.text)).toContain(`${HOME}/calendar/Team%20Calendar/`);
  });

  it("lists the contacts as vCards built from what Exchange returns for them", async () => {
    const box = sim.mailbox("alice@example.com");
    const report = await dav("REPORT", `${HOME}/contacts/`, `<?xml version="1.0"?><E:addressbook-query xmlns:d="DAV:" xmlns:E="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><E:address-data/></d:prop></E:addressbook-query>`, "1");
    expect(report.status, failure()).toBe(207);
    const contacts = box.items("contacts").filter((c) => c.kind === "Contact");
    expect(contacts.length).toBeGreaterThan(0);
    for (const contact of contacts) {
      expect(report.text).toContain(hrefName(contact.id, "vcf"));
      expect(report.text).toContain(`N:${contact.get("Surname")};${contact.get("GivenName")};`);
      const email = contact.element("EmailAddresses")?.children.find((e) => e.attrs.Key === "EmailAddress1")?.text;
      if (email) expect(report.text).toContain(email);
    }
  });

  it("reads the events as iCalendar (calendar-data from the simulator's MimeContent): series with RRULE, EXDATE and exception", async () => {
    const box = sim.mailbox("alice@example.com");
    const report = await dav("REPORT", `${HOME}/calendar/`, `<?xml version="1.0"?><C:calendar-query xmlns:d="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><C:calendar-data/></d:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`, "1");
    expect(report.status, failure()).toBe(207);
    for (const event of box.items("calendar")) expect(report.text, failure()).toContain(`SUMMARY:${event.get("Subject")!.replace(/&/g, "&amp;").replace(/</g, "&lt;")}`);
    expect(report.text).toContain("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=10");
    expect(report.text).toContain("EXDATE:20260202T090000Z");
    expect(report.text).toContain("RECURRENCE-ID:20260119T090000Z");
    expect(report.text).toContain("SUMMARY:Weekly sync (moved)");
  });

  it("reads the tasks as VTODOs (the time zone from OWA.UserOptions via GetUserConfiguration, task dates by MAPI name)", async () => {
    const box = sim.mailbox("alice@example.com");
    const report = await dav("REPORT", `${HOME}/tasks/`, `<?xml version="1.0"?><C:calendar-query xmlns:d="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><C:calendar-data/></d:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/></C:comp-filter></C:filter></C:calendar-query>`, "1");
    expect(report.status, failure()).toBe(207);
    const tasks = box.items("tasks");
    expect(report.text.match(/BEGIN:VTODO/g) ?? []).toHaveLength(tasks.length);
    for (const task of tasks) expect(report.text).toContain(`SUMMARY:${task.get("Subject")}`);
    expect(report.text).toContain("STATUS:COMPLETED");
    expect(sim.requestCount("GetUserConfiguration")).toBeGreaterThan(0);
  });

  it("sees an event created in the mailbox afterwards, with a new ctag", async () => {
    const box = sim.mailbox("alice@example.com");
    const ctag = async () => /<CS:getctag[^>]*>([^<]*)</.exec((await dav("PROPFIND", `${HOME}/calendar/`, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:CS="http://calendarserver.org/ns/"><d:prop><CS:getctag/></d:prop></d:propfind>`, "0")).text)?.[1];
    // The commit time has whole seconds, as Exchange returns it: step it back so that a change within this second shows too.
    box.folderRecord("calendar").contentChanged -= 2_000;
    const before = await ctag();
    expect(before, failure()).toBeTruthy();
    const added = box.createItem("calendar", "<CalendarItem><Subject>Added later</Subject><Start>2026-03-02T10:00:00Z</Start><End>2026-03-02T11:00:00Z</End></CalendarItem>");
    expect(await ctag()).not.toBe(before);
    const listing = await dav("PROPFIND", `${HOME}/calendar/`, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "1");
    expect(listing.text).toContain(hrefName(added.id, "EML"));
  });

  it("every response the simulator sent DavMail validates against the official schema", async () => {
    const violations = await sim.validateExchanges(EWS_SCHEMA_DIR);
    expect(violations.filter((v) => v.side === "response")).toEqual([]);
  });
});

/**
 * Deterministic data sets for the simulator: `small` (a handful of each kind, with the
 * interesting cases: a recurring series with a modified and a deleted occurrence, extended
 * properties, a contact photo, escaping-sensitive text, a distribution list among the contacts) and `large` (thousands of items, built
 * straight as element trees so 10,000 contacts seed in well under a second).
 */
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord } from "./records.js";
import { isoUtc } from "./recurrence.js";
import { el, type XmlElement } from "./xml.js";

/** A seed: a named data set or a function that fills each mailbox. */
export type EwsSimulatorSeed = "empty" | "small" | "large" | ((mailbox: SimulatedMailbox) => void);

/** Sizes of the `large` data set. */
export interface LargeSeedSizes {
  contacts: number;
  events: number;
  tasks: number;
}

/** Default sizes of the `large` data set. */
export const LARGE_SEED_SIZES: LargeSeedSizes = { contacts: 10_000, events: 2_000, tasks: 1_000 };

/** The property set (a GUID of our own) the seeds use for their extended properties. */
export const SEED_PROPERTY_SET_ID = "c11ff724-aa03-4555-9952-8fa248a11c3e";

/** A 1×1 PNG, used as contact photo. */
const TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** Monday 5 January 2026, 00:00 UTC: the anchor of every seeded date. */
const BASE = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ann", "Bob", "Chloé", "David", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nora", "Omar", "Priya"];
const LAST = ["Lee", "Stone", "Dupont", "O'Neil", "Adams", "Haddad", "Kim", "Tanaka", "García", "Berg", "Novak", "Smith", "Rossi", "Okafor"];
const COMPANIES = ["Smith & Sons", "Contoso", "Fabrikam", "Northwind <Traders>", "Tailspin", "Müller GmbH"];
const CITIES = ["Berlin", "Lyon", "Porto", "Oslo", "Austin", "Kyoto"];

function text(name: string, value: string | number | boolean): XmlElement {
  return el(name, {}, value);
}

function extended(name: string, value: string): XmlElement {
  return el("ExtendedProperty", {}, [
    el("ExtendedFieldURI", { PropertySetId: SEED_PROPERTY_SET_ID, PropertyName: name, PropertyType: "String" }),
    text("Value", value),
  ]);
}

/** A contact element as a client would create it. */
export function contactElement(i: number, random: () => number = prng(i + 1)): XmlElement {
  const first = FIRST[Math.floor(random() * FIRST.length)]!;
  const last = LAST[Math.floor(random() * LAST.length)]!;
  const company = COMPANIES[Math.floor(random() * COMPANIES.length)]!;
  const local = `${first}.${last}.${i}`.toLowerCase().normalize("NFD").replace(/[^a-z0-9.]/g, "");
  return el("Contact", {}, [
    text("Subject", `${first} ${last}`),
    el("Body", { BodyType: "Text" }, `Seeded contact #${i}`),
    extended("SeedIndex", String(i)),
    text("FileAs", `${last}, ${first}`),
    text("DisplayName", `${first} ${last}`),
    text("GivenName", first),
    text("CompanyName", company),
    el("EmailAddresses", {}, [el("Entry", { Key: "EmailAddress1" }, `${local}@example.net`)]),
    el("PhysicalAddresses", {}, [el("Entry", { Key: "Business" }, [
      text("Street", `${1 + Math.floor(random() * 200)} Main Street`), text("City", CITIES[Math.floor(random() * CITIES.length)]!),
      text("PostalCode", String(10000 + Math.floor(random() * 89999))),
    ])]),
    el("PhoneNumbers", {}, [el("Entry", { Key: "MobilePhone" }, `+49 170 ${String(1000000 + i).slice(-7)}`)]),
    text("Birthday", isoUtc(Date.UTC(1950 + Math.floor(random() * 50), Math.floor(random() * 12), 1 + Math.floor(random() * 28), 11, 59))),
    text("JobTitle", i % 3 === 0 ? "Engineer" : i % 3 === 1 ? "Manager" : "Designer"),
    text("Surname", last),
  ]);
}

function recurrence(pattern: XmlElement, range: XmlElement): XmlElement {
  return el("Recurrence", {}, [pattern, range]);
}

/** A calendar item element as a client would create it. */
function eventElement(subject: string, start: number, end: number, extra: XmlElement[] = [], rec?: XmlElement, allDay = false, zones: XmlElement[] = []): XmlElement {
  return el("CalendarItem", {}, [
    text("Subject", subject),
    el("Body", { BodyType: "Text" }, `${subject} — seeded`),
    text("ReminderIsSet", true),
    text("ReminderMinutesBeforeStart", 15),
    text("Start", isoUtc(start)),
    text("End", isoUtc(end)),
    allDay && text("IsAllDayEvent", true),
    text("LegacyFreeBusyStatus", allDay ? "Free" : "Busy"),
    text("Location", "Room 1 & 2"),
    ...extra,
    rec,
    ...zones,
  ].filter((x): x is XmlElement => !!x));
}

function taskElement(subject: string, i: number, status: "NotStarted" | "InProgress" | "Completed"): XmlElement {
  return el("Task", {}, [
    text("Subject", subject),
    el("Body", { BodyType: "Text" }, `Task ${i}`),
    text("DueDate", isoUtc(BASE + (i % 60) * DAY + 17 * HOUR)),
    text("PercentComplete", status === "Completed" ? 100 : status === "InProgress" ? 50 : 0),
    text("StartDate", isoUtc(BASE + (i % 30) * DAY + 9 * HOUR)),
    text("Status", status),
  ]);
}

function attendees(...addresses: string[]): XmlElement {
  return el("RequiredAttendees", {}, addresses.map((a) => el("Attendee", {}, [el("Mailbox", {}, [text("EmailAddress", a)])])));
}

function weeklySeries(box: SimulatedMailbox, folder: FolderRecord, subject: string, start: number, count: number) {
  const weekday = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][new Date(start).getUTCDay()]!;
  const master = box.createItemFromElement(folder, eventElement(subject, start, start + HOUR, [], recurrence(
    el("WeeklyRecurrence", {}, [text("Interval", 1), text("DaysOfWeek", weekday)]),
    el("NumberedRecurrence", {}, [text("StartDate", isoUtc(start).slice(0, 10)), text("NumberOfOccurrences", count)]),
  )));
  return master;
}

function modifyAndDeleteOccurrences(box: SimulatedMailbox, masterId: string, modifyIndex: number, deleteIndex: number) {
  const info = box.item(masterId)!;
  const originalStart = Date.parse(box.item(masterId)!.get("Start")!) + (modifyIndex - 1) * 7 * DAY;
  box.modifyOccurrence(info.id, modifyIndex, `<CalendarItem><Subject>${info.get("Subject")!.replace(/&/g, "&amp;").replace(/</g, "&lt;")} (moved)</Subject><Start>${isoUtc(originalStart + 2 * HOUR)}</Start><End>${isoUtc(originalStart + 3 * HOUR)}</End></CalendarItem>`);
  box.deleteOccurrence(info.id, deleteIndex);
}

/** Fills a mailbox with the `small` data set. */
export function seedSmall(box: SimulatedMailbox): void {
  // The regional options Outlook Web App stores (DavMail reads the user's time zone here).
  box.setUserConfiguration("root", "OWA.UserOptions", { timezone: "W. Europe Standard Time" });
  const contacts = box.folderRecord("contacts");
  const random = prng(42);
  const ann = box.createItemFromElement(contacts, contactElement(0, random));
  box.addAttachment(box.itemId(ann), { name: "ContactPicture.jpg", contentType: "image/png", content: TINY_PNG, isContactPhoto: true });
  for (let i = 1; i < 5; i++) box.createItemFromElement(contacts, contactElement(i, random));
  box.createItemFromElement(contacts, el("DistributionList", {}, [
    text("Subject", "Project team"), text("DisplayName", "Project team"), text("FileAs", "Project team"),
    el("Members", {}, ["ann@example.net", "bob@example.net"].map((a) => el("Member", {}, [el("Mailbox", {}, [text("EmailAddress", a), text("RoutingType", "SMTP"), text("MailboxType", "OneOff")])]))),
  ]));
  const family = box.createFolderRecord(contacts, "Family", "IPF.Contact");
  for (let i = 5; i < 7; i++) box.createItemFromElement(family, contactElement(i, random));

  const calendar = box.folderRecord("calendar");
  box.createItemFromElement(calendar, eventElement("Kick-off", BASE + 2 * DAY + 10 * HOUR, BASE + 2 * DAY + 11 * HOUR, [attendees("bob@example.net", "carol@example.net")]));
  box.createItemFromElement(calendar, eventElement("Company holiday", BASE + 4 * DAY, BASE + 5 * DAY, [], undefined, true));
  const weekly = weeklySeries(box, calendar, "Weekly sync", BASE + 9 * HOUR, 10);
  modifyAndDeleteOccurrences(box, box.itemId(weekly), 3, 5);
  box.createItemFromElement(calendar, eventElement("Monthly review", BASE + 14 * HOUR, BASE + 15 * HOUR, [], recurrence(
    el("AbsoluteMonthlyRecurrence", {}, [text("Interval", 1), text("DayOfMonth", 5)]),
    el("NoEndRecurrence", {}, [text("StartDate", "2026-01-05")]),
  )));
  // A series in a time zone with a DST change inside it: 09:00 Berlin is 08:00Z, then 07:00Z.
  box.createItemFromElement(calendar, eventElement("Standup (Berlin)", Date.UTC(2026, 2, 16, 8), Date.UTC(2026, 2, 16, 8, 15), [], el("Recurrence", {}, [
    el("WeeklyRecurrence", {}, [text("Interval", 1), text("DaysOfWeek", "Monday")]),
    el("NumberedRecurrence", {}, [text("StartDate", "2026-03-16"), text("NumberOfOccurrences", 4)]),
  ]), false, [el("StartTimeZone", { Id: "W. Europe Standard Time" }), el("EndTimeZone", { Id: "W. Europe Standard Time" })]));
  const team = box.createFolderRecord(calendar, "Team Calendar", "IPF.Appointment");
  box.createItemFromElement(team, eventElement("Team lunch", BASE + 3 * DAY + 12 * HOUR, BASE + 3 * DAY + 13 * HOUR));

  const tasks = box.folderRecord("tasks");
  box.createItemFromElement(tasks, taskElement("Write report", 1, "NotStarted"));
  box.createItemFromElement(tasks, taskElement("Review budget", 2, "InProgress"));
  box.createItemFromElement(tasks, taskElement("Book venue", 3, "Completed"));
  const project = box.createFolderRecord(tasks, "Project Tasks", "IPF.Task");
  box.createItemFromElement(project, taskElement("Ship v1", 4, "InProgress"));

  const inbox = box.folderRecord("inbox");
  for (const [i, read] of [[1, false], [2, true]] as const) {
    const m = box.createItemFromElement(inbox, el("Message", {}, [text("Subject", `Welcome ${i}`), el("Body", { BodyType: "Text" }, "Hello")]));
    if (read) box.setReadFlagRecord(m, true);
  }
}

/** Fills a mailbox with the `large` data set (sizes default to {@link LARGE_SEED_SIZES}). */
export function seedLarge(box: SimulatedMailbox, sizes: LargeSeedSizes = LARGE_SEED_SIZES): void {
  const random = prng(7);
  const contacts = box.folderRecord("contacts");
  for (let i = 0; i < sizes.contacts; i++) box.createItemFromElement(contacts, contactElement(i, random));
  const calendar = box.folderRecord("calendar");
  for (let i = 0; i < sizes.events; i++) {
    const start = BASE + Math.floor(random() * 365) * DAY + (8 + Math.floor(random() * 9)) * HOUR;
    if (i % 20 === 0) {
      const master = weeklySeries(box, calendar, `Series ${i}`, start, 8 + (i % 7));
      modifyAndDeleteOccurrences(box, box.itemId(master), 2, 4);
    } else {
      box.createItemFromElement(calendar, eventElement(`Event ${i}`, start, start + HOUR * (1 + (i % 3))));
    }
  }
  const tasks = box.folderRecord("tasks");
  const statuses = ["NotStarted", "InProgress", "Completed"] as const;
  for (let i = 0; i < sizes.tasks; i++) box.createItemFromElement(tasks, taskElement(`Task ${i}`, i, statuses[i % 3]!));
}

/** Fills the public folder store with a few folders of each class. */
export function seedPublicFolders(store: SimulatedMailbox): void {
  const root = store.folderRecord("publicfoldersroot");
  const contacts = store.createFolderRecord(root, "Company Contacts", "IPF.Contact");
  for (let i = 100; i < 102; i++) store.createItemFromElement(contacts, contactElement(i));
  const calendar = store.createFolderRecord(root, "Company Calendar", "IPF.Appointment");
  store.createItemFromElement(calendar, eventElement("All hands", BASE + 7 * DAY + 15 * HOUR, BASE + 7 * DAY + 16 * HOUR));
  store.createFolderRecord(root, "Company Tasks", "IPF.Task");
}

/**
 * Model items with every field set, shared by the unit tests (not exported by the package).
 * @module
 */
import type { CalendarItem } from "../model/calendar-item.js";
import type { Contact } from "../model/contact.js";
import { PHONE_NUMBER_KEYS } from "../model/contact.js";
import type { TimeZoneDefinition } from "../model/time-zone.js";
import type { Task } from "../model/task.js";

/** ewsdav's own property set for UIDs in tests. */
export const TEST_PROPERTY_SET = "c11ff724-aa03-4555-9952-8fa248a11c3e";

/** A full Windows-style definition of W. Europe Standard Time. */
export const WEST_EUROPE: TimeZoneDefinition = {
  id: "W. Europe Standard Time",
  name: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
  periods: [
    { bias: "-PT1H", name: "Standard", id: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard" },
    { bias: "-PT2H", name: "Daylight", id: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight" },
  ],
  transitionsGroups: [
    {
      id: "0",
      transitions: [
        {
          kind: "RecurringDayTransition",
          to: { kind: "Period", value: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight" },
          timeOffset: "PT2H",
          month: 3,
          dayOfWeek: "Sunday",
          occurrence: -1,
        },
        {
          kind: "RecurringDayTransition",
          to: { kind: "Period", value: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard" },
          timeOffset: "PT3H",
          month: 10,
          dayOfWeek: "Sunday",
          occurrence: -1,
        },
      ],
    },
    {
      id: "1",
      transitions: [
        { kind: "RecurringDateTransition", to: { kind: "Period", value: "p1" }, timeOffset: "PT2H", month: 4, day: 1 },
      ],
    },
  ],
  transitions: {
    transitions: [
      { kind: "Transition", to: { kind: "Group", value: "0" } },
      { kind: "AbsoluteDateTransition", to: { kind: "Group", value: "1" }, dateTime: "2030-01-01T00:00:00" },
    ],
  },
};

/** A contact with every writable field (and tricky text). */
export function fullContact(): Contact {
  return {
    itemClass: "IPM.Contact",
    subject: "Dr. Ann <Q> O'Hara & Co",
    sensitivity: "Private",
    body: { bodyType: "Text", value: "Notes with <xml> & \"quotes\" and émoji 🎉\nline 2" },
    categories: ["Friends", "VIP & Co"],
    importance: "High",
    reminderIsSet: false,
    extendedProperties: [
      { fieldUri: { propertySetId: TEST_PROPERTY_SET, propertyName: "ewsdav-uid", propertyType: "String" }, value: "uid-123" },
      { fieldUri: { distinguishedPropertySetId: "PublicStrings", propertyId: 34000, propertyType: "Integer" }, value: "42" },
      { fieldUri: { distinguishedPropertySetId: "Address", propertyName: "keywords", propertyType: "StringArray" }, values: ["a", "b<c>"] },
    ],
    culture: "en-US",
    fileAs: "O'Hara, Ann",
    fileAsMapping: "LastCommaFirst",
    displayName: "Ann Q. O'Hara",
    givenName: "Ann",
    initials: "A.Q.O.",
    middleName: "Quinn",
    nickname: "Annie",
    title: "Dr.",
    companyName: "Example & Sons",
    emailAddresses: {
      EmailAddress1: { address: "ann@example.com", name: "Ann (work)", routingType: "SMTP" },
      EmailAddress2: { address: "ann@home.example" },
      EmailAddress3: { address: "a.ohara@example.org" },
    },
    physicalAddresses: {
      Business: { street: "1 Main St\nSuite 2", city: "Springfield", state: "IL", countryOrRegion: "United States", postalCode: "62701" },
      Home: { street: "2 Elm", city: "Shelbyville" },
      Other: { postalCode: "99999" },
    },
    phoneNumbers: Object.fromEntries(PHONE_NUMBER_KEYS.map((k, i) => [k, `+1 555 01${String(i).padStart(2, "0")}`])),
    assistantName: "Bob",
    birthday: "1980-04-01T00:00:00Z",
    businessHomePage: "https://example.com/~ann?x=1&y=2",
    children: ["Carl", "Dora"],
    companies: ["Example & Sons", "Other Inc"],
    department: "R&D",
    generation: "Jr.",
    imAddresses: { ImAddress1: "sip:ann@example.com", ImAddress2: "xmpp:ann@example.org", ImAddress3: "skype:ann" },
    jobTitle: "Chief <Engineer>",
    manager: "Eve",
    mileage: "12 km",
    officeLocation: "Building 7",
    postalAddressIndex: "Business",
    profession: "Engineer",
    spouseName: "Frank",
    surname: "O'Hara",
    weddingAnniversary: "2005-06-15T00:00:00Z",
    gender: "Female",
  };
}

/** A task with every writable field and a regeneration pattern. */
export function fullTask(): Task {
  return {
    subject: "File taxes",
    sensitivity: "Normal",
    body: { bodyType: "HTML", value: "<p>Before <b>April</b></p>" },
    categories: ["Home"],
    importance: "Low",
    reminderDueBy: "2026-04-10T08:00:00Z",
    reminderIsSet: true,
    extendedProperties: [{ fieldUri: { propertySetId: TEST_PROPERTY_SET, propertyName: "ewsdav-uid", propertyType: "String" }, value: "task-uid-1" }],
    actualWork: 30,
    billingInformation: "n/a",
    companies: ["IRS"],
    completeDate: "2026-04-12T10:00:00Z",
    contacts: ["Accountant"],
    dueDate: "2026-04-15T00:00:00Z",
    mileage: "3",
    percentComplete: 50,
    recurrence: { pattern: { kind: "YearlyRegeneration", interval: 1 }, range: { kind: "NoEndRecurrence", startDate: "2026-04-01" } },
    startDate: "2026-04-01T00:00:00Z",
    status: "InProgress",
    totalWork: 120,
  };
}

/** A recurring meeting with every writable field. */
export function fullCalendarItem(): CalendarItem {
  return {
    subject: "Weekly sync",
    sensitivity: "Normal",
    body: { bodyType: "HTML", value: "<html><body>Agenda &amp; notes</body></html>" },
    categories: ["Work"],
    importance: "Normal",
    reminderIsSet: true,
    reminderMinutesBeforeStart: 15,
    extendedProperties: [{ fieldUri: { propertyTag: "0x0E07", propertyType: "Integer" }, value: "1" }],
    uid: "040000008200E00074C5B7101A82E008000000001",
    start: "2026-01-05T09:00:00Z",
    end: "2026-01-05T10:00:00Z",
    isAllDayEvent: false,
    legacyFreeBusyStatus: "Busy",
    location: "Room <1>",
    isResponseRequested: true,
    requiredAttendees: [
      { mailbox: { name: "Bob", emailAddress: "bob@example.com", routingType: "SMTP" }, responseType: "Accept", lastResponseTime: "2026-01-01T12:00:00Z" },
    ],
    optionalAttendees: [{ mailbox: { emailAddress: "carol@example.com" }, responseType: "Tentative" }],
    resources: [{ mailbox: { name: "Room 1", emailAddress: "room1@example.com", mailboxType: "Mailbox" } }],
    recurrence: {
      pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Monday", "Wednesday"], firstDayOfWeek: "Monday" },
      range: { kind: "EndDateRecurrence", startDate: "2026-01-05", endDate: "2026-06-30" },
    },
    meetingTimeZone: {
      timeZoneName: "W. Europe Standard Time",
      baseOffset: "-PT1H",
      standard: { offset: "PT0M", relativeYearlyRecurrence: { kind: "RelativeYearlyRecurrence", daysOfWeek: "Sunday", dayOfWeekIndex: "Last", month: "October" }, time: "03:00:00" },
      daylight: { offset: "-PT1H", relativeYearlyRecurrence: { kind: "RelativeYearlyRecurrence", daysOfWeek: "Sunday", dayOfWeekIndex: "Last", month: "March" }, time: "02:00:00" },
    },
    startTimeZone: WEST_EUROPE,
    endTimeZone: { id: "W. Europe Standard Time" },
    conferenceType: 0,
    allowNewTimeProposal: true,
    isOnlineMeeting: false,
    meetingWorkspaceUrl: "https://example.com/ws",
    netShowUrl: "https://example.com/ns",
  };
}

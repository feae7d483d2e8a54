/**
 * The fields each mapping manages (issue 13 item 3, the DAV → EWS direction): every field the
 * mappers produce from client-shaped texts is in the list, the list comes from the mapping rows,
 * and the overlay keeps every field Exchange alone holds.
 */
import type { Contact } from "@ewsdav/ews-client";
import { describe, expect, it } from "vitest";
import { CONTACT_FIXTURES } from "./contact/client-fixtures.test-support.js";
import { EVENT_FIXTURES } from "./event/client-fixtures.test-support.js";
import { contactFromVCard, eventFromVEvent, MANAGED_FIELDS, overlayManagedFields, taskFromVTodo, type ManagedKind } from "./index.js";
import { TASK_FIXTURES } from "./task/client-fixtures.test-support.js";

const produced = (kind: ManagedKind, item: object): string[] =>
  Object.entries(item).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value) && MANAGED_FIELDS[kind].some((f) => f.key === key && f.index !== undefined)
      ? Object.keys(value as object).map((index) => `${key}[${index}]`)
      : [key],
  );
const managed = (kind: ManagedKind) => new Set(MANAGED_FIELDS[kind].map((f) => (f.index === undefined ? f.key : `${f.key}[${f.index}]`)));

describe("managed fields", () => {
  it("name every field the mappers produce from client-shaped texts", () => {
    for (const f of CONTACT_FIXTURES) expect(managed("contact"), f.client).toEqual(new Set([...managed("contact"), ...produced("contact", contactFromVCard(f.text).item)]));
    for (const f of TASK_FIXTURES) expect(managed("task"), f.client).toEqual(new Set([...managed("task"), ...produced("task", taskFromVTodo(f.text).item)]));
    for (const f of EVENT_FIXTURES) expect(managed("event"), f.client).toEqual(new Set([...managed("event"), ...produced("event", eventFromVEvent(f.text, f.timeZone ? { timeZone: f.timeZone } : {}).item)]));
  });

  it("come from the mapping rows: indexed entries one by one, EWS-only rows left out", () => {
    const contact = managed("contact");
    for (const name of ["emailAddresses[EmailAddress1]", "phoneNumbers[BusinessMobile]", "physicalAddresses[Business]", "imAddresses[ImAddress3]", "displayName", "title", "fileAs"]) expect(contact).toContain(name);
    for (const name of ["officeLocation", "mileage", "companies", "initials", "emailAddresses"]) expect(contact).not.toContain(name);
    for (const name of ["billingInformation", "mileage", "actualWork", "totalWork", "companies", "contacts"]) expect(managed("task")).not.toContain(name);
    expect(managed("event")).toContain("recurrence");
  });

  it("overlay the mapped fields onto the Exchange item: managed ones set or removed, the others kept", () => {
    const before: Contact = {
      displayName: "Old",
      officeLocation: "Room 4",
      mileage: "12 km",
      companies: ["Acme"],
      jobTitle: "Boss",
      emailAddresses: { EmailAddress1: { address: "a@x" }, EmailAddress2: { address: "b@x" } },
      phoneNumbers: { BusinessPhone: "1", HomePhone: "2" },
    };
    const mapped: Contact = { displayName: "New", emailAddresses: { EmailAddress1: { address: "a2@x" } }, phoneNumbers: { BusinessPhone: "1" } };
    const after = overlayManagedFields("contact", before, mapped);
    expect(after).toEqual({
      displayName: "New",
      officeLocation: "Room 4",
      mileage: "12 km",
      companies: ["Acme"],
      emailAddresses: { EmailAddress1: { address: "a2@x" } },
      phoneNumbers: { BusinessPhone: "1" },
    });
    expect(before.jobTitle).toBe("Boss");
  });
});

import { describe, expect, it } from "vitest";
import { loadGraphSchema } from "./csdl.js";

describe("the CSDL conformance harness", () => {
  const schema = loadGraphSchema();

  it("accepts a contact with base-type properties, complex types, collections and annotations", () => {
    expect(schema.check("contact", {
      "@odata.etag": 'W/"x"', id: "A", changeKey: "B", categories: ["a"], createdDateTime: "2024-01-01T00:00:00Z",
      givenName: "Ann", emailAddresses: [{ name: "Ann", address: "ann@example.com" }], homeAddress: { city: "Rome" }, birthday: null,
      singleValueExtendedProperties: [{ id: "String {00020329-0000-0000-c000-000000000046} Name X", value: "1" }],
    })).toEqual([]);
    expect(schema.check("contactFolder", { id: "F", displayName: "x", parentFolderId: "P" })).toEqual([]);
  });

  it("refuses unknown properties, wrong types, nulls where not nullable and enum values outside the enum", () => {
    expect(schema.check("contact", { id: "A", nickname: "x" })).toEqual(["contact.nickname: not a property of contact (or its base types)"]);
    expect(schema.check("contact", { id: "A", homePhones: "1" })).toHaveLength(1);
    expect(schema.check("contact", { id: "A", homeAddress: { town: "x" } })).toHaveLength(1);
    expect(schema.check("contact", { id: null })).toHaveLength(1);
    expect(schema.check("contact", { id: "A", createdDateTime: "yesterday" })).toHaveLength(1);
    expect(schema.check("event", { id: "A", importance: "urgent" })).toEqual(['event.importance: "urgent" is not a member of graph.importance']);
    expect(schema.check("event", { id: "A", importance: "high" })).toEqual([]);
    expect(schema.check("contact", { id: "A", "@odata.type": "#microsoft.graph.event" })).toHaveLength(1);
  });
});

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { CONTACT_SEQUENCE } from "./schema-order.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const STRING_FIELDS = [
  "FileAs", "DisplayName", "GivenName", "Initials", "MiddleName", "Nickname", "CompanyName", "AssistantName",
  "Department", "Generation", "JobTitle", "Manager", "Mileage", "OfficeLocation", "Profession", "SpouseName", "Surname",
] as const;
const EMAIL_KEYS = ["EmailAddress1", "EmailAddress2", "EmailAddress3"] as const;
const PHONE_KEYS = ["BusinessPhone", "HomePhone", "MobilePhone", "OtherTelephone"] as const;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const value = fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7E\u00C0-\u017F]/g, "x").trim() || "v");

const contact = fc.record({
  strings: fc.dictionary(fc.constantFrom(...STRING_FIELDS), value),
  emails: fc.dictionary(fc.constantFrom(...EMAIL_KEYS), value),
  phones: fc.dictionary(fc.constantFrom(...PHONE_KEYS), value),
  birthday: fc.option(fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }), { nil: undefined }),
});
type Contact = typeof contact extends fc.Arbitrary<infer T> ? T : never;

/** The contact as a client would send it: properties in schema order. */
function contactXml(c: Contact): string {
  const parts: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(c.strings)) parts.push([k, `<t:${k}>${escape(v)}</t:${k}>`]);
  const entries = (keys: Record<string, string>) => Object.entries(keys).map(([k, v]) => `<t:Entry Key="${k}">${escape(v)}</t:Entry>`).join("");
  if (Object.keys(c.emails).length) parts.push(["EmailAddresses", `<t:EmailAddresses>${entries(c.emails)}</t:EmailAddresses>`]);
  if (Object.keys(c.phones).length) parts.push(["PhoneNumbers", `<t:PhoneNumbers>${entries(c.phones)}</t:PhoneNumbers>`]);
  if (c.birthday) parts.push(["Birthday", `<t:Birthday>${c.birthday.toISOString()}</t:Birthday>`]);
  parts.sort((a, b) => CONTACT_SEQUENCE.indexOf(a[0]) - CONTACT_SEQUENCE.indexOf(b[0]));
  return `<t:Contact>${parts.map((p) => p[1]).join("")}</t:Contact>`;
}

describe("EWS simulator: random contacts round-trip through CreateItem and GetItem", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator();
  });
  afterAll(() => sim.stop());

  it("returns every property as sent, in schema order, in schema-valid responses", async () => {
    const samples = fc.sample(contact, { numRuns: 40, seed: 20261123 });
    const created = await soap(sim.url, `<m:CreateItem><m:Items>${samples.map(contactXml).join("")}</m:Items></m:CreateItem>`);
    expect(codes(created)).toEqual(samples.map(() => "NoError"));
    const ids = findAll(created.root, "ItemId").map((i) => i.attrs.Id!);
    const got = await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join("")}</m:ItemIds></m:GetItem>`);
    const items = findAll(got.root, "Contact");
    expect(items).toHaveLength(samples.length);
    samples.forEach((sample, i) => {
      const item = items[i]!;
      for (const [k, v] of Object.entries(sample.strings)) expect(find(item, k)?.text).toBe(v);
      for (const [k, v] of Object.entries(sample.emails)) expect(find(item, "EmailAddresses")?.children.find((e) => e.attrs.Key === k)?.text).toBe(v);
      for (const [k, v] of Object.entries(sample.phones)) expect(find(item, "PhoneNumbers")?.children.find((e) => e.attrs.Key === k)?.text).toBe(v);
      if (sample.birthday) expect(Date.parse(find(item, "Birthday")!.text)).toBe(Math.floor(sample.birthday.getTime() / 1000) * 1000);
    });
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});

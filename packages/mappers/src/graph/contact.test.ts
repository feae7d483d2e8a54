import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GraphContact } from "@ewsdav/graph-client";
import { contactFromVCard, contactToVCard, normalizeVCard, unfoldLines, vcardHash } from "../index.js";
import { CONTACT_FIXTURES } from "../contact/client-fixtures.test-support.js";
import { emailAddress, imUri, phoneNumber, safeText } from "../arbitraries.test-support.js";
import { fuzzRuns } from "../fuzz.test-support.js";
import { GRAPH_UID_PROPERTY_ID, graphContactFromVCard, graphContactToVCard } from "./index.js";
import { csdlProblems, storedContact } from "./graph.test-support.js";

const crlf = (...lines: string[]) => lines.join("\r\n") + "\r\n";
const card = (...lines: string[]) => crlf("BEGIN:VCARD", "VERSION:4.0", "UID:urn:uuid:7b0c1a3e-1111-4d1e-9a43-2f1d5e8b0c71", "FN:Ada Lovelace", ...lines, "END:VCARD");
/** What only Graph drops (beyond the EWS mapper's own reports). */
const GRAPH_DROPS = new Set(["TEL", "ANNIVERSARY", "GENDER"]);

describe.each(CONTACT_FIXTURES)("Graph: $client", (fixture) => {
  const written = graphContactFromVCard(fixture.text);

  it("maps to a Graph body that conforms to the CSDL, with the UID in ewsdav's property", () => {
    expect(csdlProblems("contact", written.contact)).toEqual([]);
    const ews = contactFromVCard(fixture.text);
    if (ews.uid !== null) expect(written.contact.singleValueExtendedProperties).toEqual([{ id: GRAPH_UID_PROPERTY_ID, value: ews.uid }]);
    expect(written.uid).toBe(ews.uid);
  });

  it("reports what the EWS mapper reports, plus only what a Graph contact has no field for", () => {
    const ews = contactFromVCard(fixture.text);
    expect(written.dropped.slice(0, ews.dropped.length)).toEqual(ews.dropped);
    const extra = written.dropped.slice(ews.dropped.length);
    for (const entry of extra) expect(GRAPH_DROPS.has(entry.property), entry.property).toBe(true);
    // Every EWS phone slot Graph lacks, and nothing else, is reported as a TEL.
    const slots = Object.entries(ews.item.phoneNumbers ?? {}).filter(([key]) => !["BusinessPhone", "BusinessPhone2", "HomePhone", "HomePhone2", "MobilePhone"].includes(key));
    expect(extra.filter((e) => e.property === "TEL").map((e) => e.value).sort()).toEqual(slots.map(([, n]) => n).sort());
  });

  it("read back from Graph onto the card, comes back unchanged: what Graph cannot hold stays as the card had it", () => {
    const back = graphContactToVCard(storedContact(written.contact), { basis: fixture.text, ...(written.photo ? { photo: written.photo } : { photo: null }) });
    expect(normalizeVCard(back.text)).toBe(normalizeVCard(fixture.text));
    expect(vcardHash(back.text)).toBe(vcardHash(fixture.text));
    if (!fixture.text.includes("VERSION:2.1")) expect(unfoldLines(back.text)).toEqual(unfoldLines(fixture.text));
    expect(back.dropped).toEqual([]);
  });

  it("a new card from Graph says what the Graph contact holds, and maps back to the same body", () => {
    const fresh = graphContactToVCard(storedContact(written.contact), written.photo ? { photo: written.photo } : {});
    const again = graphContactFromVCard(fresh.text);
    expect(again.contact).toEqual(written.contact);
    expect(again.dropped).toEqual([]);
  });

  it("a change made in Outlook touches only its own property", () => {
    const changed: GraphContact = { ...storedContact(written.contact), jobTitle: "Changed in Outlook" };
    const back = graphContactToVCard(changed, { basis: fixture.text, ...(written.photo ? { photo: written.photo } : {}) });
    const before = new Set(normalizeVCard(fixture.text).split("\n"));
    const after = new Set(normalizeVCard(back.text).split("\n"));
    expect([...after].filter((line) => !before.has(line))).toEqual(['title:["Changed in Outlook"]']);
    expect([...before].filter((line) => !after.has(line)).every((line) => line.startsWith("title:"))).toBe(true);
  });
});

describe("Graph contacts: what Graph holds differently", () => {
  it("phones Graph has no field for are reported on the write and kept from the basis on the read", () => {
    const text = card("TEL;TYPE=work,fax:+1 555 0100", "TEL;TYPE=pager:+1 555 0101", "TEL;TYPE=work,voice:+1 555 0102", "TEL;TYPE=cell:+1 555 0103");
    const { contact, dropped } = graphContactFromVCard(text);
    expect(contact.businessPhones).toEqual(["+1 555 0102"]);
    expect(contact.mobilePhone).toBe("+1 555 0103");
    expect(dropped.map((d) => [d.property, d.value])).toEqual([["TEL", "+1 555 0100"], ["TEL", "+1 555 0101"]]);
    const back = graphContactToVCard({ ...storedContact(contact), mobilePhone: "+1 555 0199" }, { basis: text });
    const lines = unfoldLines(back.text);
    expect(lines).toContain("TEL;TYPE=work,fax:+1 555 0100");
    expect(lines).toContain("TEL;TYPE=pager:+1 555 0101");
    expect(lines.some((l) => l.startsWith("TEL") && l.endsWith("+1 555 0199"))).toBe(true);
    expect(lines.some((l) => l.endsWith("+1 555 0103"))).toBe(false);
  });

  it("anniversary and gender are reported and kept from the basis", () => {
    const text = card("ANNIVERSARY:18350708", "GENDER:F");
    const { contact, dropped } = graphContactFromVCard(text);
    expect(dropped.map((d) => d.property)).toEqual(["ANNIVERSARY", "GENDER"]);
    expect(unfoldLines(graphContactToVCard(storedContact(contact), { basis: text }).text)).toEqual(unfoldLines(text));
  });

  it("e-mail and IM lists come back in the slots (TYPE) the basis gave them", () => {
    const text = card("EMAIL;TYPE=home:ada@home.example", "EMAIL;TYPE=other:ada@other.example", "IMPP:xmpp:ada@jabber.example");
    const { contact } = graphContactFromVCard(text);
    expect(contact.emailAddresses).toEqual([{ address: "ada@home.example" }, { address: "ada@other.example" }]);
    expect(unfoldLines(graphContactToVCard(storedContact(contact), { basis: text }).text)).toEqual(unfoldLines(text));
    // Reordered by Outlook, still the same slots; a new one takes the free slot.
    const reordered = { ...storedContact(contact), emailAddresses: [{ address: "ada@other.example" }, { address: "ada@new.example" }, { address: "ada@home.example" }] };
    const lines = unfoldLines(graphContactToVCard(reordered, { basis: text }).text);
    expect(lines).toEqual(expect.arrayContaining(["EMAIL;TYPE=home:ada@home.example", "EMAIL;TYPE=other:ada@other.example", "EMAIL;TYPE=work:ada@new.example"]));
  });

  it("Graph-only properties are reported on the way out by their Graph names, and never written", () => {
    const graph = { id: "x", displayName: "Ada", initials: "A.L.", officeLocation: "Room 12", yomiGivenName: "エイダ", emailAddresses: [{ address: "a@x.example", name: "Someone Else" }] } as GraphContact;
    const { dropped } = graphContactToVCard(graph);
    expect(dropped.map((d) => d.property).sort()).toEqual(["emailAddresses[0].name", "initials", "officeLocation", "yomiGivenName"]);
    const { contact } = graphContactFromVCard(card());
    expect(Object.keys(contact)).not.toEqual(expect.arrayContaining(["initials"]));
    expect("officeLocation" in contact || "yomiGivenName" in contact).toBe(false);
  });

  it("a cleared property is null or [] in the body, so a PATCH clears it", () => {
    const { contact } = graphContactFromVCard(card());
    expect(contact.nickName).toBeNull();
    expect(contact.businessPhones).toEqual([]);
    expect(contact.homeAddress).toBeNull();
    expect(contact.personalNotes).toBeNull();
    expect(csdlProblems("contact", contact)).toEqual([]);
  });

  it("the photo travels as bytes both ways; without photo the basis's PHOTO stays", () => {
    const jpeg = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//2Q==";
    const text = card(`PHOTO:data:image/jpeg;base64,${jpeg}`);
    const { contact, photo } = graphContactFromVCard(text);
    expect(photo?.contentType).toBe("image/jpeg");
    expect(Buffer.from(photo!.bytes).toString("base64")).toBe(jpeg);
    expect(unfoldLines(graphContactToVCard(storedContact(contact), { basis: text }).text)).toEqual(unfoldLines(text));
    expect(unfoldLines(graphContactToVCard(storedContact(contact), { basis: text, photo: null }).text).some((l) => l.startsWith("PHOTO"))).toBe(false);
    expect(graphContactFromVCard(card()).photo).toBeNull();
  });

  it("the UID is read from the extended property (GUID in any case) and written when asked", () => {
    const graph: GraphContact = { id: "x", displayName: "Ada", singleValueExtendedProperties: [{ id: GRAPH_UID_PROPERTY_ID.toUpperCase().replace("STRING", "String").replace("NAME EWSDAV-UID", "Name ewsdav-uid"), value: "u-1" }] };
    expect(graphContactToVCard(graph).uid).toBe("u-1");
    expect(unfoldLines(graphContactToVCard(graph).text)).toContain("UID:u-1");
    expect(unfoldLines(graphContactToVCard({ id: "y", displayName: "B" }, { uid: "u-2" }).text)).toContain("UID:u-2");
  });
});

describe("Graph contact round trips (fast-check)", () => {
  const RUNS = { numRuns: fuzzRuns(Number(process.env.MAPPER_FC_RUNS ?? 100)) };
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const graphContact = fc.record({
    givenName: opt(safeText()), surname: opt(safeText()), middleName: opt(safeText()), nickName: opt(safeText()), title: opt(safeText(8)), generation: opt(safeText(6)),
    companyName: opt(safeText()), department: opt(safeText()), jobTitle: opt(safeText()), profession: opt(safeText()), manager: opt(safeText()), assistantName: opt(safeText()),
    spouseName: opt(safeText()), categories: fc.uniqueArray(safeText(12), { maxLength: 3, selector: (s) => s.toLowerCase() }),
    emailAddresses: fc.uniqueArray(emailAddress, { maxLength: 3, selector: (s) => s.toLowerCase() }).map((list) => list.map((address) => ({ address }))),
    businessPhones: fc.uniqueArray(phoneNumber, { maxLength: 2 }), homePhones: fc.uniqueArray(phoneNumber, { maxLength: 2 }), mobilePhone: opt(phoneNumber),
    imAddresses: fc.uniqueArray(imUri, { maxLength: 3, selector: (s) => s.toLowerCase() }),
    homeAddress: opt(fc.record({ street: safeText(), city: safeText(), postalCode: safeText(8) })),
  }).map((c) => ({ ...c, displayName: [c.givenName, c.surname].filter(Boolean).join(" ") || "Someone" }));

  it("Graph → vCard → Graph gives the same contact, in both versions, with nothing dropped", () => {
    fc.assert(
      fc.property(graphContact, fc.constantFrom("3.0" as const, "4.0" as const), (input, version) => {
        const out = graphContactToVCard(storedContact(input), { version, uid: "u" });
        expect(out.dropped).toEqual([]);
        const back = graphContactFromVCard(out.text);
        expect(back.dropped).toEqual([]);
        expect(csdlProblems("contact", back.contact)).toEqual([]);
        for (const [key, value] of Object.entries(input)) {
          if (key === "emailAddresses") continue;
          expect((back.contact as Record<string, unknown>)[key], key).toEqual(value);
        }
        expect(back.contact.emailAddresses?.map((e) => e.address)).toEqual(input.emailAddresses.map((e) => e.address));
      }),
      RUNS,
    );
  });
});

// The EWS mapper is what carries the card: the contact of a Graph read is the EWS mapper's output on the same fields.
it("Graph contacts use the EWS mapper's vCard rendering", () => {
  const graph: GraphContact = { id: "x", displayName: "Ada Lovelace", givenName: "Ada", surname: "Lovelace", businessPhones: ["+1 555 0100"] };
  const viaEws = contactToVCard({ displayName: "Ada Lovelace", givenName: "Ada", surname: "Lovelace", phoneNumbers: { BusinessPhone: "+1 555 0100" } }, { uid: "u" });
  expect(graphContactToVCard(graph, { uid: "u" }).text).toBe(viaEws.text);
});

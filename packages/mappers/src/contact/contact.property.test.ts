import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns } from "../fuzz.test-support.js";
import type { Contact } from "@ewsdav/ews-client";
import { contactFromVCard, contactToVCard, normalizeVCard } from "../index.js";
import { cardContent, cardStyle, cardText, emailAddress, ewsContact, imUri, phoneNumber, safeText, escape } from "../arbitraries.test-support.js";

// MAPPER_FC_RUNS=2000 for a longer hunt; the default keeps the suite fast.
const RUNS = { numRuns: fuzzRuns(Number(process.env.MAPPER_FC_RUNS ?? 150)) };

/** The item as a comparable value: fields the mapper derives (FileAs) aside. */
function comparable(item: Contact): Contact {
  const { fileAs: _fileAs, ...rest } = item;
  return JSON.parse(JSON.stringify(rest)) as Contact;
}

describe("contact round trips (fast-check)", () => {
  it("vCard → EWS → vCard is unchanged in normalised form, in the version it came in", () => {
    fc.assert(
      fc.property(cardContent, cardStyle, fc.array(fc.integer(), { maxLength: 40 }), (content, style, order) => {
        const text = cardText(content, style, [], order);
        const read = contactFromVCard(text);
        expect(read.dropped).toEqual([]);
        const written = contactToVCard(read.item, { version: style.version });
        expect(normalizeVCard(written.text)).toBe(normalizeVCard(text));
        expect(written.text.startsWith(`BEGIN:VCARD\r\nVERSION:${style.version}\r\n`)).toBe(true);
      }),
      RUNS,
    );
  });

  it("EWS → vCard → EWS gives the same contact, in both versions", () => {
    fc.assert(
      fc.property(ewsContact, fc.constantFrom("3.0" as const, "4.0" as const), (item, version) => {
        const written = contactToVCard(item, { version });
        expect(written.dropped).toEqual([]);
        const read = contactFromVCard(written.text);
        expect(read.dropped).toEqual([]);
        expect(comparable(read.item)).toEqual(comparable(item));
      }),
      RUNS,
    );
  });

  it("beyond the limits, exactly the overflow is reported and the rest maps as without it", () => {
    const full = cardContent.map((content) => ({
      ...content,
      emails: [
        { type: "work" as const, address: "w@full.example" },
        { type: "home" as const, address: "h@full.example" },
        { type: "other" as const, address: "o@full.example" },
      ],
      phones: [
        { slot: 0, number: "+1 111 1111" },
        { slot: 1, number: "+1 222 2222" },
      ],
      addresses: [{ type: "work" as const, parts: ["1 Street", "Town", "", "", ""] as [string, string, string, string, string], pref: false }],
      ims: ["xmpp:a@full.example", "xmpp:b@full.example", "xmpp:c@full.example"],
    }));
    const overflow = fc.record({
      emails: fc.uniqueArray(emailAddress, { maxLength: 3 }),
      workPhones: fc.uniqueArray(phoneNumber, { maxLength: 2 }),
      workAddresses: fc.uniqueArray(safeText(12), { maxLength: 2 }),
      ims: fc.uniqueArray(imUri, { maxLength: 2 }),
      xProperties: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,8}$/), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(full, cardStyle, overflow, (content, style, extra) => {
        const extraLines = [
          ...extra.emails.map((address) => `EMAIL:${address}`),
          ...extra.workPhones.map((number) => `TEL;TYPE=WORK:${number}`),
          ...extra.workAddresses.map((street) => `ADR;TYPE=WORK:;;${escape(street)};Elsewhere;;;`),
          ...extra.ims.map((uri) => `IMPP:${uri}`),
          ...extra.xProperties.map((name) => `X-${name};X-PARAM=1:value of ${name}`),
        ];
        const within = contactFromVCard(cardText(content, style));
        const beyond = contactFromVCard(cardText(content, style, extraLines));
        expect(comparable(beyond.item)).toEqual(comparable(within.item));
        const reported = beyond.dropped.map((entry) => `${entry.property}=${entry.value ?? ""}`).sort();
        const expected = [
          ...extra.emails.map((address) => `EMAIL=${address}`),
          ...extra.workPhones.map((number) => `TEL=${number}`),
          ...extra.workAddresses.map((street) => `ADR=;;${street};Elsewhere;;;`),
          ...extra.ims.map((uri) => `IMPP=${uri}`),
          ...extra.xProperties.map((name) => `X-${name}=value of ${name}`),
        ].sort();
        expect(reported).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("merging an EWS contact onto a base never alters the base's unsupported properties", () => {
    const unsupported = fc.constantFrom(
      "item7.EMAIL;TYPE=INTERNET:labelled@custom.example\r\nitem7.X-ABLabel:Conference",
      "X-SOCIALPROFILE;TYPE=twitter;X-USER=ewsdav:https://twitter.example/ewsdav",
      "KEY;TYPE=PGP:https://keys.example/k.asc",
      "GEO:geo:37.386013\\,-122.082932",
      "X-CUSTOM;X-Unknown-Param=Some Value:kept as it is",
      "item8.X-ABRELATEDNAMES:Somebody\r\nitem8.X-ABLabel:_$!<Friend>!$_",
      "TEL;TYPE=VIDEO:+1 555 0199",
    );
    // Slots full on the DAV side, so a labelled e-mail and a video phone are beyond the limits.
    const fullCard = cardContent.map((content) => ({
      ...content,
      emails: [
        { type: "work" as const, address: "w@full.example" },
        { type: "home" as const, address: "h@full.example" },
        { type: "other" as const, address: "o@full.example" },
      ],
      phones: [...content.phones.filter((phone) => phone.slot !== 6), { slot: 6, number: "+1 666 6666" }],
    }));
    fc.assert(
      fc.property(fullCard, cardStyle, fc.uniqueArray(unsupported, { minLength: 1, maxLength: 4 }), ewsContact, (content, style, extras, item) => {
        const base = cardText(content, style, extras.flatMap((extra) => extra.split("\r\n")));
        const baseLines = normalizeVCard(base).split("\n");
        const merged = contactToVCard(item, { base });
        const mergedLines = new Set(normalizeVCard(merged.text).split("\n"));
        const extraLines = normalizeVCard(cardText({ ...emptyContent, uid: content.uid, fn: content.fn }, style, extras.flatMap((extra) => extra.split("\r\n"))))
          .split("\n")
          .filter((line) => !/^(begin|end):|^(uid|fn|n):/.test(line));
        for (const line of extraLines) {
          expect(baseLines).toContain(line);
          expect(mergedLines.has(line), `kept: ${line}`).toBe(true);
        }
        // The merged card says what the item says.
        expect(comparable(contactFromVCard(merged.text).item)).toMatchObject(withoutOverflowSensitiveFields(comparable(item)));
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });
});

const emptyContent = {
  uid: "",
  fn: "",
  n: null,
  nickname: null,
  org: null,
  title: null,
  role: null,
  emails: [],
  phones: [],
  addresses: [],
  ims: [],
  url: null,
  bday: null,
  anniversary: null,
  gender: null,
  spouse: null,
  manager: null,
  assistant: null,
  children: [],
  categories: [],
  note: null,
  photo: null,
};

/** Fields whose slot a kept base property can still take (an unsupported TEL;TYPE=VIDEO is "other"). */
function withoutOverflowSensitiveFields(item: Contact): Partial<Contact> {
  const { phoneNumbers: _phones, emailAddresses: _emails, ...rest } = item;
  return rest;
}

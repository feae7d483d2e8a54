/**
 * The mappers' normal forms are `@ewsdav/vobject`'s normal form with the mappers' property rules.
 * Their hashes are pinned here per client fixture, as computed before the form was shared: a host
 * that hands `normalizeVCard` / `normalizeVTodo` / `normalizeVEvent` to the engine as its
 * normalisers stores these hashes in its state, and an upgrade that changed them would make every
 * stored item look changed on the next cycle.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson as vobjectCanonicalJson, sha256 } from "@ewsdav/vobject";
import { CONTACT_FIXTURES } from "../contact/client-fixtures.test-support.js";
import { EVENT_FIXTURES } from "../event/client-fixtures.test-support.js";
import { canonicalJson, hashNormalized, normalizeVCard, normalizeVEvent, normalizeVTodo, normalizeICalendarComponents, vcardHash, veventHash, vtodoHash } from "../index.js";
import { TASK_FIXTURES } from "../task/client-fixtures.test-support.js";

const VCARD_HASHES: Record<string, string> = {
  "Apple Contacts (iOS / macOS, vCard 3.0)": "6936618a3c45870ab0de6d95549ddc8ebc0be1b86252975c0ef55b2e0f7471d2",
  "Google Contacts export (vCard 3.0)": "ed93449bc3ce764f76466c000b9b07959f3d5b450090cb9da247aa51d1e5a9b8",
  "Thunderbird address book (vCard 4.0)": "54c1f996cb763e4bc860ad2f25eae2c4426059497dcbb6861e9778ca9a155d52",
  "Outlook export (vCard 2.1, quoted-printable)": "d2128c8aafe7fb54a4a359c38645e38a29d918c0f00cd566d915d687be395313",
  "Nextcloud Contacts (sabre/vobject, vCard 3.0)": "7c3f6cfb55768c29204c73c66161bb0a7ba444c5bdc4f858f4e01e87be6049b0",
  "Android (DAVx⁵ / ez-vcard, vCard 4.0)": "ce0c64bbd7d887f9e1f8a966fe7c433755f9090eb3fddd54e04ce30b16130255",
};
const VTODO_HASHES: Record<string, string> = {
  "Apple Reminders (iOS / macOS)": "ddf5860f04f45210196a586483cd4dcf825111beaa114489c20ef5406158dd77",
  "Nextcloud Tasks": "f18159443d464ffa8b001eaef18e2d4672e6bc2c665df96d0bc4158b9d8d9cf0",
  "Thunderbird (Lightning)": "f23b6c8f4c2e2ae39c7bb30cbada55b58ffa2a9b1cf24b355d660cd3df3f8418",
  "Outlook / Exchange iCalendar export": "6054c27a2b18e982371a3b104858a0743d5c9d2c54d0284e2051913a0b00a22a",
  "Android (OpenTasks / jtx Board via DAVx⁵)": "4b1f536a7e113f2f9344072277652da7fe75ff34aebeb18209ff0dd18fef20be",
};
const VEVENT_HASHES: Record<string, string> = {
  "Outlook (iCalendar export)": "6c278f05c7be4acb7e7390b1b7214af5502451c930cdd554d9360ba9b5c73bfb",
  "Google Calendar": "3658672e6cffa06b210d227b4877be5c05e1958f0fb587aedf0112ea4af78688",
  "Apple Calendar (iOS / macOS)": "bf59e397fd56288f708249520f453f1048edee91b766c6c3c1799b65b9c8eae5",
  "Thunderbird": "62966a77c9567000d5ce56ea3d0a5597522b87b4fa28da8594bbd4d904787cd6",
  "Nextcloud Calendar": "d7bf6008ffa8be5a94f765a2ec32240793b82d12491333d0b0a56f2c75c4c32e",
  "Android (Etar via DAVx⁵)": "2c96a114b63b136c5e4d5085942c9a3bab3a856bc3175af3c2e12e722dd99785",
};

describe("hashes stay what states hold", () => {
  it.each(CONTACT_FIXTURES.map((f) => [f.client, f.text] as const))("vcardHash of %s", (client, text) => {
    expect(vcardHash(text)).toBe(VCARD_HASHES[client]);
  });
  it.each(TASK_FIXTURES.map((f) => [f.client, f.text] as const))("vtodoHash of %s", (client, text) => {
    expect(vtodoHash(text)).toBe(VTODO_HASHES[client]);
  });
  it.each(EVENT_FIXTURES.map((f) => [f.client, f.text] as const))("veventHash of %s", (client, text) => {
    expect(veventHash(text)).toBe(VEVENT_HASHES[client]);
  });
});

describe("the shared form", () => {
  it("hashes and serialises with @ewsdav/vobject", () => {
    const text = CONTACT_FIXTURES[0]!.text;
    expect(vcardHash(text)).toBe(sha256(normalizeVCard(text)));
    expect(hashNormalized("x")).toBe(sha256("x"));
    expect(canonicalJson).toBe(vobjectCanonicalJson);
  });

  it("opens and closes each component in lower case, cards and components sorted", () => {
    const two = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEND:VCARD\r\n";
    expect(normalizeVCard(two)).toBe('begin:vcard\nfn:["A"]\nend:vcard\nbegin:vcard\nfn:["B"]\nend:vcard');
    const todo = TASK_FIXTURES[0]!.text;
    expect(normalizeVTodo(todo)).toBe(normalizeICalendarComponents(todo, "vtodo"));
    expect(normalizeVTodo(todo).startsWith("begin:vtodo\n")).toBe(true);
    expect(normalizeVEvent(EVENT_FIXTURES[0]!.text)).not.toMatch(/begin:vtimezone/);
  });
});

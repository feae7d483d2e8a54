import { describe, expect, it } from "vitest";
import { collectionFromResponse } from "./collections.js";
import { DavError } from "./errors.js";
import { findProp, hasCondition, parseMultistatus, propHrefs, propText } from "./multistatus.js";
import { DAV_NAMESPACES } from "./namespaces.js";

const { d: D, cal: CAL, card: CARD, oc: OC, nc: NC } = DAV_NAMESPACES;
const NEXTCLOUD = "https://cloud.example.com/remote.php/dav/calendars/alice/";

// Shaped like Nextcloud's sabre/dav: d:/cal:/cs:/oc:/nc: prefixes, sync-token URLs, 404 propstats.
const sabreCollections = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/personal/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>
    <d:displayname>Personal</d:displayname>
    <x1:calendar-color xmlns:x1="http://apple.com/ns/ical/">#0082c9</x1:calendar-color>
    <cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>
    <cs:getctag>http://sabre.io/ns/sync/42</cs:getctag>
    <d:sync-token>http://sabre.io/ns/sync/42</d:sync-token>
    <oc:owner-principal>principals/users/alice</oc:owner-principal>
    <nc:owner-displayname>Alice</nc:owner-displayname>
    <d:current-user-privilege-set><d:privilege><d:write/></d:privilege><d:privilege><d:read/></d:privilege></d:current-user-privilege-set>
    <d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report><d:supported-report><d:report><cal:calendar-multiget/></d:report></d:supported-report></d:supported-report-set>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
  <d:propstat><d:prop><cal:calendar-description/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/shared_by_bob/</d:href>
  <d:propstat>
   <d:prop>
    <d:resourcetype><d:collection/><cal:calendar/><cs:shared/></d:resourcetype>
    <d:displayname>Bob's tasks</d:displayname>
    <cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set>
    <d:current-user-privilege-set><d:privilege><d:read/></d:privilege><d:privilege><cal:read-free-busy/></d:privilege></d:current-user-privilege-set>
    <oc:owner-principal>principals/users/bob</oc:owner-principal>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
</d:multistatus>`;

const sabreSync = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response>
  <d:href>/remote.php/dav/addressbooks/users/alice/contacts/a%40b.vcf</d:href>
  <d:propstat><d:prop><d:getetag>&quot;8f1c&quot;</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/addressbooks/users/alice/contacts/gone.vcf</d:href>
  <d:status>HTTP/1.1 404 Not Found</d:status>
 </d:response>
 <d:sync-token>http://sabre.io/ns/sync/57</d:sync-token>
</d:multistatus>`;

// Radicale 3.1.8 as captured: default DAV: namespace, CR:/C:/CS: prefixes, the sync-token
// before the responses, item data with raw CRLF line ends, status after prop.
const radicaleSync = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:"><sync-token>http://radicale.org/ns/sync/7a544ed04b657900a8f5b5c0ee14dfa1959476af743bddd27735eac7680ed982</sync-token><response><href>/alice/book/x%20y.vcf</href><propstat><prop><getetag>"d420c7ebc5073ce0de027ac57d82ace99aec2a8b"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

const radicaleMultiget = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/alice/book/missing.vcf</href><status>HTTP/1.1 404 Not Found</status></response><response><href>/alice/book/x%20y.vcf</href><propstat><prop><getetag>"d420c7eb"</getetag><CR:address-data>BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x1\r\nFN:A &amp; B &lt;c&gt;\r\nNOTE:&lt;!DOCTYPE html&gt; ]]&gt; cdata\r\nEND:VCARD\r\n</CR:address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

const radicaleHome = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"><response><href>/alice/</href><propstat><prop><resourcetype><principal /><collection /></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><displayname /><CS:getctag /><sync-token /><C:supported-calendar-component-set /></prop><status>HTTP/1.1 404 Not Found</status></propstat></response><response><href>/alice/book/</href><propstat><prop><resourcetype><CR:addressbook /><collection /></resourcetype><displayname>alice/book</displayname><CS:getctag>"40e99b05"</CS:getctag><sync-token>http://radicale.org/ns/sync/7a544ed0</sync-token><current-user-privilege-set><privilege><read /></privilege><privilege><all /></privilege><privilege><write /></privilege><privilege><write-properties /></privilege><privilege><write-content /></privilege></current-user-privilege-set><supported-report-set><supported-report><report><expand-property /></report></supported-report><supported-report><report><sync-collection /></report></supported-report><supported-report><report><CR:addressbook-multiget /></report></supported-report></supported-report-set><C:supported-calendar-component-set><C:comp name="VTODO" /><C:comp name="VEVENT" /><C:comp name="VJOURNAL" /></C:supported-calendar-component-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

// Xandikos 0.2.8 as captured: ns0:/ns1:… prefixes picked by ElementTree, no XML declaration,
// status before prop, supported-report without the DAV:report level.
const xandikosSync = `<ns0:multistatus xmlns:ns0="DAV:"><ns0:response><ns0:href>/alice/contacts/addressbook/x%20y.vcf</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>"99d5cbf270b259ac88cf0e37933f6cb9a3a25d86"</ns0:getetag></ns0:prop></ns0:propstat></ns0:response><ns0:sync-token>3020dcef277e21abeaf53139b2fc89c06d186911</ns0:sync-token></ns0:multistatus>`;

const xandikosMultiget = `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav"><ns0:response><ns0:href>/alice/calendars/calendar/e1.ics</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>"5f0e"</ns0:getetag><ns1:calendar-data>BEGIN:VCALENDAR\r\nSUMMARY:a &lt;b&gt; &amp; c\r\nEND:VCALENDAR\r\n</ns1:calendar-data></ns0:prop></ns0:propstat></ns0:response><ns0:response><ns0:href>/alice/calendars/calendar/missing.ics</ns0:href><ns0:status>HTTP/1.1 404 Not Found</ns0:status></ns0:response></ns0:multistatus>`;

// Without a sync-token property, so only the report set can tell sync-collection support.
const xandikosHome = `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="http://calendarserver.org/ns/" xmlns:ns2="urn:ietf:params:xml:ns:caldav" xmlns:ns3="urn:ietf:params:xml:ns:carddav"><ns0:response><ns0:href>/alice/contacts/addressbook/</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:resourcetype><ns0:collection /><ns3:addressbook /></ns0:resourcetype><ns0:displayname>addressbook</ns0:displayname><ns1:getctag>3020dcef277e21abeaf53139b2fc89c06d186911</ns1:getctag><ns0:current-user-privilege-set><ns0:privilege><ns0:all /></ns0:privilege></ns0:current-user-privilege-set><ns0:supported-report-set><ns0:supported-report><ns3:addressbook-multiget /></ns0:supported-report><ns0:supported-report><ns3:addressbook-query /></ns0:supported-report><ns0:supported-report><ns0:expand-property /></ns0:supported-report><ns0:supported-report><ns0:sync-collection /></ns0:supported-report></ns0:supported-report-set></ns0:prop></ns0:propstat><ns0:propstat><ns0:status>HTTP/1.1 404 Not Found</ns0:status><ns0:prop><ns2:supported-calendar-component-set /></ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>`;

describe("parseMultistatus on Nextcloud (sabre/dav) responses", () => {
  it("reads collections with colour, component set, ctag, sync-token URL and privileges", () => {
    const multistatus = parseMultistatus(sabreCollections, NEXTCLOUD);
    expect(multistatus.responses.map((r) => r.href)).toEqual([
      "/remote.php/dav/calendars/alice/",
      "/remote.php/dav/calendars/alice/personal/",
      "/remote.php/dav/calendars/alice/shared_by_bob/",
    ]);
    const [home, personal, shared] = multistatus.responses.map((r) => collectionFromResponse(r, "https://cloud.example.com"));
    expect(home).toBeUndefined();
    expect(personal).toMatchObject({
      url: "https://cloud.example.com/remote.php/dav/calendars/alice/personal/",
      kind: "calendar",
      displayName: "Personal",
      color: "#0082c9",
      components: ["VEVENT"],
      ctag: "http://sabre.io/ns/sync/42",
      syncToken: "http://sabre.io/ns/sync/42",
      description: undefined,
      readOnly: false,
      supportsSyncCollection: true,
    });
    expect(shared).toMatchObject({ displayName: "Bob's tasks", components: ["VTODO"], readOnly: true, privileges: ["read", "read-free-busy"] });
    expect(propText(multistatus.responses[1]!, OC, "owner-principal")).toBe("principals/users/alice");
    expect(propText(multistatus.responses[1]!, NC, "owner-displayname")).toBe("Alice");
  });

  it("reads a sync-collection answer: changed member, 404 member, sync-token URL", () => {
    const multistatus = parseMultistatus(sabreSync, "https://cloud.example.com/remote.php/dav/addressbooks/users/alice/contacts/");
    expect(multistatus.syncToken).toBe("http://sabre.io/ns/sync/57");
    expect(multistatus.responses[0]).toMatchObject({ href: "/remote.php/dav/addressbooks/users/alice/contacts/a@b.vcf", status: undefined });
    expect(propText(multistatus.responses[0]!, D, "getetag")).toBe('"8f1c"');
    expect(multistatus.responses[1]).toMatchObject({ href: "/remote.php/dav/addressbooks/users/alice/contacts/gone.vcf", status: 404 });
  });
});

describe("parseMultistatus on Radicale and Xandikos responses", () => {
  it("reads Radicale's sync answer (token first) and multiget: default namespace, entities, raw CRLF", () => {
    const sync = parseMultistatus(radicaleSync, "http://127.0.0.1:5232/alice/book/");
    expect(sync.syncToken).toBe("http://radicale.org/ns/sync/7a544ed04b657900a8f5b5c0ee14dfa1959476af743bddd27735eac7680ed982");
    expect(sync.responses.map((r) => [r.href, propText(r, D, "getetag")])).toEqual([["/alice/book/x%20y.vcf", '"d420c7ebc5073ce0de027ac57d82ace99aec2a8b"']]);

    const [missing, found] = parseMultistatus(radicaleMultiget, "http://127.0.0.1:5232/alice/book/").responses;
    expect(missing).toMatchObject({ href: "/alice/book/missing.vcf", status: 404, propstats: [] });
    expect(found?.href).toBe("/alice/book/x%20y.vcf");
    // XML line-end normalisation turns the raw CRLF into LF (the item layer restores CRLF).
    expect(findProp(found!, CARD, "address-data")?.text).toBe("BEGIN:VCARD\nVERSION:3.0\nUID:x1\nFN:A & B <c>\nNOTE:<!DOCTYPE html> ]]> cdata\nEND:VCARD\n");
  });

  it("reads Radicale's collection listing: principal skipped, address book with ctag, token and privileges", () => {
    const [principal, book] = parseMultistatus(radicaleHome, "http://127.0.0.1:5232/alice/").responses.map((r) => collectionFromResponse(r, "http://127.0.0.1:5232"));
    expect(principal).toBeUndefined();
    expect(book).toMatchObject({
      url: "http://127.0.0.1:5232/alice/book/",
      kind: "addressbook",
      displayName: "alice/book",
      ctag: '"40e99b05"',
      syncToken: "http://radicale.org/ns/sync/7a544ed0",
      components: undefined,
      readOnly: false,
      supportsSyncCollection: true,
    });
  });

  it("reads Xandikos's sync answer and multiget: ns0:/ns1: prefixes, status before prop", () => {
    const sync = parseMultistatus(xandikosSync, "http://127.0.0.1:8080/alice/contacts/addressbook/");
    expect(sync.syncToken).toBe("3020dcef277e21abeaf53139b2fc89c06d186911");
    expect(sync.responses.map((r) => [r.href, propText(r, D, "getetag")])).toEqual([["/alice/contacts/addressbook/x%20y.vcf", '"99d5cbf270b259ac88cf0e37933f6cb9a3a25d86"']]);

    const [found, missing] = parseMultistatus(xandikosMultiget, "http://127.0.0.1:8080/alice/calendars/calendar/").responses;
    expect(findProp(found!, CAL, "calendar-data")?.text).toBe("BEGIN:VCALENDAR\nSUMMARY:a <b> & c\nEND:VCALENDAR\n");
    expect(missing).toMatchObject({ href: "/alice/calendars/calendar/missing.ics", status: 404 });
  });

  it("reads Xandikos's report set, which leaves out the DAV:report level, as sync-collection support", () => {
    const [book] = parseMultistatus(xandikosHome, "http://127.0.0.1:8080/alice/contacts/").responses.map((r) => collectionFromResponse(r, "http://127.0.0.1:8080"));
    expect(book).toMatchObject({ kind: "addressbook", displayName: "addressbook", syncToken: undefined, privileges: ["all"], readOnly: false, supportsSyncCollection: true });
  });

  it("treats the same prefix bound to different namespaces as different names", () => {
    const xml = `<x:multistatus xmlns:x="DAV:"><x:response><x:href>/a</x:href><x:propstat><x:prop><x:getetag xmlns:x="urn:not-dav">"no"</x:getetag></x:prop><x:status>HTTP/1.1 200 OK</x:status></x:propstat></x:response></x:multistatus>`;
    const multistatus = parseMultistatus(xml, "http://h/");
    expect(propText(multistatus.responses[0]!, D, "getetag")).toBeUndefined();
    expect(propText(multistatus.responses[0]!, "urn:not-dav", "getetag")).toBe('"no"');
  });

  it("reads hrefs given as full URLs and several hrefs in one response", () => {
    const xml = `<multistatus xmlns="DAV:"><response><href>http://h/c/one.ics</href><href>/c/t%77o.ics</href><status>HTTP/1.1 404 Not Found</status></response></multistatus>`;
    expect(parseMultistatus(xml, "http://h/c/").responses[0]).toMatchObject({ href: "/c/one.ics", extraHrefs: ["/c/two.ics"], status: 404 });
  });

  it("reads home-set hrefs and DAV:error conditions", () => {
    const xml = `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/p/</D:href><D:propstat><D:prop><C:calendar-home-set><D:href>/p/cal/</D:href></C:calendar-home-set></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat><D:error><D:number-of-matches-within-limits/></D:error></D:response></D:multistatus>`;
    const response = parseMultistatus(xml, "http://h/").responses[0]!;
    expect(propHrefs(response, CAL, "calendar-home-set", "http://h/")).toEqual(["/p/cal/"]);
    expect(hasCondition(response.error, D, "number-of-matches-within-limits")).toBe(true);
  });
});

describe("parseMultistatus refuses unsafe or malformed XML", () => {
  it("refuses a DOCTYPE (no entity expansion)", () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><multistatus xmlns="DAV:"><response><href>&x;</href></response></multistatus>`;
    expect(() => parseMultistatus(xml, "http://h/")).toThrowError(expect.objectContaining({ code: "INVALID_XML" }));
  });

  it("refuses undeclared entities and prefixes, and a root other than multistatus", () => {
    expect(() => parseMultistatus(`<multistatus xmlns="DAV:"><response><href>&nbsp;</href></response></multistatus>`, "http://h/")).toThrow(DavError);
    expect(() => parseMultistatus(`<q:multistatus/>`, "http://h/")).toThrow(/undeclared namespace prefix/);
    expect(() => parseMultistatus(`<error xmlns="DAV:"><valid-sync-token/></error>`, "http://h/")).toThrow(/expected a DAV:multistatus/);
    expect(() => parseMultistatus(`<multistatus xmlns="DAV:"><response></response></multistatus>`, "http://h/")).toThrow(/no DAV:href/);
  });
});

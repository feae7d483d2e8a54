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

// Shaped like Radicale 3: default DAV: namespace, C:/CR: prefixes, status after prop.
const radicaleMultiget = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/alice/book/x%20y.vcf</href><propstat><prop><getetag>"3f2a"</getetag><CR:address-data>BEGIN:VCARD&#13;
VERSION:3.0&#13;
FN:A &amp; B &lt;c&gt;&#13;
END:VCARD&#13;
</CR:address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response><response><href>/alice/book/missing.vcf</href><status>HTTP/1.1 404 Not Found</status></response></multistatus>`;

// Shaped like Xandikos: ns0:/ns1: prefixes picked by ElementTree, no XML declaration.
const xandikosSync = `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav"><ns0:response><ns0:href>/alice/calendars/calendar/e1.ics</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>"5f0e"</ns0:getetag><ns1:calendar-data><![CDATA[BEGIN:VCALENDAR
SUMMARY:a <b> & c
END:VCALENDAR
]]></ns1:calendar-data></ns0:prop></ns0:propstat></ns0:response><ns0:sync-token>b0c0ef5fa5661329bfb4ec13169cf5dd977f19ba</ns0:sync-token></ns0:multistatus>`;

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
  it("resolves Radicale's default namespace and decodes entities and character references", () => {
    const multistatus = parseMultistatus(radicaleMultiget, "http://127.0.0.1:5232/alice/book/");
    const [found, missing] = multistatus.responses;
    expect(found?.href).toBe("/alice/book/x%20y.vcf");
    expect(findProp(found!, CARD, "address-data")?.text).toBe("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A & B <c>\r\nEND:VCARD\r\n");
    expect(missing).toMatchObject({ href: "/alice/book/missing.vcf", status: 404, propstats: [] });
  });

  it("resolves Xandikos's ns0:/ns1: prefixes and keeps CDATA literally", () => {
    const multistatus = parseMultistatus(xandikosSync, "http://127.0.0.1:8080/alice/calendars/calendar/");
    expect(multistatus.syncToken).toBe("b0c0ef5fa5661329bfb4ec13169cf5dd977f19ba");
    expect(findProp(multistatus.responses[0]!, CAL, "calendar-data")?.text).toBe("BEGIN:VCALENDAR\nSUMMARY:a <b> & c\nEND:VCALENDAR\n");
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

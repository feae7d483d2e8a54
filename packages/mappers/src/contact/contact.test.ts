import { describe, expect, it } from "vitest";
import type { Contact } from "@ewsdav/ews-client";
import { contactFromVCard, contactToVCard, EWSDAV_UID_PROPERTY, MapperError, normalizeVCard, PHONE_SLOTS, readEwsdavUid } from "../index.js";

const card = (version: "3.0" | "4.0", ...lines: string[]) => ["BEGIN:VCARD", `VERSION:${version}`, "FN:Test Person", ...lines, "END:VCARD", ""].join("\r\n");
const emails = (item: Contact) => Object.fromEntries(Object.entries(item.emailAddresses ?? {}).map(([key, value]) => [key, value.address]));

describe("e-mail slots", () => {
  it("puts typed addresses in their slot first, then fills free slots with untyped ones in order", () => {
    const { item, dropped } = contactFromVCard(card("3.0", "EMAIL;TYPE=INTERNET:untyped1@x.example", "EMAIL;TYPE=HOME:home@x.example", "EMAIL:untyped2@x.example", "EMAIL;TYPE=INTERNET:untyped3@x.example"));
    expect(emails(item)).toEqual({ EmailAddress1: "untyped1@x.example", EmailAddress2: "home@x.example", EmailAddress3: "untyped2@x.example" });
    expect(dropped).toEqual([{ property: "EMAIL", reason: expect.stringContaining("3 e-mail addresses") as unknown as string, value: "untyped3@x.example" }]);
  });

  it("sends a second work address to a free slot and orders by PREF", () => {
    const { item } = contactFromVCard(card("4.0", "EMAIL;TYPE=work;PREF=2:second@x.example", "EMAIL;TYPE=work;PREF=1:first@x.example", "EMAIL;TYPE=other:other@x.example"));
    expect(emails(item)).toEqual({ EmailAddress1: "first@x.example", EmailAddress2: "second@x.example", EmailAddress3: "other@x.example" });
  });

  it("handles several PREF values in vCard 3.0 (TYPE=pref) and grouped addresses with labels", () => {
    const { item } = contactFromVCard(card("3.0", "item1.EMAIL;type=INTERNET:labelled@x.example", "item1.X-ABLabel:_$!<Home>!$_", "EMAIL;type=INTERNET;type=pref:preferred@x.example", "EMAIL;type=INTERNET;type=pref;type=WORK:work@x.example"));
    expect(emails(item)).toEqual({ EmailAddress1: "work@x.example", EmailAddress2: "labelled@x.example", EmailAddress3: "preferred@x.example" });
  });
});

describe("phone slots", () => {
  it.each(PHONE_SLOTS.map((slot) => [slot.key, slot.types.join(",")]))("%s ⇄ TEL;TYPE=%s in both versions", (key, types) => {
    for (const version of ["3.0", "4.0"] as const) {
      // A second work or home number needs the first one, or it comes back as the first.
      const first = key === "BusinessPhone2" ? { BusinessPhone: "+1 555 0001" } : key === "HomePhone2" ? { HomePhone: "+1 555 0001" } : {};
      const item: Contact = { displayName: "P", phoneNumbers: { ...first, [key]: "+1 555 0100" } };
      const { text } = contactToVCard(item, { version });
      expect(text.toLowerCase()).toContain(`tel;type=${types}`);
      expect(contactFromVCard(text).item.phoneNumbers).toEqual(item.phoneNumbers);
    }
  });

  it("reads tel: URIs of vCard 4.0 and reports a number whose slots are taken", () => {
    const { item, dropped } = contactFromVCard(card("4.0", "TEL;VALUE=uri;TYPE=cell:tel:+1-555-0100", "TEL;TYPE=car:+1 555 0101", "TEL;TYPE=car:+1 555 0102"));
    expect(item.phoneNumbers).toEqual({ MobilePhone: "+1-555-0100", CarPhone: "+1 555 0101" });
    expect(dropped).toMatchObject([{ property: "TEL", value: "+1 555 0102" }]);
  });

  it("reads Outlook's X-MS-TEL slots ([MS-OXVCARD]) and updates them in place on merge", () => {
    const base = card("3.0", "N:Person;Test;;;", "X-MS-TEL;TYPE=ASSISTANT:+1 555 0201", "X-MS-TEL;TYPE=CALLBACK:+1 555 0202", "X-MS-TEL;TYPE=COMPANY:+1 555 0203", "X-MS-TEL;TYPE=RADIO:+1 555 0204", "X-MS-TEL;TYPE=TTYTDD:+1 555 0205", "X-MS-TEL;TYPE=VIDEO:+1 555 0206");
    const { item, dropped } = contactFromVCard(base);
    expect(item.phoneNumbers).toEqual({ AssistantPhone: "+1 555 0201", Callback: "+1 555 0202", CompanyMainPhone: "+1 555 0203", RadioPhone: "+1 555 0204", TtyTddPhone: "+1 555 0205" });
    // A type no slot knows is reported, not guessed into OtherTelephone.
    expect(dropped).toMatchObject([{ property: "X-MS-TEL", value: "+1 555 0206" }]);
    const { text } = contactToVCard({ ...item, phoneNumbers: { ...item.phoneNumbers, Callback: "+1 555 0299" } }, { base });
    expect(text).toContain("X-MS-TEL;TYPE=CALLBACK:+1 555 0299\r\n");
    expect(text).toContain("X-MS-TEL;TYPE=VIDEO:+1 555 0206\r\n");
    expect(text).not.toContain("0202");
    expect(normalizeVCard(contactToVCard(item, { base }).text)).toBe(normalizeVCard(base));
    // The mapping table's Outlook types are the ones read.
    for (const slot of PHONE_SLOTS.filter((candidate) => candidate.outlookType)) {
      expect(contactFromVCard(card("3.0", `X-MS-TEL;TYPE=${slot.outlookType!}:+1 555 0300`)).item.phoneNumbers).toEqual({ [slot.key]: "+1 555 0300" });
    }
  });

  it("keeps a tel: URI on merge when only the number changes", () => {
    const base = card("4.0", "TEL;VALUE=uri;TYPE=cell:tel:+1-555-0100");
    const { text } = contactToVCard({ displayName: "Test Person", phoneNumbers: { MobilePhone: "+1-555-0199" } }, { base });
    expect(text).toContain("TEL;TYPE=cell:tel:+1-555-0199");
  });
});

describe("postal addresses", () => {
  it("lets PREF decide which work address is carried and reports the other", () => {
    const { item, dropped } = contactFromVCard(card("4.0", "ADR;TYPE=work:;;Second;Town;;;", "ADR;TYPE=work;PREF=1:;;First;City;;;", "ADR:;;Untyped;Village;;;"));
    expect(item.physicalAddresses).toEqual({ Business: { street: "First", city: "City" }, Other: { street: "Untyped", city: "Village" } });
    expect(item.postalAddressIndex).toBe("Business");
    expect(dropped).toMatchObject([{ property: "ADR", value: ";;Second;Town;;;" }]);
  });

  it("reports a post office box and keeps it on merge", () => {
    const base = card("3.0", "ADR;TYPE=HOME:PO Box 7;;Street 1;City;;12345;DE");
    const read = contactFromVCard(base);
    expect(read.dropped).toMatchObject([{ property: "ADR", value: "PO Box 7" }]);
    const { text } = contactToVCard({ ...read.item, physicalAddresses: { Home: { street: "Street 2", city: "City", postalCode: "12345", countryOrRegion: "DE" } } }, { base });
    expect(text).toContain("ADR;TYPE=HOME:PO Box 7;;Street 2;City;;12345;DE");
  });
});

describe("instant messaging", () => {
  it("fills the three IM slots from IMPP and X- properties and reports the fourth", () => {
    const { item, dropped } = contactFromVCard(card("3.0", "X-JABBER:a@jabber.example", "IMPP:xmpp:a@jabber.example", "X-MS-IMADDRESS:a@im.example", "IMPP;PREF=1:sip:a@sip.example", "X-SKYPE:askype"));
    expect(item.imAddresses).toEqual({ ImAddress1: "sip:a@sip.example", ImAddress2: "xmpp:a@jabber.example", ImAddress3: "a@im.example" });
    expect(dropped).toMatchObject([{ property: "X-SKYPE", reason: expect.stringContaining("3 IM") as unknown as string }]);
  });

  it("writes URIs as IMPP and plain text as X-MS-IMADDRESS", () => {
    const { text } = contactToVCard({ displayName: "I", imAddresses: { ImAddress1: "xmpp:i@x.example", ImAddress2: "i@lync.example" } }, { version: "4.0" });
    expect(text).toContain("IMPP:xmpp:i@x.example");
    expect(text).toContain("X-MS-IMADDRESS:i@lync.example");
  });
});

describe("photo", () => {
  const jpeg = "/9j/4AAQSkZJRg==";
  it("reads inline 3.0 and data-URI 4.0 photos into the contact photo attachment", () => {
    for (const text of [card("3.0", `PHOTO;ENCODING=b;TYPE=JPEG:${jpeg}`), card("4.0", `PHOTO:data:image/jpeg;base64,${jpeg}`)]) {
      expect(contactFromVCard(text).item.attachments).toEqual([{ kind: "file", name: "ContactPicture.jpg", contentType: "image/jpeg", isContactPhoto: true, content: jpeg }]);
    }
  });

  it("reports a photo by URL or with bad base64 and maps the rest", () => {
    const byUrl = contactFromVCard(card("4.0", "PHOTO:https://example.com/p.jpg", "TITLE:Boss"));
    expect(byUrl.item.attachments).toBeUndefined();
    expect(byUrl.item.jobTitle).toBe("Boss");
    expect(byUrl.dropped[0]?.error).toBeInstanceOf(MapperError);
    const bad = contactFromVCard(card("3.0", "PHOTO;ENCODING=b;TYPE=JPEG:@@@not base64@@@"));
    expect(bad.dropped[0]).toMatchObject({ property: "PHOTO", error: { code: "INVALID_VALUE", property: "PHOTO" } });
  });

  it("keeps the base photo when the attachment content was not fetched", () => {
    const base = card("4.0", `PHOTO:data:image/jpeg;base64,${jpeg}`);
    const { text, dropped } = contactToVCard({ displayName: "Test Person", attachments: [{ kind: "file", name: "ContactPicture.jpg", isContactPhoto: true }] }, { base });
    expect(text).toContain(`PHOTO:data:image/jpeg;base64,${jpeg}`);
    expect(dropped).toEqual([]);
  });
});

describe("merge onto the base", () => {
  const base = card("3.0", "UID:u-1", "EMAIL;TYPE=WORK:w@x.example", "EMAIL;TYPE=HOME:h@x.example", "EMAIL;TYPE=OTHER:o@x.example", "EMAIL;X-CUSTOM=1:fourth@x.example", "X-FOO;X-BAR=baz:keep me", "item1.URL:https://kept.example", "item1.X-ABLabel:blog", "TEL;TYPE=VIDEO:+1 555 0100", "TEL;TYPE=OTHER:+1 555 0101");

  it("keeps the version of the base, whatever version is asked for new cards", () => {
    expect(contactToVCard(contactFromVCard(base).item, { base, version: "4.0" }).text).toContain("VERSION:3.0");
  });

  it("never wipes what EWS cannot hold, even when EWS cleared every field", () => {
    const { text } = contactToVCard({ extendedProperties: [{ fieldUri: { ...EWSDAV_UID_PROPERTY }, value: "u-1" }] }, { base });
    expect(text).toContain("EMAIL;X-CUSTOM=1:fourth@x.example");
    expect(text).toContain("X-FOO;X-BAR=baz:keep me");
    expect(text).toContain("item1.URL:https://kept.example");
    expect(text).toContain("TEL;TYPE=VIDEO:+1 555 0100");
    expect(text).not.toContain("w@x.example");
    expect(text).not.toContain("+1 555 0101");
  });

  it("writes the UID from the item, else from the options", () => {
    expect(readEwsdavUid(contactFromVCard(contactToVCard({ displayName: "N" }, { uid: "given-uid" }).text).item)).toBe("given-uid");
  });
});

describe("dates, gender and relations", () => {
  it("reads birthdays without a year and writes them back per version", () => {
    const item = contactFromVCard(card("4.0", "BDAY:--0315")).item;
    expect(item.birthday).toBe("1604-03-15T00:00:00Z");
    expect(contactToVCard(item, { version: "4.0" }).text).toContain("BDAY:--0315");
    expect(contactToVCard(item, { version: "3.0" }).text).toContain("BDAY;X-APPLE-OMIT-YEAR=1604:16040315");
  });

  it("reads Exchange birthdays stored as a local midnight to the right day", () => {
    const { text } = contactToVCard({ displayName: "B", birthday: "1980-01-01T23:00:00Z" }, { version: "4.0" });
    expect(text).toContain("BDAY:19800102");
  });

  it("maps GENDER both ways", () => {
    expect(contactFromVCard(card("4.0", "GENDER:F")).item.gender).toBe("Female");
    expect(contactFromVCard(card("4.0", "GENDER:;non-binary")).item.gender).toBe("non-binary");
    expect(contactToVCard({ displayName: "G", gender: "Male" }, { version: "4.0" }).text).toContain("GENDER:M");
  });
});

describe("parameters EWS cannot hold", () => {
  it("reports an unknown parameter of a mapped property, naming the property and the parameter, and still maps the value", () => {
    const { item, dropped } = contactFromVCard(card("4.0", "EMAIL;TYPE=work;X-DAV-PARAM=1:ada@work.example"));
    expect(emails(item)).toEqual({ EmailAddress1: "ada@work.example" });
    expect(dropped).toEqual([{ property: "EMAIL;X-DAV-PARAM", reason: "parameter X-DAV-PARAM has no Exchange field; kept on the DAV side", value: "1" }]);
  });

  it("keeps the parameter on the DAV side when Exchange changes the value (the merge onto the base)", () => {
    const base = card("4.0", "EMAIL;TYPE=work;X-DAV-PARAM=1:ada@work.example", "TITLE;LANGUAGE=en:Analyst");
    const { item } = contactFromVCard(base);
    const { text } = contactToVCard({ ...item, jobTitle: "Lead", emailAddresses: { EmailAddress1: { address: "ada@new.example" } } }, { base });
    expect(text).toContain("EMAIL;TYPE=work;X-DAV-PARAM=1:ada@new.example");
    expect(text).toContain("TITLE;LANGUAGE=en:Lead");
  });

  it("reports LANGUAGE, SORT-AS, GEO on ADR and a non-Gregorian CALSCALE, in card order, with groups named", () => {
    const { dropped } = contactFromVCard(
      card(
        "4.0",
        'N;SORT-AS="Lovelace,Ada":Lovelace;Ada;;;',
        "TITLE;LANGUAGE=en:Analyst",
        'ADR;TYPE=work;GEO="geo:51.5,-0.12";LABEL="1 Engine Street\\nLondon":;;1 Engine Street;London;;;',
        "BDAY;CALSCALE=chinese:18151210",
        "item1.TEL;TYPE=cell;X-ABCUSTOM=yes:+1 555 0100",
      ),
    );
    expect(dropped.map((entry) => [entry.property, entry.value])).toEqual([
      ["N;SORT-AS", "Lovelace,Ada"],
      ["TITLE;LANGUAGE", "en"],
      ["ADR;GEO", "geo:51.5,-0.12"],
      ["BDAY;CALSCALE", "chinese"],
      ["item1.TEL;X-ABCUSTOM", "yes"],
    ]);
  });

  it("reports no parameter the mapper reads or that only says how the value is written", () => {
    const { item, dropped } = contactFromVCard(
      card(
        "4.0",
        "TEL;TYPE=work,voice;PREF=1;VALUE=uri:tel:+1-555-0100",
        "EMAIL;TYPE=home;PREF=2;PID=1.1:ada@home.example",
        "ADR;TYPE=home;LABEL=\"3 Home Road\\nBath\":;;3 Home Road;Bath;;;",
        "BDAY;CALSCALE=gregorian:18151210",
        "ANNIVERSARY;VALUE=date:18350708",
        "NOTE;ALTID=1;PID=2.1:Hello",
        "RELATED;TYPE=spouse;VALUE=text:William King",
        "IMPP;X-SERVICE-TYPE=Jabber;TYPE=home:xmpp:ada@jabber.example",
        "PHOTO;MEDIATYPE=image/jpeg:data:image/jpeg;base64,/9j/4AAQ",
      ),
    );
    expect(item.phoneNumbers).toEqual({ BusinessPhone: "+1-555-0100" });
    expect(item.imAddresses).toEqual({ ImAddress1: "xmpp:ada@jabber.example" });
    expect(dropped).toEqual([]);
  });

  it("reads vCard 3.0 parameters the same way: CHARSET, ENCODING, TYPE=pref and Apple's X-APPLE-OMIT-YEAR are carried, an X- parameter is reported", () => {
    const { dropped } = contactFromVCard(
      card("3.0", "TEL;TYPE=WORK;TYPE=pref;CHARSET=utf-8:+1 555 0100", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ", "NOTE;X-EXAMPLE=a,b:Hello"),
    );
    expect(dropped).toEqual([{ property: "NOTE;X-EXAMPLE", reason: "parameter X-EXAMPLE has no Exchange field; kept on the DAV side", value: "a,b" }]);
  });

  it("reports a property EWS cannot hold once, as the property (not its parameters as well)", () => {
    const { dropped } = contactFromVCard(card("4.0", "GEO;X-DAV-PARAM=1:geo:51.5,-0.12", "IMPP;X-SERVICE-TYPE=Facebook:x-apple:ada"));
    expect(dropped.map((entry) => entry.property)).toEqual(["GEO", "IMPP;X-SERVICE-TYPE"]);
  });
});

describe("EWS fields without a vCard property", () => {
  it("reports them, and reduces an HTML body to text", () => {
    const { text, dropped } = contactToVCard({ displayName: "E", initials: "E.X.", officeLocation: "B1", body: { bodyType: "HTML", value: "<html><body><p>Hello <b>bold</b></p><p>x &amp; y</p></body></html>" } });
    expect(dropped.map((entry) => entry.property).sort()).toEqual(["Body", "Initials", "OfficeLocation"]);
    expect(dropped.find((entry) => entry.property === "Body")?.reason).toBe("HTML formatting is reduced to text in NOTE");
    expect(text).toContain("NOTE:Hello bold\\nx & y");
  });
});

describe("malformed input", () => {
  it("throws a typed error when there is no vCard at all", () => {
    expect(() => contactFromVCard("hello world")).toThrow(MapperError);
    try {
      contactFromVCard("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    } catch (error) {
      expect(error).toMatchObject({ code: "MISSING_COMPONENT", property: "VCARD" });
    }
    expect(() => contactFromVCard(42 as unknown as string)).toThrow(MapperError);
  });

  it("reports a bad value or line by name and maps the rest of the card", () => {
    const { item, dropped } = contactFromVCard(card("3.0", "BDAY:not-a-date", "THIS LINE HAS NO COLON", "TITLE:Still here", "N:Doe;Jane;;;"));
    expect(item).toMatchObject({ jobTitle: "Still here", surname: "Doe", givenName: "Jane" });
    expect(dropped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property: "BDAY", error: expect.objectContaining({ code: "INVALID_VALUE", property: "BDAY" }) as unknown }),
        expect.objectContaining({ property: "THIS LINE HAS NO COLON", error: expect.any(MapperError) as unknown }),
      ]),
    );
  });

  it("maps a card that never ends, and folded non-ASCII lines", () => {
    const text = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Ünïcødé-Ñame with a long long long long long long lo\r\n ng name 日本語\r\nNOTE:naïve\r\n  café\r\n";
    const { item, dropped } = contactFromVCard(text);
    expect(item.displayName).toBe("Zoë Ünïcødé-Ñame with a long long long long long long long name 日本語");
    expect(item.body?.value).toBe("naïve café");
    expect(dropped).toMatchObject([{ property: "BEGIN:VCARD" }]);
  });

  it("produces text that reads back the same (normalised) after a round trip of a 2.1 card", () => {
    const text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nFN:John Doe\r\nTEL;WORK;VOICE:+1 555\r\nEND:VCARD\r\n";
    const { item } = contactFromVCard(text);
    const written = contactToVCard(item, { base: text });
    expect(written.text).toContain("VERSION:3.0");
    expect(normalizeVCard(written.text)).toBe(normalizeVCard(text.replace("2.1", "3.0").replace("TEL;WORK;VOICE", "TEL;TYPE=WORK,VOICE")));
  });
});

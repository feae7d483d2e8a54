/**
 * The contact mapping table as data: every vCard property the mapper reads or writes, its EWS
 * field(s), how well it is carried and its limit. `docs/mapping.md` is generated from it.
 */
import { withExamples, type MappingExample, type MappingRow } from "../result.js";
import { PHONE_SLOTS } from "./slots.js";

const contact = (property: string, ewsFields: string[], support: MappingRow["support"], notes?: string, limit?: string): MappingRow => {
  const row: MappingRow = { kind: "contact", property, ewsFields, support };
  if (limit !== undefined) row.limit = limit;
  if (notes !== undefined) row.notes = notes;
  return row;
};

/** TYPE values whose second number has a slot of its own, and the TYPE it comes back with. */
const SECOND_SLOT: Record<string, string> = { "work,voice": "work,voice", "home,voice": "home,voice", cell: "work,cell", "work,cell": "cell" };

/**
 * Numbers of each slot's TYPE values, one more than their slots hold: those that fit are read back
 * (as text in vCard 4.0), the last has no free slot and is reported.
 */
function phoneExample(types: readonly string[], n: number): MappingExample {
  const type = types.join(",");
  const number = (k: number) => `+1 555 0${k}${String(n).padStart(2, "0")}`;
  const second = SECOND_SLOT[type];
  const count = second ? 3 : 2;
  const dav = Array.from({ length: count }, (_, k) => `TEL;TYPE=${type}:${number(k + 1)}`);
  const back = [`TEL;TYPE=${type};VALUE=text:${number(1)}`, ...(second ? [`TEL;TYPE=${second};VALUE=text:${number(2)}`] : [])];
  return { dav, back, dropped: ["TEL"] };
}

const phoneRows: MappingRow[] = PHONE_SLOTS.map((slot, n) => ({
  ...contact(
    `TEL;TYPE=${slot.types.join(",")}`,
    [`PhoneNumbers[${slot.key}]`],
    "limited",
    `${slot.since2013 ? "Exchange 2013 schema and later. " : ""}Read from these TYPE values (also Apple \`X-ABLabel\` labels${slot.outlookType ? `, and Outlook's \`X-MS-TEL;TYPE=${slot.outlookType}\`, updated in place on merge` : ""}); a TEL whose slot is taken is reported.`,
    "1 number",
  ),
  example: phoneExample(slot.types, n),
}));


/**
 * An example per row, by the row's property: the DAV lines (vCard 4.0), what comes back from
 * Exchange where its form differs, and what must be reported dropped.
 */
const EXAMPLES: Record<string, MappingExample> = {
  UID: { dav: ["UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"] },
  FN: { dav: ["FN:Ada Lovelace"] },
  "N (family name)": { dav: ["N:Lovelace;;;;"] },
  "N (given name)": { dav: ["N:;Ada;;;"] },
  "N (additional names)": { dav: ["N:Lovelace;Ada;Augusta;;"] },
  "N (prefix)": { dav: ["N:Lovelace;Ada;;Countess;"] },
  "N (suffix)": { dav: ["N:Babbage;Charles;;;Jr."] },
  NICKNAME: { dav: ["NICKNAME:Ada"] },
  BDAY: { dav: ["BDAY:18151210"] },
  "ANNIVERSARY / X-ANNIVERSARY / X-MS-ANNIVERSARY / Apple X-ABDATE (Anniversary)": { dav: ["ANNIVERSARY:18350708"] },
  "GENDER / X-GENDER": { dav: ["GENDER:F"] },
  PHOTO: { dav: ["PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////2wBDAf//////////////////////////////////////////////////////////////////////////////////////wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAP/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AKAA/9k="] },
  "ORG (organisation)": { dav: ["ORG:Analytical Engines Ltd"] },
  "ORG (first unit)": { dav: ["ORG:Analytical Engines Ltd;Research"] },
  TITLE: { dav: ["TITLE:Analyst"] },
  ROLE: { dav: ["ROLE:Programmer"] },
  "RELATED;TYPE=spouse / X-MS-SPOUSE / X-SPOUSE / Apple X-ABRELATEDNAMES (Spouse, Partner)": { dav: ["RELATED;TYPE=spouse;VALUE=text:William King"] },
  "X-MS-MANAGER / X-MANAGER / RELATED;TYPE=x-manager / Apple X-ABRELATEDNAMES (Manager)": { dav: ["X-MS-MANAGER:Charles Babbage"] },
  "X-MS-ASSISTANT / X-ASSISTANT / RELATED;TYPE=x-assistant / Apple X-ABRELATEDNAMES (Assistant)": { dav: ["X-MS-ASSISTANT:Mary Somerville"] },
  "RELATED;TYPE=child / X-CHILD / Apple X-ABRELATEDNAMES (Child)": { dav: ["RELATED;TYPE=child;VALUE=text:Byron", "RELATED;TYPE=child;VALUE=text:Annabella"] },
  CATEGORIES: { dav: ["CATEGORIES:Friends,Work"] },
  NOTE: { dav: ["NOTE:First line\\nsecond line\\, with a comma"] },
  URL: { dav: ["URL:https://ada.example.org/"], back: ["URL;TYPE=work:https://ada.example.org/"] },
  "ADR;TYPE=work": {
    dav: ["ADR;TYPE=work:PO Box 7;;1 Engine Street;London;Greater London;N1 7AA;United Kingdom", "ADR;TYPE=work:;;2 Other Street;Paris;;75001;France"],
    back: ["ADR;TYPE=work:;;1 Engine Street;London;Greater London;N1 7AA;United Kingdom"],
    dropped: ["ADR"],
  },
  "ADR;TYPE=home": { dav: ["ADR;TYPE=home:;;3 Home Road;Bath;;BA1 1AA;United Kingdom", "ADR;TYPE=home:;;4 Second Home;Leeds;;LS1 1AA;United Kingdom"], back: ["ADR;TYPE=home:;;3 Home Road;Bath;;BA1 1AA;United Kingdom"], dropped: ["ADR"] },
  "ADR;TYPE=other or untyped": { dav: ["ADR:;;5 Other Lane;York;;YO1 7AA;United Kingdom", "ADR;TYPE=other:;;6 Far Lane;Hull;;HU1 1AA;United Kingdom"], back: ["ADR;TYPE=other:;;5 Other Lane;York;;YO1 7AA;United Kingdom"], dropped: ["ADR"] },
  "EMAIL;TYPE=work": { dav: ["EMAIL;TYPE=work:ada@work.example", "EMAIL;TYPE=work:ada2@work.example", "EMAIL;TYPE=work:ada3@work.example", "EMAIL;TYPE=work:ada4@work.example"], back: ["EMAIL;TYPE=work:ada@work.example"], dropped: ["EMAIL"] },
  "EMAIL;TYPE=home": { dav: ["EMAIL;TYPE=home:ada@home.example"] },
  "EMAIL;TYPE=other": { dav: ["EMAIL;TYPE=other:ada@other.example"] },
  "IMPP / X-MS-IMADDRESS / X-AIM, X-JABBER, X-ICQ, X-MSN, X-YAHOO, X-SKYPE, X-GOOGLE-TALK, X-QQ, X-GADUGADU": {
    dav: ["IMPP:xmpp:ada@jabber.example", "IMPP:sip:ada@sip.example", "IMPP:skype:ada.lovelace", "IMPP:aim:ada4"],
    back: ["IMPP:xmpp:ada@jabber.example", "IMPP:sip:ada@sip.example", "IMPP:skype:ada.lovelace"],
    dropped: ["IMPP"],
  },
  "TEL;TYPE=video, text, msg, bbs, modem …": { dav: ["TEL;TYPE=video:+1 555 0199"], back: ["TEL;TYPE=other,voice;VALUE=text:+1 555 0199"] },
  "Groups (item1.EMAIL) and X-ABLabel": { dav: ["item1.EMAIL:ada@label.example", "item1.X-ABLabel:_$!<Home>!$_"], back: ["EMAIL;TYPE=home:ada@label.example"] },
  "KEY, LOGO, SOUND, GEO, TZ, LANG, MEMBER, KIND=group, CLIENTPIDMAP, X- properties, unknown parameters": {
    // The EMAIL travels; its unknown parameter is what is reported (named with the property).
    dav: ["GEO:geo:51.5,-0.12", "TZ:Europe/London", "LANG:en", "X-EXAMPLE-FLAG:on", "EMAIL;X-DAV-PARAM=1:ada@param.example"],
    dropped: ["GEO", "TZ", "LANG", "X-EXAMPLE-FLAG", "EMAIL;X-DAV-PARAM"],
  },
  "(EWS only) Initials, OfficeLocation, Mileage, Companies": {
    dav: [],
    ews: { fields: { initials: "A.L.", officeLocation: "Room 12", mileage: "120 km", companies: ["Analytical Engines Ltd"] }, dropped: ["Initials", "OfficeLocation", "Mileage", "Companies"] },
  },
};

/** Every row of the contact mapping (vCard 3.0 / 4.0 ⇄ EWS `Contact`). */
export const CONTACT_MAPPING_ROWS: readonly MappingRow[] = withExamples([
  contact("UID", ["ExtendedProperty[ewsdav-uid]"], "supported", "Kept in a named property of ewsdav's own property set (`EWSDAV_UID_PROPERTY`)."),
  contact("FN", ["DisplayName"], "supported", "FileAs is set to the display name on the way in. A card without FN gets one from the name parts, company or e-mail."),
  contact("N (family name)", ["Surname"], "supported"),
  contact("N (given name)", ["GivenName"], "supported"),
  contact("N (additional names)", ["MiddleName"], "supported"),
  contact("N (prefix)", ["CompleteName/Title", "ExtendedProperty[0x3A45]"], "supported", "Written through PidTagDisplayNamePrefix by the EWS side."),
  contact("N (suffix)", ["Generation"], "supported"),
  contact("NICKNAME", ["Nickname"], "supported", "The first nickname; further ones are reported and kept on the DAV side.", "1 nickname"),
  contact("BDAY", ["Birthday"], "supported", "Dates without a year (`--0315`, Apple `X-APPLE-OMIT-YEAR`) use year 1604 in Exchange. Midnight UTC is written; read back to the nearest date."),
  contact("ANNIVERSARY / X-ANNIVERSARY / X-MS-ANNIVERSARY / Apple X-ABDATE (Anniversary)", ["WeddingAnniversary"], "supported", "New 4.0 cards get ANNIVERSARY, 3.0 cards X-ANNIVERSARY."),
  contact("GENDER / X-GENDER", ["Gender"], "limited", "M/F/O/N/U ⇄ Male/Female/Other/None/Unknown; other text ⇄ the identity component. Exchange takes Gender in requests for Exchange2016 and later: the client negotiates the highest version the server's ServerVersionInfo allows; against an older server GENDER is reported in `dropped` and stays on the DAV side.", "Exchange 2016 and later"),
  contact("PHOTO", ["Attachments[IsContactPhoto]"], "limited", "Inline (3.0 `ENCODING=b`) or data URI (4.0) ⇄ the contact's photo attachment (ContactPicture.jpg, IsContactPhoto). The EWS side writes it after the contact with CreateAttachment, deleting the old photo (DeleteAttachment) when it changed or went; an unchanged photo (same size and content hash) is never sent again. Exchange's photo is read with GetAttachment and written as PHOTO. A photo over the cap (EwsSide `maxPhotoBytes`, default 100 KiB, the most Exchange serves to ActiveSync devices) is reported in `dropped` and neither sent nor read; a photo by URL is reported (no I/O).", "100 KiB (option)"),
  contact("ORG (organisation)", ["CompanyName"], "supported"),
  contact("ORG (first unit)", ["Department"], "supported", "Further organisational units are reported and kept on the DAV side."),
  contact("TITLE", ["JobTitle"], "supported"),
  contact("ROLE", ["Profession"], "supported"),
  contact("RELATED;TYPE=spouse / X-MS-SPOUSE / X-SPOUSE / Apple X-ABRELATEDNAMES (Spouse, Partner)", ["SpouseName"], "supported", "New 4.0 cards get RELATED;TYPE=spouse;VALUE=text, 3.0 cards X-MS-SPOUSE. A RELATED that is a URI reference is reported."),
  contact("X-MS-MANAGER / X-MANAGER / RELATED;TYPE=x-manager / Apple X-ABRELATEDNAMES (Manager)", ["Manager"], "supported"),
  contact("X-MS-ASSISTANT / X-ASSISTANT / RELATED;TYPE=x-assistant / Apple X-ABRELATEDNAMES (Assistant)", ["AssistantName"], "supported"),
  contact("RELATED;TYPE=child / X-CHILD / Apple X-ABRELATEDNAMES (Child)", ["Children"], "supported", "One property per child."),
  contact("CATEGORIES", ["Categories"], "supported", "All CATEGORIES properties, in order, duplicates once."),
  contact("NOTE", ["Body"], "supported", "Written as a Text body; an HTML body from Exchange is reduced to text (reported when formatting is lost)."),
  contact("URL", ["BusinessHomePage"], "supported", "The preferred URL; further URLs are reported and kept on the DAV side.", "1 URL"),
  contact("ADR;TYPE=work", ["PhysicalAddresses[Business]"], "limited", "Street, locality, region, postal code, country. Post office box and extended address are reported. PREF decides which work address wins; the preferred address is PostalAddressIndex.", "1 work address"),
  contact("ADR;TYPE=home", ["PhysicalAddresses[Home]"], "limited", "As for work.", "1 home address"),
  contact("ADR;TYPE=other or untyped", ["PhysicalAddresses[Other]"], "limited", "As for work.", "1 other address"),
  contact("EMAIL;TYPE=work", ["EmailAddresses[EmailAddress1]"], "limited", "Typed addresses take their slot first; untyped and extra ones then fill free slots in order (PREF first); the rest are reported and kept on the DAV side.", "3 addresses in all"),
  contact("EMAIL;TYPE=home", ["EmailAddresses[EmailAddress2]"], "limited", "See EMAIL;TYPE=work.", "3 addresses in all"),
  contact("EMAIL;TYPE=other", ["EmailAddresses[EmailAddress3]"], "limited", "See EMAIL;TYPE=work.", "3 addresses in all"),
  ...phoneRows,
  contact("IMPP / X-MS-IMADDRESS / X-AIM, X-JABBER, X-ICQ, X-MSN, X-YAHOO, X-SKYPE, X-GOOGLE-TALK, X-QQ, X-GADUGADU", ["ImAddresses[ImAddress1..3]"], "limited", "PREF first, then card order; the same address as IMPP and X-JABBER counts once. URIs are kept as URIs (`xmpp:a@b`); X- service properties become URIs; text without a scheme is written as X-MS-IMADDRESS.", "3 addresses"),
  contact("TEL;TYPE=video, text, msg, bbs, modem …", [], "limited", "Types no EWS slot knows are ignored when choosing a slot; a TEL with no known type is OtherTelephone."),
  contact("Groups (item1.EMAIL) and X-ABLabel", [], "limited", "Apple labels (Work, Home, Other, Spouse, Anniversary …) choose slots; groups and labels stay as they were on merge."),
  contact(
    "KEY, LOGO, SOUND, GEO, TZ, LANG, MEMBER, KIND=group, CLIENTPIDMAP, X- properties, unknown parameters",
    [],
    "not-supported",
    "Reported in `dropped`; kept exactly on the DAV side by the merge onto the base. A parameter of a carried property that the mapper neither reads nor knows to be harmless (an X- parameter, LANGUAGE, SORT-AS, GEO / TZ on ADR, a CALSCALE other than gregorian …) is reported as `PROPERTY;PARAMETER` while the value travels. Harmless everywhere: VALUE, ENCODING, CHARSET (how the value is written), TYPE and PREF (they choose a slot or an order), ALTID and PID (vCard's own bookkeeping); also LABEL on ADR, MEDIATYPE on PHOTO, X-APPLE-OMIT-YEAR on dates, and Apple's X-SERVICE-TYPE on an IMPP whose URI scheme names the service.",
  ),
  contact("(EWS only) Initials, OfficeLocation, Mileage, Companies", ["Initials", "OfficeLocation", "Mileage", "Companies"], "not-supported", "Reported in `dropped` on the way to vCard."),
], EXAMPLES);

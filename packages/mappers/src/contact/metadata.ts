/**
 * The contact mapping table as data: every vCard property the mapper reads or writes, its EWS
 * field(s), how well it is carried and its limit. `docs/mapping.md` is generated from it.
 */
import type { MappingRow } from "../result.js";
import { PHONE_SLOTS } from "./slots.js";

const contact = (property: string, ewsFields: string[], support: MappingRow["support"], notes?: string, limit?: string): MappingRow => {
  const row: MappingRow = { kind: "contact", property, ewsFields, support };
  if (limit !== undefined) row.limit = limit;
  if (notes !== undefined) row.notes = notes;
  return row;
};

const phoneRows: MappingRow[] = PHONE_SLOTS.map((slot) =>
  contact(
    `TEL;TYPE=${slot.types.join(",")}`,
    [`PhoneNumbers[${slot.key}]`],
    "limited",
    `${slot.since2013 ? "Exchange 2013 schema and later. " : ""}Read from these TYPE values (also Apple \`X-ABLabel\` labels${slot.outlookType ? `, and Outlook's \`X-MS-TEL;TYPE=${slot.outlookType}\`, updated in place on merge` : ""}); a TEL whose slot is taken is reported.`,
    "1 number",
  ),
);

/** Every row of the contact mapping (vCard 3.0 / 4.0 ⇄ EWS `Contact`). */
export const CONTACT_MAPPING_ROWS: readonly MappingRow[] = [
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
  contact("KEY, LOGO, SOUND, GEO, TZ, LANG, MEMBER, KIND=group, CLIENTPIDMAP, X- properties, unknown parameters", [], "not-supported", "Reported in `dropped`; kept exactly on the DAV side by the merge onto the base."),
  contact("(EWS only) Initials, OfficeLocation, Mileage, Companies", ["Initials", "OfficeLocation", "Mileage", "Companies"], "not-supported", "Reported in `dropped` on the way to vCard."),
];

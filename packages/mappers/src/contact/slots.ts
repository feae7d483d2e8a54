/**
 * The EWS slots of a contact's phones, e-mail addresses, postal addresses and IM addresses, and
 * the vCard TYPE values that lead to each. One table per kind, used by both directions.
 */
import type { EmailAddressKey, ImAddressKey, PhoneNumberKey, PhysicalAddressKey } from "@ewsdav/ews-client";

/** One EWS phone slot: the TYPE values written for it (4.0 spelling; 3.0 upper-cases them). */
export interface PhoneSlot {
  /** The EWS key (`PhoneNumbers[key]`). */
  key: PhoneNumberKey;
  /** TYPE values written for it, lower case. */
  types: string[];
  /** Needs the Exchange 2013 schema or later. */
  since2013?: boolean;
  /** The TYPE of Outlook's `X-MS-TEL` for this slot, read like TEL ([MS-OXVCARD] 2.1.3.9.5). */
  outlookType?: string;
}

/** Every EWS phone slot, in the order the mapping documentation lists them. */
export const PHONE_SLOTS: readonly PhoneSlot[] = [
  { key: "BusinessPhone", types: ["work", "voice"] },
  { key: "BusinessPhone2", types: ["work", "voice"] },
  { key: "BusinessFax", types: ["work", "fax"] },
  { key: "HomePhone", types: ["home", "voice"] },
  { key: "HomePhone2", types: ["home", "voice"] },
  { key: "HomeFax", types: ["home", "fax"] },
  { key: "OtherTelephone", types: ["other", "voice"] },
  { key: "OtherFax", types: ["fax"] },
  { key: "MobilePhone", types: ["cell"] },
  { key: "CarPhone", types: ["car"] },
  { key: "Pager", types: ["pager"] },
  { key: "AssistantPhone", types: ["x-assistant"], outlookType: "ASSISTANT" },
  { key: "Callback", types: ["x-callback"], outlookType: "CALLBACK" },
  { key: "CompanyMainPhone", types: ["x-company-main"], outlookType: "COMPANY" },
  { key: "PrimaryPhone", types: ["main"] },
  { key: "RadioPhone", types: ["x-radio"], outlookType: "RADIO" },
  { key: "Telex", types: ["x-telex"] },
  { key: "TtyTddPhone", types: ["textphone"], outlookType: "TTYTDD" },
  { key: "Isdn", types: ["isdn"] },
  { key: "BusinessMobile", types: ["work", "cell"], since2013: true },
  { key: "IPPhone", types: ["x-ipphone"], since2013: true },
  { key: "Mms", types: ["x-mms"], since2013: true },
  { key: "Msn", types: ["x-msn"], since2013: true },
];

/**
 * The slots a TEL may go to, best first, from its TYPE values (lower-cased) and Apple label.
 * Types no slot knows (video, text, msg …) are ignored; a TEL with no known type is "other".
 */
export function phoneSlotCandidates(types: ReadonlySet<string>, label: string | null): PhoneNumberKey[] {
  const has = (...names: string[]) => names.some((name) => types.has(name) || label === name);
  if (has("x-assistant", "assistant")) return ["AssistantPhone"];
  if (has("x-callback", "callback")) return ["Callback"];
  if (has("x-company-main", "x-company_main", "company_main", "company main", "company")) return ["CompanyMainPhone"];
  if (has("main", "x-primary", "primary")) return ["PrimaryPhone"];
  if (has("x-radio", "radio")) return ["RadioPhone"];
  if (has("x-telex", "telex")) return ["Telex"];
  if (has("textphone", "x-ttytdd", "tty", "x-tty", "ttytdd")) return ["TtyTddPhone"];
  if (has("isdn")) return ["Isdn"];
  if (has("x-ipphone", "ipphone")) return ["IPPhone"];
  if (has("x-mms", "mms")) return ["Mms"];
  if (has("x-msn", "msn")) return ["Msn"];
  if (has("pager")) return ["Pager"];
  if (has("car")) return ["CarPhone"];
  if (has("fax")) return has("work") ? ["BusinessFax"] : has("home") ? ["HomeFax"] : ["OtherFax"];
  if (has("cell", "iphone", "mobile")) return has("work") ? ["BusinessMobile", "MobilePhone"] : ["MobilePhone", "BusinessMobile"];
  if (has("work")) return ["BusinessPhone", "BusinessPhone2"];
  if (has("home")) return ["HomePhone", "HomePhone2"];
  return ["OtherTelephone"];
}

/** True when no TYPE value (or label) of a TEL names a slot, so it only falls back to OtherTelephone. */
export function isFallbackPhone(types: ReadonlySet<string>, label: string | null): boolean {
  if (types.has("other") || label === "other") return false;
  const candidates = phoneSlotCandidates(types, label);
  return candidates.length === 1 && candidates[0] === "OtherTelephone";
}

/** E-mail slots and the TYPE each stands for: 1 work, 2 home, 3 other (Outlook's E-mail, E-mail 2, E-mail 3). */
export const EMAIL_SLOTS: ReadonlyArray<{ key: EmailAddressKey; type: "work" | "home" | "other" }> = [
  { key: "EmailAddress1", type: "work" },
  { key: "EmailAddress2", type: "home" },
  { key: "EmailAddress3", type: "other" },
];

/** Postal address slots and the TYPE each stands for. */
export const ADDRESS_SLOTS: ReadonlyArray<{ key: PhysicalAddressKey; type: "work" | "home" | "other" }> = [
  { key: "Business", type: "work" },
  { key: "Home", type: "home" },
  { key: "Other", type: "other" },
];

/** The three IM slots. */
export const IM_SLOTS: readonly ImAddressKey[] = ["ImAddress1", "ImAddress2", "ImAddress3"];

/** Legacy per-service IM properties of vCard 3.0 clients and the URI scheme each value gets in EWS. */
export const IM_X_PROPERTIES: Readonly<Record<string, string>> = {
  "x-aim": "aim",
  "x-jabber": "xmpp",
  "x-icq": "icq",
  "x-msn": "msnim",
  "x-yahoo": "ymsgr",
  "x-skype": "skype",
  "x-skype-username": "skype",
  "x-google-talk": "gtalk",
  "x-gtalk": "gtalk",
  "x-qq": "qq",
  "x-gadugadu": "gg",
  "x-groupwise": "groupwise",
};

/**
 * Outlook's property for the phone slots vCard has no type for (`X-MS-TEL;TYPE=ASSISTANT`,
 * `CALLBACK`, `COMPANY`, `RADIO`, `TTYTDD`; [MS-OXVCARD] 2.1.3.9.5). Read like TEL.
 */
export const OUTLOOK_PHONE_PROPERTY = "x-ms-tel";

/** Outlook's property for an IM address that is not a URI. */
export const IM_TEXT_PROPERTY = "x-ms-imaddress";

/**
 * Contacts (types.xsd `ContactItemType`).
 * @module
 */
import type { ItemBase } from "./common.js";

/** Keys of a contact's e-mail addresses (types.xsd `EmailAddressKeyType`). */
export type EmailAddressKey = "EmailAddress1" | "EmailAddress2" | "EmailAddress3";

/** Keys of a contact's instant-messaging addresses (types.xsd `ImAddressKeyType`). */
export type ImAddressKey = "ImAddress1" | "ImAddress2" | "ImAddress3";

/** Keys of a contact's postal addresses (types.xsd `PhysicalAddressKeyType`). */
export type PhysicalAddressKey = "Home" | "Business" | "Other";

/** Every phone number key of types.xsd `PhoneNumberKeyType`, in schema order. */
export const PHONE_NUMBER_KEYS = [
  "AssistantPhone",
  "BusinessFax",
  "BusinessPhone",
  "BusinessPhone2",
  "Callback",
  "CarPhone",
  "CompanyMainPhone",
  "HomeFax",
  "HomePhone",
  "HomePhone2",
  "Isdn",
  "MobilePhone",
  "OtherFax",
  "OtherTelephone",
  "Pager",
  "PrimaryPhone",
  "RadioPhone",
  "Telex",
  "TtyTddPhone",
  "BusinessMobile",
  "IPPhone",
  "Mms",
  "Msn",
] as const;

/** A phone number key (types.xsd `PhoneNumberKeyType`). */
export type PhoneNumberKey = (typeof PHONE_NUMBER_KEYS)[number];

/** Every e-mail address key, in order. */
export const EMAIL_ADDRESS_KEYS: readonly EmailAddressKey[] = ["EmailAddress1", "EmailAddress2", "EmailAddress3"];
/** Every IM address key, in order. */
export const IM_ADDRESS_KEYS: readonly ImAddressKey[] = ["ImAddress1", "ImAddress2", "ImAddress3"];
/** Every postal address key, in schema order. */
export const PHYSICAL_ADDRESS_KEYS: readonly PhysicalAddressKey[] = ["Home", "Business", "Other"];

/** One e-mail address of a contact (types.xsd `EmailAddressDictionaryEntryType`). */
export interface ContactEmailAddress {
  /** The address (element text). */
  address: string;
  /** Display name shown for this address (`Name` attribute). */
  name?: string;
  /** `SMTP` or `EX` (`RoutingType` attribute). */
  routingType?: string;
  /** Kind of mailbox (`MailboxType` attribute). */
  mailboxType?: string;
}

/** One postal address of a contact (types.xsd `PhysicalAddressDictionaryEntryType`). */
export interface PhysicalAddress {
  /** Street, possibly several lines joined by newlines (`t:Street`). */
  street?: string;
  /** City (`t:City`). */
  city?: string;
  /** State or province (`t:State`). */
  state?: string;
  /** Country or region as free text (`t:CountryOrRegion`). */
  countryOrRegion?: string;
  /** Postal code (`t:PostalCode`). */
  postalCode?: string;
}

/** The parts of a name as Exchange computes them (types.xsd `CompleteNameType`); read-only. */
export interface CompleteName {
  /** Name prefix such as `Dr.` (`t:Title`). */
  title?: string;
  /** Given name (`t:FirstName`). */
  firstName?: string;
  /** Middle name (`t:MiddleName`). */
  middleName?: string;
  /** Family name (`t:LastName`). */
  lastName?: string;
  /** Name suffix such as `Jr.` (`t:Suffix`). */
  suffix?: string;
  /** Initials (`t:Initials`). */
  initials?: string;
  /** Full name (`t:FullName`). */
  fullName?: string;
  /** Nickname (`t:Nickname`). */
  nickname?: string;
  /** Phonetic given name (`t:YomiFirstName`). */
  yomiFirstName?: string;
  /** Phonetic family name (`t:YomiLastName`). */
  yomiLastName?: string;
}

/** How the FileAs string is built (types.xsd `FileAsMappingType`). */
export type FileAsMapping =
  | "None"
  | "LastCommaFirst"
  | "FirstSpaceLast"
  | "Company"
  | "LastCommaFirstCompany"
  | "CompanyLastFirst"
  | "LastFirst"
  | "LastFirstCompany"
  | "CompanyLastCommaFirst"
  | "LastFirstSuffix"
  | "LastSpaceFirstCompany"
  | "CompanyLastSpaceFirst"
  | "LastSpaceFirst"
  | "DisplayName"
  | "FirstName"
  | "LastFirstMiddleSuffix"
  | "LastName"
  | "Empty";

/**
 * A contact (types.xsd `ContactItemType`). Field names are the camelCase schema element names;
 * dates are the ISO-8601 strings EWS sends (`Birthday` and `WeddingAnniversary` are `xs:dateTime`).
 *
 * The name prefix (`title`) has no writable element in EWS: it is read from `CompleteName/Title`
 * and written through the MAPI property `PidTagDisplayNamePrefix` (tag `0x3A45`, String).
 */
export interface Contact extends ItemBase {
  /** How the contact is filed (`t:FileAs`). */
  fileAs?: string;
  /** How `fileAs` is computed (`t:FileAsMapping`). */
  fileAsMapping?: FileAsMapping;
  /** Display name (`t:DisplayName`). */
  displayName?: string;
  /** Given name (`t:GivenName`). */
  givenName?: string;
  /** Initials (`t:Initials`). */
  initials?: string;
  /** Middle name (`t:MiddleName`). */
  middleName?: string;
  /** Nickname (`t:Nickname`). */
  nickname?: string;
  /** The name parts Exchange computed (`t:CompleteName`, read-only). */
  completeName?: CompleteName;
  /** Name prefix, e.g. `Dr.` (`CompleteName/Title` on read, property tag 0x3A45 on write). */
  title?: string;
  /** Company (`t:CompanyName`). */
  companyName?: string;
  /** E-mail addresses by key (`t:EmailAddresses/t:Entry`). */
  emailAddresses?: Partial<Record<EmailAddressKey, ContactEmailAddress>>;
  /** Postal addresses by key (`t:PhysicalAddresses/t:Entry`). */
  physicalAddresses?: Partial<Record<PhysicalAddressKey, PhysicalAddress>>;
  /** Phone numbers by key (`t:PhoneNumbers/t:Entry`). */
  phoneNumbers?: Partial<Record<PhoneNumberKey, string>>;
  /** Assistant's name (`t:AssistantName`). */
  assistantName?: string;
  /** Birthday, `xs:dateTime` (`t:Birthday`). */
  birthday?: string;
  /** Web page (`t:BusinessHomePage`). */
  businessHomePage?: string;
  /** Children's names (`t:Children/t:String`). */
  children?: string[];
  /** Companies (`t:Companies/t:String`). */
  companies?: string[];
  /** Department (`t:Department`). */
  department?: string;
  /** Name suffix, e.g. `Jr.` (`t:Generation`). */
  generation?: string;
  /** IM addresses by key (`t:ImAddresses/t:Entry`). */
  imAddresses?: Partial<Record<ImAddressKey, string>>;
  /** Job title (`t:JobTitle`). */
  jobTitle?: string;
  /** Manager's name (`t:Manager`). */
  manager?: string;
  /** Mileage (`t:Mileage`). */
  mileage?: string;
  /** Office location (`t:OfficeLocation`). */
  officeLocation?: string;
  /** Which postal address is the mailing address (`t:PostalAddressIndex`). */
  postalAddressIndex?: "None" | PhysicalAddressKey;
  /** Profession (`t:Profession`). */
  profession?: string;
  /** Spouse or partner's name (`t:SpouseName`). */
  spouseName?: string;
  /** Family name (`t:Surname`). */
  surname?: string;
  /** Wedding anniversary, `xs:dateTime` (`t:WeddingAnniversary`). */
  weddingAnniversary?: string;
  /** Whether the contact has a photo attachment (`t:HasPicture`, read-only, Exchange 2010+). */
  hasPicture?: boolean;
  /** Gender as free text (`t:Gender`, Exchange 2013+ schema); only written when the server version allows. */
  gender?: string;
}

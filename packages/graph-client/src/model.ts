/**
 * The Graph v1.0 resources the client reads and writes, as JSON: `contact`, `contactFolder`,
 * `singleValueLegacyExtendedProperty` and their complex types, written from Microsoft's resource
 * documentation and the v1.0 CSDL. Type-level conformance to `@microsoft/microsoft-graph-types`
 * (the types generated from the same metadata) is checked in model.typecheck.ts; the tests check
 * every body against the CSDL.
 * @module
 */

/** `microsoft.graph.emailAddress`. */
export interface GraphEmailAddress {
  name?: string | null;
  address?: string | null;
}

/** `microsoft.graph.physicalAddress`. */
export interface GraphPhysicalAddress {
  street?: string | null;
  city?: string | null;
  state?: string | null;
  countryOrRegion?: string | null;
  postalCode?: string | null;
}

/** `microsoft.graph.singleValueLegacyExtendedProperty`: id `{type} {guid} Name {name}` and a string value. */
export interface GraphSingleValueExtendedProperty {
  id: string;
  value: string;
}

/** The writable properties of `microsoft.graph.contact` the client uses. */
export interface GraphContactInput {
  assistantName?: string | null;
  birthday?: string | null;
  businessAddress?: GraphPhysicalAddress | null;
  businessHomePage?: string | null;
  businessPhones?: string[];
  categories?: string[];
  children?: string[];
  companyName?: string | null;
  department?: string | null;
  displayName?: string | null;
  emailAddresses?: GraphEmailAddress[];
  fileAs?: string | null;
  generation?: string | null;
  givenName?: string | null;
  homeAddress?: GraphPhysicalAddress | null;
  homePhones?: string[];
  imAddresses?: string[];
  initials?: string | null;
  jobTitle?: string | null;
  manager?: string | null;
  middleName?: string | null;
  mobilePhone?: string | null;
  nickName?: string | null;
  officeLocation?: string | null;
  otherAddress?: GraphPhysicalAddress | null;
  personalNotes?: string | null;
  profession?: string | null;
  spouseName?: string | null;
  surname?: string | null;
  title?: string | null;
  yomiGivenName?: string | null;
  yomiSurname?: string | null;
  singleValueExtendedProperties?: GraphSingleValueExtendedProperty[];
}

/** A `microsoft.graph.contact` as read (every property optional: `$select` trims them). */
export interface GraphContact extends GraphContactInput {
  id: string;
  "@odata.etag"?: string;
  changeKey?: string | null;
  createdDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  parentFolderId?: string | null;
}

/** A `microsoft.graph.contactFolder`. */
export interface GraphContactFolder {
  id: string;
  displayName?: string | null;
  parentFolderId?: string | null;
}

/** An id format of `translateExchangeIds` (`microsoft.graph.exchangeIdFormat`). */
export type GraphExchangeIdFormat = "entryId" | "ewsId" | "immutableEntryId" | "restId" | "restImmutableEntryId";

/** One result of `translateExchangeIds` (`microsoft.graph.convertIdResult`). */
export interface GraphConvertIdResult {
  sourceId: string;
  targetId?: string;
  errorDetails?: { code?: string; message?: string };
}

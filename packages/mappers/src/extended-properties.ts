/**
 * Every extended property the contact and task mappers read and write, so the EWS side can ask
 * for them (`AdditionalProperties` of GetItem / SyncFolderItems) in one place.
 */
import type { ExtendedFieldUri } from "@ewsdav/ews-client";
import { EWSDAV_UID_PROPERTY } from "./identity.js";
import { EWSDAV_TASK_TIME_FORMS_PROPERTY } from "./task/times.js";

/**
 * The name prefix of a contact (`Dr.`): MAPI PidTagDisplayNamePrefix. EWS has no writable element
 * for it and reports it in `CompleteName/Title` only on some servers, so it is read by tag too.
 */
export const DISPLAY_NAME_PREFIX_FIELD: ExtendedFieldUri = Object.freeze({ propertyTag: "0x3A45", propertyType: "String" });

/** The extended fields the mappers read, by item kind: ewsdav's own set, and the contact name prefix. */
export const EWSDAV_EXTENDED_PROPERTIES: Readonly<{ contact: readonly ExtendedFieldUri[]; task: readonly ExtendedFieldUri[] }> = Object.freeze({
  contact: [EWSDAV_UID_PROPERTY, DISPLAY_NAME_PREFIX_FIELD],
  task: [EWSDAV_UID_PROPERTY, EWSDAV_TASK_TIME_FORMS_PROPERTY],
});

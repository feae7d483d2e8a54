/**
 * Every extended property the contact and task mappers read and write, so the EWS side can ask
 * for them (`AdditionalProperties` of GetItem / SyncFolderItems) in one place.
 */
import type { ExtendedFieldUri } from "@ewsdav/ews-client";
import { EWSDAV_UID_PROPERTY } from "./identity.js";
import { EWSDAV_TASK_TIME_FORMS_PROPERTY } from "./task/times.js";

/** The extended fields of ewsdav's property set, by item kind. */
export const EWSDAV_EXTENDED_PROPERTIES: Readonly<{ contact: readonly ExtendedFieldUri[]; task: readonly ExtendedFieldUri[] }> = Object.freeze({
  contact: [EWSDAV_UID_PROPERTY],
  task: [EWSDAV_UID_PROPERTY, EWSDAV_TASK_TIME_FORMS_PROPERTY],
});

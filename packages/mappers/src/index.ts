/**
 * `@ewsdav/mappers`: pure mappers between the EWS item model and vCard / iCalendar.
 * @packageDocumentation
 */
export { DEFAULT_MAPPER_LIMITS, type MapperLimits } from "./limits.js";
export { MapperError, withExamples, type DroppedProperty, type MapperErrorCode, type MappingExample, type MappingRow, type MapResult, type SupportLevel } from "./result.js";
export { EWSDAV_PROPERTY_SET_ID, EWSDAV_UID_PROPERTY, readEwsdavUid, ewsdavUidProperty, withEwsdavUid } from "./identity.js";
export { normalizeVCard, vcardHash, normalizeVTodo, vtodoHash, normalizeICalendarComponents, hashNormalized, canonicalJson } from "./vobject/normalize.js";
export { readVObjects, writeComponent, unfoldLines, type JComponent, type JProperty, type ReadResult, type RawLines } from "./vobject/codec.js";
export { htmlToText } from "./body.js";
export { splitVCards, splitICalendar } from "./vobject/split.js";
export {
  contactFromVCard,
  contactToVCard,
  CONTACT_PHOTO_NAME,
  PHONE_SLOTS,
  EMAIL_SLOTS,
  ADDRESS_SLOTS,
  IM_SLOTS,
  type PhoneSlot,
  type VCardVersion,
  type ContactFromVCardOptions,
  type ContactFromVCardResult,
  type ContactToVCardOptions,
  type ContactToVCardResult,
} from "./contact/index.js";
export { CONTACT_MAPPING_ROWS } from "./contact/metadata.js";
export {
  taskFromVTodo,
  taskToVTodo,
  EWSDAV_TASK_TIME_FORMS_PROPERTY,
  TASK_STATUS_PROPERTY,
  TASK_SENSITIVITY_PARAMETER,
  REGENERATION_PROPERTY,
  EWSDAV_PRODID,
  importanceOf,
  type TimeForm,
  type TaskTimeForms,
  type TaskFromVTodoOptions,
  type TaskFromVTodoResult,
  type TaskToVTodoOptions,
  type TaskToVTodoResult,
} from "./task/index.js";
export { TASK_MAPPING_ROWS } from "./task/metadata.js";
export { EWSDAV_EXTENDED_PROPERTIES, DISPLAY_NAME_PREFIX_FIELD } from "./extended-properties.js";
export { MANAGED_FIELDS, overlayManagedFields, type ManagedField, type ManagedKind } from "./managed-fields.js";
export * from "./event/index.js";
export * from "./timezone/index.js";
export * from "./graph/index.js";

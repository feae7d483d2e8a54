/**
 * Type-level conformance of the client's Graph model (model.ts) to `@microsoft/microsoft-graph-types`,
 * the types Microsoft generates from the same v1.0 metadata: every property the client reads or
 * writes exists on the Graph type under the same name, and its type fits (our types are narrower:
 * required where Graph's are optional). Checked by `tsc` (`npm run typecheck`); nothing runs and
 * nothing is built from this file. The tests check the bodies themselves against the CSDL.
 * @module
 */
import type {
  Contact, ContactFolder, ConvertIdResult, DateTimeTimeZone, EmailAddress, ExchangeIdFormat, ItemBody, PatternedRecurrence, PhysicalAddress, RecurrencePattern,
  RecurrenceRange, SingleValueLegacyExtendedProperty,
} from "@microsoft/microsoft-graph-types";
import type {
  Attachment, Attendee, AttendeeType, Calendar, CalendarColor, Event, EventType, FreeBusyStatus, Location, LocationType, LocationUniqueIdType, OnlineMeetingInfo,
  OnlineMeetingProviderType, OutlookGeoCoordinates, Phone, Recipient, ResponseStatus, ResponseType, Sensitivity, TimeSlot,
} from "@microsoft/microsoft-graph-types";
import type { ChecklistItem, LinkedResource, OpenTypeExtension, ProfilePhoto, TaskStatus, TodoTask, TodoTaskList, WellknownListName } from "@microsoft/microsoft-graph-types";
import type {
  AttachmentItem, ChangeNotification, ChangeNotificationCollection, FileAttachment, LifecycleEventType, Subscription, TaskFileAttachment, UploadSession,
} from "@microsoft/microsoft-graph-types";
import type { GraphAttachmentItem, GraphFileAttachment, GraphFileAttachmentInput, GraphTaskFileAttachment, GraphUploadSession } from "./model-attachments.js";
import type {
  GraphChangeNotification, GraphChangeNotificationCollection, GraphLifecycleEventType, GraphLifecycleNotification, GraphSubscription, GraphSubscriptionInput,
} from "./model-notifications.js";
import type { GraphContact, GraphContactFolder, GraphContactInput, GraphConvertIdResult, GraphEmailAddress, GraphExchangeIdFormat, GraphPhysicalAddress, GraphSingleValueExtendedProperty } from "./model.js";
import type {
  GraphAttendee, GraphAttendeeType, GraphCalendar, GraphCalendarColor, GraphCalendarInput, GraphEvent, GraphEventAttachment, GraphEventInput, GraphEventType,
  GraphFreeBusyStatus, GraphLocation, GraphLocationType, GraphLocationUniqueIdType, GraphOnlineMeetingInfo, GraphOnlineMeetingProviderType, GraphOutlookGeoCoordinates,
  GraphPhone, GraphRecipient, GraphResponseStatus, GraphResponseType, GraphSensitivity, GraphTimeSlot,
} from "./model-calendar.js";
import type { GraphDateTimeTimeZone, GraphItemBody, GraphPatternedRecurrence, GraphRecurrencePattern, GraphRecurrenceRange } from "./model-common.js";
import type {
  GraphChecklistItem, GraphChecklistItemInput, GraphLinkedResource, GraphLinkedResourceInput, GraphProfilePhoto, GraphTaskStatus, GraphTodoTask, GraphTodoTaskInput,
  GraphTodoTaskList, GraphTodoTaskListInput, GraphTodoUidExtension, GraphWellknownListName,
} from "./model-todo.js";

/** The keys of `Ours` that `Theirs` lacks (OData annotations aside): must be `never`. */
type Unknown<Ours, Theirs> = Exclude<keyof Ours, keyof Theirs | `@odata.${string}`>;
/** The keys of `Ours` whose type does not fit `Theirs`'s: must be `never`. */
type Misfit<Ours, Theirs> = { [K in keyof Ours & keyof Theirs]-?: [Exclude<Ours[K], undefined>] extends [Exclude<Theirs[K], undefined>] ? never : K }[keyof Ours & keyof Theirs];
/** `true` when `Ours` conforms to `Theirs`; otherwise the offending keys, which fail the assignment below. */
type Conforms<Ours, Theirs> = [Unknown<Ours, Theirs> | Misfit<Ours, Theirs>] extends [never] ? true : { unknown: Unknown<Ours, Theirs>; misfit: Misfit<Ours, Theirs> };

export const modelConformance: [
  Conforms<GraphEmailAddress, EmailAddress>,
  Conforms<GraphPhysicalAddress, PhysicalAddress>,
  Conforms<GraphSingleValueExtendedProperty, SingleValueLegacyExtendedProperty>,
  Conforms<GraphContactInput, Contact>,
  Conforms<GraphContact, Contact>,
  Conforms<GraphContactFolder, ContactFolder>,
  Conforms<GraphConvertIdResult, ConvertIdResult>,
  [GraphExchangeIdFormat] extends [ExchangeIdFormat] ? true : false,
  Conforms<GraphDateTimeTimeZone, DateTimeTimeZone>,
  Conforms<GraphItemBody, ItemBody>,
  Conforms<GraphRecurrencePattern, RecurrencePattern>,
  Conforms<GraphRecurrenceRange, RecurrenceRange>,
  Conforms<GraphPatternedRecurrence, PatternedRecurrence>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];

/** The calendar model (model-calendar.ts): types and enumerations, both ways for the enumerations. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const calendarModelConformance: [
  Same<GraphEventType, EventType>,
  Same<GraphFreeBusyStatus, FreeBusyStatus>,
  Same<GraphSensitivity, Sensitivity>,
  Same<GraphResponseType, ResponseType>,
  Same<GraphAttendeeType, AttendeeType>,
  Same<GraphLocationType, LocationType>,
  Same<GraphLocationUniqueIdType, LocationUniqueIdType>,
  Same<GraphOnlineMeetingProviderType, OnlineMeetingProviderType>,
  Same<GraphCalendarColor, CalendarColor>,
  Conforms<GraphRecipient, Recipient>,
  Conforms<GraphResponseStatus, ResponseStatus>,
  Conforms<GraphTimeSlot, TimeSlot>,
  Conforms<GraphAttendee, Attendee>,
  Conforms<GraphOutlookGeoCoordinates, OutlookGeoCoordinates>,
  Conforms<GraphLocation, Location>,
  Conforms<GraphPhone, Phone>,
  Conforms<GraphOnlineMeetingInfo, OnlineMeetingInfo>,
  Conforms<GraphEventAttachment, Attachment>,
  Conforms<GraphCalendarInput, Calendar>,
  Conforms<GraphCalendar, Calendar>,
  Conforms<GraphEventInput, Event>,
  Conforms<GraphEvent, Event>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
/** To Do and contact photos (model-todo.ts). The UID extension's `uid` is a custom property of the open type `openTypeExtension`. */
export const todoModelConformance: [
  [GraphTaskStatus] extends [TaskStatus] ? true : false,
  [GraphWellknownListName] extends [WellknownListName] ? true : false,
  Conforms<GraphChecklistItemInput, ChecklistItem>,
  Conforms<GraphChecklistItem, ChecklistItem>,
  Conforms<GraphLinkedResourceInput, LinkedResource>,
  Conforms<GraphLinkedResource, LinkedResource>,
  Conforms<Omit<GraphTodoUidExtension, "uid">, OpenTypeExtension>,
  Conforms<GraphTodoTaskInput, TodoTask>,
  Conforms<GraphTodoTask, TodoTask>,
  Conforms<GraphTodoTaskListInput, TodoTaskList>,
  Conforms<GraphTodoTaskList, TodoTaskList>,
  Conforms<GraphProfilePhoto, ProfilePhoto>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
/** Change notifications and file attachments (model-notifications.ts, model-attachments.ts). */
export const notificationsConformance: [
  Conforms<GraphSubscriptionInput, Subscription>,
  Conforms<GraphSubscription, Subscription>,
  Conforms<GraphChangeNotification, ChangeNotification>,
  Conforms<GraphLifecycleNotification, ChangeNotification>,
  Conforms<GraphChangeNotificationCollection, ChangeNotificationCollection>,
  [GraphLifecycleEventType] extends [LifecycleEventType] ? true : false,
  Conforms<GraphFileAttachment, FileAttachment>,
  Conforms<GraphFileAttachmentInput, FileAttachment>,
  Conforms<GraphTaskFileAttachment, TaskFileAttachment>,
  Conforms<GraphAttachmentItem, AttachmentItem>,
  Conforms<GraphUploadSession, UploadSession>,
] = [true, true, true, true, true, true, true, true, true, true, true];

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
  AttachmentItem, ChangeNotification, ChangeNotificationCollection, FileAttachment, LifecycleEventType, Subscription, TaskFileAttachment, UploadSession,
} from "@microsoft/microsoft-graph-types";
import type { GraphAttachmentItem, GraphFileAttachment, GraphFileAttachmentInput, GraphTaskFileAttachment, GraphUploadSession } from "./model-attachments.js";
import type {
  GraphChangeNotification, GraphChangeNotificationCollection, GraphLifecycleEventType, GraphLifecycleNotification, GraphSubscription, GraphSubscriptionInput,
} from "./model-notifications.js";
import type { GraphContact, GraphContactFolder, GraphContactInput, GraphConvertIdResult, GraphEmailAddress, GraphExchangeIdFormat, GraphPhysicalAddress, GraphSingleValueExtendedProperty } from "./model.js";
import type { GraphDateTimeTimeZone, GraphItemBody, GraphPatternedRecurrence, GraphRecurrencePattern, GraphRecurrenceRange } from "./model-common.js";

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

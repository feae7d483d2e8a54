/**
 * Change notifications in Graph v1.0's shapes (the CSDL's `subscription` entity, the
 * `changeNotification` and `changeNotificationCollection` complex types, `lifecycleEventType`):
 * what the client sends to `/subscriptions`, what it reads back, and what Graph POSTs to a
 * notification URL. Outlook resources (contacts, events) and To Do tasks carry no resource data:
 * a notification names the item (`resourceData.id`, `@odata.etag`) and the caller reads it.
 * @module
 */

/** A change a subscription asks to hear of (`changeType` is a comma-separated list of these). */
export type GraphChangeType = "created" | "updated" | "deleted";

/** A lifecycle event (`lifecycleEventType`). */
export type GraphLifecycleEventType = "missed" | "subscriptionRemoved" | "reauthorizationRequired";

/** The body of `POST /subscriptions`. */
export interface GraphSubscriptionInput {
  /** Comma-separated {@link GraphChangeType}s, e.g. `created,updated,deleted`. */
  changeType: string;
  /** Where change notifications go (https; the service validates it before creating the subscription). */
  notificationUrl: string;
  /** The resource path without the service root, e.g. `me/contacts`, `me/todo/lists/{id}/tasks`. */
  resource: string;
  /** When the subscription ends (ISO 8601, UTC); at most the resource's maximum from now. */
  expirationDateTime: string;
  /** A secret (at most 128 characters) echoed in every notification, so the receiver can tell Graph's from forgeries. */
  clientState?: string;
  /** Where lifecycle notifications go (validated like {@link notificationUrl}). */
  lifecycleNotificationUrl?: string;
  /** The latest TLS version the endpoint supports (`v1_2` by default). */
  latestSupportedTlsVersion?: string;
}

/** A subscription as Graph returns it. */
export interface GraphSubscription {
  "@odata.context"?: string;
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  expirationDateTime: string;
  clientState?: string | null;
  lifecycleNotificationUrl?: string | null;
  applicationId?: string | null;
  creatorId?: string | null;
  includeResourceData?: boolean | null;
  latestSupportedTlsVersion?: string | null;
  encryptionCertificate?: string | null;
  encryptionCertificateId?: string | null;
  notificationQueryOptions?: string | null;
  notificationUrlAppId?: string | null;
}

/** What a change notification says of the item (`resourceData`, an open type: Outlook sends these four). */
export interface GraphResourceData {
  /** e.g. `#Microsoft.Graph.Contact`. */
  "@odata.type"?: string;
  /** e.g. `Users/{user id}/Contacts/{id}`. */
  "@odata.id"?: string;
  /** The item's etag after the change (none for a deletion). */
  "@odata.etag"?: string;
  /** The item's id. */
  id?: string;
}

/** One change notification (`changeNotification`). */
export interface GraphChangeNotification {
  id?: string | null;
  subscriptionId: string;
  subscriptionExpirationDateTime: string;
  changeType: GraphChangeType;
  /** The changed resource's path, e.g. `Users/{user id}/Contacts/{id}`. */
  resource: string;
  resourceData?: GraphResourceData | null;
  clientState?: string | null;
  tenantId: string;
  lifecycleEvent?: null;
}

/** One lifecycle notification: a `changeNotification` whose `lifecycleEvent` is set (Graph sends no change type or resource with it). */
export interface GraphLifecycleNotification {
  subscriptionId: string;
  subscriptionExpirationDateTime: string;
  lifecycleEvent: GraphLifecycleEventType;
  clientState?: string | null;
  tenantId: string;
  resource?: string;
}

/** What Graph POSTs to a notification URL (`changeNotificationCollection`). */
export interface GraphChangeNotificationCollection {
  value: Array<GraphChangeNotification | GraphLifecycleNotification>;
  validationTokens?: string[];
}

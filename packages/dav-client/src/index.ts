/**
 * `@ewsdav/dav-client`: a WebDAV / CalDAV / CardDAV client over undici — discovery,
 * collections, change feeds (sync-collection with a ctag/ETag fallback), multiget reads and
 * conditional writes, with typed errors.
 * @packageDocumentation
 */
export { DavClient } from "./client.js";
export type { DavClientOptions, DavCollectionRef, NewDavItem, DavItemUpdate, DavItemRemoval } from "./client.js";
export type { DavDiscovery } from "./discovery.js";
export type { DavCollection, DavCollectionKind, NewCalendar, NewAddressBook, CollectionPropertiesUpdate } from "./collections.js";
export type { ChangeDetection, DavChangeFeed, DavChangedMember, DavListingStep } from "./changes.js";
export { encodeCursor, decodeCursor } from "./cursor.js";
export type { DavChangeCursor } from "./cursor.js";
export type { DavItem, DavMissingItem, DavWriteResult } from "./items.js";
export { contentTypeOf, uidOf } from "./items.js";
export type { DavAuth, DavTransportStats } from "./transport.js";
export { DavError, DavHttpError, PreconditionFailedError, InvalidSyncTokenError, OutsideCollectionError } from "./errors.js";
export type { DavErrorCode } from "./errors.js";
export { canonicalHref, memberProblem, ForeignHrefError } from "./href.js";
export type { HrefProblem } from "./href.js";
export { describeAnomaly } from "./anomaly.js";
export type { DavAnomaly, DavAnomalyListener, DavAnomalyOperation } from "./anomaly.js";
export { isLoopbackHost } from "./transport.js";
export { parseMultistatus } from "./multistatus.js";
export type { Multistatus, DavResponse, DavPropstat } from "./multistatus.js";
export type { XmlElement } from "./xml.js";
export { DAV_NAMESPACES } from "./namespaces.js";

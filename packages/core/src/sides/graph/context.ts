/**
 * What the modules of the Graph side share: the {@link GraphContext} one `GraphSide` hands to each
 * of its functions (the client, the options and what the side has learnt of the mailbox).
 *
 * Internal to `@ewsdav/core/graph`: the subpath exports only the side, its options and the move.
 *
 * @module
 */
import type { GraphClient } from "@ewsdav/graph-client";
import { EWSDAV_UID_PROPERTY } from "@ewsdav/mappers";
import type { CollectionKind } from "../../engine/side.js";
import type { GraphSideOptions } from "./options.js";

/** The state of one Graph side, shared by its modules (one per `GraphSide`). */
export interface GraphContext {
  readonly client: GraphClient;
  readonly options: GraphSideOptions;
  /** The side's name, for messages. */
  readonly name: string;
  /** The kind of every collection listed or probed so far, by id. */
  readonly kinds: Map<string, CollectionKind>;
  /**
   * The id Graph gives a contact's `parentFolderId` for each contact collection, learnt when
   * needed (see `contacts.ts`, `outside`): for {@link DEFAULT_CONTACTS}, the default folder's id.
   * Made on first use.
   */
  contactFolderIds?: Map<string, string>;
}

/**
 * The id of the default Contacts folder as a collection of this side. Graph lists a mailbox's
 * contact folders below the default one (`/me/contactFolders`) and addresses the default one as
 * `/me/contacts`, without naming its id; the side names it `contacts`. A folder id (the default
 * folder's own, as `translateExchangeIds` gives it after a move) addresses it too.
 */
export const DEFAULT_CONTACTS = "contacts";

/**
 * ewsdav's UID property as Graph names a single-value extended property (`String {guid} Name
 * name`): the same property set and name the EWS side writes, so an item tagged over EWS is
 * recognised over Graph and the reverse.
 */
export const UID_PROPERTY_ID = `String {${EWSDAV_UID_PROPERTY.propertySetId}} Name ${EWSDAV_UID_PROPERTY.propertyName}`;

/** Whether a Graph extended property id names ewsdav's UID property (Graph answers the GUID in either case). */
export function isUidProperty(id: string): boolean {
  return id.toLowerCase() === UID_PROPERTY_ID.toLowerCase();
}

/** The UID an entity's `singleValueExtendedProperties` carry, or null. */
export function uidOf(entity: { singleValueExtendedProperties?: ReadonlyArray<{ id: string; value: string }> | null }): string | null {
  const found = entity.singleValueExtendedProperties?.find((p) => isUidProperty(p.id));
  return found && found.value !== "" ? found.value : null;
}

/**
 * The version the side reports for an entity: its `@odata.etag` (what `If-Match` takes), else one
 * made from its `changeKey` the way Graph makes etags (`W/"changeKey"`), else null.
 */
export function versionOf(entity: { "@odata.etag"?: string; changeKey?: string | null }): string | null {
  const etag = entity["@odata.etag"];
  if (typeof etag === "string" && etag !== "") return etag;
  return typeof entity.changeKey === "string" && entity.changeKey !== "" ? etagOfChangeKey(entity.changeKey) : null;
}

/** The `@odata.etag` Graph gives an Outlook item whose ChangeKey is `changeKey` (also what the move turns EWS versions into). */
export function etagOfChangeKey(changeKey: string): string {
  return `W/"${changeKey}"`;
}

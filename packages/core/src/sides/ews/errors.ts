/**
 * What an EWS failure means for the EWS side: {@link toSideError} classifies a failed call or
 * mapping of one item into a {@link SideError} (`not-found`, `precondition-failed`, `transient`,
 * `rejected`), and {@link streamingRefused} / {@link syncRefused} tell a server's refusal of a
 * feature (streaming notifications, SyncFolderItems) from a failure.
 *
 * @module
 */
import {
  EwsResponseError,
  HttpError,
  InsecureTransportError,
  isEwsError,
  ResponseTooLargeError,
  SoapFaultError,
  TransportError,
  XmlSecurityError,
  type EwsError,
} from "@ewsdav/ews-client";
import type { MapperError } from "@ewsdav/mappers";
import { SideError } from "../../engine/side.js";

/** Codes with which a server says it does not do streaming notifications (Exchange 2010 RTM and older, some proxies). */
const STREAMING_REFUSED = new Set([
  "ErrorInvalidServerVersion",
  "ErrorInvalidRequest",
  "ErrorSchemaValidation",
  "ErrorInvalidSubscriptionRequest",
  "ErrorInvalidOperation",
]);

/** Whether an error opening a streaming subscription means "use pull instead". */
export function streamingRefused(error: unknown): boolean {
  if (error instanceof EwsResponseError) return STREAMING_REFUSED.has(error.responseCode);
  if (error instanceof SoapFaultError) return error.responseCode !== undefined && STREAMING_REFUSED.has(error.responseCode);
  if (error instanceof HttpError) return [400, 404, 405, 501].includes(error.status);
  return false;
}

/**
 * Codes with which Exchange refuses SyncFolderItems on a folder (public folders, Office 365 group
 * mailboxes): the folder's feed is then a FindItem listing.
 */
const SYNC_REFUSED = new Set(["ErrorInvalidOperation", "ErrorOperationNotAllowedWithPublicFolderRoot"]);

/** Whether SyncFolderItems was refused for the folder (not failed: asking again would not help). */
export function syncRefused(error: unknown): boolean {
  if (error instanceof EwsResponseError) return SYNC_REFUSED.has(error.responseCode);
  if (error instanceof SoapFaultError) return error.responseCode !== undefined && SYNC_REFUSED.has(error.responseCode);
  return false;
}

/**
 * Whether asking again later may succeed: below HTTP (reset, timeout, TLS), a throttle or a server
 * fault (429, 5xx), a body cut short, or a response code of the busy/timeout/unavailable kind.
 * Refusals that asking again cannot change (plain http refused, a response over the size limit,
 * malformed XML, 4xx) are `rejected`.
 */
function isTransientEwsError(error: EwsError, code: string): boolean {
  if (error instanceof TransportError) return true;
  if (error instanceof HttpError) return error.status === 429 || error.status === 408 || error.status >= 500;
  if (error instanceof XmlSecurityError) return error.rule === "truncated";
  if (error instanceof InsecureTransportError || error instanceof ResponseTooLargeError) return false;
  return /Busy|Timeout|Unavailable|Connection|Transient/i.test(code);
}

/**
 * Whether `error` is the mappers' {@link MapperError}, told by its name (always `MapperError`): the
 * class is not imported, so that a side that maps nothing (a quiet cycle) does not load the mappers.
 */
function isMapperError(error: unknown): error is MapperError {
  return error instanceof Error && error.name === "MapperError";
}

/**
 * Maps an EWS or mapper failure of one item to a {@link SideError} (`id`: the item's, `null` for a
 * create). A {@link SideError} passes as it is; an unknown failure is `transient`.
 */
export function toSideError(error: unknown, id: string | null): SideError {
  if (error instanceof SideError) return error;
  if (isMapperError(error)) return new SideError("rejected", `mapping: ${error.message}`, id);
  if (isEwsError(error)) {
    const code = (error as EwsError & { responseCode?: string }).responseCode ?? error.code;
    if (code === "ErrorItemNotFound" || code === "ErrorItemNotFoundInStore") return new SideError("not-found", error.message, id);
    if (code === "ErrorIrresolvableConflict" || code === "ErrorChangeKeyRequiredForWriteOperations" || code === "ErrorStaleObject") {
      return new SideError("precondition-failed", error.message, id);
    }
    if (code === "ErrorAccessDenied" || code === "ErrorCannotCreateCalendarItemInNonCalendarFolder") return new SideError("rejected", error.message, id);
    if (isTransientEwsError(error, code)) return new SideError("transient", error.message, id);
    return new SideError("rejected", `${code}: ${error.message}`, id);
  }
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}

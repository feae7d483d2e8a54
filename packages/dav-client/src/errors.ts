/**
 * Typed errors of the DAV client. Every error is a {@link DavError} with a machine-readable
 * {@link DavErrorCode}; subclasses carry the data a caller acts on (the href of a failed
 * precondition, the HTTP status). Messages name the request (method and URL without
 * credentials or query string) and never contain a password, token or Authorization header.
 */

/** Every code a {@link DavError} can carry. */
export type DavErrorCode =
  | "INVALID_OPTIONS"
  | "INVALID_ITEM"
  | "INVALID_CURSOR"
  | "HTTP_STATUS"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "PRECONDITION_FAILED"
  | "INVALID_SYNC_TOKEN"
  | "INVALID_XML"
  | "RESPONSE_TOO_LARGE"
  | "REDIRECT_REFUSED"
  | "TOO_MANY_REDIRECTS"
  | "TIMEOUT"
  | "ABORTED"
  | "NETWORK"
  | "DISCOVERY_FAILED"
  | "FOREIGN_HREF"
  | "OUTSIDE_COLLECTION"
  | "INSECURE_TRANSPORT";

/** Base class of every error the DAV client throws or returns. */
export class DavError extends Error {
  /** What went wrong, for programs. */
  readonly code: DavErrorCode;

  /** An error with a code and a message (which must not hold secrets). */
  constructor(code: DavErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DavError";
    this.code = code;
  }
}

/** The server answered with an unexpected HTTP status. */
export class DavHttpError extends DavError {
  /** The HTTP status code. */
  readonly status: number;
  /** The request method. */
  readonly method: string;
  /** The request URL, without credentials or query. */
  readonly url: string;

  /** The code follows the status: 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 404 `NOT_FOUND`, else `HTTP_STATUS`. */
  constructor(
    method: string,
    url: string,
    status: number,
    detail?: string,
    code: DavErrorCode = status === 401 ? "UNAUTHORIZED" : status === 403 ? "FORBIDDEN" : status === 404 ? "NOT_FOUND" : "HTTP_STATUS",
  ) {
    super(code, `${method} ${url} answered HTTP ${status}${detail ? `: ${detail}` : ""}`);
    this.name = "DavHttpError";
    this.status = status;
    this.method = method;
    this.url = url;
  }
}

/**
 * A conditional write failed: `If-Match` named an ETag the item no longer has, or
 * `If-None-Match: *` found an item already there (HTTP 412, also when reported inside a 207).
 */
export class PreconditionFailedError extends DavError {
  /** The item's href (absolute path, canonical percent-encoding). */
  readonly href: string;
  /** The HTTP status the server gave (412, or the status inside a multistatus). */
  readonly status: number;

  /** For the write `method` on `href`, which the server refused with `status`. */
  constructor(href: string, method: string, status = 412) {
    super("PRECONDITION_FAILED", `${method} ${href}: precondition failed (HTTP ${status}); the item changed or already exists`);
    this.name = "PreconditionFailedError";
    this.href = href;
    this.status = status;
  }
}

/** The server rejected a sync-token (403 `DAV:valid-sync-token`, or a 5xx on an unknown token). */
export class InvalidSyncTokenError extends DavError {
  /** The collection the token was sent to. */
  readonly collection: string;
  /** The HTTP status the server answered with. */
  readonly status: number;

  /** For a sync-collection REPORT on `collection` refused with `status`. */
  constructor(collection: string, status: number) {
    super("INVALID_SYNC_TOKEN", `sync-collection on ${collection}: the server rejected the sync-token (HTTP ${status})`);
    this.name = "InvalidSyncTokenError";
    this.collection = collection;
    this.status = status;
  }
}

/**
 * A write (PUT, DELETE) was asked for an href that is not a member of the collection it was
 * meant for: refused before anything was sent.
 */
export class OutsideCollectionError extends DavError {
  /** The href asked for (canonical path, or the redacted URL when on another origin). */
  readonly href: string;
  /** The collection it had to be a member of (canonical path). */
  readonly collection: string;

  /** For `method` on `href`, which is not a member of `collection` (`why` says how). */
  constructor(method: string, href: string, collection: string, why: string) {
    super("OUTSIDE_COLLECTION", `${method} ${href} refused: not a member of the collection ${collection} (${why})`);
    this.name = "OutsideCollectionError";
    this.href = href;
    this.collection = collection;
  }
}

/** A URL without user info, query or fragment, for messages (one home: `@ewsdav/http`). */
export { redactUrl } from "@ewsdav/http";

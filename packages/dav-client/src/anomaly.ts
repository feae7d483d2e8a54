/**
 * Anomalies: what a server answered that the client did not take, so that a caller can show
 * it. Today the one kind is an href dropped from an answer because it is on another origin or
 * not a member of the collection asked about (after resolving `..` and percent-encoding):
 * taking it would let a server steer later reads and writes, made with the user's
 * credentials, to a place outside the collection.
 *
 * Anomalies reach the caller in two ways: a change feed carries those of its listing
 * (`DavChangeFeed.anomalies`), and every anomaly, whatever the operation, goes to the
 * client's `onAnomaly` listener.
 */
import type { HrefProblem } from "./href.js";

/** The operation whose answer held an anomaly. */
export type DavAnomalyOperation = "sync-collection" | "etag-listing" | "multiget" | "fetch-all" | "list-collections" | "discovery";

/** An href the client dropped from an answer. */
export interface DavAnomaly {
  /** What kind of anomaly (one kind so far). */
  readonly kind: "href-dropped";
  /** The operation whose answer held it. */
  readonly operation: DavAnomalyOperation;
  /** The collection (or home, or principal) the request was about: a canonical path. */
  readonly collection: string;
  /**
   * The href as resolved: a canonical path on the server's origin, or, for another origin, the
   * absolute URL without user-info, query or fragment.
   */
  readonly href: string;
  /** Why it was dropped. */
  readonly reason: HrefProblem;
}

/** Receives anomalies as they are met (a listener that throws is ignored). */
export type DavAnomalyListener = (anomaly: DavAnomaly) => void;

/** One line describing an anomaly, for logs and reports. */
export function describeAnomaly(anomaly: DavAnomaly): string {
  const why =
    anomaly.reason === "foreign-origin"
      ? "is on another origin"
      : anomaly.reason === "nested"
        ? "is below a sub-collection"
        : anomaly.reason === "unsafe-segment"
          ? "has a name a server may resolve elsewhere (dot segment, encoded slash or backslash, NUL)"
          : "is outside the collection";
  return `${anomaly.operation} answer for ${anomaly.collection} named ${anomaly.href}, which ${why}; dropped`;
}

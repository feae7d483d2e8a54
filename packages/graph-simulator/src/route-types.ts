/**
 * The request and answer of a route: one home for the shapes every route module uses (routes.ts,
 * the calendar, To Do and photo routes), so none imports routes.ts back (no import cycle, not
 * even through types).
 */
import type { SimulatedMailbox } from "@ewsdav/ews-simulator";
import type { DeltaTokens } from "./delta.js";
import type { ImmutableIds } from "./ids.js";

/** A request as a route sees it. */
export interface RouteRequest {
  method: string;
  /** Path segments after the user. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The parsed JSON body, or the bytes of a body that is not JSON. */
  body: unknown;
  box: SimulatedMailbox;
  /** `/me` or `/users/{id}`, as the request named the mailbox. */
  userPath: string;
  immutable: ImmutableIds;
  /** The service root, e.g. `http://127.0.0.1:PORT/v1.0`. */
  root: string;
  tokens: DeltaTokens;
}

/** A route's answer: a JSON body, or bytes (with their content type in `headers`). */
export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
